/*
 * check_web.c - the review UI: the catalog (every key in Japanese and
 * English), escaping, tokens, sessions, the login rate limit, path
 * safety, the report's rendering; then the routes against a real store
 * (login, CSRF, roles and the two-person rule, downloads, languages) and
 * the HTTP side on a loopback socket (security headers, traversal, body
 * limit).
 */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"
#include "web_internal.h"

#define ID1 "20240501T090000-a1b2c3d4e5f6"
#define ID2 "20240501T100000-0123456789ab"
#define EVIL_SUBJECT "<script>alert(1)</script> 請求書 \"q\" & 'a'"
#define ORIGINAL "From: a@example.com\r\nSubject: x\r\n\r\nbody\r\n"

/* --- small helpers --------------------------------------------------------- */

static const char *out_str(const mw_out *o)
{
	ck_assert(!o->failed);
	return o->b.data ? (const char *)o->b.data : "";
}

static bool has_non_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return true;
	return false;
}

/* The placeholders {1}..{9} a template uses, as a bit set. */
static unsigned placeholders(const char *s)
{
	unsigned set = 0;

	for (; *s; s++)
		if (s[0] == '{' && s[1] >= '1' && s[1] <= '9' && s[2] == '}')
			set |= 1u << (s[1] - '0');
	return set;
}

/* --- catalog ---------------------------------------------------------------- */

START_TEST(i18n_every_key_in_both_languages)
{
	/* entries that are the same word in both (names of the languages, marks) */
	static const char *const neutral[] = { "LANG_NAME_JA", "LANG_NAME_EN", "NONE", "F_SHA256" };

	for (mw_msg m = 0; m < MW_MSG_COUNT; m++) {
		const char *key = mw_msg_key(m), *ja = mw_t(MW_JA, m), *en = mw_t(MW_EN, m);
		bool is_neutral = false;

		ck_assert_ptr_nonnull(key);
		ck_assert_msg(ja && *ja && strcmp(ja, "?") != 0, "%s has no Japanese", key);
		ck_assert_msg(en && *en && strcmp(en, "?") != 0, "%s has no English", key);
		ck_assert_msg(placeholders(ja) == placeholders(en), "%s: placeholders differ", key);
		for (size_t i = 0; i < sizeof(neutral) / sizeof(neutral[0]); i++)
			is_neutral |= strcmp(key, neutral[i]) == 0;
		if (is_neutral)
			continue;
		/* an untranslated copy of the English is caught here */
		ck_assert_msg(has_non_ascii(ja), "%s: Japanese text is plain ASCII: %s", key, ja);
		ck_assert_msg(!has_non_ascii(en), "%s: English text has non-ASCII: %s", key, en);
	}
	ck_assert_str_eq(mw_t(MW_JA, MW_LOGIN_TITLE), "ログイン");
	ck_assert_str_eq(mw_t(MW_EN, MW_LOGIN_TITLE), "Log in");
	ck_assert_str_eq(mw_t(MW_EN, MW_MSG_COUNT), "?");
}
END_TEST

START_TEST(i18n_store_vocabulary)
{
	for (mq_status s = MQ_QUARANTINED; s < MQ_STATUS_COUNT; s++) {
		ck_assert_ptr_nonnull(mw_t_word(MW_JA, "status", mq_status_name(s)));
		ck_assert_ptr_nonnull(mw_t_word(MW_EN, "status", mq_status_name(s)));
	}
	for (mq_role r = MQ_ROLE_REVIEWER; r <= MQ_ROLE_ADMIN; r++)
		ck_assert_ptr_nonnull(mw_t_word(MW_JA, "role", mq_role_name(r)));
	ck_assert_str_eq(mw_t_word(MW_JA, "status", "released"), "解放済み");
	ck_assert_str_eq(mw_t_word(MW_EN, "verdict", "malware"), "Malware");
	ck_assert_str_eq(mw_t_word(MW_JA, "audit", "approve"), "解放承認");
	ck_assert_ptr_null(mw_t_word(MW_JA, "status", "<b>"));
}
END_TEST

START_TEST(i18n_accept_language)
{
	ck_assert_int_eq(mw_lang_negotiate(NULL, MW_JA), MW_JA);
	ck_assert_int_eq(mw_lang_negotiate("", MW_JA), MW_JA);
	ck_assert_int_eq(mw_lang_negotiate("en-US,en;q=0.9", MW_JA), MW_EN);
	ck_assert_int_eq(mw_lang_negotiate("ja,en-US;q=0.9,en;q=0.8", MW_EN), MW_JA);
	ck_assert_int_eq(mw_lang_negotiate("ja-JP", MW_EN), MW_JA);
	ck_assert_int_eq(mw_lang_negotiate("en;q=0.5, ja;q=0.8", MW_EN), MW_JA);
	ck_assert_int_eq(mw_lang_negotiate("fr-FR, en;q=0.1", MW_JA), MW_EN);
	ck_assert_int_eq(mw_lang_negotiate("ja;q=0, en;q=0.1", MW_JA), MW_EN);
	ck_assert_int_eq(mw_lang_negotiate("fr, de", MW_JA), MW_JA);
	ck_assert_int_eq(mw_lang_negotiate("EN-gb", MW_JA), MW_EN);
	ck_assert_int_eq(mw_lang_negotiate("english", MW_JA), MW_JA);
	ck_assert_int_eq(mw_lang_negotiate("en;q=x", MW_JA), MW_JA);
	ck_assert_int_eq(mw_lang_negotiate(",,,;;;q=", MW_JA), MW_JA);
}
END_TEST

/* --- escaping --------------------------------------------------------------- */

START_TEST(escape_html)
{
	mw_out o;

	mw_out_init(&o);
	mw_esc(&o, "<script>alert(\"x\")</script> & 'y'");
	ck_assert_str_eq(out_str(&o),
	                 "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;");
	mg_buf_reset(&o.b);
	/* Japanese passes; invalid UTF-8 becomes U+FFFD; controls are dropped */
	mw_esc(&o, "請求書\xff\xfe-\x01\x1b[31m-\ttab\nnl");
	ck_assert_str_eq(out_str(&o), "請求書\xef\xbf\xbd\xef\xbf\xbd-[31m-\ttab\nnl");
	mg_buf_reset(&o.b);
	/* a truncated multi-byte sequence at the end */
	mw_esc(&o, "ab\xe8\xab");
	ck_assert_str_eq(out_str(&o), "ab\xef\xbf\xbd\xef\xbf\xbd");
	mg_buf_reset(&o.b);
	mw_esc(&o, NULL);
	ck_assert_uint_eq(o.b.len, 0);
	mg_buf_free(&o.b);
}
END_TEST

START_TEST(escape_templates_and_urls)
{
	const char *args[2] = { "<b>bob</b>", "x&y" };
	char text[64];
	mw_out o;

	mw_out_init(&o);
	mw_trf(&o, MW_EN, MW_SIGNED_IN_AS, args, 2);
	ck_assert_str_eq(out_str(&o), "&lt;b&gt;bob&lt;/b&gt; (x&amp;y)");
	mg_buf_reset(&o.b);
	mw_trf(&o, MW_JA, MW_PAGE_OF, args, 1); /* a missing argument is empty */
	ck_assert_str_eq(out_str(&o), "&lt;b&gt;bob&lt;/b&gt; /  ページ");
	mg_buf_reset(&o.b);
	mw_urlenc(&o, "a b&c=d/é\"<");
	ck_assert_str_eq(out_str(&o), "a%20b%26c%3Dd%2F%C3%A9%22%3C");
	mg_buf_reset(&o.b);
	mw_badge(&o, MW_JA, "status", "release_requested");
	ck_assert_str_eq(out_str(&o),
	                 "<span class=\"badge status-release_requested\">解放申請中</span>");
	mg_buf_reset(&o.b);
	/* an unknown word never becomes a class name */
	mw_badge(&o, MW_JA, "status", "x\" onclick=\"y");
	ck_assert_str_eq(out_str(&o), "<span class=\"badge\">x&quot; onclick=&quot;y</span>");
	mg_buf_free(&o.b);
	mw_text(text, sizeof(text), MW_EN, MW_REFUSED, args, 1);
	ck_assert_str_eq(text, "Refused: <b>bob</b>"); /* plain text: escaped when shown */
	mw_text(text, 10, MW_EN, MW_REFUSED, args, 1);
	ck_assert_str_eq(text, "Refused: ");
}
END_TEST

START_TEST(page_size_is_bounded)
{
	mw_out o;
	char chunk[4096];

	memset(chunk, 'a', sizeof(chunk) - 1);
	chunk[sizeof(chunk) - 1] = '\0';
	mw_out_init(&o);
	for (size_t i = 0; i < (MW_MAX_PAGE / sizeof(chunk)) + 2; i++)
		mw_esc(&o, chunk);
	ck_assert(o.failed); /* sticky: a page past the limit is an error, never truncated */
	ck_assert_uint_le(o.b.len, MW_MAX_PAGE);
	mg_buf_free(&o.b);
}
END_TEST

/* --- tokens, sessions, rate limit --------------------------------------------- */

START_TEST(tokens)
{
	char a[MW_TOKEN_HEX + 1], b[MW_TOKEN_HEX + 1], upper[MW_TOKEN_HEX + 1];

	mw_token_new(a);
	mw_token_new(b);
	ck_assert_uint_eq(strlen(a), 64);
	ck_assert(mw_token_wellformed(a));
	ck_assert_str_ne(a, b);
	ck_assert(mw_token_equal(a, a));
	ck_assert(!mw_token_equal(a, b));
	ck_assert(!mw_token_equal(a, NULL));
	ck_assert(!mw_token_equal(a, ""));
	ck_assert(!mw_token_equal(NULL, NULL));
	memcpy(upper, a, sizeof(upper));
	upper[0] = 'G';
	ck_assert(!mw_token_wellformed(upper));
	upper[MW_TOKEN_HEX - 1] = '\0';
	ck_assert(!mw_token_wellformed(upper));
	ck_assert(!mw_token_wellformed("../../../etc/passwd"));
}
END_TEST

START_TEST(sessions_expire_and_evict)
{
	mw_sessions *ss = mw_sessions_new(2, 600, 3600);
	mw_session s1, s2, s3, got;
	char text[64];

	ck_assert_ptr_nonnull(ss);
	ck_assert_int_eq(mw_session_create(ss, "alice", MQ_ROLE_REVIEWER, MW_JA, 1000, &s1), 0);
	ck_assert(mw_token_wellformed(s1.id));
	ck_assert(mw_token_wellformed(s1.csrf));
	ck_assert_str_ne(s1.id, s1.csrf);
	ck_assert_int_eq(mw_session_get(ss, s1.id, 1100, &got), 0);
	ck_assert_str_eq(got.user, "alice");
	ck_assert_str_eq(got.csrf, s1.csrf);
	/* idle: 600 s after the last request */
	ck_assert_int_eq(mw_session_get(ss, s1.id, 1699, &got), 0);
	ck_assert_int_eq(mw_session_get(ss, s1.id, 2299, &got), -1);
	ck_assert_int_eq(mw_session_get(ss, s1.id, 1700, &got), -1); /* gone for good */
	/* absolute: 3600 s after login however active */
	ck_assert_int_eq(mw_session_create(ss, "bob", MQ_ROLE_APPROVER, MW_EN, 10000, &s2), 0);
	for (int64_t t = 10000; t < 13600; t += 300)
		ck_assert_int_eq(mw_session_get(ss, s2.id, t, &got), 0);
	ck_assert_int_eq(mw_session_get(ss, s2.id, 13600, &got), -1);
	/* a well-formed id that was never issued */
	mw_token_new(s3.id);
	ck_assert_int_eq(mw_session_get(ss, s3.id, 10000, &got), -1);
	ck_assert_int_eq(mw_session_get(ss, "", 10000, &got), -1);
	/* full: the least recently seen goes */
	ck_assert_int_eq(mw_session_create(ss, "a", MQ_ROLE_ADMIN, MW_JA, 20000, &s1), 0);
	ck_assert_int_eq(mw_session_create(ss, "b", MQ_ROLE_ADMIN, MW_JA, 20001, &s2), 0);
	ck_assert_int_eq(mw_session_get(ss, s1.id, 20002, &got), 0);
	ck_assert_int_eq(mw_session_create(ss, "c", MQ_ROLE_ADMIN, MW_JA, 20003, &s3), 0);
	ck_assert_int_eq(mw_session_get(ss, s2.id, 20004, &got), -1);
	ck_assert_int_eq(mw_session_get(ss, s1.id, 20004, &got), 0);
	ck_assert_uint_eq(mw_sessions_live(ss, 20004), 2);
	/* a flash is shown once */
	mw_session_flash_set(ss, s1.id, MW_FLASH_ERR, "no");
	ck_assert_int_eq(mw_session_flash_take(ss, s1.id, text, sizeof(text)), MW_FLASH_ERR);
	ck_assert_str_eq(text, "no");
	ck_assert_int_eq(mw_session_flash_take(ss, s1.id, text, sizeof(text)), MW_FLASH_NONE);
	/* signing a user out everywhere but here */
	mw_session_drop_user(ss, "a", NULL);
	ck_assert_int_eq(mw_session_get(ss, s1.id, 20005, &got), -1);
	mw_session_drop(ss, s3.id);
	ck_assert_uint_eq(mw_sessions_live(ss, 20005), 0);
	mw_sessions_free(ss);
}
END_TEST

START_TEST(ratelimit_window)
{
	mw_ratelimit *rl = mw_ratelimit_new(5, 300, 4);

	ck_assert_ptr_nonnull(rl);
	for (int i = 0; i < 4; i++)
		mw_ratelimit_fail(rl, "user:alice", 1000 + i);
	ck_assert_uint_eq(mw_ratelimit_check(rl, "user:alice", 1004), 0);
	mw_ratelimit_fail(rl, "user:alice", 1004);
	/* 5 failures within 300 s: blocked until the oldest leaves the window */
	ck_assert_uint_eq(mw_ratelimit_check(rl, "user:alice", 1005), 295);
	ck_assert_uint_eq(mw_ratelimit_check(rl, "user:alicex", 1005), 0);
	ck_assert_uint_eq(mw_ratelimit_check(rl, "user:bob", 1005), 0);
	ck_assert_uint_eq(mw_ratelimit_check(rl, "user:alice", 1299), 1);
	ck_assert_uint_eq(mw_ratelimit_check(rl, "user:alice", 1300), 0);
	mw_ratelimit_fail(rl, "user:alice", 1300);
	/* 1001 ... 1004 and 1300 are five within 300 s */
	ck_assert_uint_eq(mw_ratelimit_check(rl, "user:alice", 1300), 1);
	ck_assert_uint_eq(mw_ratelimit_check(rl, "user:alice", 1301), 0);
	mw_ratelimit_clear(rl, "user:alice");
	ck_assert_uint_eq(mw_ratelimit_check(rl, "user:alice", 1301), 0);
	/* bounded: many keys recycle the slots of the oldest */
	for (int i = 0; i < 5; i++)
		mw_ratelimit_fail(rl, "ip:10.0.0.1", 2000);
	for (int k = 0; k < 100; k++) {
		char key[32];

		snprintf(key, sizeof(key), "ip:192.0.2.%d", k);
		mw_ratelimit_fail(rl, key, 1000 + k);
	}
	ck_assert_uint_gt(mw_ratelimit_check(rl, "ip:10.0.0.1", 2001), 0);
	mw_ratelimit_free(rl);
	ck_assert_ptr_null(mw_ratelimit_new(0, 300, 4));
}
END_TEST

/* --- paths ------------------------------------------------------------------ */

START_TEST(item_ids)
{
	ck_assert(mw_item_id_valid(ID1));
	ck_assert(mw_item_id_valid("a"));
	ck_assert(mw_item_id_valid("abc_DEF-123"));
	ck_assert(!mw_item_id_valid(""));
	ck_assert(!mw_item_id_valid(NULL));
	ck_assert(!mw_item_id_valid(".."));
	ck_assert(!mw_item_id_valid("a.b"));
	ck_assert(!mw_item_id_valid("-a"));
	ck_assert(!mw_item_id_valid("a/b"));
	ck_assert(!mw_item_id_valid("a%2e"));
	ck_assert(!mw_item_id_valid("a b"));
	ck_assert(!mw_item_id_valid("a\\b"));
	ck_assert(!mw_item_id_valid("0123456789012345678901234567890123456789")); /* 40 */
	ck_assert(mw_item_id_valid("012345678901234567890123456789012345678"));  /* 39 */
}
END_TEST

START_TEST(routes_refuse_traversal)
{
	static const struct {
		const char *path;
		mw_route_id want;
	} cases[] = {
		{ "/", MW_R_ROOT },
		{ "/items", MW_R_ITEMS },
		{ "/items/" ID1, MW_R_ITEM },
		{ "/items/" ID1 "/original", MW_R_ITEM_ORIGINAL },
		{ "/items/" ID1 "/approve", MW_R_ITEM_ACTION },
		{ "/items/" ID1 "/frobnicate", MW_R_NOT_FOUND },
		{ "/items/", MW_R_NOT_FOUND },
		{ "/nope", MW_R_NOT_FOUND },
		{ "/static/mugai.css", MW_R_CSS },
		{ "/static/other.css", MW_R_NOT_FOUND },
		{ "/items/../../etc/passwd", MW_R_BAD },
		{ "/items/..", MW_R_BAD },
		{ "/items/.", MW_R_BAD },
		{ "/static/../../../etc/passwd", MW_R_BAD },
		{ "/items/%2e%2e/%2e%2e/etc/passwd", MW_R_BAD }, /* double-encoded reaches us as % */
		{ "/items/..%2fetc%2fpasswd", MW_R_BAD },
		{ "/items/a.b", MW_R_BAD },
		{ "//etc/passwd", MW_R_BAD },
		{ "/items//x", MW_R_BAD },
		{ "/items/x\\..\\y", MW_R_BAD },
		{ "/items/x y", MW_R_BAD },
		{ "/items/\xe8\xab\x8b", MW_R_BAD },
		{ "items", MW_R_BAD },
		{ "", MW_R_BAD },
		{ "/items/0123456789012345678901234567890123456789", MW_R_BAD },
	};
	mw_route r;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		mw_route_parse(cases[i].path, &r);
		ck_assert_msg(r.id == cases[i].want, "%s: route %d, want %d", cases[i].path, r.id,
		              cases[i].want);
	}
	mw_route_parse("/items/" ID1 "/deny", &r);
	ck_assert_str_eq(r.item, ID1);
	ck_assert_str_eq(r.action, "deny");
}
END_TEST

/* --- the report --------------------------------------------------------------- */

static const char report_json[] =
	"{\"item_id\":\"" ID1 "\",\"name\":\"mail.eml\",\"detected\":{\"type\":\"message/rfc822\","
	"\"family\":\"mail\",\"description\":\"<i>mail</i>\"},\"action\":\"rebuild\","
	"\"verdict\":\"sanitised\",\"status\":\"ok\",\"removed\":[{\"what\":\"text/html part\","
	"\"why\":\"converted to text\"}],\"findings\":[\"declared <script>x</script>\"],"
	"\"actions\":[\"body decoded from ISO-2022-JP\"],\"children\":[{\"name\":"
	"\"<img src=x onerror=alert(1)>.docm\",\"verdict\":\"sanitised\",\"detected\":{\"type\":"
	"\"application/vnd.ms-word.document.macroEnabled.12\"},\"removed\":[{\"what\":"
	"\"word/vbaProject.bin\",\"why\":\"VBA macros\"}],\"findings\":[],\"children\":[]}]}";

START_TEST(report_rendered_readably_and_escaped)
{
	mw_out o;
	const char *html;

	mw_out_init(&o);
	mw_render_report(&o, MW_EN, report_json);
	html = out_str(&o);
	ck_assert_ptr_nonnull(strstr(html, "<td class=\"mono\">word/vbaProject.bin</td><td>VBA macros"));
	ck_assert_ptr_nonnull(strstr(html, "<td class=\"mono\">text/html part</td><td>converted to text"));
	ck_assert_ptr_nonnull(strstr(html, "Contained items"));
	ck_assert_ptr_nonnull(strstr(html, "&lt;img src=x onerror=alert(1)&gt;.docm"));
	ck_assert_ptr_nonnull(strstr(html, "declared &lt;script&gt;x&lt;/script&gt;"));
	ck_assert_ptr_nonnull(strstr(html, "body decoded from ISO-2022-JP"));
	ck_assert_ptr_nonnull(strstr(html, "<details class=\"raw\""));
	ck_assert_ptr_null(strstr(html, "<script>"));
	ck_assert_ptr_null(strstr(html, "<img"));
	ck_assert_ptr_null(strstr(html, "<i>"));
	mg_buf_reset(&o.b);
	mw_render_report(&o, MW_JA, "{not json <script>");
	html = out_str(&o);
	ck_assert_ptr_nonnull(strstr(html, "レポートを読み取れません"));
	ck_assert_ptr_nonnull(strstr(html, "{not json &lt;script&gt;"));
	mg_buf_reset(&o.b);
	mw_render_report(&o, MW_JA, NULL);
	ck_assert_ptr_nonnull(strstr(out_str(&o), "レポートはありません"));
	mg_buf_free(&o.b);
}
END_TEST

START_TEST(report_nesting_is_bounded)
{
	mg_buf j;
	mw_out o;
	int depth = 400;

	mg_buf_init(&j, 1 << 20);
	for (int i = 0; i < depth; i++)
		mg_buf_printf(&j, "{\"name\":\"n%d\",\"removed\":[],\"children\":[", i);
	mg_buf_puts(&j, "{}");
	for (int i = 0; i < depth; i++)
		mg_buf_puts(&j, "]}");
	mw_out_init(&o);
	mw_render_report(&o, MW_EN, (const char *)j.data);
	ck_assert_ptr_nonnull(strstr(out_str(&o), "Too many elements"));
	ck_assert_ptr_nonnull(strstr(out_str(&o), "n10"));
	ck_assert_ptr_null(strstr(out_str(&o), "<summary><span class=\"name\">n20<"));
	mg_buf_free(&o.b);
	mg_buf_free(&j);
}
END_TEST

/* --- routes against a real store ----------------------------------------------- */

static char tmpdir[256];
static mq_store *store;
static mw_server *srv;
static int hook_calls;
static size_t hook_len;

static int test_hook(void *ctx, const mq_item *item, const unsigned char *original, size_t len,
                     const char *approver, char **err)
{
	hook_calls++;
	hook_len = len;
	return 0;
}

static char logged[8192];

/* The UI's log lines, "W|item|msg" or "I|-|msg", one per line. */
static void capture_log(void *ctx, bool warning, const char *item_id, const char *msg)
{
	size_t n = strlen(logged);

	snprintf(logged + n, sizeof(logged) - n, "%c|%s|%s\n", warning ? 'W' : 'I',
	         item_id ? item_id : "-", msg);
}

static void put_item(const char *id, const char *subject)
{
	mq_meta m = { 0 };
	const char *rcpt[] = { "staff@city.example.lg.jp" };
	char *err = NULL;

	snprintf(m.item_id, sizeof(m.item_id), "%s", id);
	m.channel = "mail";
	m.sender = "attacker@example.com";
	m.recipients = rcpt;
	m.nrecipients = 1;
	m.subject = subject;
	m.verdict = "sanitised";
	m.reasons = "html converted to text";
	ck_assert_msg(mq_put(store, &m, ORIGINAL, strlen(ORIGINAL), report_json, &err) == MQ_OK,
	              "mq_put: %s", err ? err : "");
}

static void store_setup_opts(const mw_options *opt)
{
	char uri[300];
	char *err = NULL;

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/check_web.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	snprintf(uri, sizeof(uri), "sqlite:%s/index.db", tmpdir);
	store = mq_open(tmpdir, uri, &err);
	ck_assert_msg(store != NULL, "mq_open: %s", err ? err : "");
	mq_set_release_hook(store, test_hook, NULL);
	ck_assert_int_eq(mq_user_add(store, NULL, "alice", MQ_ROLE_REVIEWER, "alice-password", NULL), 0);
	ck_assert_int_eq(mq_user_add(store, NULL, "bob", MQ_ROLE_APPROVER, "bob-password", NULL), 0);
	ck_assert_int_eq(mq_user_add(store, NULL, "carol", MQ_ROLE_ADMIN, "carol-password", NULL), 0);
	put_item(ID1, EVIL_SUBJECT);
	put_item(ID2, "meeting minutes");
	srv = mw_server_new(store, opt, &err);
	ck_assert_ptr_nonnull(srv);
	srv->opt.log = capture_log;
	logged[0] = '\0';
	hook_calls = 0;
}

static void store_setup(void)
{
	mw_options opt = { 0 };

	store_setup_opts(&opt);
}

static void store_teardown(void)
{
	char cmd[300];

	mw_server_free(srv);
	mq_close(store);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

/* One request through the router. */
struct call {
	const char *method, *path, *accept_language, *ip;
	const char *session, *login_cookie;
	const char *query[8]; /* key, value, ... NULL */
	const char *form[12];
	int64_t now;
	const char *host; /* NULL: 127.0.0.1:8025, NO_HOST: no Host header */
};

static const char NO_HOST[] = "";

static void fill(mw_args *a, const char *const *kv, size_t max)
{
	for (size_t i = 0; i + 1 < max && kv[i]; i += 2)
		mw_args_add(a, kv[i], kv[i + 1], strlen(kv[i + 1]));
}

static void run(const struct call *c, mw_response *resp)
{
	mw_request req;

	memset(&req, 0, sizeof(req));
	req.method = c->method ? c->method : "GET";
	req.path = c->path;
	req.accept_language = c->accept_language;
	req.ip = c->ip ? c->ip : "192.0.2.1";
	req.host = c->host == NO_HOST ? NULL : c->host ? c->host : "127.0.0.1:8025";
	req.cookie_session = c->session;
	req.cookie_login = c->login_cookie;
	req.now = c->now ? c->now : (int64_t)time(NULL);
	fill(&req.query, c->query, 8);
	fill(&req.form, c->form, 12);
	mw_response_init(resp);
	mw_handle(srv, &req, resp);
	ck_assert(!resp->body.failed);
	mw_args_free(&req.query);
	mw_args_free(&req.form);
}

static const char *body(mw_response *r)
{
	return r->body.b.data ? (const char *)r->body.b.data : "";
}

static const char *cookie(const mw_response *r, const char *name)
{
	for (size_t i = 0; i < r->ncookies; i++)
		if (strncmp(r->cookies[i], name, strlen(name)) == 0 && r->cookies[i][strlen(name)] == '=')
			return r->cookies[i];
	return NULL;
}

/* Logs in; the session id and CSRF token into sid and csrf. */
static void login(const char *user, const char *pw, char *sid, char *csrf)
{
	struct call c = { .method = "GET", .path = "/login" };
	mw_response r;
	char token[MW_TOKEN_HEX + 1];
	const char *set;
	mw_session s;

	run(&c, &r);
	set = cookie(&r, MW_COOKIE_LOGIN);
	ck_assert_ptr_nonnull(set);
	memcpy(token, set + strlen(MW_COOKIE_LOGIN) + 1, MW_TOKEN_HEX);
	token[MW_TOKEN_HEX] = '\0';
	ck_assert(mw_token_wellformed(token));
	mw_response_free(&r);
	c = (struct call){ .method = "POST", .path = "/login", .login_cookie = token,
		           .form = { "csrf", token, "user", user, "password", pw } };
	run(&c, &r);
	ck_assert_uint_eq(r.status, 303);
	ck_assert_str_eq(r.location, "/items");
	set = cookie(&r, MW_COOKIE_SESSION);
	ck_assert_ptr_nonnull(set);
	memcpy(sid, set + strlen(MW_COOKIE_SESSION) + 1, MW_TOKEN_HEX);
	sid[MW_TOKEN_HEX] = '\0';
	mw_response_free(&r);
	ck_assert_int_eq(mw_session_get(srv->sessions, sid, (int64_t)time(NULL), &s), 0);
	memcpy(csrf, s.csrf, MW_TOKEN_HEX + 1);
}

static mq_status status_of(const char *id)
{
	mq_item it;
	mq_status s;

	memset(&it, 0, sizeof(it));
	ck_assert_int_eq(mq_get(store, id, &it, NULL), MQ_OK);
	s = it.status;
	mq_item_free(&it);
	return s;
}

/* The flash shown by the page a redirect leads to. */
static char *follow(const char *sid, const char *location)
{
	struct call c = { .path = location, .session = sid };
	mw_response r;
	const char *f, *end;
	char *text;

	run(&c, &r);
	ck_assert_uint_eq(r.status, 200);
	f = strstr(body(&r), "id=\"flash\">");
	text = f && (end = strstr(f, "</div>")) ? strndup(f + 11, (size_t)(end - f - 11)) : strdup("");
	mw_response_free(&r);
	return text;
}

START_TEST(login_sets_strict_cookies)
{
	char sid[MW_TOKEN_HEX + 1], csrf[MW_TOKEN_HEX + 1];
	struct call c = { .method = "GET", .path = "/login" };
	mw_response r;
	const char *set;

	run(&c, &r);
	ck_assert_uint_eq(r.status, 200);
	set = cookie(&r, MW_COOKIE_LOGIN);
	ck_assert_ptr_nonnull(strstr(set, "; Path=/; HttpOnly; SameSite=Strict"));
	ck_assert_ptr_null(strstr(set, "Secure"));
	ck_assert_ptr_nonnull(strstr(body(&r), "name=\"csrf\""));
	mw_response_free(&r);
	login("alice", "alice-password", sid, csrf);
	/* a POST without the login token is refused before the password is looked at */
	c = (struct call){ .method = "POST", .path = "/login",
		           .form = { "user", "alice", "password", "alice-password" } };
	run(&c, &r);
	ck_assert_uint_eq(r.status, 403);
	ck_assert_ptr_null(cookie(&r, MW_COOKIE_SESSION));
	mw_response_free(&r);
	/* logout is a POST with the token; the session is gone after it */
	c = (struct call){ .method = "POST", .path = "/logout", .session = sid,
		           .form = { "csrf", csrf } };
	run(&c, &r);
	ck_assert_uint_eq(r.status, 303);
	ck_assert_ptr_nonnull(strstr(cookie(&r, MW_COOKIE_SESSION), "Max-Age=0"));
	mw_response_free(&r);
	c = (struct call){ .path = "/items", .session = sid };
	run(&c, &r);
	ck_assert_uint_eq(r.status, 303);
	ck_assert_str_eq(r.location, "/login?expired=1");
	mw_response_free(&r);
}
END_TEST

START_TEST(secure_cookies_behind_tls)
{
	mw_options opt = { .secure_cookies = true };
	struct call c = { .method = "GET", .path = "/login" };
	mw_response r;

	store_teardown();
	store_setup_opts(&opt);
	run(&c, &r);
	ck_assert_ptr_nonnull(strstr(cookie(&r, MW_COOKIE_LOGIN),
	                             "; Path=/; HttpOnly; SameSite=Strict; Secure"));
	mw_response_free(&r);
}
END_TEST

START_TEST(pages_need_login)
{
	static const char *const paths[] = { "/items", "/items/" ID1, "/items/" ID1 "/original",
		                             "/audit", "/account" };
	mw_response r;

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		struct call c = { .path = paths[i] };

		run(&c, &r);
		ck_assert_uint_eq(r.status, 303);
		ck_assert_str_eq(r.location, "/login");
		ck_assert_ptr_null(strstr(body(&r), "attacker@example.com"));
		mw_response_free(&r);
	}
}
END_TEST

START_TEST(list_escapes_and_searches)
{
	char sid[MW_TOKEN_HEX + 1], csrf[MW_TOKEN_HEX + 1];
	struct call c = { .path = "/items" };
	mw_response r;

	login("alice", "alice-password", sid, csrf);
	c.session = sid;
	run(&c, &r);
	ck_assert_uint_eq(r.status, 200);
	ck_assert_ptr_nonnull(strstr(body(&r), "&lt;script&gt;alert(1)&lt;/script&gt; 請求書 "
	                                       "&quot;q&quot; &amp; &#39;a&#39;"));
	ck_assert_ptr_null(strstr(body(&r), "<script>"));
	ck_assert_ptr_nonnull(strstr(body(&r), "href=\"/items/" ID2 "\""));
	ck_assert_ptr_nonnull(strstr(body(&r), "隔離アイテム一覧"));
	mw_response_free(&r);
	c.query[0] = "q";
	c.query[1] = "請求書";
	run(&c, &r);
	ck_assert_ptr_nonnull(strstr(body(&r), "href=\"/items/" ID1 "\""));
	ck_assert_ptr_null(strstr(body(&r), "href=\"/items/" ID2 "\""));
	ck_assert_ptr_nonnull(strstr(body(&r), "value=\"請求書\""));
	mw_response_free(&r);
	/* unknown filter values are ignored, not passed to the store */
	c.query[0] = "status";
	c.query[1] = "'; DROP TABLE mq_items; --";
	c.query[2] = "page";
	c.query[3] = "-5";
	run(&c, &r);
	ck_assert_uint_eq(r.status, 200);
	ck_assert_ptr_nonnull(strstr(body(&r), "href=\"/items/" ID2 "\""));
	mw_response_free(&r);
	c.query[0] = "status";
	c.query[1] = "released";
	run(&c, &r);
	ck_assert_ptr_nonnull(strstr(body(&r), "条件に一致するアイテムはありません"));
	mw_response_free(&r);
}
END_TEST

static size_t count_of(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

START_TEST(list_paginates_keeping_filters)
{
	char sid[MW_TOKEN_HEX + 1], csrf[MW_TOKEN_HEX + 1], id[40];
	struct call c = { .path = "/items", .query = { "channel", "mail", "q", "bulk & co" } };
	mw_response r;

	for (int i = 0; i < 60; i++) {
		snprintf(id, sizeof(id), "20240601T000000-%012d", i);
		put_item(id, "bulk & co newsletter");
	}
	login("alice", "alice-password", sid, csrf);
	c.session = sid;
	run(&c, &r);
	ck_assert_uint_eq(count_of(body(&r), "<tr><td class=\"nowrap\">"), MW_PAGE_SIZE);
	ck_assert_ptr_nonnull(strstr(body(&r), ">60 件<"));
	ck_assert_ptr_nonnull(strstr(body(&r), "1 / 2 ページ"));
	ck_assert_ptr_nonnull(strstr(body(&r), "href=\"/items?page=2&amp;channel=mail&amp;q=bulk%20%26%20co\""));
	mw_response_free(&r);
	c.query[4] = "page";
	c.query[5] = "2";
	run(&c, &r);
	ck_assert_uint_eq(count_of(body(&r), "<tr><td class=\"nowrap\">"), 10);
	ck_assert_ptr_nonnull(strstr(body(&r), "rel=\"prev\" href=\"/items?page=1&amp;"));
	ck_assert_ptr_null(strstr(body(&r), "rel=\"next\""));
	mw_response_free(&r);
	c.query[5] = "99999999999999999999";
	run(&c, &r);
	ck_assert_uint_eq(count_of(body(&r), "<tr><td class=\"nowrap\">"), MW_PAGE_SIZE);
	mw_response_free(&r);
}
END_TEST

START_TEST(item_page_shows_report_and_trail)
{
	char sid[MW_TOKEN_HEX + 1], csrf[MW_TOKEN_HEX + 1];
	struct call c = { .path = "/items/" ID1, .accept_language = "en" };
	mw_response r;

	login("alice", "alice-password", sid, csrf);
	c.session = sid;
	run(&c, &r);
	ck_assert_uint_eq(r.status, 200);
	ck_assert_ptr_nonnull(strstr(body(&r), "<h1 class=\"subject\" id=\"subject\">&lt;script&gt;"));
	ck_assert_ptr_nonnull(strstr(body(&r), "word/vbaProject.bin"));
	ck_assert_ptr_nonnull(strstr(body(&r), "attacker@example.com"));
	ck_assert_ptr_nonnull(strstr(body(&r), "隔離保存")); /* the stored-item audit entry */
	/* a reviewer may request, not approve, download or delete */
	ck_assert_ptr_nonnull(strstr(body(&r), "action=\"/items/" ID1 "/request\""));
	ck_assert_ptr_null(strstr(body(&r), "/approve\""));
	ck_assert_ptr_null(strstr(body(&r), "/original\""));
	ck_assert_ptr_null(strstr(body(&r), "/delete\""));
	ck_assert_ptr_nonnull(strstr(body(&r), csrf));
	ck_assert_ptr_null(strstr(body(&r), "<script>"));
	mw_response_free(&r);
	c.path = "/items/20990101T000000-000000000000";
	run(&c, &r);
	ck_assert_uint_eq(r.status, 404);
	mw_response_free(&r);
	c.path = "/items/../../../etc/passwd";
	run(&c, &r);
	ck_assert_uint_eq(r.status, 400);
	ck_assert_ptr_null(strstr(body(&r), "root:"));
	mw_response_free(&r);
}
END_TEST

START_TEST(state_changes_need_post_and_csrf)
{
	char sid[MW_TOKEN_HEX + 1], csrf[MW_TOKEN_HEX + 1], other[MW_TOKEN_HEX + 1];
	struct call c = { .method = "POST", .path = "/items/" ID1 "/request" };
	mw_response r;

	login("alice", "alice-password", sid, csrf);
	c.session = sid;
	c.form[0] = "reason";
	c.form[1] = "needed";
	run(&c, &r); /* no token */
	ck_assert_uint_eq(r.status, 403);
	ck_assert_ptr_nonnull(strstr(body(&r), "確認トークン"));
	mw_response_free(&r);
	mw_token_new(other);
	c.form[2] = "csrf";
	c.form[3] = other; /* someone else's token */
	run(&c, &r);
	ck_assert_uint_eq(r.status, 403);
	mw_response_free(&r);
	ck_assert_int_eq(status_of(ID1), MQ_QUARANTINED);
	/* GET never changes anything */
	c.method = "GET";
	c.form[3] = csrf;
	run(&c, &r);
	ck_assert_uint_eq(r.status, 405);
	ck_assert_str_eq(r.allow, "POST");
	mw_response_free(&r);
	ck_assert_int_eq(status_of(ID1), MQ_QUARANTINED);
	/* the token of this session, without a reason */
	c.method = "POST";
	c.form[1] = "  \r\n ";
	run(&c, &r);
	ck_assert_uint_eq(r.status, 303);
	mw_response_free(&r);
	ck_assert_int_eq(status_of(ID1), MQ_QUARANTINED);
	c.form[1] = "the mayor's office needs the original spreadsheet";
	run(&c, &r);
	ck_assert_uint_eq(r.status, 303);
	ck_assert_str_eq(r.location, "/items/" ID1);
	mw_response_free(&r);
	ck_assert_int_eq(status_of(ID1), MQ_RELEASE_REQUESTED);
	/* a valid token without its session is no token */
	c.session = NULL;
	c.path = "/items/" ID2 "/request";
	run(&c, &r);
	ck_assert_uint_eq(r.status, 403);
	mw_response_free(&r);
	ck_assert_int_eq(status_of(ID2), MQ_QUARANTINED);
}
END_TEST

static void act(const char *sid, const char *csrf, const char *id, const char *action,
                const char *reason, const char *lang)
{
	struct call c = { .method = "POST", .session = sid, .accept_language = lang,
		          .form = { "csrf", csrf, "reason", reason } };
	char path[128];
	mw_response r;

	snprintf(path, sizeof(path), "/items/%s/%s", id, action);
	c.path = path;
	run(&c, &r);
	ck_assert_uint_eq(r.status, 303);
	mw_response_free(&r);
}

START_TEST(two_person_release)
{
	char a_sid[MW_TOKEN_HEX + 1], a_csrf[MW_TOKEN_HEX + 1];
	char b_sid[MW_TOKEN_HEX + 1], b_csrf[MW_TOKEN_HEX + 1];
	char c_sid[MW_TOKEN_HEX + 1], c_csrf[MW_TOKEN_HEX + 1];
	char *flash;

	login("alice", "alice-password", a_sid, a_csrf);
	login("bob", "bob-password", b_sid, b_csrf);
	login("carol", "carol-password", c_sid, c_csrf);
	act(a_sid, a_csrf, ID1, "request", "business need", NULL);
	ck_assert_str_eq(flash = follow(a_sid, "/items/" ID1),
	                 "解放を申請しました。承認者による承認を待っています。");
	free(flash);
	/* the reviewer cannot approve: the store refuses, the page says why */
	act(a_sid, a_csrf, ID1, "approve", "", NULL);
	flash = follow(a_sid, "/items/" ID1);
	ck_assert_msg(strstr(flash, "操作は拒否されました：alice has the reviewer role"), "%s", flash);
	free(flash);
	ck_assert_int_eq(status_of(ID1), MQ_RELEASE_REQUESTED);
	ck_assert_int_eq(hook_calls, 0);
	/* an admin who requested cannot approve her own request */
	act(c_sid, c_csrf, ID2, "request", "needed", NULL);
	act(c_sid, c_csrf, ID2, "approve", "", NULL);
	flash = follow(c_sid, "/items/" ID2);
	ck_assert_str_eq(flash, "申請者本人は承認できません。別の承認者による承認が必要です（二者承認）。");
	free(flash);
	ck_assert_int_eq(status_of(ID2), MQ_RELEASE_REQUESTED);
	/* a second person approves: the hook delivers the original */
	act(b_sid, b_csrf, ID1, "approve", "", NULL);
	ck_assert_int_eq(status_of(ID1), MQ_RELEASED);
	ck_assert_int_eq(hook_calls, 1);
	ck_assert_uint_eq(hook_len, strlen(ORIGINAL));
	free(follow(b_sid, "/items/" ID1));
	ck_assert_ptr_nonnull(strstr(logged, "I|-|bob logged in from 192.0.2.1\n"));
	ck_assert_ptr_nonnull(strstr(logged, "W|" ID1 "|approve: not done by alice through the web "
	                                     "UI: refused: alice has the reviewer role"));
	ck_assert_ptr_nonnull(strstr(logged, "I|" ID1 "|approve: done by bob through the web UI\n"));
	/* and denies the other one */
	act(b_sid, b_csrf, ID2, "deny", "not needed", NULL);
	ck_assert_int_eq(status_of(ID2), MQ_DENIED);
	/* an admin deletes */
	act(c_sid, c_csrf, ID2, "delete", "retention", NULL);
	ck_assert_int_eq(status_of(ID2), MQ_DELETED);
}
END_TEST

START_TEST(download_by_role)
{
	char a_sid[MW_TOKEN_HEX + 1], a_csrf[MW_TOKEN_HEX + 1];
	char b_sid[MW_TOKEN_HEX + 1], b_csrf[MW_TOKEN_HEX + 1];
	struct call c = { .path = "/items/" ID1 "/original" };
	mw_response r;
	char *flash;

	login("alice", "alice-password", a_sid, a_csrf);
	login("bob", "bob-password", b_sid, b_csrf);
	c.session = a_sid;
	run(&c, &r);
	ck_assert_uint_eq(r.status, 303); /* refused: back to the item with the reason */
	ck_assert_ptr_null(r.blob);
	mw_response_free(&r);
	flash = follow(a_sid, "/items/" ID1);
	ck_assert_ptr_nonnull(strstr(flash, "操作は拒否されました"));
	free(flash);
	c.session = b_sid;
	run(&c, &r);
	ck_assert_uint_eq(r.status, 200);
	ck_assert_str_eq(r.content_type, "application/octet-stream");
	ck_assert_str_eq(r.disposition, "attachment; filename=\"" ID1 ".eml\"");
	ck_assert_uint_eq(r.blob_len, strlen(ORIGINAL));
	ck_assert(memcmp(r.blob, ORIGINAL, r.blob_len) == 0);
	mw_response_free(&r);
}
END_TEST

START_TEST(login_rate_limited)
{
	struct call c;
	char token[MW_TOKEN_HEX + 1], sid[MW_TOKEN_HEX + 1], csrf[MW_TOKEN_HEX + 1];
	mw_response r;

	mw_token_new(token);
	c = (struct call){ .method = "POST", .path = "/login", .ip = "198.51.100.7",
		           .login_cookie = token,
		           .form = { "csrf", token, "user", "alice", "password", "wrong-password" } };
	for (int i = 0; i < MW_LOGIN_FAILURES; i++) {
		run(&c, &r);
		ck_assert_uint_eq(r.status, 200);
		ck_assert_ptr_nonnull(strstr(body(&r), "ユーザー名またはパスワードが正しくありません"));
		mw_response_free(&r);
	}
	ck_assert_ptr_nonnull(strstr(logged, "W|-|login of 'alice' from 198.51.100.7 failed\n"));
	/* now even the right password is not checked */
	c.form[5] = "alice-password";
	run(&c, &r);
	ck_assert_uint_eq(r.status, 429);
	ck_assert_uint_gt(r.retry_after, 0);
	ck_assert_uint_le(r.retry_after, MW_LOGIN_WINDOW);
	ck_assert_ptr_nonnull(strstr(body(&r), "5 分後に再度お試しください"));
	ck_assert_ptr_null(cookie(&r, MW_COOKIE_SESSION));
	mw_response_free(&r);
	/* the name is limited from another address too */
	c.ip = "203.0.113.9";
	c.accept_language = "en";
	run(&c, &r);
	ck_assert_uint_eq(r.status, 429);
	ck_assert_ptr_nonnull(strstr(body(&r), "Too many failed logins. Try again in 5 minutes."));
	mw_response_free(&r);
	/* and the address for other names */
	c.ip = "198.51.100.7";
	c.form[3] = "bob";
	c.form[5] = "bob-password";
	run(&c, &r);
	ck_assert_uint_eq(r.status, 429);
	mw_response_free(&r);
	/* others are not affected */
	login("bob", "bob-password", sid, csrf);
	/* after the window, alice may log in again */
	c = (struct call){ .method = "POST", .path = "/login", .ip = "203.0.113.9",
		           .login_cookie = token, .now = (int64_t)time(NULL) + MW_LOGIN_WINDOW + 1,
		           .form = { "csrf", token, "user", "alice", "password", "alice-password" } };
	run(&c, &r);
	ck_assert_uint_eq(r.status, 303);
	mw_response_free(&r);
}
END_TEST

START_TEST(session_idle_expiry)
{
	char sid[MW_TOKEN_HEX + 1], csrf[MW_TOKEN_HEX + 1];
	struct call c = { .path = "/items" };
	mw_response r;

	login("alice", "alice-password", sid, csrf);
	c.session = sid;
	c.now = (int64_t)time(NULL) + 30 * 60 + 1;
	run(&c, &r);
	ck_assert_uint_eq(r.status, 303);
	ck_assert_str_eq(r.location, "/login?expired=1");
	mw_response_free(&r);
}
END_TEST

START_TEST(disabled_user_is_signed_out)
{
	char sid[MW_TOKEN_HEX + 1], csrf[MW_TOKEN_HEX + 1];
	struct call c = { .path = "/items" };
	mw_response r;

	login("alice", "alice-password", sid, csrf);
	ck_assert_int_eq(mq_user_set_disabled(store, NULL, "alice", 1, NULL), MQ_OK);
	c.session = sid;
	run(&c, &r);
	ck_assert_uint_eq(r.status, 303);
	mw_response_free(&r);
	ck_assert_uint_eq(mw_sessions_live(srv->sessions, (int64_t)time(NULL)), 0);
}
END_TEST

START_TEST(languages)
{
	char sid[MW_TOKEN_HEX + 1], csrf[MW_TOKEN_HEX + 1];
	struct call c = { .path = "/login", .accept_language = "en-US,en;q=0.9" };
	mw_response r;
	mq_user u;

	run(&c, &r);
	ck_assert_ptr_nonnull(strstr(body(&r), "<html lang=\"en\">"));
	ck_assert_ptr_nonnull(strstr(body(&r), ">Log in</button>"));
	mw_response_free(&r);
	c.accept_language = "ja,en;q=0.5";
	run(&c, &r);
	ck_assert_ptr_nonnull(strstr(body(&r), "<html lang=\"ja\">"));
	ck_assert_ptr_nonnull(strstr(body(&r), ">ログイン</button>"));
	ck_assert_ptr_nonnull(strstr(body(&r), "href=\"/login?lang=en\""));
	mw_response_free(&r);
	c.query[0] = "lang";
	c.query[1] = "en";
	run(&c, &r);
	ck_assert_ptr_nonnull(strstr(body(&r), ">Log in</button>"));
	mw_response_free(&r);
	/* signed in, the account's language wins; switching stores it */
	login("alice", "alice-password", sid, csrf);
	c = (struct call){ .path = "/items", .session = sid, .accept_language = "en" };
	run(&c, &r);
	ck_assert_ptr_nonnull(strstr(body(&r), "隔離アイテム一覧"));
	mw_response_free(&r);
	c = (struct call){ .method = "POST", .path = "/account/lang", .session = sid,
		           .form = { "csrf", csrf, "lang", "en", "back", "/items/" ID1 } };
	run(&c, &r);
	ck_assert_uint_eq(r.status, 303);
	ck_assert_str_eq(r.location, "/items/" ID1);
	mw_response_free(&r);
	ck_assert_int_eq(mq_user_get(store, "alice", &u, NULL), MQ_OK);
	ck_assert_str_eq(u.lang, "en");
	mq_user_free(&u);
	c = (struct call){ .path = "/items", .session = sid };
	run(&c, &r);
	ck_assert_ptr_nonnull(strstr(body(&r), "Quarantined items"));
	mw_response_free(&r);
	/* the return path can only be a page of ours */
	c = (struct call){ .method = "POST", .path = "/account/lang", .session = sid,
		           .form = { "csrf", csrf, "lang", "ja", "back", "//evil.example/" } };
	run(&c, &r);
	ck_assert_str_eq(r.location, "/account");
	mw_response_free(&r);
}
END_TEST

START_TEST(password_change)
{
	char sid[MW_TOKEN_HEX + 1], csrf[MW_TOKEN_HEX + 1], sid2[MW_TOKEN_HEX + 1];
	char csrf2[MW_TOKEN_HEX + 1], *flash;
	struct call c;
	mw_response r;

	login("alice", "alice-password", sid, csrf);
	login("alice", "alice-password", sid2, csrf2);
	c = (struct call){ .method = "POST", .path = "/account/password", .session = sid,
		           .form = { "csrf", csrf, "current", "wrong", "new", "new-password-1",
		                     "again", "new-password-1" } };
	run(&c, &r);
	mw_response_free(&r);
	ck_assert_str_eq(flash = follow(sid, "/account"), "現在のパスワードが正しくありません。");
	free(flash);
	c.form[3] = "alice-password";
	c.form[7] = "other";
	run(&c, &r);
	mw_response_free(&r);
	ck_assert_str_eq(flash = follow(sid, "/account"), "新しいパスワードが一致しません。");
	free(flash);
	c.form[7] = "new-password-1";
	run(&c, &r);
	mw_response_free(&r);
	ck_assert_str_eq(flash = follow(sid, "/account"), "パスワードを変更しました。");
	free(flash);
	ck_assert_int_eq(mq_user_auth(store, "alice", "new-password-1", NULL, NULL), MQ_OK);
	/* the other session, signed in with the old password, is over */
	c = (struct call){ .path = "/items", .session = sid2 };
	run(&c, &r);
	ck_assert_uint_eq(r.status, 303);
	mw_response_free(&r);
}
END_TEST

START_TEST(audit_page_verifies_chain)
{
	char sid[MW_TOKEN_HEX + 1], csrf[MW_TOKEN_HEX + 1];
	struct call c = { .path = "/audit" };
	mw_response r;

	login("alice", "alice-password", sid, csrf);
	c.session = sid;
	run(&c, &r);
	ck_assert_uint_eq(r.status, 200);
	ck_assert_ptr_nonnull(strstr(body(&r), "監査チェーンは正常です"));
	ck_assert_ptr_nonnull(strstr(body(&r), "href=\"/items/" ID1 "\""));
	mw_response_free(&r);
}
END_TEST

START_TEST(health_and_metrics)
{
	char sid[MW_TOKEN_HEX + 1], csrf[MW_TOKEN_HEX + 1];
	struct call c = { .path = "/healthz" };
	mw_response r;

	run(&c, &r);
	ck_assert_uint_eq(r.status, 200);
	ck_assert_str_eq(body(&r), "ok\n");
	mw_response_free(&r);
	srv->opt.metrics_public = true;
	c.path = "/metrics";
	run(&c, &r);
	ck_assert_uint_eq(r.status, 200);
	ck_assert_str_eq(r.content_type, "text/plain; version=0.0.4; charset=utf-8");
	ck_assert_ptr_nonnull(strstr(body(&r), "mugai_quarantine_items{status=\"quarantined\"} 2\n"));
	ck_assert_ptr_nonnull(strstr(body(&r), "mugai_quarantine_items_by_verdict{channel=\"mail\","
	                                       "verdict=\"sanitised\"} 2\n"));
	ck_assert_ptr_nonnull(strstr(body(&r), "mugai_quarantine_index_up 1\n"));
	ck_assert_ptr_null(strstr(body(&r), "attacker")); /* counts only */
	mw_response_free(&r);
	srv->opt.metrics_public = false;
	run(&c, &r);
	ck_assert_uint_eq(r.status, 403);
	mw_response_free(&r);
	login("bob", "bob-password", sid, csrf);
	c.session = sid;
	run(&c, &r);
	ck_assert_uint_eq(r.status, 200);
	ck_assert_ptr_nonnull(strstr(body(&r), "mugai_admin_logins_total 1\n"));
	mw_response_free(&r);
}
END_TEST

/* --- over HTTP ------------------------------------------------------------------- */

static int http_port;

static void http_setup(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	char *err = NULL;
	int fd;

	store_setup();
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(fd, 16), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	http_port = ntohs(a.sin_port);
	ck_assert_msg(mw_server_start(srv, fd, &err) == 0, "%s", err ? err : "");
}

/* Sends raw bytes, returns everything the server answered (free()). */
static char *http(const char *request, size_t len)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct timeval tv = { 10, 0 };
	mg_buf b;
	char chunk[4096];
	ssize_t n;
	size_t off = 0;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons((uint16_t)http_port);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	while (off < len && (n = send(fd, request + off, len - off, MSG_NOSIGNAL)) > 0)
		off += (size_t)n;
	mg_buf_init(&b, 1 << 22);
	while ((n = recv(fd, chunk, sizeof(chunk), 0)) > 0)
		mg_buf_append(&b, chunk, (size_t)n);
	close(fd);
	return b.data ? (char *)mg_buf_steal(&b, NULL) : strdup("");
}

static char *get(const char *path)
{
	char req[512];

	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
	         path);
	return http(req, strlen(req));
}

START_TEST(http_security_headers)
{
	char *resp = get("/login");

	ck_assert_msg(strncmp(resp, "HTTP/1.1 200", 12) == 0, "%.40s", resp);
	ck_assert_ptr_nonnull(strstr(resp, "Content-Security-Policy: default-src 'self'; script-src 'none'"));
	ck_assert_ptr_nonnull(strstr(resp, "frame-ancestors 'none'"));
	ck_assert_ptr_nonnull(strstr(resp, "X-Frame-Options: DENY\r\n"));
	ck_assert_ptr_nonnull(strstr(resp, "X-Content-Type-Options: nosniff\r\n"));
	ck_assert_ptr_nonnull(strstr(resp, "Referrer-Policy: no-referrer\r\n"));
	ck_assert_ptr_nonnull(strstr(resp, "Cache-Control: no-store\r\n"));
	ck_assert_ptr_nonnull(strstr(resp, "Set-Cookie: mugai_login="));
	ck_assert_ptr_nonnull(strstr(resp, "HttpOnly; SameSite=Strict"));
	ck_assert_ptr_null(strstr(resp, "<script"));
	free(resp);
	resp = get("/static/mugai.css");
	ck_assert_msg(strncmp(resp, "HTTP/1.1 200", 12) == 0, "%.40s", resp);
	ck_assert_ptr_nonnull(strstr(resp, "Content-Type: text/css; charset=utf-8\r\n"));
	ck_assert_ptr_nonnull(strstr(resp, "X-Content-Type-Options: nosniff\r\n"));
	free(resp);
	resp = get("/healthz");
	ck_assert_ptr_nonnull(strstr(resp, "\r\n\r\nok\n"));
	free(resp);
}
END_TEST

START_TEST(http_traversal_refused)
{
	static const char *const paths[] = {
		"/items/../../../../etc/passwd", "/items/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
		"/items/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd", "/static/..%2f..%2f..%2fetc%2fpasswd",
		"/items/%252e%252e%252fetc%252fpasswd", "/items/..%5c..%5cetc%5cpasswd",
		"/items/" ID1 "%00.css", "/%2e%2e/%2e%2e/etc/passwd",
	};

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		char *resp = get(paths[i]);

		ck_assert_msg(strncmp(resp, "HTTP/1.1 400", 12) == 0 ||
		                      strncmp(resp, "HTTP/1.1 404", 12) == 0,
		              "%s: %.40s", paths[i], resp);
		ck_assert_ptr_null(strstr(resp, "root:"));
		free(resp);
	}
}
END_TEST

START_TEST(http_post_limits)
{
	char req[1024], *resp;
	mg_buf big;

	/* no token: refused */
	snprintf(req, sizeof(req),
	         "POST /logout HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
	         "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 3\r\n\r\na=b");
	resp = http(req, strlen(req));
	ck_assert_msg(strncmp(resp, "HTTP/1.1 403", 12) == 0, "%.40s", resp);
	free(resp);
	/* declared too large: refused before the body is read */
	snprintf(req, sizeof(req),
	         "POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
	         "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 104857600\r\n\r\n");
	resp = http(req, strlen(req));
	ck_assert_msg(strncmp(resp, "HTTP/1.1 413", 12) == 0, "%.40s", resp);
	free(resp);
	/* chunked past the limit */
	mg_buf_init(&big, 1 << 20);
	mg_buf_puts(&big, "POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
	                  "Content-Type: application/x-www-form-urlencoded\r\n"
	                  "Transfer-Encoding: chunked\r\n\r\n");
	for (int i = 0; i < 40; i++) { /* 80 KiB */
		mg_buf_puts(&big, "800\r\n");
		for (int k = 0; k < 0x800; k++)
			mg_buf_putc(&big, 'a');
		mg_buf_puts(&big, "\r\n");
	}
	mg_buf_puts(&big, "0\r\n\r\n");
	resp = http((const char *)big.data, big.len);
	ck_assert_msg(strncmp(resp, "HTTP/1.1 413", 12) == 0, "%.40s", resp);
	free(resp);
	mg_buf_free(&big);
	/* a PUT is not a method of ours */
	snprintf(req, sizeof(req),
	         "PUT /items HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
	resp = http(req, strlen(req));
	ck_assert_msg(strncmp(resp, "HTTP/1.1 405", 12) == 0, "%.40s", resp);
	free(resp);
}
END_TEST

/* --- sign-ins in the audit chain, the auditor role ---------------------------------- */

/* The last audit entry with this action: its actor and detail as "actor|detail". */
static char *last_audit(const char *action)
{
	mq_audit_entry *e = NULL;
	size_t n = 0;
	char *found = NULL;

	ck_assert_int_eq(mq_audit_list(store, 0, 1000, &e, &n, NULL), MQ_OK);
	for (size_t i = n; i-- > 0 && !found;)
		if (strcmp(e[i].action, action) == 0 && strcmp(e[i].item_id, "") == 0)
			ck_assert_int_gt(asprintf(&found, "%s|%s", e[i].actor, e[i].detail), 0);
	mq_audit_free(e, n);
	return found;
}

/* The last entry with this action about any item, as "actor|detail". */
static char *last_audit_item(const char *action)
{
	mq_audit_entry *e = NULL;
	size_t n = 0;
	char *found = NULL;

	ck_assert_int_eq(mq_audit_list(store, 0, 1000, &e, &n, NULL), MQ_OK);
	for (size_t i = n; i-- > 0 && !found;)
		if (strcmp(e[i].action, action) == 0)
			ck_assert_int_gt(asprintf(&found, "%s|%s", e[i].actor, e[i].detail), 0);
	mq_audit_free(e, n);
	return found;
}

static void try_password(const char *user, const char *pw, unsigned want)
{
	char token[MW_TOKEN_HEX + 1];
	struct call c;
	mw_response r;

	mw_token_new(token);
	c = (struct call){ .method = "POST", .path = "/login", .ip = "203.0.113.9",
		           .login_cookie = token,
		           .form = { "csrf", token, "user", user, "password", pw } };
	run(&c, &r);
	ck_assert_uint_eq(r.status, want);
	mw_response_free(&r);
}

START_TEST(logins_and_logouts_audited)
{
	char sid[MW_TOKEN_HEX + 1], csrf[MW_TOKEN_HEX + 1], *a;
	struct call c;
	mw_response r;
	mq_verify_result v;

	try_password("alice", "wrong-password", 200);
	a = last_audit("login_failed");
	ck_assert_ptr_nonnull(a);
	ck_assert_str_eq(a, "alice|ip=203.0.113.9");
	free(a);
	/* an unknown name is recorded as typed, so a guessing run shows */
	try_password("mallory", "guess-guess", 200);
	a = last_audit("login_failed");
	ck_assert_str_eq(a, "mallory|ip=203.0.113.9");
	free(a);
	login("bob", "bob-password", sid, csrf);
	a = last_audit("login");
	ck_assert_str_eq(a, "bob|ip=192.0.2.1 role=approver");
	free(a);
	c = (struct call){ .method = "POST", .path = "/logout", .session = sid, .form = { "csrf", csrf } };
	run(&c, &r);
	ck_assert_uint_eq(r.status, 303);
	mw_response_free(&r);
	a = last_audit("logout");
	ck_assert_str_eq(a, "bob|ip=192.0.2.1");
	free(a);
	/* in the chain, which still verifies */
	ck_assert_int_eq(mq_verify(store, &v, NULL), MQ_OK);
	ck_assert_uint_eq(v.bad_seq, 0);
	free(v.problem);
	/* and shown on the audit page, in words */
	login("carol", "carol-password", sid, csrf);
	c = (struct call){ .path = "/audit", .session = sid };
	run(&c, &r);
	ck_assert_uint_eq(r.status, 200);
	ck_assert_ptr_nonnull(strstr(body(&r), "ログイン失敗"));
	ck_assert_ptr_nonnull(strstr(body(&r), "mallory"));
	ck_assert_ptr_nonnull(strstr(body(&r), "ログアウト"));
	mw_response_free(&r);
}
END_TEST

START_TEST(auditor_reads_never_releases)
{
	char sid[MW_TOKEN_HEX + 1], csrf[MW_TOKEN_HEX + 1];
	static const char *const readable[] = { "/items", ("/items/" ID1), "/audit", "/account" };
	struct call c;
	mw_response r;

	ck_assert_int_eq(mq_user_add(store, NULL, "dave", MQ_ROLE_AUDITOR, "dave-password", NULL), 0);
	login("dave", "dave-password", sid, csrf);
	for (size_t i = 0; i < sizeof(readable) / sizeof(readable[0]); i++) {
		c = (struct call){ .path = readable[i], .session = sid };
		run(&c, &r);
		ck_assert_msg(r.status == 200, "%s: %u", readable[i], r.status);
		if (strcmp(readable[i], "/items/" ID1) == 0) {
			ck_assert_ptr_nonnull(strstr(body(&r), "id=\"no-actions\""));
			ck_assert_ptr_null(strstr(body(&r), "id=\"download\""));
		}
		if (strcmp(readable[i], "/account") == 0)
			ck_assert_ptr_nonnull(strstr(body(&r), "監査者"));
		mw_response_free(&r);
	}
	/* the original: never */
	c = (struct call){ .path = "/items/" ID1 "/original", .session = sid };
	run(&c, &r);
	ck_assert_uint_eq(r.status, 303);
	ck_assert_ptr_null(r.blob);
	mw_response_free(&r);
	/* no release step either, whatever the form says */
	for (size_t i = 0; i < 4; i++) {
		static const char *const acts[] = { "request", "approve", "deny", "delete" };
		char path[96];

		snprintf(path, sizeof(path), "/items/%s/%s", ID1, acts[i]);
		c = (struct call){ .method = "POST", .path = path, .session = sid,
			           .form = { "csrf", csrf, "reason", "audit" } };
		run(&c, &r);
		mw_response_free(&r);
		ck_assert_int_eq(status_of(ID1), MQ_QUARANTINED);
	}
	ck_assert_int_eq(hook_calls, 0);
}
END_TEST

/* --- the exception of 北海道 対策基準 第6条第2項 ------------------------------------- */

static bool page_has(const char *sid, const char *path, const char *text)
{
	struct call c = { .path = path, .session = sid };
	mw_response r;
	bool has;

	run(&c, &r);
	ck_assert_uint_eq(r.status, 200);
	has = strstr(body(&r), text) != NULL;
	mw_response_free(&r);
	return has;
}

/* Off by default: no form, and the store refuses the action itself. */
START_TEST(self_approval_off_by_default)
{
	char sid[MW_TOKEN_HEX + 1], csrf[MW_TOKEN_HEX + 1];

	login("carol", "carol-password", sid, csrf);
	act(sid, csrf, ID1, "request", "needed for the contract", NULL);
	ck_assert(!page_has(sid, "/items/" ID1, "form-approve_self"));
	act(sid, csrf, ID1, "approve_self", "no other approver this week", NULL);
	ck_assert_int_eq(status_of(ID1), MQ_RELEASE_REQUESTED);
	ck_assert_int_eq(hook_calls, 0);
	ck_assert_ptr_nonnull(strstr(logged, "approve_self: not done by carol through the web UI: "
	                                     "refused: approving one's own request is not enabled"));
}
END_TEST

START_TEST(self_approval_exception)
{
	mw_options opt = { .self_approval = true };
	char c_sid[MW_TOKEN_HEX + 1], c_csrf[MW_TOKEN_HEX + 1];
	char b_sid[MW_TOKEN_HEX + 1], b_csrf[MW_TOKEN_HEX + 1];
	char *a;

	store_teardown();
	store_setup_opts(&opt);
	mq_set_self_approval(store, 1);
	login("carol", "carol-password", c_sid, c_csrf);
	login("bob", "bob-password", b_sid, b_csrf);
	act(c_sid, c_csrf, ID1, "request", "needed for the contract", NULL);
	/* offered to the requester only, marked as the exception */
	ck_assert(page_has(c_sid, "/items/" ID1, "form-approve_self"));
	ck_assert(page_has(c_sid, "/items/" ID1, "第6条第2項"));
	ck_assert(!page_has(b_sid, "/items/" ID1, "form-approve_self"));
	/* never without a reason, never for someone else's request */
	act(c_sid, c_csrf, ID1, "approve_self", "", NULL);
	act(c_sid, c_csrf, ID1, "approve_self", "short", NULL);
	act(b_sid, b_csrf, ID1, "approve_self", "bob is not the requester", NULL);
	ck_assert_int_eq(status_of(ID1), MQ_RELEASE_REQUESTED);
	ck_assert_int_eq(hook_calls, 0);
	ck_assert_ptr_nonnull(strstr(logged, "refused: bob did not request this release"));
	act(c_sid, c_csrf, ID1, "approve_self", "the only approver is on leave until May", NULL);
	ck_assert_int_eq(status_of(ID1), MQ_RELEASED);
	ck_assert_int_eq(hook_calls, 1);
	/* in the audit chain as the exception, with its basis and reason */
	a = last_audit_item("approve_self");
	ck_assert_ptr_nonnull(a);
	ck_assert_msg(strstr(a, "carol|EXCEPTION (北海道 情報セキュリティ対策基準 第6条第2項): requested and "
	                        "approved by carol alone; reason: the only approver is on leave until May"),
	              "%s", a);
	free(a);
	ck_assert(page_has(c_sid, "/items/" ID1, "自己承認（例外）"));
	ck_assert(page_has(c_sid, "/audit", "自己承認（例外）"));
}
END_TEST

/* --- Host (DNS rebinding) --------------------------------------------------------- */

static unsigned status_for_host(const char *host)
{
	struct call c = { .method = "GET", .path = "/login", .host = host };
	mw_response r;
	unsigned status;

	run(&c, &r);
	status = r.status;
	mw_response_free(&r);
	return status;
}

START_TEST(host_default_is_loopback)
{
	static const char *const good[] = { "127.0.0.1:8025", "127.0.0.1", "localhost:8025",
		                            "LocalHost", "[::1]:8025", "[::1]" };
	static const char *const bad[] = { "attacker.example", "attacker.example:8025",
		                           "127.0.0.1.attacker.example", "localhost.attacker.example",
		                           "localhost:80x", "localhost:", "[::1", "127.0.0.1:8025/x",
		                           "local host", "", "0.0.0.0:8025" };

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ck_assert_msg(status_for_host(good[i]) == 200, "Host '%s' refused", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(status_for_host(bad[i]) == 400, "Host '%s' served", bad[i]);
	ck_assert_uint_eq(status_for_host(NO_HOST), 400);
	ck_assert_ptr_nonnull(strstr(logged, "Host 'attacker.example' from 192.0.2.1 refused"));
}
END_TEST

/* Before the session: a rebound page with a stolen cookie still gets 400. */
START_TEST(host_checked_before_session)
{
	char sid[MW_TOKEN_HEX + 1], csrf[MW_TOKEN_HEX + 1];
	struct call c = { .method = "GET", .path = "/items" };
	mw_response r;

	login("alice", "alice-password", sid, csrf);
	c.session = sid;
	run(&c, &r);
	ck_assert_uint_eq(r.status, 200);
	mw_response_free(&r);
	c.host = "rebound.attacker.example:8025";
	run(&c, &r);
	ck_assert_uint_eq(r.status, 400);
	ck_assert_ptr_null(strstr(body(&r), "meeting minutes"));
	mw_response_free(&r);
}
END_TEST

START_TEST(host_listen_and_explicit_list)
{
	mw_options opt = { .listen = "192.0.2.10:8025" };
	char *err = NULL;

	store_teardown();
	store_setup_opts(&opt);
	ck_assert_uint_eq(status_for_host("192.0.2.10:8025"), 200);
	ck_assert_uint_eq(status_for_host("localhost:8025"), 200);
	ck_assert_uint_eq(status_for_host("192.0.2.11:8025"), 400);
	/* an explicit list replaces the default; NAME:PORT only on that port */
	opt = (mw_options){ .listen = "0.0.0.0:8025",
		            .allowed_hosts = "Mugai-Admin.example.lg.jp:8443, review.example.lg.jp" };
	store_teardown();
	store_setup_opts(&opt);
	ck_assert_uint_eq(status_for_host("mugai-admin.example.lg.jp:8443"), 200);
	ck_assert_uint_eq(status_for_host("mugai-admin.example.lg.jp:8025"), 400);
	ck_assert_uint_eq(status_for_host("review.example.lg.jp:1234"), 200);
	ck_assert_uint_eq(status_for_host("localhost:8025"), 400);
	ck_assert_uint_eq(status_for_host("0.0.0.0:8025"), 400);
	/* entries that are not host names are refused when read */
	ck_assert_int_eq(mw_hosts_check("a.example, [::1]:8025", &err), 0);
	ck_assert_int_eq(mw_hosts_check("a.example/evil", &err), -1);
	ck_assert_ptr_nonnull(strstr(err, "admin.allowed_hosts: bad entry 'a.example/evil'"));
	free(err);
	err = NULL;
	ck_assert_int_eq(mw_hosts_check("host:123456", &err), -1);
	free(err);
	err = NULL;
	opt.allowed_hosts = "[::1";
	ck_assert_ptr_null(mw_server_new(store, &opt, &err));
	ck_assert_ptr_nonnull(err);
	free(err);
}
END_TEST

START_TEST(http_rebinding_refused)
{
	static const char req[] = "GET /login HTTP/1.1\r\nHost: attacker.example\r\n"
	                          "Connection: close\r\n\r\n";
	static const char none[] = "GET /login HTTP/1.0\r\n\r\n";
	char *resp = http(req, sizeof(req) - 1);

	ck_assert_msg(strncmp(resp, "HTTP/1.1 400", 12) == 0, "%.40s", resp);
	ck_assert_ptr_null(strstr(resp, "Set-Cookie"));
	free(resp);
	resp = http(none, sizeof(none) - 1);
	ck_assert_msg(strncmp(resp, "HTTP/1.0 400", 12) == 0 || strncmp(resp, "HTTP/1.1 400", 12) == 0,
	              "%.40s", resp);
	free(resp);
	resp = get("/login"); /* Host: 127.0.0.1 */
	ck_assert_msg(strncmp(resp, "HTTP/1.1 200", 12) == 0, "%.40s", resp);
	free(resp);
}
END_TEST

Suite *mugai_suite(void)
{
	Suite *s = suite_create("web");
	TCase *units = tcase_create("units");
	TCase *routes = tcase_create("routes");
	TCase *wire = tcase_create("http");

	tcase_add_test(units, i18n_every_key_in_both_languages);
	tcase_add_test(units, i18n_store_vocabulary);
	tcase_add_test(units, i18n_accept_language);
	tcase_add_test(units, escape_html);
	tcase_add_test(units, escape_templates_and_urls);
	tcase_add_test(units, page_size_is_bounded);
	tcase_add_test(units, tokens);
	tcase_add_test(units, sessions_expire_and_evict);
	tcase_add_test(units, ratelimit_window);
	tcase_add_test(units, item_ids);
	tcase_add_test(units, routes_refuse_traversal);
	tcase_add_test(units, report_rendered_readably_and_escaped);
	tcase_add_test(units, report_nesting_is_bounded);
	suite_add_tcase(s, units);

	tcase_add_checked_fixture(routes, store_setup, store_teardown);
	tcase_add_test(routes, login_sets_strict_cookies);
	tcase_add_test(routes, secure_cookies_behind_tls);
	tcase_add_test(routes, pages_need_login);
	tcase_add_test(routes, list_escapes_and_searches);
	tcase_add_test(routes, list_paginates_keeping_filters);
	tcase_add_test(routes, item_page_shows_report_and_trail);
	tcase_add_test(routes, state_changes_need_post_and_csrf);
	tcase_add_test(routes, two_person_release);
	tcase_add_test(routes, download_by_role);
	tcase_add_test(routes, login_rate_limited);
	tcase_add_test(routes, session_idle_expiry);
	tcase_add_test(routes, disabled_user_is_signed_out);
	tcase_add_test(routes, languages);
	tcase_add_test(routes, password_change);
	tcase_add_test(routes, audit_page_verifies_chain);
	tcase_add_test(routes, health_and_metrics);
	tcase_add_test(routes, logins_and_logouts_audited);
	tcase_add_test(routes, auditor_reads_never_releases);
	tcase_add_test(routes, self_approval_off_by_default);
	tcase_add_test(routes, self_approval_exception);
	tcase_add_test(routes, host_default_is_loopback);
	tcase_add_test(routes, host_checked_before_session);
	tcase_add_test(routes, host_listen_and_explicit_list);
	tcase_set_timeout(routes, 120);
	suite_add_tcase(s, routes);

	tcase_add_checked_fixture(wire, http_setup, store_teardown);
	tcase_add_test(wire, http_security_headers);
	tcase_add_test(wire, http_traversal_refused);
	tcase_add_test(wire, http_post_limits);
	tcase_add_test(wire, http_rebinding_refused);
	tcase_set_timeout(wire, 60);
	suite_add_tcase(s, wire);
	return s;
}
