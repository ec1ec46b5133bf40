/*
 * mail_atext.c - policy attachment_text = append: the text of each
 * attachment added at the end of the body.
 *
 * Terminals on the LGWAN side often cannot open files at all; with this
 * the reader still has the words of a PDF, an Office document, an RTF or
 * a text file, under a line naming the file.  The text is what the
 * family's text mode gives for the same bytes (a second, text-only run
 * whose report is not kept: the attachment's own report stays the one),
 * under the policy's links like every body.  Images, archives and other
 * families give no text here.
 */
#include <string.h>

#include "mail_priv.h"
#include "text.h"

static bool has_text(const char *family)
{
	static const char *const families[] = { "pdf", "ooxml", "odf", "ole2", "rtf", "text",
	                                        "html", "xml" };

	for (size_t i = 0; family && i < sizeof(families) / sizeof(families[0]); i++)
		if (strcmp(family, families[i]) == 0)
			return true;
	return false;
}

static mg_status add(mail_job *j, mg_buf *text, const char *name)
{
	unsigned changed = 0;
	mg_status st = mg_links_apply(j->ctx, text, &changed);

	j->links_changed += changed;
	if (st != MG_OK)
		return st;
	while (text->len > 0 && (text->data[text->len - 1] == '\n' || text->data[text->len - 1] == ' '))
		text->len--;
	if (mg_buf_printf(&j->atext, "\n=== 添付ファイル「%s」のテキスト / Text of attachment \"%s\" ===\n",
	                  name, name) < 0 ||
	    mg_buf_append(&j->atext, text->data, text->len) < 0 || mg_buf_puts(&j->atext, "\n") < 0)
		return mg_fail(j->ctx, MG_E_LIMIT_SIZE, "mail text with the attachments' text larger "
		               "than max_output");
	mg_report_action(j->ctx, "text of attachment %s appended to the body (%zu bytes)", name,
	                 text->len);
	return MG_OK;
}

mg_status mail_atext_add(mail_job *j, const unsigned char *data, size_t len, const char *name,
                         const char *declared, const char *family)
{
	json_t *children = json_object_get(j->ctx->report, "children");
	mg_out out;
	mg_status st, rc = MG_OK;

	if (!j->ctx->policy->attachment_text || j->dry || !has_text(family))
		return MG_OK;
	st = mg_sanitize_child_text(j->ctx, data, len, name, declared, &out, NULL);
	json_array_remove(children, json_array_size(children) - 1);
	if (st == MG_OK && strncmp(out.mime, "text/plain", 10) == 0 && out.data.len > 0)
		rc = add(j, &out.data, name);
	else if (st == MG_E_LIMIT_TIME)
		rc = mg_fail(j->ctx, st, "time limit reached reading the text of %s", name);
	else
		mg_report_finding(j->ctx, "no text of attachment %s appended (%s)", name,
		                  st == MG_OK ? "its family gives none" : mg_status_name(st));
	mg_out_free(&out);
	return rc;
}
