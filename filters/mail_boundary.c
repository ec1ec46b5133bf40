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
 *
 * The message is written once: each multipart is made with a random
 * stand-in of the boundary's length, then in the written message,
 * innermost multipart first, the bytes between a stand-in's delimiter
 * lines are its parts exactly as writing them apart gave them (the same
 * call with the same options), so they are hashed as before and the
 * stand-in overwritten by the boundary in place.  A message not laid out
 * as expected is written again the old way: each multipart's parts
 * apart, then the whole.
 */
#include <openssl/evp.h>
#include <string.h>

#include "mail_priv.h"

#define BOUNDARY_PREFIX "=-mugai-"
#define BOUNDARY_LEN 48 /* the prefix and 40 hex digits */

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

	/* most parts hold neither: hashed whole, the same digest in one update
	 * instead of one a line */
	if (!memmem(p, content->len, "X-Mugai-", 8) &&
	    (!id || !*id || !memmem(p, content->len, id, strlen(id)))) {
		EVP_DigestUpdate(ck, p, content->len);
		return;
	}
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

	ok = ck && EVP_DigestInit_ex(ck, mg_sha256_md(), NULL) == 1;
	if (ok) {
		hash_without(ck, content, id);
		ok = EVP_DigestUpdate(ck, &salt, sizeof(salt)) == 1 &&
		     EVP_DigestFinal_ex(ck, md, &n) == 1 && n >= 20;
	}
	EVP_MD_CTX_free(ck);
	if (!ok)
		g_error("mail boundary: SHA-256 failed (out of memory)");
	mg_hex(md, 20, hex);
	return g_strconcat(BOUNDARY_PREFIX, hex, NULL);
}

/* The first salted hash of the parts that does not occur in them. */
static char *boundary_for(const GByteArray *content, const char *item_id)
{
	char *b;

	for (unsigned salt = 0;; salt++) {
		b = boundary_of(content, item_id, salt);
		if (!memmem(content->data, content->len, b, strlen(b)))
			return b;
		g_free(b);
	}
}

void mail_boundary_set(GMimeMultipart *mp, GMimeFormatOptions *fopts, const char *item_id)
{
	GMimeStream *mem = g_mime_stream_mem_new();
	char *b;
	int n = g_mime_multipart_get_count(mp);

	for (int i = 0; i < n; i++)
		g_mime_object_write_to_stream(g_mime_multipart_get_part(mp, i), fopts, mem);
	b = boundary_for(g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem)), item_id);
	g_mime_multipart_set_boundary(mp, b);
	g_free(b);
	g_object_unref(mem);
}

typedef struct pending {
	GMimeMultipart *mp;
	char stand_in[BOUNDARY_LEN + 1];
} pending;

static void pending_free(gpointer data)
{
	pending *p = data;

	g_object_unref(p->mp);
	g_free(p);
}

/* A multipart/subtype whose boundary is a stand-in, settled once the
 * message is written.  Made here rather than by
 * g_mime_multipart_new_with_subtype, which reads gmime's random pool
 * (/dev/urandom: an open, a read and a close) for a boundary mugai
 * replaces, and formats the Content-Type field again for each parameter
 * set: here the field is formatted once, its parameters in the same
 * order (the boundary, then param). */
GMimeMultipart *mail_boundary_multipart_new(mail_job *j, const char *subtype, const char *param,
                                            const char *value)
{
	pending *p = g_new0(pending, 1);
	GMimeContentType *ct = g_mime_content_type_new("multipart", subtype);
	GMimeMultipart *mp = g_object_new(GMIME_TYPE_MULTIPART, NULL);

	memcpy(p->stand_in, BOUNDARY_PREFIX, strlen(BOUNDARY_PREFIX));
	for (size_t i = strlen(BOUNDARY_PREFIX); i < BOUNDARY_LEN; i += 8)
		snprintf(p->stand_in + i, 9, "%08x", g_random_int());
	g_mime_content_type_set_parameter(ct, "boundary", p->stand_in);
	if (param)
		g_mime_content_type_set_parameter(ct, param, value);
	g_mime_object_set_content_type(GMIME_OBJECT(mp), ct);
	g_object_unref(ct);
	p->mp = g_object_ref(mp);
	if (!j->boundaries)
		j->boundaries = g_ptr_array_new_with_free_func(pending_free);
	g_ptr_array_add(j->boundaries, p);
	return mp;
}

void mail_boundaries_free(mail_job *j)
{
	if (j->boundaries)
		g_ptr_array_free(j->boundaries, TRUE);
	j->boundaries = NULL;
}

struct scan {
	guchar *msg;
	size_t len;
	const char *nl;
	size_t nll;
};

static bool has_at(const struct scan *sc, size_t pos, const char *s, size_t n)
{
	return pos <= sc->len && n <= sc->len - pos && memcmp(sc->msg + pos, s, n) == 0;
}

/* One stand-in's multipart in the written message: its parameter once,
 * then a delimiter line before each part and the close delimiter after
 * the last, each part followed by one newline.  The parts' bytes go to
 * content, every place of the stand-in to hits; false on anything else. */
static bool find_parts(const struct scan *sc, const pending *p, GByteArray *content, GArray *hits)
{
	size_t delims = 0, part_start = 0, from = 0;
	bool closed = false;
	const guchar *at;

	while (from < sc->len &&
	       (at = memmem(sc->msg + from, sc->len - from, p->stand_in, BOUNDARY_LEN)) != NULL) {
		size_t pos = (size_t)(at - sc->msg), after = pos + BOUNDARY_LEN;
		bool line = pos >= 2 + sc->nll && has_at(sc, pos - 2, "--", 2) &&
		            has_at(sc, pos - 2 - sc->nll, sc->nl, sc->nll);

		g_array_append_val(hits, pos);
		from = after;
		if (!line) {
			if (hits->len != 1)
				return false; /* the parameter only, before the delimiters */
			continue;
		}
		if (closed || (delims > 0 && pos - 2 - sc->nll < part_start))
			return false;
		if (delims > 0)
			g_byte_array_append(content, sc->msg + part_start, (guint)(pos - 2 - sc->nll - part_start));
		if (has_at(sc, after, sc->nl, sc->nll)) {
			delims++;
			part_start = after + sc->nll;
		} else if (has_at(sc, after, "--", 2) && has_at(sc, after + 2, sc->nl, sc->nll)) {
			closed = true;
		} else {
			return false;
		}
	}
	return closed && delims == (size_t)g_mime_multipart_get_count(p->mp) && hits->len == delims + 2;
}

bool mail_boundary_settle(mail_job *j, guchar *msg, size_t len, const char *item_id)
{
	struct scan sc = { msg, len, g_mime_format_options_get_newline(j->fopts), 0 };
	bool ok = true;

	sc.nll = strlen(sc.nl);
	for (guint i = 0; ok && j->boundaries && i < j->boundaries->len; i++) {
		const pending *p = g_ptr_array_index(j->boundaries, i);
		GByteArray *content = g_byte_array_new();
		GArray *hits = g_array_new(FALSE, FALSE, sizeof(size_t));

		ok = find_parts(&sc, p, content, hits);
		if (ok) {
			char *b = boundary_for(content, item_id);

			ok = strlen(b) == BOUNDARY_LEN;
			for (guint k = 0; ok && k < hits->len; k++)
				memcpy(msg + g_array_index(hits, size_t, k), b, BOUNDARY_LEN);
			g_free(b);
		}
		g_byte_array_free(content, TRUE);
		g_array_free(hits, TRUE);
	}
	return ok;
}

void mail_boundary_set_all(mail_job *j, const char *item_id)
{
	for (guint i = 0; j->boundaries && i < j->boundaries->len; i++) {
		const pending *p = g_ptr_array_index(j->boundaries, i);

		mail_boundary_set(p->mp, j->fopts, item_id);
	}
}
