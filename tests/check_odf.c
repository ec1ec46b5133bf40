/* check_odf.c - OpenDocument: rebuilt packages without macros, embedded
 * objects, event listeners or external links; the mimetype entry; text. */
#include <archive.h>
#include <archive_entry.h>
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "testutil.h"
#include "testutil_zip.h"

/* referenced so that the filters are linked into this program */
extern const mg_filter mg_filter_odf, mg_filter_image;

typedef tu_zip_entry entry;

static int report_has(const mg_result *res, const char *needle)
{
	json_t *root = json_loads(res->report_json, 0, NULL), *v;
	size_t i;
	int found = 0;

	ck_assert_ptr_nonnull(root);
	json_array_foreach(json_object_get(root, "removed"), i, v) {
		const char *what = json_string_value(json_object_get(v, "what"));
		const char *why = json_string_value(json_object_get(v, "why"));

		if ((what && strstr(what, needle)) || (why && strstr(why, needle)))
			found = 1;
	}
	json_decref(root);
	return found;
}

/* The first local header: "mimetype", stored, no extra field, so the
 * type sits at offset 38 as ODF requires. */
static void assert_mimetype_first(const unsigned char *z, size_t len, const char *mime)
{
	ck_assert_uint_gt(len, 38 + strlen(mime));
	ck_assert_int_eq(memcmp(z, "PK\003\004", 4), 0);
	ck_assert_int_eq(z[8] | z[9] << 8, 0);   /* stored */
	ck_assert_int_eq(z[28] | z[29] << 8, 0); /* no extra field */
	ck_assert_int_eq(memcmp(z + 30, "mimetype", 8), 0);
	ck_assert_int_eq(memcmp(z + 38, mime, strlen(mime)), 0);
}

#define ODT "application/vnd.oasis.opendocument.text"
#define ODS "application/vnd.oasis.opendocument.spreadsheet"

static const char manifest[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
	"<manifest:manifest xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\" manifest:version=\"1.2\">"
	"<manifest:file-entry manifest:full-path=\"/\" manifest:media-type=\"" ODT "\"/>"
	"<manifest:file-entry manifest:full-path=\"content.xml\" manifest:media-type=\"text/xml\"/>"
	"<manifest:file-entry manifest:full-path=\"Basic/Standard/Module1.xml\" manifest:media-type=\"text/xml\"/>"
	"</manifest:manifest>";

static const char encrypted_manifest[] =
	"<manifest:manifest xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\">"
	"<manifest:file-entry manifest:full-path=\"/\" manifest:media-type=\"" ODT "\"/>"
	"<manifest:file-entry manifest:full-path=\"content.xml\" manifest:media-type=\"text/xml\">"
	"<manifest:encryption-data manifest:checksum-type=\"SHA1/1K\" manifest:checksum=\"x\"/>"
	"</manifest:file-entry></manifest:manifest>";

#define NS \
	"xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" " \
	"xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\" " \
	"xmlns:draw=\"urn:oasis:names:tc:opendocument:xmlns:drawing:1.0\" " \
	"xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\" " \
	"xmlns:script=\"urn:oasis:names:tc:opendocument:xmlns:script:1.0\" " \
	"xmlns:presentation=\"urn:oasis:names:tc:opendocument:xmlns:presentation:1.0\" " \
	"xmlns:form=\"urn:oasis:names:tc:opendocument:xmlns:form:1.0\" " \
	"xmlns:xlink=\"http://www.w3.org/1999/xlink\""

static const char content[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
	"<office:document-content " NS " office:version=\"1.2\">"
	"<office:scripts><office:script script:language=\"ooo:Basic\"/></office:scripts>"
	"<office:body><office:text>"
	"<office:forms><form:form><form:button form:name=\"b\"><office:event-listeners>"
	"<script:event-listener script:event-name=\"dom:click\" xlink:href=\"vnd.sun.star.script:Standard.Module1.Evil?language=Basic\"/>"
	"</office:event-listeners></form:button></form:form></office:forms>"
	"<text:p>Kept paragraph.</text:p>"
	"<text:p>See <text:a xlink:href=\"http://evil.example/\">the link text</text:a> and "
	"<text:a xlink:href=\"#Top\">an anchor</text:a>.</text:p>"
	"<text:p><draw:frame draw:name=\"remote\"><draw:image xlink:href=\"http://evil.example/track.png\"/></draw:frame></text:p>"
	"<text:p><draw:frame draw:name=\"Object 1\"><draw:object xlink:href=\"./Object 1\"/>"
	"<draw:image xlink:href=\"./ObjectReplacements/Object 1\"/></draw:frame></text:p>"
	"<text:p><draw:frame draw:name=\"pic\"><draw:image xlink:href=\"Pictures/1.gif\"/></draw:frame></text:p>"
	"<text:section text:name=\"S\"><text:section-source xlink:href=\"file:///etc/passwd\"/>"
	"<text:p>Section text.</text:p></text:section>"
	"<text:p><text:execute-macro text:name=\"Evil\">Macro field text</text:execute-macro></text:p>"
	"<table:table table:name=\"T\"><table:table-row>"
	"<table:table-cell table:formula=\"of:=WEBSERVICE(&quot;http://evil.example/&quot;)\" office:value-type=\"string\"><text:p>cached</text:p></table:table-cell>"
	"<table:table-cell table:formula=\"of:=SUM([.A1])\" office:value-type=\"float\" office:value=\"3\"><text:p>3</text:p></table:table-cell>"
	"</table:table-row></table:table>"
	"</office:text></office:body></office:document-content>";

static const unsigned char gif1[] = {
	'G', 'I', 'F', '8', '9', 'a', 1, 0, 1, 0, 0x80, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff,
	0x21, 0xf9, 4, 1, 0, 0, 0, 0, 0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0, 2, 2, 0x44, 1, 0, 0x3b,
};

static unsigned char *evil_odt(size_t *len, const char *mime, const char *man, const char *body)
{
	entry e[] = {
		{ "mimetype", mime, 0 },
		{ "META-INF/manifest.xml", man, 0 },
		{ "content.xml", body, 0 },
		{ "Basic/Standard/Module1.xml", "<script:module/>", 0 },
		{ "Scripts/python/evil.py", "import os", 0 },
		{ "Configurations2/accelerator/current.xml", "<x/>", 0 },
		{ "META-INF/documentsignatures.xml", "<x/>", 0 },
		{ "Object 1/content.xml", "<x/>", 0 },
		{ "ObjectReplacements/Object 1", "GIF89a", 0 },
		{ "Pictures/1.gif", (const char *)gif1, sizeof(gif1) },
	};

	return tu_make_zip(e, sizeof(e) / sizeof(e[0]), len);
}

START_TEST(filter_is_registered)
{
	ck_assert_ptr_eq(mg_filter_for(MG_FAM_ODF), &mg_filter_odf);
	ck_assert_ptr_eq(mg_filter_for(MG_FAM_IMAGE), &mg_filter_image);
}
END_TEST

START_TEST(corpus_odt_loses_embedding)
{
	mg_result res;
	char *names, *body, *man;

	ck_assert_int_eq(tu_sanitize_corpus("office/embedded-simple-2007.odt", MG_MODE_DEFAULT, &res),
	                 MG_OK);
	ck_assert_str_eq(res.out_ext, "odt");
	ck_assert_str_eq(res.out_type, ODT);
	assert_mimetype_first(res.out, res.out_len, ODT);
	names = tu_zip_names(res.out, res.out_len);
	ck_assert_msg(!strstr(names, "Object"), "%s", names);
	body = tu_zip_get(res.out, res.out_len, "content.xml", NULL);
	ck_assert_ptr_null(strstr(body, "draw:object"));
	ck_assert_ptr_null(strstr(body, "Object 1"));
	ck_assert_ptr_nonnull(strstr(body, "This document contains an embedded file:"));
	ck_assert_ptr_nonnull(strstr(body, "Have fun parsing it"));
	man = tu_zip_get(res.out, res.out_len, "META-INF/manifest.xml", NULL);
	ck_assert_ptr_null(strstr(man, "Object"));
	ck_assert_ptr_nonnull(strstr(man, "content.xml"));
	ck_assert(report_has(&res, "embedded object"));
	free(names);
	free(body);
	free(man);
	mg_result_free(&res);
}
END_TEST

START_TEST(generated_odt_disarmed)
{
	size_t len;
	unsigned char *zip = evil_odt(&len, ODT, manifest, content);
	mg_result res;
	char *names, *body, *man;

	ck_assert_msg(tu_sanitize(zip, len, "evil.odt", MG_MODE_DEFAULT, &res) == MG_OK, "%s",
	              res.reason);
	assert_mimetype_first(res.out, res.out_len, ODT);
	names = tu_zip_names(res.out, res.out_len);
	/* the GIF re-encoded as a PNG is renamed, its references with it */
	ck_assert_str_eq(names, "mimetype\nMETA-INF/manifest.xml\ncontent.xml\nPictures/1.png\n");
	body = tu_zip_get(res.out, res.out_len, "content.xml", NULL);
	ck_assert_ptr_null(strstr(body, "office:scripts"));
	ck_assert_ptr_null(strstr(body, "event-listener"));
	ck_assert_ptr_null(strstr(body, "vnd.sun.star.script"));
	ck_assert_ptr_null(strstr(body, "evil.example"));
	ck_assert_ptr_null(strstr(body, "draw:object"));
	ck_assert_ptr_null(strstr(body, "ObjectReplacements"));
	ck_assert_ptr_null(strstr(body, "section-source"));
	ck_assert_ptr_null(strstr(body, "/etc/passwd"));
	ck_assert_ptr_null(strstr(body, "execute-macro"));
	ck_assert_ptr_null(strstr(body, "WEBSERVICE"));
	ck_assert_ptr_nonnull(strstr(body, "of:=SUM([.A1])"));
	ck_assert_ptr_nonnull(strstr(body, "<text:p>cached</text:p>"));
	ck_assert_ptr_nonnull(strstr(body, "See the link text and <text:a xlink:href=\"#Top\">"));
	ck_assert_ptr_nonnull(strstr(body, "Section text."));
	ck_assert_ptr_nonnull(strstr(body, "Macro field text"));
	ck_assert_ptr_nonnull(strstr(body, "xlink:href=\"Pictures/1.png\""));
	ck_assert_ptr_null(strstr(body, "Pictures/1.gif"));
	ck_assert_ptr_nonnull(strstr(body, "form:button"));
	man = tu_zip_get(res.out, res.out_len, "META-INF/manifest.xml", NULL);
	ck_assert_ptr_null(strstr(man, "Basic"));
	ck_assert_ptr_nonnull(strstr(man, "manifest:version=\"1.2\""));
	ck_assert_ptr_nonnull(
		strstr(man, "manifest:full-path=\"Pictures/1.png\" manifest:media-type=\"image/png\""));
	ck_assert(report_has(&res, "Basic/Standard/Module1.xml"));
	ck_assert(report_has(&res, "Scripts/python/evil.py"));
	ck_assert(report_has(&res, "digital signature"));
	ck_assert(report_has(&res, "UI configuration"));
	free(names);
	free(body);
	free(man);
	free(zip);
	mg_result_free(&res);
}
END_TEST

START_TEST(encrypted_and_unknown_types_blocked)
{
	size_t len;
	unsigned char *zip = evil_odt(&len, ODT, encrypted_manifest, content);
	mg_result res;

	ck_assert_int_eq(tu_sanitize(zip, len, "e.odt", MG_MODE_DEFAULT, &res), MG_E_ENCRYPTED);
	ck_assert_ptr_null(res.out);
	mg_result_free(&res);
	free(zip);
	zip = evil_odt(&len, "application/vnd.oasis.opendocument.base", manifest, content);
	ck_assert_int_eq(tu_sanitize(zip, len, "e.odb", MG_MODE_DEFAULT, &res), MG_E_TYPE_BLOCKED);
	mg_result_free(&res);
	free(zip);
	zip = evil_odt(&len, ODT, manifest,
	               "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><x>&e;</x>");
	ck_assert_int_eq(tu_sanitize(zip, len, "e.odt", MG_MODE_DEFAULT, &res), MG_E_MALFORMED);
	ck_assert_ptr_nonnull(strstr(res.reason, "DOCTYPE"));
	mg_result_free(&res);
	free(zip);
	{
		entry e[] = { { "mimetype", ODT, 0 }, { "META-INF/manifest.xml", manifest, 0 } };

		zip = tu_make_zip(e, 2, &len);
		ck_assert_int_eq(tu_sanitize(zip, len, "e.odt", MG_MODE_DEFAULT, &res), MG_E_MALFORMED);
		ck_assert_ptr_nonnull(strstr(res.reason, "content.xml"));
		mg_result_free(&res);
		free(zip);
	}
}
END_TEST

START_TEST(text_mode)
{
	static const char sheet[] =
		"<office:document-content " NS "><office:body><office:spreadsheet>"
		"<table:table table:name=\"S\"><table:table-row>"
		"<table:table-cell><text:p>a1</text:p></table:table-cell>"
		"<table:table-cell><text:p>b<text:s text:c=\"2\"/>1</text:p></table:table-cell>"
		"</table:table-row><table:table-row><table:table-cell><text:p>a2</text:p></table:table-cell>"
		"</table:table-row></table:table></office:spreadsheet></office:body></office:document-content>";
	size_t len;
	unsigned char *zip = evil_odt(&len, ODS, manifest, sheet);
	mg_result res;

	ck_assert_int_eq(tu_sanitize(zip, len, "t.ods", MG_MODE_TEXT, &res), MG_OK);
	ck_assert_str_eq(res.out_ext, "txt");
	ck_assert_str_eq((const char *)res.out, "a1 \tb  1 \na2 \n");
	mg_result_free(&res);
	free(zip);
	ck_assert_int_eq(tu_sanitize_corpus("office/embedded-simple-2007.odt", MG_MODE_TEXT, &res),
	                 MG_OK);
	ck_assert_str_eq((const char *)res.out,
	                 "This document contains an embedded file:\n\nHave fun parsing it \xef\x81\x8a\n");
	mg_result_free(&res);
}
END_TEST

Suite *mugai_suite(void)
{
	Suite *s = suite_create("odf");
	TCase *tc = tcase_create("odf");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, filter_is_registered);
	tcase_add_test(tc, corpus_odt_loses_embedding);
	tcase_add_test(tc, generated_odt_disarmed);
	tcase_add_test(tc, encrypted_and_unknown_types_blocked);
	tcase_add_test(tc, text_mode);
	suite_add_tcase(s, tc);
	return s;
}
