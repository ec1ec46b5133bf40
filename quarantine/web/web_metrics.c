/*
 * web_metrics.c - /healthz and /metrics (Prometheus text format 0.0.4).
 *
 * The quarantine's gauges come from the index itself (items by status,
 * and by channel and verdict), so they are right on every node; the
 * gateway's own counters are appended by the caller's renderer.  Both are
 * counts only: no subject, no address, no file name is ever exported.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "web_internal.h"

void mw_serve_healthz(mw_server *srv, mw_response *resp)
{
	mq_filter f = { 0 };
	uint64_t n;

	f.limit = 1;
	resp->content_type = "text/plain; charset=utf-8";
	if (mq_count(srv->store, &f, &n, NULL) == MQ_OK) {
		mw_raw(&resp->body, "ok\n");
	} else {
		resp->status = 503;
		mw_raw(&resp->body, "index unavailable\n");
	}
}

static const char *const channels[] = { "mail", "file" };
static const char *const verdicts[] = { "sanitised", "blocked", "encrypted", "malware", "error" };

/* 0, or -1 when the index did not answer. */
static int quarantine_gauges(mw_server *srv, mw_out *o)
{
	mq_filter f;
	uint64_t n;

	mw_raw(o, "# HELP mugai_quarantine_items Items in the quarantine index by status.\n"
	          "# TYPE mugai_quarantine_items gauge\n");
	for (mq_status s = MQ_QUARANTINED; s < MQ_STATUS_COUNT; s++) {
		memset(&f, 0, sizeof(f));
		f.status = mq_status_name(s);
		if (mq_count(srv->store, &f, &n, NULL) != MQ_OK)
			return -1;
		mw_rawf(o, "mugai_quarantine_items{status=\"%s\"} %llu\n", f.status,
		        (unsigned long long)n);
	}
	mw_raw(o, "# HELP mugai_quarantine_items_by_verdict Items in the quarantine index by "
	          "channel and verdict.\n# TYPE mugai_quarantine_items_by_verdict gauge\n");
	for (size_t c = 0; c < sizeof(channels) / sizeof(channels[0]); c++)
		for (size_t v = 0; v < sizeof(verdicts) / sizeof(verdicts[0]); v++) {
			memset(&f, 0, sizeof(f));
			f.channel = channels[c];
			f.verdict = verdicts[v];
			if (mq_count(srv->store, &f, &n, NULL) != MQ_OK)
				return -1;
			mw_rawf(o, "mugai_quarantine_items_by_verdict{channel=\"%s\",verdict=\"%s\"} %llu\n",
			        channels[c], verdicts[v], (unsigned long long)n);
		}
	return 0;
}

static void counter(mw_out *o, const char *name, const char *help, uint64_t v)
{
	mw_rawf(o, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n", name, help, name, name,
	        (unsigned long long)v);
}

static void ui_metrics(mw_server *srv, mw_out *o, int64_t now)
{
	uint64_t resp[6], logins, failures, limited, csrf;

	pthread_mutex_lock(&srv->stats_lock);
	memcpy(resp, srv->responses, sizeof(resp));
	logins = srv->logins;
	failures = srv->login_failures;
	limited = srv->rate_limited;
	csrf = srv->csrf_refused;
	pthread_mutex_unlock(&srv->stats_lock);
	mw_rawf(o, "# HELP mugai_admin_sessions Live sessions of the review UI.\n"
	           "# TYPE mugai_admin_sessions gauge\nmugai_admin_sessions %u\n",
	        mw_sessions_live(srv->sessions, now));
	counter(o, "mugai_admin_logins_total", "Successful logins to the review UI.", logins);
	counter(o, "mugai_admin_login_failures_total", "Failed logins to the review UI.", failures);
	counter(o, "mugai_admin_login_rate_limited_total",
	        "Login attempts refused by the rate limit.", limited);
	counter(o, "mugai_admin_csrf_refused_total", "POSTs refused for a missing or bad CSRF token.",
	        csrf);
	mw_raw(o, "# HELP mugai_admin_responses_total Responses of the review UI by status class.\n"
	          "# TYPE mugai_admin_responses_total counter\n");
	for (unsigned c = 2; c <= 5; c++)
		mw_rawf(o, "mugai_admin_responses_total{class=\"%uxx\"} %llu\n", c,
		        (unsigned long long)resp[c]);
}

/* Every sample line of text with node="..." as its first label, so the
 * series of several nodes stay apart where they are scraped together. */
static void with_node(mw_out *o, const char *text, const char *node)
{
	while (*text) {
		size_t n = strcspn(text, "\n");
		size_t name = strcspn(text, "{ \n");

		if (*text == '#' || n == 0)
			mw_rawf(o, "%.*s", (int)n, text);
		else if (text[name] == '{')
			mw_rawf(o, "%.*snode=\"%s\",%.*s", (int)name + 1, text, node,
			        (int)(n - name - 1), text + name + 1);
		else
			mw_rawf(o, "%.*s{node=\"%s\"}%.*s", (int)name, text, node, (int)(n - name),
			        text + name);
		if (text[n] == '\n')
			mw_raw(o, "\n");
		text += n + (text[n] == '\n');
	}
}

static void render_metrics(mw_server *srv, mw_out *o)
{
	mw_out gauges;
	int up;

	mw_out_init(&gauges);
	up = quarantine_gauges(srv, &gauges) == 0 && !gauges.failed;
	mw_rawf(o, "# HELP mugai_quarantine_index_up Whether the quarantine index answered.\n"
	           "# TYPE mugai_quarantine_index_up gauge\nmugai_quarantine_index_up %d\n", up);
	if (up && gauges.b.data)
		mw_raw(o, (const char *)gauges.b.data);
	mg_buf_free(&gauges.b);
	ui_metrics(srv, o, (int64_t)time(NULL));
	if (srv->opt.metrics) {
		char *extra = srv->opt.metrics(srv->opt.metrics_ctx);

		if (extra)
			mw_raw(o, extra);
		free(extra);
	}
}

void mw_serve_metrics(mw_server *srv, mw_response *resp)
{
	mw_out all;

	resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
	if (!srv->opt.node || !*srv->opt.node) {
		render_metrics(srv, &resp->body);
		return;
	}
	mw_out_init(&all);
	render_metrics(srv, &all);
	mw_raw(&all, ""); /* a terminated string even when empty */
	if (all.failed || !all.b.data)
		resp->body.failed = true;
	else
		with_node(&resp->body, (const char *)all.b.data, srv->opt.node);
	mg_buf_free(&all.b);
}
