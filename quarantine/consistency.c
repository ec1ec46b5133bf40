/*
 * consistency.c - the index rows checked against the audit chain.
 *
 * The chain proves the log was not edited; this proves the index was not
 * either.  Replaying an item's entries gives what its row must say (the
 * stored content's hash, the status, who requested, who decided), so an
 * item flipped to "released", or given another original, by someone with
 * write access to the database is named here.  Items are checked one page
 * at a time, each with its own entries (indexed by item id).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "blob.h"
#include "originals.h"
#include "store.h"
#include "util.h"

#define PAGE 500

struct replay {
	int stored;
	char sha256[65];
	mq_status status;
	const char *requested_by, *decided_by;
};

static void replay(const mq_audit_entry *e, size_t n, struct replay *r)
{
	*r = (struct replay){ .requested_by = "", .decided_by = "" };
	for (size_t i = 0; i < n; i++) {
		const char *a = e[i].action, *sha;

		if (strcmp(a, "store") == 0 && !r->stored) {
			r->stored = 1;
			r->status = MQ_QUARANTINED;
			sha = strstr(e[i].detail, "sha256=");
			if (sha)
				snprintf(r->sha256, sizeof(r->sha256), "%.64s", sha + 7);
		} else if (strcmp(a, "request") == 0) {
			r->status = MQ_RELEASE_REQUESTED;
			r->requested_by = e[i].actor;
			r->decided_by = "";
		} else if (strcmp(a, "release") == 0 || strcmp(a, "deny") == 0 ||
		           strcmp(a, "delete") == 0) {
			r->status = strcmp(a, "release") == 0 ? MQ_RELEASED
			            : strcmp(a, "deny") == 0  ? MQ_DENIED
			                                      : MQ_DELETED;
			r->decided_by = e[i].actor;
		} else if (strcmp(a, "await_password") == 0) {
			r->status = MQ_AWAITING_PASSWORD;
		} else if (strcmp(a, "password_expired") == 0) {
			r->status = MQ_QUARANTINED; /* PPAP: kept for review */
		} else if (strcmp(a, "unlock") == 0) {
			r->status = MQ_UNLOCKED;
			r->decided_by = e[i].actor;
		}
	}
}

/* MQ_OK with *problem set (or NULL when the item agrees), or an error. */
static int check_item(mq_store *s, const mq_item *it, int check_blobs, char **problem_out,
                      char **err)
{
	mq_audit_entry *e = NULL;
	size_t n = 0;
	struct replay r;
	char *problem = NULL;

	*problem_out = NULL;
	if (mq_audit_for_item(s->ix, it->item_id, &e, &n, err) < 0)
		return MQ_E_ERROR;
	replay(e, n, &r);
	if (!r.stored)
		mq_fail(&problem, -1, "item %s is in the index but was never stored by the log",
		        it->item_id);
	else if (strcmp(r.sha256, it->sha256) != 0)
		mq_fail(&problem, -1, "item %s: the index names original %s, the log stored %s",
		        it->item_id, it->sha256, r.sha256);
	else if (r.status != it->status)
		mq_fail(&problem, -1, "item %s: the index says %s, the log says %s", it->item_id,
		        mq_status_name(it->status), mq_status_name(r.status));
	else if (strcmp(r.requested_by, it->requested_by) != 0)
		mq_fail(&problem, -1, "item %s: the index says requested by '%s', the log says '%s'",
		        it->item_id, it->requested_by, r.requested_by);
	else if (strcmp(r.decided_by, it->decided_by) != 0)
		mq_fail(&problem, -1, "item %s: the index says decided by '%s', the log says '%s'",
		        it->item_id, it->decided_by, r.decided_by);
	else if (check_blobs && it->status != MQ_DELETED &&
	         mq_orig_check_locked(s, it->sha256, it->size, &problem) < 0)
		mq_fail(&problem, -1, "item %s: %s", it->item_id, problem ? problem : "unreadable");
	mq_audit_free(e, n);
	*problem_out = problem;
	return MQ_OK;
}

static int check_page(mq_store *s, const char *after, int check_blobs, mq_items_check *res,
                      char last[40], size_t *rows, char **err)
{
	mq_param p[] = { MQ_TEXT(after), MQ_INT(PAGE) };
	mq_rows r;
	int rc = MQ_OK;

	if (mq_ix_exec(s->ix,
	               "SELECT " MQ_ITEM_COLUMNS " FROM mq_items WHERE item_id > $1"
	               " ORDER BY item_id LIMIT $2",
	               p, 2, &r, err) < 0)
		return MQ_E_ERROR;
	*rows = r.nrows;
	for (size_t i = 0; rc == MQ_OK && !res->problem && i < r.nrows; i++) {
		mq_item it;

		if (mq_item_from_row(&r, i, &it) < 0) {
			rc = mq_fail(err, MQ_E_ERROR, "out of memory");
			break;
		}
		rc = check_item(s, &it, check_blobs, &res->problem, err);
		if (rc == MQ_OK && res->problem)
			snprintf(res->bad_item, sizeof(res->bad_item), "%s", it.item_id);
		else if (rc == MQ_OK)
			res->items++;
		snprintf(last, 40, "%s", it.item_id);
		mq_item_free(&it);
	}
	mq_rows_free(&r);
	return rc;
}

int mq_verify_items(mq_store *s, int check_blobs, mq_items_check *res, char **err)
{
	char last[40] = "";
	size_t rows;
	int rc;

	*res = (mq_items_check){ 0 };
	pthread_mutex_lock(&s->lock);
	do
		rc = check_page(s, last, check_blobs, res, last, &rows, err);
	while (rc == MQ_OK && !res->problem && rows == PAGE);
	pthread_mutex_unlock(&s->lock);
	return rc;
}
