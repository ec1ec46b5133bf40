/*
 * check_dashboard.c - the dashboard and the CSV exports against a real
 * store: counts of items made here across days, months, channels and
 * verdicts; pending requests and items awaiting action; labels from the
 * store escaped inside the SVG; the CSV read back by a parser of its own
 * (BOM, RFC 4180 quoting, Japanese intact, formula cells defanged, the
 * list's filters applied); who may see them, and that a GET changes
 * nothing.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"
#include "testutil_store.h"
#include "web_internal.h"

#define ORIGINAL "From: a@example.com\r\nSubject: x\r\n\r\nbody\r\n"
#define EVIL_REASON "<script>alert(1)</script> マクロ検出"
#define FORMULA_SUBJECT "=HYPERLINK(\"http://evil.example/\",\"請求書\")"
#define JA_SUBJECT "請求書, \"至急\"\n確認のお願い"

static char tmpdir[256];
static mq_store *store;
static mw_server *srv;
static int64_t now;
static unsigned serial;

/* --- the store and items ------------------------------------------------ */

static void put(int64_t received, const char *channel, const char *verdict, const char *subject,
                const char *reasons, char *id_out)
{
	mq_meta m = { 0 };
	const char *rcpt[] = { "staff@city.example.lg.jp" };
	char *err = NULL, body[128];

	snprintf(m.item_id, sizeof(m.item_id), "20240501T090000-%012x", ++serial);
	m.channel = channel;
	m.sender = "sender@example.com";
	m.recipients = rcpt;
	m.nrecipients = 1;
	m.subject = subject;
	m.verdict = verdict;
	m.reasons = reasons;
	m.received = received;
	snprintf(body, sizeof(body), ORIGINAL "%u\r\n", serial);
	ck_assert_msg(mq_put(store, &m, body, strlen(body), "{}", &err) == MQ_OK, "mq_put: %s",
	              err ? err : "");
	if (id_out)
		strcpy(id_out, m.item_id);
}

/* Noon, local time, days ago: never near a day's edge. */
static int64_t noon(int days_ago)
{
	time_t t = (time_t)now;
	struct tm tm;

	localtime_r(&t, &tm);
	tm.tm_mday -= days_ago;
	tm.tm_hour = 12;
	tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
}

/* "2024-05-01", or "2024-05" when month. */
static void label(int64_t t, bool month, char *out, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	localtime_r(&tt, &tm);
	if (month)
		strftime(out, size, "%Y-%m", &tm);
	else
		strftime(out, size, "%Y-%m-%d", &tm);
}

/* Called first by each test with its backend (the loop index). */
static void setup(int backend)
{
	char uri[300];
	char *err = NULL;
	mw_options opt = { 0 };

	now = (int64_t)time(NULL);
	serial = 0;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/check_dashboard.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	if (backend == 1) {
		ts_pg_wipe();
		snprintf(uri, sizeof(uri), "%s", getenv("MUGAI_TEST_PG_URI"));
	} else {
		snprintf(uri, sizeof(uri), "sqlite:%s/index.db", tmpdir);
	}
	store = mq_open(tmpdir, uri, &err);
	ck_assert_msg(store != NULL, "mq_open: %s", err ? err : "");
	ck_assert_int_eq(mq_user_add(store, NULL, "alice", MQ_ROLE_REVIEWER, "alice-password", NULL), 0);
	ck_assert_int_eq(mq_user_add(store, NULL, "ivy", MQ_ROLE_AUDITOR, "ivy-password-1", NULL), 0);
	srv = mw_server_new(store, &opt, &err);
	ck_assert_ptr_nonnull(srv);
}

static void teardown(void)
{
	char cmd[300];

	if (!store)
		return;
	mw_server_free(srv);
	mq_close(store);
	store = NULL;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

static size_t count_of(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* --- requests ------------------------------------------------------------- */

static void run(const char *method, const char *path, const char *sid, const char *const *query,
                mw_response *resp)
{
	mw_request req;

	memset(&req, 0, sizeof(req));
	req.method = method;
	req.path = path;
	req.accept_language = "en";
	req.ip = "192.0.2.1";
	req.host = "127.0.0.1:8025";
	req.cookie_session = sid;
	req.now = now;
	for (size_t i = 0; query && query[i]; i += 2)
		mw_args_add(&req.query, query[i], query[i + 1], strlen(query[i + 1]));
	mw_response_init(resp);
	mw_handle(srv, &req, resp);
	ck_assert(!resp->body.failed);
	mw_args_free(&req.query);
	mw_args_free(&req.form);
}

/* A session for user (made directly: the login itself is check_web's). */
static void login(const char *user, mq_role role, char *sid)
{
	mw_session s;

	ck_assert_int_eq(mw_session_create(srv->sessions, user, role, MW_EN, now, &s), 0);
	strcpy(sid, s.id);
}

static const char *body(const mw_response *r)
{
	return r->body.b.data ? (const char *)r->body.b.data : "";
}

static char *get_page(const char *sid, const char *path)
{
	mw_response r;
	char *page;

	run("GET", path, sid, NULL, &r);
	ck_assert_uint_eq(r.status, 200);
	page = strdup(body(&r));
	mw_response_free(&r);
	return page;
}

/* --- a CSV parser of the test's own (RFC 4180) ----------------------------- */

typedef struct csv {
	char ***rows;
	size_t *ncols, nrows;
} csv;

static void csv_push(char ***row, size_t *n, char *cell)
{
	*row = realloc(*row, (*n + 1) * sizeof(char *));
	(*row)[(*n)++] = cell;
}

/* Every cell must be quoted, rows end with CRLF. */
static void csv_parse(const char *s, size_t len, csv *out)
{
	const char *end = s + len;
	char **row = NULL, *cell;
	size_t n = 0, cl;

	memset(out, 0, sizeof(*out));
	while (s < end) {
		ck_assert_msg(*s == '"', "unquoted cell at %.20s", s);
		cell = malloc(len + 1);
		cl = 0;
		for (s++;; s++) {
			ck_assert(s < end);
			if (*s == '"' && s + 1 < end && s[1] == '"')
				cell[cl++] = *s++;
			else if (*s == '"')
				break;
			else
				cell[cl++] = *s;
		}
		cell[cl] = '\0';
		csv_push(&row, &n, cell);
		s++;
		if (*s == ',') {
			s++;
			continue;
		}
		ck_assert_msg(s + 1 < end + 1 && s[0] == '\r' && s[1] == '\n', "no CRLF after a row");
		s += 2;
		out->rows = realloc(out->rows, (out->nrows + 1) * sizeof(char **));
		out->ncols = realloc(out->ncols, (out->nrows + 1) * sizeof(size_t));
		out->rows[out->nrows] = row;
		out->ncols[out->nrows++] = n;
		row = NULL;
		n = 0;
	}
	ck_assert_ptr_null(row);
}

static void csv_free(csv *c)
{
	for (size_t i = 0; i < c->nrows; i++) {
		for (size_t k = 0; k < c->ncols[i]; k++)
			free(c->rows[i][k]);
		free(c->rows[i]);
	}
	free(c->rows);
	free(c->ncols);
}

static int col(const csv *c, const char *name)
{
	for (size_t k = 0; k < c->ncols[0]; k++)
		if (strcmp(c->rows[0][k], name) == 0)
			return (int)k;
	ck_abort_msg("no column %s", name);
	return -1;
}

/* GETs an export: attachment, text/csv, a BOM; parsed. */
static void export(const char *sid, const char *path, const char *const *query, csv *out)
{
	mw_response r;

	run("GET", path, sid, query, &r);
	ck_assert_uint_eq(r.status, 200);
	ck_assert_ptr_nonnull(r.blob);
	ck_assert_str_eq(r.content_type, "text/csv; charset=utf-8");
	ck_assert_msg(strncmp(r.disposition, "attachment; filename=\"mugai-", 28) == 0, "%s",
	              r.disposition);
	ck_assert_uint_ge(r.blob_len, 3);
	ck_assert(memcmp(r.blob, "\xef\xbb\xbf", 3) == 0);
	csv_parse((const char *)r.blob + 3, r.blob_len - 3, out);
	ck_assert_uint_ge(out->nrows, 1);
	for (size_t i = 1; i < out->nrows; i++)
		ck_assert_uint_eq(out->ncols[i], out->ncols[0]);
	mw_response_free(&r);
}

/* --- tests ---------------------------------------------------------------- */

START_TEST(csv_cells)
{
	mw_out o;

	mw_out_init(&o);
	mw_csv_cell(&o, "plain", true);
	mw_csv_cell(&o, "a \"q\", b", false);
	mw_csv_cell(&o, "=1+1", false);
	mw_csv_cell(&o, "+81", false);
	mw_csv_cell(&o, "-2", false);
	mw_csv_cell(&o, "@SUM(A1)", false);
	mw_csv_cell(&o, "\tx", false);
	mw_csv_cell(&o, "請求書\xff", false);
	mw_csv_cell(&o, NULL, false);
	ck_assert(!o.failed);
	ck_assert_str_eq((const char *)o.b.data,
	                 "\"plain\",\"a \"\"q\"\", b\",\"'=1+1\",\"'+81\",\"'-2\",\"'@SUM(A1)\","
	                 "\"'\tx\",\"請求書\xef\xbf\xbd\",\"\"");
	mg_buf_free(&o.b);
}
END_TEST

START_TEST(counts_by_day_month_channel_verdict)
{
	char sid[MW_TOKEN_HEX + 1], want[256], day[16], month[16], old_month[16], id[40];
	int64_t t0, t3, t40, t400;
	uint64_t mail = 0, file = 0, sanitised = 0, blocked = 0, malware = 0, total = 0;
	char *page;

	setup(_i);
	t0 = noon(0);
	t3 = noon(3);
	t40 = noon(40);
	t400 = noon(400);
	put(t0, "mail", "sanitised", "a", "html converted to text", id);
	put(t0, "mail", "sanitised", "b", "html converted to text", NULL);
	put(t0, "file", "blocked", "c.xlsm", "macro removed", NULL);
	put(t3, "mail", "malware", "d", "Eicar-Signature", NULL);
	put(t40, "file", "sanitised", "e.pdf", "javascript removed", NULL);
	put(t400, "mail", "blocked", "f", "too old to count", NULL);
	ck_assert_int_eq(mq_request(store, "alice", id, "needed for the council meeting", NULL), MQ_OK);
	login("ivy", MQ_ROLE_AUDITOR, sid);
	page = get_page(sid, "/dashboard");

	/* today's bars, by verdict and by channel */
	label(t0, false, day, sizeof(day));
	snprintf(want, sizeof(want), "<title>%s Sanitised: 2 items</title>", day);
	ck_assert_msg(strstr(page, want), "missing %s", want);
	snprintf(want, sizeof(want), "<title>%s Blocked: 1 items</title>", day);
	ck_assert_msg(strstr(page, want), "missing %s", want);
	snprintf(want, sizeof(want), "<title>%s Mail: 2 items</title>", day);
	ck_assert_msg(strstr(page, want), "missing %s", want);
	snprintf(want, sizeof(want), "<title>%s File: 1 items</title>", day);
	ck_assert_msg(strstr(page, want), "missing %s", want);
	label(t3, false, day, sizeof(day));
	snprintf(want, sizeof(want), "<title>%s Malware: 1 items</title>", day);
	ck_assert_msg(strstr(page, want), "missing %s", want);
	/* 40 days ago is in no day's bar */
	label(t40, false, day, sizeof(day));
	snprintf(want, sizeof(want), "<title>%s ", day);
	ck_assert_msg(!strstr(page, want), "%s is older than 30 days", day);

	/* this month's row: what of the first five items fell in it */
	label(t0, true, month, sizeof(month));
	{
		const struct { int64_t t; const char *ch, *vd; } all[] = {
			{ t0, "mail", "sanitised" }, { t0, "mail", "sanitised" },
			{ t0, "file", "blocked" }, { t3, "mail", "malware" },
			{ t40, "file", "sanitised" },
		};
		for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
			label(all[i].t, true, day, sizeof(day));
			if (strcmp(day, month) != 0)
				continue;
			total++;
			mail += strcmp(all[i].ch, "mail") == 0;
			file += strcmp(all[i].ch, "file") == 0;
			sanitised += strcmp(all[i].vd, "sanitised") == 0;
			blocked += strcmp(all[i].vd, "blocked") == 0;
			malware += strcmp(all[i].vd, "malware") == 0;
		}
	}
	snprintf(want, sizeof(want),
	         "<tr id=\"m-%s\"><th>%s</th><td class=\"num\">%llu</td><td class=\"num\">%llu</td>"
	         "<td class=\"num\">%llu</td><td class=\"num\">%llu</td><td class=\"num\">0</td>"
	         "<td class=\"num\">%llu</td><td class=\"num\">0</td><td class=\"num\">%llu</td></tr>",
	         month, month, (unsigned long long)mail, (unsigned long long)file,
	         (unsigned long long)sanitised, (unsigned long long)blocked,
	         (unsigned long long)malware, (unsigned long long)total);
	ck_assert_msg(strstr(page, want), "missing %s", want);
	/* 40 days ago is in its month's row, 400 days ago in none */
	label(t40, true, month, sizeof(month));
	snprintf(want, sizeof(want), "<tr id=\"m-%s\">", month);
	ck_assert(strstr(page, want));
	label(t400, true, old_month, sizeof(old_month));
	snprintf(want, sizeof(want), "<tr id=\"m-%s\">", old_month);
	ck_assert_msg(!strstr(page, want), "%s is older than 12 months", old_month);
	ck_assert_uint_eq(count_of(page, "<tr id=\"m-"), 12);

	/* one request pending; six items wait for someone */
	ck_assert(strstr(page, "id=\"pending-requests\" href=\"/items?status=release_requested\">"
	                       "<span class=\"n\">1</span>"));
	ck_assert(strstr(page, "id=\"awaiting-action\" href=\"/items?status=quarantined\">"
	                       "<span class=\"n\">6</span>"));
	/* the reasons of the last 30 days, most frequent first; not the older ones */
	ck_assert(strstr(page, "html converted to text</td><td class=\"num\">2</td>"));
	ck_assert_ptr_null(strstr(page, "javascript removed"));
	ck_assert_ptr_null(strstr(page, "too old to count"));
	/* four charts, no script, no style attribute, nav link */
	ck_assert_uint_eq(count_of(page, "<svg xmlns=\"http://www.w3.org/2000/svg\""), 4);
	ck_assert_ptr_null(strstr(page, "<script"));
	ck_assert_ptr_null(strstr(page, "style="));
	ck_assert(strstr(page, "href=\"/dashboard\" class=\"current\""));
	free(page);
}
END_TEST

START_TEST(labels_escaped)
{
	char sid[MW_TOKEN_HEX + 1];
	char *page;

	setup(_i);
	put(noon(1), "mail", "blocked", "<script>x</script>", EVIL_REASON, NULL);
	login("alice", MQ_ROLE_REVIEWER, sid);
	page = get_page(sid, "/dashboard");
	ck_assert_ptr_null(strstr(page, "<script"));
	ck_assert_uint_eq(count_of(page, "&lt;script&gt;alert(1)&lt;/script&gt; マクロ検出"), 2);
	free(page);
}
END_TEST

START_TEST(csv_items_filtered_and_defanged)
{
	char sid[MW_TOKEN_HEX + 1];
	const char *q[] = { "channel", "mail", NULL };
	const char *q_search[] = { "q", "至急", NULL };
	csv c;
	int subj, chan, id;
	bool seen_formula = false, seen_ja = false;

	setup(_i);
	put(noon(0), "mail", "sanitised", FORMULA_SUBJECT, "html converted to text", NULL);
	put(noon(0), "mail", "blocked", JA_SUBJECT, "暗号化ZIP（PPAP）", NULL);
	put(noon(0), "file", "sanitised", "=cmd|' /C calc'!A0.xlsx", "macro removed", NULL);
	login("ivy", MQ_ROLE_AUDITOR, sid);

	export(sid, "/items.csv", q, &c);
	ck_assert_uint_eq(c.nrows, 3); /* header and the two mails */
	subj = col(&c, "subject");
	chan = col(&c, "channel");
	id = col(&c, "item_id");
	for (size_t i = 1; i < c.nrows; i++) {
		ck_assert_str_eq(c.rows[i][chan], "mail");
		ck_assert_uint_eq(strlen(c.rows[i][id]), 28);
		if (strcmp(c.rows[i][subj], "'" FORMULA_SUBJECT) == 0)
			seen_formula = true;
		if (strcmp(c.rows[i][subj], JA_SUBJECT) == 0)
			seen_ja = true;
	}
	ck_assert(seen_formula);
	ck_assert(seen_ja);
	ck_assert_str_eq(c.rows[1][col(&c, "reasons")], "暗号化ZIP（PPAP）"); /* newest first */
	csv_free(&c);

	export(sid, "/items.csv", q_search, &c);
	ck_assert_uint_eq(c.nrows, 2);
	ck_assert_str_eq(c.rows[1][col(&c, "subject")], JA_SUBJECT);
	csv_free(&c);

	export(sid, "/items.csv", NULL, &c);
	ck_assert_uint_eq(c.nrows, 4);
	ck_assert_str_eq(c.rows[1][col(&c, "subject")], "'=cmd|' /C calc'!A0.xlsx");
	csv_free(&c);
}
END_TEST

START_TEST(csv_audit_whole_chain)
{
	char sid[MW_TOKEN_HEX + 1];
	mq_audit_entry *e = NULL;
	size_t n = 0;
	csv c;

	setup(_i);
	for (int i = 0; i < 3; i++)
		put(noon(i), "mail", "sanitised", "s", "r", NULL);
	ck_assert_int_eq(mq_audit_list(store, 0, 1000, &e, &n, NULL), MQ_OK);
	login("ivy", MQ_ROLE_AUDITOR, sid);
	export(sid, "/audit.csv", NULL, &c);
	ck_assert_uint_eq(c.nrows, n + 1);
	for (size_t i = 0; i < n; i++) {
		char seq[24];

		snprintf(seq, sizeof(seq), "%llu", (unsigned long long)e[i].seq);
		ck_assert_str_eq(c.rows[i + 1][col(&c, "seq")], seq);
		ck_assert_str_eq(c.rows[i + 1][col(&c, "hash")], e[i].hash);
		ck_assert_str_eq(c.rows[i + 1][col(&c, "action")], e[i].action);
	}
	csv_free(&c);
	mq_audit_free(e, n);
}
END_TEST

/* The export's paging: each page after the last row of the one before,
 * so an item arriving between pages neither repeats nor hides a row. */
START_TEST(paging_after_the_last_row)
{
	mq_filter f = { .limit = 2 };
	mq_item *items;
	size_t n, seen = 0;
	char last[40] = "", ids[8][40];
	int64_t t;

	setup(_i);
	t = noon(0);
	for (int i = 0; i < 5; i++)
		put(t - (i % 2) * 60, "mail", "sanitised", "s", "r", NULL);
	for (;;) {
		ck_assert_int_eq(mq_list(store, &f, &items, &n, NULL), MQ_OK);
		for (size_t i = 0; i < n; i++) {
			for (size_t k = 0; k < seen; k++)
				ck_assert_str_ne(ids[k], items[i].item_id);
			ck_assert_uint_lt(seen, 5);
			strcpy(ids[seen++], items[i].item_id);
		}
		if (n > 0) {
			strcpy(last, items[n - 1].item_id);
			f.after_id = last;
			f.after_received = items[n - 1].received;
		}
		mq_items_free(items, n);
		if (n < 2)
			break;
		put(t + 3600, "mail", "sanitised", "newer", "r", NULL); /* arrives meanwhile */
	}
	ck_assert_uint_eq(seen, 5);
}
END_TEST

static uint64_t chain_length(void)
{
	mq_verify_result res = { 0 };

	ck_assert_int_eq(mq_verify(store, &res, NULL), MQ_OK);
	ck_assert_uint_eq(res.bad_seq, 0);
	free(res.problem);
	return res.entries;
}

START_TEST(who_may_see_and_get_changes_nothing)
{
	static const char *const paths[] = { "/dashboard", "/items.csv", "/audit.csv" };
	char auditor[MW_TOKEN_HEX + 1], reviewer[MW_TOKEN_HEX + 1];
	mw_response r;
	uint64_t before;

	setup(_i);
	put(noon(0), "mail", "sanitised", "s", "r", NULL);
	login("ivy", MQ_ROLE_AUDITOR, auditor);
	login("alice", MQ_ROLE_REVIEWER, reviewer);
	before = chain_length();
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		run("GET", paths[i], auditor, NULL, &r);
		ck_assert_uint_eq(r.status, 200);
		mw_response_free(&r);
		run("GET", paths[i], reviewer, NULL, &r);
		ck_assert_uint_eq(r.status, 200);
		mw_response_free(&r);
		run("GET", paths[i], NULL, NULL, &r);
		ck_assert_uint_eq(r.status, 303);
		ck_assert_str_eq(r.location, "/login");
		ck_assert_ptr_null(r.blob);
		mw_response_free(&r);
		run("POST", paths[i], auditor, NULL, &r);
		ck_assert_uint_eq(r.status, 405);
		mw_response_free(&r);
	}
	ck_assert_uint_eq(chain_length(), before);
}
END_TEST

Suite *mugai_suite(void)
{
	Suite *s = suite_create("dashboard");
	TCase *units = tcase_create("units");
	TCase *pages = tcase_create("pages");

	tcase_add_test(units, csv_cells);
	tcase_add_checked_fixture(pages, NULL, teardown);
	tcase_add_loop_test(pages, counts_by_day_month_channel_verdict, 0, ts_backends());
	tcase_add_loop_test(pages, labels_escaped, 0, ts_backends());
	tcase_add_loop_test(pages, csv_items_filtered_and_defanged, 0, ts_backends());
	tcase_add_loop_test(pages, csv_audit_whole_chain, 0, ts_backends());
	tcase_add_loop_test(pages, who_may_see_and_get_changes_nothing, 0, ts_backends());
	tcase_add_loop_test(pages, paging_after_the_last_row, 0, ts_backends());
	suite_add_tcase(s, units);
	suite_add_tcase(s, pages);
	return s;
}
