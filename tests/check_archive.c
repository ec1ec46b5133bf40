/* check_archive.c - the archive family: members sanitised and repacked, names, limits, bombs,
 * encryption, the corpus verdicts. */
#include <archive.h>
#include <archive_entry.h>
#include <check.h>
#include <gio/gio.h>
#include <jansson.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive_priv.h"
#include "internal.h"
#include "testutil.h"

/* The archive filter is called directly too, and the text filter is the
 * members' family. */
extern const mg_filter mg_filter_archive;
extern const mg_filter mg_filter_text;

/* ---- archives made at run time ---- */

typedef struct tm_member {
	const char *name;   /* raw bytes as stored */
	const void *data;
	size_t len;
	unsigned type;      /* AE_IF*, 0 = regular file */
	const char *link;   /* symlink target, or hardlink target with type 0 */
} tm_member;

#define TXT(name, s) { name, s, sizeof(s) - 1, 0, NULL }

static la_ssize_t buf_write(struct archive *a, void *user, const void *b, size_t n)
{
	(void)a;
	return mg_buf_append(user, b, n) < 0 ? -1 : (la_ssize_t)n;
}

static unsigned char *build(int format, int filter, const char *options, const char *passphrase,
                            const tm_member *m, size_t n, size_t *len)
{
	struct archive *a = archive_write_new();
	mg_buf b;

	mg_buf_init(&b, 1u << 30);
	ck_assert_int_eq(archive_write_set_format(a, format), ARCHIVE_OK);
	if (filter != ARCHIVE_FILTER_NONE)
		ck_assert_int_eq(archive_write_add_filter(a, filter), ARCHIVE_OK);
	if (options)
		ck_assert_msg(archive_write_set_options(a, options) == ARCHIVE_OK, "%s",
		              archive_error_string(a));
	if (passphrase)
		ck_assert_int_eq(archive_write_set_passphrase(a, passphrase), ARCHIVE_OK);
	archive_write_set_bytes_in_last_block(a, 1);
	ck_assert_int_eq(archive_write_open2(a, &b, NULL, buf_write, NULL, NULL), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();
		unsigned type = m[i].type ? m[i].type : AE_IFREG;

		archive_entry_copy_pathname(e, m[i].name);
		archive_entry_set_filetype(e, type);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_mtime(e, 1700000000, 0);
		if (type == AE_IFLNK)
			archive_entry_copy_symlink(e, m[i].link);
		else if (m[i].link)
			archive_entry_copy_hardlink(e, m[i].link);
		archive_entry_set_size(e, type == AE_IFREG && !m[i].link ? (la_int64_t)m[i].len : 0);
		ck_assert_msg(archive_write_header(a, e) >= ARCHIVE_WARN, "%s", archive_error_string(a));
		if (type == AE_IFREG && !m[i].link && m[i].len)
			ck_assert_int_eq(archive_write_data(a, m[i].data, m[i].len), (la_ssize_t)m[i].len);
		archive_entry_free(e);
	}
	ck_assert_int_eq(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	return mg_buf_steal(&b, len);
}

static unsigned char *build_zip(const tm_member *m, size_t n, size_t *len)
{
	return build(ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE, NULL, NULL, m, n, len);
}

/* ---- sanitised zips read back ---- */

typedef struct tm_entry {
	char *name;
	unsigned char *data;
	size_t len;
} tm_entry;

typedef struct tm_list {
	tm_entry e[64];
	size_t n;
} tm_list;

/* Reads every member of a zip (names as UTF-8, whatever the test's locale). */
static void unzip_all(const unsigned char *d, size_t len, tm_list *l)
{
	locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0), old;
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	int rc;

	ck_assert_ptr_nonnull(utf8);
	old = uselocale(utf8);
	memset(l, 0, sizeof(*l));
	archive_read_support_format_zip_seekable(a);
	ck_assert_int_eq(archive_read_open_memory(a, d, len), ARCHIVE_OK);
	while ((rc = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		tm_entry *t = &l->e[l->n++];
		mg_buf b;
		char block[8192];
		la_ssize_t k;

		ck_assert_uint_lt(l->n, 64);
		t->name = strdup(archive_entry_pathname_utf8(e));
		mg_buf_init(&b, 1u << 28);
		while ((k = archive_read_data(a, block, sizeof(block))) > 0)
			ck_assert_int_eq(mg_buf_append(&b, block, (size_t)k), 0);
		ck_assert_int_eq(k, 0);
		t->len = b.len;
		t->data = b.data ? mg_buf_steal(&b, &t->len) : (unsigned char *)strdup("");
	}
	ck_assert_int_eq(rc, ARCHIVE_EOF);
	archive_read_free(a);
	uselocale(old);
	freelocale(utf8);
}

static void list_free(tm_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->e[i].name);
		free(l->e[i].data);
	}
	l->n = 0;
}

static const tm_entry *find(const tm_list *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->e[i].name, name) == 0)
			return &l->e[i];
	return NULL;
}

static void assert_names(const tm_list *l, const char *const *want, size_t n)
{
	ck_assert_msg(l->n == n, "%zu members, want %zu (first: %s)", l->n, n,
	              l->n ? l->e[0].name : "-");
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(find(l, want[i]) != NULL, "no member named '%s'", want[i]);
}

static mg_status with_policy(const char *key, const char *value, const void *d, size_t len,
                             const char *name, mg_result *res)
{
	mg_policy *p = mg_policy_new();
	char *err = NULL;
	mg_status st;

	ck_assert_msg(mg_policy_set(p, key, value, &err) == 0, "%s", err);
	st = tu_sanitize_policy(p, d, len, name, MG_MODE_DEFAULT, res);
	mg_policy_free(p);
	return st;
}

/* Runs the filter itself (no detection in front), deadline seconds from
 * now; the artefact is unpacked into *l when l is given. */
static mg_status run_filter(const void *d, size_t len, const char *name, double deadline,
                            char *reason, size_t rlen, tm_list *l)
{
	mg_policy *p = mg_policy_new();
	magic_t m = magic_open(MAGIC_NONE);
	mg_item item = { d, len, name, NULL, { 0 } };
	mg_ctx ctx = { 0 };
	mg_out out;
	mg_status st;

	ck_assert_int_eq(magic_load(m, NULL), 0);
	ctx.policy = p;
	ctx.magic = m;
	ctx.deadline = mg_now() + deadline;
	ctx.report = mg_report_new(NULL, &item);
	mg_out_init(&out, p->max_output);
	st = mg_filter_archive.run(&ctx, &item, MG_ACT_RECURSE, &out);
	snprintf(reason, rlen, "%s", ctx.reason);
	ck_assert_ptr_null(ctx.unpacked);
	if (l && st == MG_OK)
		unzip_all(out.data.data, out.data.len, l);
	mg_out_free(&out);
	json_decref(ctx.report);
	magic_close(m);
	mg_policy_free(p);
	return st;
}

/* ---- a clean archive ---- */

START_TEST(registered)
{
	ck_assert_ptr_eq(mg_filter_for(MG_FAM_ARCHIVE), &mg_filter_archive);
	ck_assert_ptr_eq(mg_filter_for(MG_FAM_TEXT), &mg_filter_text);
	ck_assert_str_eq(mg_filter_archive.name, "archive");
	ck_assert_uint_eq(mg_filter_archive.actions, 1u << MG_ACT_RECURSE);
}
END_TEST

START_TEST(clean_zip_members_sanitised)
{
	const tm_member m[] = {
		TXT("notes.txt", "meeting at ten\n"),
		TXT("data/table.csv", "item,count\nrice,3\n=1+2,4\n"),
		{ "data/", NULL, 0, AE_IFDIR, NULL },
	};
	const char *const want[] = { "notes.txt", "data/table.csv" };
	size_t len;
	unsigned char *zip = build_zip(m, 3, &len);
	mg_result res;
	tm_list l;
	const tm_entry *csv;
	json_t *root, *children;

	ck_assert_int_eq(tu_sanitize(zip, len, "bundle.zip", MG_MODE_DEFAULT, &res), MG_OK);
	ck_assert_str_eq(res.out_type, "application/zip");
	ck_assert_str_eq(res.out_ext, "zip");
	unzip_all(res.out, res.out_len, &l);
	assert_names(&l, want, 2);
	ck_assert(tu_contains(find(&l, "notes.txt")->data, find(&l, "notes.txt")->len,
	                      "meeting at ten"));
	csv = find(&l, "data/table.csv");
	ck_assert(tu_contains(csv->data, csv->len, "rice,3"));
	/* the member went through the text family: the formula is defanged */
	ck_assert(tu_contains(csv->data, csv->len, "'=1+2,4"));
	ck_assert(!tu_contains(csv->data, csv->len, "\n=1+2"));
	root = json_loads(res.report_json, 0, NULL);
	children = json_object_get(root, "children");
	ck_assert_uint_eq(json_array_size(children), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(children, 1),
	                                                   "stored_as")), "data/table.csv");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(
		json_array_get(children, 0), "detected"), "family")), "text");
	json_decref(root);
	list_free(&l);
	mg_result_free(&res);
	free(zip);
}
END_TEST

START_TEST(formats_unpacked_and_rebuilt_as_zip)
{
	static const struct { int format, filter; const char *name; } cases[] = {
		{ ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_NONE, "a.tar" },
		{ ARCHIVE_FORMAT_TAR_USTAR, ARCHIVE_FILTER_GZIP, "a.tar.gz" },
		{ ARCHIVE_FORMAT_TAR_USTAR, ARCHIVE_FILTER_BZIP2, "a.tar.bz2" },
		{ ARCHIVE_FORMAT_TAR_USTAR, ARCHIVE_FILTER_XZ, "a.tar.xz" },
		{ ARCHIVE_FORMAT_TAR_USTAR, ARCHIVE_FILTER_ZSTD, "a.tar.zst" },
		{ ARCHIVE_FORMAT_CPIO_POSIX, ARCHIVE_FILTER_GZIP, "a.cpio.gz" },
		{ ARCHIVE_FORMAT_7ZIP, ARCHIVE_FILTER_NONE, "a.7z" },
	};
	const tm_member m[] = { TXT("docs/readme.txt", "read me first\n"),
		                TXT("list.txt", "one\ntwo\n") };
	const char *const want[] = { "docs/readme.txt", "list.txt" };

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len;
		unsigned char *d = build(cases[i].format, cases[i].filter, NULL, NULL, m, 2, &len);
		mg_result res;
		tm_list l;

		ck_assert_msg(tu_sanitize(d, len, cases[i].name, MG_MODE_DEFAULT, &res) == MG_OK,
		              "%s: %s", cases[i].name, res.reason);
		unzip_all(res.out, res.out_len, &l);
		assert_names(&l, want, 2);
		ck_assert(tu_contains(find(&l, "list.txt")->data, find(&l, "list.txt")->len,
		                      "one\ntwo\n"));
		list_free(&l);
		mg_result_free(&res);
		free(d);
	}
}
END_TEST

/* Nothing to unpack: an empty zip, as every unzip tool reads it. */
START_TEST(empty_archives_give_empty_zip)
{
	const tm_member dirs[] = { { "only/", NULL, 0, AE_IFDIR, NULL },
		                   { "only/dirs/", NULL, 0, AE_IFDIR, NULL } };
	size_t len;
	unsigned char *d = build_zip(NULL, 0, &len);
	char reason[512];
	mg_result res;

	ck_assert_uint_eq(len, 22);
	ck_assert_int_eq(run_filter(d, len, "empty.zip", 60, reason, sizeof(reason), NULL), MG_OK);
	free(d);
	d = build_zip(dirs, 2, &len);
	ck_assert_int_eq(tu_sanitize(d, len, "dirs.zip", MG_MODE_DEFAULT, &res), MG_OK);
	ck_assert_uint_eq(res.out_len, 22);
	ck_assert_int_eq(memcmp(res.out, "PK\5\6", 4), 0);
	mg_result_free(&res);
	free(d);
}
END_TEST

/* lzip, straight to the filter (detection is not what is tested here). */
START_TEST(lzip_unpacked)
{
	const tm_member m[] = { TXT("docs/readme.txt", "read me first\n") };
	const char *const want[] = { "docs/readme.txt" };
	size_t len;
	unsigned char *d = build(ARCHIVE_FORMAT_TAR_USTAR, ARCHIVE_FILTER_LZIP, NULL, NULL, m, 1,
	                         &len);
	char reason[512];
	tm_list l;

	ck_assert_int_eq(run_filter(d, len, "a.tar.lz", 60, reason, sizeof(reason), &l), MG_OK);
	assert_names(&l, want, 1);
	ck_assert(tu_contains(l.e[0].data, l.e[0].len, "read me first"));
	list_free(&l);
	free(d);
}
END_TEST

/* A plain compressed file: its content, sanitised, is the zip's one member. */
START_TEST(single_compressed_stream_becomes_one_member)
{
	static const struct { int filter; const char *name, *member; } cases[] = {
		{ ARCHIVE_FILTER_GZIP, "sales.csv.gz", "sales.csv" },
		{ ARCHIVE_FILTER_BZIP2, "notes.txt.bz2", "notes.txt" },
		{ ARCHIVE_FILTER_XZ, "notes.txt.xz", "notes.txt" },
		{ ARCHIVE_FILTER_ZSTD, "notes.txt.zst", "notes.txt" },
		{ ARCHIVE_FILTER_GZIP, NULL, "data.csv" }, /* no name: typed by content */
	};
	const tm_member m[] = { TXT("x", "region,total\nkanto,10\n@SUM(A1),1\n") };

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len;
		unsigned char *d = build(ARCHIVE_FORMAT_RAW, cases[i].filter, NULL, NULL, m, 1, &len);
		mg_result res;
		tm_list l;
		const tm_entry *t;

		ck_assert_msg(tu_sanitize(d, len, cases[i].name, MG_MODE_DEFAULT, &res) == MG_OK,
		              "%s: %s", cases[i].member, res.reason);
		unzip_all(res.out, res.out_len, &l);
		ck_assert_uint_eq(l.n, 1);
		t = find(&l, cases[i].member);
		ck_assert_msg(t != NULL, "%s: member is '%s'", cases[i].member, l.e[0].name);
		ck_assert(tu_contains(t->data, t->len, "kanto,10"));
		ck_assert(tu_contains(t->data, t->len, "'@SUM(A1),1"));
		list_free(&l);
		mg_result_free(&res);
		free(d);
	}
}
END_TEST

/* ---- gzip is CRC-checked, and nothing may hide after it ---- */

START_TEST(gzip_damage_is_malformed)
{
	const tm_member m[] = { TXT("x", "a line of text that is long enough to compress\n") };
	size_t len;
	unsigned char *gz = build(ARCHIVE_FORMAT_RAW, ARCHIVE_FILTER_GZIP, NULL, NULL, m, 1, &len);
	unsigned char *copy = malloc(len + 64);
	mg_result res;

	/* a wrong CRC in the trailer */
	memcpy(copy, gz, len);
	copy[len - 8] ^= 0x55;
	ck_assert_int_eq(tu_sanitize(copy, len, "a.txt.gz", MG_MODE_DEFAULT, &res), MG_E_MALFORMED);
	ck_assert_ptr_nonnull(strstr(res.reason, "CRC"));
	mg_result_free(&res);
	/* cut short */
	ck_assert_int_eq(tu_sanitize(gz, len - 12, "a.txt.gz", MG_MODE_DEFAULT, &res),
	                 MG_E_MALFORMED);
	mg_result_free(&res);
	/* something after the stream */
	memcpy(copy, gz, len);
	memcpy(copy + len, "MZ hidden program", 17);
	ck_assert_int_eq(tu_sanitize(copy, len + 17, "a.txt.gz", MG_MODE_DEFAULT, &res),
	                 MG_E_MALFORMED);
	ck_assert_ptr_nonnull(strstr(res.reason, "after the end"));
	mg_result_free(&res);
	/* zero padding (tape blocking) is not content */
	memcpy(copy, gz, len);
	memset(copy + len, 0, 64);
	ck_assert_int_eq(tu_sanitize(copy, len + 64, "a.txt.gz", MG_MODE_DEFAULT, &res), MG_OK);
	mg_result_free(&res);
	free(copy);
	free(gz);
}
END_TEST

/* ---- names ---- */

START_TEST(hostile_names_made_safe)
{
	const tm_member m[] = {
		TXT("../../etc/passwd.txt", "1\n"),
		TXT("/abs/x.txt", "2\n"),
		TXT("C:\\Windows\\y.txt", "3\n"),
		TXT("a/./b/../c.txt", "4\n"),
		TXT("ctl\x01\x1b[31m.txt", "5\n"),
		TXT("CON.txt", "6\n"),
		TXT("dup.txt", "7\n"),
		TXT("DUP.txt", "8\n"),
		TXT("invoice\xe2\x80\xaetxt.exe.txt", "9\n"),
		TXT("trail.txt. ", "10\n"),
		TXT("q?<x>.txt", "11\n"),
		TXT("..", "12\n"),
	};
	const char *const want[] = {
		"etc/passwd.txt", "abs/x.txt", "Windows/y.txt", "a/b/c.txt", "ctl[31m.txt",
		"_CON.txt", "dup.txt", "DUP (2).txt", "invoicetxt.exe.txt", "trail.txt", "q__x_.txt",
		"item.txt",
	};
	size_t len;
	unsigned char *zip = build_zip(m, sizeof(m) / sizeof(m[0]), &len);
	mg_result res;
	tm_list l;

	ck_assert_int_eq(tu_sanitize(zip, len, "names.zip", MG_MODE_DEFAULT, &res), MG_OK);
	unzip_all(res.out, res.out_len, &l);
	assert_names(&l, want, sizeof(want) / sizeof(want[0]));
	ck_assert(tu_contains(find(&l, "DUP (2).txt")->data, find(&l, "DUP (2).txt")->len, "8"));
	ck_assert(tu_report_has(&res, "findings", "'../../etc/passwd.txt' stored as 'etc/passwd.txt'"));
	ck_assert(tu_report_has(&res, "findings", "absolute path"));
	ck_assert(tu_report_has(&res, "findings", "control or bidirectional"));
	list_free(&l);
	mg_result_free(&res);
	free(zip);
}
END_TEST

START_TEST(safe_path_units)
{
	static const struct { const char *in, *out; unsigned fixes; } cases[] = {
		{ "a/b.txt", "a/b.txt", 0 },
		{ "..\\..\\x.txt", "x.txt", MG_NAME_DOTDOT },
		{ "//server/share/x", "server/share/x", MG_NAME_ABSOLUTE },
		{ "nul", "_nul", MG_NAME_RESERVED },
		{ "LPT1.log", "_LPT1.log", MG_NAME_RESERVED },
		{ "ok/ . /x", "ok/x", MG_NAME_DOTDOT },
		{ "file.txt:stream.exe", "file.txt_stream.exe", MG_NAME_RESERVED },
		{ "", "item", MG_NAME_EMPTY },
		/* NFD (as macOS stores it) becomes NFC: か + ゛ -> が */
		{ "\xe3\x81\x8b\xe3\x82\x99.txt", "\xe3\x81\x8c.txt", 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned fixes;
		char *got = mg_archive_safe_path(cases[i].in, &fixes);

		ck_assert_str_eq(got, cases[i].out);
		ck_assert_msg((fixes & cases[i].fixes) == cases[i].fixes, "%s: fixes %x", cases[i].in,
		              fixes);
		free(got);
	}
}
END_TEST

START_TEST(unique_names_units)
{
	mg_names *n = mg_names_new();
	const char *seq[][2] = {
		{ "a.txt", "a.txt" },         { "A.TXT", "A (2).TXT" },
		{ "a.txt", "a (3).txt" },     { "dir", "dir" },
		{ "dir/x.txt", "dir (2)/x.txt" }, /* "dir" is a file: the folder gets another name */
		{ "sub/y.txt", "sub/y.txt" }, { "sub", "sub (2)" },
		{ ".profile", ".profile" },   { ".profile", ".profile (2)" },
		{ "[Content_Types].xml", "_[Content_Types].xml" },
		{ "META-INF/MANIFEST.MF", "_META-INF/MANIFEST.MF" },
		{ "mimetype", "_mimetype" },
	};

	for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
		char *got = mg_names_claim(n, seq[i][0]);

		ck_assert_str_eq(got, seq[i][1]);
		free(got);
	}
	mg_names_free(n);
}
END_TEST

START_TEST(name_charsets_units)
{
	static const struct { const char *raw, *legacy, *want; } cases[] = {
		{ "plain.txt", "Shift_JIS", "plain.txt" },
		{ "\xe8\xa1\xa8.txt", "Shift_JIS", "\xe8\xa1\xa8.txt" },            /* UTF-8 表 */
		{ "\x95\x5c\x8e\xa6.txt", "Shift_JIS", "\xe8\xa1\xa8\xe7\xa4\xba.txt" }, /* CP932 表示 */
		{ "\xb4\xc1\xbb\xfa.txt", "EUC-JP", "\xe6\xbc\xa2\xe5\xad\x97.txt" },  /* EUC-JP 漢字 */
		/* EUC-JP 表 is also valid UTF-8 (U+027D): an IPA letter is no file name */
		{ "\xc9\xbd.txt", "EUC-JP", "\xe8\xa1\xa8.txt" },
		{ "caf\xc3\xa9.txt", "EUC-JP", "caf\xc3\xa9.txt" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *used;
		char *got = mg_archive_name_utf8(cases[i].raw, cases[i].legacy, &used);

		ck_assert_msg(strcmp(got, cases[i].want) == 0, "case %zu: '%s'", i, got);
		free(got);
	}
}
END_TEST

/* Bit 11 of a zip entry's flags says its name is UTF-8. */
static void assert_utf8_flag_everywhere(const unsigned char *z, size_t len)
{
	unsigned seen = 0;

	for (size_t i = 0; i + 46 <= len; i++) {
		if (memcmp(z + i, "PK\3\4", 4) == 0 || memcmp(z + i, "PK\1\2", 4) == 0) {
			size_t flags = memcmp(z + i, "PK\3\4", 4) == 0 ? 6 : 8;

			ck_assert_msg(z[i + flags + 1] & 0x08, "entry at %zu lacks the UTF-8 flag", i);
			seen++;
		}
	}
	ck_assert_uint_gt(seen, 0);
}

START_TEST(japanese_names_decoded)
{
	static const struct { const char *file; const char *names[3]; } cases[] = {
		{ "archive/test_read_format_zip_filename_cp932.zip",
		  { "\xe8\xa1\xa8\xe3\x81\xa0\xe3\x82\x88/\xe4\xb8\x80\xe8\xa6\xa7\xe8\xa1\xa8.txt",
		    "\xe8\xa1\xa8\xe3\x81\xa0\xe3\x82\x88/\xe6\xbc\xa2\xe5\xad\x97.txt" } },
		{ "archive/test_read_format_zip_filename_utf8_jp.zip",
		  { "\xe8\xa1\xa8\xe3\x81\xa0\xe3\x82\x88/\xe4\xb8\x80\xe8\xa6\xa7\xe8\xa1\xa8.txt",
		    "\xe8\xa1\xa8\xe3\x81\xa0\xe3\x82\x88/\xe6\xbc\xa2\xe5\xad\x97.txt" } },
		{ "archive/test_read_format_cab_filename_cp932.cab",
		  { "\xe8\xa1\xa8\xe3\x81\xa0\xe3\x82\x88/\xe4\xb8\x80\xe8\xa6\xa7\xe8\xa1\xa8.txt",
		    "\xe8\xa1\xa8\xe3\x81\xa0\xe3\x82\x88/\xe6\xbc\xa2\xe5\xad\x97.txt" } },
		{ "archive/test_read_format_lha_filename_cp932.lzh",
		  { "\xe6\xbc\xa2\xe5\xad\x97.txt", "\xe8\xa1\xa8.txt" } },
		{ "archive/test_read_format_cpio_filename_eucjp.cpio",
		  { "\xe6\xbc\xa2\xe5\xad\x97.txt", "\xe8\xa1\xa8.txt" } },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		mg_result res;
		tm_list l;

		ck_assert_msg(tu_sanitize_corpus(cases[i].file, MG_MODE_DEFAULT, &res) == MG_OK, "%s: %s",
		              cases[i].file, res.reason);
		unzip_all(res.out, res.out_len, &l);
		assert_names(&l, cases[i].names, 2);
		assert_utf8_flag_everywhere(res.out, res.out_len);
		list_free(&l);
		mg_result_free(&res);
	}
}
END_TEST

/* ---- what is dropped, what is left out, what blocks ---- */

START_TEST(links_and_devices_dropped)
{
	const tm_member m[] = {
		TXT("real.txt", "real content\n"),
		{ "sym.txt", NULL, 0, AE_IFLNK, "/etc/shadow" },
		{ "hard.txt", NULL, 0, 0, "real.txt" },
		{ "pipe", NULL, 0, AE_IFIFO, NULL },
		{ "dev", NULL, 0, AE_IFCHR, NULL },
	};
	const char *const want[] = { "real.txt" };
	size_t len;
	unsigned char *tar = build(ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_NONE, NULL, NULL,
	                           m, 5, &len);
	mg_result res;
	tm_list l;

	ck_assert_int_eq(tu_sanitize(tar, len, "links.tar", MG_MODE_DEFAULT, &res), MG_OK);
	unzip_all(res.out, res.out_len, &l);
	assert_names(&l, want, 1);
	ck_assert(tu_report_has(&res, "removed", "symbolic link to '/etc/shadow'"));
	ck_assert(tu_report_has(&res, "removed", "hard link to 'real.txt'"));
	ck_assert(tu_report_has(&res, "removed", "fifo"));
	list_free(&l);
	mg_result_free(&res);
	free(tar);
}
END_TEST

START_TEST(blocked_member_left_out)
{
	static const char mz[] = "MZ\x90\0\3\0\0\0\4\0\0\0\xff\xff\0\0 this program cannot be run";
	const tm_member m[] = {
		{ "setup.exe", mz, sizeof(mz) - 1, 0, NULL },
		TXT("readme.txt", "see the attached tool\n"),
	};
	const char *const want[] = { "readme.txt" };
	size_t len;
	unsigned char *zip = build_zip(m, 2, &len);
	mg_result res;
	tm_list l;

	ck_assert_int_eq(tu_sanitize(zip, len, "tool.zip", MG_MODE_DEFAULT, &res), MG_OK);
	unzip_all(res.out, res.out_len, &l);
	assert_names(&l, want, 1);
	ck_assert(!tu_contains(res.out, res.out_len, "setup.exe"));
	ck_assert(!tu_contains(res.out, res.out_len, "cannot be run"));
	ck_assert(tu_report_has(&res, "removed", "setup.exe"));
	list_free(&l);
	mg_result_free(&res);
	free(zip);
	/* with nothing left, the archive itself is blocked, with the member's reason */
	zip = build_zip(m, 1, &len);
	ck_assert_int_eq(tu_sanitize(zip, len, "tool.zip", MG_MODE_DEFAULT, &res),
	                 MG_E_TYPE_BLOCKED);
	ck_assert_ptr_null(res.out);
	ck_assert_ptr_nonnull(strstr(res.reason, "setup.exe"));
	ck_assert_ptr_nonnull(strstr(res.reason, "executable"));
	mg_result_free(&res);
	free(zip);
}
END_TEST

/* A zip LZMA member made by 7-Zip, read back whole. */
static unsigned char *lzma_zip(size_t *len)
{
	char dir[] = "/tmp/mugai-lzma-XXXXXX", cmd[512], path[256];
	unsigned char *zip;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd),
	         "cd %s && seq -f 'quarterly figures: %%g' 2000 > figures.txt && "
	         "7z a -tzip -mm=LZMA lzma.zip figures.txt >/dev/null", dir);
	ck_assert_int_eq(system(cmd), 0);
	snprintf(path, sizeof(path), "%s/lzma.zip", dir);
	zip = tu_read(path, len);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
	return zip;
}

/* The dictionary a member asks for is allocated by libarchive as named
 * (up to 4 GiB): an ordinary one passes, a huge one is a size limit. */
START_TEST(lzma_dictionary_bounded)
{
	size_t len, at;
	unsigned char *zip = lzma_zip(&len);
	mg_result res;

	ck_assert_uint_gt(mg_zip_lzma_dict_max(zip, len), 0);
	ck_assert_uint_le(mg_zip_lzma_dict_max(zip, len), 256u << 20);
	ck_assert_int_eq(tu_sanitize(zip, len, "lzma.zip", MG_MODE_DEFAULT, &res), MG_OK);
	ck_assert(tu_contains(res.out, res.out_len, "figures.txt"));
	mg_result_free(&res);

	/* dictionary field: local header, name, extra, version and size of the properties, lc/lp/pb */
	at = 30 + (size_t)(zip[26] | zip[27] << 8) + (size_t)(zip[28] | zip[29] << 8) + 5;
	ck_assert_uint_lt(at + 4, len);
	memcpy(zip + at, "\x00\x00\x00\x90", 4); /* 2.25 GiB */
	ck_assert_uint_eq(mg_zip_lzma_dict_max(zip, len), 0x90000000u);
	ck_assert_int_eq(tu_sanitize(zip, len, "lzma.zip", MG_MODE_DEFAULT, &res), MG_E_LIMIT_SIZE);
	ck_assert_ptr_null(res.out);
	ck_assert_ptr_nonnull(strstr(res.reason, "LZMA dictionary"));
	mg_result_free(&res);
	free(zip);
}
END_TEST

START_TEST(encrypted_zip_blocks_with_plain_reason)
{
	const tm_member m[] = { TXT("invoice.txt", "amount due: 100\n"),
		                TXT("memo.txt", "pay soon\n") };
	size_t len;
	unsigned char *zip = build(ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE, "zip:encryption=zipcrypt",
	                           "secret", m, 2, &len);
	mg_result res;

	ck_assert_int_eq(tu_sanitize(zip, len, "ppap.zip", MG_MODE_DEFAULT, &res), MG_E_ENCRYPTED);
	ck_assert_int_eq(res.verdict, MG_VERDICT_BLOCKED);
	ck_assert_ptr_null(res.out);
	ck_assert_ptr_nonnull(strstr(res.reason, "password-protected"));
	ck_assert_ptr_nonnull(strstr(res.reason, "cannot be checked"));
	ck_assert_ptr_nonnull(strstr(res.reason, "kept for review"));
	mg_result_free(&res);
	free(zip);
	zip = build(ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE, "zip:encryption=aes256", "secret", m, 2,
	            &len);
	ck_assert_int_eq(tu_sanitize(zip, len, "aes.zip", MG_MODE_DEFAULT, &res), MG_E_ENCRYPTED);
	mg_result_free(&res);
	free(zip);
}
END_TEST

/* An encrypted archive inside a clean one still blocks the whole. */
START_TEST(encrypted_member_blocks_archive)
{
	const tm_member inner[] = { TXT("secret.txt", "hidden\n") };
	size_t ilen, len;
	unsigned char *enc = build(ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE, "zip:encryption=zipcrypt",
	                           "pw", inner, 1, &ilen);
	const tm_member outer[] = { TXT("readme.txt", "password in the next mail\n"),
		                    { "files.zip", enc, ilen, 0, NULL } };
	unsigned char *zip = build_zip(outer, 2, &len);
	mg_result res;

	ck_assert_int_eq(tu_sanitize(zip, len, "outer.zip", MG_MODE_DEFAULT, &res), MG_E_ENCRYPTED);
	ck_assert_ptr_null(res.out);
	ck_assert_ptr_nonnull(strstr(res.reason, "password-protected"));
	ck_assert_ptr_nonnull(strstr(res.reason, "files.zip"));
	mg_result_free(&res);
	free(zip);
	free(enc);
}
END_TEST

/* ---- limits ---- */

/* A zip holding a zip holding ... 42 levels down. */
START_TEST(nested_42_levels_stopped_at_depth)
{
	const char *text = "the bottom\n";
	unsigned char *cur = (unsigned char *)strdup(text);
	size_t len = strlen(text);
	char name[32] = "bottom.txt";
	mg_result res;

	for (int i = 1; i <= 42; i++) {
		tm_member m = { name, cur, len, 0, NULL };
		unsigned char *next = build_zip(&m, 1, &len);

		free(cur);
		cur = next;
		snprintf(name, sizeof(name), "level%02d.zip", i);
	}
	ck_assert_int_eq(tu_sanitize(cur, len, "42.zip", MG_MODE_DEFAULT, &res), MG_E_LIMIT_DEPTH);
	ck_assert_ptr_null(res.out);
	ck_assert_ptr_nonnull(strstr(res.reason, "max_depth 8"));
	ck_assert_ptr_nonnull(strstr(res.reason, "level41.zip"));
	mg_result_free(&res);
	free(cur);
}
END_TEST

START_TEST(nested_within_depth_recursed)
{
	const tm_member bottom[] = { TXT("deep.csv", "k,v\n-2+3,x\n") };
	size_t l1, l2;
	unsigned char *z1 = build_zip(bottom, 1, &l1);
	const tm_member mid[] = { { "inner.zip", z1, l1, 0, NULL }, TXT("top.txt", "top\n") };
	unsigned char *z2 = build_zip(mid, 2, &l2);
	mg_result res;
	tm_list l, inner;

	ck_assert_int_eq(tu_sanitize(z2, l2, "outer.zip", MG_MODE_DEFAULT, &res), MG_OK);
	unzip_all(res.out, res.out_len, &l);
	ck_assert_ptr_nonnull(find(&l, "inner.zip"));
	unzip_all(find(&l, "inner.zip")->data, find(&l, "inner.zip")->len, &inner);
	ck_assert_uint_eq(inner.n, 1);
	ck_assert_str_eq(inner.e[0].name, "deep.csv");
	ck_assert(tu_contains(inner.e[0].data, inner.e[0].len, "'-2+3,x"));
	list_free(&inner);
	list_free(&l);
	mg_result_free(&res);
	free(z1);
	free(z2);
}
END_TEST

START_TEST(ratio_bomb_limit_ratio)
{
	size_t big = 20u << 20, len;
	unsigned char *zeros = calloc(1, big), *d;
	tm_member m[] = { TXT("ok.txt", "fine\n"), { "zeros.txt", zeros, big, 0, NULL } };
	mg_result res;
	double t0 = mg_now();

	d = build_zip(m, 2, &len);
	ck_assert_uint_lt(len, 64u << 10);
	ck_assert_int_eq(tu_sanitize(d, len, "bomb.zip", MG_MODE_DEFAULT, &res), MG_E_LIMIT_RATIO);
	ck_assert_ptr_null(res.out);
	ck_assert_ptr_nonnull(strstr(res.reason, "zeros.txt"));
	mg_result_free(&res);
	free(d);
	/* the same in a solid stream: judged against the whole archive */
	d = build(ARCHIVE_FORMAT_TAR_USTAR, ARCHIVE_FILTER_GZIP, NULL, NULL, m, 2, &len);
	ck_assert_int_eq(tu_sanitize(d, len, "bomb.tar.gz", MG_MODE_DEFAULT, &res),
	                 MG_E_LIMIT_RATIO);
	mg_result_free(&res);
	free(d);
	/* stopped early: nowhere near the time 40 MB through the text filter would take */
	ck_assert(mg_now() - t0 < 5.0);
	free(zeros);
}
END_TEST

START_TEST(ordinary_compression_is_no_bomb)
{
	mg_buf csv;
	size_t len;
	unsigned char *d;
	mg_result res;

	mg_buf_init(&csv, 8u << 20);
	for (unsigned i = 0; csv.len < (3u << 20); i++)
		ck_assert_int_eq(mg_buf_printf(&csv, "%u,%u,item %u,%u.%02u\n", i, i * 7919 % 1000, i % 97,
		                               i * 31 % 1000, i % 100), 0);
	tm_member m[] = { { "sales.csv", csv.data, csv.len, 0, NULL } };
	d = build_zip(m, 1, &len);
	ck_assert_int_eq(tu_sanitize(d, len, "sales.zip", MG_MODE_DEFAULT, &res), MG_OK);
	mg_result_free(&res);
	free(d);
	mg_buf_free(&csv);
}
END_TEST

/* ---- hand-built overlapping zips (David Fifield's constructions) ---- */

static uint32_t crc32_of(const unsigned char *d, size_t n, uint32_t crc)
{
	static uint32_t table[256];

	if (!table[1])
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;

			for (int k = 0; k < 8; k++)
				c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
			table[i] = c;
		}
	crc = ~crc;
	while (n--)
		crc = table[(crc ^ *d++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

static unsigned char *deflate_raw(const unsigned char *d, size_t n, size_t *out_len)
{
	GConverter *c = G_CONVERTER(g_zlib_compressor_new(G_ZLIB_COMPRESSOR_FORMAT_RAW, 9));
	size_t cap = n + 1024;
	unsigned char *out = malloc(cap);
	gsize r, w;

	ck_assert_int_eq(g_converter_convert(c, d, n, out, cap, G_CONVERTER_INPUT_AT_END, &r, &w,
	                                     NULL), G_CONVERTER_FINISHED);
	g_object_unref(c);
	*out_len = w;
	return out;
}

static void put16(mg_buf *b, unsigned v)
{
	unsigned char x[2] = { (unsigned char)v, (unsigned char)(v >> 8) };

	ck_assert_int_eq(mg_buf_append(b, x, 2), 0);
}

static void put32(mg_buf *b, uint32_t v)
{
	put16(b, v & 0xffff);
	put16(b, v >> 16);
}

static void local_header(mg_buf *b, const char *name, uint32_t crc, uint32_t csize, uint32_t usize)
{
	put32(b, 0x04034b50);
	put16(b, 20);
	put16(b, 0);
	put16(b, 8);
	put16(b, 0);
	put16(b, 0x21);
	put32(b, crc);
	put32(b, csize);
	put32(b, usize);
	put16(b, (unsigned)strlen(name));
	put16(b, 0);
	mg_buf_puts(b, name);
}

static void central_header(mg_buf *b, const char *name, uint32_t crc, uint32_t csize,
                           uint32_t usize, uint32_t offset)
{
	put32(b, 0x02014b50);
	put16(b, 20);
	put16(b, 20);
	put16(b, 0);
	put16(b, 8);
	put16(b, 0);
	put16(b, 0x21);
	put32(b, crc);
	put32(b, csize);
	put32(b, usize);
	put16(b, (unsigned)strlen(name));
	for (int i = 0; i < 4; i++)
		put16(b, 0);
	put32(b, 0);
	put32(b, offset);
	mg_buf_puts(b, name);
}

static void end_record(mg_buf *b, unsigned n, size_t cd_size, size_t cd_offset)
{
	put32(b, 0x06054b50);
	put32(b, 0);
	put16(b, n);
	put16(b, n);
	put32(b, (uint32_t)cd_size);
	put32(b, (uint32_t)cd_offset);
	put16(b, 0);
}

static unsigned char *kernel_of(size_t n, int random)
{
	unsigned char *k = malloc(n);
	uint32_t x = 12345;

	for (size_t i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		k[i] = random ? (unsigned char)(x >> 16) : 'a';
	}
	return k;
}

/* Every directory entry points at the same local header and data. */
static unsigned char *full_overlap(unsigned n, size_t ksize, int random, size_t *len)
{
	size_t clen;
	unsigned char *kernel = kernel_of(ksize, random), *comp = deflate_raw(kernel, ksize, &clen);
	uint32_t crc = crc32_of(kernel, ksize, 0);
	mg_buf b, cd;
	char name[16];

	mg_buf_init(&b, 1u << 28);
	mg_buf_init(&cd, 1u << 28);
	local_header(&b, "kernel", crc, (uint32_t)clen, (uint32_t)ksize);
	ck_assert_int_eq(mg_buf_append(&b, comp, clen), 0);
	for (unsigned i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "f%04u.txt", i);
		central_header(&cd, name, crc, (uint32_t)clen, (uint32_t)ksize, 0);
	}
	end_record(&cd, n, cd.len, b.len);
	ck_assert_int_eq(mg_buf_append(&b, cd.data, cd.len), 0);
	mg_buf_free(&cd);
	free(kernel);
	free(comp);
	return mg_buf_steal(&b, len);
}

/* Each file's compressed data quotes, in a stored deflate block, the local
 * header of the next file, then continues into it: file i unpacks to the
 * headers after it plus the shared kernel. */
static unsigned char *quoted_overlap(unsigned n, size_t ksize, size_t *len)
{
	const size_t hlen = 30 + 9; /* a local header with a 9-byte name */
	size_t clen, offset = 0;
	unsigned char *kernel = kernel_of(ksize, 0), *comp = deflate_raw(kernel, ksize, &clen);
	unsigned char q[5] = { 0, (unsigned char)hlen, 0, (unsigned char)~hlen, 0xff };
	mg_buf *hdr = calloc(n, sizeof(mg_buf)), out, cd;
	char name[16];

	for (unsigned i = n; i-- > 0;) {
		uint32_t crc = 0;

		for (unsigned j = i + 1; j < n; j++)
			crc = crc32_of(hdr[j].data, hdr[j].len, crc);
		crc = crc32_of(kernel, ksize, crc);
		snprintf(name, sizeof(name), "f%04u.txt", i);
		mg_buf_init(&hdr[i], 256);
		local_header(&hdr[i], name, crc, (uint32_t)(clen + (n - 1 - i) * (5 + hlen)),
		             (uint32_t)(ksize + (n - 1 - i) * hlen));
		ck_assert_uint_eq(hdr[i].len, hlen);
	}
	mg_buf_init(&out, 1u << 28);
	mg_buf_init(&cd, 1u << 28);
	for (unsigned i = 0; i < n; i++) {
		const unsigned char *h = hdr[i].data; /* crc and sizes at 14, 18, 22 */

		ck_assert_int_eq(mg_buf_append(&out, h, hlen), 0);
		snprintf(name, sizeof(name), "f%04u.txt", i);
		central_header(&cd, name, (uint32_t)(h[14] | h[15] << 8 | h[16] << 16 | (uint32_t)h[17] << 24),
		               (uint32_t)(h[18] | h[19] << 8 | h[20] << 16 | (uint32_t)h[21] << 24),
		               (uint32_t)(h[22] | h[23] << 8 | h[24] << 16 | (uint32_t)h[25] << 24),
		               (uint32_t)offset);
		offset += hlen;
		if (i + 1 < n) {
			ck_assert_int_eq(mg_buf_append(&out, q, 5), 0);
			offset += 5;
		}
	}
	ck_assert_int_eq(mg_buf_append(&out, comp, clen), 0);
	end_record(&cd, n, cd.len, out.len);
	ck_assert_int_eq(mg_buf_append(&out, cd.data, cd.len), 0);
	for (unsigned i = 0; i < n; i++)
		mg_buf_free(&hdr[i]);
	mg_buf_free(&cd);
	free(hdr);
	free(kernel);
	free(comp);
	return mg_buf_steal(&out, len);
}

START_TEST(overlapping_entry_bombs_blocked)
{
	size_t len;
	unsigned char *d;
	mg_result res;

	/* incompressible kernel: no ratio to see, only the overlap */
	d = full_overlap(200, 64u << 10, 1, &len);
	ck_assert_int_eq(tu_sanitize(d, len, "overlap.zip", MG_MODE_DEFAULT, &res), MG_E_MALFORMED);
	ck_assert_int_eq(res.verdict, MG_VERDICT_BLOCKED);
	ck_assert_ptr_nonnull(strstr(res.reason, "lists 200 members"));
	ck_assert_ptr_nonnull(strstr(res.reason, "overlap"));
	mg_result_free(&res);
	free(d);
	/* the classic: a compressible kernel many times over */
	d = full_overlap(1000, 8u << 20, 0, &len);
	ck_assert_int_eq(tu_sanitize(d, len, "overlap.zip", MG_MODE_DEFAULT, &res), MG_E_LIMIT_RATIO);
	mg_result_free(&res);
	free(d);
	/* quoted overlap: every file distinct, each unpacking the rest and the kernel */
	d = quoted_overlap(100, 2u << 20, &len);
	ck_assert_int_eq(tu_sanitize(d, len, "zbsm.zip", MG_MODE_DEFAULT, &res), MG_E_LIMIT_RATIO);
	ck_assert_int_eq(res.verdict, MG_VERDICT_BLOCKED);
	ck_assert_ptr_null(res.out);
	mg_result_free(&res);
	free(d);
}
END_TEST

START_TEST(member_count_limit)
{
	unsigned n = 100001;
	tm_member *m = calloc(n, sizeof(*m));
	char (*names)[16] = calloc(n, 16);
	size_t len;
	unsigned char *d;
	mg_result res;

	for (unsigned i = 0; i < n; i++) {
		snprintf(names[i], 16, "m%06u.txt", i);
		m[i].name = names[i];
		m[i].data = "x\n";
		m[i].len = 2;
	}
	d = build_zip(m, n, &len);
	ck_assert_int_eq(tu_sanitize(d, len, "many.zip", MG_MODE_DEFAULT, &res), MG_E_LIMIT_COUNT);
	ck_assert_ptr_nonnull(strstr(res.reason, "max_parts 1000"));
	ck_assert_ptr_null(res.out);
	mg_result_free(&res);
	free(d);
	/* the limit is exact */
	d = build_zip(m, 3, &len);
	ck_assert_int_eq(with_policy("max_parts", "3", d, len, "three.zip", &res), MG_OK);
	mg_result_free(&res);
	free(d);
	d = build_zip(m, 4, &len);
	ck_assert_int_eq(with_policy("max_parts", "3", d, len, "four.zip", &res), MG_E_LIMIT_COUNT);
	mg_result_free(&res);
	free(d);
	free(names);
	free(m);
}
END_TEST

/* max_total counts what every level unpacks, together. */
START_TEST(total_size_counts_all_levels)
{
	char a[301], b[301];
	size_t ilen, len;
	unsigned char *inner, *outer;
	mg_result res;

	memset(a, 'a', 300);
	memset(b, 'b', 300);
	a[300] = b[300] = 0;
	tm_member im[] = { { "a.txt", a, 300, 0, NULL }, { "b.txt", b, 300, 0, NULL } };
	inner = build(ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE, "zip:compression=store", NULL, im, 2,
	              &ilen);
	ck_assert_uint_lt(ilen, 1024); /* the outer level alone stays below the limit */
	tm_member om[] = { { "inner.zip", inner, ilen, 0, NULL } };
	outer = build(ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE, "zip:compression=store", NULL, om, 1,
	              &len);
	ck_assert_int_eq(with_policy("max_total", "1K", outer, len, "outer.zip", &res),
	                 MG_E_LIMIT_SIZE);
	ck_assert_ptr_nonnull(strstr(res.reason, "max_total"));
	mg_result_free(&res);
	ck_assert_int_eq(with_policy("max_total", "2K", outer, len, "outer.zip", &res), MG_OK);
	mg_result_free(&res);
	free(inner);
	free(outer);
}
END_TEST

/* The rebuilt zip is an artefact like any other: max_output holds. */
START_TEST(output_limit_holds)
{
	char text[3][801];
	tm_member m[3];
	size_t len;
	unsigned char *d;
	mg_result res;
	uint32_t x = 7;

	for (int k = 0; k < 3; k++) {
		for (int i = 0; i < 800; i++) {
			x = x * 1103515245u + 12345u;
			text[k][i] = (char)('a' + (x >> 16) % 26);
		}
		text[k][800] = 0;
		m[k] = (tm_member){ k == 0 ? "a.txt" : k == 1 ? "b.txt" : "c.txt", text[k], 800, 0,
			            NULL };
	}
	d = build_zip(m, 3, &len);
	ck_assert_int_eq(with_policy("max_output", "1K", d, len, "big.zip", &res), MG_E_LIMIT_SIZE);
	ck_assert_ptr_nonnull(strstr(res.reason, "max_output"));
	ck_assert_ptr_null(res.out);
	mg_result_free(&res);
	ck_assert_int_eq(with_policy("max_output", "8K", d, len, "big.zip", &res), MG_OK);
	mg_result_free(&res);
	free(d);
}
END_TEST

START_TEST(deadline_and_prefix_checked_by_the_filter)
{
	const tm_member m[] = { TXT("a.txt", "a\n") };
	size_t len;
	unsigned char *zip = build_zip(m, 1, &len), *sfx;
	char reason[512];

	ck_assert_int_eq(run_filter(zip, len, "a.zip", 60, reason, sizeof(reason), NULL), MG_OK);
	ck_assert_int_eq(run_filter(zip, len, "a.zip", -1, reason, sizeof(reason), NULL), MG_E_LIMIT_TIME);
	/* a zip behind other bytes (a self-extractor's stub) */
	sfx = malloc(len + 512);
	memset(sfx, 0x90, 512);
	memcpy(sfx, "MZ", 2);
	memcpy(sfx + 512, zip, len);
	ck_assert_int_eq(run_filter(sfx, len + 512, "a.zip", 60, reason, sizeof(reason), NULL),
	                 MG_E_TYPE_BLOCKED);
	ck_assert_ptr_nonnull(strstr(reason, "self-extracting"));
	free(sfx);
	free(zip);
	sfx = tu_read(CORPUS_DIR "/archive/test_read_format_zip_sfx.bin", &len);
	ck_assert_int_eq(run_filter(sfx, len, "sfx.zip", 60, reason, sizeof(reason), NULL),
	                 MG_E_TYPE_BLOCKED);
	free(sfx);
}
END_TEST

START_TEST(damaged_archives_malformed)
{
	const tm_member m[] = { TXT("a.txt", "some text that fills the member a little\n"),
		                TXT("b.txt", "more text\n") };
	static const int formats[] = { ARCHIVE_FORMAT_ZIP, ARCHIVE_FORMAT_7ZIP,
		                       ARCHIVE_FORMAT_TAR_USTAR };

	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		size_t len;
		unsigned char *d = build(formats[i], ARCHIVE_FILTER_NONE, NULL, NULL, m, 2, &len);
		char reason[512];

		/* cut inside the second member */
		ck_assert_msg(run_filter(d, len / 2 + 7, "cut", 60, reason, sizeof(reason), NULL) ==
		              MG_E_MALFORMED, "format %d: %s", formats[i], reason);
		ck_assert_ptr_nonnull(strstr(reason, "damaged"));
		free(d);
	}
}
END_TEST

/* ---- hand-built LZMA members: which one libarchive decodes as LZMA ---- */

/* One member whose LZMA properties name dict, skip bytes into its data,
 * with the methods and flags the local header and the directory say, the
 * whole behind prefix bytes, as a self-extractor puts its program before
 * a zip (the offsets left as written). */
typedef struct tm_lzma {
	unsigned local_method, central_method, flags;
	uint32_t dict;
	size_t prefix;
	size_t skip;        /* bytes before the properties: an encryption header */
	const char *extra;  /* the local header's extra field */
	size_t extra_len;
} tm_lzma;

/* WinZip AES's extra field: vendor version 2, "AE", strength, method */
#define AES_EXTRA(strength, method) "\x01\x99\x07\x00\x02\x00" "AE" strength method "\x00", 11

static unsigned char *lzma_member(const tm_lzma *c, size_t *len)
{
	static const char name[] = "vimrc";
	const unsigned char props[] = { 0x09, 0x14, 0x05, 0x00, 0x5d };
	mg_buf b;
	size_t local, central;

	mg_buf_init(&b, 1u << 20);
	for (size_t i = 0; i < c->prefix; i++)
		ck_assert_int_eq(mg_buf_putc(&b, i < 2 ? "MZ"[i] : 0x90), 0);
	local = b.len;
	put32(&b, 0x04034b50);
	put16(&b, 63);
	put16(&b, c->flags);
	put16(&b, c->local_method);
	put32(&b, 0);         /* time, date */
	put32(&b, 0);         /* crc */
	put32(&b, (uint32_t)(c->skip + 9 + 16)); /* compressed size */
	put32(&b, 1000);
	put16(&b, sizeof(name) - 1);
	put16(&b, (unsigned)c->extra_len);
	mg_buf_puts(&b, name);
	if (c->extra_len)
		ck_assert_int_eq(mg_buf_append(&b, c->extra, c->extra_len), 0);
	for (size_t i = 0; i < c->skip; i++)
		ck_assert_int_eq(mg_buf_putc(&b, 0xa5), 0);
	ck_assert_int_eq(mg_buf_append(&b, props, sizeof(props)), 0);
	put32(&b, c->dict);
	for (int i = 0; i < 16; i++)
		ck_assert_int_eq(mg_buf_putc(&b, 0xa5), 0);
	central = b.len;
	put32(&b, 0x02014b50);
	put16(&b, 63);
	put16(&b, 63);
	put16(&b, c->flags);
	put16(&b, c->central_method);
	put32(&b, 0);
	put32(&b, 0);
	put32(&b, (uint32_t)(c->skip + 9 + 16));
	put32(&b, 1000);
	put16(&b, sizeof(name) - 1);
	for (int i = 0; i < 4; i++)
		put16(&b, 0);
	put32(&b, 0);
	put32(&b, (uint32_t)(local - c->prefix));
	mg_buf_puts(&b, name);
	end_record(&b, 1, b.len - central, central - c->prefix);
	return mg_buf_steal(&b, len);
}

static uint64_t lzma_probe(const tm_lzma *c)
{
	size_t len;
	unsigned char *zip = lzma_member(c, &len);
	uint64_t dict = mg_zip_lzma_dict_max(zip, len);

	free(zip);
	return dict;
}

/* libarchive picks the decoder by the low byte of the local header's
 * method, never by the directory's: what a fuzzer found was a local
 * header saying 0xA70E, decoded as LZMA (14) with a 2.2 GiB dictionary. */
START_TEST(lzma_method_low_byte_decides)
{
	const uint32_t huge = 0x80000000u;
	size_t len;
	unsigned char *zip;
	mg_result res;

	ck_assert_uint_eq(lzma_probe(&(tm_lzma){ 0xA70E, 14, 0, huge, 0, 0, NULL, 0 }), huge);
	ck_assert_uint_eq(lzma_probe(&(tm_lzma){ 0xA70E, 8, 0, huge, 0, 0, NULL, 0 }), huge);
	ck_assert_uint_eq(lzma_probe(&(tm_lzma){ 14, 8, 0, huge, 0, 0, NULL, 0 }), huge);
	/* behind a self-extractor's program, offsets not adjusted: libarchive shifts them */
	ck_assert_uint_eq(lzma_probe(&(tm_lzma){ 0xA70E, 14, 0, huge, 1000, 0, NULL, 0 }), huge);
	/* low byte 8: inflated, whatever the directory says */
	ck_assert_uint_eq(lzma_probe(&(tm_lzma){ 0x0108, 14, 0, huge, 0, 0, NULL, 0 }), 0);
	ck_assert_uint_eq(lzma_probe(&(tm_lzma){ 8, 14, 0, huge, 0, 0, NULL, 0 }), 0);

	zip = lzma_member(&(tm_lzma){ 0xA70E, 14, 0, huge, 0, 0, NULL, 0 }, &len);
	ck_assert_int_eq(tu_sanitize(zip, len, "a.zip", MG_MODE_DEFAULT, &res), MG_E_LIMIT_SIZE);
	ck_assert_ptr_nonnull(strstr(res.reason, "LZMA dictionary of 2048 MiB"));
	mg_result_free(&res);
	free(zip);
	zip = tu_read(FIXTURE_DIR "/archive/zip-lzma-huge-dictionary.zip", &len);
	ck_assert_uint_eq(mg_zip_lzma_dict_max(zip, len), 0x8d5d0aa1u);
	free(zip);
}
END_TEST

/* The probe reads nothing outside the input, however it is cut. */
START_TEST(lzma_probe_bounded)
{
	const tm_member m[] = { TXT("a.txt", "plain deflated text, plain deflated text\n") };
	const tm_lzma cases[] = { { 0xA70E, 14, 0, 0x80000000u, 0, 0, NULL, 0 },
		                  { 99, 99, 1, 0x80000000u, 0, 18, AES_EXTRA("\x03", "\x0e") } };
	size_t len;
	unsigned char *zip = build_zip(m, 1, &len), *cut, *junk;

	ck_assert_uint_eq(mg_zip_lzma_dict_max(zip, len), 0);
	free(zip);
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		/* the properties follow the local header, its name and extra, the skipped bytes */
		size_t end = 30 + 5 + cases[k].extra_len + cases[k].skip + 9;

		zip = lzma_member(&cases[k], &len);
		for (size_t n = 0; n <= len; n++) {
			cut = malloc(n ? n : 1); /* exactly n bytes: ASan sees a read past them */
			memcpy(cut, zip, n);
			ck_assert_uint_eq(mg_zip_lzma_dict_max(cut, n), n >= end ? 0x80000000u : 0);
			free(cut);
		}
		free(zip);
	}
	/* LZMA local headers one after the other, then with their name and
	 * extra lengths past the end, and one cut short at the very end */
	len = 1u << 16;
	junk = calloc(1, len);
	for (size_t i = 0; i + 30 <= len; i += 30) {
		memcpy(junk + i, "PK\3\4", 4);
		junk[i + 8] = 0x0e;
		junk[i + 9] = 0xa7;
	}
	memcpy(junk + len - 4, "PK\3\4", 4);
	ck_assert_uint_eq(mg_zip_lzma_dict_max(junk, len), 0);
	for (size_t i = 0; i + 30 <= len; i += 30)
		memset(junk + i + 26, 0xff, 4);
	ck_assert_uint_eq(mg_zip_lzma_dict_max(junk, len), 0);
	free(junk);
}
END_TEST

/* libarchive reads an encrypted member's LZMA properties as they stand
 * in the file, never decrypted: after ZipCrypto's 12-byte header, after
 * WinZip AES's salt and password check, and at the data's start for a
 * link's target.  A candidate password (PPAP) would let it get that far. */
START_TEST(lzma_encrypted_members_read_raw)
{
	const uint32_t huge = 0x80000000u;
	const tm_member m[] = { TXT("a.txt", "plain deflated text\n") };
	size_t len;
	unsigned char *zip;
	mg_result res;

	ck_assert_uint_eq(lzma_probe(&(tm_lzma){ 14, 14, 1, huge, 0, 12, NULL, 0 }), huge);
	ck_assert_uint_eq(lzma_probe(&(tm_lzma){ 14, 14, 1, huge, 0, 0, NULL, 0 }), huge);
	/* not encrypted, only the data's start; strong encryption is refused */
	ck_assert_uint_eq(lzma_probe(&(tm_lzma){ 14, 14, 0, huge, 0, 12, NULL, 0 }), 0);
	ck_assert_uint_eq(lzma_probe(&(tm_lzma){ 14, 14, 0x41, huge, 0, 12, NULL, 0 }), 0);
	/* AES: the salt's length by the strength the extra field names */
	ck_assert_uint_eq(lzma_probe(&(tm_lzma){ 99, 99, 1, huge, 0, 18,
	                                         AES_EXTRA("\x03", "\x0e") }), huge);
	ck_assert_uint_eq(lzma_probe(&(tm_lzma){ 99, 99, 1, huge, 0, 10,
	                                         AES_EXTRA("\x01", "\x0e") }), huge);
	ck_assert_uint_eq(lzma_probe(&(tm_lzma){ 99, 99, 1, huge, 0, 10,
	                                         AES_EXTRA("\x03", "\x0e") }), 0);
	ck_assert_uint_eq(lzma_probe(&(tm_lzma){ 99, 99, 1, huge, 0, 18,
	                                         AES_EXTRA("\x03", "\x08") }), 0);
	ck_assert_uint_eq(lzma_probe(&(tm_lzma){ 99, 99, 0, huge, 0, 18,
	                                         AES_EXTRA("\x03", "\x0e") }), 0);
	/* no AES field in the local header: the directory's may say any strength */
	ck_assert_uint_eq(lzma_probe(&(tm_lzma){ 99, 99, 1, huge, 0, 14, NULL, 0 }), huge);

	zip = lzma_member(&(tm_lzma){ 14, 14, 1, huge, 0, 12, NULL, 0 }, &len);
	ck_assert_int_eq(tu_sanitize(zip, len, "ppap.zip", MG_MODE_DEFAULT, &res), MG_E_LIMIT_SIZE);
	ck_assert_ptr_nonnull(strstr(res.reason, "LZMA dictionary of 2048 MiB"));
	mg_result_free(&res);
	free(zip);
	/* what libarchive's writer encrypts is deflated: nothing to bound */
	zip = build(ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE, "zip:encryption=zipcrypt", "secret", m, 1,
	            &len);
	ck_assert_uint_eq(mg_zip_lzma_dict_max(zip, len), 0);
	free(zip);
	zip = build(ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE, "zip:encryption=aes256", "secret", m, 1,
	            &len);
	ck_assert_uint_eq(mg_zip_lzma_dict_max(zip, len), 0);
	free(zip);
}
END_TEST

/* ---- every corpus archive lands where SOURCES.md says ---- */

START_TEST(corpus_verdicts)
{
	static const struct {
		const char *file;
		mg_status status;
		unsigned members;         /* when sanitised */
		const char *has[4];       /* members that must be there */
		const char *removed;      /* a removed entry the report must name */
	} cases[] = {
		{ "lhasa_explzh723_h0_lh5.lzh", MG_OK, 1, { "gpl-2.txt" }, NULL },
		{ "lhasa_unix114i_h1_lh5.lzh", MG_OK, 1, { "gpl-2.txt" }, NULL },
		{ "lhasa_unix114i_h1_symlink.lzh", MG_E_TYPE_BLOCKED, 0, { NULL }, NULL },
		{ "test_fuzz.lzh", MG_OK, 11, { "file1.txt", "file2.txt", "INSTALL.txt" },
		  "dir2/symlink1" },
		{ "test_read_filter_gzip_recursive.gz", MG_E_MALFORMED, 0, { NULL }, NULL },
		{ "test_read_format_7zip_encryption.7z", MG_E_ENCRYPTED, 0, { NULL }, NULL },
		{ "test_read_format_7zip_encryption_header.7z", MG_E_ENCRYPTED, 0, { NULL }, NULL },
		{ "test_read_format_7zip_lzma2.7z", MG_OK, 1, { "file1.txt" }, NULL },
		{ "test_read_format_cab_1.cab", MG_OK, 3,
		  { "empty.txt", "dir1/file1.txt", "dir2/file2.txt" }, NULL },
		{ "test_read_format_cab_filename_cp932.cab", MG_OK, 2, { NULL }, NULL },
		{ "test_read_format_cpio_filename_eucjp.cpio", MG_OK, 2, { NULL }, NULL },
		{ "test_read_format_lha_filename_cp932.lzh", MG_OK, 2, { NULL }, NULL },
		{ "test_read_format_lha_lh7.lzh", MG_OK, 2, { "file1.txt", "file2.txt" },
		  "dir2/symlink2" },
		{ "test_read_format_lha_symlink_missing_target.lzh", MG_E_MALFORMED, 0, { NULL },
		  NULL },
		{ "test_read_format_rar4_encrypted.rar", MG_E_ENCRYPTED, 0, { NULL }, NULL },
		{ "test_read_format_rar5_encrypted.rar", MG_E_ENCRYPTED, 0, { NULL }, NULL },
		{ "test_read_format_zip_bz2_hang.zip", MG_E_MALFORMED, 0, { NULL }, NULL },
		{ "test_read_format_zip_encryption_header.zip", MG_E_ENCRYPTED, 0, { NULL }, NULL },
		{ "test_read_format_zip_filename_cp932.zip", MG_OK, 2, { NULL }, NULL },
		{ "test_read_format_zip_filename_utf8_jp.zip", MG_OK, 2, { NULL }, NULL },
		{ "test_read_format_zip_jar.jar", MG_E_TYPE_BLOCKED, 0, { NULL }, NULL },
		{ "test_read_format_zip_lzma.zipx", MG_OK, 1, { "vimrc.txt" }, NULL },
		{ "test_read_format_zip_nested.zip", MG_OK, 2, { "small.zip", "file.txt" }, NULL },
		{ "test_read_format_zip_sfx.bin", MG_E_TYPE_BLOCKED, 0, { NULL }, NULL },
		{ "test_read_format_zip_symlink.zip", MG_OK, 1, { "file.txt" }, "symlink" },
		{ "test_read_format_zip_traditional_encryption_data.zip", MG_E_ENCRYPTED, 0, { NULL },
		  NULL },
		{ "test_read_format_zip_winzip_aes128.zip", MG_E_ENCRYPTED, 0, { NULL }, NULL },
		{ "test_read_format_zip_zip64a.zip", MG_OK, 1, { "-.txt" }, NULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char rel[256];
		mg_result res;
		mg_status st;

		snprintf(rel, sizeof(rel), "archive/%s", cases[i].file);
		st = tu_sanitize_corpus(rel, MG_MODE_DEFAULT, &res);
		ck_assert_msg(st == cases[i].status, "%s: %s (%s), want %s", cases[i].file,
		              mg_status_name(st), res.reason ? res.reason : "",
		              mg_status_name(cases[i].status));
		if (st == MG_OK) {
			tm_list l;

			unzip_all(res.out, res.out_len, &l);
			ck_assert_msg(l.n == cases[i].members, "%s: %zu members", cases[i].file, l.n);
			for (size_t k = 0; k < 4 && cases[i].has[k]; k++)
				ck_assert_msg(find(&l, cases[i].has[k]), "%s: no %s", cases[i].file,
				              cases[i].has[k]);
			list_free(&l);
		} else {
			ck_assert_ptr_null(res.out);
			ck_assert_ptr_nonnull(res.reason);
		}
		if (st == MG_E_ENCRYPTED)
			ck_assert_ptr_nonnull(strstr(res.reason, "password-protected"));
		if (cases[i].removed)
			ck_assert_msg(tu_report_has(&res, "removed", cases[i].removed), "%s: %s not reported",
			              cases[i].file, cases[i].removed);
		mg_result_free(&res);
	}
}
END_TEST

Suite *mugai_suite(void)
{
	Suite *s = suite_create("archive");
	TCase *tc = tcase_create("archive");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, registered);
	tcase_add_test(tc, clean_zip_members_sanitised);
	tcase_add_test(tc, formats_unpacked_and_rebuilt_as_zip);
	tcase_add_test(tc, empty_archives_give_empty_zip);
	tcase_add_test(tc, lzip_unpacked);
	tcase_add_test(tc, single_compressed_stream_becomes_one_member);
	tcase_add_test(tc, gzip_damage_is_malformed);
	tcase_add_test(tc, hostile_names_made_safe);
	tcase_add_test(tc, safe_path_units);
	tcase_add_test(tc, unique_names_units);
	tcase_add_test(tc, name_charsets_units);
	tcase_add_test(tc, japanese_names_decoded);
	tcase_add_test(tc, links_and_devices_dropped);
	tcase_add_test(tc, blocked_member_left_out);
	tcase_add_test(tc, lzma_dictionary_bounded);
	tcase_add_test(tc, encrypted_zip_blocks_with_plain_reason);
	tcase_add_test(tc, encrypted_member_blocks_archive);
	tcase_add_test(tc, nested_42_levels_stopped_at_depth);
	tcase_add_test(tc, nested_within_depth_recursed);
	tcase_add_test(tc, ratio_bomb_limit_ratio);
	tcase_add_test(tc, ordinary_compression_is_no_bomb);
	tcase_add_test(tc, overlapping_entry_bombs_blocked);
	tcase_add_test(tc, member_count_limit);
	tcase_add_test(tc, total_size_counts_all_levels);
	tcase_add_test(tc, output_limit_holds);
	tcase_add_test(tc, deadline_and_prefix_checked_by_the_filter);
	tcase_add_test(tc, damaged_archives_malformed);
	tcase_add_test(tc, lzma_method_low_byte_decides);
	tcase_add_test(tc, lzma_probe_bounded);
	tcase_add_test(tc, lzma_encrypted_members_read_raw);
	tcase_add_test(tc, corpus_verdicts);
	suite_add_tcase(s, tc);
	return s;
}
