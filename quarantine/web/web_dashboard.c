/*
 * web_dashboard.c - the dashboard: what is waiting for a person, and
 * counts per day (30 days) and per month (12 months) by channel and
 * verdict, and the most frequent reasons.  The charts are SVG made here
 * (no script: the CSP forbids every one); colours are presentation
 * attributes, not style attributes, and every label from the store goes
 * through mw_esc().  The database does the counting (stats.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "web_internal.h"

#define DAYS 30
#define MONTHS 12
#define MAX_BARS DAYS
#define MAX_STACK 5
#define TOP_REASONS 10

static const char *const channels[] = { "mail", "file" };
static const char *const channel_colors[] = { "#1f5fa8", "#2a9d8f" };
static const char *const verdicts[] = { "sanitised", "blocked", "encrypted", "malware", "error" };
static const char *const verdict_colors[] = { "#3a8a3a", "#c0392b", "#7d3c98", "#222222",
	                                      "#d68910" };

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Counts per bucket, by channel and verdict; total has the unknown too. */
struct bucket {
	char label[16];
	uint64_t cv[N(channels)][N(verdicts)];
	uint64_t total;
};

struct dash {
	int64_t first_day;  /* local day number of the oldest day bucket */
	int first_month;    /* year * 12 + month (0..11) of the oldest month */
	struct bucket day[DAYS], month[MONTHS];
	uint64_t status[MQ_STATUS_COUNT];
	mq_reason_count *reasons;
	size_t nreasons;
};

static int index_of(const char *w, const char *const *words, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(w, words[i]) == 0)
			return (int)i;
	return -1;
}

static void add(struct bucket *b, const mq_day_count *c)
{
	int ch = index_of(c->channel, channels, N(channels));
	int vd = index_of(c->verdict, verdicts, N(verdicts));

	if (ch >= 0 && vd >= 0)
		b->cv[ch][vd] += c->n;
	b->total += c->n;
}

/* A local day number as its civil date (the day is already local). */
static void civil(int64_t day, struct tm *tm)
{
	time_t t = (time_t)(day * 86400);

	gmtime_r(&t, tm);
}

/* The local time zone's offset now: seconds east of UTC. */
static int64_t tz_offset(int64_t now)
{
	time_t t = (time_t)now;
	struct tm tm;

	return localtime_r(&t, &tm) ? (int64_t)tm.tm_gmtoff : 0;
}

/* Buckets and their labels; returns the oldest time counted. */
static int64_t buckets_init(struct dash *d, int64_t now, int64_t off)
{
	int64_t today = (now + off) / 86400;
	struct tm tm;
	int ym;

	d->first_day = today - (DAYS - 1);
	for (int i = 0; i < DAYS; i++) {
		civil(d->first_day + i, &tm);
		strftime(d->day[i].label, sizeof(d->day[i].label), "%Y-%m-%d", &tm);
	}
	civil(today, &tm);
	d->first_month = (tm.tm_year + 1900) * 12 + tm.tm_mon - (MONTHS - 1);
	for (int i = 0; i < MONTHS; i++) {
		ym = d->first_month + i;
		snprintf(d->month[i].label, sizeof(d->month[i].label), "%04d-%02d", ym / 12,
		         ym % 12 + 1);
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = d->first_month / 12 - 1900;
	tm.tm_mon = d->first_month % 12;
	tm.tm_mday = 1;
	return (int64_t)timegm(&tm) - off;
}

static void bucket_rows(struct dash *d, const mq_day_count *rows, size_t n)
{
	struct tm tm;
	int64_t i;

	for (size_t k = 0; k < n; k++) {
		i = rows[k].day - d->first_day;
		if (i >= 0 && i < DAYS)
			add(&d->day[i], &rows[k]);
		civil(rows[k].day, &tm);
		i = (tm.tm_year + 1900) * 12 + tm.tm_mon - d->first_month;
		if (i >= 0 && i < MONTHS)
			add(&d->month[i], &rows[k]);
	}
}

static int load(mw_server *srv, struct dash *d, int64_t now)
{
	int64_t off = tz_offset(now), since = buckets_init(d, now, off);
	int64_t since_day = d->first_day * 86400 - off;
	mq_day_count *rows = NULL;
	size_t n = 0;

	if (mq_count_by_day(srv->store, since, off, &rows, &n, NULL) != MQ_OK)
		return -1;
	bucket_rows(d, rows, n);
	free(rows);
	if (mq_count_by_status(srv->store, d->status, NULL) != MQ_OK)
		return -1;
	return mq_count_by_reason(srv->store, since_day, TOP_REASONS, &d->reasons, &d->nreasons,
	                          NULL) == MQ_OK ? 0 : -1;
}

/* --- charts --------------------------------------------------------------- */

/* One chart's data: bars of stacked values, and what the stacks are. */
struct chart {
	const char *id, *kind;
	mw_msg title;
	size_t nbars, nstack;
	const char *labels[MAX_BARS];
	uint64_t v[MAX_BARS][MAX_STACK];
	const char *const *words, *const *colors;
	unsigned bar_w;
};

static void chart_fill(struct chart *c, const struct bucket *b, size_t n, bool by_verdict)
{
	c->nbars = n;
	c->nstack = by_verdict ? N(verdicts) : N(channels);
	c->words = by_verdict ? verdicts : channels;
	c->colors = by_verdict ? verdict_colors : channel_colors;
	c->kind = by_verdict ? "verdict" : "channel";
	memset(c->v, 0, sizeof(c->v));
	for (size_t i = 0; i < n; i++) {
		c->labels[i] = b[i].label;
		for (size_t ch = 0; ch < N(channels); ch++)
			for (size_t vd = 0; vd < N(verdicts); vd++)
				c->v[i][by_verdict ? vd : ch] += b[i].cv[ch][vd];
	}
}

static uint64_t chart_max(const struct chart *c)
{
	uint64_t max = 0, sum;

	for (size_t i = 0; i < c->nbars; i++) {
		sum = 0;
		for (size_t s = 0; s < c->nstack; s++)
			sum += c->v[i][s];
		max = sum > max ? sum : max;
	}
	return max;
}

#define PLOT_TOP 12
#define PLOT_H 160
#define PLOT_LEFT 44
#define LABEL_H 64

/* <title> of one segment: "2024-05-01 Mail: 3 items". */
static void segment_title(mw_out *o, mw_lang l, const struct chart *c, size_t bar, size_t s)
{
	char n[24];
	const char *w = mw_t_word(l, c->kind, c->words[s]);
	const char *args[3] = { c->labels[bar], w ? w : c->words[s], n };

	snprintf(n, sizeof(n), "%llu", (unsigned long long)c->v[bar][s]);
	mw_raw(o, "<title>");
	mw_trf(o, l, MW_DASH_BAR, args, 3);
	mw_raw(o, "</title>");
}

static void bar(mw_out *o, mw_lang l, const struct chart *c, size_t i, uint64_t max)
{
	unsigned x = PLOT_LEFT + (unsigned)i * c->bar_w + 2, w = c->bar_w - 4;
	uint64_t below = 0;
	unsigned y0, y1;

	for (size_t s = 0; s < c->nstack; s++) {
		if (!c->v[i][s])
			continue;
		y0 = PLOT_TOP + PLOT_H - (unsigned)(below * PLOT_H / max);
		below += c->v[i][s];
		y1 = PLOT_TOP + PLOT_H - (unsigned)(below * PLOT_H / max);
		mw_rawf(o, "<rect class=\"seg\" x=\"%u\" y=\"%u\" width=\"%u\" height=\"%u\" fill=\"%s\">",
		        x, y1, w, y0 - y1 ? y0 - y1 : 1, c->colors[s]);
		segment_title(o, l, c, i, s);
		mw_raw(o, "</rect>");
	}
	mw_rawf(o, "<text x=\"%u\" y=\"%u\" font-size=\"10\" text-anchor=\"end\" "
	           "transform=\"rotate(-45 %u %u)\">",
	        x + w / 2, PLOT_TOP + PLOT_H + 12, x + w / 2, PLOT_TOP + PLOT_H + 12);
	mw_esc(o, c->labels[i] + (c->nbars == DAYS ? 5 : 0)); /* "05-01" for a day */
	mw_raw(o, "</text>");
}

static void legend(mw_out *o, mw_lang l, const struct chart *c)
{
	mw_raw(o, "<ul class=\"legend\">");
	for (size_t s = 0; s < c->nstack; s++) {
		mw_rawf(o, "<li><svg width=\"10\" height=\"10\" aria-hidden=\"true\"><rect width=\"10\" "
		           "height=\"10\" fill=\"%s\"/></svg> ", c->colors[s]);
		mw_word(o, l, c->kind, c->words[s]);
		mw_raw(o, "</li>");
	}
	mw_raw(o, "</ul>");
}

static void chart(mw_out *o, mw_lang l, const struct chart *c)
{
	uint64_t max = chart_max(c);
	unsigned w = PLOT_LEFT + (unsigned)c->nbars * c->bar_w + 8, h = PLOT_TOP + PLOT_H + LABEL_H;

	mw_rawf(o, "<figure class=\"chart\" id=\"%s\"><figcaption>", c->id);
	mw_tr(o, l, c->title);
	mw_rawf(o, "</figcaption><svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %u %u\" "
	           "width=\"%u\" height=\"%u\" role=\"img\" aria-label=\"", w, h, w, h);
	mw_tr(o, l, c->title);
	mw_rawf(o, "\"><line x1=\"%u\" y1=\"%u\" x2=\"%u\" y2=\"%u\" stroke=\"#888888\"/>"
	           "<line x1=\"%u\" y1=\"%u\" x2=\"%u\" y2=\"%u\" stroke=\"#888888\"/>",
	        PLOT_LEFT, PLOT_TOP, PLOT_LEFT, PLOT_TOP + PLOT_H, PLOT_LEFT, PLOT_TOP + PLOT_H,
	        w - 4, PLOT_TOP + PLOT_H);
	mw_rawf(o, "<text x=\"%u\" y=\"%u\" font-size=\"10\" text-anchor=\"end\">%llu</text>"
	           "<text x=\"%u\" y=\"%u\" font-size=\"10\" text-anchor=\"end\">0</text>",
	        PLOT_LEFT - 4, PLOT_TOP + 4, (unsigned long long)max, PLOT_LEFT - 4,
	        PLOT_TOP + PLOT_H);
	for (size_t i = 0; i < c->nbars && max > 0; i++)
		bar(o, l, c, i, max);
	mw_raw(o, "</svg>");
	legend(o, l, c);
	mw_raw(o, "</figure>");
}

static void charts(mw_out *o, mw_lang l, const struct dash *d)
{
	static struct {
		const char *id;
		mw_msg title;
		bool months, by_verdict;
	} const list[] = {
		{ "chart-days-verdict", MW_DASH_DAYS_VERDICT, false, true },
		{ "chart-days-channel", MW_DASH_DAYS_CHANNEL, false, false },
		{ "chart-months-verdict", MW_DASH_MONTHS_VERDICT, true, true },
		{ "chart-months-channel", MW_DASH_MONTHS_CHANNEL, true, false },
	};
	struct chart c;

	mw_raw(o, "<div class=\"charts\">");
	for (size_t i = 0; i < N(list); i++) {
		memset(&c, 0, sizeof(c));
		c.id = list[i].id;
		c.title = list[i].title;
		c.bar_w = list[i].months ? 40 : 18;
		if (list[i].months)
			chart_fill(&c, d->month, MONTHS, list[i].by_verdict);
		else
			chart_fill(&c, d->day, DAYS, list[i].by_verdict);
		chart(o, l, &c);
	}
	mw_raw(o, "</div>");
}

/* --- tables and figures -------------------------------------------------- */

static void figure(mw_out *o, mw_lang l, const char *id, mw_msg label, uint64_t n,
                   const char *href)
{
	mw_rawf(o, "<a class=\"figure\" id=\"%s\" href=\"%s\"><span class=\"n\">%llu</span>"
	           "<span class=\"what\">", id, href, (unsigned long long)n);
	mw_tr(o, l, label);
	mw_raw(o, "</span></a>");
}

static void waiting(mw_out *o, mw_lang l, const struct dash *d)
{
	uint64_t awaiting = d->status[MQ_QUARANTINED] + d->status[MQ_RELEASE_REQUESTED] +
	                    d->status[MQ_AWAITING_PASSWORD];

	mw_raw(o, "<div class=\"figures\">");
	figure(o, l, "pending-requests", MW_DASH_PENDING, d->status[MQ_RELEASE_REQUESTED],
	       "/items?status=release_requested");
	figure(o, l, "awaiting-action", MW_DASH_AWAITING, awaiting, "/items?status=quarantined");
	mw_raw(o, "</div><p class=\"note\">");
	mw_tr(o, l, MW_DASH_AWAITING_NOTE);
	mw_raw(o, "</p>");
}

static void month_table(mw_out *o, mw_lang l, const struct dash *d)
{
	uint64_t sum;

	mw_raw(o, "<h2>");
	mw_tr(o, l, MW_DASH_MONTH_TABLE);
	mw_raw(o, "</h2><div class=\"table-wrap\"><table class=\"list\" id=\"month-table\">"
	          "<thead><tr><th>");
	mw_tr(o, l, MW_DASH_COL_MONTH);
	mw_raw(o, "</th>");
	for (size_t ch = 0; ch < N(channels); ch++) {
		mw_raw(o, "<th>");
		mw_word(o, l, "channel", channels[ch]);
		mw_raw(o, "</th>");
	}
	for (size_t vd = 0; vd < N(verdicts); vd++) {
		mw_raw(o, "<th>");
		mw_word(o, l, "verdict", verdicts[vd]);
		mw_raw(o, "</th>");
	}
	mw_raw(o, "<th>");
	mw_tr(o, l, MW_DASH_COL_TOTAL);
	mw_raw(o, "</th></tr></thead><tbody>");
	for (size_t m = MONTHS; m-- > 0;) {
		const struct bucket *b = &d->month[m];

		mw_rawf(o, "<tr id=\"m-%s\"><th>%s</th>", b->label, b->label);
		for (size_t ch = 0; ch < N(channels); ch++) {
			sum = 0;
			for (size_t vd = 0; vd < N(verdicts); vd++)
				sum += b->cv[ch][vd];
			mw_rawf(o, "<td class=\"num\">%llu</td>", (unsigned long long)sum);
		}
		for (size_t vd = 0; vd < N(verdicts); vd++) {
			sum = 0;
			for (size_t ch = 0; ch < N(channels); ch++)
				sum += b->cv[ch][vd];
			mw_rawf(o, "<td class=\"num\">%llu</td>", (unsigned long long)sum);
		}
		mw_rawf(o, "<td class=\"num\">%llu</td></tr>", (unsigned long long)b->total);
	}
	mw_raw(o, "</tbody></table></div>");
}

/* The reasons as a table, each with a bar drawn to scale. */
static void reasons(mw_out *o, mw_lang l, const struct dash *d)
{
	uint64_t max = d->nreasons ? d->reasons[0].n : 0;

	mw_raw(o, "<h2>");
	mw_tr(o, l, MW_DASH_REASONS);
	mw_raw(o, "</h2>");
	if (d->nreasons == 0) {
		mw_raw(o, "<p class=\"empty\">");
		mw_tr(o, l, MW_DASH_NO_REASONS);
		mw_raw(o, "</p>");
		return;
	}
	mw_raw(o, "<div class=\"table-wrap\"><table class=\"list\" id=\"reasons\"><thead><tr><th>");
	mw_tr(o, l, MW_DASH_COL_REASON);
	mw_raw(o, "</th><th>");
	mw_tr(o, l, MW_DASH_COL_COUNT);
	mw_raw(o, "</th><th></th></tr></thead><tbody>");
	for (size_t i = 0; i < d->nreasons; i++) {
		unsigned w = max ? (unsigned)(d->reasons[i].n * 200 / max) : 0;

		mw_raw(o, "<tr><td class=\"clip\">");
		mw_esc(o, d->reasons[i].reasons);
		mw_rawf(o, "</td><td class=\"num\">%llu</td><td><svg width=\"204\" height=\"12\" "
		           "aria-hidden=\"true\"><rect width=\"%u\" height=\"12\" fill=\"#1f5fa8\">"
		           "<title>", (unsigned long long)d->reasons[i].n, w ? w : 1);
		mw_esc(o, d->reasons[i].reasons);
		mw_raw(o, "</title></rect></svg></td></tr>");
	}
	mw_raw(o, "</tbody></table></div>");
}

void mw_page_dashboard(mw_server *srv, mw_request *req, mw_response *resp)
{
	struct dash d;
	mw_out *o = &resp->body;
	mw_lang l = req->lang;

	memset(&d, 0, sizeof(d));
	if (load(srv, &d, req->now) < 0) {
		mw_error_page(srv, req, resp, 500, MW_ERR_INTERNAL);
		goto done;
	}
	mw_page_begin(srv, req, resp, mw_t(l, MW_DASH_TITLE));
	mw_raw(o, "<section class=\"panel dashboard\"><h1>");
	mw_tr(o, l, MW_DASH_TITLE);
	mw_raw(o, "</h1>");
	waiting(o, l, &d);
	charts(o, l, &d);
	month_table(o, l, &d);
	reasons(o, l, &d);
	mw_raw(o, "</section>");
	mw_page_end(resp);
done:
	mq_reason_counts_free(d.reasons, d.nreasons);
}
