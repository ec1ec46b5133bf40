/*
 * archive_io.c - bytes into and out of libarchive.
 *
 * In: gzip is decoded with zlib through GIO rather than libarchive's gzip
 * filter, because that filter skips the CRC and length check (a corrupt
 * stream would pass as data) and, bidding again on its own output, spins
 * on a stream that decompresses to itself.  The decoded bytes feed a
 * libarchive reader through its read callback, one bounded block at a
 * time.
 * Out: a zip written by libarchive straight into the artefact's bounded
 * buffer.
 */
#include <archive_entry.h>
#include <errno.h>
#include <gio/gio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive_priv.h"

#define GZ_BLOCK (64u * 1024u)

struct mg_gz_source {
	const unsigned char *in;
	size_t len, pos;
	GConverter *conv;
	bool member_done;  /* the current gzip member ended */
	bool eof;
	char error[160];
	unsigned char block[GZ_BLOCK];
};

mg_gz_source *mg_gz_source_new(const unsigned char *d, size_t len)
{
	mg_gz_source *src = calloc(1, sizeof(*src));

	if (!src)
		return NULL;
	src->in = d;
	src->len = len;
	src->conv = G_CONVERTER(g_zlib_decompressor_new(G_ZLIB_COMPRESSOR_FORMAT_GZIP));
	return src;
}

void mg_gz_source_free(mg_gz_source *src)
{
	if (!src)
		return;
	if (src->conv)
		g_object_unref(src->conv);
	free(src);
}

const char *mg_gz_source_error(const mg_gz_source *src)
{
	return src && src->error[0] ? src->error : NULL;
}

static la_ssize_t gz_fail(struct archive *a, mg_gz_source *src, const char *why)
{
	snprintf(src->error, sizeof(src->error), "gzip stream: %s", why);
	archive_set_error(a, EILSEQ, "%s", src->error);
	return ARCHIVE_FATAL;
}

/* After a member: another member, zero padding (tape blocking) or the end;
 * anything else hides behind the stream and is refused. */
static la_ssize_t gz_next_member(struct archive *a, mg_gz_source *src)
{
	const unsigned char *rest = src->in + src->pos;
	size_t n = src->len - src->pos;

	if (n >= 2 && rest[0] == 0x1f && rest[1] == 0x8b) {
		g_converter_reset(src->conv);
		src->member_done = false;
		return 1;
	}
	for (size_t i = 0; i < n; i++)
		if (rest[i] != 0)
			return gz_fail(a, src, "data after the end of the compressed stream");
	src->eof = true;
	return 0;
}

static la_ssize_t gz_read(struct archive *a, void *user, const void **buf)
{
	mg_gz_source *src = user;

	*buf = src->block;
	while (!src->eof) {
		GError *err = NULL;
		gsize nread = 0, nwritten = 0;
		GConverterResult res;
		la_ssize_t next;

		if (src->member_done) {
			next = gz_next_member(a, src);
			if (next <= 0)
				return next;
		}
		res = g_converter_convert(src->conv, src->in + src->pos, src->len - src->pos,
		                          src->block, sizeof(src->block), G_CONVERTER_INPUT_AT_END,
		                          &nread, &nwritten, &err);
		if (res == G_CONVERTER_ERROR) {
			la_ssize_t r = gz_fail(a, src, g_error_matches(err, G_IO_ERROR,
			                       G_IO_ERROR_PARTIAL_INPUT) ? "truncated" :
			                       "corrupt data or failed CRC check");

			g_error_free(err);
			return r;
		}
		src->pos += nread;
		if (res == G_CONVERTER_FINISHED)
			src->member_done = true;
		if (nwritten > 0)
			return (la_ssize_t)nwritten;
		if (nread == 0 && res != G_CONVERTER_FINISHED)
			return gz_fail(a, src, "no progress"); /* never spin */
	}
	return 0;
}

int mg_gz_source_open(mg_gz_source *src, struct archive *a)
{
	if (!src->conv)
		return ARCHIVE_FATAL;
	return archive_read_open(a, src, NULL, gz_read, NULL);
}

struct mg_zip_writer {
	struct archive *a;
	mg_buf *out;
	bool overflow;
};

static la_ssize_t zw_write(struct archive *a, void *user, const void *buf, size_t n)
{
	mg_zip_writer *w = user;

	if (mg_buf_append(w->out, buf, n) < 0) {
		w->overflow = true;
		archive_set_error(a, ENOSPC, "the rebuilt archive is larger than max_output");
		return -1;
	}
	return (la_ssize_t)n;
}

mg_zip_writer *mg_zip_writer_new(mg_buf *out)
{
	mg_zip_writer *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->out = out;
	w->a = archive_write_new();
	if (!w->a || archive_write_set_format_zip(w->a) != ARCHIVE_OK ||
	    archive_write_set_options(w->a, "zip:hdrcharset=UTF-8") != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(w->a, 1) != ARCHIVE_OK ||
	    archive_write_open2(w->a, w, NULL, zw_write, NULL, NULL) != ARCHIVE_OK) {
		mg_zip_writer_free(w);
		return NULL;
	}
	return w;
}

int mg_zip_writer_add(mg_zip_writer *w, const char *name, time_t mtime, bool store,
                      const unsigned char *data, size_t len)
{
	struct archive_entry *e = archive_entry_new();
	int rc = -1;

	if (!e)
		return -1;
	archive_entry_set_pathname_utf8(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644); /* never an executable bit */
	archive_entry_set_size(e, (la_int64_t)len);
	archive_entry_set_mtime(e, mtime, 0);
	if (store)
		archive_write_zip_set_compression_store(w->a);
	else
		archive_write_zip_set_compression_deflate(w->a);
	if (archive_write_header(w->a, e) != ARCHIVE_OK)
		goto done;
	while (len > 0) {
		la_ssize_t n = archive_write_data(w->a, data, len);

		if (n <= 0)
			goto done;
		data += n;
		len -= (size_t)n;
	}
	if (archive_write_finish_entry(w->a) != ARCHIVE_OK)
		goto done;
	rc = 0;
done:
	archive_entry_free(e);
	return rc;
}

int mg_zip_writer_finish(mg_zip_writer *w)
{
	return archive_write_close(w->a) == ARCHIVE_OK ? 0 : -1;
}

const char *mg_zip_writer_error(const mg_zip_writer *w)
{
	const char *s = w->a ? archive_error_string(w->a) : NULL;

	return s ? s : "zip writer failed";
}

bool mg_zip_writer_overflow(const mg_zip_writer *w)
{
	return w->overflow;
}

void mg_zip_writer_free(mg_zip_writer *w)
{
	if (!w)
		return;
	if (w->a)
		archive_write_free(w->a); /* closes an unfinished writer: its output is dropped anyway */
	free(w);
}
