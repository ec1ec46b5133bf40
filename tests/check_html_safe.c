/* check_html_safe.c - policy html = safe: each construct the rebuild removes,
 * plainly and obfuscated, and the page's invariant (fuzz/html_safe_invariant.h). */
#include <check.h>
#include <glib.h>
#include <gmime/gmime.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "../fuzz/html_safe_invariant.h"
#include "html_safe.h"
#include "internal.h"
#include "testutil.h"
#include "text.h"

struct run {
	char *page;     /* the whole document */
	char *body;     /* what mg_html_safe_body wrote */
	mg_html_safe_stats st;
	json_t *report;
};

/* A cid resolver that keeps "logo@x" only. */
static char *resolve(void *user, const char *cid)
{
	(*(unsigned *)user)++;
	return strcmp(cid, "logo@x") == 0 ? g_strdup("cid:img1@mugai") : NULL;
}

static struct run rebuild(const char *links, const char *html, const char *charset)
{
	mg_policy *p = mg_policy_new();
	mg_ctx ctx = { 0 };
	struct run r = { 0 };
	char *err = NULL;
	unsigned asked = 0;
	mg_buf b, doc;
	const char *why;

	ck_assert_int_eq(mg_policy_set(p, "links", links, &err), 0);
	ctx.policy = p;
	ctx.deadline = mg_now() + 30;
	ctx.report = json_pack("{s:[],s:[],s:[]}", "actions", "removed", "findings");
	mg_buf_init(&b, 1 << 22);
	mg_buf_init(&doc, 1 << 22);
	ck_assert_int_eq(mg_html_safe_body(&ctx, (const unsigned char *)html, strlen(html), charset,
	                                   resolve, &asked, &b, &r.st), MG_OK);
	ck_assert_int_eq(mg_html_safe_document(&doc, b.data ? (const char *)b.data : "", b.len), 0);
	mg_html_safe_report(&ctx, &r.st);
	r.body = g_strndup(b.data ? (const char *)b.data : "", b.len);
	r.page = g_strndup((const char *)doc.data, doc.len);
	why = html_safe_invariant(r.page, doc.len);
	ck_assert_msg(why == NULL, "%s in:\n%s", why, r.page);
	r.report = ctx.report;
	mg_buf_free(&b);
	mg_buf_free(&doc);
	mg_policy_free(p);
	return r;
}

static void run_free(struct run *r)
{
	g_free(r->page);
	g_free(r->body);
	json_decref(r->report);
}

static bool has_ci(const char *s, const char *needle)
{
	char *low = g_ascii_strdown(s, -1);
	bool found = strstr(low, needle) != NULL;

	g_free(low);
	return found;
}

static bool removed_listed(const struct run *r, const char *needle)
{
	json_t *arr = json_object_get(r->report, "removed"), *e;
	size_t i;

	json_array_foreach(arr, i, e) {
		const char *why = json_string_value(json_object_get(e, "why"));

		if (why && strstr(why, needle))
			return true;
	}
	return false;
}

START_TEST(scripts_in_any_case)
{
	struct run r = rebuild("text", "<p>before</p><ScRiPt>alert(1)</sCrIpT><SCRIPT SRC=//x.example/a.js>"
	                       "</SCRIPT><noscript><img src=http://t.example/p.gif></noscript>"
	                       "<p>after</p>", NULL);

	ck_assert(!has_ci(r.page, "script"));
	ck_assert(!has_ci(r.page, "alert"));
	ck_assert(!has_ci(r.page, "t.example"));
	ck_assert_ptr_nonnull(strstr(r.body, "<p>before</p>"));
	ck_assert_ptr_nonnull(strstr(r.body, "<p>after</p>"));
	ck_assert_uint_eq(r.st.cut[CUT_SCRIPT], 3);
	ck_assert(removed_listed(&r, "3 scripts"));
	run_free(&r);
}
END_TEST

START_TEST(event_attributes)
{
	struct run r = rebuild("text", "<body OnLoad=\"go()\"><p onclick='x()' OnMouseOver=y() "
	                       "title=\"ok\">text</p><img src=\"cid:logo@x\" onerror=alert(1) alt=logo>"
	                       "</body>", NULL);

	ck_assert(!has_ci(r.page, "onload"));
	ck_assert(!has_ci(r.page, "onclick"));
	ck_assert(!has_ci(r.page, "onmouseover"));
	ck_assert(!has_ci(r.page, "onerror"));
	ck_assert_ptr_nonnull(strstr(r.body, "<p title=\"ok\">text</p>"));
	ck_assert_ptr_nonnull(strstr(r.body, "<img src=\"cid:img1@mugai\" alt=\"logo\" />"));
	ck_assert_uint_eq(r.st.cut[CUT_EVENT], 4);
	ck_assert_uint_eq(r.st.images_kept, 1);
	run_free(&r);
}
END_TEST

/* Entities, blanks and case in the scheme: the browser's reading. */
START_TEST(javascript_links_obfuscated)
{
	static const char *const hrefs[] = {
		"javascript:alert(1)", "JaVaScRiPt:alert(1)", "&#106;avascript:alert(1)",
		"&#x6A;&#x61;vascript:alert(1)", "java&#9;script:alert(1)", "java&#x0A;script:alert(1)",
		" \t javascript:alert(1)", "vbscript:msgbox(1)", "data:text/html;base64,PHNjcmlwdD4=",
		"jav&#x09;ascript&colon;alert(1)", "//evil.example/x", "#top", "file:///etc/passwd",
	};

	for (size_t i = 0; i < sizeof(hrefs) / sizeof(hrefs[0]); i++) {
		char *html = g_strdup_printf("<p><a href=\"%s\">label %zu</a></p>", hrefs[i], i);
		struct run r = rebuild("text", html, NULL);
		char *label = g_strdup_printf("<p>label %zu</p>", i);

		ck_assert_msg(strstr(r.body, label) != NULL, "%s -> %s", hrefs[i], r.body);
		ck_assert(!has_ci(r.page, "href"));
		ck_assert_msg(r.st.cut[CUT_LINK] == 1, "%s not counted: %s", hrefs[i], r.body);
		g_free(label);
		g_free(html);
		run_free(&r);
	}
}
END_TEST

START_TEST(links_per_policy)
{
	const char *html = "<p>See <a href=\"https://www.city.example.lg.jp/a?b=1&amp;c=2\">the page</a> "
	                   "or <a href=\"mailto:info@example.jp\">mail</a>; bare https://bare.example.jp/x</p>";
	struct run t = rebuild("text", html, NULL), d = rebuild("defang", html, NULL),
	           m = rebuild("remove", html, NULL);

	ck_assert_ptr_nonnull(strstr(t.body, "<a href=\"https://www.city.example.lg.jp/a?b=1&amp;c=2\">"
	                                     "the page</a>"));
	ck_assert_ptr_nonnull(strstr(t.body, "<a href=\"mailto:info@example.jp\">mail</a>"));
	ck_assert_ptr_nonnull(strstr(t.body, "bare https://bare.example.jp/x"));
	ck_assert(!has_ci(d.page, "href"));
	ck_assert_ptr_nonnull(strstr(d.body, "the page &lt;hxxps://www[.]city[.]example[.]lg[.]jp/a?b=1&amp;c=2&gt;"));
	ck_assert_ptr_nonnull(strstr(d.body, "bare hxxps://bare[.]example[.]jp/x"));
	ck_assert_uint_eq(d.st.links_changed, 3);
	ck_assert_uint_eq(json_array_size(json_object_get(d.report, "links")), 3);
	ck_assert(!has_ci(m.page, "href"));
	ck_assert(!has_ci(m.page, "bare.example"));
	ck_assert_ptr_nonnull(strstr(m.body, "See the page or mail"));
	run_free(&t);
	run_free(&d);
	run_free(&m);
}
END_TEST

START_TEST(styles)
{
	struct run r = rebuild("text",
	                       "<style>@import url(http://x.example/a.css); p{color:red}</style>"
	                       "<p style=\"color: #c00; FONT-WEIGHT: bold; position: fixed\">a</p>"
	                       "<p style=\"background: url(http://t.example/a.png)\">b</p>"
	                       "<p style=\"width: expression(alert(1))\">c</p>"
	                       "<p style=\"color: red; background-image: \\75rl(http://t.example/e)\">d</p>"
	                       "<p style=\"color: red/**/; x: u&#x72;l(a)\">e</p>"
	                       "<p style=\"font-family: 'ＭＳ Ｐゴシック', sans-serif; color: rgb(0, 0, 255)\">f</p>"
	                       "<p style=\"behavior: url(a.htc); -moz-binding: url(b.xml)\">g</p>",
	                       NULL);

	ck_assert(!has_ci(r.page, "url"));
	ck_assert(!has_ci(r.page, "expression"));
	ck_assert(!has_ci(r.page, "import"));
	ck_assert(!has_ci(r.page, "position"));
	ck_assert_ptr_nonnull(strstr(r.body, "<p style=\"color: #c00; font-weight: bold\">a</p>"));
	ck_assert_ptr_nonnull(strstr(r.body, "<p>b</p>"));
	ck_assert_ptr_nonnull(strstr(r.body, "<p>d</p>"));
	ck_assert_ptr_nonnull(strstr(r.body, "<p style=\"font-family: 'ＭＳ Ｐゴシック', sans-serif; "
	                                     "color: rgb(0, 0, 255)\">f</p>"));
	ck_assert_uint_eq(r.st.cut[CUT_STYLE], 1);
	ck_assert_uint_eq(r.st.cut[CUT_STYLE_ATTR], 6);
	run_free(&r);
}
END_TEST

START_TEST(frames_forms_meta_base)
{
	struct run r = rebuild("text",
	                       "<html><head><meta http-equiv=\"refresh\" content=\"0;url=http://x.example/\">"
	                       "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">"
	                       "<base href=\"http://x.example/\"><link rel=stylesheet href=http://x.example/c.css>"
	                       "</head><body><iframe src=\"http://x.example/f\">in frame</iframe>"
	                       "<object data=\"x.swf\"><param name=a value=b></object><embed src=x.swf>"
	                       "<applet code=A.class></applet><form action=\"http://x.example/post\">"
	                       "Name <input name=n value=v><button formaction=x>Send</button>"
	                       "<select><option>one</option></select><textarea>t</textarea></form>"
	                       "<frameset><frame src=a.html></frameset></body></html>", NULL);

	ck_assert(!has_ci(r.page, "x.example"));
	ck_assert(!has_ci(r.page, "refresh"));
	ck_assert(!has_ci(r.page, "<base"));
	ck_assert(!has_ci(r.page, "<link"));
	ck_assert(!has_ci(r.page, "iframe"));
	ck_assert(!has_ci(r.page, "<form"));
	ck_assert(!has_ci(r.page, "<input"));
	ck_assert(!has_ci(r.page, "swf"));
	ck_assert_msg(strstr(r.body, "Name ") != NULL, "%s", r.body);
	ck_assert_uint_eq(r.st.cut[CUT_META], 3);
	ck_assert_uint_ge(r.st.cut[CUT_FRAME], 4);
	ck_assert_uint_ge(r.st.cut[CUT_FORM], 4);
	ck_assert_ptr_nonnull(strstr(r.page, "<meta charset=\"utf-8\" />"));
	run_free(&r);
}
END_TEST

START_TEST(svg_and_mathml)
{
	struct run r = rebuild("text",
	                       "<p>a</p><svg onload=alert(1)><script>alert(2)</script><image href=x.png/>"
	                       "<foreignObject><p>in svg</p></foreignObject></svg>"
	                       "<math><mtext><a href=javascript:alert(3)>m</a></mtext></math><p>b</p>",
	                       NULL);

	ck_assert(!has_ci(r.page, "svg"));
	ck_assert(!has_ci(r.page, "math"));
	ck_assert(!has_ci(r.page, "alert"));
	ck_assert(!has_ci(r.page, "in svg"));
	ck_assert_uint_eq(r.st.cut[CUT_SVG], 1);
	ck_assert_uint_eq(r.st.cut[CUT_MATH], 1);
	run_free(&r);
}
END_TEST

START_TEST(images_and_remote_attributes)
{
	struct run r = rebuild("text",
	                       "<body background=\"http://t.example/bg.png\"><table background=x.png "
	                       "bgcolor=\"#ffffff\"><tr><td background=\"http://t.example/td.png\">cell</td>"
	                       "</tr></table><img src=\"http://t.example/track.gif?u=1\" alt=\"[banner]\">"
	                       "<img src=\"data:image/png;base64,iVBORw0KGgo=\" alt=\"inline\">"
	                       "<img src=\"cid:logo@x\" srcset=\"http://t.example/2x.png 2x\" alt=\"Logo\" width=10>"
	                       "<img src=\"cid:missing@x\" alt=\"gone\">"
	                       "<IMG SRC=\"CID:logo@x\" lowsrc=\"http://t.example/l.gif\">"
	                       "<picture><source srcset=\"http://t.example/p.webp\"><img src=\"https://t.example/p.jpg\" "
	                       "alt=\"pic\"></picture></body>", NULL);

	ck_assert(!has_ci(r.page, "t.example"));
	ck_assert(!has_ci(r.page, "background"));
	ck_assert(!has_ci(r.page, "srcset"));
	ck_assert(!has_ci(r.page, "data:"));
	ck_assert_ptr_nonnull(strstr(r.body, "[banner]"));
	ck_assert_ptr_nonnull(strstr(r.body, "inline"));
	ck_assert_ptr_nonnull(strstr(r.body, "gone"));
	ck_assert_msg(strstr(r.body, "pic") != NULL, "%s", r.body);
	ck_assert_ptr_nonnull(strstr(r.body, "<table bgcolor=\"#ffffff\">"));
	ck_assert_ptr_nonnull(strstr(r.body, "<img src=\"cid:img1@mugai\" alt=\"Logo\" width=\"10\" />"));
	ck_assert_uint_eq(r.st.images_kept, 2);
	ck_assert_uint_eq(r.st.cut[CUT_IMAGE], 4);
	ck_assert_uint_ge(r.st.cut[CUT_REMOTE_ATTR], 5);
	run_free(&r);
}
END_TEST

START_TEST(comments_cdata_conditionals)
{
	struct run r = rebuild("text",
	                       "<p>one</p><!-- <script>alert(1)</script> -->"
	                       "<!--[if gte mso 9]><xml><o:OfficeDocumentSettings/></xml><![endif]-->"
	                       "<!--[if IE]><script src=http://x.example/ie.js></script><![endif]-->"
	                       "<![if !IE]><p>two</p><![endif]>"
	                       "<![CDATA[<script>alert(2)</script>]]>"
	                       "<?php echo 1; ?><p>three</p><!--> <img src=x onerror=alert(3)> -->", NULL);

	ck_assert(!has_ci(r.page, "<!--"));
	ck_assert(!has_ci(r.page, "<script"));
	ck_assert(!has_ci(r.page, "x.example"));
	ck_assert(!has_ci(r.page, "onerror"));
	ck_assert(!has_ci(r.page, "<?"));
	ck_assert(!has_ci(r.page, "<!["));
	ck_assert_ptr_nonnull(strstr(r.body, "<p>one</p>"));
	ck_assert_ptr_nonnull(strstr(r.body, "<p>two</p>"));
	ck_assert_ptr_nonnull(strstr(r.body, "<p>three</p>"));
	run_free(&r);
}
END_TEST

START_TEST(unclosed_and_nested)
{
	struct run r = rebuild("text",
	                       "<div><b>bold <i>both</b> italic?<table><tr><td>c1<td>c2<tr><td>c3"
	                       "</table><ul><li>x<li>y</ul><p>a<p>b<a href=https://a.example/>in<a "
	                       "href=https://b.example/>nested</a></a><xmp><b>raw</b></xmp>"
	                       "<plaintext><p>rest", NULL);

	ck_assert_ptr_nonnull(strstr(r.body, "<td>c1</td><td>c2</td>"));
	ck_assert_ptr_nonnull(strstr(r.body, "<li>x</li><li>y</li>"));
	ck_assert(!has_ci(r.page, "plaintext"));
	ck_assert(!has_ci(r.page, "xmp"));
	run_free(&r);
}
END_TEST

START_TEST(charset_and_escaping)
{
	/* 「お知らせ」 in Shift_JIS, declared only by <meta> */
	const char *sjis = "<html><head><meta charset=\"Shift_JIS\"></head><body><p>"
	                   "\x82\xa8\x92\x6d\x82\xe7\x82\xb9 &lt;tag&gt; &amp; \"q\"\x01</p></body></html>";
	struct run r = rebuild("text", sjis, NULL);

	ck_assert_ptr_nonnull(strstr(r.body, "<p>お知らせ &lt;tag&gt; &amp; \"q\"</p>"));
	ck_assert(!strstr(r.page, "Shift_JIS"));
	run_free(&r);
}
END_TEST

START_TEST(css_filter_direct)
{
	mg_buf b;
	unsigned dropped;

	mg_buf_init(&b, 4096);
	ck_assert_int_eq(mg_css_filter("color:red;;margin : 0 auto ;display:none", &b, &dropped), 0);
	ck_assert_str_eq((const char *)b.data, "color: red; margin: 0 auto");
	ck_assert_uint_eq(dropped, 1);
	mg_buf_reset(&b);
	ck_assert_int_eq(mg_css_filter("color: red !important; font: 12px/1.5 serif", &b, &dropped), 0);
	ck_assert_str_eq((const char *)b.data, "color: red !important; font: 12px/1.5 serif");
	mg_buf_reset(&b);
	ck_assert_int_eq(mg_css_filter("color: rgb(1,2,3) calc(1px)", &b, &dropped), 0);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_int_eq(mg_css_filter("font-family: 'a; color: red", &b, &dropped), 0);
	ck_assert_str_eq((const char *)b.data, "color: red");
	mg_buf_reset(&b);
	ck_assert_int_eq(mg_css_filter("color: red; x: \\55 RL(a)", &b, &dropped), 0);
	ck_assert_uint_eq(b.len, 0);
	mg_buf_free(&b);
}
END_TEST

START_TEST(url_classify)
{
	char *c;

	ck_assert_int_eq(mg_url_classify(" \x01https://a.example/ \n", &c), URL_WEB);
	ck_assert_str_eq(c, "https://a.example/");
	g_free(c);
	ck_assert_int_eq(mg_url_classify("ht\ttp://a.example/", &c), URL_WEB);
	g_free(c);
	ck_assert_int_eq(mg_url_classify("java\nscript:x", &c), URL_ACTIVE);
	g_free(c);
	ck_assert_int_eq(mg_url_classify("https:x", &c), URL_OTHER);
	g_free(c);
	ck_assert_int_eq(mg_url_classify("MAILTO:a@b.jp", &c), URL_MAILTO);
	g_free(c);
	ck_assert_int_eq(mg_url_classify("https://a\x02.example/", &c), URL_ACTIVE);
	g_free(c);
}
END_TEST

START_TEST(policy_word)
{
	mg_policy *p = mg_policy_new();
	char *err = NULL, *d;

	ck_assert_int_eq(p->action[MG_FAM_HTML], MG_ACT_TEXT);
	ck_assert_int_eq(mg_policy_set(p, "html", "safe", &err), 0);
	ck_assert_int_eq(p->action[MG_FAM_HTML], MG_ACT_SAFE);
	ck_assert_int_eq(mg_policy_set(p, "pdf", "safe", &err), -1);
	free(err);
	d = mg_policy_describe(p);
	ck_assert_ptr_nonnull(strstr(d, "\nhtml = safe\n"));
	free(d);
	mg_policy_free(p);
}
END_TEST

/* The html family under html = safe: a page in, a page out. */
START_TEST(html_family_safe)
{
	mg_policy *p = mg_policy_new();
	char *err = NULL;
	const char *html = "<html><body><h1>お知らせ</h1><script>x()</script>"
	                   "<img src=\"http://t.example/a.gif\" alt=\"A\"></body></html>";
	mg_result res;

	ck_assert_int_eq(mg_policy_set(p, "html", "safe", &err), 0);
	ck_assert_int_eq(tu_sanitize_policy(p, html, strlen(html), "page.html", MG_MODE_DEFAULT, &res),
	                 MG_OK);
	ck_assert_ptr_nonnull(strstr(res.out_type, "text/html"));
	ck_assert(tu_contains(res.out, res.out_len, "<h1>お知らせ</h1>"));
	ck_assert(!tu_contains(res.out, res.out_len, "script"));
	ck_assert(!tu_contains(res.out, res.out_len, "t.example"));
	ck_assert(html_safe_invariant((const char *)res.out, res.out_len) == NULL);
	ck_assert(tu_report_has(&res, "removed", "scripts"));
	mg_result_free(&res);
	mg_policy_free(p);
}
END_TEST

#define CRLF "\r\n"

/* A newsletter: stub plain version, related HTML with a cid: logo that is
 * shown, an unreferenced image, a tracker, a script. */
static const char mail_src[] =
	"From: info@city.example.lg.jp" CRLF
	"To: staff@example.lg.jp" CRLF
	"Subject: news" CRLF
	"MIME-Version: 1.0" CRLF
	"Content-Type: multipart/alternative; boundary=\"alt\"" CRLF CRLF
	"--alt" CRLF
	"Content-Type: text/plain; charset=utf-8" CRLF CRLF
	"HTML mail" CRLF
	"--alt" CRLF
	"Content-Type: multipart/related; boundary=\"rel\"" CRLF CRLF
	"--rel" CRLF
	"Content-Type: text/html; charset=iso-2022-jp" CRLF CRLF
	"<html><body onload=\"go()\"><h1>\x1b$B$*CN$i$;\x1b(B</h1><script>alert(1)</script>"
	"<p><a href=\"https://www.city.example.lg.jp/\">city</a></p>"
	"<img src=\"cid:logo@x\" alt=\"logo\"><img src=\"http://t.example/p.gif\" alt=\"[t]\">"
	"</body></html>" CRLF
	"--rel" CRLF
	"Content-Type: image/gif" CRLF
	"Content-ID: <logo@x>" CRLF
	"Content-Transfer-Encoding: base64" CRLF CRLF
	"R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==" CRLF
	"--rel" CRLF
	"Content-Type: image/gif; name=\"other.gif\"" CRLF
	"Content-ID: <other@x>" CRLF
	"Content-Transfer-Encoding: base64" CRLF CRLF
	"R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==" CRLF
	"--rel--" CRLF
	"--alt--" CRLF;

static mg_result mail_out(const char *html_action)
{
	mg_policy *p = mg_policy_new();
	char *err = NULL;
	mg_result res;

	ck_assert_int_eq(mg_policy_set(p, "html", html_action, &err), 0);
	ck_assert_int_eq(tu_sanitize_policy(p, mail_src, sizeof(mail_src) - 1, "m.eml",
	                                    MG_MODE_DEFAULT, &res), MG_OK);
	mg_policy_free(p);
	return res;
}

/* The first leaf of type/subtype in the message, its decoded content. */
static char *part_text(const mg_result *res, const char *type, const char *subtype)
{
	GMimeStream *s = g_mime_stream_mem_new_with_buffer((const char *)res->out, res->out_len);
	GMimeParser *ps = g_mime_parser_new_with_stream(s);
	GMimeMessage *m = g_mime_parser_construct_message(ps, NULL);
	GMimePartIter *it = g_mime_part_iter_new(GMIME_OBJECT(m));
	char *t = NULL;

	do {
		GMimeObject *o = g_mime_part_iter_get_current(it);

		if (o && GMIME_IS_TEXT_PART(o) &&
		    g_mime_content_type_is_type(g_mime_object_get_content_type(o), type, subtype)) {
			t = g_mime_text_part_get_text(GMIME_TEXT_PART(o));
			break;
		}
	} while (g_mime_part_iter_next(it));
	g_mime_part_iter_free(it);
	g_object_unref(m);
	g_object_unref(ps);
	g_object_unref(s);
	return t;
}

START_TEST(mail_safe_alternative)
{
	mg_result res = mail_out("safe");
	char *html = part_text(&res, "text", "html"), *text = part_text(&res, "text", "plain");
	const char *why;

	ck_assert(tu_contains(res.out, res.out_len, "Content-Type: multipart/alternative"));
	ck_assert(tu_contains(res.out, res.out_len, "Content-Type: multipart/related"));
	ck_assert(tu_contains(res.out, res.out_len, "Content-Id: <img1@mugai.invalid>"));
	ck_assert_ptr_nonnull(html);
	ck_assert_ptr_nonnull(text);
	why = html_safe_invariant(html, strlen(html));
	ck_assert_msg(why == NULL, "%s: %s", why, html);
	ck_assert_ptr_nonnull(strstr(html, "<h1>お知らせ</h1>"));
	ck_assert_ptr_nonnull(strstr(html, "<img src=\"cid:img1@mugai.invalid\" alt=\"logo\" />"));
	ck_assert_ptr_nonnull(strstr(html, "<a href=\"https://www.city.example.lg.jp/\">city</a>"));
	ck_assert_ptr_nonnull(strstr(html, "【無害化通知】"));
	ck_assert(!has_ci(html, "<script"));
	ck_assert(!has_ci(html, "alert"));
	ck_assert(!has_ci(html, "t.example"));
	ck_assert(!has_ci(html, "onload"));
	/* the plain version is made from the page, not the stub */
	ck_assert_ptr_nonnull(strstr(text, "お知らせ"));
	ck_assert_ptr_nonnull(strstr(text, "city <https://www.city.example.lg.jp/>"));
	ck_assert_ptr_nonnull(strstr(text, "1 scripts removed from the HTML"));
	ck_assert_ptr_null(strstr(text, "HTML mail"));
	/* the image the page does not show is an attachment, once */
	ck_assert(tu_contains(res.out, res.out_len, "filename=other.png"));
	ck_assert(tu_report_has(&res, "removed", "scripts"));
	ck_assert(tu_report_has(&res, "removed", "event handler attributes"));
	g_free(html);
	g_free(text);
	mg_result_free(&res);
}
END_TEST

START_TEST(mail_text_is_default)
{
	mg_result res = mail_out("text");
	char *html = part_text(&res, "text", "html");

	ck_assert_ptr_null(html);
	ck_assert(!tu_contains(res.out, res.out_len, "multipart/alternative"));
	mg_result_free(&res);
}
END_TEST

/* mugai's own safe output sanitised again: the same page and text. */
START_TEST(mail_safe_twice)
{
	mg_result once = mail_out("safe"), twice;
	mg_policy *p = mg_policy_new();
	char *err = NULL, *h1, *h2;

	ck_assert_int_eq(mg_policy_set(p, "html", "safe", &err), 0);
	ck_assert_int_eq(tu_sanitize_policy(p, once.out, once.out_len, "m.eml", MG_MODE_DEFAULT,
	                                    &twice), MG_OK);
	h1 = part_text(&once, "text", "html");
	h2 = part_text(&twice, "text", "html");
	ck_assert_ptr_nonnull(h2);
	ck_assert(html_safe_invariant(h2, strlen(h2)) == NULL);
	ck_assert_ptr_nonnull(strstr(h2, "<h1>お知らせ</h1>"));
	ck_assert_ptr_nonnull(strstr(h2, "<img src=\"cid:img1@mugai.invalid\" alt=\"logo\" />"));
	g_free(h1);
	g_free(h2);
	mg_result_free(&once);
	mg_result_free(&twice);
	mg_policy_free(p);
}
END_TEST

/* An inline SVG chart: drawn into a PNG by the image family, kept as a
 * picture; nothing of its markup reaches the mail. */
START_TEST(mail_safe_svg_image)
{
	static const char src[] =
		"From: a@city.example.lg.jp" CRLF "To: b@example.lg.jp" CRLF "Subject: chart" CRLF
		"MIME-Version: 1.0" CRLF "Content-Type: multipart/related; boundary=\"r\"" CRLF CRLF
		"--r" CRLF "Content-Type: text/html; charset=utf-8" CRLF CRLF
		"<p>グラフ</p><img src=\"cid:chart@x\" alt=\"chart\">" CRLF
		"--r" CRLF "Content-Type: image/svg+xml" CRLF "Content-ID: <chart@x>" CRLF CRLF
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"20\" height=\"10\" onload=\"alert(1)\">"
		"<rect width=\"20\" height=\"10\" fill=\"#0a0\"/></svg>" CRLF
		"--r--" CRLF;
	mg_policy *p = mg_policy_new();
	char *err = NULL, *html;
	mg_result res;

	ck_assert_int_eq(mg_policy_set(p, "html", "safe", &err), 0);
	ck_assert_int_eq(tu_sanitize_policy(p, src, sizeof(src) - 1, "m.eml", MG_MODE_DEFAULT, &res),
	                 MG_OK);
	html = part_text(&res, "text", "html");
	ck_assert_ptr_nonnull(html);
	ck_assert_ptr_nonnull(strstr(html, "<img src=\"cid:img1@mugai.invalid\" alt=\"chart\" />"));
	ck_assert(tu_contains(res.out, res.out_len, "Content-Type: image/png"));
	ck_assert(!tu_contains(res.out, res.out_len, "<svg"));
	ck_assert(!tu_contains(res.out, res.out_len, "image/svg"));
	g_free(html);
	mg_result_free(&res);
	mg_policy_free(p);
}
END_TEST

/* libxml2's HTML 4 parser makes HTML 5's void embed, source and track
 * containers of what follows: that text is kept, in both policies. */
START_TEST(void5_keeps_what_follows)
{
	const char *html = "<p>a<embed src=x.swf>after embed</p><video><source src=v.mp4>"
	                   "</video>after source<audio><track src=t.vtt></audio><p>after track</p>";
	mg_policy *p = mg_policy_new();
	mg_ctx ctx = { 0 };
	mg_buf t;
	struct run r = rebuild("text", html, NULL);

	ctx.policy = p;
	ctx.deadline = mg_now() + 30;
	ctx.report = json_pack("{s:[],s:[],s:[]}", "actions", "removed", "findings");
	mg_buf_init(&t, 1 << 20);
	ck_assert_int_eq(mg_html_to_text(&ctx, (const unsigned char *)html, strlen(html), "utf-8", &t,
	                                 NULL), MG_OK);
	ck_assert_ptr_nonnull(strstr((const char *)t.data, "after embed"));
	ck_assert_ptr_nonnull(strstr((const char *)t.data, "after source"));
	ck_assert_ptr_nonnull(strstr((const char *)t.data, "after track"));
	ck_assert_ptr_nonnull(strstr(r.body, "after embed"));
	ck_assert_ptr_nonnull(strstr(r.body, "after source"));
	ck_assert_ptr_nonnull(strstr(r.body, "after track"));
	ck_assert(!has_ci(r.page, "embed src"));
	mg_buf_free(&t);
	json_decref(ctx.report);
	mg_policy_free(p);
	run_free(&r);
}
END_TEST

Suite *mugai_suite(void)
{
	Suite *s = suite_create("html_safe");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, scripts_in_any_case);
	tcase_add_test(tc, event_attributes);
	tcase_add_test(tc, javascript_links_obfuscated);
	tcase_add_test(tc, links_per_policy);
	tcase_add_test(tc, styles);
	tcase_add_test(tc, frames_forms_meta_base);
	tcase_add_test(tc, svg_and_mathml);
	tcase_add_test(tc, images_and_remote_attributes);
	tcase_add_test(tc, comments_cdata_conditionals);
	tcase_add_test(tc, unclosed_and_nested);
	tcase_add_test(tc, charset_and_escaping);
	tcase_add_test(tc, css_filter_direct);
	tcase_add_test(tc, url_classify);
	tcase_add_test(tc, policy_word);
	tcase_add_test(tc, html_family_safe);
	tcase_add_test(tc, mail_safe_alternative);
	tcase_add_test(tc, mail_text_is_default);
	tcase_add_test(tc, mail_safe_twice);
	tcase_add_test(tc, mail_safe_svg_image);
	tcase_add_test(tc, void5_keeps_what_follows);
	suite_add_tcase(s, tc);
	return s;
}
