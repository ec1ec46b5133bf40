/*
 * ooxml_pkg.c - zip packages in and out of memory (libarchive) and the
 * hardened XML parser (libxml2) shared by the OOXML and ODF filters.
 *
 * The reader trusts the central directory only (the seekable zip reader),
 * as Office and LibreOffice do, and applies every limit while it
 * decompresses, so that a bomb is stopped at the limit, not after it.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <glib.h>
#include <gsf/gsf.h>
#include <libxml/parser.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ooxml_pkg.h"

#define NAME_MAX_LEN 1024
#define READ_CHUNK 65536
/* Below this many bytes the ratio limit does not apply: tiny packages of
 * highly compressible XML are normal. */
#define RATIO_FLOOR (1u << 20)
/* zlib's fastest level: on a rebuilt document it deflates about three
 * times faster than the default (6), which was a third of a .docm's
 * sanitising time, for output some 8 % larger. */
#define ZIP_LEVEL "zip:compression-level=1"
/* 1980-01-01, the zip epoch: output does not leak the time of sanitising. */
#define ZIP_EPOCH 315532800

/* libarchive converts names through the thread's locale: while it works
 * that locale is UTF-8, whatever the process's is, so that a name in
 * Japanese reads and writes the same everywhere. */
static locale_t utf8_enter(void)
{
	static locale_t utf8;

	if (!utf8)
		utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	return utf8 ? uselocale(utf8) : (locale_t)0;
}

static void utf8_leave(locale_t saved)
{
	if (saved)
		uselocale(saved);
}

/* A member name may be stored in no other shape: relative, '/'-separated,
 * no empty, "." or ".." segment, no backslash, colon or control byte. */
static bool name_ok(const char *n)
{
	size_t len = strlen(n), seg = 0;

	if (len == 0 || len > NAME_MAX_LEN || n[0] == '/')
		return false;
	for (size_t i = 0; i <= len; i++) {
		unsigned char c = (unsigned char)n[i];

		if (c == '/' || c == 0) {
			if (seg == 0 && c == '/')
				return false;
			if ((seg == 1 && n[i - 1] == '.') ||
			    (seg == 2 && n[i - 1] == '.' && n[i - 2] == '.'))
				return false;
			seg = 0;
			continue;
		}
		if (c < 0x20 || c == 0x7f || c == '\\' || c == ':')
			return false;
		seg++;
	}
	return true;
}

mg_part *mg_pkg_find(const mg_pkg *pkg, const char *name)
{
	char *key;
	size_t at;

	if (!pkg->index || !name)
		return NULL;
	key = g_ascii_strdown(name, -1);
	at = GPOINTER_TO_SIZE(g_hash_table_lookup(pkg->index, key));
	g_free(key);
	return at ? &pkg->parts[at - 1] : NULL;
}

void mg_pkg_free(mg_pkg *pkg)
{
	for (size_t i = 0; i < pkg->n; i++) {
		free(pkg->parts[i].name);
		free(pkg->parts[i].data);
	}
	free(pkg->parts);
	if (pkg->index)
		g_hash_table_destroy(pkg->index);
	memset(pkg, 0, sizeof(*pkg));
}

static mg_part *pkg_add(mg_pkg *pkg, const char *name)
{
	mg_part *p;

	if (pkg->n == pkg->cap) {
		size_t cap = pkg->cap ? pkg->cap * 2 : 32;
		mg_part *np = realloc(pkg->parts, cap * sizeof(*np));

		if (!np)
			return NULL;
		pkg->parts = np;
		pkg->cap = cap;
	}
	if (!pkg->index)
		pkg->index = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	p = &pkg->parts[pkg->n];
	memset(p, 0, sizeof(*p));
	p->name = strdup(name);
	if (!p->name)
		return NULL;
	pkg->n++;
	/* OPC compares part names without case: so does the index */
	g_hash_table_insert(pkg->index, g_ascii_strdown(name, -1), GSIZE_TO_POINTER(pkg->n));
	return p;
}

/* How many uncompressed bytes the package may still produce. */
static size_t budget_left(const mg_ctx *ctx, const mg_item *item, const mg_pkg *pkg,
                          mg_status *which)
{
	uint64_t total = ctx->policy->max_total;
	uint64_t ratio = (uint64_t)ctx->policy->max_ratio * item->len;

	if (ratio < RATIO_FLOOR)
		ratio = RATIO_FLOOR;
	*which = ratio < total ? MG_E_LIMIT_RATIO : MG_E_LIMIT_SIZE;
	total = ratio < total ? ratio : total;
	if (total > SIZE_MAX / 2)
		total = SIZE_MAX / 2;
	return pkg->total >= total ? 0 : (size_t)total - pkg->total;
}

static mg_status read_member(mg_ctx *ctx, const mg_item *item, struct archive *a, mg_pkg *pkg,
                             mg_part *part)
{
	mg_status which;
	size_t left = budget_left(ctx, item, pkg, &which);
	mg_buf b;
	unsigned char *chunk = malloc(READ_CHUNK);
	la_ssize_t got;
	mg_status st = MG_OK;

	mg_buf_init(&b, left);
	if (!chunk)
		return mg_fail(ctx, MG_E_INTERNAL, "out of memory");
	while ((got = archive_read_data(a, chunk, READ_CHUNK)) > 0) {
		if (mg_buf_append(&b, chunk, (size_t)got) < 0) {
			st = which == MG_E_LIMIT_RATIO
				? mg_fail(ctx, which, "package expands past max_ratio %u at '%s'",
				          ctx->policy->max_ratio, part->name)
				: mg_fail(ctx, which, "package expands past max_total at '%s'", part->name);
			goto done;
		}
		if ((st = mg_check_deadline(ctx)) != MG_OK)
			goto done;
	}
	if (got < 0) {
		st = mg_fail(ctx, MG_E_MALFORMED, "zip member '%s' cannot be read: %s", part->name,
		             archive_error_string(a) ? archive_error_string(a) : "error");
		goto done;
	}
	if (!b.data && mg_buf_append(&b, "", 0) < 0) {
		st = mg_fail(ctx, MG_E_INTERNAL, "out of memory");
		goto done;
	}
	pkg->total += b.len;
	part->len = b.len;
	part->data = mg_buf_steal(&b, &part->len);
done:
	mg_buf_free(&b);
	free(chunk);
	return st;
}

/* Checks one header; *skip is set for directory entries. */
static mg_status check_entry(mg_ctx *ctx, const mg_pkg *pkg, struct archive_entry *e,
                             const char *name, bool *skip)
{
	size_t len = name ? strlen(name) : 0;

	*skip = false;
	if (!name)
		return mg_fail(ctx, MG_E_MALFORMED, "zip member with an unreadable name");
	if (archive_entry_is_encrypted(e))
		return mg_fail(ctx, MG_E_ENCRYPTED, "zip member '%s' is encrypted", name);
	if (archive_entry_filetype(e) == AE_IFDIR || (len && name[len - 1] == '/')) {
		*skip = true;
		return MG_OK;
	}
	if (archive_entry_filetype(e) != AE_IFREG)
		return mg_fail(ctx, MG_E_MALFORMED, "zip member '%s' is not a regular file", name);
	if (!name_ok(name))
		return mg_fail(ctx, MG_E_MALFORMED, "zip member name '%s' is not a safe relative name",
		               name);
	if (mg_pkg_find(pkg, name))
		return mg_fail(ctx, MG_E_MALFORMED, "zip member '%s' appears twice", name);
	return MG_OK;
}

mg_status mg_pkg_read(mg_ctx *ctx, const mg_item *item, mg_pkg *pkg)
{
	locale_t saved = utf8_enter();
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	unsigned seen = 0;
	mg_status st = MG_OK;
	int r;

	memset(pkg, 0, sizeof(*pkg));
	if (!a) {
		utf8_leave(saved);
		return mg_fail(ctx, MG_E_INTERNAL, "out of memory");
	}
	archive_read_support_format_zip_seekable(a);
	if (archive_read_open_memory(a, item->data, item->len) != ARCHIVE_OK) {
		st = mg_fail(ctx, MG_E_MALFORMED, "not a readable zip package: %s",
		             archive_error_string(a) ? archive_error_string(a) : "error");
		goto done;
	}
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname_utf8(e);
		bool skip;
		mg_part *part;

		if (!name)
			name = archive_entry_pathname(e);
		if (++seen > ctx->policy->max_parts) {
			st = mg_fail(ctx, MG_E_LIMIT_COUNT, "package has more than max_parts %u members",
			             ctx->policy->max_parts);
			goto done;
		}
		if ((st = check_entry(ctx, pkg, e, name, &skip)) != MG_OK)
			goto done;
		if (skip)
			continue;
		if (!(part = pkg_add(pkg, name))) {
			st = mg_fail(ctx, MG_E_INTERNAL, "out of memory");
			goto done;
		}
		if ((st = read_member(ctx, item, a, pkg, part)) != MG_OK)
			goto done;
	}
	if (r != ARCHIVE_EOF)
		st = mg_fail(ctx, MG_E_MALFORMED, "zip directory cannot be read: %s",
		             archive_error_string(a) ? archive_error_string(a) : "error");
done:
	archive_read_free(a);
	utf8_leave(saved);
	if (st != MG_OK)
		mg_pkg_free(pkg);
	return st;
}

/* ---- writing ---- */

struct mg_zipw {
	struct archive *a;       /* libarchive, or */
	GsfOutput *mem;          /* libgsf: the zip goes to memory, then to out */
	GsfOutfile *gsf;
	mg_buf *out;
	bool failed;
};

static la_ssize_t zipw_write(struct archive *a, void *cd, const void *buf, size_t n)
{
	mg_zipw *w = cd;

	if (mg_buf_append(w->out, buf, n) < 0) {
		archive_set_error(a, ENOSPC, "output larger than max_output");
		return -1;
	}
	return (la_ssize_t)n;
}

static int zipw_open_archive(mg_zipw *w)
{
	w->a = archive_write_new();
	return w->a && archive_write_set_format_zip(w->a) == ARCHIVE_OK &&
	       archive_write_set_options(w->a, "zip:hdrcharset=UTF-8") == ARCHIVE_OK &&
	       archive_write_set_options(w->a, ZIP_LEVEL) == ARCHIVE_OK &&
	       archive_write_set_bytes_in_last_block(w->a, 1) == ARCHIVE_OK &&
	       archive_write_open(w->a, w, NULL, zipw_write, NULL) == ARCHIVE_OK ? 0 : -1;
}

static int zipw_open_gsf(mg_zipw *w)
{
	w->mem = gsf_output_memory_new();
	w->gsf = w->mem ? gsf_outfile_zip_new(w->mem, NULL) : NULL;
	return w->gsf ? 0 : -1;
}

static void zipw_free(mg_zipw *w)
{
	if (w->a)
		archive_write_free(w->a);
	if (w->gsf)
		g_object_unref(w->gsf);
	if (w->mem)
		g_object_unref(w->mem);
	free(w);
}

mg_zipw *mg_zipw_new(mg_buf *out, bool odf)
{
	mg_zipw *w = calloc(1, sizeof(*w));
	locale_t saved;
	int rc;

	if (!w)
		return NULL;
	w->out = out;
	saved = utf8_enter();
	rc = odf ? zipw_open_gsf(w) : zipw_open_archive(w);
	utf8_leave(saved);
	if (rc < 0) {
		zipw_free(w);
		return NULL;
	}
	return w;
}

static int add_archive(mg_zipw *w, const char *name, const void *data, size_t len, bool store)
{
	struct archive_entry *e = archive_entry_new();
	int rc = -1;

	if (!e)
		return -1;
	archive_entry_set_pathname_utf8(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)len);
	archive_entry_set_mtime(e, ZIP_EPOCH, 0);
	if ((store ? archive_write_zip_set_compression_store(w->a)
	           : archive_write_zip_set_compression_deflate(w->a)) == ARCHIVE_OK &&
	    archive_write_header(w->a, e) == ARCHIVE_OK &&
	    (len == 0 || archive_write_data(w->a, data, len) == (la_ssize_t)len))
		rc = 0;
	archive_entry_free(e);
	return rc;
}

static int add_gsf(mg_zipw *w, const char *name, const void *data, size_t len, bool store)
{
	GDateTime *when = g_date_time_new_from_unix_utc(ZIP_EPOCH);
	GsfOutput *c;
	int rc = -1;

	if (!when)
		return -1;
	c = gsf_outfile_new_child_full(w->gsf, name, FALSE, "compression-level",
	                               store ? GSF_ZIP_STORED : GSF_ZIP_DEFLATED, "modtime", when,
	                               NULL);
	g_date_time_unref(when);
	if (!c)
		return -1;
	if ((len == 0 || gsf_output_write(c, len, data)) && gsf_output_close(c) &&
	    gsf_output_size(w->mem) <= (gsf_off_t)w->out->max)
		rc = 0;
	g_object_unref(c);
	return rc;
}

int mg_zipw_add(mg_zipw *w, const char *name, const void *data, size_t len, bool store)
{
	locale_t saved;

	if (w->failed)
		return -1;
	saved = utf8_enter();
	if ((w->a ? add_archive : add_gsf)(w, name, data, len, store) < 0)
		w->failed = true;
	utf8_leave(saved);
	return w->failed ? -1 : 0;
}

static int finish_gsf(mg_zipw *w)
{
	if (!gsf_output_close(GSF_OUTPUT(w->gsf)) ||
	    (!gsf_output_is_closed(w->mem) && !gsf_output_close(w->mem)))
		return -1;
	return mg_buf_append(w->out, gsf_output_memory_get_bytes(GSF_OUTPUT_MEMORY(w->mem)),
	                     (size_t)gsf_output_size(w->mem));
}

const mg_buf *mg_zipw_buf(const mg_zipw *w)
{
	return w->out;
}

mg_status mg_zipw_fail(mg_ctx *ctx, const mg_buf *out)
{
	if (out->len + READ_CHUNK >= out->max)
		return mg_fail(ctx, MG_E_LIMIT_SIZE, "rebuilt package larger than max_output");
	return mg_fail(ctx, MG_E_INTERNAL, "the new package could not be written");
}

int mg_zipw_finish(mg_zipw *w)
{
	int rc = w->failed ? -1 : 0;

	locale_t saved = utf8_enter();

	if (w->a && archive_write_close(w->a) != ARCHIVE_OK)
		rc = -1;
	if (w->gsf && (rc < 0 || finish_gsf(w) < 0))
		rc = -1;
	zipw_free(w);
	utf8_leave(saved);
	return rc;
}

/* ---- XML ---- */

struct xml_guard {
	bool doctype;
};

/* A DOCTYPE is where entity bombs and external entities live; no Office
 * or ODF part needs one, so the parse stops before its declarations. */
static void reject_subset(void *ctx, const xmlChar *name, const xmlChar *ext_id,
                          const xmlChar *sys_id)
{
	xmlParserCtxtPtr pc = ctx;
	struct xml_guard *g = pc->_private;

	if (g)
		g->doctype = true;
	xmlStopParser(pc);
}

xmlDocPtr mg_xml_parse(const unsigned char *data, size_t len, const char **why)
{
	struct xml_guard g = { false };
	xmlParserCtxtPtr pc;
	xmlDocPtr doc;

	*why = "not well-formed XML";
	if (len > INT32_MAX) {
		*why = "XML part too large";
		return NULL;
	}
	pc = xmlNewParserCtxt();
	if (!pc) {
		*why = "out of memory";
		return NULL;
	}
	pc->_private = &g;
	pc->sax->internalSubset = reject_subset;
	pc->sax->externalSubset = reject_subset;
	/* COMPACT keeps short text inside its node (fewer allocations); the
	 * filters only read node content, never write it in place. */
	doc = xmlCtxtReadMemory(pc, (const char *)data, (int)len, NULL, NULL,
	                        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_COMPACT);
	if (doc && (g.doctype || !pc->wellFormed || doc->intSubset || doc->extSubset)) {
		xmlFreeDoc(doc);
		doc = NULL;
	}
	if (g.doctype)
		*why = "XML with a DOCTYPE (DTDs and entities are refused)";
	xmlFreeParserCtxt(pc);
	return doc;
}

int mg_xml_write(xmlDocPtr doc, mg_buf *out)
{
	xmlChar *mem = NULL;
	int size = 0, rc;

	xmlDocDumpMemoryEnc(doc, &mem, &size, "UTF-8");
	if (!mem || size < 0)
		return -1;
	rc = mg_buf_append(out, mem, (size_t)size);
	xmlFree(mem);
	return rc;
}

/* ---- names ---- */

/* Percent-decodes into out (at most cap - 1 bytes); -1 on a bad escape,
 * an encoded NUL, slash or backslash, or a too long result. */
static int pct_decode(const char *in, char *out, size_t cap)
{
	size_t o = 0;

	for (size_t i = 0; in[i]; i++) {
		int c = (unsigned char)in[i];

		if (c == '%') {
			int hi = g_ascii_xdigit_value(in[i + 1]);
			int lo = hi < 0 ? -1 : g_ascii_xdigit_value(in[i + 2]);

			if (hi < 0 || lo < 0)
				return -1;
			c = hi * 16 + lo;
			if (c == 0 || c == '/' || c == '\\')
				return -1;
			i += 2;
		}
		if (o + 1 >= cap)
			return -1;
		out[o++] = (char)c;
	}
	out[o] = 0;
	return 0;
}

char *mg_pkg_resolve(const char *base_dir, const char *target)
{
	char dec[NAME_MAX_LEN + 1], path[2 * NAME_MAX_LEN + 2];
	char *segs[NAME_MAX_LEN], *save = NULL, *tok, *out;
	size_t nseg = 0, o = 0;

	if (!target || !*target || strpbrk(target, "?#\\"))
		return NULL;
	if (pct_decode(target, dec, sizeof(dec)) < 0)
		return NULL;
	/* a scheme ("http:", "file:", "C:") is never a part */
	if (strchr(dec, ':'))
		return NULL;
	if (dec[0] == '/')
		snprintf(path, sizeof(path), "%s", dec + 1);
	else
		snprintf(path, sizeof(path), "%s%s", base_dir ? base_dir : "", dec);
	for (tok = strtok_r(path, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
		if (strcmp(tok, ".") == 0)
			continue;
		if (strcmp(tok, "..") == 0) {
			if (nseg == 0)
				return NULL;
			nseg--;
			continue;
		}
		if (nseg == NAME_MAX_LEN)
			return NULL;
		segs[nseg++] = tok;
	}
	if (nseg == 0 || !(out = malloc(NAME_MAX_LEN + 1)))
		return NULL;
	for (size_t i = 0; i < nseg; i++) {
		size_t n = strlen(segs[i]);

		if (o + n + 2 > NAME_MAX_LEN + 1) {
			free(out);
			return NULL;
		}
		if (i)
			out[o++] = '/';
		memcpy(out + o, segs[i], n);
		o += n;
	}
	out[o] = 0;
	if (!name_ok(out)) {
		free(out);
		return NULL;
	}
	return out;
}

bool mg_pkg_is_web_image(const unsigned char *d, size_t len)
{
	return (len >= 8 && memcmp(d, "\x89PNG\r\n\x1a\n", 8) == 0) ||
	       (len >= 3 && memcmp(d, "\xff\xd8\xff", 3) == 0) ||
	       (len >= 6 && (memcmp(d, "GIF87a", 6) == 0 || memcmp(d, "GIF89a", 6) == 0));
}
