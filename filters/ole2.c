/*
 * ole2.c - the legacy Office family: Word (.doc), Excel (.xls, BIFF8) and
 * PowerPoint (.ppt) compound files, turned into text.
 *
 * libgsf reads the compound file from memory.  Every storage is walked
 * first (bounded in count and depth) to report what cannot pass: VBA
 * projects, embedded objects (ObjectPool, Ole10Native, MBD storages),
 * signatures.  An OOXML package encrypted into a compound file
 * (EncryptionInfo + EncryptedPackage) is opened with the item's candidate
 * passwords (offcrypto.c) and sanitised as the package it holds, or
 * reported as encrypted.  Otherwise the reader for the document kind
 * writes its text (ole2_word.c, ole2_excel.c, ole2_ppt.c).  Nothing of the
 * compound file passes: the artefact is UTF-8 text.  `block` in the policy
 * quarantines these files instead.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "offcrypto.h"

#define MAX_DEPTH 16

struct walk {
	mg_ole *o;
	unsigned entries;
	bool vba, encrypted_pkg, encryption_info;
	char path[512];
};

unsigned char *mg_ole_stream(mg_ole *o, const char *name, size_t *len, mg_status *st)
{
	GsfInput *in = gsf_infile_child_by_name(o->root, name);
	gsf_off_t size;
	unsigned char *buf = NULL;

	*len = 0;
	if (!in)
		return NULL;
	size = gsf_input_size(in);
	if (size < 0 || (uint64_t)size > o->ctx->policy->max_size) {
		*st = mg_fail(o->ctx, MG_E_LIMIT_SIZE, "stream %s of %lld bytes", name, (long long)size);
	} else if (!(buf = g_try_malloc((gsize)size + 1))) {
		*st = mg_fail(o->ctx, MG_E_INTERNAL, "out of memory");
	} else if (size > 0 && !gsf_input_read(in, (size_t)size, buf)) {
		*st = mg_fail(o->ctx, MG_E_MALFORMED, "stream %s cannot be read", name);
		g_free(buf);
		buf = NULL;
	} else {
		buf[size] = 0;
		*len = (size_t)size;
	}
	g_object_unref(in);
	return buf;
}

/* ---- text output ---- */

static void put_utf8(mg_ole *o, uint32_t cp)
{
	char tmp[8];
	int n = g_unichar_to_utf8(cp, tmp);

	if (!o->full && mg_buf_append(o->out, tmp, (size_t)n) < 0)
		o->full = true;
}

void mg_ole_putc(mg_ole *o, uint32_t cp)
{
	if (o->high) { /* a high surrogate not followed by a low one */
		o->high = 0;
		put_utf8(o, 0xFFFD);
	}
	if (cp == '\r' || cp == 0x0B || cp == 0x0C)
		cp = '\n';
	if ((cp < 0x20 && cp != '\n' && cp != '\t') || cp == 0x7F || (cp >= 0x80 && cp < 0xA0) ||
	    (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069))
		return; /* controls and bidirectional overrides */
	if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF || cp == 0xFFFE || cp == 0xFFFF)
		cp = 0xFFFD;
	put_utf8(o, cp);
}

void mg_ole_put16(mg_ole *o, uint16_t u)
{
	if (u >= 0xD800 && u <= 0xDBFF) {
		if (o->high)
			mg_ole_putc(o, 0xFFFD);
		o->high = u;
		return;
	}
	if (u >= 0xDC00 && u <= 0xDFFF) {
		uint16_t hi = o->high;

		o->high = 0;
		mg_ole_putc(o, hi ? 0x10000u + (((uint32_t)hi - 0xD800) << 10) + (u - 0xDC00) : 0xFFFD);
		return;
	}
	mg_ole_putc(o, u);
}

void mg_ole_puts(mg_ole *o, const char *s)
{
	if (!o->full && mg_buf_puts(o->out, s) < 0)
		o->full = true;
}

uint32_t mg_ole_cp1252(unsigned char c)
{
	static const uint16_t high[32] = {
		0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
		0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD, 0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
		0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178,
	};

	return c >= 0x80 && c < 0xA0 ? high[c - 0x80] : c;
}

/* ---- the storage walk ---- */

/* Names as shown in the report: the \001 and \005 prefixes made visible. */
static void show_name(const char *name, char *out, size_t outlen)
{
	size_t o = 0;

	for (; *name && o + 5 < outlen; name++) {
		if ((unsigned char)*name < 0x20)
			o += (size_t)snprintf(out + o, outlen - o, "\\x%02x", (unsigned char)*name);
		else
			out[o++] = *name;
	}
	out[o] = 0;
}

const char *mg_ole_drop_reason(const char *name, bool storage, unsigned depth)
{
	if (storage && (strcmp(name, "Macros") == 0 || strcmp(name, "_VBA_PROJECT_CUR") == 0 ||
	                strcmp(name, "VBA") == 0))
		return "VBA macro project";
	if (storage && strcmp(name, "ObjectPool") == 0)
		return "embedded OLE objects (ObjectPool)";
	if (storage && depth == 0 && strncmp(name, "MBD", 3) == 0)
		return "embedded OLE object";
	if (strcmp(name, "\001Ole10Native") == 0)
		return "embedded file (Ole10Native package)";
	if (strcmp(name, "_xmlsignatures") == 0 || strcmp(name, "_signatures") == 0)
		return "digital signature (it cannot survive sanitising)";
	return NULL;
}

static const char *classify(struct walk *w, const char *name, bool storage, unsigned depth)
{
	const char *why = mg_ole_drop_reason(name, storage, depth);

	if (depth == 0 && strcmp(name, "EncryptionInfo") == 0)
		w->encryption_info = true;
	if (depth == 0 && strcmp(name, "EncryptedPackage") == 0)
		w->encrypted_pkg = true;
	if (why && strcmp(why, "VBA macro project") == 0)
		w->vba = true;
	return why;
}

/* Reports each removed storage once, without descending into it. */
static mg_status walk(struct walk *w, GsfInfile *dir, unsigned depth)
{
	int n = gsf_infile_num_children(dir);
	size_t plen = strlen(w->path);
	mg_status st = MG_OK;

	if (depth > MAX_DEPTH)
		return mg_fail(w->o->ctx, MG_E_LIMIT_DEPTH, "compound file storages nested deeper than %d",
		               MAX_DEPTH);
	for (int i = 0; i < n && st == MG_OK; i++) {
		const char *name = gsf_infile_name_by_index(dir, i);
		GsfInput *child;
		bool storage;
		const char *why;
		char shown[128];

		if (!name)
			continue;
		if (++w->entries > w->o->ctx->policy->max_parts)
			return mg_fail(w->o->ctx, MG_E_LIMIT_COUNT,
			               "compound file has more than max_parts %u entries",
			               w->o->ctx->policy->max_parts);
		if (!(child = gsf_infile_child_by_index(dir, i)))
			continue;
		storage = GSF_IS_INFILE(child) && gsf_infile_num_children(GSF_INFILE(child)) >= 0;
		show_name(name, shown, sizeof(shown));
		snprintf(w->path + plen, sizeof(w->path) - plen, "%s%s", plen ? "/" : "", shown);
		if ((why = classify(w, name, storage, depth)))
			mg_report_removed(w->o->ctx, w->path, "%s", why);
		else if (storage)
			st = walk(w, GSF_INFILE(child), depth + 1);
		w->path[plen] = 0;
		g_object_unref(child);
	}
	return st == MG_OK ? mg_check_deadline(w->o->ctx) : st;
}

static bool has_stream(GsfInfile *root, const char *name)
{
	GsfInput *in = gsf_infile_child_by_name(root, name);

	if (in)
		g_object_unref(in);
	return in != NULL;
}

/* What every action checks first: the storages that cannot pass are
 * reported, encrypted documents stop here. */
static mg_status check(mg_ole *o)
{
	struct walk w = { .o = o };
	mg_status st = walk(&w, o->root, 0);

	if (st != MG_OK)
		return st;
	if (w.encryption_info || w.encrypted_pkg)
		return mg_fail(o->ctx, MG_E_ENCRYPTED,
		               "encrypted Office document (EncryptionInfo/EncryptedPackage)");
	if (has_stream(o->root, "EncryptedSummary"))
		return mg_fail(o->ctx, MG_E_ENCRYPTED, "encrypted PowerPoint presentation");
	return MG_OK;
}

/* The usual extension of the document kind, NULL for none of the three. */
static const char *kind_ext(mg_ole *o)
{
	if (has_stream(o->root, "WordDocument"))
		return "doc";
	if (has_stream(o->root, "Workbook"))
		return "xls";
	if (has_stream(o->root, "PowerPoint Document"))
		return "ppt";
	return NULL;
}

static mg_status extract(mg_ole *o)
{
	mg_status st = o->checked ? MG_OK : check(o);

	if (st != MG_OK)
		return st;
	if (has_stream(o->root, "WordDocument"))
		return mg_ole_word(o);
	if (has_stream(o->root, "Workbook"))
		return mg_ole_excel(o);
	if (has_stream(o->root, "PowerPoint Document"))
		return mg_ole_ppt(o);
	if (has_stream(o->root, "Book"))
		return mg_fail(o->ctx, MG_E_TYPE_BLOCKED, "Excel 5.0/95 workbook is not supported");
	return mg_fail(o->ctx, MG_E_TYPE_BLOCKED,
	               "compound file that is not a Word, Excel or PowerPoint document");
}

static mg_status to_text(mg_ole *o, mg_out *out)
{
	mg_status st = extract(o);

	if (st == MG_OK && o->high)
		mg_ole_putc(o, 0xFFFD);
	if (st == MG_OK && o->full)
		st = mg_fail(o->ctx, MG_E_LIMIT_SIZE, "text larger than max_output");
	if (st == MG_OK && !out->data.data && mg_buf_append(&out->data, "", 0) < 0)
		st = mg_fail(o->ctx, MG_E_INTERNAL, "out of memory");
	if (st == MG_OK) {
		mg_out_set_type(out, "text/plain; charset=utf-8", "txt");
		mg_report_action(o->ctx, "converted to text; nothing of the compound file is kept");
	}
	return st;
}

/* pdf: a copy of the compound file without what cannot pass (macros,
 * objects, signatures) for LibreOffice; an Outlook message or another
 * compound file is text as before. */
static mg_status to_convert(mg_ole *o, mg_out *out)
{
	mg_status st = check(o);
	const char *ext;

	o->checked = true;
	if (st != MG_OK)
		return st;
	if (!(ext = kind_ext(o)))
		return to_text(o, out);
	if ((st = mg_ole_strip(o, &out->data)) == MG_OK)
		mg_out_set_type(out, MG_TO_CONVERT, ext);
	return st;
}

static mg_status ole2_run(mg_ctx *ctx, const mg_item *item, mg_action action, mg_out *out)
{
	GsfInput *in = gsf_input_memory_new(item->data, (gsf_off_t)item->len, FALSE);
	GError *err = NULL;
	mg_ole o = { .ctx = ctx, .out = &out->data };
	mg_status st;

	if (!in)
		return mg_fail(ctx, MG_E_INTERNAL, "out of memory");
	o.root = gsf_infile_msole_new(in, &err);
	if (!o.root) {
		st = mg_fail(ctx, MG_E_MALFORMED, "not a readable compound file: %s",
		             err && err->message ? err->message : "error");
		goto done;
	}
	if (mg_offcrypto_present(o.root))
		st = mg_offcrypto_open(&o, item, out);
	else if (action == MG_ACT_PDF)
		st = to_convert(&o, out);
	else
		st = to_text(&o, out);
done:
	if (err)
		g_error_free(err);
	if (o.root)
		g_object_unref(o.root);
	g_object_unref(in);
	return st;
}

const mg_filter mg_filter_ole2 = {
	.family = MG_FAM_OLE2,
	.name = "ole2",
	.actions = 1u << MG_ACT_TEXT | 1u << MG_ACT_PDF,
	.default_action = MG_ACT_TEXT,
	.run = ole2_run,
};
