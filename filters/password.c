/*
 * password.c - the candidate passwords given with an item (PPAP: the
 * password of a zip arrives in a second mail, or from the recipient).
 *
 * The filters that can decrypt (archive_crypt.c, pdf_unlock.c,
 * offcrypto.c) try the candidates in order; this file bounds how many and
 * records which one opened the item.  A password is never copied into a
 * report, a reason or a finding: only its number in the list is, so the
 * report may be stored and shown like any other.
 */
#include "internal.h"

size_t mg_password_count(const mg_ctx *ctx)
{
	size_t max = ctx->policy->max_password_candidates;

	if (!ctx->passwords)
		return 0;
	return ctx->n_passwords < max ? ctx->n_passwords : max;
}

void mg_report_unlocked(mg_ctx *ctx, size_t index, const char *what)
{
	json_object_set_new(ctx->report, "unlocked", json_true());
	json_object_set_new(ctx->report, "password_candidate", json_integer((json_int_t)index + 1));
	mg_report_action(ctx, "%s opened with candidate password %zu; its content is sanitised "
	                 "like any other and the result is not encrypted", what, index + 1);
	/* the top of the report tells at a glance that a password was used */
	for (const mg_ctx *p = ctx->parent; p; p = p->parent)
		json_object_set_new(p->report, "unlocked", json_true());
}
