/* check_office_pdf.c - policy pdf in the core, with a converter that
 * stands in for LibreOffice: what the converter is given (the document
 * without its macros, objects and script libraries, with its usual
 * extension), that its PDF comes out flattened, what each outcome of the
 * converter makes of the item (text with a note, blocked, limit_time),
 * the policy's office keys, and StarOffice packages (made here) found and
 * turned into text.  LibreOffice itself runs in it_office_pdf. */
#include <archive.h>
#include <archive_entry.h>
#include <check.h>
#include <gsf/gsf.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "testutil.h"

/* One page with one line of text, as LibreOffice would hand back. */
static const char fake_pdf[] =
	"%PDF-1.4\n"
	"1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
	"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
	"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 100]/Contents 4 0 R"
	"/Resources<</Font<</F1 5 0 R>>>>>>endobj\n"
	"4 0 obj<</Length 44>>stream\nBT /F1 12 Tf 10 50 Td (Converted page) Tj ET\nendstream endobj\n"
	"5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\n"
	"trailer<</Root 1 0 R>>\n%%EOF\n";

/* What the stand-in converter was given and what it answers. */
static struct {
	mg_convert_status answer;
	const char *give;        /* the bytes it returns when OK */
	int calls;
	char ext[16];
	unsigned char *doc;
	size_t len;
	double seconds;
} conv;

static mg_convert_status fake_convert(void *user, const unsigned char *data, size_t len,
                                      const char *ext, double seconds, uint64_t max_out,
                                      unsigned char **pdf, size_t *pdf_len, char *why,
                                      size_t why_len)
{
	(void)user;
	(void)max_out;
	conv.calls++;
	snprintf(conv.ext, sizeof(conv.ext), "%s", ext);
	free(conv.doc);
	conv.doc = malloc(len + 1);
	memcpy(conv.doc, data, len);
	conv.len = len;
	conv.seconds = seconds;
	snprintf(why, why_len, "stand-in says %d", (int)conv.answer);
	if (conv.answer != MG_CONVERT_OK)
		return conv.answer;
	*pdf_len = strlen(conv.give);
	*pdf = (unsigned char *)strdup(conv.give);
	return MG_CONVERT_OK;
}

static void reset(mg_convert_status answer)
{
	free(conv.doc);
	memset(&conv, 0, sizeof(conv));
	conv.answer = answer;
	conv.give = fake_pdf;
}

/* Sanitises with the stand-in lent to a core of this policy (NULL: the
 * default), or with no converter at all. */
static mg_status run(mg_policy *p, bool lend, const void *d, size_t len, const char *name,
                     mg_result *res)
{
	mg_policy *own = p ? p : mg_policy_new();
	char *err = NULL;
	mg_core *core = mg_core_new(own, &err);
	mg_input in = { d, len, name, NULL, NULL, 0 };
	mg_status st;

	ck_assert_ptr_nonnull(core);
	if (lend)
		mg_core_set_converter(core, fake_convert, NULL);
	st = mg_sanitize(core, &in, MG_MODE_DEFAULT, res);
	mg_core_free(core);
	if (!p)
		mg_policy_free(own);
	return st;
}

static mg_status run_corpus(const char *rel, mg_result *res, unsigned char **orig, size_t *olen)
{
	char path[512];
	size_t len;
	unsigned char *d;
	mg_status st;

	snprintf(path, sizeof(path), "%s/%s", CORPUS_DIR, rel);
	d = tu_read(path, &len);
	st = run(NULL, true, d, len, strrchr(rel, '/') + 1, res);
	if (orig) {
		*orig = d;
		*olen = len;
	} else {
		free(d);
	}
	return st;
}

/* A flattened PDF of the stand-in's page, and the report saying so. */
static void assert_flattened(const mg_result *res, const char *ext)
{
	char want[64];

	ck_assert_msg(res->status == MG_OK, "%s", res->reason);
	ck_assert_str_eq(res->out_ext, "pdf");
	ck_assert(res->out_len > 5 && memcmp(res->out, "%PDF-", 5) == 0);
	ck_assert(!tu_contains(res->out, res->out_len, "/Helvetica")); /* redrawn, not copied */
	snprintf(want, sizeof(want), "converted from %s to PDF by LibreOffice", ext);
	ck_assert_msg(tu_report_has(res, "actions", want), "%s", res->report_json);
	ck_assert(tu_report_has(res, "actions", "then flattened"));
}

/* Every storage name anywhere in a compound file, one a line. */
static void storage_names(GsfInfile *dir, GString *out)
{
	for (int i = 0; i < gsf_infile_num_children(dir); i++) {
		GsfInput *c = gsf_infile_child_by_index(dir, i);

		g_string_append_printf(out, "%s\n", gsf_infile_name_by_index(dir, i));
		if (GSF_IS_INFILE(c) && gsf_infile_num_children(GSF_INFILE(c)) > 0)
			storage_names(GSF_INFILE(c), out);
		g_object_unref(c);
	}
}

static char *names_of(const unsigned char *d, size_t len)
{
	GsfInput *in = gsf_input_memory_new(d, (gsf_off_t)len, FALSE);
	GsfInfile *ole = gsf_infile_msole_new(in, NULL);
	GString *s = g_string_new("\n");

	ck_assert_ptr_nonnull(ole);
	storage_names(ole, s);
	g_object_unref(ole);
	g_object_unref(in);
	return g_string_free(s, FALSE);
}

START_TEST(legacy_office_without_macros_to_pdf)
{
	static const struct {
		const char *rel, *ext, *gone;
	} cases[] = {
		/* PowerPoint keeps its VBA inside the document stream: LibreOffice
		 * never runs it (macros disabled) */
		{ "office/sample_with_vba.ppt", "ppt", NULL },
		{ "office/harmless-clean.doc", "doc", NULL },
		{ "office/excel4_sample_macro.xls", "xls", NULL },
		{ "office/sample_with_calc_embedded.doc", "doc", "\nObjectPool\n" },
	};
	unsigned char *orig;
	size_t olen;
	mg_result res;
	char *before, *after;

	reset(MG_CONVERT_OK);
	run_corpus(cases[_i].rel, &res, &orig, &olen);
	assert_flattened(&res, cases[_i].ext);
	ck_assert_int_eq(conv.calls, 1);
	ck_assert_str_eq(conv.ext, cases[_i].ext);
	ck_assert(conv.seconds > 0 && conv.seconds <= 60);
	before = names_of(orig, olen);
	after = names_of(conv.doc, conv.len);
	/* a compound file of the same streams, less what cannot pass */
	ck_assert_ptr_nonnull(strstr(after, "\nWordDocument\n") ? after :
	                      strstr(after, "\nWorkbook\n") ? after :
	                      strstr(after, "\nPowerPoint Document\n"));
	if (cases[_i].gone) {
		ck_assert_msg(strstr(before, cases[_i].gone), "%s", before);
		ck_assert_msg(!strstr(after, cases[_i].gone), "%s", after);
	}
	ck_assert(!strstr(after, "\nMacros\n") && !strstr(after, "\nVBA\n") &&
	          !strstr(after, "\nObjectPool\n") && !strstr(after, "\n\001Ole10Native\n"));
	g_free(before);
	g_free(after);
	free(orig);
	mg_result_free(&res);
}
END_TEST

START_TEST(rtf_goes_as_it_is)
{
	unsigned char *orig;
	size_t olen;
	mg_result res;

	reset(MG_CONVERT_OK);
	run_corpus("office/issue_251.rtf", &res, &orig, &olen);
	assert_flattened(&res, "rtf");
	ck_assert_str_eq(conv.ext, "rtf");
	ck_assert_uint_eq(conv.len, olen);
	ck_assert(memcmp(conv.doc, orig, olen) == 0);
	free(orig);
	mg_result_free(&res);
}
END_TEST

START_TEST(ooxml_pdf_converts_the_rebuilt_package)
{
	mg_policy *p = mg_policy_new();
	char *err = NULL, path[512];
	size_t len;
	unsigned char *d;
	mg_result res;

	ck_assert_int_eq(mg_policy_set(p, "office_ooxml", "pdf", &err), 0);
	snprintf(path, sizeof(path), "%s/office/oleform-PR314.docm", CORPUS_DIR);
	d = tu_read(path, &len);
	reset(MG_CONVERT_OK);
	run(p, true, d, len, "a.docm", &res);
	assert_flattened(&res, "docx");
	ck_assert(!tu_contains(conv.doc, conv.len, "vbaProject"));
	ck_assert(tu_report_has(&res, "removed", "vbaProject"));
	free(d);
	mg_result_free(&res);
	mg_policy_free(p);
}
END_TEST

/* What each answer of the converter, or none, makes of a .doc. */
START_TEST(converter_outcomes)
{
	mg_result res;

	reset(MG_CONVERT_UNAVAILABLE);
	ck_assert_int_eq(run_corpus("office/harmless-clean.doc", &res, NULL, NULL), MG_OK);
	ck_assert_str_eq(res.out_ext, "txt");
	ck_assert(tu_contains(res.out, res.out_len, "This is a harmless test document."));
	ck_assert(tu_report_has(&res, "findings", "LibreOffice is not available (stand-in says 1)"));
	mg_result_free(&res);

	reset(MG_CONVERT_FAILED);
	ck_assert_int_eq(run_corpus("office/harmless-clean.doc", &res, NULL, NULL), MG_E_MALFORMED);
	ck_assert_ptr_null(res.out);
	ck_assert_ptr_nonnull(strstr(res.reason, "LibreOffice could not convert the doc document"));
	mg_result_free(&res);

	reset(MG_CONVERT_TIMEOUT);
	ck_assert_int_eq(run_corpus("office/harmless-clean.doc", &res, NULL, NULL), MG_E_LIMIT_TIME);
	ck_assert_ptr_null(res.out);
	ck_assert_ptr_nonnull(strstr(res.reason, "within the item's time limit and was killed"));
	mg_result_free(&res);

	/* what came back is no PDF: nothing of it passes */
	reset(MG_CONVERT_OK);
	conv.give = "<html>not a pdf</html>";
	ck_assert_int_ne(run_corpus("office/harmless-clean.doc", &res, NULL, NULL), MG_OK);
	ck_assert_ptr_null(res.out);
	mg_result_free(&res);
	reset(MG_CONVERT_OK);
}
END_TEST

START_TEST(no_converter_means_text_with_a_note)
{
	char path[512];
	size_t len;
	unsigned char *d;
	mg_result res;

	snprintf(path, sizeof(path), "%s/office/harmless-clean.doc", CORPUS_DIR);
	d = tu_read(path, &len);
	reset(MG_CONVERT_OK);
	ck_assert_int_eq(run(NULL, false, d, len, "a.doc", &res), MG_OK);
	ck_assert_int_eq(conv.calls, 0);
	ck_assert_str_eq(res.out_ext, "txt");
	ck_assert(tu_report_has(&res, "findings", "no converter in this process"));
	free(d);
	mg_result_free(&res);
}
END_TEST

START_TEST(policy_office_keys)
{
	mg_policy *p = mg_policy_new();
	char *err = NULL, *desc;

	ck_assert_int_eq(p->action[MG_FAM_OLE2], MG_ACT_PDF);
	ck_assert_int_eq(p->action[MG_FAM_RTF], MG_ACT_PDF);
	ck_assert_int_eq(p->action[MG_FAM_STAROFFICE], MG_ACT_PDF);
	ck_assert_int_eq(p->action[MG_FAM_OOXML], MG_ACT_CDR);
	ck_assert_int_eq(p->action[MG_FAM_ODF], MG_ACT_CDR);
	desc = mg_policy_describe(p);
	ck_assert_ptr_nonnull(strstr(desc, "office_legacy = pdf\n"));
	ck_assert_ptr_nonnull(strstr(desc, "office_ooxml = cdr\n"));
	free(desc);
	ck_assert_int_eq(mg_policy_set(p, "office", "pdf", &err), 0);
	for (int f = 0; f < MG_FAM_COUNT; f++)
		if (f == MG_FAM_OLE2 || f == MG_FAM_RTF || f == MG_FAM_STAROFFICE ||
		    f == MG_FAM_OOXML || f == MG_FAM_ODF)
			ck_assert_int_eq(p->action[f], MG_ACT_PDF);
	ck_assert_int_eq(mg_policy_set(p, "office", "cdr", &err), 0);
	ck_assert_int_eq(p->action[MG_FAM_OOXML], MG_ACT_CDR);
	ck_assert_int_eq(p->action[MG_FAM_OLE2], MG_ACT_PDF); /* no cdr for doc/xls/ppt */
	ck_assert_int_eq(mg_policy_set(p, "office_legacy", "text", &err), 0);
	ck_assert_int_eq(p->action[MG_FAM_OLE2], MG_ACT_TEXT);
	ck_assert_int_ne(mg_policy_set(p, "office_rtf", "cdr", &err), 0);
	ck_assert_ptr_nonnull(strstr(err, "not available"));
	free(err);
	ck_assert_int_ne(mg_policy_set(p, "office", "flatten", &err), 0);
	free(err);
	ck_assert_int_eq(mg_policy_set(p, "ole2", "pdf", &err), 0);
	ck_assert_int_eq(p->action[MG_FAM_OLE2], MG_ACT_PDF);
	mg_policy_free(p);
}
END_TEST

/* ---- StarOffice packages made here ---- */

static la_ssize_t buf_write(struct archive *a, void *user, const void *b, size_t n)
{
	(void)a;
	return mg_buf_append(user, b, n) < 0 ? -1 : (la_ssize_t)n;
}

static unsigned char *make_sxw(size_t *len)
{
	static const char *const ents[][2] = {
		{ "mimetype", "application/vnd.sun.xml.writer" },
		{ "content.xml",
		  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE office:document-content PUBLIC "
		  "\"-//OpenOffice.org//DTD OfficeDocument 1.0//EN\" \"office.dtd\">\n"
		  "<office:document-content xmlns:office=\"http://openoffice.org/2000/office\" "
		  "xmlns:text=\"http://openoffice.org/2000/text\" office:class=\"text\">"
		  "<office:body><text:p>First<text:tab-stop/>line</text:p><text:p>Second</text:p>"
		  "</office:body></office:document-content>" },
		{ "Basic/Standard/Module1.xml", "<script:module>Sub Main\nShell(\"calc\")\nEnd Sub"
		                                "</script:module>" },
		{ "META-INF/manifest.xml",
		  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE manifest:manifest PUBLIC "
		  "\"-//OpenOffice.org//DTD Manifest 1.0//EN\" \"Manifest.dtd\">\n"
		  "<manifest:manifest xmlns:manifest=\"http://openoffice.org/2001/manifest\">"
		  "<manifest:file-entry manifest:media-type=\"application/vnd.sun.xml.writer\" "
		  "manifest:full-path=\"/\"/><manifest:file-entry manifest:media-type=\"text/xml\" "
		  "manifest:full-path=\"content.xml\"/><manifest:file-entry manifest:media-type=\"\" "
		  "manifest:full-path=\"Basic/Standard/Module1.xml\"/></manifest:manifest>" },
	};
	struct archive *a = archive_write_new();
	mg_buf b;

	mg_buf_init(&b, 1u << 20);
	archive_write_set_format_zip(a);
	archive_write_set_bytes_in_last_block(a, 1);
	ck_assert_int_eq(archive_write_open2(a, &b, NULL, buf_write, NULL, NULL), ARCHIVE_OK);
	for (size_t i = 0; i < sizeof(ents) / sizeof(ents[0]); i++) {
		struct archive_entry *e = archive_entry_new();
		size_t n = strlen(ents[i][1]);

		archive_entry_copy_pathname(e, ents[i][0]);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, (la_int64_t)n);
		ck_assert_int_eq(archive_write_header(a, e), ARCHIVE_OK);
		ck_assert_int_eq(archive_write_data(a, ents[i][1], n), (la_ssize_t)n);
		archive_entry_free(e);
	}
	archive_write_close(a);
	archive_write_free(a);
	return mg_buf_steal(&b, len);
}

START_TEST(staroffice_found_stripped_and_read)
{
	size_t len;
	unsigned char *sxw = make_sxw(&len);
	mg_policy *p = mg_policy_new();
	char *err = NULL;
	mg_result res;

	/* named anything: the mimetype inside says what it is */
	reset(MG_CONVERT_OK);
	run(NULL, true, sxw, len, "letter.zip", &res);
	ck_assert_ptr_nonnull(strstr(res.report_json, "\"family\": \"staroffice\""));
	assert_flattened(&res, "sxw");
	ck_assert_str_eq(conv.ext, "sxw");
	ck_assert(tu_contains(conv.doc, conv.len, "mimetype"));
	ck_assert(!tu_contains(conv.doc, conv.len, "Basic/Standard"));
	ck_assert(!tu_contains(conv.doc, conv.len, "Shell("));
	ck_assert(tu_report_has(&res, "removed", "Basic macro library"));
	mg_result_free(&res);

	ck_assert_int_eq(mg_policy_set(p, "office_staroffice", "text", &err), 0);
	ck_assert_int_eq(run(p, true, sxw, len, "letter.sxw", &res), MG_OK);
	ck_assert_str_eq(res.out_ext, "txt");
	ck_assert(tu_contains(res.out, res.out_len, "First\tline\nSecond\n"));
	ck_assert(!tu_contains(res.out, res.out_len, "Shell"));
	mg_result_free(&res);
	mg_policy_free(p);
	free(sxw);
	reset(MG_CONVERT_OK);
}
END_TEST

Suite *mugai_suite(void)
{
	Suite *s = suite_create("office_pdf");
	TCase *tc = tcase_create("office_pdf");

	tcase_add_loop_test(tc, legacy_office_without_macros_to_pdf, 0, 4);
	tcase_add_test(tc, rtf_goes_as_it_is);
	tcase_add_test(tc, ooxml_pdf_converts_the_rebuilt_package);
	tcase_add_test(tc, converter_outcomes);
	tcase_add_test(tc, no_converter_means_text_with_a_note);
	tcase_add_test(tc, policy_office_keys);
	tcase_add_test(tc, staroffice_found_stripped_and_read);
	suite_add_tcase(s, tc);
	return s;
}
