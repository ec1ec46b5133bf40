/*
 * web_list.c - the list of items: filters (status, channel, verdict,
 * free text), newest first, paginated.  Filter values outside the known
 * vocabulary are ignored, never passed on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web_internal.h"

#define MAX_SEARCH 200
#define MAX_PAGE_NO 100000

static const char *const statuses[] = { "quarantined", "release_requested", "released", "denied",
	                                "deleted", "awaiting_password", "unlocked" };
static const char *const channels[] = { "mail", "file", "api" };
static const char *const verdicts[] = { "sanitised", "blocked", "encrypted", "malware", "error" };

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* The value when it is one of the words, else NULL. */
static const char *known(const char *v, const char *const *words, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		if (strcmp(v, words[i]) == 0)
			return words[i];
	return NULL;
}

struct query {
	const char *status, *channel, *verdict, *search;
	unsigned page;
};

/* 1 .. MAX_PAGE_NO; anything else is the first page. */
static unsigned page_of(const char *s)
{
	char *end = NULL;
	unsigned long p;

	if (!s || *s < '1' || *s > '9' || strlen(s) > 6)
		return 1;
	p = strtoul(s, &end, 10);
	return *end || p > MAX_PAGE_NO ? 1 : (unsigned)p;
}

static void read_query(const mw_request *req, struct query *q)
{
	const char *s = mw_arg(&req->query, "q");

	q->status = known(mw_arg(&req->query, "status"), statuses, N(statuses));
	q->channel = known(mw_arg(&req->query, "channel"), channels, N(channels));
	q->verdict = known(mw_arg(&req->query, "verdict"), verdicts, N(verdicts));
	q->search = s && *s && strlen(s) <= MAX_SEARCH ? s : NULL;
	q->page = page_of(mw_arg(&req->query, "page"));
}

void mw_list_filter(const mw_request *req, mq_filter *f)
{
	struct query q;

	read_query(req, &q);
	memset(f, 0, sizeof(*f));
	f->status = q.status;
	f->channel = q.channel;
	f->verdict = q.verdict;
	f->search = q.search;
}

/* The CSV export of what the filters select (web_csv.c). */
static void export_link(mw_out *o, mw_lang l, const struct query *q)
{
	mw_raw(o, "<a class=\"button\" id=\"export-csv\" href=\"/items.csv?x=1");
	if (q->status)
		mw_rawf(o, "&amp;status=%s", q->status);
	if (q->channel)
		mw_rawf(o, "&amp;channel=%s", q->channel);
	if (q->verdict)
		mw_rawf(o, "&amp;verdict=%s", q->verdict);
	if (q->search) {
		mw_raw(o, "&amp;q=");
		mw_urlenc(o, q->search);
	}
	mw_raw(o, "\" download>");
	mw_tr(o, l, MW_EXPORT_CSV);
	mw_raw(o, "</a>");
}

static void select_box(mw_out *o, mw_lang l, const char *name, mw_msg label, const char *kind,
                       const char *const *words, size_t n, const char *current)
{
	mw_rawf(o, "<label>");
	mw_tr(o, l, label);
	mw_rawf(o, "<select name=\"%s\" id=\"f-%s\"><option value=\"\">", name, name);
	mw_tr(o, l, MW_FILTER_ANY);
	mw_raw(o, "</option>");
	for (size_t i = 0; i < n; i++) {
		mw_rawf(o, "<option value=\"%s\"%s>", words[i],
		        current == words[i] ? " selected" : "");
		mw_word(o, l, kind, words[i]);
		mw_raw(o, "</option>");
	}
	mw_raw(o, "</select></label>");
}

static void filters(mw_out *o, mw_lang l, const struct query *q)
{
	mw_raw(o, "<form method=\"get\" action=\"/items\" class=\"filters\" id=\"filters\">");
	select_box(o, l, "status", MW_FILTER_STATUS, "status", statuses, N(statuses), q->status);
	select_box(o, l, "channel", MW_FILTER_CHANNEL, "channel", channels, N(channels), q->channel);
	select_box(o, l, "verdict", MW_FILTER_VERDICT, "verdict", verdicts, N(verdicts), q->verdict);
	mw_raw(o, "<label class=\"grow\">");
	mw_tr(o, l, MW_FILTER_SEARCH);
	mw_rawf(o, "<input type=\"search\" name=\"q\" id=\"f-q\" maxlength=\"%d\" value=\"",
	        MAX_SEARCH);
	mw_esc(o, q->search);
	mw_raw(o, "\" placeholder=\"");
	mw_tr(o, l, MW_FILTER_SEARCH_HINT);
	mw_raw(o, "\"></label><div class=\"buttons\"><button type=\"submit\" class=\"primary\" "
	          "id=\"f-apply\">");
	mw_tr(o, l, MW_FILTER_APPLY);
	mw_raw(o, "</button><a class=\"button\" href=\"/items\">");
	mw_tr(o, l, MW_FILTER_RESET);
	mw_raw(o, "</a></div></form>");
}

/* href="/items?...&page=N" keeping the filters. */
static void page_link(mw_out *o, const struct query *q, unsigned page)
{
	mw_raw(o, "/items?page=");
	mw_rawf(o, "%u", page);
	if (q->status)
		mw_rawf(o, "&amp;status=%s", q->status);
	if (q->channel)
		mw_rawf(o, "&amp;channel=%s", q->channel);
	if (q->verdict)
		mw_rawf(o, "&amp;verdict=%s", q->verdict);
	if (q->search) {
		mw_raw(o, "&amp;q=");
		mw_urlenc(o, q->search);
	}
}

static void pager(mw_out *o, mw_lang l, const struct query *q, uint64_t total)
{
	unsigned pages = (unsigned)((total + MW_PAGE_SIZE - 1) / MW_PAGE_SIZE);
	char cur[16], all[16];
	const char *args[2] = { cur, all };

	if (pages <= 1)
		return;
	snprintf(cur, sizeof(cur), "%u", q->page);
	snprintf(all, sizeof(all), "%u", pages);
	mw_raw(o, "<nav class=\"pager\">");
	if (q->page > 1) {
		mw_raw(o, "<a class=\"button\" rel=\"prev\" href=\"");
		page_link(o, q, q->page - 1);
		mw_raw(o, "\">");
		mw_tr(o, l, MW_PAGE_PREV);
		mw_raw(o, "</a>");
	}
	mw_raw(o, "<span>");
	mw_trf(o, l, MW_PAGE_OF, args, 2);
	mw_raw(o, "</span>");
	if (q->page < pages) {
		mw_raw(o, "<a class=\"button\" rel=\"next\" href=\"");
		page_link(o, q, q->page + 1);
		mw_raw(o, "\">");
		mw_tr(o, l, MW_PAGE_NEXT);
		mw_raw(o, "</a>");
	}
	mw_raw(o, "</nav>");
}

static void row(mw_out *o, mw_lang l, const mq_item *it)
{
	mw_raw(o, "<tr><td class=\"nowrap\">");
	mw_time(o, l, it->received);
	mw_raw(o, "</td><td>");
	mw_word(o, l, "channel", it->channel);
	mw_raw(o, "</td><td class=\"clip\">");
	mw_esc(o, it->sender && *it->sender ? it->sender : mw_t(l, MW_NONE));
	mw_raw(o, "</td><td class=\"clip subject\"><a href=\"/items/");
	mw_esc(o, it->item_id);
	mw_raw(o, "\">");
	mw_esc(o, it->subject && *it->subject ? it->subject : mw_t(l, MW_NO_SUBJECT));
	mw_raw(o, "</a></td><td>");
	mw_badge(o, l, "verdict", it->verdict);
	mw_raw(o, "</td><td>");
	mw_badge(o, l, "status", mq_status_name(it->status));
	mw_raw(o, "</td><td class=\"num nowrap\">");
	mw_size(o, it->size);
	mw_raw(o, "</td><td class=\"node\">");
	mw_esc(o, it->node && *it->node ? it->node : mw_t(l, MW_NONE));
	mw_raw(o, "</td><td class=\"mono\"><a href=\"/items/");
	mw_esc(o, it->item_id);
	mw_raw(o, "\">");
	mw_esc(o, it->item_id);
	mw_raw(o, "</a></td></tr>");
}

static void table(mw_out *o, mw_lang l, const mq_item *items, size_t n)
{
	static const mw_msg cols[] = { MW_COL_RECEIVED, MW_COL_CHANNEL, MW_COL_SENDER,
		                       MW_COL_SUBJECT, MW_COL_VERDICT, MW_COL_STATUS,
		                       MW_COL_SIZE, MW_COL_NODE, MW_COL_ID };

	if (n == 0) {
		mw_raw(o, "<p class=\"empty\" id=\"empty\">");
		mw_tr(o, l, MW_LIST_EMPTY);
		mw_raw(o, "</p>");
		return;
	}
	mw_raw(o, "<div class=\"table-wrap\"><table class=\"list\" id=\"items\"><thead><tr>");
	for (size_t i = 0; i < N(cols); i++) {
		mw_raw(o, "<th>");
		mw_tr(o, l, cols[i]);
		mw_raw(o, "</th>");
	}
	mw_raw(o, "</tr></thead><tbody>");
	for (size_t i = 0; i < n; i++)
		row(o, l, &items[i]);
	mw_raw(o, "</tbody></table></div>");
}

void mw_page_list(mw_server *srv, mw_request *req, mw_response *resp)
{
	struct query q;
	mq_filter f = { 0 };
	mq_item *items = NULL;
	size_t n = 0;
	uint64_t total = 0;
	char count[24];
	const char *args[1] = { count };
	mw_out *o = &resp->body;
	mw_lang l = req->lang;

	read_query(req, &q);
	mw_list_filter(req, &f);
	f.limit = MW_PAGE_SIZE;
	f.offset = (q.page - 1) * MW_PAGE_SIZE;
	if (mq_count(srv->store, &f, &total, NULL) != MQ_OK ||
	    mq_list(srv->store, &f, &items, &n, NULL) != MQ_OK) {
		mw_error_page(srv, req, resp, 500, MW_ERR_INTERNAL);
		return;
	}
	snprintf(count, sizeof(count), "%llu", (unsigned long long)total);
	mw_page_begin(srv, req, resp, mw_t(l, MW_LIST_TITLE));
	mw_raw(o, "<section class=\"panel\"><div class=\"title-row\"><h1>");
	mw_tr(o, l, MW_LIST_TITLE);
	mw_raw(o, "</h1><span class=\"count\" id=\"count\">");
	mw_trf(o, l, MW_LIST_COUNT, args, 1);
	mw_raw(o, "</span>");
	export_link(o, l, &q);
	mw_raw(o, "</div>");
	filters(o, l, &q);
	table(o, l, items, n);
	pager(o, l, &q, total);
	mw_raw(o, "</section>");
	mw_page_end(resp);
	mq_items_free(items, n);
}
