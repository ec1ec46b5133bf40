/*
 * tnef.c - Outlook's TNEF (winmail.dat, application/ms-tnef) opened with
 * libytnef, so that what it carries reaches the reader sanitised instead
 * of being lost.
 *
 * libytnef parses the stream (its attributes, checksums and MAPI property
 * blocks); nothing of the stream itself is passed on.  Each attachment
 * inside goes through mail_attach() under its decoded name (the UTF-16
 * long file name, else the 8-bit one in the stream's OEM code page, which
 * is CP932 from a Japanese Outlook), exactly like a MIME attachment.
 * libytnef sees only streams tnef_check.c found safe for it.  The
 * body (the plain one, else the compressed RTF through the RTF family as
 * text, else the HTML one through html.c) is added to the message's body
 * when it carries words that body lacks (Outlook usually sends the same
 * text as text/plain beside the TNEF).  A stream libytnef cannot parse is
 * removed, with the reason, like any part that cannot be checked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ytnef.h>

#include "charset.h"
#include "mail_priv.h"
#include "text.h"

#define TNEF_BODY_NAME "winmail.dat (body)"

struct tnef_body {
	mg_buf text;          /* UTF-8 */
	const char *from;     /* "plain", "RTF", "HTML": which body was used */
};

static bool usable(const variableLength *v)
{
	return v && v != MAPI_UNDEFINED && v->data && v->size > 0;
}

/* The charset name iconv knows for the stream's OEM code page, NULL when
 * the stream names none (decoding then guesses). */
static const char *codepage_charset(const TNEFStruct *t, char *buf, size_t len)
{
	unsigned cp;

	if (!t->CodePage.data || t->CodePage.size < 4)
		return NULL;
	cp = (unsigned)t->CodePage.data[0] | (unsigned)t->CodePage.data[1] << 8 |
	     (unsigned)t->CodePage.data[2] << 16 | (unsigned)t->CodePage.data[3] << 24;
	if (cp == 65001)
		return "UTF-8";
	if (cp == 20932 || cp == 51932)
		return "EUC-JP";
	if (cp >= 50220 && cp <= 50222)
		return "ISO-2022-JP";
	if (cp == 0 || cp > 65535)
		return NULL;
	snprintf(buf, len, "CP%u", cp);
	return buf;
}

/* A PT_UNICODE value: libytnef has made it NUL-terminated UTF-8 (its
 * size stays the UTF-16 one); lone surrogates are made valid here. */
static char *unicode_text(const variableLength *v)
{
	return g_utf8_make_valid((const char *)v->data, -1);
}

/* 8-bit text in the stream's code page as UTF-8, up to the first NUL. */
static char *cp_text(const TNEFStruct *t, const variableLength *v)
{
	char cpbuf[16];
	size_t n = strnlen((const char *)v->data, (size_t)v->size);
	mg_buf b;
	char *s;

	mg_buf_init(&b, n * 4 + 16);
	if (mg_charset_decode(v->data, n, codepage_charset(t, cpbuf, sizeof(cpbuf)), &b, NULL) < 0) {
		mg_buf_free(&b);
		return NULL;
	}
	s = g_strdup(b.data ? (const char *)b.data : "");
	mg_buf_free(&b);
	return s;
}

/* A text property: the PT_UNICODE form, else the PT_STRING8 one. */
static char *prop_text(const TNEFStruct *t, MAPIProps *props, unsigned id)
{
	variableLength *v = MAPIFindProperty(props, PROP_TAG(PT_UNICODE, id));
	char *s;

	if (usable(v) && (s = unicode_text(v)) != NULL)
		return s;
	v = MAPIFindProperty(props, PROP_TAG(PT_STRING8, id));
	return usable(v) ? cp_text(t, v) : NULL;
}

static char *attachment_name(const TNEFStruct *t, Attachment *a)
{
	char *name = prop_text(t, &a->MAPI, PR_ATTACH_LONG_FILENAME);

	if (!name || !*name) {
		g_free(name);
		name = prop_text(t, &a->MAPI, PR_ATTACH_FILENAME);
	}
	if ((!name || !*name) && usable(&a->Title)) {
		g_free(name);
		name = cp_text(t, &a->Title);
	}
	return name;
}

/* Each attachment's bytes: the file data, or an embedded object's data
 * (after its 16-byte interface id), through mail_attach(). */
static mg_status attachments(mail_job *j, const TNEFStruct *t, unsigned *count)
{
	mg_status st = MG_OK;

	for (Attachment *a = t->starting_attach.next; a && st == MG_OK; a = a->next) {
		variableLength *obj = MAPIFindProperty(&a->MAPI, PROP_TAG(PT_OBJECT, PR_ATTACH_DATA_OBJ));
		const unsigned char *d = NULL;
		size_t len = 0;
		char *name;

		if (usable(obj) && obj->size > 16) {
			d = obj->data + 16;
			len = (size_t)obj->size - 16;
		} else if (usable(&a->FileData)) {
			d = a->FileData.data;
			len = (size_t)a->FileData.size;
		}
		if (!d)
			continue; /* rendering information only, no content */
		name = attachment_name(t, a);
		st = mail_attach(j, d, len, name);
		(*count)++;
		g_free(name);
	}
	return st;
}

/* The plain body: the PR_BODY property, else the attBody attribute. */
static bool plain_body(const TNEFStruct *t, MAPIProps *props, struct tnef_body *b)
{
	char *s = prop_text(t, props, PR_BODY);

	if ((!s || !*s) && usable(&t->body)) {
		g_free(s);
		s = cp_text(t, &t->body);
	}
	if (s && *s) {
		mg_buf_puts(&b->text, s);
		b->from = "plain";
	}
	g_free(s);
	return b->from != NULL;
}

/* Whether libytnef's DecompressRTF() may be given this compressed RTF:
 * its LZFu loop reads a reference's two bytes and writes literals
 * without checking the input's end (and exits the process on one case),
 * so the loop's own bounds are walked first, producing nothing (this is
 * its control flow, not a second decompressor).  The sizes are bounded
 * too: LZFu gives at most 17 bytes for 2, and no more than max_output. */
static bool lzfu_safe(const variableLength *v, uint64_t max_output)
{
	static const unsigned prebuf = 207; /* strlen(RTF_PREBUF) in libytnef */
	const BYTE *src = v->data;
	unsigned size = (unsigned)v->size, in = 16, out = prebuf, total, flags = 0, count = 0;
	unsigned comp, raw;

	if (v->size < 20)
		return false;
	comp = (unsigned)src[0] | (unsigned)src[1] << 8 | (unsigned)src[2] << 16 | (unsigned)src[3] << 24;
	raw = (unsigned)src[4] | (unsigned)src[5] << 8 | (unsigned)src[6] << 16 | (unsigned)src[7] << 24;
	if (comp != size - 4 || memcmp(src + 8, "LZFu", 4) != 0 || raw == 0 ||
	    raw > max_output || (uint64_t)raw > (uint64_t)size * 9 + 4096)
		return false;
	total = prebuf + raw;
	while (out < total && in < size) {
		flags = (count++ % 8 == 0) ? src[in++] : flags >> 1;
		if (flags & 1) {
			unsigned offset, end;

			if (in + 2 > size)
				return false;
			offset = (unsigned)src[in] << 4 | (unsigned)src[in + 1] >> 4;
			end = ((unsigned)src[in + 1] & 0xF) + 2;
			in += 2;
			offset = (out / 4096) * 4096 + offset;
			if (offset >= out)
				offset -= 4096;
			end += offset;
			while (offset < end && out < total && offset < total) {
				out++;
				offset++;
			}
		} else {
			if (in >= size)
				return false;
			in++;
			out++;
		}
	}
	return true;
}

/* The RTF of a PR_RTF_COMPRESSED value (malloc'ed, *size set), or NULL:
 * uncompressed ("MELA") streams are the bytes after the header, the
 * compressed ones go through libytnef once lzfu_safe() allows it. */
static BYTE *rtf_bytes(variableLength *v, uint64_t max_output, int *size)
{
	unsigned raw;
	BYTE *d;

	*size = 0;
	if (v->size >= 16 && memcmp(v->data + 8, "MELA", 4) == 0) {
		raw = (unsigned)v->data[4] | (unsigned)v->data[5] << 8 | (unsigned)v->data[6] << 16 |
		      (unsigned)v->data[7] << 24;
		if (raw == 0 || raw > (unsigned)v->size - 16)
			return NULL;
		d = malloc(raw);
		if (d) {
			memcpy(d, v->data + 16, raw);
			*size = (int)raw;
		}
		return d;
	}
	return lzfu_safe(v, max_output) ? DecompressRTF(v, size) : NULL;
}

/* The compressed RTF body through the RTF family in its text mode, as
 * every mail body becomes text whatever the family's action for RTF
 * attachments (pdf by default); a blocked family adds nothing, and a body
 * the family refuses is named as removed. */
static mg_status rtf_body(mail_job *j, MAPIProps *props, struct tnef_body *b)
{
	variableLength *v = MAPIFindProperty(props, PROP_TAG(PT_BINARY, PR_RTF_COMPRESSED));
	BYTE *rtf;
	int size = 0;
	mg_out out;
	json_t *child = NULL;
	mg_status st;

	if (!usable(v) || j->ctx->policy->action[MG_FAM_RTF] == MG_ACT_BLOCK)
		return MG_OK;
	rtf = rtf_bytes(v, j->ctx->policy->max_output, &size);
	if (!rtf || size <= 0) {
		free(rtf);
		mail_note_add(j, NOTE_ATTACHMENT_REMOVED, MG_E_MALFORMED, 0, TNEF_BODY_NAME, NULL,
		              "the compressed RTF body could not be decompressed");
		mg_report_removed(j->ctx, TNEF_BODY_NAME, "compressed RTF that does not decompress");
		return MG_OK;
	}
	st = mg_sanitize_child_text(j->ctx, rtf, (size_t)size, "winmail-body.rtf", "application/rtf",
	                            &out, &child);
	if (st == MG_OK && strncmp(out.mime, "text/plain", 10) == 0) {
		if (out.data.len && mg_buf_append(&b->text, out.data.data, out.data.len) == 0)
			b->from = "RTF";
	} else if (st != MG_E_LIMIT_TIME) {
		const char *why = st == MG_OK ? "the RTF family gave no text"
		                              : json_string_value(json_object_get(child, "reason"));

		mail_note_add(j, NOTE_ATTACHMENT_REMOVED, st == MG_OK ? MG_E_TYPE_BLOCKED : st, 0,
		              TNEF_BODY_NAME, NULL, why);
		mg_report_removed(j->ctx, TNEF_BODY_NAME, "%s", why ? why : "not text");
	}
	mg_out_free(&out);
	free(rtf);
	return st == MG_E_LIMIT_TIME ? mg_fail(j->ctx, st, "time limit reached in the TNEF body")
	                             : MG_OK;
}

/* The HTML body (PR_BODY_HTML) through html.c. */
static mg_status html_body(mail_job *j, const TNEFStruct *t, MAPIProps *props,
                           struct tnef_body *b)
{
	variableLength *v = MAPIFindProperty(props, PROP_TAG(PT_BINARY, PR_BODY_HTML));
	char cpbuf[16];
	mg_html_stats st;
	mg_status rc;

	if (!usable(v))
		v = MAPIFindProperty(props, PROP_TAG(PT_STRING8, PR_BODY_HTML));
	if (!usable(v))
		return MG_OK;
	rc = mg_html_to_text(j->ctx, v->data, (size_t)v->size,
	                     codepage_charset(t, cpbuf, sizeof(cpbuf)), &b->text, &st);
	if (rc == MG_OK && b->text.len)
		b->from = "HTML";
	return rc;
}

/* The body is added only when it carries words the message's body lacks;
 * the comparison of alternatives (mail_alt.c) reads it as markup-free
 * HTML, which gives the words of the text. */
static mg_status add_body(mail_job *j, struct tnef_body *b)
{
	char *why = NULL;
	mg_status st = MG_OK;

	if (!b->from)
		return MG_OK;
	mg_utf8_clean(&b->text);
	if (!mail_alt_html_richer(&j->body, b->text.data, b->text.len, "UTF-8", &why)) {
		mg_report_action(j->ctx, "TNEF %s body not added: the message's body already has its "
		                 "text (%s)", b->from, why ? why : "");
	} else {
		mg_report_action(j->ctx, "TNEF %s body added to the text (%s)", b->from, why ? why : "");
		st = mail_body_add(j, &b->text);
	}
	g_free(why);
	return st;
}

static mg_status open_stream(mail_job *j, TNEFStruct *t, const char *name)
{
	unsigned count = 0;
	struct tnef_body b = { .from = NULL };
	mg_status st;

	mg_buf_init(&b.text, j->ctx->policy->max_output);
	st = attachments(j, t, &count);
	if (st == MG_OK && !plain_body(t, &t->MapiProperties, &b))
		st = rtf_body(j, &t->MapiProperties, &b);
	if (st == MG_OK && !b.from)
		st = html_body(j, t, &t->MapiProperties, &b);
	if (st == MG_OK)
		st = add_body(j, &b);
	if (st == MG_OK) {
		mail_note_add(j, NOTE_TNEF_OPENED, MG_OK, count, name, NULL, b.from);
		mg_report_action(j->ctx, "TNEF %s opened: %u attachments, %s body", name, count,
		                 b.from ? b.from : "no");
	}
	mg_buf_free(&b.text);
	return st;
}

mg_status mail_tnef(mail_job *j, const unsigned char *data, size_t len, const char *name)
{
	TNEFStruct t;
	BYTE *copy;
	const char *why;
	int rc;
	mg_status st = MG_OK;

	why = mail_tnef_refused(data, len);
	if (why) {
		mail_note_add(j, NOTE_TNEF, MG_E_MALFORMED, 0, name, NULL, why);
		mg_report_removed(j->ctx, name, "cannot be checked: TNEF that libytnef cannot read "
		                  "safely: %s", why);
		return MG_OK;
	}
	TNEFInitialize(&t);
	t.Debug = 0;
	/* libytnef's reader takes a mutable pointer; it gets its own copy */
	copy = g_memdup2(data, len ? len : 1);
	rc = TNEFParseMemory(copy, (long)len, &t);
	if (rc < 0) {
		char *msg = g_strdup_printf("TNEF that libytnef cannot parse (error %d)", rc);

		mail_note_add(j, NOTE_TNEF, MG_E_MALFORMED, 0, name, NULL, msg);
		mg_report_removed(j->ctx, name, "cannot be checked: %s", msg);
		g_free(msg);
	} else {
		st = open_stream(j, &t, name);
	}
	TNEFFree(&t);
	g_free(copy);
	return st;
}
