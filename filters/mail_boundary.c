/*
 * mail_boundary.c - a rebuilt multipart's boundary derived from its
 * content: gmime's own is random, and the same input with the same policy
 * must give the same bytes.  The boundary hashes the parts it separates,
 * so it cannot occur in them unless SHA-256 has a fixed point; it is
 * checked anyway and salted again if it does.  The item id and the
 * X-Mugai- lines of nested messages are left out of the hash: they name
 * the item and the pass, and two items may differ in them only.  The
 * digest is OpenSSL's (the CPU's SHA instructions where it has them):
 * every multipart of every mail is hashed, and GLib's portable SHA-256
 * took a fifth of the rebuild's assembly.
 */
#include <openssl/evp.h>
#include <string.h>

#include "mail_priv.h"

/* A line of content hashed with the item id left out. */
static void hash_line(EVP_MD_CTX *ck, const guchar *p, const guchar *end, const char *id)
{
	size_t idlen = id ? strlen(id) : 0;
	const guchar *hit;

	while (idlen && (hit = memmem(p, (size_t)(end - p), id, idlen)) != NULL) {
		EVP_DigestUpdate(ck, p, (size_t)(hit - p));
		p = hit + idlen;
	}
	EVP_DigestUpdate(ck, p, (size_t)(end - p));
}

/* The content hashed without mugai's own X-Mugai- lines (a nested
 * message's verdict counts what one pass changed) and without the id. */
static void hash_without(EVP_MD_CTX *ck, const GByteArray *content, const char *id)
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

/* "=-mugai-" and the first 40 hex digits of the hash.  OpenSSL fails
 * only out of memory: then the job aborts, as GLib's allocators (and so
 * the GChecksum this replaced) do, and a crashed job's item is blocked. */
static char *boundary_of(const GByteArray *content, const char *id, unsigned salt)
{
	EVP_MD_CTX *ck = EVP_MD_CTX_new();
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	char hex[41];
	bool ok;

	ok = ck && EVP_DigestInit_ex(ck, EVP_sha256(), NULL) == 1;
	if (ok) {
		hash_without(ck, content, id);
		ok = EVP_DigestUpdate(ck, &salt, sizeof(salt)) == 1 &&
		     EVP_DigestFinal_ex(ck, md, &n) == 1 && n >= 20;
	}
	EVP_MD_CTX_free(ck);
	if (!ok)
		g_error("mail boundary: SHA-256 failed (out of memory)");
	for (unsigned i = 0; i < 20; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return g_strdup_printf("=-mugai-%s", hex);
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
