/* check_rtf_open.c - a file Word would open as RTF never leaves as text with
 * RTF control words in it: every header spelling Word accepts, control
 * words split by CR and LF, under any name or declared type, alone, as a
 * mail attachment and as an archive member; and no artefact of any family
 * that Word would itself open as RTF. */
#include <archive.h>
#include <archive_entry.h>
#include <check.h>
#include <glib.h>
#include <gmime/gmime.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "testutil.h"

/* Referenced so that the families are linked and registered. */
extern const mg_filter mg_filter_rtf, mg_filter_text, mg_filter_mail, mg_filter_archive;

/* Header spellings: what Word opens ("{\rt" and anything after it), and the
 * prefixes read as RTF to be safe (BOM, blanks, upper case). */
static const char *const headers[] = {
	"{\\rt", "{\\rtf", "{\\rtf1", "{\\rtf0", "{\\rtfabc", "{\\rtf2\\ansi", "{\\rt1",
	"{\\RTF1", "\xEF\xBB\xBF{\\rtf1", "  {\\rtf1", "\r\n\t{\\rt",
};

/* The words that carry or fetch active content, each split in the tests. */
static const char *const words[] = { "object", "objdata", "objautlink", "objclass",
	                             "pict", "field", "fldinst" };

static const char *const splits[] = { "\r", "\n", "\r\n", "\n\r\n\r" };

/* One document: an OLE Package object (classed, auto-linked), a picture, a
 * DDE field and a stray \objdata, with text between them.  %s is the
 * header; the payload is recognisable ("d0cf11e0", "0105000002"). */
static const char body_fmt[] =
	"%s{\\fonttbl{\\f0 Arial;}}\\f0 Visible text"
	"{\\object\\objemb\\objautlink{\\objclass Package}"
	"{\\objdata 0105000002000000d0cf11e0a1b11ae1}{\\result shown}}"
	"{\\pict\\pngblip 89504e47d0cf11e0}"
	"{\\field{\\fldinst DDEAUTO c:\\\\windows\\\\cmd.exe \"/k calc\"}{\\fldrslt result}}"
	"{\\objdata d0cf11e0a1b11ae1}end\\par}";

static const char want_text[] = "Visible textshownresultend";

/* The document with the control word `word` split after `at` letters by
 * `sep` wherever it appears as a whole word ("\ob" CRLF "ject"). */
static char *make_doc(const char *header, const char *word, size_t at, const char *sep)
{
	char *doc = g_strdup_printf(body_fmt, header);
	size_t wl = word ? strlen(word) : 0;
	GString *g;

	if (!word)
		return doc;
	g = g_string_new(NULL);
	for (const char *p = doc; *p; p++) {
		if (p[0] == '\\' && strncmp(p + 1, word, wl) == 0 && !g_ascii_isalpha(p[1 + wl])) {
			g_string_append_c(g, '\\');
			g_string_append_len(g, word, (gssize)at);
			g_string_append(g, sep);
			g_string_append(g, word + at);
			p += wl;
			continue;
		}
		g_string_append_c(g, *p);
	}
	g_free(doc);
	return g_string_free(g, FALSE);
}

/* The invariant: nothing Word opens as RTF, no control word, no payload. */
static void assert_no_rtf(const unsigned char *d, size_t len, const char *what)
{
	static const char *const banned[] = { "\\obj", "\\object", "\\pict", "\\field",
		                              "\\fldinst", "\\rt", "d0cf11e0", "0105000002",
		                              "89504e47", "DDEAUTO", "ject", "inst" };
	size_t at;

	ck_assert_msg(!mg_rtf_opens(d, len, &at), "%s: output opens as RTF", what);
	for (size_t i = 0; i < sizeof(banned) / sizeof(banned[0]); i++)
		ck_assert_msg(!tu_contains(d, len, banned[i]), "%s: output holds '%s'", what,
		              banned[i]);
}

static mg_status sanitize_declared(const char *doc, size_t len, const char *name,
                                   const char *declared, mg_result *res)
{
	mg_policy *p = mg_policy_new();
	char *err = NULL;
	mg_core *core = mg_core_new(p, &err);
	mg_input in = { (const unsigned char *)doc, len, name, declared, NULL, 0 };
	mg_status st;

	ck_assert_msg(core != NULL, "core: %s", err);
	st = mg_sanitize(core, &in, MG_MODE_DEFAULT, res);
	mg_core_free(core);
	mg_policy_free(p);
	return st;
}

START_TEST(detect_header_spellings)
{
	for (size_t h = 0; h < sizeof(headers) / sizeof(headers[0]); h++) {
		char *doc = make_doc(headers[h], NULL, 0, NULL);
		magic_t m = magic_open(MAGIC_NONE);
		mg_type t;

		ck_assert_int_eq(magic_load(m, NULL), 0);
		mg_detect(m, (const unsigned char *)doc, strlen(doc), "notes.txt", &t);
		ck_assert_msg(t.family == MG_FAM_RTF, "header %zu typed %s", h, t.mime);
		magic_close(m);
		g_free(doc);
	}
}
END_TEST

START_TEST(not_rtf_headers)
{
	static const char *const no[] = { "{\\r", "{ \\rtf1", "{\\\\rtf1", "x{\\rtf1", "{rtf1",
		                          "\\rtf1", "{\\ rtf1", "" };

	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		ck_assert_msg(!mg_rtf_opens((const unsigned char *)no[i], strlen(no[i]), NULL),
		              "'%s' taken for RTF", no[i]);
	ck_assert(!mg_rtf_opens(NULL, 0, NULL));
}
END_TEST

/* Every header, under every name and declared type: converted to the
 * same text, the object, picture and field reported. */
START_TEST(headers_names_and_declared_types)
{
	static const struct {
		const char *name, *declared;
	} as[] = { { "notes.txt", NULL }, { "report.doc", NULL }, { NULL, NULL },
		   { "notes.txt", "text/plain" }, { NULL, "text/plain; charset=us-ascii" },
		   { "x.rtf", "application/rtf" } };

	for (size_t h = 0; h < sizeof(headers) / sizeof(headers[0]); h++)
		for (size_t n = 0; n < sizeof(as) / sizeof(as[0]); n++) {
			char *doc = make_doc(headers[h], NULL, 0, NULL);
			char what[96];
			mg_result res;

			snprintf(what, sizeof(what), "header %zu as %s/%s", h,
			         as[n].name ? as[n].name : "-", as[n].declared ? as[n].declared : "-");
			ck_assert_msg(sanitize_declared(doc, strlen(doc), as[n].name, as[n].declared,
			                                &res) == MG_OK, "%s: %s", what, res.reason);
			ck_assert_str_eq(res.out_ext, "txt");
			ck_assert_msg(strcmp((const char *)res.out, want_text) == 0 ||
			                      strcmp((const char *)res.out, "Visible textshownresultend\n") == 0,
			              "%s: '%s'", what, res.out);
			assert_no_rtf(res.out, res.out_len, what);
			ck_assert(tu_report_has(&res, "removed", "1 embedded or linked object(s)"));
			ck_assert(tu_report_has(&res, "removed", "1 picture(s)"));
			ck_assert(tu_report_has(&res, "removed", "DDEAUTO"));
			ck_assert(tu_report_has(&res, "removed", "Package"));
			mg_result_free(&res);
			g_free(doc);
		}
}
END_TEST

/* "\ob" CR LF "ject" is \object to Word: every active word split at every
 * place by CR, LF, CRLF and runs of them reads as the whole word. */
START_TEST(split_control_words)
{
	unsigned variants = 0;

	for (size_t w = 0; w < sizeof(words) / sizeof(words[0]); w++)
		for (size_t at = 1; at < strlen(words[w]); at++)
			for (size_t s = 0; s < sizeof(splits) / sizeof(splits[0]); s++) {
				const char *header = headers[(w + at + s) % (sizeof(headers) / sizeof(headers[0]))];
				char *doc = make_doc(header, words[w], at, splits[s]);
				char what[96];
				mg_result res;

				snprintf(what, sizeof(what), "\\%s split at %zu by %zu", words[w], at, s);
				ck_assert_msg(strstr(doc, splits[s]) != NULL, "%s: not split", what);
				ck_assert_msg(tu_sanitize(doc, strlen(doc), "a.txt", MG_MODE_DEFAULT, &res) ==
				              MG_OK, "%s: %s", what, res.reason);
				ck_assert_msg(strcmp((const char *)res.out, "Visible textshownresultend\n") == 0,
				              "%s: '%s'", what, res.out);
				assert_no_rtf(res.out, res.out_len, what);
				ck_assert_msg(tu_report_has(&res, "removed", "1 embedded or linked object(s)"),
				              "%s: object not reported", what);
				ck_assert_msg(tu_report_has(&res, "removed", "1 picture(s)"),
				              "%s: picture not reported", what);
				ck_assert_msg(tu_report_has(&res, "removed", "DDEAUTO"),
				              "%s: field not reported", what);
				mg_result_free(&res);
				g_free(doc);
				variants++;
			}
	ck_assert_uint_gt(variants, 150);
}
END_TEST

/* Text that Word would open as RTF is never an artefact, whichever family
 * produced it: escaped braces in RTF, HTML text, UTF-16 text. */
START_TEST(no_artefact_opens_as_rtf)
{
	static const char rtf_in_rtf[] = "{\\rtf1 \\{\\\\rtf1 \\\\object\\\\objdata 0105\\}}";
	static const char html[] = "<html><body><p>{\\rtf1{\\object{\\*\\objdata 0105}}}</p></body></html>";
	static const char *const u8 = "{\\rtf1{\\object\\objdata 0105}}\n";
	gsize n16 = 0;
	gchar *u16 = g_convert(u8, -1, "UTF-16LE", "UTF-8", NULL, &n16, NULL);
	unsigned char *bom16 = malloc(n16 + 2);
	mg_result res;

	ck_assert_int_eq(tu_sanitize(rtf_in_rtf, strlen(rtf_in_rtf), "a.rtf", MG_MODE_DEFAULT, &res),
	                 MG_E_TYPE_BLOCKED);
	ck_assert_ptr_nonnull(strstr(res.reason, "would open in Word as RTF"));
	ck_assert_ptr_null(res.out);
	mg_result_free(&res);
	ck_assert_int_eq(tu_sanitize(html, strlen(html), "a.html", MG_MODE_DEFAULT, &res),
	                 MG_E_TYPE_BLOCKED);
	ck_assert_ptr_nonnull(strstr(res.reason, "would open in Word as RTF"));
	mg_result_free(&res);
	memcpy(bom16, "\xFF\xFE", 2);
	memcpy(bom16 + 2, u16, n16);
	ck_assert_int_eq(tu_sanitize(bom16, n16 + 2, "a.txt", MG_MODE_DEFAULT, &res),
	                 MG_E_TYPE_BLOCKED);
	mg_result_free(&res);
	free(bom16);
	g_free(u16);
}
END_TEST

/* ---- as a mail attachment ---- */

static void add_attachment(GString *m, const char *type, const char *name, const char *doc)
{
	gchar *b64 = g_base64_encode((const guchar *)doc, strlen(doc));

	g_string_append_printf(m, "--B\r\nContent-Type: %s\r\n", type);
	if (name)
		g_string_append_printf(m, "Content-Disposition: attachment; filename=\"%s\"\r\n", name);
	g_string_append_printf(m, "Content-Transfer-Encoding: base64\r\n\r\n%s\r\n", b64);
	g_free(b64);
}

/* Every part: none opens as RTF; the converted attachments (the only
 * parts with the document's text) hold no control word and no payload.
 * The notice may name "\\object" as what was removed. */
static void scan_part(GMimeObject *parent, GMimeObject *part, gpointer data)
{
	unsigned *converted = data;
	GMimeStream *mem;
	GByteArray *a;

	(void)parent;
	if (!GMIME_IS_PART(part))
		return;
	mem = g_mime_stream_mem_new();
	g_mime_data_wrapper_write_to_stream(g_mime_part_get_content(GMIME_PART(part)), mem);
	a = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	ck_assert(!mg_rtf_opens(a->data, a->len, NULL));
	if (tu_contains(a->data, a->len, "Visible text")) {
		assert_no_rtf(a->data, a->len, "mail attachment");
		(*converted)++;
	}
	g_object_unref(mem);
}

static unsigned count(const char *hay, const char *needle)
{
	unsigned n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

START_TEST(mail_attachments)
{
	GString *m = g_string_new("From: a@example.org\r\nTo: b@example.jp\r\nSubject: rtf\r\n"
	                          "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"B\"\r\n"
	                          "\r\n--B\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n");
	char *d1 = make_doc("{\\rt", "object", 2, "\r\n");
	char *d2 = make_doc("{\\rtfabc", "objdata", 3, "\n");
	char *d3 = make_doc("{\\rtf0", "fldinst", 3, "\r");
	char *d4 = make_doc("\xEF\xBB\xBF{\\rtf1", "pict", 1, "\r\n");
	char *err = NULL;
	mg_policy *p = mg_policy_new();
	mg_core *core = mg_core_new(p, &err);
	mg_input in;
	mg_result res;
	GMimeStream *s;
	GMimeParser *parser;
	GMimeMessage *msg;
	unsigned converted = 0;

	add_attachment(m, "text/plain", "memo.txt", d1);
	add_attachment(m, "application/msword", "report.doc", d2);
	add_attachment(m, "application/octet-stream", NULL, d3);
	add_attachment(m, "text/plain; charset=utf-8", "readme", d4);
	g_string_append(m, "--B--\r\n");
	in = (mg_input){ (const unsigned char *)m->str, m->len, "mail.eml", NULL, NULL, 1 };
	ck_assert_int_eq(mg_sanitize(core, &in, MG_MODE_DEFAULT, &res), MG_OK);
	ck_assert_uint_eq(count(res.report_json, "\"family\": \"rtf\""), 4);
	s = g_mime_stream_mem_new_with_buffer((const char *)res.out, res.out_len);
	parser = g_mime_parser_new_with_stream(s);
	msg = g_mime_parser_construct_message(parser, NULL);
	ck_assert_ptr_nonnull(msg);
	g_mime_message_foreach(msg, scan_part, &converted);
	ck_assert_uint_eq(converted, 4);
	g_object_unref(msg);
	g_object_unref(parser);
	g_object_unref(s);
	mg_result_free(&res);
	mg_core_free(core);
	mg_policy_free(p);
	g_string_free(m, TRUE);
	g_free(d1);
	g_free(d2);
	g_free(d3);
	g_free(d4);
}
END_TEST

/* ---- as an archive member ---- */

static la_ssize_t to_buf(struct archive *a, void *user, const void *b, size_t n)
{
	(void)a;
	return mg_buf_append(user, b, n) < 0 ? -1 : (la_ssize_t)n;
}

START_TEST(archive_members)
{
	static const char *const names[] = { "a.txt", "dir/b.doc", "c", "d.rtf", "e.csv" };
	struct archive *a = archive_write_new();
	mg_buf zip;
	mg_result res;
	unsigned members = 0;
	int rc;
	struct archive_entry *e;

	mg_buf_init(&zip, 1u << 24);
	archive_write_set_format_zip(a);
	ck_assert_int_eq(archive_write_open2(a, &zip, NULL, to_buf, NULL, NULL), ARCHIVE_OK);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char *doc = make_doc(headers[i * 2], words[i], 2, splits[i % 4]);

		e = archive_entry_new();
		archive_entry_copy_pathname(e, names[i]);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, (la_int64_t)strlen(doc));
		ck_assert_int_eq(archive_write_header(a, e), ARCHIVE_OK);
		ck_assert_int_eq(archive_write_data(a, doc, strlen(doc)), (la_ssize_t)strlen(doc));
		archive_entry_free(e);
		g_free(doc);
	}
	ck_assert_int_eq(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	ck_assert_int_eq(tu_sanitize(zip.data, zip.len, "x.zip", MG_MODE_DEFAULT, &res), MG_OK);
	ck_assert_uint_eq(count(res.report_json, "\"family\": \"rtf\""), 5);
	a = archive_read_new();
	archive_read_support_format_zip(a);
	ck_assert_int_eq(archive_read_open_memory(a, res.out, res.out_len), ARCHIVE_OK);
	while ((rc = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		mg_buf m;
		char block[4096];
		la_ssize_t k;

		mg_buf_init(&m, 1u << 24);
		while ((k = archive_read_data(a, block, sizeof(block))) > 0)
			ck_assert_int_eq(mg_buf_append(&m, block, (size_t)k), 0);
		assert_no_rtf(m.data, m.len, archive_entry_pathname(e));
		ck_assert(tu_contains(m.data, m.len, "Visible text"));
		mg_buf_free(&m);
		members++;
	}
	ck_assert_int_eq(rc, ARCHIVE_EOF);
	ck_assert_uint_eq(members, 5);
	archive_read_free(a);
	mg_result_free(&res);
	mg_buf_free(&zip);
}
END_TEST

Suite *mugai_suite(void)
{
	Suite *s = suite_create("rtf_open");
	TCase *tc = tcase_create("rtf_open");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, detect_header_spellings);
	tcase_add_test(tc, not_rtf_headers);
	tcase_add_test(tc, headers_names_and_declared_types);
	tcase_add_test(tc, split_control_words);
	tcase_add_test(tc, no_artefact_opens_as_rtf);
	tcase_add_test(tc, mail_attachments);
	tcase_add_test(tc, archive_members);
	suite_add_tcase(s, tc);
	return s;
}
