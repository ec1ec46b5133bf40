/*
 * unlock.c - PPAP: an encrypted item waiting for its password, and the
 * record of every attempt to open it.
 *
 * The store never sees a password.  The caller tries the candidates in
 * the sandbox and tells the store who or what supplied them, how many,
 * and what came of it; that is all the audit entry holds, so the chain
 * may be shown to an auditor like any other.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "audit.h"
#include "blob.h"
#include "originals.h"
#include "store.h"
#include "util.h"

#define ROLE(r) (1u << (r))
#define CAN_UNLOCK (ROLE(MQ_ROLE_APPROVER) | ROLE(MQ_ROLE_ADMIN))

/* Statuses an unlock may start from: kept, not on its way out, not gone. */
static int unlockable(mq_status st)
{
	return st == MQ_QUARANTINED || st == MQ_AWAITING_PASSWORD || st == MQ_DENIED;
}

/* Whether the item, or a part of it (the zip of a PPAP mail, removed from
 * the delivered copy), was encrypted: its report says so.  A string in
 * the JSON cannot fake the member: its quotes would be escaped. */
static int has_encrypted_part(mq_store *s, const char *item_id, char **err)
{
	mq_param p = MQ_TEXT(item_id);
	mq_rows r;
	int yes;

	if (mq_ix_exec(s->ix, "SELECT report FROM mq_items WHERE item_id = $1", &p, 1, &r, err) < 0)
		return MQ_E_ERROR;
	yes = r.nrows == 1 && mq_cell(&r, 0, 0) &&
	      (strstr(mq_cell(&r, 0, 0), "\"status\": \"encrypted\"") ||
	       strstr(mq_cell(&r, 0, 0), "\"status\":\"encrypted\""));
	mq_rows_free(&r);
	return yes;
}

int mq_item_has_encrypted(mq_store *s, const mq_item *it, char **err)
{
	return strcmp(it->verdict, "encrypted") == 0 ? 1 : has_encrypted_part(s, it->item_id, err);
}

static int need_unlockable(mq_store *s, const mq_item *it, char **err)
{
	int enc;

	if (!unlockable(it->status))
		return mq_fail(err, MQ_E_REFUSED, "refused: item %s is %s; it cannot be unlocked",
		               it->item_id, mq_status_name(it->status));
	if (strcmp(it->verdict, "encrypted") == 0)
		return MQ_OK;
	if ((enc = has_encrypted_part(s, it->item_id, err)) < 0)
		return enc;
	return enc ? MQ_OK
	           : mq_fail(err, MQ_E_REFUSED, "refused: item %s has no encrypted part to unlock",
	                     it->item_id);
}

/* A user acting on an unlock must be an approver or an admin. */
static int need_unlocker(mq_store *s, const char *user, char **err)
{
	mq_role role;
	int rc = mq_actor_role(s, user, &role, err);

	if (rc < 0)
		return rc;
	if (!(CAN_UNLOCK & ROLE(role)))
		return mq_fail(err, MQ_E_REFUSED, "refused: %s has the %s role; unlocking needs the "
		               "approver or admin role", user, mq_role_name(role));
	return MQ_OK;
}

int mq_unlock_check(mq_store *s, const char *user, const char *item_id, mq_item *out,
                    unsigned char **original, char **err)
{
	int rc;

	*out = (mq_item){ 0 };
	if (original)
		*original = NULL;
	pthread_mutex_lock(&s->lock);
	rc = user ? need_unlocker(s, user, err) : MQ_OK;
	if (rc == MQ_OK)
		rc = mq_item_load(s, item_id, out, err);
	if (rc == MQ_OK)
		rc = need_unlockable(s, out, err);
	pthread_mutex_unlock(&s->lock);
	if (rc == MQ_OK && original &&
	    mq_orig_read(s, out->sha256, out->size, original, err) < 0)
		rc = MQ_E_ERROR;
	if (rc < 0)
		mq_item_free(out);
	return rc;
}

int mq_report_unlocked_by(mq_store *s, const char *item_id, const char *by, char **err)
{
	mq_param p = MQ_TEXT(item_id);
	mq_rows r;
	json_t *rep = NULL;
	char *text = NULL;
	int rc = MQ_OK;

	if (mq_ix_exec(s->ix, "SELECT report FROM mq_items WHERE item_id = $1", &p, 1, &r, err) < 0)
		return MQ_E_ERROR;
	if (r.nrows == 1 && mq_cell(&r, 0, 0))
		rep = json_loads(mq_cell(&r, 0, 0), 0, NULL);
	mq_rows_free(&r);
	/* a report that is not JSON stays as it is: the audit entry has it all */
	if (!json_is_object(rep)) {
		json_decref(rep);
		return MQ_OK;
	}
	json_object_set_new(rep, "unlocked_by", json_string(by));
	text = json_dumps(rep, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(rep);
	if (!text)
		return mq_fail(err, MQ_E_ERROR, "out of memory");
	{
		mq_param q[] = { MQ_TEXT(item_id), MQ_TEXT(text) };

		if (mq_ix_exec(s->ix, "UPDATE mq_items SET report = $2 WHERE item_id = $1", q, 2, NULL,
		               err) < 0)
			rc = MQ_E_ERROR;
	}
	free(text);
	return rc;
}

struct attempt {
	const char *user, *item_id, *source, *outcome;
	unsigned candidates;
	int unlocked;
	mq_item item;
};

static int attempt_locked(mq_store *s, struct attempt *a, char **err)
{
	char actor[80], detail[600];
	mq_param p[4];
	int rc;

	if ((a->user && (rc = need_unlocker(s, a->user, err)) < 0) ||
	    (rc = mq_item_load(s, a->item_id, &a->item, err)) < 0)
		return rc;
	snprintf(actor, sizeof(actor), "%s", a->user ? a->user : "system:");
	if (!a->user)
		snprintf(actor, sizeof(actor), "system:%.60s", a->item.channel);
	/* what the entry says: never a password, only where they came from */
	snprintf(detail, sizeof(detail), "source=%.200s candidates=%u outcome=%.300s",
	         a->source && *a->source ? a->source : "unknown", a->candidates,
	         a->outcome && *a->outcome ? a->outcome : a->unlocked ? "unlocked" : "failed");
	if (!a->unlocked)
		return mq_audit_append(s->ix, actor, "unlock_failed", a->item_id, detail, err) < 0
		               ? MQ_E_ERROR
		               : MQ_OK;
	/* a second unlock racing this one finds the item unlocked already */
	if ((rc = need_unlockable(s, &a->item, err)) < 0)
		return rc;
	p[0] = MQ_TEXT(a->item_id);
	p[1] = MQ_TEXT(actor);
	p[2] = MQ_TEXT(detail);
	p[3] = MQ_INT(mq_now());
	if (mq_ix_exec(s->ix,
	               "UPDATE mq_items SET status = 'unlocked', decided_by = $2,"
	               " decision_reason = $3, decided_at = $4, claim_until = 0 WHERE item_id = $1",
	               p, 4, NULL, err) < 0 ||
	    mq_report_unlocked_by(s, a->item_id, a->source && *a->source ? a->source : actor,
	                          err) < 0 ||
	    mq_audit_append(s->ix, actor, "unlock", a->item_id, detail, err) < 0)
		return MQ_E_ERROR;
	return MQ_OK;
}

int mq_unlock_note(mq_store *s, const char *user, const char *item_id, const char *source,
                   unsigned candidates, int unlocked, const char *outcome, char **err)
{
	struct attempt a = { .user = user, .item_id = item_id, .source = source,
			     .outcome = outcome, .candidates = candidates, .unlocked = unlocked };
	int rc;

	pthread_mutex_lock(&s->lock);
	rc = s->ix->ops->begin_write(s->ix, err) < 0 ? MQ_E_ERROR : MQ_OK;
	if (rc == MQ_OK)
		rc = mq_finish(s, attempt_locked(s, &a, err), err);
	pthread_mutex_unlock(&s->lock);
	mq_item_free(&a.item);
	return rc;
}

static int await_locked(mq_store *s, struct attempt *a, char **err)
{
	char actor[80];
	mq_param p = MQ_TEXT(a->item_id);
	int rc;

	if ((rc = mq_item_load(s, a->item_id, &a->item, err)) < 0)
		return rc;
	if (a->item.status != MQ_QUARANTINED)
		return mq_fail(err, MQ_E_REFUSED, "refused: item %s is %s; only a quarantined item "
		               "waits for its password", a->item_id, mq_status_name(a->item.status));
	snprintf(actor, sizeof(actor), "system:%.60s", a->item.channel);
	if (mq_ix_exec(s->ix, "UPDATE mq_items SET status = 'awaiting_password' WHERE item_id = $1",
	               &p, 1, NULL, err) < 0 ||
	    mq_audit_append(s->ix, actor, "await_password", a->item_id,
	                    a->outcome ? a->outcome : "", err) < 0)
		return MQ_E_ERROR;
	return MQ_OK;
}

int mq_await_password(mq_store *s, const char *item_id, const char *detail, char **err)
{
	struct attempt a = { .item_id = item_id, .outcome = detail };
	int rc;

	pthread_mutex_lock(&s->lock);
	rc = s->ix->ops->begin_write(s->ix, err) < 0 ? MQ_E_ERROR : MQ_OK;
	if (rc == MQ_OK)
		rc = mq_finish(s, await_locked(s, &a, err), err);
	pthread_mutex_unlock(&s->lock);
	mq_item_free(&a.item);
	return rc;
}

/* PPAP: the window passed without a password that opens the item. */
static int expire_locked(mq_store *s, struct attempt *a, char **err)
{
	char actor[80];
	mq_param p = MQ_TEXT(a->item_id);
	int rc;

	if ((rc = mq_item_load(s, a->item_id, &a->item, err)) < 0)
		return rc;
	if (a->item.status != MQ_AWAITING_PASSWORD)
		return mq_fail(err, MQ_E_REFUSED, "refused: item %s is %s, not awaiting_password",
		               a->item_id, mq_status_name(a->item.status));
	snprintf(actor, sizeof(actor), "system:%.60s", a->item.channel);
	if (mq_ix_exec(s->ix, "UPDATE mq_items SET status = 'quarantined' WHERE item_id = $1", &p, 1,
	               NULL, err) < 0 ||
	    mq_audit_append(s->ix, actor, "password_expired", a->item_id,
	                    a->outcome ? a->outcome : "", err) < 0)
		return MQ_E_ERROR;
	return MQ_OK;
}

int mq_password_expired(mq_store *s, const char *item_id, const char *detail, char **err)
{
	struct attempt a = { .item_id = item_id, .outcome = detail };
	int rc;

	pthread_mutex_lock(&s->lock);
	rc = s->ix->ops->begin_write(s->ix, err) < 0 ? MQ_E_ERROR : MQ_OK;
	if (rc == MQ_OK)
		rc = mq_finish(s, expire_locked(s, &a, err), err);
	pthread_mutex_unlock(&s->lock);
	mq_item_free(&a.item);
	return rc;
}
