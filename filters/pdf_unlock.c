/*
 * pdf_unlock.c - a PDF that needs a password, opened with the item's
 * candidate passwords.
 *
 * poppler-glib 22.x crashes when poppler_document_new_from_bytes() (or
 * _from_data()) is given a wrong password: its retry with the password as
 * UTF-8 casts a copied stream to the wrong class and uses a null pointer.
 * The retry from a GInputStream copies the stream correctly, so each
 * candidate opens the document from a memory stream on the item's bytes
 * (not copied).  poppler takes the user or the owner password; either
 * only opens the document, which is then flattened like any other.
 */
#include <gio/gio.h>

#include "pdf_unlock.h"

static PopplerDocument *open_with(const mg_item *item, const char *password, bool *locked)
{
	GInputStream *s = g_memory_input_stream_new_from_data(item->data, (gssize)item->len, NULL);
	GError *err = NULL;
	PopplerDocument *doc;

	doc = poppler_document_new_from_stream(s, (goffset)item->len, password, NULL, &err);
	*locked = !doc && g_error_matches(err, POPPLER_ERROR, POPPLER_ERROR_ENCRYPTED);
	g_clear_error(&err);
	g_object_unref(s);
	return doc;
}

PopplerDocument *mg_pdf_unlock(mg_ctx *ctx, const mg_item *item)
{
	size_t n = mg_password_count(ctx);
	bool locked = true;

	if (item->len == 0 || item->len > G_MAXSSIZE)
		return NULL;
	for (size_t i = 0; i < n && locked; i++) {
		PopplerDocument *doc;

		if (!ctx->passwords[i] || mg_check_deadline(ctx) != MG_OK)
			continue;
		doc = open_with(item, ctx->passwords[i], &locked);
		if (doc) {
			mg_report_unlocked(ctx, i, "PDF with a password");
			return doc;
		}
	}
	if (n > 0 && locked)
		mg_fail(ctx, MG_E_ENCRYPTED, "PDF is encrypted: none of the %zu candidate passwords "
		        "opens it", n);
	return NULL;
}
