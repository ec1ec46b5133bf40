/*
 * mail_html.c - a mail's HTML kept but disarmed (policy html = safe).
 *
 * Each HTML body is rebuilt by html_safe.c; the page the reader gets is
 * every body in order (plain ones as preformatted text) under the notice,
 * and the text/plain version beside it is made from that page by the same
 * HTML -> text as policy html = text, so both versions say the same.  An
 * image the HTML refers to as cid: is looked up in the multipart/related
 * being walked, sanitised by the image family and kept as an inline part
 * of a new multipart/related under a new Content-ID; the original part is
 * then not attached a second time.  Anything else the HTML loads became
 * its alt text.
 */
#include <string.h>

#include "html_safe.h"
#include "mail_priv.h"
#include "text.h"

#define PLAIN_STYLE "white-space: pre-wrap; font-family: monospace"
#define NOTICE_STYLE PLAIN_STYLE "; border-bottom: 1px solid #888888; margin-bottom: 1em"

static int cid_equal(const char *content_id, const char *cid)
{
	char *un = g_uri_unescape_string(cid, NULL);
	int eq = g_strcmp0(content_id, un ? un : cid) == 0;

	g_free(un);
	return eq;
}

/* The part of the multipart/related being walked with that Content-ID. */
static GMimeObject *related_part(mail_job *j, const char *cid)
{
	int n = j->related_src ? g_mime_multipart_get_count(j->related_src) : 0;

	for (int i = 0; i < n; i++) {
		GMimeObject *o = g_mime_multipart_get_part(j->related_src, i);

		if (GMIME_IS_PART(o) && cid_equal(g_mime_object_get_content_id(o), cid))
			return o;
	}
	return NULL;
}

/* The sanitised image as an inline part named by a Content-ID made from
 * its position: the same mail gives the same bytes. */
static char *keep_image(mail_job *j, GMimeObject *src, const mg_out *out, const char *name)
{
	char *outname = mg_output_name(name, out->ext[0] ? out->ext : "bin");
	char *id = g_strdup_printf("img%u@mugai.invalid", j->related->len + 1);
	GMimeContentType *ct = g_mime_content_type_parse(j->popts, out->mime);
	GMimePart *p = mail_file_part_new(ct, out->data.data, out->data.len, "inline",
	                                  outname ? outname : name);
	char *url = g_strconcat("cid:", id, NULL);

	g_mime_object_set_content_id(GMIME_OBJECT(p), id);
	g_ptr_array_add(j->related, p);
	g_hash_table_add(j->consumed, src);
	mail_note_add(j, NOTE_ATTACHMENT_KEPT, MG_OK, 0, name, outname ? outname : name,
	              "image: reencode (inline)");
	free(outname);
	g_free(id);
	g_object_unref(ct);
	return url;
}

/* mg_html_cid_fn: the cid: URL of the sanitised copy of an inline image,
 * NULL when there is none or it did not come out as an image (the part is
 * then attached, or named as removed, when the walk reaches it). */
static char *resolve_cid(void *user, const char *cid)
{
	mail_job *j = user;
	const char *known = g_hash_table_lookup(j->cids, cid);
	GMimeObject *o;
	GByteArray *raw;
	json_t *child = NULL;
	mg_out out;
	mg_status st;
	char *name, *mime, *url = NULL;

	if (known)
		return g_strdup(known);
	if (j->ctx->status != MG_OK || !(o = related_part(j, cid)) || g_hash_table_contains(j->consumed, o))
		return NULL;
	if (++j->parts > j->ctx->policy->max_parts) {
		mg_fail(j->ctx, MG_E_LIMIT_COUNT, "more than max_parts %u MIME parts",
		        j->ctx->policy->max_parts);
		return NULL;
	}
	name = g_mime_part_get_filename(GMIME_PART(o))
	       ? mail_clean_line(g_mime_part_get_filename(GMIME_PART(o)),
	                         strlen(g_mime_part_get_filename(GMIME_PART(o))))
	       : g_strdup_printf("image%u", j->related->len + 1);
	mime = g_mime_content_type_get_mime_type(g_mime_object_get_content_type(o));
	raw = mail_part_bytes(GMIME_PART(o));
	st = mg_sanitize_child(j->ctx, raw->data, raw->len, name, mime, &out, &child);
	/* a picture, never markup (the image family draws SVG into a PNG) */
	if (st == MG_OK && g_ascii_strncasecmp(out.mime, "image/", 6) == 0 &&
	    !strstr(out.mime, "svg") && !strstr(out.mime, "xml")) {
		url = keep_image(j, o, &out, name);
		g_hash_table_insert(j->cids, g_strdup(cid), g_strdup(url));
	} else if (st == MG_E_LIMIT_TIME) {
		mg_fail(j->ctx, st, "time limit reached in inline image %s", name);
	}
	mg_out_free(&out);
	g_byte_array_free(raw, TRUE);
	g_free(mime);
	g_free(name);
	return url;
}

static void notes(mail_job *j, const mg_html_safe_stats *hs)
{
	static const char *const words[] = { "text", "defang", "remove" };

	mail_note_add(j, NOTE_HTML_SAFE, MG_OK, 0, NULL, NULL, words[j->ctx->policy->links % 3]);
	for (unsigned i = 0; i < CUT_COUNT; i++)
		if (hs->cut[i])
			mail_note_add(j, NOTE_HTML_CUT, MG_OK, hs->cut[i],
			              mg_html_safe_what((mg_html_cut)i, true), NULL,
			              mg_html_safe_what((mg_html_cut)i, false));
}

/* The reader's text of a rebuilt body: HTML -> text of the page, its
 * findings kept out of the report (the rebuild reported them). */
static mg_status text_of(mail_job *j, const mg_buf *body, mg_buf *t)
{
	json_t *saved = j->ctx->report;
	mg_buf page;
	mg_status rc;

	mg_buf_init(&page, j->ctx->policy->max_output);
	if (mg_html_safe_document(&page, body->data ? (const char *)body->data : "", body->len) < 0) {
		mg_buf_free(&page);
		return mg_fail(j->ctx, MG_E_LIMIT_SIZE, "disarmed HTML larger than max_output");
	}
	j->ctx->report = json_object();
	rc = mg_html_to_text(j->ctx, page.data, page.len, "utf-8", t, NULL);
	json_decref(j->ctx->report);
	j->ctx->report = saved;
	mg_buf_free(&page);
	return rc;
}

mg_status mail_html_body(mail_job *j, const unsigned char *html, size_t len, const char *charset,
                         mg_buf *t, unsigned *links_changed)
{
	mg_html_safe_stats hs;
	mg_buf body;
	mg_status rc;

	mg_buf_init(&body, j->ctx->policy->max_output);
	rc = mg_html_safe_body(j->ctx, html, len, charset, resolve_cid, j, &body, &hs);
	if (rc == MG_OK && j->ctx->status != MG_OK)
		rc = j->ctx->status; /* a limit met while keeping an image */
	if (rc == MG_OK)
		rc = text_of(j, &body, t);
	if (rc == MG_OK && (mg_buf_puts(&j->html, "<div>") < 0 ||
	                    mg_buf_append(&j->html, body.data, body.len) < 0 ||
	                    mg_buf_puts(&j->html, "</div>\n") < 0))
		rc = mg_fail(j->ctx, MG_E_LIMIT_SIZE, "disarmed HTML larger than max_output");
	if (rc == MG_OK) {
		mg_html_safe_report(j->ctx, &hs);
		notes(j, &hs);
		j->html_used = true;
		*links_changed = hs.links_changed;
	}
	mg_buf_free(&body);
	return rc;
}

mg_status mail_html_text(mail_job *j, const mg_buf *text)
{
	if (!j->safe || text->len == 0)
		return MG_OK;
	if (mg_buf_puts(&j->html, "<div style=\"" PLAIN_STYLE "\">") < 0 ||
	    mg_html_escape(&j->html, (const char *)text->data, text->len, false) < 0 ||
	    mg_buf_puts(&j->html, "</div>\n") < 0)
		return mg_fail(j->ctx, MG_E_LIMIT_SIZE, "disarmed HTML larger than max_output");
	return MG_OK;
}

char *mail_html_page(const mail_job *j, const char *notice, size_t *len)
{
	mg_buf body, page;

	mg_buf_init(&body, (size_t)-1);
	mg_buf_init(&page, (size_t)-1);
	if (notice && *notice) {
		mg_buf_puts(&body, "<div style=\"" NOTICE_STYLE "\">");
		mg_html_escape(&body, notice, strlen(notice), false);
		mg_buf_puts(&body, "</div>\n");
	}
	mg_buf_append(&body, j->html.data, j->html.len);
	mg_html_safe_document(&page, body.data ? (const char *)body.data : "", body.len);
	mg_buf_free(&body);
	return (char *)mg_buf_steal(&page, len);
}

GMimeObject *mail_html_related(mail_job *j, GMimeObject *html)
{
	GMimeMultipart *mp;

	if (j->related->len == 0)
		return g_object_ref(html);
	mp = mail_boundary_multipart_new(j, "related", "type", "text/html");
	g_mime_multipart_add(mp, html);
	for (unsigned i = 0; i < j->related->len; i++)
		g_mime_multipart_add(mp, g_ptr_array_index(j->related, i));
	return GMIME_OBJECT(mp);
}
