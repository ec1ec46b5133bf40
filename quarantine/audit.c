/* audit.c - appending to and walking the hash-chained audit log. */
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "util.h"

#define BATCH 1000

static void put_field(crypto_hash_sha256_state *st, const char *name, const char *value)
{
	char head[64];
	size_t len = strlen(value);
	int n = snprintf(head, sizeof(head), "%s=%zu:", name, len);

	crypto_hash_sha256_update(st, (const unsigned char *)head, (size_t)n);
	crypto_hash_sha256_update(st, (const unsigned char *)value, len);
	crypto_hash_sha256_update(st, (const unsigned char *)"\n", 1);
}

void mq_audit_hash(const mq_audit_entry *e, char out[65])
{
	crypto_hash_sha256_state st;
	unsigned char h[crypto_hash_sha256_BYTES];
	char num[32];
	int v2 = e->node && *e->node;

	crypto_hash_sha256_init(&st);
	/* entries naming their node hash it too (version 2); those before
	 * nodes were recorded keep their version-1 hash */
	crypto_hash_sha256_update(&st, (const unsigned char *)(v2 ? "mugai-audit-2\n"
	                                                          : "mugai-audit-1\n"), 14);
	snprintf(num, sizeof(num), "%" PRIu64, e->seq);
	put_field(&st, "seq", num);
	snprintf(num, sizeof(num), "%" PRId64, e->at);
	put_field(&st, "at", num);
	put_field(&st, "actor", e->actor ? e->actor : "");
	put_field(&st, "action", e->action ? e->action : "");
	put_field(&st, "item_id", e->item_id ? e->item_id : "");
	put_field(&st, "detail", e->detail ? e->detail : "");
	put_field(&st, "prev", e->prev);
	if (v2)
		put_field(&st, "node", e->node);
	crypto_hash_sha256_final(&st, h);
	sodium_bin2hex(out, 65, h, sizeof(h));
}

int mq_audit_append(mq_index *ix, const char *actor, const char *action, const char *item_id,
                    const char *detail, char **err)
{
	mq_rows head = { 0 };
	mq_audit_entry e = { 0 };
	char *c_actor = mq_clean_text(actor, 256), *c_detail = mq_clean_text(detail, 65536);
	int rc = -1;

	if (!c_actor || !c_detail) {
		mq_fail(err, -1, "out of memory");
		goto done;
	}
	if (mq_ix_exec(ix, "SELECT seq, hash FROM mq_audit ORDER BY seq DESC LIMIT 1", NULL, 0,
	               &head, err) < 0)
		goto done;
	e.seq = head.nrows ? (uint64_t)mq_atoi64(mq_cell(&head, 0, 0)) + 1 : 1;
	snprintf(e.prev, sizeof(e.prev), "%s", head.nrows ? mq_cell(&head, 0, 1) : MQ_AUDIT_GENESIS);
	e.at = mq_now();
	e.actor = c_actor;
	e.action = (char *)(uintptr_t)action;
	e.item_id = (char *)(uintptr_t)(item_id ? item_id : "");
	e.detail = c_detail;
	e.node = ix->node;
	mq_audit_hash(&e, e.hash);
	{
		mq_param p[] = { MQ_INT(e.seq), MQ_INT(e.at), MQ_TEXT(e.actor), MQ_TEXT(e.action),
			         MQ_TEXT(e.item_id), MQ_TEXT(e.detail), MQ_TEXT(e.prev),
			         MQ_TEXT(e.hash), MQ_TEXT(e.node) };

		rc = mq_ix_exec(ix,
		                "INSERT INTO mq_audit (seq, at, actor, action, item_id, detail, prev, hash,"
		                " node) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
		                p, 9, NULL, err);
	}
done:
	mq_rows_free(&head);
	free(c_actor);
	free(c_detail);
	return rc;
}

static int fill(const mq_rows *r, size_t row, mq_audit_entry *e)
{
	e->seq = (uint64_t)mq_atoi64(mq_cell(r, row, 0));
	e->at = mq_atoi64(mq_cell(r, row, 1));
	e->actor = mq_strdup0(mq_cell(r, row, 2));
	e->action = mq_strdup0(mq_cell(r, row, 3));
	e->item_id = mq_strdup0(mq_cell(r, row, 4));
	e->detail = mq_strdup0(mq_cell(r, row, 5));
	snprintf(e->prev, sizeof(e->prev), "%s", mq_cell(r, row, 6) ? mq_cell(r, row, 6) : "");
	snprintf(e->hash, sizeof(e->hash), "%s", mq_cell(r, row, 7) ? mq_cell(r, row, 7) : "");
	e->node = mq_strdup0(mq_cell(r, row, 8));
	return e->actor && e->action && e->item_id && e->detail && e->node ? 0 : -1;
}

static int to_entries(mq_rows *r, mq_audit_entry **entries, size_t *n, char **err)
{
	*entries = NULL;
	*n = 0;
	if (r->nrows == 0)
		return 0;
	*entries = calloc(r->nrows, sizeof(**entries));
	if (!*entries)
		return mq_fail(err, -1, "out of memory");
	for (size_t i = 0; i < r->nrows; i++)
		if (fill(r, i, &(*entries)[i]) < 0) {
			mq_audit_free(*entries, i + 1);
			*entries = NULL;
			return mq_fail(err, -1, "out of memory");
		}
	*n = r->nrows;
	return 0;
}

void mq_audit_free(mq_audit_entry *entries, size_t n)
{
	if (!entries)
		return;
	for (size_t i = 0; i < n; i++) {
		free(entries[i].actor);
		free(entries[i].action);
		free(entries[i].item_id);
		free(entries[i].detail);
		free(entries[i].node);
	}
	free(entries);
}

int mq_audit_for_item(mq_index *ix, const char *item_id, mq_audit_entry **entries, size_t *n,
                      char **err)
{
	static const char sql[] = "SELECT seq, at, actor, action, item_id, detail, prev, hash, node"
	                          " FROM mq_audit WHERE item_id = $1 ORDER BY seq";
	mq_param p[] = { MQ_TEXT(item_id) };
	mq_rows r;
	int rc;

	if (mq_ix_exec(ix, sql, p, 1, &r, err) < 0)
		return -1;
	rc = to_entries(&r, entries, n, err);
	mq_rows_free(&r);
	return rc;
}

int mq_audit_range(mq_index *ix, uint64_t after, unsigned limit, mq_audit_entry **entries,
                   size_t *n, char **err)
{
	static const char sql[] = "SELECT seq, at, actor, action, item_id, detail, prev, hash, node"
	                          " FROM mq_audit WHERE seq > $1 ORDER BY seq LIMIT $2";
	mq_param p[] = { MQ_INT(after), MQ_INT(limit ? limit : 100) };
	mq_rows r;
	int rc;

	if (after > INT64_MAX)
		return mq_fail(err, -1, "sequence number out of range");
	if (mq_ix_exec(ix, sql, p, 2, &r, err) < 0)
		return -1;
	rc = to_entries(&r, entries, n, err);
	mq_rows_free(&r);
	return rc;
}

/* Checks one entry against the one before it; a problem or NULL. */
static char *check_link(const mq_rows *r, size_t row, uint64_t want_seq, const char *want_prev)
{
	mq_audit_entry e = { 0 };
	const char *seq_text = mq_cell(r, row, 0);
	char computed[65], *problem = NULL;

	if (fill(r, row, &e) < 0)
		return strdup("out of memory");
	if (e.seq != want_seq)
		mq_fail(&problem, -1, "sequence gap: expected entry %" PRIu64 ", found %s", want_seq,
		        seq_text ? seq_text : "none");
	else if (strcmp(e.prev, want_prev) != 0)
		mq_fail(&problem, -1,
		        "entry %" PRIu64 " does not follow entry %" PRIu64
		        ": its prev is %.64s, the previous hash is %.64s",
		        e.seq, want_seq - 1, e.prev, want_prev);
	else {
		mq_audit_hash(&e, computed);
		if (strcmp(computed, e.hash) != 0)
			mq_fail(&problem, -1,
			        "entry %" PRIu64 " was altered: its content hashes to %.64s, "
			        "it claims %.64s",
			        e.seq, computed, e.hash);
	}
	free(e.actor);
	free(e.action);
	free(e.item_id);
	free(e.detail);
	free(e.node);
	return problem;
}

int mq_audit_verify(mq_index *ix, mq_verify_result *res, char **err)
{
	char prev[65] = MQ_AUDIT_GENESIS;
	uint64_t next = 1;

	*res = (mq_verify_result){ 0 };
	for (;;) {
		static const char sql[] = "SELECT seq, at, actor, action, item_id, detail, prev, hash, node"
		                          " FROM mq_audit WHERE seq > $1 ORDER BY seq LIMIT $2";
		mq_param p[] = { MQ_INT(next - 1), MQ_INT(BATCH) };
		mq_rows r;

		if (mq_ix_exec(ix, sql, p, 2, &r, err) < 0)
			return MQ_E_ERROR;
		for (size_t i = 0; i < r.nrows; i++, next++) {
			res->problem = check_link(&r, i, next, prev);
			if (res->problem) {
				res->bad_seq = next;
				mq_rows_free(&r);
				return MQ_OK;
			}
			snprintf(prev, sizeof(prev), "%s", mq_cell(&r, i, 7));
			res->entries++;
		}
		if (r.nrows < BATCH) {
			mq_rows_free(&r);
			return MQ_OK;
		}
		mq_rows_free(&r);
	}
}
