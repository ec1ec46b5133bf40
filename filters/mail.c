/*
 * mail.c - the "mail" family: a new message built from a parsed one.
 *
 * gmime parses the input; nothing of it is patched or passed through.  A
 * new message gets the whitelisted header fields (mail_headers.c), one
 * UTF-8 text/plain body made of every text body (HTML through html.c,
 * one version of each multipart/alternative: the one that carries the
 * text, mail_alt.c; the URLs of every body under the policy's links,
 * links.c), files encoded inside bodies cut out and treated as
 * attachments (mail_inline.c), and each attachment as the
 * artefact its own family produced through mg_sanitize_child(): attached
 * again under the artefact's name and type, or named in the notice with
 * the reason it was removed.  Nested messages are attachments too, and so
 * are sanitised as mails one level deeper.  Outlook's TNEF (winmail.dat)
 * is opened (tnef.c).  Signatures, encrypted parts and message/partial
 * fragments cannot be checked and are removed.
 * Limits: max_parts MIME parts, MAX_MIME_LEVEL multipart nesting, the
 * item's deadline; past any of them the whole mail is blocked.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "charset.h"
#include "mail_priv.h"
#include "text.h"

#define MAX_MIME_LEVEL 64  /* multipart nesting within one message */
#define MAX_NAME_CHARS 120 /* attachment names longer than this are shortened */

static const struct {
	const char *type;
	mail_note_kind kind;
	const char *why;
} opaque_types[] = {
	{ "application/pkcs7-signature", NOTE_SIGNATURE, "digital signature" },
	{ "application/x-pkcs7-signature", NOTE_SIGNATURE, "digital signature" },
	{ "application/pgp-signature", NOTE_SIGNATURE, "digital signature" },
	{ "application/pkcs7-mime", NOTE_ENCRYPTED, "S/MIME enveloped or signed data" },
	{ "application/x-pkcs7-mime", NOTE_ENCRYPTED, "S/MIME enveloped or signed data" },
	{ "application/pgp-encrypted", NOTE_ENCRYPTED, "OpenPGP encrypted data" },
	{ "application/pgp-keys", NOTE_ENCRYPTED, "OpenPGP key block" },
};

static mg_status walk(mail_job *j, GMimeObject *o, unsigned level);

static void note_free(gpointer p)
{
	mail_note *n = p;

	g_free(n->name);
	g_free(n->name2);
	g_free(n->detail);
	g_free(n);
}

void mail_note_add(mail_job *j, mail_note_kind kind, mg_status status, unsigned count,
                   const char *name, const char *name2, const char *detail)
{
	mail_note *n = g_new0(mail_note, 1);

	n->kind = kind;
	n->status = status;
	n->count = count;
	n->name = g_strdup(name);
	n->name2 = g_strdup(name2);
	n->detail = g_strdup(detail);
	if (kind == NOTE_HTML || kind == NOTE_HTML_SAFE || kind == NOTE_ATTACHMENT_KEPT || kind == NOTE_MESSAGE_KEPT ||
	    kind == NOTE_CHARSET || kind == NOTE_TNEF_OPENED || (kind == NOTE_LINKS && g_strcmp0(detail, "defang") == 0))
		j->converted++;
	else
		j->removed++;
	g_ptr_array_add(j->notes, n);
}

/* The id the top-level report carries: the one an administrator searches. */
static const char *item_id(const mg_ctx *ctx)
{
	const char *id;

	while (ctx->parent)
		ctx = ctx->parent;
	id = json_string_value(json_object_get(ctx->report, "item_id"));
	return id ? id : "unknown";
}

/* The bytes of a content stream that is a window on a memory stream, as
 * the parser leaves every part of a mail it read from memory. */
static bool mem_window(GMimeStream *s, const guint8 **data, size_t *len)
{
	GByteArray *a;
	gint64 end;

	if (!GMIME_IS_STREAM_MEM(s))
		return false;
	a = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(s));
	if (!a)
		return false;
	end = s->bound_end < 0 ? (gint64)a->len : s->bound_end;
	if (s->bound_start < 0 || s->bound_start > end || end > (gint64)a->len)
		return false;
	*data = a->data + s->bound_start;
	*len = (size_t)(end - s->bound_start);
	return true;
}

/* The window decoded in one call into an array of the decoder's bound:
 * the same decoder and state that gmime's filter runs chunk by chunk,
 * without a filter stream, its reads and a growing copy per part.  NULL
 * when the encoding is not one of those (uuencode: gmime's filter). */
static GByteArray *decode_window(GMimeContentEncoding enc, const guint8 *data, size_t len)
{
	GMimeEncoding e;
	GByteArray *a;
	size_t bound;

	if (enc != GMIME_CONTENT_ENCODING_BASE64 && enc != GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE) {
		if (enc == GMIME_CONTENT_ENCODING_UUENCODE || len > G_MAXUINT)
			return NULL;
		a = g_byte_array_sized_new((guint)len);
		return g_byte_array_append(a, data, (guint)len);
	}
	g_mime_encoding_init_decode(&e, enc);
	bound = g_mime_encoding_outlen(&e, len);
	if (bound < len || bound > G_MAXUINT)
		return NULL;
	a = g_byte_array_sized_new((guint)bound);
	g_byte_array_set_size(a, (guint)bound);
	g_byte_array_set_size(a, (guint)g_mime_encoding_flush(&e, (const char *)data, len,
	                                                      (char *)a->data));
	return a;
}

/* The decoded content of a leaf part (transfer encoding undone). */
GByteArray *mail_part_bytes(GMimePart *part)
{
	GMimeDataWrapper *w = g_mime_part_get_content(part);
	GMimeStream *mem;
	GByteArray *a;
	const guint8 *data;
	size_t len;

	if (!w)
		return g_byte_array_new();
	if (mem_window(g_mime_data_wrapper_get_stream(w), &data, &len) &&
	    (a = decode_window(g_mime_data_wrapper_get_encoding(w), data, len)) != NULL)
		return a;
	mem = g_mime_stream_mem_new();
	g_mime_data_wrapper_write_to_stream(w, mem);
	a = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(mem), FALSE);
	g_object_unref(mem);
	return a;
}

static bool is_encoded(GMimeContentEncoding enc)
{
	return enc == GMIME_CONTENT_ENCODING_BASE64 || enc == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE;
}

GByteArray *mail_content_encoded(const void *data, size_t len, GMimeContentEncoding enc)
{
	GMimeEncoding e;
	GByteArray *a;

	if (!is_encoded(enc))
		return g_byte_array_append(g_byte_array_sized_new((guint)len), data, (guint)len);
	g_mime_encoding_init_encode(&e, enc);
	a = g_byte_array_sized_new((guint)g_mime_encoding_outlen(&e, len));
	g_byte_array_set_size(a, (guint)g_mime_encoding_outlen(&e, len));
	g_byte_array_set_size(a, (guint)g_mime_encoding_flush(&e, data, len, (char *)a->data));
	return a;
}

/* The part's content, encoded here once when its encoding is base64 or
 * quoted-printable: the rebuilt message is written twice (a multipart's
 * boundary hashes its parts first), and gmime copies content that is
 * already in the part's encoding instead of encoding it on every write. */
void mail_part_set_content(GMimePart *part, const void *data, size_t len,
                           GMimeContentEncoding enc)
{
	GMimeStream *s;
	GMimeDataWrapper *w;

	if (is_encoded(enc)) {
		s = g_mime_stream_mem_new_with_byte_array(mail_content_encoded(data, len, enc));
		w = g_mime_data_wrapper_new_with_stream(s, enc);
	} else {
		s = g_mime_stream_mem_new_with_buffer(data, len);
		w = g_mime_data_wrapper_new_with_stream(s, GMIME_CONTENT_ENCODING_DEFAULT);
	}
	g_mime_part_set_content(part, w);
	g_mime_part_set_content_encoding(part, enc);
	g_object_unref(w);
	g_object_unref(s);
}

static mg_status body_append(mail_job *j, mg_buf *text)
{
	while (text->len > 0 && (text->data[text->len - 1] == '\n' || text->data[text->len - 1] == ' '))
		text->len--;
	if (text->len == 0)
		return MG_OK;
	if ((j->body.len > 0 && mg_buf_puts(&j->body, "\n") < 0) ||
	    mg_buf_append(&j->body, text->data, text->len) < 0 || mg_buf_puts(&j->body, "\n") < 0)
		return mg_fail(j->ctx, MG_E_LIMIT_SIZE, "mail text larger than max_output");
	return MG_OK;
}

static const char *links_word(const mail_job *j)
{
	static const char *const words[] = { "text", "defang", "remove" };

	return words[j->ctx->policy->links % 3];
}

mg_status mail_body_add(mail_job *j, mg_buf *text)
{
	unsigned changed = 0;
	mg_status st = mg_links_apply(j->ctx, text, &changed);

	j->links_changed += changed;
	if (st == MG_OK)
		st = mail_html_text(j, text);
	return st == MG_OK ? body_append(j, text) : st;
}

static void html_notes(mail_job *j, const mg_html_stats *st)
{
	mail_note_add(j, NOTE_HTML, MG_OK, 0, NULL, NULL, links_word(j));
	if (st->active)
		mail_note_add(j, NOTE_ACTIVE, MG_OK, st->active, NULL, NULL, NULL);
	if (st->remote_images)
		mail_note_add(j, NOTE_REMOTE_IMAGES, MG_OK, st->remote_images, NULL, NULL, NULL);
}

/* text/enriched and text/richtext become HTML through gmime's filter. */
static GByteArray *enriched_to_html(const GByteArray *raw, bool richtext)
{
	GMimeStream *mem = g_mime_stream_mem_new(), *fs = g_mime_stream_filter_new(mem);
	GMimeFilter *f = g_mime_filter_enriched_new(richtext ? GMIME_FILTER_ENRICHED_IS_RICHTEXT : 0);
	GByteArray *a;

	g_mime_stream_filter_add(GMIME_STREAM_FILTER(fs), f);
	g_mime_stream_write(fs, (const char *)raw->data, raw->len);
	g_mime_stream_flush(fs);
	a = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(mem), FALSE);
	g_object_unref(f);
	g_object_unref(fs);
	g_object_unref(mem);
	return a;
}

/* Inline encoded files out of the raw bytes of a plain body: before the
 * charset is decoded, so that yEnc's 8-bit data arrives whole. */
static mg_status cut_raw(mail_job *j, GByteArray *raw)
{
	size_t n = raw->len;
	mg_status rc = mail_inline_cut(j, raw->data, &n);

	g_byte_array_set_size(raw, (guint)n);
	return rc;
}

/* A body part as UTF-8 text: HTML and enriched through html.c, plain
 * text through charset.c; inline encoded files cut out (mail_inline.c).  Findings go to the report; notes are the
 * caller's, who knows whether this text is delivered. */
static mg_status body_to_text(mail_job *j, GMimeObject *o, mg_buf *t, bool *is_html,
                              mg_html_stats *st, mg_charset_info *info)
{
	GMimeContentType *ct = g_mime_object_get_content_type(o);
	const char *cs = g_mime_content_type_get_parameter(ct, "charset");
	bool html = g_mime_content_type_is_type(ct, "text", "html");
	bool rich = g_mime_content_type_is_type(ct, "text", "enriched") ||
	            g_mime_content_type_is_type(ct, "text", "richtext");
	GByteArray *raw = mail_part_bytes(GMIME_PART(o));
	mg_status rc = MG_OK;

	memset(info, 0, sizeof(*info));
	memset(st, 0, sizeof(*st));
	*is_html = html || rich;
	if (rich) {
		GByteArray *h = enriched_to_html(raw, g_mime_content_type_is_type(ct, "text", "richtext"));

		g_byte_array_free(raw, TRUE);
		raw = h;
	}
	if ((html || rich) && j->safe && !j->dry) {
		rc = mail_html_body(j, raw->data, raw->len, cs, t, &st->links_changed);
		if (rc == MG_OK && t->data) {
			rc = mail_inline_cut(j, t->data, &t->len);
			t->data[t->len] = 0;
		}
	} else if (html || rich) {
		rc = mg_html_to_text(j->ctx, raw->data, raw->len, cs, t, st);
		if (rc == MG_OK && t->data) {
			rc = mail_inline_cut(j, t->data, &t->len);
			t->data[t->len] = 0;
		}
	} else if ((rc = cut_raw(j, raw)) != MG_OK) {
		/* the mail is blocked: a limit was passed */
	} else if (mg_charset_decode(raw->data, raw->len, cs, t, info) < 0) {
		rc = mg_fail(j->ctx, MG_E_LIMIT_SIZE, "mail text larger than max_output");
	} else {
		if (info->guessed || info->replaced)
			mg_report_finding(j->ctx, "text body declared %s read as %s (%u bytes replaced)",
			                  cs ? cs : "(none)", info->used, info->replaced);
		if (mg_utf8_clean(t))
			mg_report_removed(j->ctx, "control characters", "in a text body");
		rc = mg_links_apply(j->ctx, t, &st->links_changed);
	}
	g_byte_array_free(raw, TRUE);
	return rc;
}

static mg_status text_body(mail_job *j, GMimeObject *o)
{
	const char *cs = g_mime_content_type_get_parameter(g_mime_object_get_content_type(o),
	                                                   "charset");
	mg_charset_info info;
	mg_html_stats st;
	bool html;
	mg_buf t;
	mg_status rc;

	mg_buf_init(&t, j->ctx->policy->max_output);
	rc = body_to_text(j, o, &t, &html, &st, &info);
	if (rc == MG_OK)
		j->links_changed += st.links_changed;
	if (rc == MG_OK && html && !j->safe)
		html_notes(j, &st);
	else if (rc == MG_OK && !html && info.guessed && cs)
		mail_note_add(j, NOTE_CHARSET, MG_OK, 0, NULL, NULL, info.used);
	if (rc == MG_OK && !html)
		rc = mail_html_text(j, &t);
	if (rc == MG_OK)
		rc = body_append(j, &t);
	mg_buf_free(&t);
	return rc;
}

static bool is_body_text(GMimeObject *o)
{
	GMimeContentType *ct = g_mime_object_get_content_type(o);
	GMimeContentDisposition *d = g_mime_object_get_content_disposition(o);

	if (!GMIME_IS_PART(o) || !g_mime_content_type_is_type(ct, "text", "*"))
		return false;
	if (!g_mime_content_type_is_type(ct, "text", "plain") &&
	    !g_mime_content_type_is_type(ct, "text", "html") &&
	    !g_mime_content_type_is_type(ct, "text", "enriched") &&
	    !g_mime_content_type_is_type(ct, "text", "richtext"))
		return false;
	if (d && g_mime_content_disposition_is_attachment(d))
		return false;
	return g_mime_part_get_filename(GMIME_PART(o)) == NULL;
}

/* The name an attachment goes by: its declared one cleaned and shortened,
 * or one made from its position. */
static char *attachment_name(mail_job *j, const char *declared, const char *fallback_ext)
{
	char *clean = declared ? mail_clean_line(declared, strlen(declared)) : NULL;
	glong chars;

	if (!clean || !*clean) {
		g_free(clean);
		return g_strdup_printf("part%u%s%s", j->parts, fallback_ext ? "." : "",
		                       fallback_ext ? fallback_ext : "");
	}
	/* characters Windows refuses in a file name, and path separators */
	for (char *p = clean; *p; p++)
		if (strchr("\\/:*?\"<>|", *p))
			*p = '_';
	chars = g_utf8_strlen(clean, -1);
	if (chars > MAX_NAME_CHARS) {
		char *head = g_utf8_substring(clean, 0, 90);
		char *tail = g_utf8_substring(clean, chars - 20, chars);
		char *s = g_strconcat(head, "...", tail, NULL);

		g_free(head);
		g_free(tail);
		g_free(clean);
		clean = s;
	}
	return clean;
}

static const char *child_text(json_t *child, const char *key)
{
	const char *s = child ? json_string_value(json_object_get(child, key)) : NULL;

	return s ? s : "";
}

static GMimeObject *artefact_part(mail_job *j, const mg_out *out, const char *name)
{
	const char *mime = out->mime[0] ? out->mime : "application/octet-stream";
	GMimeContentType *ct = g_mime_content_type_parse(j->popts, mime);
	GMimeObject *o;

	if (g_ascii_strncasecmp(mime, "message/rfc822", 14) == 0) {
		GMimeStream *s = g_mime_stream_mem_new_with_buffer(
			out->data.data ? (const char *)out->data.data : "", out->data.len);
		GMimeParser *p = g_mime_parser_new_with_stream(s);
		GMimeMessage *m = g_mime_parser_construct_message(p, j->popts);

		g_object_unref(p);
		g_object_unref(s);
		if (m) {
			o = GMIME_OBJECT(g_mime_message_part_new_with_message("rfc822", m));
			g_object_unref(m);
			g_mime_object_set_disposition(o, "attachment");
			g_mime_object_set_content_disposition_parameter(o, "filename", name);
			g_object_unref(ct);
			return o;
		}
	}
	o = GMIME_OBJECT(mail_file_part_new(ct, out->data.data, out->data.len, "attachment", name));
	g_object_unref(ct);
	return o;
}

/* One item through its own family; attached again or named as removed. */
static mg_status sanitise_attachment(mail_job *j, const unsigned char *data, size_t len,
                                     const char *name, const char *declared, bool message)
{
	mg_out out;
	json_t *child = NULL;
	mg_status st;

	st = mg_sanitize_child(j->ctx, data, len, name, declared, &out, &child);
	if (st == MG_OK) {
		char *outname = mg_output_name(name, out.ext[0] ? out.ext : "bin");
		/* an allow-listed attachment says so in the notice, not only the report */
		char *detail = g_strdup_printf("%s: %s%s", child_text(json_object_get(child, "detected"),
		                                                       "family"),
		                               child_text(child, "action"),
		                               json_is_true(json_object_get(child, "allow_listed"))
		                                   ? ", allow-listed by SHA-256"
		                                   : "");

		g_ptr_array_add(j->attachments, artefact_part(j, &out, outname ? outname : name));
		mail_note_add(j, message && strncmp(out.mime, "message/", 8) == 0 ? NOTE_MESSAGE_KEPT
		                                                                  : NOTE_ATTACHMENT_KEPT,
		              MG_OK, 0, name, outname, detail);
		free(outname);
		g_free(detail);
		if (!message && (st = mail_atext_add(j, data, len, name, declared,
		                                     child_text(json_object_get(child, "detected"),
		                                                "family"))) != MG_OK) {
			mg_out_free(&out);
			return st; /* a limit of the whole mail, recorded */
		}
	} else {
		mail_note_add(j, NOTE_ATTACHMENT_REMOVED, st, 0, name, NULL, child_text(child, "reason"));
		mg_report_removed(j->ctx, name, "%s", child_text(child, "reason"));
	}
	mg_out_free(&out);
	/* time is the whole mail's: a child out of it ends the mail too */
	if (st == MG_E_LIMIT_TIME)
		return mg_fail(j->ctx, st, "time limit reached in attachment %s", name);
	return MG_OK;
}

mg_status mail_attach(mail_job *j, const unsigned char *data, size_t len, const char *declared)
{
	char *name;
	mg_status st;

	if (++j->parts > j->ctx->policy->max_parts)
		return mg_fail(j->ctx, MG_E_LIMIT_COUNT, "more than max_parts %u MIME parts and inline "
		               "files", j->ctx->policy->max_parts);
	name = attachment_name(j, declared, "bin");
	st = sanitise_attachment(j, data, len, name, NULL, false);
	g_free(name);
	return st;
}

static bool opaque(mail_job *j, GMimeObject *o, const char *mime, const char *name)
{
	for (size_t i = 0; i < sizeof(opaque_types) / sizeof(opaque_types[0]); i++)
		if (g_ascii_strcasecmp(mime, opaque_types[i].type) == 0) {
			mail_note_add(j, opaque_types[i].kind, MG_E_ENCRYPTED, 0, name, NULL, opaque_types[i].why);
			mg_report_removed(j->ctx, name ? name : mime, "%s: %s",
			                  opaque_types[i].kind == NOTE_ENCRYPTED ? "encrypted" : "cannot be checked",
			                  opaque_types[i].why);
			return true;
		}
	return false;
}

/* Outlook's TNEF by its declared type, its name, or its signature. */
static bool is_tnef(const char *mime, const char *name, const GByteArray *raw)
{
	static const unsigned char sig[4] = { 0x78, 0x9F, 0x3E, 0x22 };

	return g_ascii_strcasecmp(mime, "application/ms-tnef") == 0 ||
	       g_ascii_strcasecmp(mime, "application/vnd.ms-tnef") == 0 ||
	       (name && g_ascii_strcasecmp(name, "winmail.dat") == 0) ||
	       (raw->len >= 4 && memcmp(raw->data, sig, 4) == 0);
}

/* A parameter of one of o's header fields, read again from the raw field
 * so that folded RFC 2047 words are decoded whole (g_free() it). */
static char *raw_param(mail_job *j, GMimeObject *o, const char *field, const char *param)
{
	GMimeHeaderList *list = g_mime_object_get_header_list(o);
	GMimeHeader *h = list ? g_mime_header_list_get_header(list, field) : NULL;
	const char *raw = h ? g_mime_header_get_raw_value(h) : NULL;
	char *safe, *v = NULL;

	/* without B words, gmime's own decoding stands (the common case) */
	if (!raw || (!strstr(raw, "?B?") && !strstr(raw, "?b?")))
		return NULL;
	safe = mail_words_unpad(raw);
	if (g_ascii_strcasecmp(field, "Content-Disposition") == 0) {
		GMimeContentDisposition *d = g_mime_content_disposition_parse(j->popts, safe);

		v = g_strdup(d ? g_mime_content_disposition_get_parameter(d, param) : NULL);
		if (d)
			g_object_unref(d);
	} else {
		GMimeContentType *ct = g_mime_content_type_parse(j->popts, safe);

		v = g_strdup(ct ? g_mime_content_type_get_parameter(ct, param) : NULL);
		if (ct)
			g_object_unref(ct);
	}
	g_free(safe);
	return v;
}

/* The declared file name, as g_mime_part_get_filename() finds it. */
static char *part_filename(mail_job *j, GMimeObject *o)
{
	char *v = raw_param(j, o, "Content-Disposition", "filename");

	if (!v)
		v = raw_param(j, o, "Content-Type", "name");
	if (!v)
		v = g_strdup(g_mime_part_get_filename(GMIME_PART(o)));
	return v;
}

static mg_status leaf(mail_job *j, GMimeObject *o)
{
	GMimeContentType *ct = g_mime_object_get_content_type(o);
	char *mime = g_mime_content_type_get_mime_type(ct);
	char *declared_name = part_filename(j, o);
	char *name = NULL;
	GByteArray *raw;
	mg_status st = MG_OK;

	if (is_body_text(o)) {
		st = text_body(j, o);
		goto done;
	}
	name = attachment_name(j, declared_name, NULL);
	if (opaque(j, o, mime, declared_name ? name : NULL))
		goto done;
	raw = mail_part_bytes(GMIME_PART(o));
	if (is_tnef(mime, declared_name, raw))
		st = mail_tnef(j, raw->data, raw->len, declared_name ? name : "winmail.dat");
	else
		st = sanitise_attachment(j, raw->data, raw->len, name, mime, false);
	g_byte_array_free(raw, TRUE);
done:
	g_free(declared_name);
	g_free(name);
	g_free(mime);
	return st;
}

static GByteArray *object_bytes(mail_job *j, GMimeObject *o)
{
	GMimeStream *mem = g_mime_stream_mem_new();
	GByteArray *a;

	g_mime_object_write_to_stream(o, j->fopts, mem);
	a = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(mem), FALSE);
	g_object_unref(mem);
	return a;
}

/* A nested message: sanitised as an item of its own, one level deeper. */
static mg_status message_part(mail_job *j, GMimeMessagePart *mp)
{
	GMimeMessage *m = g_mime_message_part_get_message(mp);
	char *fn = raw_param(j, GMIME_OBJECT(mp), "Content-Disposition", "filename");
	GMimeHeaderList *hl = m ? g_mime_object_get_header_list(GMIME_OBJECT(m)) : NULL;
	GMimeHeader *sh = hl ? g_mime_header_list_get_header(hl, "Subject") : NULL;
	const char *raw_subject = sh ? g_mime_header_get_raw_value(sh) : NULL;
	char *subject = raw_subject ? mail_header_text(j, raw_subject) : NULL;
	char *base, *name;
	GByteArray *raw;
	mg_status st;

	if (!m) {
		mg_report_removed(j->ctx, "message/rfc822", "empty nested message");
		g_free(fn);
		return MG_OK;
	}
	base = attachment_name(j, fn && *fn ? fn : subject && *subject ? subject : NULL, NULL);
	name = g_str_has_suffix(base, ".eml") ? g_strdup(base) : g_strconcat(base, ".eml", NULL);
	raw = object_bytes(j, GMIME_OBJECT(m));
	st = sanitise_attachment(j, raw->data, raw->len, name, "message/rfc822", true);
	g_byte_array_free(raw, TRUE);
	g_free(base);
	g_free(name);
	g_free(fn);
	g_free(subject);
	return st;
}

/* The text a body part would give, only to compare versions: what it
 * reports goes to a scratch report, and it adds no note. */
static mg_status dry_text(mail_job *j, GMimeObject *o, mg_buf *t)
{
	json_t *saved = j->ctx->report;
	mg_charset_info info;
	mg_html_stats st;
	bool html;
	mg_status rc;

	j->ctx->report = json_object();
	j->dry = true;
	rc = body_to_text(j, o, t, &html, &st, &info);
	j->dry = false;
	json_decref(j->ctx->report);
	j->ctx->report = saved;
	return rc;
}

/* The HTML body of a version: the part itself, or the first HTML body
 * of a multipart/related. */
static GMimeObject *html_of(GMimeObject *o)
{
	if (GMIME_IS_MULTIPART(o)) {
		for (int i = 0; i < g_mime_multipart_get_count(GMIME_MULTIPART(o)); i++) {
			GMimeObject *c = g_mime_multipart_get_part(GMIME_MULTIPART(o), i);

			if (is_body_text(c) &&
			    !g_mime_content_type_is_type(g_mime_object_get_content_type(c), "text", "plain"))
				return c;
		}
		return NULL;
	}
	return o;
}

/* Whether the rich version (HTML, or related HTML) is to be delivered in
 * place of the plain one: when it carries words the plain one lacks. */
static mg_status prefer_rich(mail_job *j, GMimeObject *plain, GMimeObject *rich, bool *use_rich)
{
	GMimeObject *h = html_of(rich);
	GMimeContentType *ct = h ? g_mime_object_get_content_type(h) : NULL;
	GByteArray *raw;
	mg_buf pt;
	char *why = NULL;
	mg_status rc;

	*use_rich = false;
	if (!h)
		return MG_OK;
	mg_buf_init(&pt, j->ctx->policy->max_output);
	rc = dry_text(j, plain, &pt);
	if (rc == MG_OK) {
		raw = mail_part_bytes(GMIME_PART(h));
		if (!g_mime_content_type_is_type(ct, "text", "html")) {
			GByteArray *e = enriched_to_html(raw, g_mime_content_type_is_type(ct, "text",
			                                                                  "richtext"));

			g_byte_array_free(raw, TRUE);
			raw = e;
		}
		*use_rich = mail_alt_html_richer(&pt, raw->data, raw->len,
		                                 g_mime_content_type_get_parameter(ct, "charset"), &why);
		g_byte_array_free(raw, TRUE);
		mg_report_action(j->ctx, "multipart/alternative: the %s version delivered: %s",
		                 *use_rich ? "HTML" : "plain text", why);
	}
	g_free(why);
	mg_buf_free(&pt);
	return rc;
}

/* One version of the body: text/plain, unless the HTML version (or a
 * nested multipart/related HTML) carries text the plain one lacks; HTML
 * when there is no plain one, else a nested multipart, else the last. */
static mg_status alternative(mail_job *j, GMimeMultipart *mp, unsigned level)
{
	int n = g_mime_multipart_get_count(mp), plain = -1, html = -1, multi = -1, pick;

	for (int i = 0; i < n; i++) {
		GMimeObject *c = g_mime_multipart_get_part(mp, i);
		GMimeContentType *ct = g_mime_object_get_content_type(c);

		if (is_body_text(c) && g_mime_content_type_is_type(ct, "text", "plain")) {
			if (plain < 0)
				plain = i;
		} else if (is_body_text(c)) {
			if (html < 0)
				html = i;
		} else if (GMIME_IS_MULTIPART(c) && multi < 0) {
			multi = i;
		}
	}
	if (n == 0)
		return MG_OK;
	pick = plain >= 0 ? plain : html >= 0 ? html : multi >= 0 ? multi : n - 1;
	if (j->safe && (html >= 0 || multi >= 0)) {
		/* the HTML is kept: the plain version is made again from it */
		pick = html >= 0 ? html : multi;
	} else if (plain >= 0 && (html >= 0 || multi >= 0)) {
		int rich = html >= 0 ? html : multi;
		bool use_rich;
		mg_status rc = prefer_rich(j, g_mime_multipart_get_part(mp, plain),
		                           g_mime_multipart_get_part(mp, rich), &use_rich);

		if (rc != MG_OK)
			return rc;
		if (use_rich)
			pick = rich;
	}
	if (n > 1) {
		mail_note_add(j, NOTE_ALTERNATIVE, MG_OK, (unsigned)(n - 1), NULL, NULL, NULL);
		mg_report_removed(j->ctx, "multipart/alternative", "%d other versions of the body", n - 1);
	}
	return walk(j, g_mime_multipart_get_part(mp, pick), level + 1);
}

/* policy html = safe: the bodies of a multipart/related first, so that
 * the images their HTML shows are kept inline, then what is left. */
static mg_status related(mail_job *j, GMimeMultipart *mp, unsigned level)
{
	GMimeMultipart *outer = j->related_src;
	int n = g_mime_multipart_get_count(mp);
	mg_status st = MG_OK;

	j->related_src = mp;
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < n && st == MG_OK; i++) {
			GMimeObject *c = g_mime_multipart_get_part(mp, i);

			if (is_body_text(c) == (pass == 0) && !g_hash_table_contains(j->consumed, c))
				st = walk(j, c, level + 1);
		}
	j->related_src = outer;
	return st;
}

static mg_status multipart(mail_job *j, GMimeMultipart *mp, unsigned level)
{
	GMimeContentType *ct = g_mime_object_get_content_type(GMIME_OBJECT(mp));
	int n = g_mime_multipart_get_count(mp);
	mg_status st = MG_OK;

	if (g_mime_content_type_is_type(ct, "multipart", "alternative"))
		return alternative(j, mp, level);
	if (j->safe && g_mime_content_type_is_type(ct, "multipart", "related"))
		return related(j, mp, level);
	for (int i = 0; i < n && st == MG_OK; i++)
		st = walk(j, g_mime_multipart_get_part(mp, i), level + 1);
	return st;
}

static mg_status walk(mail_job *j, GMimeObject *o, unsigned level)
{
	mg_ctx *ctx = j->ctx;

	if (++j->parts > ctx->policy->max_parts)
		return mg_fail(ctx, MG_E_LIMIT_COUNT, "more than max_parts %u MIME parts",
		               ctx->policy->max_parts);
	if (level > MAX_MIME_LEVEL)
		return mg_fail(ctx, MG_E_LIMIT_DEPTH, "MIME parts nested deeper than %u levels",
		               MAX_MIME_LEVEL);
	if (mg_check_deadline(ctx) != MG_OK)
		return ctx->status;
	if (GMIME_IS_MULTIPART_ENCRYPTED(o)) {
		mail_note_add(j, NOTE_ENCRYPTED, MG_E_ENCRYPTED, 0, "multipart/encrypted", NULL, NULL);
		mg_report_removed(ctx, "multipart/encrypted", "encrypted");
		return MG_OK;
	}
	if (GMIME_IS_MULTIPART_SIGNED(o)) {
		GMimeObject *content = g_mime_multipart_get_part(GMIME_MULTIPART(o),
		                                                 GMIME_MULTIPART_SIGNED_CONTENT);

		mail_note_add(j, NOTE_SIGNATURE, MG_OK, 0, NULL, NULL, NULL);
		mg_report_removed(ctx, "multipart/signed signature", "a signature cannot survive "
		                  "sanitising: the signed content is rebuilt");
		return content ? walk(j, content, level + 1) : MG_OK;
	}
	if (GMIME_IS_MULTIPART(o))
		return multipart(j, GMIME_MULTIPART(o), level);
	if (GMIME_IS_MESSAGE_PARTIAL(o)) {
		mail_note_add(j, NOTE_PARTIAL, MG_E_TYPE_BLOCKED, 0, NULL, NULL, NULL);
		mg_report_removed(ctx, "message/partial", "a fragment of a split message cannot be "
		                  "checked on its own");
		return MG_OK;
	}
	if (GMIME_IS_MESSAGE_PART(o))
		return message_part(j, GMIME_MESSAGE_PART(o));
	if (GMIME_IS_PART(o))
		return leaf(j, o);
	mg_report_removed(ctx, "MIME object", "of an unknown kind");
	return MG_OK;
}

/* Line by line, not byte by byte: the body is most of the output. */
static void append_crlf(GString *g, const char *s, size_t n)
{
	const char *end;

	if (!s || n == 0)
		return; /* no body: its data may be NULL */
	end = s + n;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));

		if (!nl) {
			g_string_append_len(g, s, end - s);
			return;
		}
		g_string_append_len(g, s, nl - s);
		g_string_append_len(g, "\r\n", 2);
		s = nl + 1;
	}
}

/* Head and body of a UTF-8 text, in CRLF: the canonical form of text,
 * also under base64. */
static GString *crlf_text(const char *head, size_t hlen, const char *body, size_t blen)
{
	GString *g = g_string_sized_new(hlen + blen + 2);

	append_crlf(g, head, hlen);
	append_crlf(g, body, blen);
	return g;
}

/* A UTF-8 text part of head and body. */
static GMimeObject *utf8_part(const char *subtype, const char *head, size_t hlen,
                              const char *body, size_t blen)
{
	GMimeTextPart *tp = mail_text_part_new(subtype, "utf-8");
	GString *g = crlf_text(head, hlen, body, blen);

	mail_part_set_content(GMIME_PART(tp), g->str, g->len, mail_text_encoding(g->str, g->len));
	g_string_free(g, TRUE);
	return GMIME_OBJECT(tp);
}

/* How much of the notice heads the text: with no body the notice ends
 * the text on one newline, as the text is read back, so that mugai's own
 * output sanitised again is unchanged. */
static size_t notice_len(const mail_job *j, const char *notice)
{
	size_t nlen = notice ? strlen(notice) : 0;

	if (j->body.len == 0 && nlen >= 2 && notice[nlen - 1] == '\n' && notice[nlen - 2] == '\n')
		nlen--;
	return nlen;
}

static GMimeObject *text_part(mail_job *j, const char *notice)
{
	return utf8_part("plain", notice, notice_len(j, notice), (const char *)j->body.data,
	                 j->body.len);
}

/* The text of a message that has no other part, kept in its transfer
 * encoding for mail_message_write_text: no part object is made for it. */
static void lone_text(mail_job *j, const char *notice)
{
	GString *g = crlf_text(notice, notice_len(j, notice), (const char *)j->body.data, j->body.len);

	j->lone_enc = mail_text_encoding(g->str, g->len);
	j->lone_text = mail_content_encoded(g->str, g->len, j->lone_enc);
	g_string_free(g, TRUE);
}

/* policy html = safe with an HTML body: the text and the page as two
 * versions of the body, the page with its inline images. */
static GMimeObject *safe_body(mail_job *j, GMimeObject *text, const char *notice, const char *id)
{
	size_t len = 0;
	char *page = mail_html_page(j, notice, &len);
	GMimeObject *html = utf8_part("html", NULL, 0, page, len);
	GMimeObject *rel = mail_html_related(j, html);
	GMimeMultipart *alt = mail_boundary_multipart_new(j, "alternative", NULL, NULL);

	g_mime_multipart_add(alt, text);
	g_mime_multipart_add(alt, rel);
	g_object_unref(rel);
	g_object_unref(html);
	free(page);
	return GMIME_OBJECT(alt);
}

/* The new message's body, its own fields completed in j->fields; NULL
 * when its text is its only part (then in j->lone_text). */
static GMimeObject *assemble(mail_job *j, const char *prev_id)
{
	const char *id = item_id(j->ctx);
	bool notice_wanted = j->ctx->policy->notice && !mail_notice_present(j, prev_id);
	char *notice = notice_wanted ? mail_notice(j, id) : NULL;
	char *verdict = mail_verdict(j);
	bool with_html = j->safe && j->html_used;
	GMimeObject *body = NULL;

	if (!with_html && j->attachments->len == 0 &&
	    g_mime_format_options_get_newline_format(j->fopts) == GMIME_NEWLINE_FORMAT_DOS)
		lone_text(j, notice);
	else
		body = text_part(j, notice);
	if (with_html) {
		GMimeObject *alt = safe_body(j, body, notice, id);

		g_object_unref(body);
		body = alt;
	}

	/* what g_mime_message_set_mime_part() adds when it is missing */
	mail_header_set(&j->fields, "MIME-Version", "1.0");
	if (j->attachments->len > 0) {
		GMimeMultipart *mp = mail_boundary_multipart_new(j, "mixed", NULL, NULL);

		g_mime_multipart_add(mp, body);
		for (unsigned i = 0; i < j->attachments->len; i++)
			g_mime_multipart_add(mp, g_ptr_array_index(j->attachments, i));
		g_object_unref(body);
		body = GMIME_OBJECT(mp);
	}
	mail_header_set(&j->fields, "X-Mugai-Id", id);
	mail_header_set(&j->fields, "X-Mugai-Verdict", verdict);
	g_free(notice);
	g_free(verdict);
	return body;
}

/* The message with its body, or with its lone text. */
static int message_write(mail_job *j, GMimeObject *body, GMimeStream *s)
{
	if (!body)
		return mail_message_write_text(&j->fields, j->lone_enc, j->lone_text, s);
	return mail_message_write(&j->fields, body, s);
}

/* The message written once, its boundaries settled in place (else, not
 * laid out as expected, written again with each boundary set apart). */
static GMimeStream *written(mail_job *j, GMimeObject *body, const char *id)
{
	GMimeStream *mem = g_mime_stream_mem_new();
	GByteArray *a;

	if (message_write(j, body, mem) < 0) {
		g_object_unref(mem);
		return NULL;
	}
	a = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	if (mail_boundary_settle(j, a->data, a->len, id))
		return mem;
	g_object_unref(mem);
	mail_boundary_set_all(j, id);
	mem = g_mime_stream_mem_new();
	if (message_write(j, body, mem) < 0) {
		g_object_unref(mem);
		return NULL;
	}
	return mem;
}

static mg_status write_message(mail_job *j, GMimeObject *body, mg_out *out)
{
	GMimeStream *mem = written(j, body, item_id(j->ctx));
	GByteArray *a;
	mg_status st = MG_OK;

	if (!mem)
		return mg_fail(j->ctx, MG_E_INTERNAL, "the rebuilt message could not be written");
	a = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	if (mg_buf_append(&out->data, a->data, a->len) < 0)
		st = mg_fail(j->ctx, MG_E_LIMIT_SIZE, "rebuilt message larger than max_output");
	g_object_unref(mem);
	return st;
}

/* The item's bytes as the buffer of the stream the message is parsed
 * from, not a copy of them: the parser only reads, and its parts refer to
 * the stream until the job is freed (the array, not its bytes, then). */
static GMimeStream *input_stream(mail_job *j, const mg_item *item)
{
	GMimeStream *s;

	if (item->len > G_MAXUINT)
		return g_mime_stream_mem_new_with_buffer((const char *)item->data, item->len);
	/* const only to the array: nothing writes to a stream the parser reads */
	j->input = g_byte_array_new_take((guint8 *)(uintptr_t)item->data, (gsize)item->len);
	s = g_mime_stream_mem_new_with_byte_array(j->input);
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(s), FALSE);
	return s;
}

static GMimeMessage *parse(mail_job *j, const mg_item *item)
{
	GMimeStream *s = input_stream(j, item);
	GMimeParser *p = g_mime_parser_new_with_stream(s);
	GMimeMessage *m;

	/* an mbox "From " line before the headers, as saved mails have */
	if (item->len >= 5 && memcmp(item->data, "From ", 5) == 0)
		g_mime_parser_set_format(p, GMIME_FORMAT_MBOX);
	m = g_mime_parser_construct_message(p, j->popts);
	g_object_unref(p);
	g_object_unref(s);
	return m;
}

/* The parser's and the writer's options, the same for every mail and only
 * ever read: made once per process (in a worker, by the warm-up, before
 * its jobs are forked) rather than allocated and freed for each mail. */
static GMimeParserOptions *popts;
static GMimeFormatOptions *fopts;

static void options_make(void)
{
	popts = g_mime_parser_options_new();
	g_mime_parser_options_set_rfc2047_compliance_mode(popts, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_address_compliance_mode(popts, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_parameter_compliance_mode(popts, GMIME_RFC_COMPLIANCE_LOOSE);
	fopts = g_mime_format_options_new();
	g_mime_format_options_set_newline_format(fopts, GMIME_NEWLINE_FORMAT_DOS);
}

static void job_init(mail_job *j, mg_ctx *ctx)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, options_make);
	memset(j, 0, sizeof(*j));
	j->ctx = ctx;
	j->popts = popts;
	j->fopts = fopts;
	mail_fields_init(&j->fields, j->fopts);
	mg_buf_init(&j->body, ctx->policy->max_output);
	mg_buf_init(&j->atext, ctx->policy->max_output);
	j->attachments = g_ptr_array_new_with_free_func(g_object_unref);
	j->notes = g_ptr_array_new_with_free_func(note_free);
	j->safe = ctx->policy->action[MG_FAM_HTML] == MG_ACT_SAFE;
	mg_buf_init(&j->html, ctx->policy->max_output);
	j->related = g_ptr_array_new_with_free_func(g_object_unref);
	j->cids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	j->consumed = g_hash_table_new(g_direct_hash, g_direct_equal);
}

static void job_free(mail_job *j)
{
	mail_fields_free(&j->fields);
	mg_buf_free(&j->body);
	mg_buf_free(&j->atext);
	g_ptr_array_free(j->attachments, TRUE);
	g_ptr_array_free(j->notes, TRUE);
	mg_buf_free(&j->html);
	g_ptr_array_free(j->related, TRUE);
	g_hash_table_destroy(j->cids);
	g_hash_table_destroy(j->consumed);
	mail_boundaries_free(j);
	if (j->lone_text)
		g_byte_array_free(j->lone_text, TRUE);
	if (j->input)
		g_byte_array_free(j->input, FALSE); /* the item's bytes stay the caller's */
}

/* The subject as a message reads it from its field, UTF-8. */
static const char *subject_of(mail_job *j)
{
	return mail_fields_value(&j->fields, "Subject");
}

/* PPAP with policy mask_passwords: the candidates overwritten in the
 * delivered subject and bodies (never in the report's own record of the
 * subject, which shows the mail as it came). */
static void mask_passwords(mail_job *j)
{
	mg_ctx *ctx = j->ctx;
	const char *subject = subject_of(j);
	size_t n = 0;

	if (subject) {
		char *s = g_strdup(subject);

		n += mg_password_mask(s, strlen(s), ctx->found, ctx->n_found);
		mail_fields_set(&j->fields, "Subject", s, "UTF-8");
		explicit_bzero(s, strlen(s));
		g_free(s);
	}
	if (j->body.data)
		n += mg_password_mask((char *)j->body.data, j->body.len, ctx->found, ctx->n_found);
	if (n)
		mg_report_action(ctx, "%zu occurrences of candidate passwords masked in the delivered "
		                 "copy (policy mask_passwords)", n);
}

/* PPAP: the candidate passwords the subject and the bodies offer, for
 * the caller's memory (a zip from the same sender may need them); only
 * for the message itself, not for one attached to it. */
static void find_passwords(mail_job *j)
{
	mg_ctx *ctx = j->ctx;
	size_t max = ctx->policy->max_password_candidates, n;
	const char *subject = subject_of(j);

	if (ctx->parent || max == 0 || !(ctx->found = calloc(max, sizeof(char *))))
		return;
	n = subject ? mg_password_find(subject, strlen(subject), ctx->found, 0, max) : 0;
	ctx->n_found = mg_password_find((const char *)j->body.data, j->body.len, ctx->found, n, max);
	if (ctx->policy->mask_passwords && ctx->n_found)
		mask_passwords(j);
}

static mg_status mail_run(mg_ctx *ctx, const mg_item *item, mg_action action, mg_out *out)
{
	mail_job j;
	GMimeMessage *src = NULL;
	GMimeObject *body, *rebuilt = NULL;
	mg_status st;

	job_init(&j, ctx);
	src = parse(&j, item);
	if (!src) {
		st = mg_fail(ctx, MG_E_MALFORMED, "not a parseable message");
		goto done;
	}
	st = mail_copy_headers(&j, src);
	body = g_mime_message_get_mime_part(src);
	if (st == MG_OK && body)
		st = walk(&j, body, 0);
	if (st != MG_OK)
		goto done;
	if (j.atext.len && (mg_buf_append(&j.body, j.atext.data, j.atext.len) < 0 ||
	                    mail_html_text(&j, &j.atext) != MG_OK)) {
		st = mg_fail(ctx, MG_E_LIMIT_SIZE, "mail text with the attachments' text larger than "
		             "max_output");
		goto done;
	}
	find_passwords(&j);
	if (j.links_changed)
		mail_note_add(&j, NOTE_LINKS, MG_OK, j.links_changed, NULL, NULL, links_word(&j));
	rebuilt = assemble(&j, g_mime_object_get_header(GMIME_OBJECT(src), "X-Mugai-Id"));
	st = write_message(&j, rebuilt, out);
	if (st != MG_OK)
		goto done;
	mg_report_action(ctx, "message rebuilt: %u MIME parts read, %u attachments kept, %u changes "
	                 "converted, %u removed", j.parts, j.attachments->len, j.converted, j.removed);
	mg_out_set_type(out, "message/rfc822", "eml");
done:
	if (src)
		g_object_unref(src);
	if (rebuilt)
		g_object_unref(rebuilt);
	job_free(&j);
	return st;
}

const mg_filter mg_filter_mail = {
	.family = MG_FAM_MAIL,
	.name = "mail",
	.actions = 1u << MG_ACT_REBUILD,
	.default_action = MG_ACT_REBUILD,
	.run = mail_run,
};
