/*
 * mail_boundary.c - a rebuilt multipart's boundary derived from its
 * content: gmime's own is random, and the same input with the same policy
 * must give the same bytes.  The boundary hashes the parts it separates,
 * so it cannot occur in them unless SHA-256 has a fixed point; it is
 * checked anyway and salted again if it does.  The item id and the
 * X-Mugai- lines of nested messages are left out of the hash: they name
 * the item and the pass, and two items may differ in them only.
 */
#include <string.h>

#include "mail_priv.h"

/* A line of content hashed with the item id left out. */
static void hash_line(GChecksum *ck, const guchar *p, const guchar *end, const char *id)
{
	size_t idlen = id ? strlen(id) : 0;
	const guchar *hit;

	while (idlen && (hit = memmem(p, (size_t)(end - p), id, idlen)) != NULL) {
		g_checksum_update(ck, p, hit - p);
		p = hit + idlen;
	}
	g_checksum_update(ck, p, end - p);
}

/* The content hashed without mugai's own X-Mugai- lines (a nested
 * message's verdict counts what one pass changed) and without the id. */
static void hash_without(GChecksum *ck, const GByteArray *content, const char *id)
{
	const guchar *p = content->data, *end = content->data + content->len;

	while (p < end) {
		const guchar *nl = memchr(p, '\n', (size_t)(end - p));
		const guchar *next = nl ? nl + 1 : end;

		if ((size_t)(next - p) < 8 || memcmp(p, "X-Mugai-", 8) != 0)
			hash_line(ck, p, next, id);
		p = next;
	}
}

static char *boundary_of(const GByteArray *content, const char *id, unsigned salt)
{
	GChecksum *ck = g_checksum_new(G_CHECKSUM_SHA256);
	char *b;

	hash_without(ck, content, id);
	g_checksum_update(ck, (const guchar *)&salt, sizeof(salt));
	b = g_strdup_printf("=-mugai-%.40s", g_checksum_get_string(ck));
	g_checksum_free(ck);
	return b;
}

void mail_boundary_set(GMimeMultipart *mp, GMimeFormatOptions *fopts, const char *item_id)
{
	GMimeStream *mem = g_mime_stream_mem_new();
	GByteArray *content;
	char *b = NULL;
	int n = g_mime_multipart_get_count(mp);

	for (int i = 0; i < n; i++)
		g_mime_object_write_to_stream(g_mime_multipart_get_part(mp, i), fopts, mem);
	content = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	for (unsigned salt = 0;; salt++) {
		b = boundary_of(content, item_id, salt);
		if (!memmem(content->data, content->len, b, strlen(b)))
			break;
		g_free(b);
	}
	g_mime_multipart_set_boundary(mp, b);
	g_free(b);
	g_object_unref(mem);
}
