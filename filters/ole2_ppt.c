/*
 * ole2_ppt.c - the text of a PowerPoint 97-2003 presentation (.ppt), per
 * [MS-PPT].
 *
 * The "PowerPoint Document" stream is a sequence of records with an
 * 8-byte header; a container (version 0xF) holds more records.  The walk
 * is flat: it steps into a container's payload and over an atom, so every
 * step moves forward by at least a header and nothing recurses.  Text
 * comes from TextCharsAtom (UTF-16) and TextBytesAtom (Latin-1).  VBA
 * projects, embedded or linked OLE objects, ActiveX controls and actions
 * that run programs or macros are reported; an encryption header blocks.
 */
#include <stdio.h>
#include <string.h>

#include "ole2_int.h"

enum {
	RT_VBA_INFO = 0x03FF, RT_EXTERNAL_OLE_CONTROL = 0x0FEE, RT_TEXT_CHARS = 0x0FA0,
	RT_TEXT_BYTES = 0x0FA8, RT_EX_OLE_EMBED = 0x0FCC, RT_EX_OLE_LINK = 0x0FCE,
	RT_INTERACTIVE_INFO = 0x0FF3, RT_EX_OLE_OBJ_STG = 0x1011, RT_CRYPT_SESSION = 0x2F14,
};

struct found {
	unsigned vba, embedded, linked, controls, actions, storages;
};

static void text_atom(mg_ole *o, const unsigned char *d, uint32_t len, bool wide)
{
	for (uint32_t i = 0; i + (wide ? 1u : 0u) < len && !o->full; i += wide ? 2 : 1)
		if (wide)
			mg_ole_put16(o, mg_le16(d + i));
		else
			mg_ole_putc(o, d[i]);
	mg_ole_putc(o, '\n');
}

static void interactive(struct found *f, const unsigned char *d, uint32_t len)
{
	/* action 2: run a macro, 3: run a program, 5: an OLE verb */
	if (len >= 9 && (d[8] == 2 || d[8] == 3 || d[8] == 5))
		f->actions++;
}

static void container(struct found *f, uint16_t type)
{
	if (type == RT_VBA_INFO)
		f->vba++;
	else if (type == RT_EX_OLE_EMBED)
		f->embedded++;
	else if (type == RT_EX_OLE_LINK)
		f->linked++;
	else if (type == RT_EXTERNAL_OLE_CONTROL)
		f->controls++;
}

static void report(mg_ctx *ctx, const struct found *f)
{
	if (f->vba)
		mg_report_removed(ctx, "VBA project", "PowerPoint VBA project (VbaInfoContainer)");
	if (f->embedded || f->storages)
		mg_report_removed(ctx, "embedded OLE objects",
		                  "%u embedded OLE object(s), %u stored OLE storage(s) (ExOleObjStg)",
		                  f->embedded, f->storages);
	if (f->linked)
		mg_report_removed(ctx, "linked OLE objects", "%u OLE object(s) linked to files",
		                  f->linked);
	if (f->controls)
		mg_report_removed(ctx, "ActiveX controls", "%u ActiveX control(s)", f->controls);
	if (f->actions)
		mg_report_removed(ctx, "actions", "%u action(s) that run a program, macro or object",
		                  f->actions);
}

mg_status mg_ole_ppt(mg_ole *o)
{
	struct found f = { 0 };
	size_t len = 0, pos = 0, count = 0;
	mg_status st = MG_OK;
	unsigned char *s = mg_ole_stream(o, "PowerPoint Document", &len, &st);

	if (!s)
		return st != MG_OK ? st : mg_fail(o->ctx, MG_E_MALFORMED, "no PowerPoint stream");
	while (st == MG_OK && !o->full) {
		const unsigned char *h = mg_view(s, len, pos, 8), *d;
		uint16_t type;
		uint32_t rlen;

		if (!h)
			break;
		type = mg_le16(h + 2);
		rlen = mg_le32(h + 4);
		if (type == RT_CRYPT_SESSION) {
			st = mg_fail(o->ctx, MG_E_ENCRYPTED, "encrypted PowerPoint presentation");
			break;
		}
		if ((h[0] & 0x0F) == 0x0F) { /* a container: its records follow */
			container(&f, type);
			pos += 8;
			continue;
		}
		if (!(d = mg_view(s, len, pos + 8, rlen)))
			break; /* a truncated last atom: the text so far stands */
		if (type == RT_TEXT_CHARS || type == RT_TEXT_BYTES)
			text_atom(o, d, rlen, type == RT_TEXT_CHARS);
		else if (type == RT_EX_OLE_OBJ_STG)
			f.storages++;
		else if (type == RT_INTERACTIVE_INFO)
			interactive(&f, d, rlen);
		pos += 8 + (size_t)rlen;
		if (st == MG_OK && (++count & 4095) == 0)
			st = mg_check_deadline(o->ctx);
	}
	g_free(s);
	if (st == MG_OK)
		report(o->ctx, &f);
	return st;
}
