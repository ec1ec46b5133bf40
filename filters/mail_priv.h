/*
 * mail_priv.h - what the parts of the mail filter share: the job being
 * rebuilt and the notes that become the notice at the top of the body.
 *
 * mail.c walks the parsed MIME tree and assembles the new message,
 * mail_headers.c carries the whitelisted header fields over, and
 * mail_notice.c writes the notice (Japanese, English or both).
 */
#ifndef MUGAI_MAIL_PRIV_H
#define MUGAI_MAIL_PRIV_H

#include <gmime/gmime.h>

#include "internal.h"

/* What the notice tells the reader, one entry per change. */
typedef enum mail_note_kind {
	NOTE_HTML,              /* an HTML body became text */
	NOTE_ALTERNATIVE,       /* other versions of a multipart/alternative dropped */
	NOTE_ACTIVE,            /* scripts or other active HTML elements dropped (count) */
	NOTE_REMOTE_IMAGES,     /* images from the network not loaded (count) */
	NOTE_ATTACHMENT_KEPT,   /* name -> name2, sanitised by its family (detail: action) */
	NOTE_ATTACHMENT_REMOVED,/* name, status, detail: the reason */
	NOTE_MESSAGE_KEPT,      /* a nested message, sanitised on its own */
	NOTE_SIGNATURE,         /* a digital signature that could not survive */
	NOTE_ENCRYPTED,         /* encrypted content removed */
	NOTE_PARTIAL,           /* a message/partial fragment removed */
	NOTE_TNEF,              /* winmail.dat removed; detail: why */
	NOTE_TNEF_OPENED,       /* winmail.dat opened: count attachments; detail: body used */
	NOTE_CHARSET,           /* a body in a wrong or missing charset, decoded as detail */
	NOTE_LINKS,             /* count links defanged or removed; detail: the policy's word */
	NOTE_HTML_SAFE,         /* an HTML body kept, disarmed; detail: policy links' word */
	NOTE_HTML_CUT,          /* count of a kind removed from it; name: Japanese, detail: English */
} mail_note_kind;

typedef struct mail_note {
	mail_note_kind kind;
	mg_status status;
	unsigned count;
	char *name;   /* UTF-8, may be NULL */
	char *name2;
	char *detail;
} mail_note;

/* mail_fields.c: header fields as names and raw values, in order. */
typedef struct mail_fields {
	GPtrArray *all;            /* the fields */
	GMimeHeaderList *format;   /* where gmime formats a value; NULL until needed */
	GMimeFormatOptions *fopts; /* the options they are written with */
} mail_fields;

void mail_fields_init(mail_fields *f, GMimeFormatOptions *fopts);
void mail_fields_free(mail_fields *f);
/* The field name (replaced where there is one, else added at the end)
 * with raw written after "Name:" as it is; raw ends on its newline. */
void mail_fields_set_raw(mail_fields *f, const char *name, const char *raw);
/* The same with value formatted as g_mime_header_list_set() and the
 * list's write format it. */
void mail_fields_set(mail_fields *f, const char *name, const char *value, const char *charset);
/* A field's value as a message reads it (unfolded, encoded words
 * decoded); NULL when there is no such field. */
const char *mail_fields_value(mail_fields *f, const char *name);
/* The fields as g_mime_header_list_write_to_stream() writes them. */
int mail_fields_write(const mail_fields *f, GMimeStream *s);

typedef struct mail_job {
	mg_ctx *ctx;
	GMimeParserOptions *popts;
	GMimeFormatOptions *fopts;
	mail_fields fields;      /* the new message's own header fields */
	unsigned parts;          /* MIME parts seen, against max_parts */
	unsigned removed, converted;
	unsigned links_changed;  /* links defanged or removed in the bodies */
	mg_buf atext;            /* attachments' text, appended after the bodies */
	mg_buf body;             /* the text of every body, UTF-8 */
	GPtrArray *attachments;  /* GMimeObject *, in order */
	GPtrArray *notes;        /* mail_note * */
	bool dry;                /* comparing versions: nothing attached or noted */
	/* policy html = safe (mail_html.c) */
	bool safe;
	bool html_used;          /* an HTML body delivered: the mail gets an HTML version */
	mg_buf html;             /* the page's body: every body in order */
	GMimeMultipart *related_src; /* the multipart/related being walked */
	GPtrArray *related;      /* GMimePart *: its images, sanitised */
	GHashTable *cids;        /* its Content-IDs -> the new cid: URLs */
	GHashTable *consumed;    /* source parts kept as those images */
	GPtrArray *boundaries;   /* multiparts with a stand-in boundary, innermost first */
	/* the text when it is the message's only part, in its transfer
	 * encoding: written without a part object (mail_message_write_text) */
	GByteArray *lone_text;
	GMimeContentEncoding lone_enc;
	GByteArray *input;       /* the item's bytes, not owned: the parser's stream buffer */
} mail_job;

/* mail.c */
void mail_note_add(mail_job *j, mail_note_kind kind, mg_status status, unsigned count,
                   const char *name, const char *name2, const char *detail);
/* Bytes found inside a body (an inline encoded file) sanitised by their
 * family and attached, or named as removed; counts against max_parts. */
mg_status mail_attach(mail_job *j, const unsigned char *data, size_t len, const char *name);
/* UTF-8 text added to the body as a body of its own (the policy's links
 * applied); a limit passed blocks the mail. */
mg_status mail_body_add(mail_job *j, mg_buf *text);
/* Bytes of unknown charset (a header value, a file name) as clean UTF-8
 * on one line; g_free() it. */
char *mail_clean_line(const char *s, size_t len);

/* mail_headers.c: an address whose domain is its own IDN form (ASCII
 * labels gmime writes as they are, no lookup needed). */
bool mail_addr_is_own_idn(const char *addr);

/* The decoded content of a leaf part (transfer encoding undone). */
GByteArray *mail_part_bytes(GMimePart *part);
/* The part's content and transfer encoding, base64 and quoted-printable
 * encoded once here. */
void mail_part_set_content(GMimePart *part, const void *data, size_t len,
                           GMimeContentEncoding enc);
/* The content in the transfer encoding as mail_part_set_content holds it
 * (base64 and quoted-printable encoded, any other a copy). */
GByteArray *mail_content_encoded(const void *data, size_t len, GMimeContentEncoding enc);
/* mail_message_write.c: what a GMimeMessage of these fields and this
 * body writes to s (with the fields' options), without the message
 * object; -1 when the stream fails. */
int mail_message_write(const mail_fields *fields, GMimeObject *body, GMimeStream *s);
/* The same for a body that is a part of mail_text_part_new("plain",
 * "utf-8") whose content, in encoding enc, is content: written without
 * the part, with the fields' CRLF newlines only (their options must
 * write DOS newlines). */
int mail_message_write_text(const mail_fields *fields, GMimeContentEncoding enc,
                            const GByteArray *content, GMimeStream *s);

/* mail_part_write.c: len bytes written with the newlines of opts, as
 * gmime's newline filter writes them (a final newline added when
 * ensure_newline); -1 when the stream fails. */
ssize_t mail_write_newlines(GMimeStream *s, GMimeFormatOptions *opts, const guchar *p, size_t len,
                            bool ensure_newline);
/* A part of type ct, a text part, and a file's part
 * (its content in base64, ct given the name) that write the content
 * mail_part_set_content gave them without gmime's newline filter (the
 * same bytes). */
GMimePart *mail_part_new(GMimeContentType *ct);
GMimeTextPart *mail_text_part_new(const char *subtype, const char *charset);
/* What such a part of subtype plain, charset utf-8, holding content in
 * encoding enc (mail_content_encoded), writes with CRLF newlines as a
 * message's body, without the part; -1 when the stream fails. */
ssize_t mail_text_body_write(GMimeStream *s, GMimeContentEncoding enc, const GByteArray *content);
GMimePart *mail_file_part_new(GMimeContentType *ct, const void *data, size_t len,
                              const char *disposition, const char *filename);

/* mail_html.c: an HTML body (bytes in charset) disarmed and added to the
 * page, its cid: images kept as inline parts; t gets the text made from
 * it.  Notes and report entries are added. */
mg_status mail_html_body(mail_job *j, const unsigned char *html, size_t len, const char *charset,
                         mg_buf *t, unsigned *links_changed);
/* A plain body (UTF-8) added to the page as preformatted text; nothing
 * unless policy html = safe. */
mg_status mail_html_text(mail_job *j, const mg_buf *text);
/* The whole page with the notice on top (free() it). */
char *mail_html_page(const mail_job *j, const char *notice, size_t *len);
/* html, or a multipart/related of html and the inline images (its
 * boundary a stand-in, mail_boundary_multipart_new). */
GMimeObject *mail_html_related(mail_job *j, GMimeObject *html);

/* mail_cte.c: the Content-Transfer-Encoding of len bytes of text that
 * mugai writes (DEFAULT: as it is, 7bit). */
GMimeContentEncoding mail_text_encoding(const char *text, size_t len);

/* mail_headers.c: the whitelisted fields of src, decoded, re-encoded as
 * UTF-8 into j->fields; everything else is dropped and reported. */
mg_status mail_copy_headers(mail_job *j, GMimeMessage *src);

/* mail_headers.c: an unstructured header value (raw, as in the input)
 * decoded to one clean UTF-8 line; g_free() it. */
char *mail_header_text(mail_job *j, const char *raw);

/* mail_header_set.c: name set to value as g_mime_header_list_set()
 * would write it, without formatting it twice where gmime would write
 * the value as it is (then mail_header_set_as_is is true). */
void mail_header_set(mail_fields *f, const char *name, const char *value);
bool mail_header_set_as_is(mail_fields *f, const char *name, const char *value);
/* The field (added, or the first one replaced) written as folded is,
 * not formatted by gmime; folded is what follows "Name:" and a space. */
void mail_header_set_raw(mail_fields *f, const char *name, const char *folded);


/* mail_words.c: value with every RFC 2047 B word rewritten as the Q word
 * of the same bytes, so that gmime decodes folded words whole. */
char *mail_words_unpad(const char *value);
/* UTF-8 text as folded encoded-words (or as it is when ASCII) that every
 * decoder reads whole; first_line_used: columns taken by "Name: ". */
char *mail_words_encode(const char *utf8, size_t first_line_used);

/* mail_alt.c: whether the HTML version (html_len bytes in charset, NULL
 * when undeclared) carries words the plain version's text lacks; *why
 * says why, for the report (g_free() it). */
bool mail_alt_html_richer(const mg_buf *plain, const unsigned char *html, size_t html_len,
                          const char *charset, char **why);

/* mail_inline.c: cuts the uuencode, yEnc and BinHex blocks out of the
 * body bytes d (*len shrinks) and hands each to mail_attach() or names
 * it as removed (unless j->dry). */
mg_status mail_inline_cut(mail_job *j, unsigned char *d, size_t *len);

/* tnef.c: a TNEF stream (winmail.dat) opened with libytnef: its
 * attachments through mail_attach(), its body added when it carries text
 * the message's body lacks; a stream that does not parse is removed with
 * the reason. */
mg_status mail_tnef(mail_job *j, const unsigned char *data, size_t len, const char *name);
/* tnef_check.c: why libytnef must not be given this stream (it would
 * exit or read past a buffer), NULL when it may. */
const char *mail_tnef_refused(const unsigned char *d, size_t len);

/* mail_atext.c: with policy attachment_text = append, the text of an
 * attachment (of a family that gives text) kept for the end of the body
 * under a line naming it; a time limit passed blocks the mail. */
mg_status mail_atext_add(mail_job *j, const unsigned char *data, size_t len, const char *name,
                         const char *declared, const char *family);

/* mail_notice.c: the notice for the top of the body (g_free() it). */
char *mail_notice(const mail_job *j, const char *item_id);
/* Whether the body already starts with mugai's notice quoting prev_id (the
 * input's X-Mugai-Id) and this pass removed nothing: sanitising mugai's
 * own output then adds no second notice.  Headers can be forged, so this
 * only ever spares the notice, never the sanitising. */
bool mail_notice_present(const mail_job *j, const char *prev_id);

/* mail_boundary.c: mp's boundary derived from its parts with the item id
 * left out (nested messages quote it), so that it is reproducible. */
void mail_boundary_set(GMimeMultipart *mp, GMimeFormatOptions *fopts, const char *item_id);
/* A new multipart/subtype (with param=value when param is not NULL)
 * whose boundary is settled once the message is written: a stand-in
 * now.  Made after the multiparts it holds, so that those come first. */
GMimeMultipart *mail_boundary_multipart_new(mail_job *j, const char *subtype, const char *param,
                                            const char *value);
/* Every stand-in of the written message overwritten by its boundary,
 * innermost first; false when the message is not laid out as expected
 * (then mail_boundary_set_all and write it again). */
bool mail_boundary_settle(mail_job *j, guchar *msg, size_t len, const char *item_id);
void mail_boundary_set_all(mail_job *j, const char *item_id);
void mail_boundaries_free(mail_job *j);
/* The value of X-Mugai-Verdict. */
char *mail_verdict(const mail_job *j);

#endif
