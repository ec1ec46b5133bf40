/*
 * item.c - scan, sanitise, store, and account for one item (see item.h).
 *
 * The order is the guarantee: nothing leaves before the original is
 * durably in the quarantine, and anything that cannot be decided (clamd
 * down, the store failing) keeps nothing and makes the caller answer
 * "retry later", so the sender still has the item.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <jansson.h>

#include "banks.h"
#include "item.h"
#include "quarantine_open.h"
#include "log.h"
#include "conn.h"
#include "sign_key.h"

/* Present when the quarantine implements it (see quarantine.h). */
#pragma weak mq_note_delivery

int mg_pipeline_open(mg_pipeline *p, const mg_config *c, mg_channel ch,
                     const mg_worker_limits *limits, char **err)
{
	memset(p, 0, sizeof(*p));
	p->config = c;
	p->channel = ch;
	p->limits = *limits;
	p->clamd.socket = c->clamd_socket;
	p->clamd.timeout = c->clamd_timeout;
	p->clamd.max_size = c->clamd_max_size;
	/* the worker first: it is forked from us and must not inherit the
	 * store's descriptors or any secret loaded later */
	p->worker = mg_worker_new(c->policy, limits);
	if (p->worker && mg_worker_set_banks(p->worker, mg_banks_all(c->banks),
	                                     mg_banks_count(c->banks)) < 0) {
		mg_worker_free(p->worker);
		p->worker = NULL;
	}
	if (!p->worker) {
		if (err && asprintf(err, "cannot prepare a worker") < 0)
			*err = NULL;
		return -1;
	}
	if (mg_worker_start(p->worker, err) < 0)
		goto fail;
	p->store = mg_quarantine_open(c, err);
	if (!p->store || mg_pipeline_load_key(p, err) < 0)
		goto fail;
	return 0;
fail:
	mg_worker_free(p->worker);
	mq_close(p->store);
	p->worker = NULL;
	p->store = NULL;
	return -1;
}

/* The worker's restarts not yet in /metrics, added. */
static void count_restarts(mg_pipeline *p)
{
	unsigned long restarts = mg_worker_restarts(p->worker);

	if (restarts > p->restarts_seen)
		mg_metrics_worker_restarts(restarts - p->restarts_seen);
	p->restarts_seen = restarts;
}

void mg_pipeline_idle(mg_pipeline *p)
{
	if (!p->worker)
		return;
	mg_worker_check(p->worker);
	count_restarts(p);
}

void mg_pipeline_close(mg_pipeline *p)
{
	mg_worker_free(p->worker);
	mq_close(p->store);
	mg_sign_key_free(p->sign_key);
	p->worker = NULL;
	p->store = NULL;
	p->sign_key = NULL;
}

void mg_item_init(mg_item *it)
{
	mg_item_id_new(it->id);
	it->t0 = mg_conn_now();
}

void mg_item_free(mg_item *it)
{
	if (it->have_res)
		mg_result_free(&it->res);
	it->have_res = false;
	free(it->report);
	it->report = NULL;
	json_decref(it->log_fields);
	it->log_fields = NULL;
}

static void set_reason(mg_item *it, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void set_reason(mg_item *it, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(it->reason, sizeof(it->reason), fmt, ap);
	va_end(ap);
}

/* clamd's verdict on the original: 0 decided (maybe blocked), -1 retry. */
static int scan(mg_pipeline *p, mg_item *it)
{
	char what[256];

	if (!p->clamd.socket || !*p->clamd.socket)
		return 0;
	switch (mg_clamd_scan(&p->clamd, it->data, it->len, what, sizeof(what))) {
	case MG_CLAMD_CLEAN:
		return 0;
	case MG_CLAMD_FOUND:
		it->verdict = "malware";
		it->status = MG_E_MALWARE;
		snprintf(it->signature, sizeof(it->signature), "%.127s", what);
		set_reason(it, "malware found by clamd: %s", what);
		return 0;
	case MG_CLAMD_TOO_LARGE:
		/* cannot be scanned, so cannot pass: kept, never retried for ever */
		it->verdict = "blocked";
		it->status = MG_E_LIMIT_SIZE;
		set_reason(it, "too large for the malware scan: %s", what);
		return 0;
	case MG_CLAMD_ERROR:
		break;
	}
	mg_metrics_error("clamd");
	set_reason(it, "malware scan not possible: %s", what);
	return -1;
}

static const char *verdict_of(const mg_result *r)
{
	if (r->verdict == MG_VERDICT_SANITISED)
		return "sanitised";
	if (r->status == MG_E_ENCRYPTED)
		return "encrypted";
	if (r->status == MG_E_INTERNAL)
		return "error";
	return "blocked";
}

size_t mg_item_bank(const mg_pipeline *p, const char *sender, const char *rcpt,
                    const char *name)
{
	return mg_banks_for_item(p->config->banks, p->channel == MG_CHANNEL_MAIL, sender, rcpt,
	                         name);
}

/* The item's bank.  smtpd splits a message whose recipients' rules
 * choose different banks into one item a bank, so the first recipient
 * speaks for all. */
static size_t choose_bank(mg_pipeline *p, mg_item *it)
{
	size_t bank = mg_item_bank(p, it->sender, it->nrcpts ? it->rcpts[0] : NULL, it->name);

	it->bank = mg_policy_name(mg_banks_policy(p->config->banks, bank));
	return bank;
}

static void sanitise(mg_pipeline *p, mg_item *it, size_t bank)
{
	mg_input in = { it->data, it->len, it->name, it->declared_type, it->id, p->channel == MG_CHANNEL_MAIL };

	if (it->name) {
		const char *slash = strrchr(it->name, '/');

		in.name = slash ? slash + 1 : it->name;
	}
	double t = mg_conn_now();

	mg_worker_sanitize_bank(p->worker, &in, (unsigned)bank, NULL, 0, MG_MODE_DEFAULT, &it->res);
	it->ms_sanitise = (mg_conn_now() - t) * 1000.0;
	it->have_res = true;
	it->verdict = verdict_of(&it->res);
	it->status = it->res.status;
	if (it->res.reason)
		set_reason(it, "%s", it->res.reason);
	count_restarts(p);
}

/* A JSON string of text from outside (names, subjects, reasons): jansson
 * takes only UTF-8, so anything else is made valid first. */
static json_t *jtext(const char *s)
{
	gchar *v = g_utf8_make_valid(s ? s : "", -1);
	json_t *j = json_string(v);

	g_free(v);
	return j;
}

static json_t *recipients_json(const mg_item *it)
{
	json_t *a = json_array();

	for (size_t i = 0; i < it->nrcpts; i++)
		json_array_append_new(a, jtext(it->rcpts[i]));
	return a;
}

/* s into dst, cut at a character boundary when it does not fit: the
 * subject is indexed and logged whole up to 1023 bytes (340 Japanese
 * characters), never with half a character at its end. */
static void copy_utf8(char *dst, size_t size, const char *s)
{
	size_t n = strlen(s);

	if (n >= size) {
		n = size - 1;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(dst, s, n);
	dst[n] = '\0';
}

/* The report's detected type and the actions taken, for the log line:
 * taken while the report is parsed anyway, not parsed again at the end.
 * No report (NULL): an empty type, no actions, none removed. */
static json_t *log_fields(json_t *r)
{
	json_t *det = json_object_get(r, "detected"), *acts = json_object_get(r, "actions");
	const char *type = json_string_value(json_object_get(det, "type"));

	return json_pack("{s:s,s:o,s:I}", "type", type ? type : "", "actions",
	                 json_is_array(acts) ? json_incref(acts) : json_array(), "removed",
	                 (json_int_t)json_array_size(json_object_get(r, "removed")));
}

/* The report stored with the original: the core's, with the gateway's
 * part added; or, when no worker ran (malware, too large), a short one. */
static void build_report(mg_pipeline *p, mg_item *it)
{
	json_t *r = NULL, *gw, *subj;

	if (it->have_res && it->res.report_json)
		r = json_loads(it->res.report_json, 0, NULL);
	if (!json_is_object(r)) {
		json_decref(r);
		r = json_pack("{s:s,s:o,s:{s:I,s:s}}", "item_id", it->id, "name",
		              it->name ? jtext(it->name) : json_null(), "input", "size",
		              (json_int_t)it->len, "sha256", it->sha256);
	}
	json_decref(it->log_fields);
	it->log_fields = log_fields(r);
	subj = json_object_get(r, "subject");
	if (!json_is_string(subj))
		subj = json_object_get(json_object_get(r, "mail"), "subject");
	if (json_is_string(subj))
		copy_utf8(it->subject, sizeof(it->subject), json_string_value(subj));
	/* the gateway's decision overrides the core's when it is harder */
	json_object_set_new(r, "verdict", json_string(it->verdict));
	if (it->status == MG_E_MALWARE || !it->have_res) {
		json_object_set_new(r, "status", json_string(mg_status_name(it->status)));
		json_object_set_new(r, "reason", jtext(it->reason));
		json_object_set_new(r, "output", json_null());
	}
	gw = json_pack("{s:s,s:s}", "channel", mg_channel_name(p->channel), "malware_scan",
	               !p->clamd.socket || !*p->clamd.socket ? "not configured"
	               : it->status == MG_E_MALWARE          ? "found"
	               : it->status == MG_E_LIMIT_SIZE && !it->have_res ? "too large"
	                                                     : "clean");
	if (it->signature[0])
		json_object_set_new(gw, "signature", jtext(it->signature));
	if (p->channel == MG_CHANNEL_MAIL) {
		json_object_set_new(gw, "sender", jtext(it->sender));
		json_object_set_new(gw, "recipients", recipients_json(it));
	}
	json_object_set_new(r, "gateway", gw);
	/* the bank the worker was given, said even when no worker ran */
	if (!json_is_object(json_object_get(r, "policy")))
		json_object_set_new(r, "policy", json_object());
	json_object_set_new(json_object_get(r, "policy"), "bank", json_string(it->bank));
	if (mg_item_sign_report(p, it, r) == 0)
		it->report = json_dumps(r, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(r);
}

static int store(mg_pipeline *p, mg_item *it)
{
	mq_meta m = { 0 };
	char *err = NULL;
	int rc;

	snprintf(m.item_id, sizeof(m.item_id), "%s", it->id);
	m.channel = mg_channel_name(p->channel);
	m.sender = it->sender;
	m.recipients = it->rcpts;
	m.nrecipients = it->nrcpts;
	m.subject = p->channel != MG_CHANNEL_MAIL ? it->name : it->subject;
	m.verdict = it->verdict;
	m.reasons = it->reason;
	rc = mq_put(p->store, &m, it->data, it->len, it->report, &err);
	if (rc != MQ_OK) {
		mg_metrics_error("quarantine");
		set_reason(it, "quarantine: %s", err ? err : "cannot store the original");
		free(err);
		return -1;
	}
	it->stored = true;
	return 0;
}

int mg_item_prepare(mg_pipeline *p, mg_item *it)
{
	size_t bank = choose_bank(p, it);
	double t;

	mg_sha256_hex(it->data, it->len, it->sha256);
	mg_item_check_marker(p, it);
	t = mg_conn_now();
	if (scan(p, it) < 0)
		return -1;
	it->ms_scan = (mg_conn_now() - t) * 1000.0;
	if (!it->verdict)
		sanitise(p, it, bank);
	build_report(p, it);
	if (!it->report) {
		set_reason(it, "out of memory");
		return -1;
	}
	return store(p, it);
}

const char *mg_item_out_sha256(const mg_item *it)
{
	static char hex[65];

	if (!it->have_res || !it->res.out || strcmp(it->verdict, "sanitised") != 0)
		return "";
	mg_sha256_hex(it->res.out, it->res.out_len, hex);
	return hex;
}

void mg_item_done(mg_pipeline *p, mg_item *it, const char *outcome, const char *detail,
                  size_t bytes_out)
{
	double secs = mg_conn_now() - it->t0;
	bool delivered = strcmp(outcome, "deferred") != 0 && strcmp(outcome, "rejected") != 0;
	const char *verdict = it->verdict ? it->verdict : "error";
	json_t *f;

	if (it->stored && mq_note_delivery) {
		char *err = NULL;

		if (mq_note_delivery(p->store, it->id, delivered, detail ? detail : "", &err) != MQ_OK)
			mg_log_warn("quarantine: delivery not noted: %s", err ? err : "?");
		free(err);
	}
	f = json_pack("{s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:s,s:s,s:I,s:b}", "event", "item", "channel",
	              mg_channel_name(p->channel), "verdict", verdict, "status",
	              mg_status_name(it->status), "outcome", outcome, "size_in", (json_int_t)it->len,
	              "size_out", (json_int_t)bytes_out, "sha256_in", it->sha256, "sha256_out",
	              mg_item_out_sha256(it), "duration_ms", (json_int_t)(secs * 1000.0),
	              "quarantined", (int)it->stored);
	if (f) {
		if (p->channel == MG_CHANNEL_MAIL) {
			json_object_set_new(f, "sender", jtext(it->sender));
			json_object_set_new(f, "recipients", recipients_json(it));
			json_object_set_new(f, "subject", jtext(it->subject));
		} else {
			json_object_set_new(f, "name", jtext(it->name));
		}
		json_object_set_new(f, "reason", jtext(it->reason));
		json_object_set_new(f, "detail", jtext(detail));
		json_object_set_new(f, "bank", json_string(it->bank ? it->bank : "default"));
		if (it->signature[0])
			json_object_set_new(f, "malware", jtext(it->signature));
		/* no report built (the item failed before): log_fields' empty values */
		json_object_update_new(f, it->log_fields ? json_incref(it->log_fields)
		                                         : log_fields(NULL));
	}
	mg_log_item(delivered ? MG_LOG_INFO : MG_LOG_WARN, it->id, f, "%s %s: %s",
	            mg_channel_name(p->channel), verdict, outcome);
	mg_metrics_item(p->channel, delivered ? verdict : outcome, it->len, bytes_out, secs);
}
