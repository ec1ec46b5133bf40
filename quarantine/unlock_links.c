/*
 * unlock_links.c - an item's unlock links as the review UI shows them:
 * for whom, since and until when, used or not.  Only what the index
 * keeps: the token itself is gone, its hash names the link by its first
 * 8 hex digits, as the audit log does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "util.h"

#define MAX_LINKS 100

static void from_row(const mq_rows *r, size_t i, int64_t now, mq_unlock_token *t)
{
	*t = (mq_unlock_token){ 0 };
	snprintf(t->item_id, sizeof(t->item_id), "%s", mq_cell(r, i, 0));
	snprintf(t->recipient, sizeof(t->recipient), "%s", mq_cell(r, i, 1));
	snprintf(t->tag, sizeof(t->tag), "%.8s", mq_cell(r, i, 5));
	t->created = mq_atoi64(mq_cell(r, i, 2));
	t->expires = mq_atoi64(mq_cell(r, i, 3));
	t->used_at = mq_atoi64(mq_cell(r, i, 4));
	t->state = t->used_at ? MQ_TOKEN_USED : now >= t->expires ? MQ_TOKEN_EXPIRED : MQ_TOKEN_LIVE;
}

int mq_unlock_token_list(mq_store *s, const char *item_id, mq_unlock_token **out, size_t *n,
                         char **err)
{
	mq_param p[] = { MQ_TEXT(item_id), MQ_INT(MAX_LINKS) };
	int64_t now = mq_now();
	mq_rows r;
	int rc;

	*out = NULL;
	*n = 0;
	pthread_mutex_lock(&s->lock);
	rc = mq_ix_exec(s->ix,
	                "SELECT item_id, recipient, created, expires, used_at, token_sha256"
	                " FROM mq_unlock_tokens WHERE item_id = $1"
	                " ORDER BY created, token_sha256 LIMIT $2",
	                p, 2, &r, err);
	pthread_mutex_unlock(&s->lock);
	if (rc < 0)
		return MQ_E_ERROR;
	if (r.nrows && !(*out = calloc(r.nrows, sizeof(**out)))) {
		mq_rows_free(&r);
		return mq_fail(err, MQ_E_ERROR, "out of memory");
	}
	for (size_t i = 0; i < r.nrows; i++)
		from_row(&r, i, now, &(*out)[i]);
	*n = r.nrows;
	mq_rows_free(&r);
	return MQ_OK;
}
