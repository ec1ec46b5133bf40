/*
 * metrics.c - atomic counters in a mapping shared across fork(), and
 * their Prometheus rendering.  Updates are relaxed atomic adds on plain
 * 64-bit words: no locks, so a process killed mid-update cannot leave a
 * lock held, and a reader sees each counter whole.
 */
#include <string.h>
#include <sys/mman.h>

#include "buf.h"
#include "metrics.h"

static const char *const verdicts[] = {
	"sanitised", "blocked", "encrypted", "malware", "error", "deferred", "rejected",
};
#define NVERDICTS (sizeof(verdicts) / sizeof(verdicts[0]))

static const char *const errors[] = { "clamd", "quarantine", "next_hop", "outbox", "other" };
#define NERRORS (sizeof(errors) / sizeof(errors[0]))
/* PPAP: a zip waiting for its password, opened, given up on, a try that failed */
static const char *const ppap_outcomes[] = { "paired", "unlocked", "expired", "failed" };
#define NPPAP (sizeof(ppap_outcomes) / sizeof(ppap_outcomes[0]))

/* Upper bounds of the latency histogram, seconds. */
static const double buckets[] = { 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60 };
#define NBUCKETS (sizeof(buckets) / sizeof(buckets[0]))

struct counters {
	uint64_t items[MG_CHANNEL_COUNT][NVERDICTS];
	uint64_t bytes_in[MG_CHANNEL_COUNT], bytes_out[MG_CHANNEL_COUNT];
	uint64_t latency[MG_CHANNEL_COUNT][NBUCKETS + 1]; /* last: above every bound */
	uint64_t latency_us[MG_CHANNEL_COUNT];
	int64_t inflight[MG_CHANNEL_COUNT];
	uint64_t queue_depth;
	uint64_t worker_restarts, process_restarts;
	uint64_t smtp_connections;
	int64_t smtp_active;
	uint64_t errors[NERRORS];
	uint64_t ppap[NPPAP];
};

static struct counters local;
static struct counters *m = &local;

#define ADD(field, v) __atomic_fetch_add(&(field), (v), __ATOMIC_RELAXED)
#define GET(field) __atomic_load_n(&(field), __ATOMIC_RELAXED)

const char *mg_channel_name(mg_channel ch)
{
	return ch == MG_CHANNEL_FILE ? "file" : ch == MG_CHANNEL_API ? "api" : "mail";
}

int mg_metrics_init(void)
{
	void *p;

	if (m != &local)
		return 0;
	p = mmap(NULL, sizeof(struct counters), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
	         -1, 0);
	if (p == MAP_FAILED)
		return -1;
	memcpy(p, &local, sizeof(local));
	m = p;
	return 0;
}

static size_t index_of(const char *const *names, size_t n, const char *name, size_t dflt)
{
	for (size_t i = 0; name && i < n; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return dflt;
}

static mg_channel chan(mg_channel ch)
{
	return ch < MG_CHANNEL_COUNT ? ch : MG_CHANNEL_MAIL;
}

void mg_metrics_item(mg_channel ch, const char *verdict, uint64_t bytes_in, uint64_t bytes_out,
                     double seconds)
{
	size_t v = index_of(verdicts, NVERDICTS, verdict, 4 /* error */), b = 0;

	ch = chan(ch);
	ADD(m->items[ch][v], 1);
	ADD(m->bytes_in[ch], bytes_in);
	ADD(m->bytes_out[ch], bytes_out);
	if (seconds < 0)
		seconds = 0;
	while (b < NBUCKETS && seconds > buckets[b])
		b++;
	ADD(m->latency[ch][b], 1);
	ADD(m->latency_us[ch], (uint64_t)(seconds * 1e6));
}

void mg_metrics_inflight(mg_channel ch, int delta)
{
	ADD(m->inflight[chan(ch)], delta);
}

void mg_metrics_queue_depth(uint64_t n)
{
	__atomic_store_n(&m->queue_depth, n, __ATOMIC_RELAXED);
}

void mg_metrics_worker_restarts(uint64_t n)
{
	ADD(m->worker_restarts, n);
}

void mg_metrics_process_restart(void)
{
	ADD(m->process_restarts, 1);
}

void mg_metrics_smtp_connection(int delta)
{
	if (delta > 0)
		ADD(m->smtp_connections, 1);
	ADD(m->smtp_active, delta);
}

void mg_metrics_error(const char *kind)
{
	ADD(m->errors[index_of(errors, NERRORS, kind, NERRORS - 1)], 1);
}

void mg_metrics_ppap(const char *outcome)
{
	ADD(m->ppap[index_of(ppap_outcomes, NPPAP, outcome, NPPAP - 1)], 1);
}

static void head(mg_buf *b, const char *name, const char *type, const char *help)
{
	mg_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void per_channel(mg_buf *b, const char *name, const char *type, const char *help,
                        const uint64_t *v)
{
	head(b, name, type, help);
	for (int ch = 0; ch < MG_CHANNEL_COUNT; ch++)
		mg_buf_printf(b, "%s{channel=\"%s\"} %llu\n", name, mg_channel_name(ch),
		              (unsigned long long)GET(v[ch]));
}

static void histogram(mg_buf *b)
{
	const char *name = "mugai_item_duration_seconds";

	head(b, name, "histogram", "Time from an item's arrival to its answer.");
	for (int ch = 0; ch < MG_CHANNEL_COUNT; ch++) {
		uint64_t cum = 0;

		for (size_t i = 0; i <= NBUCKETS; i++) {
			cum += GET(m->latency[ch][i]);
			if (i < NBUCKETS)
				mg_buf_printf(b, "%s_bucket{channel=\"%s\",le=\"%g\"} %llu\n", name,
				              mg_channel_name(ch), buckets[i], (unsigned long long)cum);
			else
				mg_buf_printf(b, "%s_bucket{channel=\"%s\",le=\"+Inf\"} %llu\n", name,
				              mg_channel_name(ch), (unsigned long long)cum);
		}
		mg_buf_printf(b, "%s_sum{channel=\"%s\"} %.6f\n", name, mg_channel_name(ch),
		              (double)GET(m->latency_us[ch]) / 1e6);
		mg_buf_printf(b, "%s_count{channel=\"%s\"} %llu\n", name, mg_channel_name(ch),
		              (unsigned long long)cum);
	}
}

static void scalar(mg_buf *b, const char *name, const char *type, const char *help, long long v)
{
	head(b, name, type, help);
	mg_buf_printf(b, "%s %lld\n", name, v);
}

char *mg_metrics_render(size_t *len)
{
	mg_buf b;

	mg_buf_init(&b, 1 << 20);
	head(&b, "mugai_items_total", "counter",
	     "Items finished, by channel and verdict (deferred: 4xx or retried later; rejected: 5xx).");
	for (int ch = 0; ch < MG_CHANNEL_COUNT; ch++)
		for (size_t v = 0; v < NVERDICTS; v++)
			mg_buf_printf(&b, "mugai_items_total{channel=\"%s\",verdict=\"%s\"} %llu\n",
			              mg_channel_name(ch), verdicts[v],
			              (unsigned long long)GET(m->items[ch][v]));
	per_channel(&b, "mugai_bytes_in_total", "counter", "Bytes of originals received.", m->bytes_in);
	per_channel(&b, "mugai_bytes_out_total", "counter", "Bytes of sanitised artefacts delivered.",
	            m->bytes_out);
	histogram(&b);
	head(&b, "mugai_inflight", "gauge", "Items being worked on now.");
	for (int ch = 0; ch < MG_CHANNEL_COUNT; ch++)
		mg_buf_printf(&b, "mugai_inflight{channel=\"%s\"} %lld\n", mg_channel_name(ch),
		              (long long)GET(m->inflight[ch]));
	scalar(&b, "mugai_drop_queue_depth", "gauge", "Files waiting in the drop inbox.",
	       (long long)GET(m->queue_depth));
	scalar(&b, "mugai_worker_restarts_total", "counter",
	       "Sandboxed workers replaced after a crash, a kill or an overrun.",
	       (long long)GET(m->worker_restarts));
	scalar(&b, "mugai_process_restarts_total", "counter",
	       "Service processes the master started again.", (long long)GET(m->process_restarts));
	scalar(&b, "mugai_smtp_connections_total", "counter", "SMTP connections accepted.",
	       (long long)GET(m->smtp_connections));
	scalar(&b, "mugai_smtp_connections_active", "gauge", "SMTP sessions open now.",
	       (long long)GET(m->smtp_active));
	head(&b, "mugai_errors_total", "counter", "Failures of a dependency, by kind.");
	for (size_t i = 0; i < NERRORS; i++)
		mg_buf_printf(&b, "mugai_errors_total{kind=\"%s\"} %llu\n", errors[i],
		              (unsigned long long)GET(m->errors[i]));
	head(&b, "mugai_ppap_total", "counter",
	     "PPAP: encrypted attachments held for their password (paired), opened with it "
	     "(unlocked), given up after the window (expired), tries that opened nothing (failed).");
	for (size_t i = 0; i < NPPAP; i++)
		mg_buf_printf(&b, "mugai_ppap_total{outcome=\"%s\"} %llu\n", ppap_outcomes[i],
		              (unsigned long long)GET(m->ppap[i]));
	if (!b.data) {
		mg_buf_free(&b);
		return NULL;
	}
	return (char *)mg_buf_steal(&b, len);
}
