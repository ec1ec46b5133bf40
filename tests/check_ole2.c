/* check_ole2.c - legacy Word, Excel and PowerPoint to text: the corpus,
 * and compound files written here with libgsf to reach every branch. */
#include <check.h>
#include <glib.h>
#include <gsf/gsf.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "testutil.h"

/* referenced so that the filter is linked into this program */
extern const mg_filter mg_filter_ole2;

/* ---- building compound files ---- */

typedef struct stream {
	const char *path;      /* "Macros/VBA/dir": storages are made on the way */
	const unsigned char *data;
	size_t len;
} stream;

static GsfOutfile *storage(GsfOutfile *root, GHashTable *made, const char *dir)
{
	GsfOutfile *parent = root, *s;
	char *copy = g_strdup(dir), *slash = strrchr(copy, '/');

	if (!*dir) {
		g_free(copy);
		return root;
	}
	if ((s = g_hash_table_lookup(made, dir))) {
		g_free(copy);
		return s;
	}
	if (slash) {
		*slash = 0;
		parent = storage(root, made, copy);
	}
	s = GSF_OUTFILE(gsf_outfile_new_child(parent, slash ? slash + 1 : copy, TRUE));
	g_hash_table_insert(made, g_strdup(dir), s);
	g_free(copy);
	return s;
}

static gint deeper_first(gconstpointer a, gconstpointer b)
{
	return (gint)strlen(b) - (gint)strlen(a);
}

static unsigned char *make_ole(const stream *st, size_t n, size_t *len)
{
	GsfOutput *mem = gsf_output_memory_new();
	GsfOutfile *root = gsf_outfile_msole_new(mem);
	GHashTable *made = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_object_unref);
	unsigned char *out;

	for (size_t i = 0; i < n; i++) {
		char *dir = g_path_get_dirname(st[i].path), *base = g_path_get_basename(st[i].path);
		GsfOutput *s = gsf_outfile_new_child(storage(root, made, strcmp(dir, ".") ? dir : ""),
		                                     base, FALSE);

		ck_assert(gsf_output_write(s, st[i].len, st[i].data));
		gsf_output_close(s);
		g_object_unref(s);
		g_free(dir);
		g_free(base);
	}
	/* storages close before the storage that holds them */
	{
		GList *keys = g_list_sort(g_hash_table_get_keys(made), deeper_first);

		for (GList *k = keys; k; k = k->next)
			gsf_output_close(GSF_OUTPUT(g_hash_table_lookup(made, k->data)));
		g_list_free(keys);
	}
	gsf_output_close(GSF_OUTPUT(root));
	g_object_unref(root);
	if (!gsf_output_is_closed(mem))
		gsf_output_close(mem);
	*len = (size_t)gsf_output_size(mem);
	out = g_memdup2(gsf_output_memory_get_bytes(GSF_OUTPUT_MEMORY(mem)), *len);
	g_object_unref(mem);
	g_hash_table_destroy(made);
	return out;
}

static void le16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static void le32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* A UTF-8 string as UTF-16LE code units at p; returns the unit count. */
static size_t utf16(unsigned char *p, const char *s)
{
	glong n = 0;
	gunichar2 *u = g_utf8_to_utf16(s, -1, NULL, &n, NULL);

	for (glong i = 0; i < n; i++)
		le16(p + 2 * i, u[i]);
	g_free(u);
	return (size_t)n;
}

/* ---- Word: a FIB, one UTF-16 piece and one 8-bit piece ---- */

#define WORD_TEXT1 "Hello \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\r\x13 DDEAUTO c:\\\\cmd.exe \x14result\x15\rcell\x07"
#define WORD_TEXT2 "Caf\xe9\r"

static unsigned char *make_doc(size_t *len, unsigned flags, bool with_objects, uint32_t fc1)
{
	static unsigned char doc[4096], table[64];
	size_t n1, n2 = strlen(WORD_TEXT2);
	stream st[] = {
		{ "WordDocument", doc, sizeof(doc) },
		{ "1Table", table, sizeof(table) },
		{ "ObjectPool/_1234/\001Ole10Native", (const unsigned char *)"MZ payload", 10 },
		{ "Macros/VBA/dir", (const unsigned char *)"vba", 3 },
	};

	memset(doc, 0, sizeof(doc));
	memset(table, 0, sizeof(table));
	le16(doc, 0xA5EC);
	le16(doc + 2, 0x00C1);
	le16(doc + 10, 0x0200 | flags);      /* fWhichTblStm: 1Table */
	le16(doc + 32, 14);                   /* csw */
	le16(doc + 62, 22);                   /* cslw */
	le16(doc + 152, 0x5D);                /* cbRgFcLcb */
	n1 = utf16(doc + 1024, WORD_TEXT1);
	memcpy(doc + 3000, WORD_TEXT2, n2);
	le32(doc + 64 + 12, (uint32_t)(n1 + n2)); /* ccpText */
	le32(doc + 154 + 33 * 8, 0);           /* fcClx */
	le32(doc + 154 + 33 * 8 + 4, 5 + 28);  /* lcbClx */
	table[0] = 0x02;
	le32(table + 1, 28);
	le32(table + 5, 0);
	le32(table + 9, (uint32_t)n1);
	le32(table + 13, (uint32_t)(n1 + n2));
	le32(table + 17 + 2, fc1);                        /* UTF-16 piece */
	le32(table + 25 + 2, (3000 * 2) | 0x40000000u);   /* compressed piece */
	return make_ole(st, with_objects ? 4 : 2, len);
}

/* ---- Excel: globals with a sheet and a macro sheet, an SST whose second
 * string breaks across a CONTINUE record, a worksheet, a macro sheet ---- */

static size_t rec(unsigned char *p, unsigned type, const unsigned char *d, size_t len)
{
	le16(p, type);
	le16(p + 2, (unsigned)len);
	memcpy(p + 4, d, len);
	return 4 + len;
}

static unsigned char *make_xls(size_t *len, bool encrypted)
{
	static unsigned char wb[1024];
	unsigned char bof[16] = { 0 }, d[64], *p = wb;
	size_t sheet_pos, macro_pos, bs1, bs2;
	stream st[] = { { "Workbook", wb, 0 } };

	memset(wb, 0, sizeof(wb));
	le16(bof, 0x0600);
	le16(bof + 2, 0x0005);
	p += rec(p, 0x0809, bof, 16);
	if (encrypted)
		p += rec(p, 0x002F, (const unsigned char *)"\x01\x00\x01\x00", 4);
	memset(d, 0, sizeof(d));
	memcpy(d + 6, "\x06\x00Sheet1", 8);
	bs1 = (size_t)(p - wb);
	p += rec(p, 0x0085, d, 14);
	d[5] = 1;
	memcpy(d + 6, "\x06\x00Macro1", 8);
	bs2 = (size_t)(p - wb);
	p += rec(p, 0x0085, d, 14);
	/* Auto_Open: fBuiltin, cch 1, the name 0x01 */
	memset(d, 0, sizeof(d));
	le16(d, 0x0020);
	d[3] = 1;
	d[15] = 0x01;
	p += rec(p, 0x0018, d, 16);
	/* SST: "Hello", then a wide string cut after its first character */
	memset(d, 0, sizeof(d));
	le32(d, 2);
	le32(d + 4, 2);
	memcpy(d + 8, "\x05\x00\x00Hello", 8);
	memcpy(d + 16, "\x03\x00\x01", 3);
	le16(d + 19, 0x65E5); /* 日 */
	p += rec(p, 0x00FC, d, 21);
	d[0] = 0x01;          /* the rest is still wide */
	le16(d + 1, 0x672C);  /* 本 */
	le16(d + 3, 0x8A9E);  /* 語 */
	p += rec(p, 0x003C, d, 5);
	p += rec(p, 0x000A, d, 0);
	/* the worksheet */
	sheet_pos = (size_t)(p - wb);
	le16(bof + 2, 0x0010);
	p += rec(p, 0x0809, bof, 16);
	memset(d, 0, sizeof(d));
	p += rec(p, 0x00FD, d, 10);            /* A1: string 0 */
	le16(d + 2, 1);
	le32(d + 6, 1);
	p += rec(p, 0x00FD, d, 10);            /* B1: string 1 */
	memset(d, 0, sizeof(d));
	le16(d, 1);
	{
		double v = 3.5;

		memcpy(d + 6, &v, 8);
	}
	p += rec(p, 0x0203, d, 14);            /* A2: 3.5 */
	memset(d, 0, sizeof(d));
	le16(d, 1);
	le16(d + 2, 1);
	le32(d + 6, (7u << 2) | 2);
	p += rec(p, 0x027E, d, 10);            /* B2: 7 */
	p += rec(p, 0x000A, d, 0);
	/* the macro sheet: never read */
	macro_pos = (size_t)(p - wb);
	le16(bof + 2, 0x0040);
	p += rec(p, 0x0809, bof, 16);
	memset(d, 0, sizeof(d));
	memcpy(d + 6, "\x04\x00\x00" "EXEC", 7);
	p += rec(p, 0x0204, d, 13);
	p += rec(p, 0x000A, d, 0);
	le32(wb + bs1 + 4, (uint32_t)sheet_pos);
	le32(wb + bs2 + 4, (uint32_t)macro_pos);
	st[0].len = (size_t)(p - wb);
	return make_ole(st, 1, len);
}

/* ---- PowerPoint: a container with text atoms and a VBA container ---- */

static size_t ppt_rec(unsigned char *p, unsigned ver, unsigned type, size_t len)
{
	le16(p, ver);
	le16(p + 2, type);
	le32(p + 4, (uint32_t)len);
	return 8;
}

static unsigned char *make_ppt(size_t *len, bool encrypted)
{
	static unsigned char s[512];
	unsigned char *p = s + 8, *doc = s;
	size_t n;
	stream st[] = { { "PowerPoint Document", s, 0 } };

	memset(s, 0, sizeof(s));
	n = utf16(p + 8, "\xe3\x82\xbf\xe3\x82\xa4\xe3\x83\x88\xe3\x83\xab"); /* タイトル */
	p += ppt_rec(p, 0, 0x0FA0, 2 * n) + 2 * n;
	memcpy(p + 8, "Body\rline2", 10);
	p += ppt_rec(p, 0, 0x0FA8, 10) + 10;
	p += ppt_rec(p, 0x0F, 0x03FF, 8);     /* VbaInfoContainer */
	p += ppt_rec(p, 0, 0x0400, 0);
	if (encrypted)
		p += ppt_rec(p, 0x0F, 0x2F14, 0);
	ppt_rec(doc, 0x0F, 0x03E8, (size_t)(p - s) - 8);
	st[0].len = (size_t)(p - s);
	return make_ole(st, 1, len);
}

/* ---- helpers ---- */

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

/* Text artefacts are UTF-8 with no control character but tab and newline. */
static void assert_clean_text(const mg_result *res)
{
	ck_assert_str_eq(res->out_ext, "txt");
	ck_assert(g_utf8_validate((const char *)res->out, (gssize)res->out_len, NULL));
	for (size_t i = 0; i < res->out_len; i++)
		ck_assert_msg(res->out[i] >= 0x20 || res->out[i] == '\n' || res->out[i] == '\t',
		              "control byte %#x at %zu", res->out[i], i);
}

static void text_corpus(const char *rel, mg_result *res)
{
	ck_assert_msg(tu_sanitize_corpus(rel, MG_MODE_DEFAULT, res) == MG_OK, "%s: %s", rel,
	              res->reason);
	assert_clean_text(res);
}

/* ---- tests ---- */

START_TEST(filter_is_registered)
{
	ck_assert_ptr_eq(mg_filter_for(MG_FAM_OLE2), &mg_filter_ole2);
}
END_TEST

START_TEST(corpus_doc_text)
{
	mg_result res;

	text_corpus("office/harmless-clean.doc", &res);
	ck_assert_ptr_nonnull(strstr((const char *)res.out, "Test\n\nThis is a harmless test document.\n"));
	ck_assert_ptr_nonnull(strstr((const char *)res.out,
	                             "\xc3\xbcnic\xc3\xb6" "de-\xc3\x9ftring\xc3\x9f"));
	mg_result_free(&res);
	text_corpus("office/embedded-simple-2007.doc", &res);
	ck_assert_ptr_nonnull(strstr((const char *)res.out, "This document contains an embedded file:"));
	ck_assert_ptr_nonnull(strstr((const char *)res.out, "Have fun parsing it"));
	ck_assert_ptr_null(strstr((const char *)res.out, "EMBED"));
	ck_assert(report_has(&res, "ObjectPool"));
	ck_assert(report_has(&res, "EMBED Package"));
	mg_result_free(&res);
}
END_TEST

START_TEST(corpus_doc_objects_never_pass)
{
	static const char *const files[] = { "office/sample_with_calc_embedded.doc",
		                             "office/sample_with_lnk_file.doc" };

	for (size_t i = 0; i < 2; i++) {
		mg_result res;

		text_corpus(files[i], &res);
		ck_assert(report_has(&res, "embedded OLE objects (ObjectPool)"));
		ck_assert_ptr_null(strstr((const char *)res.out, ".exe"));
		ck_assert_ptr_null(strstr((const char *)res.out, ".lnk"));
		mg_result_free(&res);
	}
}
END_TEST

START_TEST(corpus_xls_macro_sheet_reported)
{
	mg_result res;

	text_corpus("office/excel4_sample_macro.xls", &res);
	ck_assert_ptr_nonnull(strstr((const char *)res.out, "[Sheet1]\n"));
	ck_assert_ptr_null(strstr((const char *)res.out, "Macro1"));
	ck_assert(report_has(&res, "Excel 4 macro sheet"));
	ck_assert(report_has(&res, "Auto_Open"));
	mg_result_free(&res);
}
END_TEST

START_TEST(corpus_ppt_text_and_vba)
{
	mg_result res;

	text_corpus("office/sample_with_vba.ppt", &res);
	ck_assert_ptr_nonnull(strstr((const char *)res.out, "PPT VBA TEST\n"));
	ck_assert(report_has(&res, "PowerPoint VBA project"));
	ck_assert(report_has(&res, "ExOleObjStg"));
	mg_result_free(&res);
}
END_TEST

START_TEST(encrypted_files)
{
	static const char *const files[] = { "office/encrypted.docx",
		                             "office/autostart-encrypt-standardpassword.xlsm" };
	size_t len;
	unsigned char *d;
	mg_result res;

	for (size_t i = 0; i < 2; i++) {
		ck_assert_int_eq(tu_sanitize_corpus(files[i], MG_MODE_DEFAULT, &res), MG_E_ENCRYPTED);
		ck_assert_ptr_null(res.out);
		mg_result_free(&res);
	}
	d = make_doc(&len, 0x0100, false, 1024); /* fEncrypted */
	ck_assert_int_eq(tu_sanitize(d, len, "e.doc", MG_MODE_DEFAULT, &res), MG_E_ENCRYPTED);
	mg_result_free(&res);
	g_free(d);
	d = make_doc(&len, 0x8000, false, 1024); /* fObfuscated (XOR) */
	ck_assert_int_eq(tu_sanitize(d, len, "e.doc", MG_MODE_DEFAULT, &res), MG_E_ENCRYPTED);
	mg_result_free(&res);
	g_free(d);
	d = make_xls(&len, true); /* FILEPASS */
	ck_assert_int_eq(tu_sanitize(d, len, "e.xls", MG_MODE_DEFAULT, &res), MG_E_ENCRYPTED);
	mg_result_free(&res);
	g_free(d);
	d = make_ppt(&len, true); /* CryptSession10Container */
	ck_assert_int_eq(tu_sanitize(d, len, "e.ppt", MG_MODE_DEFAULT, &res), MG_E_ENCRYPTED);
	mg_result_free(&res);
	g_free(d);
}
END_TEST

START_TEST(generated_doc_pieces_and_fields)
{
	size_t len;
	unsigned char *d = make_doc(&len, 0, true, 1024);
	mg_result res;

	ck_assert_msg(tu_sanitize(d, len, "g.doc", MG_MODE_DEFAULT, &res) == MG_OK, "%s", res.reason);
	assert_clean_text(&res);
	ck_assert_str_eq((const char *)res.out,
	                 "Hello \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\nresult\ncell\tCaf\xc3\xa9\n");
	ck_assert(report_has(&res, "DDEAUTO"));
	ck_assert(report_has(&res, "VBA macro project"));
	ck_assert(report_has(&res, "ObjectPool"));
	mg_result_free(&res);
	g_free(d);
}
END_TEST

START_TEST(generated_xls_cells)
{
	size_t len;
	unsigned char *d = make_xls(&len, false);
	mg_result res;

	ck_assert_msg(tu_sanitize(d, len, "g.xls", MG_MODE_DEFAULT, &res) == MG_OK, "%s", res.reason);
	assert_clean_text(&res);
	ck_assert_str_eq((const char *)res.out,
	                 "[Sheet1]\nHello\t\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\n3.5\t7\n\n");
	ck_assert(report_has(&res, "Excel 4 macro sheet"));
	ck_assert(report_has(&res, "Auto_Open"));
	mg_result_free(&res);
	g_free(d);
}
END_TEST

START_TEST(generated_ppt_text)
{
	size_t len;
	unsigned char *d = make_ppt(&len, false);
	mg_result res;

	ck_assert_msg(tu_sanitize(d, len, "g.ppt", MG_MODE_DEFAULT, &res) == MG_OK, "%s", res.reason);
	assert_clean_text(&res);
	ck_assert_str_eq((const char *)res.out,
	                 "\xe3\x82\xbf\xe3\x82\xa4\xe3\x83\x88\xe3\x83\xab\nBody\nline2\n");
	ck_assert(report_has(&res, "VBA project"));
	mg_result_free(&res);
	g_free(d);
}
END_TEST

START_TEST(damaged_and_unknown_blocked)
{
	static const unsigned char magic[] = { 0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1 };
	unsigned char junk[2048];
	stream other[] = { { "Foo", (const unsigned char *)"bar", 3 } };
	size_t len;
	unsigned char *d;
	mg_result res;

	memset(junk, 0x41, sizeof(junk));
	memcpy(junk, magic, sizeof(magic));
	ck_assert_int_ne(tu_sanitize(junk, sizeof(junk), "j.doc", MG_MODE_DEFAULT, &res), MG_OK);
	ck_assert_ptr_null(res.out);
	mg_result_free(&res);
	d = make_ole(other, 1, &len);
	ck_assert_int_eq(tu_sanitize(d, len, "o.doc", MG_MODE_DEFAULT, &res), MG_E_TYPE_BLOCKED);
	mg_result_free(&res);
	g_free(d);
	/* a piece pointing outside the WordDocument stream */
	d = make_doc(&len, 0, false, 0x3FFFFFF0u);
	ck_assert_int_eq(tu_sanitize(d, len, "p.doc", MG_MODE_DEFAULT, &res), MG_E_MALFORMED);
	ck_assert_ptr_nonnull(strstr(res.reason, "piece"));
	mg_result_free(&res);
	g_free(d);
}
END_TEST

START_TEST(block_policy)
{
	mg_policy *p = mg_policy_new();
	char *err = NULL, path[4096];
	size_t len;
	unsigned char *d;
	mg_result res;

	ck_assert_int_eq(mg_policy_set(p, "ole2", "block", &err), 0);
	snprintf(path, sizeof(path), "%s/office/harmless-clean.doc", CORPUS_DIR);
	d = tu_read(path, &len);
	ck_assert_int_eq(tu_sanitize_policy(p, d, len, "harmless-clean.doc", MG_MODE_DEFAULT, &res),
	                 MG_E_TYPE_BLOCKED);
	ck_assert_ptr_null(res.out);
	mg_result_free(&res);
	mg_policy_free(p);
	free(d);
}
END_TEST

Suite *mugai_suite(void)
{
	Suite *s = suite_create("ole2");
	TCase *tc = tcase_create("ole2");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, filter_is_registered);
	tcase_add_test(tc, corpus_doc_text);
	tcase_add_test(tc, corpus_doc_objects_never_pass);
	tcase_add_test(tc, corpus_xls_macro_sheet_reported);
	tcase_add_test(tc, corpus_ppt_text_and_vba);
	tcase_add_test(tc, encrypted_files);
	tcase_add_test(tc, generated_doc_pieces_and_fields);
	tcase_add_test(tc, generated_xls_cells);
	tcase_add_test(tc, generated_ppt_text);
	tcase_add_test(tc, damaged_and_unknown_blocked);
	tcase_add_test(tc, block_policy);
	suite_add_tcase(s, tc);
	return s;
}
