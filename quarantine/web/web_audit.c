/*
 * web_audit.c - the audit log: the chain is verified on every view (an
 * auditor always sees whether it is whole, and where it broke), then one
 * page of entries, newest first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web_internal.h"

static void verdict(mw_out *o, mw_lang l, int rc, const mq_verify_result *res, const char *err)
{
	char a[24], b[24];
	const char *args[2] = { a, b };

	if (rc != MQ_OK) {
		args[0] = err ? err : "";
		mw_raw(o, "<div class=\"flash error\" id=\"verify\">");
		mw_trf(o, l, MW_AUDIT_VERIFY_FAILED, args, 1);
	} else if (res->bad_seq) {
		snprintf(a, sizeof(a), "%llu", (unsigned long long)res->bad_seq);
		args[1] = res->problem ? res->problem : "";
		mw_raw(o, "<div class=\"flash error\" id=\"verify\">");
		mw_trf(o, l, MW_AUDIT_BROKEN, args, 2);
	} else {
		snprintf(a, sizeof(a), "%llu", (unsigned long long)res->entries);
		mw_raw(o, "<div class=\"flash ok\" id=\"verify\">");
		mw_trf(o, l, MW_AUDIT_OK, args, 1);
	}
	mw_raw(o, "</div>");
}

static void pager(mw_out *o, mw_lang l, uint64_t after, size_t n, uint64_t total)
{
	char a[24], b[24];
	const char *args[2] = { a, b };

	if (n == 0)
		return;
	snprintf(a, sizeof(a), "%llu", (unsigned long long)after + 1);
	snprintf(b, sizeof(b), "%llu", (unsigned long long)(after + n));
	mw_raw(o, "<nav class=\"pager\">");
	if (after + n < total || (total == 0 && n == MW_AUDIT_PAGE)) {
		mw_rawf(o, "<a class=\"button\" href=\"/audit?after=%llu\">",
		        (unsigned long long)(after + n));
		mw_tr(o, l, MW_AUDIT_NEWER);
		mw_raw(o, "</a>");
	}
	mw_raw(o, "<span>");
	mw_trf(o, l, MW_AUDIT_RANGE, args, 2);
	mw_raw(o, "</span>");
	if (after > 0) {
		mw_rawf(o, "<a class=\"button\" href=\"/audit?after=%llu\">",
		        (unsigned long long)(after > MW_AUDIT_PAGE ? after - MW_AUDIT_PAGE : 0));
		mw_tr(o, l, MW_AUDIT_OLDER);
		mw_raw(o, "</a>");
	}
	mw_raw(o, "</nav>");
}

/* The page starts after this sequence number: the query's, else the
 * newest page. */
static uint64_t first_after(const mw_request *req, uint64_t total)
{
	const char *s = mw_arg(&req->query, "after");
	char *end = NULL;
	unsigned long long v;

	if (s && *s >= '0' && *s <= '9') {
		v = strtoull(s, &end, 10);
		if (*end == '\0')
			return v;
	}
	return total > MW_AUDIT_PAGE ? total - MW_AUDIT_PAGE : 0;
}

void mw_page_audit(mw_server *srv, mw_request *req, mw_response *resp)
{
	mq_verify_result res = { 0 };
	mq_audit_entry *e = NULL;
	size_t n = 0;
	char *err = NULL;
	uint64_t after, total;
	mw_out *o = &resp->body;
	mw_lang l = req->lang;
	int vrc;

	vrc = mq_verify(srv->store, &res, &err);
	total = vrc == MQ_OK && !res.bad_seq ? res.entries : 0;
	after = first_after(req, total);
	if (mq_audit_list(srv->store, after, MW_AUDIT_PAGE, &e, &n, NULL) != MQ_OK) {
		mw_error_page(srv, req, resp, 500, MW_ERR_INTERNAL);
		goto done;
	}
	/* newest first on screen */
	for (size_t i = 0; i < n / 2; i++) {
		mq_audit_entry t = e[i];

		e[i] = e[n - 1 - i];
		e[n - 1 - i] = t;
	}
	mw_page_begin(srv, req, resp, mw_t(l, MW_AUDIT_TITLE));
	mw_raw(o, "<section class=\"panel\"><div class=\"title-row\"><h1>");
	mw_tr(o, l, MW_AUDIT_TITLE);
	mw_raw(o, "</h1><a class=\"button\" id=\"export-csv\" href=\"/audit.csv\" download>");
	mw_tr(o, l, MW_EXPORT_CSV);
	mw_raw(o, "</a></div>");
	verdict(o, l, vrc, &res, err);
	if (n == 0) {
		mw_raw(o, "<p class=\"empty\">");
		mw_tr(o, l, MW_AUDIT_EMPTY);
		mw_raw(o, "</p>");
	} else {
		mw_audit_table(o, l, e, n, true);
		pager(o, l, after, n, total);
	}
	mw_raw(o, "</section>");
	mw_page_end(resp);
done:
	mq_audit_free(e, n);
	free(res.problem);
	free(err);
}
