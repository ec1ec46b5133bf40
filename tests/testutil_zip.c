/* testutil_zip.c - see testutil_zip.h. */
#include <archive.h>
#include <archive_entry.h>
#include <check.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "testutil_zip.h"

static la_ssize_t buf_write(struct archive *a, void *user, const void *b, size_t n)
{
	(void)a;
	return mg_buf_append(user, b, n) < 0 ? -1 : (la_ssize_t)n;
}

static void write_entries(struct archive *a, const tu_zip_entry *ents, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();
		size_t len = ents[i].len ? ents[i].len : strlen(ents[i].data);

		archive_entry_set_pathname_utf8(e, ents[i].name);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, (la_int64_t)len);
		ck_assert_int_eq(archive_write_header(a, e), ARCHIVE_OK);
		ck_assert_int_eq(archive_write_data(a, ents[i].data, len), (la_ssize_t)len);
		archive_entry_free(e);
	}
}

unsigned char *tu_make_archive(int format, int filter, const tu_zip_entry *ents, size_t n,
                               size_t *outlen)
{
	struct archive *a = archive_write_new();
	/* libarchive converts names through the locale's charset */
	locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0), saved;
	mg_buf b;

	ck_assert_ptr_nonnull(utf8);
	saved = uselocale(utf8);
	mg_buf_init(&b, 1u << 26);
	ck_assert_int_eq(archive_write_set_format(a, format), ARCHIVE_OK);
	if (format == ARCHIVE_FORMAT_ZIP)
		archive_write_set_options(a, "zip:hdrcharset=UTF-8");
	if (filter != ARCHIVE_FILTER_NONE)
		ck_assert_int_eq(archive_write_add_filter(a, filter), ARCHIVE_OK);
	archive_write_set_bytes_in_last_block(a, 1);
	ck_assert_int_eq(archive_write_open2(a, &b, NULL, buf_write, NULL, NULL), ARCHIVE_OK);
	write_entries(a, ents, n);
	ck_assert_int_eq(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	uselocale(saved);
	freelocale(utf8);
	return mg_buf_steal(&b, outlen);
}

unsigned char *tu_make_zip(const tu_zip_entry *ents, size_t n, size_t *outlen)
{
	return tu_make_archive(ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE, ents, n, outlen);
}

char *tu_zip_get(const unsigned char *zip, size_t len, const char *name, size_t *outlen)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	char *out = NULL;

	archive_read_support_format_zip(a);
	ck_assert_int_eq(archive_read_open_memory(a, zip, len), ARCHIVE_OK);
	while (!out && archive_read_next_header(a, &e) == ARCHIVE_OK) {
		size_t n = (size_t)archive_entry_size(e);

		if (strcmp(archive_entry_pathname(e), name) != 0)
			continue;
		out = calloc(1, n + 1);
		ck_assert_ptr_nonnull(out);
		ck_assert_int_eq(archive_read_data(a, out, n), (la_ssize_t)n);
		if (outlen)
			*outlen = n;
	}
	archive_read_free(a);
	return out;
}

char *tu_zip_names(const unsigned char *zip, size_t len)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	char *names = calloc(1, 1);
	size_t n = 0;

	archive_read_support_format_zip(a);
	ck_assert_int_eq(archive_read_open_memory(a, zip, len), ARCHIVE_OK);
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		const char *p = archive_entry_pathname(e);
		size_t k = strlen(p);

		names = realloc(names, n + k + 2);
		ck_assert_ptr_nonnull(names);
		memcpy(names + n, p, k);
		n += k;
		names[n++] = '\n';
		names[n] = 0;
	}
	archive_read_free(a);
	return names;
}
