/*
 * web_csv.c - the CSV exports: the item list (the list page's filters)
 * and the audit log.  For Excel: UTF-8 with a BOM (else it reads Shift_JIS
 * and Japanese is garbled), CRLF, every cell quoted (RFC 4180), and a
 * cell that starts like a formula (= + - @, tab, CR) behind a ' so that
 * a subject such as =HYPERLINK(...) stays text.  A GET changes nothing:
 * an export is in the operator's log, not in the audit chain.
 */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "web_internal.h"

#define BATCH 1000

static bool formula_start(char c)
{
	return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
}

/* Appends; a failure (past MW_MAX_CSV) is sticky. */
static void put(mw_out *b, const char *s, size_t n)
{
	if (!b->failed && mg_buf_append(&b->b, s, n) < 0)
		b->failed = true;
}

/* Valid UTF-8 with "" for each ", invalid bytes as U+FFFD. */
static void put_text(mw_out *b, const char *s, size_t n)
{
	const char *end;

	while (n > 0) {
		size_t ok = g_utf8_validate(s, (gssize)n, &end) ? n : (size_t)(end - s);

		for (size_t i = 0, from = 0; i <= ok; i++)
			if (i == ok || s[i] == '"') {
				put(b, s + from, i - from);
				if (i < ok)
					put(b, "\"\"", 2);
				from = i + 1;
			}
		if (ok == n)
			return;
		put(b, "\xef\xbf\xbd", 3);
		n -= ok + 1;
		s += ok + 1;
	}
}

void mw_csv_cell(mw_out *b, const char *s, bool first)
{
	if (!first)
		put(b, ",", 1);
	put(b, "\"", 1);
	if (s && formula_start(s[0]))
		put(b, "'", 1);
	if (s)
		put_text(b, s, strlen(s));
	put(b, "\"", 1);
}

static void cell_int(mw_out *b, int64_t v, bool first)
{
	char s[24];

	snprintf(s, sizeof(s), "%lld", (long long)v);
	mw_csv_cell(b, s, first);
}

/* Local time as "2024-05-01 09:00:00", "" for 0. */
static void cell_time(mw_out *b, int64_t t, bool first)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char s[32] = "";

	if (t > 0 && localtime_r(&tt, &tm))
		strftime(s, sizeof(s), "%Y-%m-%d %H:%M:%S", &tm);
	mw_csv_cell(b, s, first);
}

static void header(mw_out *b, const char *const *cols, size_t n)
{
	put(b, "\xef\xbb\xbf", 3);
	for (size_t i = 0; i < n; i++)
		mw_csv_cell(b, cols[i], i == 0);
	put(b, "\r\n", 2);
}

static void item_row(mw_out *b, const mq_item *it)
{
	mw_csv_cell(b, it->item_id, true);
	cell_time(b, it->received, false);
	mw_csv_cell(b, it->channel, false);
	mw_csv_cell(b, it->sender, false);
	mw_csv_cell(b, it->recipients, false);
	mw_csv_cell(b, it->subject, false);
	mw_csv_cell(b, it->verdict, false);
	mw_csv_cell(b, it->reasons, false);
	mw_csv_cell(b, mq_status_name(it->status), false);
	cell_int(b, (int64_t)it->size, false);
	mw_csv_cell(b, it->sha256, false);
	mw_csv_cell(b, it->requested_by, false);
	mw_csv_cell(b, it->request_reason, false);
	cell_time(b, it->requested_at, false);
	mw_csv_cell(b, it->decided_by, false);
	mw_csv_cell(b, it->decision_reason, false);
	cell_time(b, it->decided_at, false);
	put(b, "\r\n", 2);
}

static void audit_row(mw_out *b, const mq_audit_entry *e)
{
	cell_int(b, (int64_t)e->seq, true);
	cell_time(b, e->at, false);
	mw_csv_cell(b, e->actor, false);
	mw_csv_cell(b, e->action, false);
	mw_csv_cell(b, e->item_id, false);
	mw_csv_cell(b, e->detail, false);
	mw_csv_cell(b, e->prev, false);
	mw_csv_cell(b, e->hash, false);
	put(b, "\r\n", 2);
}

/* The finished file as the response; a buffer past MW_MAX_CSV is a 500,
 * never a cut file. */
static void send_csv(mw_server *srv, mw_request *req, mw_response *resp, mw_out *b, bool ok,
                     const char *what, size_t rows)
{
	char day[16] = "";
	time_t t = (time_t)req->now;
	struct tm tm;

	if (!ok || b->failed) {
		mg_buf_free(&b->b);
		mw_error_page(srv, req, resp, 500, MW_ERR_INTERNAL);
		return;
	}
	if (localtime_r(&t, &tm))
		strftime(day, sizeof(day), "%Y%m%d", &tm);
	snprintf(resp->disposition, sizeof(resp->disposition),
	         "attachment; filename=\"mugai-%s-%s.csv\"", what, day);
	resp->content_type = "text/csv; charset=utf-8";
	resp->blob = mg_buf_steal(&b->b, &resp->blob_len);
	mw_log(srv, false, NULL, "%s exported as CSV by %s (%zu rows)", what, req->sess.user, rows);
}

void mw_export_items(mw_server *srv, mw_request *req, mw_response *resp)
{
	static const char *const cols[] = {
		"item_id", "received", "channel", "sender", "recipients", "subject", "verdict",
		"reasons", "status", "size", "sha256", "requested_by", "request_reason",
		"requested_at", "decided_by", "decision_reason", "decided_at"
	};
	mq_filter f;
	mq_item *items;
	char last[sizeof(items->item_id)] = "";
	size_t n, rows = 0;
	mw_out b;
	bool ok = true;

	mw_list_filter(req, &f);
	mw_out_init(&b);
	b.b.max = MW_MAX_CSV;
	header(&b, cols, sizeof(cols) / sizeof(cols[0]));
	/* each batch starts after the last row of the one before, so items
	 * arriving or deleted meanwhile never repeat or skip a row */
	for (f.limit = BATCH;; f.after_id = last) {
		if (mq_list(srv->store, &f, &items, &n, NULL) != MQ_OK) {
			ok = false;
			break;
		}
		for (size_t i = 0; i < n; i++)
			item_row(&b, &items[i]);
		rows += n;
		if (n > 0) {
			memcpy(last, items[n - 1].item_id, sizeof(last));
			f.after_received = items[n - 1].received;
		}
		mq_items_free(items, n);
		if (n < BATCH)
			break;
	}
	send_csv(srv, req, resp, &b, ok, "items", rows);
}

void mw_export_audit(mw_server *srv, mw_request *req, mw_response *resp)
{
	static const char *const cols[] = { "seq", "at", "actor", "action", "item_id", "detail",
		                            "prev", "hash" };
	mq_audit_entry *e;
	size_t n, rows = 0;
	uint64_t after = 0;
	mw_out b;
	bool ok = true;

	mw_out_init(&b);
	b.b.max = MW_MAX_CSV;
	header(&b, cols, sizeof(cols) / sizeof(cols[0]));
	for (;;) {
		if (mq_audit_list(srv->store, after, BATCH, &e, &n, NULL) != MQ_OK) {
			ok = false;
			break;
		}
		for (size_t i = 0; i < n; i++)
			audit_row(&b, &e[i]);
		rows += n;
		after = n ? e[n - 1].seq : after;
		mq_audit_free(e, n);
		if (n < BATCH)
			break;
	}
	send_csv(srv, req, resp, &b, ok, "audit", rows);
}
