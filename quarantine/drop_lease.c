/*
 * drop_lease.c - the drop folder's claim leases (see drop_lease.h).
 */
#include <stdio.h>

#include "audit.h"
#include "drop_lease.h"
#include "store.h"
#include "util.h"

struct lease {
	const char *key, *from_key, *node;
	int64_t expires;
};

static int put_lease(mq_store *s, const struct lease *l, char **err)
{
	mq_param p[] = { MQ_TEXT(l->key), MQ_TEXT(l->node), MQ_INT(l->expires) };

	if (mq_ix_exec(s->ix, "DELETE FROM mq_drop_leases WHERE path = $1", p, 1, NULL, err) < 0)
		return MQ_E_ERROR;
	return mq_ix_exec(s->ix, "INSERT INTO mq_drop_leases (path, node, expires) VALUES ($1, $2, $3)",
	                  p, 3, NULL, err) < 0
	               ? MQ_E_ERROR
	               : MQ_OK;
}

static int hold_locked(mq_store *s, void *arg, char **err)
{
	return put_lease(s, arg, err);
}

int mq_drop_lease_hold(mq_store *s, const char *key, const char *node, int64_t expires,
                       char **err)
{
	struct lease l = { key, NULL, node, expires };

	return mq_write_tx(s, hold_locked, &l, err);
}

static int delete_lease(mq_store *s, const char *key, char **err)
{
	mq_param p = MQ_TEXT(key);

	return mq_ix_exec(s->ix, "DELETE FROM mq_drop_leases WHERE path = $1", &p, 1, NULL, err) < 0
	               ? MQ_E_ERROR
	               : MQ_OK;
}

static int release_locked(mq_store *s, void *arg, char **err)
{
	const struct lease *l = arg;

	return delete_lease(s, l->key, err);
}

int mq_drop_lease_release(mq_store *s, const char *key, char **err)
{
	struct lease l = { key, NULL, NULL, 0 };

	return mq_write_tx(s, release_locked, &l, err);
}

static int takeover_locked(mq_store *s, void *arg, char **err)
{
	const struct lease *l = arg;
	mq_param p[] = { MQ_TEXT(l->from_key), MQ_INT(mq_now()) };
	char actor[80], detail[1024];
	mq_rows r;
	int live;

	if (mq_ix_exec(s->ix, "SELECT node FROM mq_drop_leases WHERE path = $1 AND expires > $2", p, 2,
	               &r, err) < 0)
		return MQ_E_ERROR;
	live = r.nrows > 0;
	mq_rows_free(&r);
	if (live)
		return 0; /* its node is alive and renewing: not ours to take */
	if (delete_lease(s, l->from_key, err) < 0 || put_lease(s, l, err) < 0)
		return MQ_E_ERROR;
	snprintf(actor, sizeof(actor), "dropd:%s", l->node);
	snprintf(detail, sizeof(detail), "claim=%s taken_as=%s", l->from_key, l->key);
	return mq_audit_append(s->ix, actor, "drop_takeover", "", detail, err) < 0 ? MQ_E_ERROR : 1;
}

int mq_drop_lease_takeover(mq_store *s, const char *from_key, const char *to_key,
                           const char *to, int64_t expires, char **err)
{
	struct lease l = { to_key, from_key, to, expires };

	return mq_write_tx(s, takeover_locked, &l, err);
}
