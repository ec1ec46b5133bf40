/*
 * core.c - one item through detect -> decide -> disarm -> report.
 *
 * The same path serves a top-level item and every nested one (attachment,
 * archive member): each gets its own context and report object, a depth
 * one deeper than its parent, and the top-level deadline.  Any failure
 * blocks the item; an artefact leaves only when every step said MG_OK.
 */
#include <glib.h>
#include <gmime/gmime.h>
#include <libxml/parser.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

struct mg_core {
	mg_policy policy;
	magic_t magic;
	mg_allowlist *own_allow;  /* policy allow_sha256 read by mg_core_new */
	mg_convert_fn convert; /* the caller's, for the pdf action */
	void *convert_user;
	mg_progress_fn progress; /* the caller's, told of each page or member */
	void *progress_user;
};

static const char *const status_names[MG_STATUS_COUNT] = {
	[MG_OK] = "ok",
	[MG_E_TYPE_BLOCKED] = "type_blocked",
	[MG_E_ENCRYPTED] = "encrypted",
	[MG_E_MALFORMED] = "malformed",
	[MG_E_LIMIT_SIZE] = "limit_size",
	[MG_E_LIMIT_DEPTH] = "limit_depth",
	[MG_E_LIMIT_COUNT] = "limit_count",
	[MG_E_LIMIT_RATIO] = "limit_ratio",
	[MG_E_LIMIT_PAGES] = "limit_pages",
	[MG_E_LIMIT_PIXELS] = "limit_pixels",
	[MG_E_LIMIT_TIME] = "limit_time",
	[MG_E_MALWARE] = "malware",
	[MG_E_INTERNAL] = "internal",
};

const char *mg_status_name(mg_status s)
{
	return (unsigned)s < MG_STATUS_COUNT ? status_names[s] : "internal";
}

const char *mg_verdict_name(mg_verdict v)
{
	return v == MG_VERDICT_SANITISED ? "sanitised" : "blocked";
}

int mg_mode_parse(const char *s, mg_mode *mode)
{
	static const char *const names[] = { "default", "text", "flatten", "cdr" };

	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i]) == 0) {
			*mode = (mg_mode)i;
			return 0;
		}
	return -1;
}

double mg_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

mg_status mg_fail(mg_ctx *ctx, mg_status st, const char *fmt, ...)
{
	va_list ap;

	if (ctx->status == MG_OK && st != MG_OK) {
		ctx->status = st;
		va_start(ap, fmt);
		vsnprintf(ctx->reason, sizeof(ctx->reason), fmt, ap);
		va_end(ap);
	}
	return ctx->status;
}

int mg_core_warm_ocr(mg_core *core)
{
	return mg_ocr_warm(&core->policy);
}


static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

/* Fetched once (in a worker, by the warm-up, before its jobs are forked):
 * EVP_sha256() alone makes every EVP_Digest look the implementation up
 * in the provider store again. */
static void sha256_fetch(void)
{
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

void mg_hex(const void *in, size_t n, char *out)
{
	static const char digit[] = "0123456789abcdef";
	const unsigned char *b = in;

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digit[b[i] >> 4];
		out[2 * i + 1] = digit[b[i] & 15];
	}
	out[2 * n] = 0;
}

const EVP_MD *mg_sha256_md(void)
{
	pthread_once(&sha256_once, sha256_fetch);
	return sha256_md ? sha256_md : EVP_sha256();
}

/* libcrypto's SHA-256 (SHA extensions where the CPU has them): every item
 * and every artefact is hashed for its report, at several times glib's
 * speed.  A failure leaves a hash of all zeros, which matches no content. */
void mg_sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE] = { 0 };
	unsigned int n = 0;

	if (EVP_Digest(data, len, md, &n, mg_sha256_md(), NULL) != 1)
		memset(md, 0, 32);
	mg_hex(md, 32, out);
}

void mg_item_id_new(char out[40])
{
	struct timespec ts;
	struct tm tm;
	unsigned char rnd[6];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	for (size_t i = 0; i < sizeof(rnd); i++)
		rnd[i] = (unsigned char)g_random_int_range(0, 256);
	char date[16], hex[13];

	strftime(date, sizeof(date), "%Y%m%dT%H%M%S", &tm);
	mg_hex(rnd, sizeof(rnd), hex);
	snprintf(out, 40, "%s-%s", date, hex);
}

void mg_out_init(mg_out *out, size_t max)
{
	memset(out, 0, sizeof(*out));
	mg_buf_init(&out->data, max);
}

void mg_out_free(mg_out *out)
{
	mg_buf_free(&out->data);
}

void mg_out_set_type(mg_out *out, const char *mime, const char *ext)
{
	snprintf(out->mime, sizeof(out->mime), "%s", mime);
	snprintf(out->ext, sizeof(out->ext), "%s", ext);
}

mg_core *mg_core_new(const mg_policy *policy, char **err)
{
	static int lib_init;
	mg_core *core = calloc(1, sizeof(*core));

	*err = NULL;
	if (!core)
		return NULL;
	if (!lib_init) {
		g_mime_init();
		xmlInitParser();
		mg_offcrypto_warm();
		lib_init = 1;
	}
	core->policy = *policy;
	if (!core->policy.allow && core->policy.allow_sha256[0]) {
		if (mg_policy_load_lists(&core->policy, err) < 0) {
			mg_core_free(core);
			return NULL;
		}
		core->own_allow = (mg_allowlist *)(uintptr_t)core->policy.allow;
	}
	core->magic = magic_open(MAGIC_NONE);
	if (!core->magic || magic_load(core->magic, NULL) != 0) {
		*err = strdup(core->magic ? magic_error(core->magic) : "magic_open failed");
		mg_core_free(core);
		return NULL;
	}
	return core;
}

void mg_core_set_converter(mg_core *core, mg_convert_fn fn, void *user)
{
	core->convert = fn;
	core->convert_user = user;
}

void mg_core_set_progress(mg_core *core, mg_progress_fn fn, void *user)
{
	core->progress = fn;
	core->progress_user = user;
}

void mg_core_free(mg_core *core)
{
	if (!core)
		return;
	if (core->magic)
		magic_close(core->magic);
	mg_allowlist_free(core->own_allow);
	free(core);
}

void mg_core_use_policy(mg_core *core, const mg_policy *policy)
{
	core->policy = *policy;
}

/* The action for an item: the policy's, unless the caller asked for a mode
 * the family supports. */
static mg_action choose_action(const mg_ctx *ctx, mg_family fam)
{
	static const mg_action by_mode[] = {
		[MG_MODE_TEXT] = MG_ACT_TEXT,
		[MG_MODE_FLATTEN] = MG_ACT_FLATTEN,
		[MG_MODE_CDR] = MG_ACT_CDR,
	};
	mg_action a = ctx->policy->action[fam];

	if (a != MG_ACT_BLOCK && ctx->mode != MG_MODE_DEFAULT &&
	    mg_family_allows(fam, by_mode[ctx->mode]))
		a = by_mode[ctx->mode];
	return a;
}

static void report_detected(mg_ctx *ctx, const mg_item *item)
{
	json_object_set_new(ctx->report, "detected",
	                    mg_json_members("type", json_string(item->type.mime), "family",
	                                    json_string(mg_family_name(item->type.family)),
	                                    "description", mg_json_text(item->type.desc), NULL));
	mg_detect_mismatch(ctx, item);
}

/* policy allow_sha256: an original the administrator vouched for is
 * rebuilt by its family (the family's own safe action, which removes
 * macros and scripts like any other) where the policy blocks its type.
 * A family that cannot rebuild (unknown, executable) still blocks it, and
 * a listed item is never passed as it came. */
static mg_action allow_listed(mg_ctx *ctx, mg_family fam, mg_action act)
{
	json_t *in = json_object_get(ctx->report, "input");
	const char *hex = json_string_value(json_object_get(in, "sha256"));
	mg_action rebuild = mg_family_default_action(fam);
	const mg_filter *f = mg_filter_for(fam);

	if (act != MG_ACT_BLOCK || !ctx->policy->allow || !mg_allowlist_has(ctx->policy->allow, hex))
		return act;
	json_object_set_new(ctx->report, "allow_listed", json_true());
	if (rebuild == MG_ACT_BLOCK || !f || !f->run || !(f->actions & (1u << rebuild))) {
		mg_report_finding(ctx, "allow-listed by SHA-256 (policy allow_sha256), but %s content "
		                  "cannot be rebuilt: still blocked", mg_family_name(fam));
		return act;
	}
	mg_report_finding(ctx, "allow-listed by SHA-256 (policy allow_sha256): %s content the "
	                  "policy blocks is rebuilt (%s) instead", mg_family_name(fam),
	                  mg_action_name(rebuild));
	return rebuild;
}

/* detect, decide, disarm: the status is also recorded in ctx. */
static mg_status run_item(mg_ctx *ctx, mg_item *item, bool is_mail, mg_out *out)
{
	const mg_filter *f;
	mg_action act;
	mg_status st;
	double since;

	if (item->len > ctx->policy->max_size)
		return mg_fail(ctx, MG_E_LIMIT_SIZE, "item of %zu bytes is larger than max_size %llu",
		               item->len, (unsigned long long)ctx->policy->max_size);
	since = mg_now();
	if (is_mail)
		mg_detect_message(ctx->magic, item->data, item->len, item->name, &item->type);
	else
		mg_detect(ctx->magic, item->data, item->len, item->name, &item->type);
	mg_timing_add(ctx, "detect", &since);
	if (is_mail && item->type.family != MG_FAM_MAIL) {
		mg_report_finding(ctx, "mail channel: content detected as %s, parsed as a message",
		                  item->type.mime);
		item->type.family = MG_FAM_MAIL;
	}
	report_detected(ctx, item);
	act = allow_listed(ctx, item->type.family, choose_action(ctx, item->type.family));
	json_object_set_new(ctx->report, "action", json_string(mg_action_name(act)));
	if (act == MG_ACT_BLOCK) /* a bank's block names the bank, for the reader of the notice */
		return mg_fail(ctx, MG_E_TYPE_BLOCKED, "%s content (%s) is blocked by policy%s%s",
		               mg_family_name(item->type.family), item->type.mime,
		               strcmp(ctx->policy->name, "default") ? " bank " : "",
		               strcmp(ctx->policy->name, "default") ? ctx->policy->name : "");
	f = mg_filter_for(item->type.family);
	/* pdf: a family with cdr has its rebuilt package converted */
	if (!f || !f->run || !(f->actions & (1u << (act == MG_ACT_PDF && (f->actions & (1u << MG_ACT_CDR)) ?
	                                            MG_ACT_CDR : act))))
		return mg_fail(ctx, MG_E_TYPE_BLOCKED, "no %s filter for %s content",
		               mg_action_name(act), mg_family_name(item->type.family));
	st = act == MG_ACT_PDF ? mg_office_pdf(ctx, item, f, out) : f->run(ctx, item, act, out);
	if (st != MG_OK)
		return mg_fail(ctx, st, "%s filter failed", f->name);
	if (mg_rtf_opens(out->data.data, out->data.len, NULL)) /* text that is RTF to Word */
		return mg_fail(ctx, MG_E_TYPE_BLOCKED, "the %s filter's output would open in "
		               "Word as RTF (it starts with {\\rt)", f->name);
	if (ctx->status != MG_OK)
		return ctx->status;
	return mg_check_deadline(ctx);
}

static void report_outcome(mg_ctx *ctx, const mg_out *out, double started)
{
	char hex[65];
	json_t *r = ctx->report;

	json_object_set_new(r, "verdict", json_string(ctx->status == MG_OK ? "sanitised" : "blocked"));
	json_object_set_new(r, "status", json_string(mg_status_name(ctx->status)));
	if (ctx->status != MG_OK) {
		json_object_set_new(r, "reason", mg_json_text(ctx->reason));
		json_object_set_new(r, "output", json_null());
	} else {
		mg_sha256_hex(out->data.data ? out->data.data : (const unsigned char *)"",
		              out->data.len, hex);
		json_object_set_new(r, "output",
		                    mg_json_members("size", json_integer((json_int_t)out->data.len),
		                                    "sha256", json_string(hex), "type",
		                                    json_string(out->mime), "ext", json_string(out->ext),
		                                    NULL));
	}
	json_object_set_new(r, "elapsed_ms",
	                    json_integer((json_int_t)((mg_now() - started) * 1000.0)));
}

mg_status mg_sanitize_child(mg_ctx *parent, const unsigned char *data, size_t len,
                            const char *name, const char *declared_type,
                            mg_out *out, json_t **child_report)
{
	mg_item item = { data, len, name, declared_type, { 0 } };
	mg_ctx ctx = *parent;
	double started = mg_now();

	ctx.depth = parent->depth + 1;
	ctx.parent = parent;
	ctx.status = MG_OK;
	ctx.reason[0] = 0;
	ctx.report = mg_report_new(NULL, &item);
	mg_out_init(out, parent->policy->max_output);
	if (ctx.depth > ctx.policy->max_depth)
		mg_fail(&ctx, MG_E_LIMIT_DEPTH, "nesting deeper than max_depth %u",
		        ctx.policy->max_depth);
	else
		run_item(&ctx, &item, false, out);
	report_outcome(&ctx, out, started);
	json_array_append(json_object_get(parent->report, "children"), ctx.report);
	if (child_report)
		*child_report = ctx.report;
	json_decref(ctx.report);
	if (ctx.status != MG_OK)
		mg_buf_free(&out->data);
	return ctx.status;
}

mg_status mg_sanitize_child_text(mg_ctx *parent, const unsigned char *data, size_t len,
                                 const char *name, const char *declared_type,
                                 mg_out *out, json_t **child_report)
{
	mg_mode saved = parent->mode;
	mg_status st;

	parent->mode = MG_MODE_TEXT;
	st = mg_sanitize_child(parent, data, len, name, declared_type, out, child_report);
	parent->mode = saved;
	return st;
}

static char *report_top(mg_ctx *ctx, mg_mode mode)
{
	char when[32];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_object_set_new(ctx->report, "time", json_string(when));
	json_object_set_new(ctx->report, "mugai_version", json_string(MUGAI_VERSION));
	json_object_set_new(ctx->report, "policy", mg_report_policy(ctx->policy));
	json_object_set_new(ctx->report, "versions", mg_report_versions());
	json_object_set_new(ctx->report, "mode",
	                    json_string(mode == MG_MODE_DEFAULT ? "default" :
	                                mode == MG_MODE_TEXT ? "text" :
	                                mode == MG_MODE_FLATTEN ? "flatten" : "cdr"));
	return mg_report_dump(ctx->report);
}

/* How many candidates came, for the audit; which one worked is recorded
 * where it worked. */
static void report_candidates(mg_ctx *ctx, size_t given)
{
	if (given == 0)
		return;
	json_object_set_new(ctx->report, "password_candidates", json_integer((json_int_t)given));
	if (given > mg_password_count(ctx))
		mg_report_finding(ctx, "only the first %zu of %zu candidate passwords are tried "
		                  "(policy max_password_candidates)", mg_password_count(ctx), given);
}

mg_status mg_sanitize(mg_core *core, const mg_input *in, mg_mode mode, mg_result *res)
{
	return mg_sanitize_unlock(core, in, NULL, 0, mode, res);
}

mg_status mg_sanitize_unlock(mg_core *core, const mg_input *in, const char *const *passwords,
                             size_t n_passwords, mg_mode mode, mg_result *res)
{
	mg_item item = { in->data, in->len, in->name, in->declared_type, { 0 } };
	mg_ctx ctx = { 0 };
	mg_out out;
	mg_pace pace;
	double started = mg_now();

	memset(res, 0, sizeof(*res));
	if (in->item_id)
		snprintf(res->item_id, sizeof(res->item_id), "%s", in->item_id);
	else
		mg_item_id_new(res->item_id);
	ctx.policy = &core->policy;
	ctx.magic = core->magic;
	ctx.mode = mode;
	mg_pace_init(&pace, started, core->policy.time_limit, core->policy.page_seconds,
	             core->policy.max_time);
	ctx.pace = &pace;
	ctx.progress = core->progress;
	ctx.progress_user = core->progress_user;
	ctx.timings = json_object();
	ctx.report = mg_report_new(res->item_id, &item);
	ctx.passwords = passwords;
	ctx.n_passwords = passwords ? n_passwords : 0;
	ctx.convert = core->convert;
	ctx.convert_user = core->convert_user;
	report_candidates(&ctx, ctx.n_passwords);
	mg_out_init(&out, core->policy.max_output);

	run_item(&ctx, &item, in->is_mail, &out);
	report_outcome(&ctx, &out, started);
	/* beside elapsed_ms: like it and "time", never the same twice, and
	 * like them outside what check_repro compares (the artefacts) */
	json_object_set_new(ctx.report, "timings", mg_timings_report(ctx.timings));
	json_decref(ctx.timings);
	res->report_json = report_top(&ctx, mode);
	json_decref(ctx.report);

	res->status = ctx.status;
	if (ctx.status == MG_OK) {
		res->verdict = MG_VERDICT_SANITISED;
		res->out_type = strdup(out.mime[0] ? out.mime : "application/octet-stream");
		res->out_ext = strdup(out.ext[0] ? out.ext : "bin");
		res->out = mg_buf_steal(&out.data, &res->out_len);
	} else {
		res->verdict = MG_VERDICT_BLOCKED;
		res->reason = strdup(ctx.reason[0] ? ctx.reason : mg_status_name(ctx.status));
	}
	res->candidates = ctx.found;
	res->n_candidates = ctx.n_found;
	mg_out_free(&out);
	return res->status;
}

void mg_result_free(mg_result *res)
{
	free(res->reason);
	free(res->out);
	free(res->out_type);
	free(res->out_ext);
	free(res->report_json);
	mg_password_found_free(res->candidates, res->n_candidates);
	memset(res, 0, sizeof(*res));
}
