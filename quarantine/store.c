/*
 * store.c - opening the quarantine, storing items, reading them back.
 *
 * mq_put's order is what makes it crash-safe: the blob is made durable
 * first (outside the lock, so writers fsync in parallel), then one
 * transaction under the write lock checks the blob is still there (a
 * concurrent delete may have removed the same content), inserts the row
 * and appends the audit entry.  A crash before the commit leaves at most
 * an unreferenced blob, never a row without its original.  With the
 * originals in PostgreSQL, their chunks are inserted in the same
 * transaction before it takes the lock (writers on every node send their
 * chunks in parallel), so the original, its row and its audit entry
 * commit together.
 */
#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "blob.h"
#include "blob_db.h"
#include "originals.h"
#include "store.h"
#include "util.h"

#define MAX_LIMIT 10000

static const char *const status_names[MQ_STATUS_COUNT] = {
	"quarantined", "release_requested", "released", "denied", "deleted", "awaiting_password",
	"unlocked",
};
static const char *const role_names[] = { "none", "reviewer", "approver", "admin", "auditor" };
static const char *const verdicts[] = { "sanitised", "blocked", "encrypted", "malware", "error" };
static const char *const channels[] = { "mail", "file", "api" };

const char *mq_status_name(mq_status st)
{
	return (unsigned)st < MQ_STATUS_COUNT ? status_names[st] : "unknown";
}

int mq_status_parse(const char *str, mq_status *out)
{
	for (int i = 0; str && i < MQ_STATUS_COUNT; i++)
		if (strcmp(str, status_names[i]) == 0) {
			*out = (mq_status)i;
			return 0;
		}
	return -1;
}

const char *mq_role_name(mq_role r)
{
	return (unsigned)r <= MQ_ROLE_LAST ? role_names[r] : "none";
}

int mq_role_parse(const char *str, mq_role *out)
{
	for (int i = MQ_ROLE_REVIEWER; str && i <= MQ_ROLE_LAST; i++)
		if (strcmp(str, role_names[i]) == 0) {
			*out = (mq_role)i;
			return 0;
		}
	return -1;
}

static int in_set(const char *v, const char *const *set, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		if (strcmp(v, set[i]) == 0)
			return 1;
	return 0;
}

int mq_store_kind_parse(const char *str, mq_store_kind *out)
{
	if (str && strcmp(str, "dir") == 0)
		*out = MQ_STORE_DIR;
	else if (str && strcmp(str, "index") == 0)
		*out = MQ_STORE_INDEX;
	else if (str && strcmp(str, "postgresql") == 0)
		*out = MQ_STORE_POSTGRESQL;
	else
		return -1;
	return 0;
}

mq_store *mq_open_with(const mq_options *o, char **err)
{
	int db = o->store != MQ_STORE_DIR;
	mq_store *s;

	if (sodium_init() < 0) {
		mq_fail(err, -1, "libsodium failed to initialise");
		return NULL;
	}
	/* with the index store, originals an earlier dir store left are read
	 * from the directory still: it is opened when it is there */
	if ((!db || (o->dir && *o->dir && o->store == MQ_STORE_INDEX)) &&
	    mq_blob_init(o->dir, err) < 0)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s || !(s->dir = strdup(o->dir ? o->dir : ""))) {
		free(s);
		mq_fail(err, -1, "out of memory");
		return NULL;
	}
	s->db_blobs = db;
	s->dir_too = db && o->dir && *o->dir;
	s->ix = mq_index_open(o->index_uri, err);
	if (s->ix && o->node) {
		char *clean = mq_clean_text(o->node, 64);

		snprintf(s->ix->node, sizeof(s->ix->node), "%s", clean ? clean : "");
		free(clean);
	}
	if (s->ix && o->store == MQ_STORE_POSTGRESQL && strcmp(s->ix->ops->name, "postgresql") != 0) {
		mq_fail(err, -1, "quarantine.store = postgresql needs a postgresql:// index");
		s->ix->ops->close(s->ix);
		s->ix = NULL;
	}
	if (s->ix && db && mq_dbblob_init(s->ix, err) < 0) {
		s->ix->ops->close(s->ix);
		s->ix = NULL;
	}
	if (!s->ix) {
		free(s->dir);
		free(s);
		return NULL;
	}
	pthread_mutex_init(&s->lock, NULL);
	return s;
}

mq_store *mq_open(const char *dir, const char *index_uri, char **err)
{
	mq_options o = { .dir = dir, .index_uri = index_uri, .store = MQ_STORE_DIR };

	return mq_open_with(&o, err);
}

void mq_close(mq_store *s)
{
	if (!s)
		return;
	s->ix->ops->close(s->ix);
	pthread_mutex_destroy(&s->lock);
	free(s->dir);
	free(s);
}

void mq_set_release_hook(mq_store *s, mq_release_fn fn, void *ctx)
{
	pthread_mutex_lock(&s->lock);
	s->release = fn;
	s->release_ctx = ctx;
	pthread_mutex_unlock(&s->lock);
}

int mq_finish(mq_store *s, int rc, char **err)
{
	if (rc < 0) {
		s->ix->ops->rollback(s->ix);
		return rc;
	}
	return s->ix->ops->commit(s->ix, err) < 0 ? MQ_E_ERROR : rc;
}

int mq_write_tx(mq_store *s, int (*fn)(mq_store *, void *, char **), void *arg, char **err)
{
	int rc;

	pthread_mutex_lock(&s->lock);
	rc = s->ix->ops->begin_write(s->ix, err) < 0 ? MQ_E_ERROR : MQ_OK;
	if (rc == MQ_OK)
		rc = mq_finish(s, fn(s, arg, err), err);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

/* Item ids become file names in the outbox and appear in logs. */
static int valid_item_id(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n >= 40 || id[0] == '.' || id[0] == '-')
		return 0;
	return strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

/* The texts of one item, cleaned for the index and for terminals. */
struct texts {
	char *sender, *recipients, *subject, *reasons, *report;
};

static void texts_free(struct texts *t)
{
	free(t->sender);
	free(t->recipients);
	free(t->subject);
	free(t->reasons);
	free(t->report);
}

static char *join_recipients(const mq_meta *m)
{
	size_t total = 1;
	char *out, *raw;

	for (size_t i = 0; i < m->nrecipients; i++)
		total += strlen(m->recipients[i] ? m->recipients[i] : "") + 2;
	raw = malloc(total);
	if (!raw)
		return NULL;
	raw[0] = 0;
	for (size_t i = 0, o = 0; i < m->nrecipients; i++) {
		const char *r = m->recipients[i] ? m->recipients[i] : "";
		size_t len = strlen(r);

		if (i > 0) {
			memcpy(raw + o, ", ", 2);
			o += 2;
		}
		memcpy(raw + o, r, len + 1);
		o += len;
	}
	out = mq_clean_text(raw, 65536);
	free(raw);
	return out;
}

static int clean_texts(const mq_meta *m, const char *report, struct texts *t)
{
	*t = (struct texts){ 0 };
	t->sender = mq_clean_text(m->sender, 1024);
	t->recipients = join_recipients(m);
	t->subject = mq_clean_text(m->subject, 4096);
	t->reasons = mq_clean_text(m->reasons, 16384);
	t->report = mq_clean_text(report, (size_t)64 << 20);
	return t->sender && t->recipients && t->subject && t->reasons && t->report ? 0 : -1;
}

static int check_meta(const mq_meta *m, char **err)
{
	if (!m || !valid_item_id(m->item_id))
		return mq_fail(err, MQ_E_ERROR, "quarantine: bad item id '%.40s'", m ? m->item_id : "");
	if (!in_set(m->channel, channels, sizeof(channels) / sizeof(channels[0])))
		return mq_fail(err, MQ_E_ERROR, "quarantine: channel must be mail, file or api");
	if (!in_set(m->verdict, verdicts, sizeof(verdicts) / sizeof(verdicts[0])))
		return mq_fail(err, MQ_E_ERROR, "quarantine: unknown verdict '%.40s'",
		               m->verdict ? m->verdict : "");
	return 0;
}

/* Under the write lock: insert the row and its audit entry, unless this
 * exact item is already stored (a retry). */
static int put_locked(mq_store *s, const mq_meta *m, const char *sha, const void *original,
                      size_t len, const struct texts *t, char **err)
{
	mq_param id = MQ_TEXT(m->item_id);
	mq_rows r;
	char actor[64], detail[200];
	int rc;

	if (mq_ix_exec(s->ix, "SELECT sha256 FROM mq_items WHERE item_id = $1", &id, 1, &r, err) < 0)
		return MQ_E_ERROR;
	rc = r.nrows == 0 ? 1 : strcmp(mq_cell(&r, 0, 0), sha) == 0 ? 0 : -1;
	mq_rows_free(&r);
	if (rc <= 0)
		return rc == 0 ? MQ_OK
		               : mq_fail(err, MQ_E_ERROR,
		                         "quarantine: item %s is already stored with other content",
		                         m->item_id);
	if (mq_orig_ensure_locked(s, sha, original, len, err) < 0)
		return MQ_E_ERROR;
	{
		mq_param p[] = {
			MQ_TEXT(m->item_id), MQ_TEXT(sha), MQ_TEXT(m->channel), MQ_TEXT(t->sender),
			MQ_TEXT(t->recipients), MQ_TEXT(t->subject), MQ_TEXT(m->verdict),
			MQ_TEXT(t->reasons), MQ_INT(len), MQ_INT(m->received ? m->received : mq_now()),
			MQ_TEXT("quarantined"), MQ_TEXT(t->report), MQ_TEXT(s->ix->node),
		};

		if (mq_ix_exec(s->ix,
		               "INSERT INTO mq_items (item_id, sha256, channel, sender, recipients,"
		               " subject, verdict, reasons, size, received, status, report, node)"
		               " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
		               p, 13, NULL, err) < 0)
			return MQ_E_ERROR;
	}
	snprintf(actor, sizeof(actor), "system:%s", m->channel);
	snprintf(detail, sizeof(detail), "sha256=%s size=%zu verdict=%s", sha, len, m->verdict);
	if (mq_audit_append(s->ix, m->actor ? m->actor : actor, "store", m->item_id, detail, err) < 0)
		return MQ_E_ERROR;
	return MQ_OK;
}

/* The transaction of a put to PostgreSQL: the chunks, then the lock. */
static int begin_with_chunks(mq_store *s, const char *sha, const void *data, size_t len,
                             char **err)
{
	if (s->ix->ops->begin(s->ix, err) < 0)
		return MQ_E_ERROR;
	if (mq_orig_put_early(s, sha, data, len, err) < 0) {
		s->ix->ops->rollback(s->ix);
		return MQ_E_ERROR;
	}
	return s->ix->ops->lock(s->ix, err) < 0 ? MQ_E_ERROR : MQ_OK;
}

int mq_put(mq_store *s, const mq_meta *meta, const void *original, size_t len,
           const char *report_json, char **err)
{
	struct texts t;
	char sha[65];
	int rc;

	if (check_meta(meta, err) < 0)
		return MQ_E_ERROR;
	if (!original && len > 0)
		return mq_fail(err, MQ_E_ERROR, "quarantine: no content");
	if (len > INT64_MAX)
		return mq_fail(err, MQ_E_ERROR, "quarantine: item too large");
	if (clean_texts(meta, report_json, &t) < 0) {
		texts_free(&t);
		return mq_fail(err, MQ_E_ERROR, "out of memory");
	}
	mq_sha256_hex(original ? original : "", len, sha);
	if (s->db_blobs) {
		pthread_mutex_lock(&s->lock);
		rc = begin_with_chunks(s, sha, original ? original : "", len, err);
	} else {
		rc = mq_blob_put(s->dir, sha, original ? original : "", len, err) < 0 ? MQ_E_ERROR
		                                                                      : MQ_OK;
		pthread_mutex_lock(&s->lock);
		if (rc == MQ_OK)
			rc = s->ix->ops->begin_write(s->ix, err) < 0 ? MQ_E_ERROR : MQ_OK;
	}
	if (rc == MQ_OK)
		rc = mq_finish(s, put_locked(s, meta, sha, original ? original : "", len, &t, err), err);
	pthread_mutex_unlock(&s->lock);
	texts_free(&t);
	return rc;
}

/* The gateway's word on the item's way out: one audit entry. */
static int note_locked(mq_store *s, const char *item_id, int delivered, const char *detail,
                       char **err)
{
	mq_item it;
	char actor[64];
	int rc = mq_item_load(s, item_id, &it, err);

	if (rc < 0)
		return rc;
	snprintf(actor, sizeof(actor), "system:%s", it.channel);
	mq_item_free(&it);
	return mq_audit_append(s->ix, actor, delivered ? "deliver" : "deliver_failed", item_id,
	                       detail, err) < 0
	               ? MQ_E_ERROR
	               : MQ_OK;
}

int mq_note_delivery(mq_store *s, const char *item_id, int delivered, const char *detail,
                     char **err)
{
	int rc;

	pthread_mutex_lock(&s->lock);
	rc = (s->lazy_notes ? s->ix->ops->begin_write_lazy : s->ix->ops->begin_write)(s->ix, err) < 0
	             ? MQ_E_ERROR
	             : MQ_OK;
	if (rc == MQ_OK)
		rc = mq_finish(s, note_locked(s, item_id, delivered, detail, err), err);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

void mq_set_lazy_notes(mq_store *s, int on)
{
	pthread_mutex_lock(&s->lock);
	s->lazy_notes = on;
	pthread_mutex_unlock(&s->lock);
}

int mq_sync(mq_store *s, char **err)
{
	int rc;

	pthread_mutex_lock(&s->lock);
	rc = s->ix->ops->sync(s->ix, err) < 0 ? MQ_E_ERROR : MQ_OK;
	pthread_mutex_unlock(&s->lock);
	return rc;
}

int mq_reachable(mq_store *s, char **err)
{
	int rc;

	if (!s->ix->ops->ping)
		return MQ_OK;
	pthread_mutex_lock(&s->lock);
	rc = s->ix->ops->ping(s->ix, err) < 0 ? MQ_E_ERROR : MQ_OK;
	pthread_mutex_unlock(&s->lock);
	return rc;
}

/* --- reading ------------------------------------------------------------ */

int mq_item_from_row(const mq_rows *r, size_t row, mq_item *it)
{
	const char *st = mq_cell(r, row, 10);

	*it = (mq_item){ 0 };
	snprintf(it->item_id, sizeof(it->item_id), "%s", mq_cell(r, row, 0));
	snprintf(it->sha256, sizeof(it->sha256), "%s", mq_cell(r, row, 1));
	it->channel = mq_strdup0(mq_cell(r, row, 2));
	it->sender = mq_strdup0(mq_cell(r, row, 3));
	it->recipients = mq_strdup0(mq_cell(r, row, 4));
	it->subject = mq_strdup0(mq_cell(r, row, 5));
	it->verdict = mq_strdup0(mq_cell(r, row, 6));
	it->reasons = mq_strdup0(mq_cell(r, row, 7));
	it->size = (uint64_t)mq_atoi64(mq_cell(r, row, 8));
	it->received = mq_atoi64(mq_cell(r, row, 9));
	if (mq_status_parse(st, &it->status) < 0)
		it->status = MQ_QUARANTINED; /* never written by us: treat as held */
	it->requested_by = mq_strdup0(mq_cell(r, row, 11));
	it->request_reason = mq_strdup0(mq_cell(r, row, 12));
	it->requested_at = mq_atoi64(mq_cell(r, row, 13));
	it->decided_by = mq_strdup0(mq_cell(r, row, 14));
	it->decision_reason = mq_strdup0(mq_cell(r, row, 15));
	it->decided_at = mq_atoi64(mq_cell(r, row, 16));
	it->node = mq_strdup0(mq_cell(r, row, 17));
	if (!it->node || !it->channel || !it->sender || !it->recipients || !it->subject || !it->verdict ||
	    !it->reasons || !it->requested_by || !it->request_reason || !it->decided_by ||
	    !it->decision_reason) {
		mq_item_free(it);
		return -1;
	}
	return 0;
}

void mq_item_free(mq_item *it)
{
	if (!it)
		return;
	free(it->channel);
	free(it->sender);
	free(it->recipients);
	free(it->subject);
	free(it->verdict);
	free(it->reasons);
	free(it->requested_by);
	free(it->request_reason);
	free(it->decided_by);
	free(it->decision_reason);
	free(it->node);
	free(it->report_json);
	mq_audit_free(it->audit, it->naudit);
	*it = (mq_item){ 0 };
}

void mq_items_free(mq_item *items, size_t n)
{
	if (!items)
		return;
	for (size_t i = 0; i < n; i++)
		mq_item_free(&items[i]);
	free(items);
}

int mq_item_load(mq_store *s, const char *item_id, mq_item *it, char **err)
{
	mq_param p = MQ_TEXT(item_id);
	mq_rows r;
	int rc = MQ_OK;

	*it = (mq_item){ 0 };
	if (!item_id || !valid_item_id(item_id))
		return mq_fail(err, MQ_E_NOTFOUND, "no item '%.40s'", item_id ? item_id : "");
	if (mq_ix_exec(s->ix, "SELECT " MQ_ITEM_COLUMNS " FROM mq_items WHERE item_id = $1", &p, 1,
	               &r, err) < 0)
		return MQ_E_ERROR;
	if (r.nrows == 0)
		rc = mq_fail(err, MQ_E_NOTFOUND, "no item '%s'", item_id);
	else if (mq_item_from_row(&r, 0, it) < 0)
		rc = mq_fail(err, MQ_E_ERROR, "out of memory");
	mq_rows_free(&r);
	return rc;
}

/* LIKE pattern for a substring, lowercased by the database. */
static char *like_pattern(const char *search)
{
	size_t n = strlen(search), o = 0;
	char *p = malloc(2 * n + 3);

	if (!p)
		return NULL;
	p[o++] = '%';
	for (size_t i = 0; i < n; i++) {
		if (search[i] == '%' || search[i] == '_' || search[i] == '\\')
			p[o++] = '\\';
		p[o++] = search[i];
	}
	p[o++] = '%';
	p[o] = 0;
	return p;
}

#define FILTER_WHERE                                                                        \
	" WHERE ($1 IS NULL OR status = $1) AND ($2 IS NULL OR channel = $2)"                 \
	" AND ($3 IS NULL OR verdict = $3) AND received >= $4"                                \
	" AND ($5 IS NULL OR lower(item_id) LIKE lower($5) ESCAPE '\\'"                      \
	" OR lower(sender) LIKE lower($5) ESCAPE '\\'"                                        \
	" OR lower(recipients) LIKE lower($5) ESCAPE '\\'"                                    \
	" OR lower(subject) LIKE lower($5) ESCAPE '\\')"                                    \
	" AND ($6 IS NULL OR received < $7 OR (received = $7 AND item_id < $6))"

static int run_filter(mq_store *s, const mq_filter *f, const char *sql, int with_page,
                      mq_rows *r, char **err)
{
	const mq_filter none = { 0 };
	char *pattern = NULL;
	int rc;

	if (!f)
		f = &none;
	if (f->search && *f->search && !(pattern = like_pattern(f->search)))
		return mq_fail(err, MQ_E_ERROR, "out of memory");
	{
		unsigned limit = f->limit == 0 ? 100 : f->limit > MAX_LIMIT ? MAX_LIMIT : f->limit;
		mq_param p[] = { MQ_TEXT(f->status), MQ_TEXT(f->channel), MQ_TEXT(f->verdict),
			         MQ_INT(f->since), MQ_TEXT(pattern),
			         MQ_TEXT(f->after_id && *f->after_id ? f->after_id : NULL),
			         MQ_INT(f->after_received), MQ_INT(limit), MQ_INT(f->offset) };

		pthread_mutex_lock(&s->lock);
		rc = mq_ix_exec(s->ix, sql, p, with_page ? 9 : 7, r, err) < 0 ? MQ_E_ERROR : MQ_OK;
		pthread_mutex_unlock(&s->lock);
	}
	free(pattern);
	return rc;
}

int mq_list(mq_store *s, const mq_filter *f, mq_item **items, size_t *n, char **err)
{
	mq_rows r;
	int rc;

	*items = NULL;
	*n = 0;
	rc = run_filter(s, f,
	                "SELECT " MQ_ITEM_COLUMNS " FROM mq_items" FILTER_WHERE
	                " ORDER BY received DESC, item_id DESC LIMIT $8 OFFSET $9",
	                1, &r, err);
	if (rc < 0)
		return rc;
	if (r.nrows > 0 && !(*items = calloc(r.nrows, sizeof(**items))))
		rc = mq_fail(err, MQ_E_ERROR, "out of memory");
	for (size_t i = 0; rc == MQ_OK && i < r.nrows; i++, (*n)++)
		if (mq_item_from_row(&r, i, &(*items)[i]) < 0)
			rc = mq_fail(err, MQ_E_ERROR, "out of memory");
	mq_rows_free(&r);
	if (rc < 0) {
		mq_items_free(*items, *n);
		*items = NULL;
		*n = 0;
	}
	return rc;
}

int mq_count(mq_store *s, const mq_filter *f, uint64_t *n, char **err)
{
	mq_rows r;
	int rc = run_filter(s, f, "SELECT count(*) FROM mq_items" FILTER_WHERE, 0, &r, err);

	*n = 0;
	if (rc < 0)
		return rc;
	if (r.nrows == 1)
		*n = (uint64_t)mq_atoi64(mq_cell(&r, 0, 0));
	mq_rows_free(&r);
	return MQ_OK;
}

int mq_get(mq_store *s, const char *item_id, mq_item *out, char **err)
{
	mq_param p = MQ_TEXT(item_id);
	mq_rows r = { 0 };
	int rc;

	pthread_mutex_lock(&s->lock);
	rc = mq_item_load(s, item_id, out, err);
	if (rc == MQ_OK &&
	    mq_ix_exec(s->ix, "SELECT report FROM mq_items WHERE item_id = $1", &p, 1, &r, err) < 0)
		rc = MQ_E_ERROR;
	if (rc == MQ_OK && r.nrows == 1 && !(out->report_json = mq_strdup0(mq_cell(&r, 0, 0))))
		rc = mq_fail(err, MQ_E_ERROR, "out of memory");
	if (rc == MQ_OK && mq_audit_for_item(s->ix, item_id, &out->audit, &out->naudit, err) < 0)
		rc = MQ_E_ERROR;
	pthread_mutex_unlock(&s->lock);
	mq_rows_free(&r);
	if (rc < 0)
		mq_item_free(out);
	return rc;
}

int mq_verify(mq_store *s, mq_verify_result *res, char **err)
{
	int rc;

	pthread_mutex_lock(&s->lock);
	rc = mq_audit_verify(s->ix, res, err);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

int mq_audit_list(mq_store *s, uint64_t after, unsigned limit, mq_audit_entry **entries, size_t *n,
                  char **err)
{
	int rc;

	pthread_mutex_lock(&s->lock);
	rc = mq_audit_range(s->ix, after, limit > MAX_LIMIT ? MAX_LIMIT : limit, entries, n, err) < 0
	             ? MQ_E_ERROR
	             : MQ_OK;
	pthread_mutex_unlock(&s->lock);
	return rc;
}
