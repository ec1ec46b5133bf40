/*
 * review.c - the review actions: request, approve (two people), deny,
 * delete, purge, download.
 *
 * Each action is one transaction under the write lock: the acting user's
 * role and the item's status are read, the row changed and the audit entry
 * appended together, so a check and its effect cannot be separated by
 * another writer.  Approval is the exception: the release hook may be
 * slow or fail, so the item is claimed in one transaction, delivered
 * without the lock, and marked released (or the failure recorded) in a
 * second one.  A claim expires, so a crash in between never wedges an
 * item.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_token.h"
#include "audit.h"
#include "blob.h"
#include "originals.h"
#include "store.h"
#include "util.h"

#define CLAIM_SECONDS 300
#define PURGE_BATCH 100

#define ROLE(r) (1u << (r))
#define CAN_REQUEST (ROLE(MQ_ROLE_REVIEWER) | ROLE(MQ_ROLE_ADMIN))
#define CAN_DECIDE (ROLE(MQ_ROLE_APPROVER) | ROLE(MQ_ROLE_ADMIN))
#define CAN_ADMIN ROLE(MQ_ROLE_ADMIN)

struct act {
	const char *user, *item_id, *reason;
	int self;             /* approving one's own request: the exception */
	mq_item item;
	int64_t before;       /* purge */
	uint64_t count;       /* purge */
	char **aside;         /* blobs set aside, dropped after the commit */
	char **aside_sha;
	size_t naside;
};

int mq_actor_role(mq_store *s, const char *user, mq_role *role, char **err)
{
	mq_param p = MQ_TEXT(user);
	mq_rows r;
	int rc = MQ_OK;

	*role = MQ_ROLE_NONE;
	if (!user || !*user)
		return mq_fail(err, MQ_E_REFUSED, "refused: this action needs a named user");
	if (strncmp(user, "api:", 4) == 0)
		return mq_api_client_role(s, user + 4, role, err);
	if (mq_ix_exec(s->ix, "SELECT role, disabled FROM mq_users WHERE name = $1", &p, 1, &r,
	               err) < 0)
		return MQ_E_ERROR;
	if (r.nrows == 0)
		rc = mq_fail(err, MQ_E_REFUSED, "refused: no user '%.64s'", user);
	else if (mq_atoi64(mq_cell(&r, 0, 1)) != 0)
		rc = mq_fail(err, MQ_E_REFUSED, "refused: user %.64s is disabled", user);
	else if (mq_role_parse(mq_cell(&r, 0, 0), role) < 0)
		rc = mq_fail(err, MQ_E_REFUSED, "refused: user %.64s has no valid role", user);
	mq_rows_free(&r);
	return rc;
}

static int need_role(mq_store *s, const char *user, unsigned allowed, const char *doing,
                     char **err)
{
	mq_role role;
	int rc = mq_actor_role(s, user, &role, err);

	if (rc < 0)
		return rc;
	if (!(allowed & ROLE(role)))
		return mq_fail(err, MQ_E_REFUSED, "refused: %s has the %s role; %s needs the %s role", user,
		               mq_role_name(role), doing,
		               allowed == CAN_REQUEST  ? "reviewer or admin"
		               : allowed == CAN_DECIDE ? "approver or admin"
		                                       : "admin");
	return MQ_OK;
}

/* Runs fn in one write transaction; the store's lock is held throughout. */
static int in_write_tx(mq_store *s, int (*fn)(mq_store *, struct act *, char **), struct act *a,
                       char **err)
{
	int rc;

	pthread_mutex_lock(&s->lock);
	rc = s->ix->ops->begin_write(s->ix, err) < 0 ? MQ_E_ERROR : MQ_OK;
	if (rc == MQ_OK)
		rc = mq_finish(s, fn(s, a, err), err);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

static int need_reason(const char *reason, const char *doing, char **err)
{
	if (!reason || reason[strspn(reason, " \t\r\n")] == 0)
		return mq_fail(err, MQ_E_REFUSED, "refused: %s needs a reason", doing);
	return MQ_OK;
}

/* Sets status and the decision columns in one statement. */
static int set_decision(mq_store *s, const char *item_id, const char *status, const char *user,
                        const char *reason, char **err)
{
	char *clean = mq_clean_text(reason, 4096);
	mq_param p[] = { MQ_TEXT(item_id), MQ_TEXT(status), MQ_TEXT(user), MQ_TEXT(clean),
		         MQ_INT(mq_now()) };
	int rc;

	if (!clean)
		return mq_fail(err, MQ_E_ERROR, "out of memory");
	rc = mq_ix_exec(s->ix,
	                "UPDATE mq_items SET status = $2, decided_by = $3, decision_reason = $4,"
	                " decided_at = $5, claim_until = 0 WHERE item_id = $1",
	                p, 5, NULL, err) < 0
	             ? MQ_E_ERROR
	             : MQ_OK;
	free(clean);
	return rc;
}

/* An approval is delivering this item right now: nothing else may touch it. */
static int refuse_if_releasing(mq_store *s, const char *item_id, char **err)
{
	mq_param p[] = { MQ_TEXT(item_id), MQ_INT(mq_now()) };
	mq_rows r;
	int busy;

	if (mq_ix_exec(s->ix, "SELECT 1 FROM mq_items WHERE item_id = $1 AND claim_until >= $2", p,
	               2, &r, err) < 0)
		return MQ_E_ERROR;
	busy = r.nrows > 0;
	mq_rows_free(&r);
	return busy ? mq_fail(err, MQ_E_REFUSED, "refused: item %s is being released right now",
	                      item_id)
	            : MQ_OK;
}

/* --- request ------------------------------------------------------------ */

static int request_locked(mq_store *s, struct act *a, char **err)
{
	char *clean;
	int rc;

	if ((rc = need_role(s, a->user, CAN_REQUEST, "requesting a release", err)) < 0 ||
	    (rc = mq_item_load(s, a->item_id, &a->item, err)) < 0)
		return rc;
	if (a->item.status != MQ_QUARANTINED && a->item.status != MQ_DENIED)
		return mq_fail(err, MQ_E_REFUSED, "refused: item %s is %s; only a quarantined or denied "
		               "item can be requested", a->item_id, mq_status_name(a->item.status));
	if (!(clean = mq_clean_text(a->reason, 4096)))
		return mq_fail(err, MQ_E_ERROR, "out of memory");
	{
		mq_param p[] = { MQ_TEXT(a->item_id), MQ_TEXT(a->user), MQ_TEXT(clean),
			         MQ_INT(mq_now()) };

		rc = mq_ix_exec(s->ix,
		                "UPDATE mq_items SET status = 'release_requested', requested_by = $2,"
		                " request_reason = $3, requested_at = $4, decided_by = '',"
		                " decision_reason = '', decided_at = 0 WHERE item_id = $1",
		                p, 4, NULL, err);
	}
	if (rc == 0)
		rc = mq_audit_append(s->ix, a->user, "request", a->item_id, clean, err);
	free(clean);
	return rc < 0 ? MQ_E_ERROR : MQ_OK;
}

int mq_request(mq_store *s, const char *user, const char *item_id, const char *reason, char **err)
{
	struct act a = { .user = user, .item_id = item_id, .reason = reason };
	int rc = need_reason(reason, "a release request", err);

	if (rc == MQ_OK)
		rc = in_write_tx(s, request_locked, &a, err);
	mq_item_free(&a.item);
	return rc;
}

/* --- approve and release ------------------------------------------------ */

/* The exception of 第6条第2項: only when configured, only for one's own
 * request, only with a reason. */
static int may_approve_own(mq_store *s, const struct act *a, char **err)
{
	size_t n = a->reason ? strlen(a->reason) : 0;

	if (!s->self_approval)
		return mq_fail(err, MQ_E_REFUSED, "refused: approving one's own request is not enabled "
		               "(quarantine.self_approval = no); another approver must approve it");
	if (strcmp(a->item.requested_by, a->user) != 0)
		return mq_fail(err, MQ_E_REFUSED, "refused: %s did not request this release; the "
		               "exception is only for one's own request", a->user);
	if (n < 10 || n > 1000)
		return mq_fail(err, MQ_E_REFUSED, "refused: approving one's own request needs a reason "
		               "(why no other approver is available), 10 to 1000 characters");
	return MQ_OK;
}

static int claim_locked(mq_store *s, struct act *a, char **err)
{
	int64_t now = mq_now();
	mq_param p[] = { MQ_TEXT(a->item_id), MQ_INT(now + CLAIM_SECONDS), MQ_INT(now) };
	mq_rows r;
	char detail[400];
	int rc;

	if ((rc = need_role(s, a->user, CAN_DECIDE, "approving a release", err)) < 0 ||
	    (rc = mq_item_load(s, a->item_id, &a->item, err)) < 0)
		return rc;
	if (a->item.status != MQ_RELEASE_REQUESTED)
		return mq_fail(err, MQ_E_REFUSED,
		               "refused: item %s is %s; only a requested release can be approved",
		               a->item_id, mq_status_name(a->item.status));
	if (strcmp(a->item.requested_by, a->user) == 0 && !a->self)
		return mq_fail(err, MQ_E_REFUSED,
		               "refused: %s requested this release; a different approver must approve it",
		               a->user);
	if (a->self && (rc = may_approve_own(s, a, err)) < 0)
		return rc;
	if (mq_ix_exec(s->ix,
	               "UPDATE mq_items SET claim_until = $2 WHERE item_id = $1 AND"
	               " status = 'release_requested' AND claim_until < $3 RETURNING item_id",
	               p, 3, &r, err) < 0)
		return MQ_E_ERROR;
	rc = r.nrows == 1 ? MQ_OK
	                  : mq_fail(err, MQ_E_REFUSED,
	                            "refused: a release of item %s is already under way", a->item_id);
	mq_rows_free(&r);
	if (rc < 0)
		return rc;
	if (a->self)
		snprintf(detail, sizeof(detail),
		         "EXCEPTION (%s): requested and approved by %.64s alone; reason: %.200s",
		         MQ_SELF_APPROVAL_BASIS, a->user, a->reason);
	else
		snprintf(detail, sizeof(detail), "requested by %.64s", a->item.requested_by);
	return mq_audit_append(s->ix, a->user, a->self ? "approve_self" : "approve", a->item_id, detail,
	                       err) < 0 ? MQ_E_ERROR : MQ_OK;
}

static int released_locked(mq_store *s, struct act *a, char **err)
{
	char detail[200];

	snprintf(detail, sizeof(detail), "sha256=%s requested by %.64s", a->item.sha256,
	         a->item.requested_by);
	if (set_decision(s, a->item_id, "released", a->user, "", err) < 0 ||
	    mq_audit_append(s->ix, a->user, "release", a->item_id, detail, err) < 0)
		return MQ_E_ERROR;
	return MQ_OK;
}

/* The hook failed: the claim goes, the item stays requested, the audit
 * log says why (a->reason carries the failure). */
static int failed_locked(mq_store *s, struct act *a, char **err)
{
	mq_param p = MQ_TEXT(a->item_id);

	if (mq_ix_exec(s->ix, "UPDATE mq_items SET claim_until = 0 WHERE item_id = $1", &p, 1, NULL,
	               err) < 0 ||
	    mq_audit_append(s->ix, a->user, "release_failed", a->item_id, a->reason, err) < 0)
		return MQ_E_ERROR;
	return MQ_OK;
}

static int deliver(mq_store *s, struct act *a, char **why)
{
	unsigned char *data = NULL;
	mq_release_fn fn;
	void *ctx;
	int rc;

	pthread_mutex_lock(&s->lock);
	fn = s->release;
	ctx = s->release_ctx;
	pthread_mutex_unlock(&s->lock);
	if (mq_orig_read(s, a->item.sha256, a->item.size, &data, why) < 0)
		return -1;
	*why = NULL;
	rc = fn(ctx, &a->item, data, a->item.size, a->user, why);
	if (rc != 0 && !*why)
		*why = strdup("the release hook failed");
	free(data);
	return rc == 0 ? 0 : -1;
}

void mq_set_self_approval(mq_store *s, int allowed)
{
	pthread_mutex_lock(&s->lock);
	s->self_approval = allowed != 0;
	pthread_mutex_unlock(&s->lock);
}

static int approve(mq_store *s, struct act *a, char **err);

int mq_approve(mq_store *s, const char *user, const char *item_id, char **err)
{
	struct act a = { .user = user, .item_id = item_id };

	return approve(s, &a, err);
}

int mq_approve_own(mq_store *s, const char *user, const char *item_id, const char *reason,
                   char **err)
{
	struct act a = { .user = user, .item_id = item_id, .reason = reason, .self = 1 };

	return approve(s, &a, err);
}

static int approve(mq_store *s, struct act *a_in, char **err)
{
	struct act a = *a_in;
	const char *item_id = a.item_id;
	char *why = NULL;
	int rc;

	if (!s->release)
		return mq_fail(err, MQ_E_ERROR, "no release transport is configured");
	rc = in_write_tx(s, claim_locked, &a, err);
	if (rc < 0)
		goto done;
	if (deliver(s, &a, &why) == 0) {
		rc = in_write_tx(s, released_locked, &a, err);
		if (rc < 0)
			mq_fail(err, rc, "item %s was delivered, but recording the release failed: %s",
			        item_id, err && *err ? *err : "database error");
		goto done;
	}
	a.reason = why ? why : "out of memory";
	rc = in_write_tx(s, failed_locked, &a, err);
	rc = mq_fail(err, MQ_E_ERROR, "release of item %s failed: %s; it stays release_requested%s",
	             item_id, a.reason, rc < 0 ? " (and the failure could not be logged)" : "");
done:
	free(why);
	mq_item_free(&a.item);
	return rc;
}

/* --- deny --------------------------------------------------------------- */

static int deny_locked(mq_store *s, struct act *a, char **err)
{
	int rc;

	if ((rc = need_role(s, a->user, CAN_DECIDE, "denying a release", err)) < 0 ||
	    (rc = mq_item_load(s, a->item_id, &a->item, err)) < 0)
		return rc;
	if (a->item.status != MQ_QUARANTINED && a->item.status != MQ_RELEASE_REQUESTED)
		return mq_fail(err, MQ_E_REFUSED, "refused: item %s is %s; it cannot be denied",
		               a->item_id, mq_status_name(a->item.status));
	if ((rc = refuse_if_releasing(s, a->item_id, err)) < 0)
		return rc;
	if (set_decision(s, a->item_id, "denied", a->user, a->reason, err) < 0 ||
	    mq_audit_append(s->ix, a->user, "deny", a->item_id, a->reason, err) < 0)
		return MQ_E_ERROR;
	return MQ_OK;
}

int mq_deny(mq_store *s, const char *user, const char *item_id, const char *reason, char **err)
{
	struct act a = { .user = user, .item_id = item_id, .reason = reason };
	int rc = need_reason(reason, "a denial", err);

	if (rc == MQ_OK)
		rc = in_write_tx(s, deny_locked, &a, err);
	mq_item_free(&a.item);
	return rc;
}

/* --- delete and purge --------------------------------------------------- */

static int remember_aside(struct act *a, char *aside, const char *sha)
{
	char **p = realloc(a->aside, (a->naside + 1) * sizeof(*p));
	char **q;

	if (!p)
		return -1;
	a->aside = p;
	q = realloc(a->aside_sha, (a->naside + 1) * sizeof(*q));
	if (!q)
		return -1;
	a->aside_sha = q;
	a->aside[a->naside] = aside;
	a->aside_sha[a->naside] = strdup(sha);
	if (!a->aside_sha[a->naside])
		return -1;
	a->naside++;
	return 0;
}

/* When no live item uses sha any more, its blob is set aside (removed for
 * good after the commit).  *removed says whether it was. */
static int release_blob(mq_store *s, struct act *a, const char *sha, int *removed, char **err)
{
	mq_param p = MQ_TEXT(sha);
	mq_rows r;
	int64_t refs;
	char *aside = NULL;

	*removed = 0;
	if (mq_ix_exec(s->ix,
	               "SELECT count(*) FROM mq_items WHERE sha256 = $1 AND status <> 'deleted'", &p,
	               1, &r, err) < 0)
		return MQ_E_ERROR;
	refs = r.nrows ? mq_atoi64(mq_cell(&r, 0, 0)) : 0;
	mq_rows_free(&r);
	if (refs > 0)
		return MQ_OK;
	if (mq_orig_remove_locked(s, sha, &aside, err) < 0)
		return MQ_E_ERROR;
	if (aside && remember_aside(a, aside, sha) < 0) {
		mq_blob_restore(s->dir, sha, aside);
		free(aside);
		return mq_fail(err, MQ_E_ERROR, "out of memory");
	}
	*removed = 1;
	return MQ_OK;
}

/* After the transaction: drop the blobs for good, or put them back. */
static void settle_asides(mq_store *s, struct act *a, int committed)
{
	for (size_t i = 0; i < a->naside; i++) {
		if (committed)
			mq_blob_drop(a->aside[i]);
		else
			mq_blob_restore(s->dir, a->aside_sha[i], a->aside[i]);
		free(a->aside[i]);
		free(a->aside_sha[i]);
	}
	free(a->aside);
	free(a->aside_sha);
	a->aside = a->aside_sha = NULL;
	a->naside = 0;
}

static int delete_locked(mq_store *s, struct act *a, char **err)
{
	char detail[4200];
	int rc, removed;

	if ((rc = need_role(s, a->user, CAN_ADMIN, "deleting an item", err)) < 0 ||
	    (rc = mq_item_load(s, a->item_id, &a->item, err)) < 0)
		return rc;
	if (a->item.status == MQ_DELETED)
		return mq_fail(err, MQ_E_REFUSED, "refused: item %s is already deleted", a->item_id);
	if ((rc = refuse_if_releasing(s, a->item_id, err)) < 0)
		return rc;
	if (set_decision(s, a->item_id, "deleted", a->user, a->reason, err) < 0 ||
	    release_blob(s, a, a->item.sha256, &removed, err) < 0)
		return MQ_E_ERROR;
	snprintf(detail, sizeof(detail), "%s (original %s)", a->reason,
	         removed ? "removed" : "kept: other items use it");
	return mq_audit_append(s->ix, a->user, "delete", a->item_id, detail, err) < 0 ? MQ_E_ERROR
	                                                                               : MQ_OK;
}

int mq_delete(mq_store *s, const char *user, const char *item_id, const char *reason, char **err)
{
	struct act a = { .user = user, .item_id = item_id, .reason = reason };
	int rc = need_reason(reason, "a deletion", err);

	if (rc == MQ_OK) {
		rc = in_write_tx(s, delete_locked, &a, err);
		settle_asides(s, &a, rc == MQ_OK);
	}
	mq_item_free(&a.item);
	return rc;
}

static int purge_one(mq_store *s, struct act *a, const mq_item *it, const char *actor, char **err)
{
	mq_param p = MQ_TEXT(it->item_id);
	char detail[300];
	int removed = 0;

	/* its unlock links go with it */
	if (mq_ix_exec(s->ix, "DELETE FROM mq_items WHERE item_id = $1", &p, 1, NULL, err) < 0 ||
	    mq_ix_exec(s->ix, "DELETE FROM mq_unlock_tokens WHERE item_id = $1", &p, 1, NULL,
	               err) < 0 ||
	    release_blob(s, a, it->sha256, &removed, err) < 0)
		return MQ_E_ERROR;
	snprintf(detail, sizeof(detail), "sha256=%s status=%s received=%" PRId64 " original %s",
	         it->sha256, mq_status_name(it->status), it->received,
	         removed ? "removed" : "kept: other items use it");
	return mq_audit_append(s->ix, actor, "purge", it->item_id, detail, err) < 0 ? MQ_E_ERROR
	                                                                            : MQ_OK;
}

/* One batch; a->count grows by the items purged, 0 when none were left. */
static int purge_locked(mq_store *s, struct act *a, char **err)
{
	mq_param p[] = { MQ_INT(a->before), MQ_INT(PURGE_BATCH) };
	const char *actor = a->user ? a->user : mq_local_actor();
	mq_rows r;
	int rc = MQ_OK;

	if (a->user && (rc = need_role(s, a->user, CAN_ADMIN, "purging", err)) < 0)
		return rc;
	if (mq_ix_exec(s->ix,
	               "SELECT " MQ_ITEM_COLUMNS " FROM mq_items WHERE received < $1"
	               " ORDER BY received, item_id LIMIT $2",
	               p, 2, &r, err) < 0)
		return MQ_E_ERROR;
	for (size_t i = 0; rc == MQ_OK && i < r.nrows; i++) {
		mq_item it;

		if (mq_item_from_row(&r, i, &it) < 0)
			rc = mq_fail(err, MQ_E_ERROR, "out of memory");
		else
			rc = purge_one(s, a, &it, actor, err);
		mq_item_free(&it);
	}
	a->count = rc == MQ_OK ? r.nrows : 0;
	mq_rows_free(&r);
	return rc;
}

/* An original no item uses (a put that crashed before its commit):
 * removed under the write lock, so a put of the same content either
 * committed first (and the blob stays) or finds it gone and writes it
 * again. */
static int orphan_locked(mq_store *s, struct act *a, char **err)
{
	char detail[120];
	int removed;

	if (release_blob(s, a, a->item_id, &removed, err) < 0)
		return MQ_E_ERROR;
	if (!removed)
		return MQ_OK;
	snprintf(detail, sizeof(detail), "sha256=%s original used by no item removed", a->item_id);
	return mq_audit_append(s->ix, a->user ? a->user : mq_local_actor(), "purge_orphan", "",
	                       detail, err) < 0
	               ? MQ_E_ERROR
	               : MQ_OK;
}

struct sweep {
	mq_store *s;
	const char *user;
	char **err;
};

static int sweep_one(const char *sha, void *ctx)
{
	struct sweep *w = ctx;
	struct act a = { .user = w->user, .item_id = sha };
	mq_param p = MQ_TEXT(sha);
	mq_rows r;
	int rc, used;

	/* most blobs are in use: ask without the lock first */
	pthread_mutex_lock(&w->s->lock);
	rc = mq_ix_exec(w->s->ix, "SELECT 1 FROM mq_items WHERE sha256 = $1 AND status <> 'deleted' LIMIT 1", &p, 1, &r,
	                w->err);
	pthread_mutex_unlock(&w->s->lock);
	if (rc < 0)
		return MQ_E_ERROR;
	used = r.nrows > 0;
	mq_rows_free(&r);
	if (used)
		return 0;
	rc = in_write_tx(w->s, orphan_locked, &a, w->err);
	settle_asides(w->s, &a, rc == MQ_OK);
	return rc;
}

int mq_purge(mq_store *s, const char *user, int64_t before, uint64_t *purged, char **err)
{
	struct act a = { .user = user, .before = before };
	struct sweep w = { s, user, err };
	int rc;

	*purged = 0;
	do {
		a.count = 0;
		rc = in_write_tx(s, purge_locked, &a, err);
		settle_asides(s, &a, rc == MQ_OK);
		if (rc == MQ_OK)
			*purged += a.count;
	} while (rc == MQ_OK && a.count == PURGE_BATCH);
	if (rc == MQ_OK && !s->db_blobs) /* rows are never left without an item */
		rc = mq_blob_walk(s->dir, before, sweep_one, &w);
	return rc;
}

/* --- download ----------------------------------------------------------- */

static int download_locked(mq_store *s, struct act *a, char **err)
{
	char detail[100];
	int rc;

	if ((rc = need_role(s, a->user, CAN_DECIDE, "reading an original", err)) < 0 ||
	    (rc = mq_item_load(s, a->item_id, &a->item, err)) < 0)
		return rc;
	if (a->item.status == MQ_DELETED)
		return mq_fail(err, MQ_E_NOTFOUND, "item %s was deleted: its original is gone",
		               a->item_id);
	snprintf(detail, sizeof(detail), "sha256=%s", a->item.sha256);
	return mq_audit_append(s->ix, a->user, "download", a->item_id, detail, err) < 0 ? MQ_E_ERROR
	                                                                                 : MQ_OK;
}

int mq_read_original(mq_store *s, const char *user, const char *item_id, unsigned char **data,
                     size_t *len, char **err)
{
	struct act a = { .user = user, .item_id = item_id };
	int rc;

	*data = NULL;
	*len = 0;
	/* the download is on the record before a byte leaves the store */
	rc = in_write_tx(s, download_locked, &a, err);
	if (rc == MQ_OK && mq_orig_read(s, a.item.sha256, a.item.size, data, err) < 0)
		rc = MQ_E_ERROR;
	if (rc == MQ_OK)
		*len = a.item.size;
	mq_item_free(&a.item);
	return rc;
}
