/*
 * mail_part_write.c - the leaf parts the rebuild makes, written without
 * gmime's newline filter.
 *
 * gmime writes a part's content through a filter stream that gives it
 * the writer's newlines (LF to CRLF here) one byte at a time, with a
 * filter stream and a filter made and released for every part: a
 * twenty-fifth of the mail core's instructions.  The parts the rebuild makes
 * hold their content in memory, already in their transfer encoding
 * (mail_part_set_content).  They are written here as gmime writes them:
 * the same header block and blank line, then the content with every LF
 * not after a CR made CRLF, and at its end the newline gmime ensures
 * for a message's body; their header block is written from the values
 * gmime formatted when the fields were set (write_headers).  Anything
 * else (the UNIX newline format, content gmime must still encode,
 * binary, a stream not in memory) is gmime's own write.  check_mail
 * compares the bytes written both ways.
 */
#include <string.h>

#include "mail_priv.h"

typedef struct {
	GMimePart parent;
} MailPart;
typedef struct {
	GMimePartClass parent_class;
} MailPartClass;

typedef struct {
	GMimeTextPart parent;
} MailTextPart;
typedef struct {
	GMimeTextPartClass parent_class;
} MailTextPartClass;

GType mail_part_get_type(void);
GType mail_text_part_get_type(void);

G_DEFINE_TYPE(MailPart, mail_part, GMIME_TYPE_PART)
G_DEFINE_TYPE(MailTextPart, mail_text_part, GMIME_TYPE_TEXT_PART)

static bool is_plain(GMimeContentEncoding e)
{
	return e == GMIME_CONTENT_ENCODING_DEFAULT || e == GMIME_CONTENT_ENCODING_7BIT ||
	       e == GMIME_CONTENT_ENCODING_8BIT;
}

/* The bytes gmime would pass to its newline filter, when they are a
 * memory stream's whole buffer: content already in the part's encoding,
 * or text gmime writes as it is.  NULL when gmime must write the part. */
static const GByteArray *content_as_written(GMimePart *part)
{
	GMimeDataWrapper *w = part->content;
	GMimeStream *s = w ? w->stream : NULL;
	GMimeContentEncoding pe = part->encoding;

	if (!s || !GMIME_IS_STREAM_MEM(s) || s->bound_start != 0 || s->bound_end != -1)
		return NULL;
	if (pe == GMIME_CONTENT_ENCODING_BINARY || pe == GMIME_CONTENT_ENCODING_UUENCODE)
		return NULL;
	if (pe != w->encoding &&
	    !(is_plain(pe) && (is_plain(w->encoding) || w->encoding == GMIME_CONTENT_ENCODING_BINARY)))
		return NULL;
	return GMIME_STREAM_MEM(s)->buffer;
}

/* Writes gathered into a buffer: a line of base64 is 76 bytes. */
typedef struct out {
	GMimeStream *s;
	size_t n;
	bool failed;
	char buf[8192];
} out;

static void out_flush(out *o)
{
	if (o->n > 0 && !o->failed && g_mime_stream_write(o->s, o->buf, o->n) < 0)
		o->failed = true;
	o->n = 0;
}

static void out_put(out *o, const void *p, size_t n)
{
	if (o->n + n > sizeof(o->buf))
		out_flush(o);
	if (n >= sizeof(o->buf)) {
		if (!o->failed && g_mime_stream_write(o->s, p, n) < 0)
			o->failed = true;
		return;
	}
	memcpy(o->buf + o->n, p, n);
	o->n += n;
}

/* An LF after a CR is already CRLF. */
static void put_newline(out *o, guchar prev)
{
	if (prev == '\r')
		out_put(o, "\n", 1);
	else
		out_put(o, "\r\n", 2);
}

/* What gmime's unix2dos filter makes of the content: CR before each LF
 * that has none, and a final CRLF when ensured and missing (not after
 * empty content: gmime's filter stream then never flushes).  The count
 * is gmime's too, the bytes given to the filter. */
static ssize_t write_crlf(GMimeStream *s, const guchar *p, size_t len, bool ensure_newline)
{
	const guchar *end;
	guchar prev = 0;
	out o;

	if (len == 0) /* an empty array's data may be NULL */
		return 0;
	end = p + len;
	o.s = s;
	o.n = 0;
	o.failed = false;

	while (p < end) {
		const guchar *nl = memchr(p, '\n', (size_t)(end - p));
		size_t run = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (run > 0) {
			out_put(&o, p, run);
			prev = p[run - 1];
			p += run;
		}
		if (!nl)
			break;
		put_newline(&o, prev);
		prev = '\n';
		p++;
	}
	if (ensure_newline && prev != '\n')
		put_newline(&o, prev);
	out_flush(&o);
	return o.failed ? -1 : (ssize_t)len;
}

/* Through gmime's own newline filter for any other format. */
static ssize_t write_filtered(GMimeStream *s, GMimeFormatOptions *opts, const guchar *p,
                              size_t len, bool ensure_newline)
{
	GMimeStream *f = g_mime_stream_filter_new(s);
	GMimeFilter *nl = g_mime_format_options_create_newline_filter(opts, ensure_newline);
	ssize_t n;

	g_mime_stream_filter_add(GMIME_STREAM_FILTER(f), nl);
	g_object_unref(nl);
	n = g_mime_stream_write(f, (const char *)p, len);
	if (n >= 0 && g_mime_stream_flush(f) < 0)
		n = -1;
	g_object_unref(f);
	return n;
}

ssize_t mail_write_newlines(GMimeStream *s, GMimeFormatOptions *opts, const guchar *p, size_t len,
                            bool ensure_newline)
{
	if (g_mime_format_options_get_newline_format(opts) == GMIME_NEWLINE_FORMAT_DOS)
		return write_crlf(s, p, len, ensure_newline);
	return write_filtered(s, opts, p, len, ensure_newline);
}

/* The part's header block as g_mime_header_list_write_to_stream writes it,
 * without the filter stream and newline filter it makes for each block,
 * and without formatting every field again: gmime formats a field the
 * rebuild sets when it is set (the type and disposition parsed back into
 * objects for that), and once more when it is written, with the writer's
 * options.  Those differ from the defaults of the first time only in
 * their newline, which the write here makes CRLF.  The count is gmime's:
 * the bytes before the newlines are made CRLF. */
static ssize_t write_headers(GMimeHeaderList *headers, GMimeFormatOptions *opts, GMimeStream *s)
{
	int n = g_mime_header_list_get_count(headers);
	GString *g = g_string_sized_new(256);
	ssize_t rc = 0;

	for (int i = 0; i < n; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(headers, i);
		const char *raw = g_mime_header_get_raw_value(h);

		if (!raw || g_mime_format_options_is_hidden_header(opts, g_mime_header_get_name(h)))
			continue;
		g_string_append(g, g_mime_header_get_raw_name(h));
		g_string_append_c(g, ':');
		g_string_append(g, raw);
	}
	if (g->len > 0)
		rc = write_crlf(s, (const guchar *)g->str, g->len, false);
	g_string_free(g, TRUE);
	return rc;
}

static ssize_t write_part(GMimeObject *o, GMimeFormatOptions *opts, gboolean content_only,
                          GMimeStream *s, GMimeObjectClass *gmime_class)
{
	const GByteArray *content = content_as_written(GMIME_PART(o));
	ssize_t n, total = 0;

	if (!content || g_mime_format_options_get_newline_format(opts) != GMIME_NEWLINE_FORMAT_DOS)
		return gmime_class->write_to_stream(o, opts, content_only, s);
	if (!content_only) {
		if ((n = write_headers(o->headers, opts, s)) < 0)
			return -1;
		total += n;
		if ((n = g_mime_stream_write_string(s, g_mime_format_options_get_newline(opts))) < 0)
			return -1;
		total += n;
	}
	if ((n = write_crlf(s, content->data, content->len, o->ensure_newline)) < 0)
		return -1;
	return total + n;
}

ssize_t mail_text_body_write(GMimeStream *s, GMimeContentEncoding enc, const GByteArray *content)
{
	/* the fields as the part's header list holds them (formatted once,
	 * with LF newlines): its type, then a transfer encoding gmime names */
	const char *cte = g_mime_content_encoding_to_string(enc);
	char *head = g_strdup_printf("Content-Type: text/plain; charset=utf-8\n%s%s%s\n",
	                             cte ? "Content-Transfer-Encoding: " : "", cte ? cte : "",
	                             cte ? "\n" : "");
	ssize_t n, total;

	total = write_crlf(s, (const guchar *)head, strlen(head), false);
	g_free(head);
	if (total < 0 || (n = write_crlf(s, content->data, content->len, true)) < 0)
		return -1;
	return total + n;
}

static ssize_t mail_part_write(GMimeObject *o, GMimeFormatOptions *opts, gboolean content_only,
                               GMimeStream *s)
{
	return write_part(o, opts, content_only, s, GMIME_OBJECT_CLASS(mail_part_parent_class));
}

static ssize_t mail_text_part_write(GMimeObject *o, GMimeFormatOptions *opts,
                                    gboolean content_only, GMimeStream *s)
{
	return write_part(o, opts, content_only, s, GMIME_OBJECT_CLASS(mail_text_part_parent_class));
}

static void mail_part_class_init(MailPartClass *klass)
{
	GMIME_OBJECT_CLASS(klass)->write_to_stream = mail_part_write;
}

static void mail_part_init(MailPart *part)
{
	(void)part;
}

static void mail_text_part_class_init(MailTextPartClass *klass)
{
	GMIME_OBJECT_CLASS(klass)->write_to_stream = mail_text_part_write;
}

static void mail_text_part_init(MailTextPart *part)
{
	(void)part;
}

GMimePart *mail_part_new(GMimeContentType *ct)
{
	GMimePart *p = g_object_new(mail_part_get_type(), NULL);

	g_mime_object_set_content_type(GMIME_OBJECT(p), ct);
	return p;
}

/* The charset is a parameter of the type before the part has it: set
 * after, it would make gmime format the Content-Type field again. */
GMimeTextPart *mail_text_part_new(const char *subtype, const char *charset)
{
	GMimeTextPart *p = g_object_new(mail_text_part_get_type(), NULL);
	GMimeContentType *ct = g_mime_content_type_new("text", subtype);

	g_mime_content_type_set_parameter(ct, "charset", charset);
	g_mime_object_set_content_type(GMIME_OBJECT(p), ct);
	g_object_unref(ct);
	return p;
}

/* What g_mime_part_set_filename and g_mime_object_set_disposition give,
 * each field formatted once: the name is a parameter of the type and of
 * the disposition before the part has them.  The fields keep gmime's
 * order: type, transfer encoding, disposition. */
GMimePart *mail_file_part_new(GMimeContentType *ct, const void *data, size_t len,
                              const char *disposition, const char *filename)
{
	GMimeContentDisposition *cd = g_mime_content_disposition_new();
	GMimePart *p;

	g_mime_content_type_set_parameter(ct, "name", filename);
	p = mail_part_new(ct);
	mail_part_set_content(p, len ? data : "", len, GMIME_CONTENT_ENCODING_BASE64);
	g_mime_content_disposition_set_disposition(cd, disposition);
	g_mime_content_disposition_set_parameter(cd, "filename", filename);
	g_mime_object_set_content_disposition(GMIME_OBJECT(p), cd);
	g_object_unref(cd);
	return p;
}
