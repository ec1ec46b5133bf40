/*
 * item_sign.c - an item's report made checkable offline: what ran it
 * (the sandbox, the stages' timings) added to what the core recorded, the
 * whole signed with report.signing_key; and, for mail, the X-Mugai-Report
 * field and the signed marker by which mugai knows its own output (see
 * report_sign.h and report_mail.h).
 *
 * All of it happens here, in the service process, never in the worker:
 * the key is loaded after the worker is forked, into a page that later
 * forks see as zeros (sign_key.h), and the job process only ever sees
 * the public half's effects.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "item.h"
#include "log.h"
#include "report_file.h"
#include "report_mail.h"
#include "report_sign.h"
#include "sandbox.h"
#include "sign_key.h"

int mg_pipeline_load_key(mg_pipeline *p, char **err)
{
	if (!p->config->report_signing_key || !p->config->report_signing_key[0])
		return 0;
	p->sign_key = mg_sign_key_load(p->config->report_signing_key, err);
	return p->sign_key ? 0 : -1;
}

void mg_item_check_marker(const mg_pipeline *p, mg_item *it)
{
	unsigned char pk[32];
	mg_report_ref ref;
	const char *why = NULL;
	bool mail = p->channel == MG_CHANNEL_MAIL;

	if (mail ? mg_report_ref_find(it->data, it->len, &ref) < 0
	         : mg_report_file_find(it->data, it->len, &ref) < 0)
		return;
	if (strcmp(ref.part, "notice") == 0)
		return; /* a notice claims nothing about its content */
	if (!p->sign_key) {
		it->marker = "not trusted";
		it->marker_why = "no report.signing_key to verify it with";
		return;
	}
	mg_sign_key_public(p->sign_key, pk);
	if ((mail ? mg_report_marker_verify(it->data, it->len, pk, &ref, &why)
	          : mg_report_file_verify(it->data, it->len, pk, &ref, &why)) < 0) {
		it->marker = "not trusted";
		it->marker_why = why;
		return;
	}
	it->marker = "verified";
	snprintf(it->marker_item, sizeof(it->marker_item), "%s", ref.item_id);
}

static json_t *sandbox_json(const mg_pipeline *p)
{
	const mg_worker_limits *l = &p->limits;

	return json_pack("{s:s,s:s,s:I,s:I,s:I}", "profile",
	                 "job process: seccomp allow-list (no sockets, exec or processes, files "
	                 "read-only), no_new_privs, not dumpable, rlimits; forked per item from a "
	                 "sandboxed zygote",
	                 "user", l->user ? l->user : mg_sandbox_default_user(), "memory_bytes",
	                 (json_int_t)l->memory, "cpu_seconds",
	                 (json_int_t)(l->cpu_seconds ? l->cpu_seconds : l->timeout), "wall_seconds",
	                 (json_int_t)l->timeout);
}

/* The core's time for the item itself, from its report. */
static json_int_t core_ms(const json_t *report)
{
	return json_integer_value(json_object_get(report, "elapsed_ms"));
}

static json_t *own_output_json(const mg_item *it)
{
	if (!it->marker)
		return NULL;
	if (strcmp(it->marker, "verified") == 0)
		return json_pack("{s:s,s:s,s:s}", "marker", "verified", "item_id", it->marker_item,
		                 "note", "mugai's own output, signed by this gateway's key: sanitised "
		                 "again to the same content, no second notice");
	return json_pack("{s:s,s:s}", "marker", "not trusted", "why",
	                 it->marker_why ? it->marker_why : "");
}

int mg_item_sign_report(const mg_pipeline *p, mg_item *it, json_t *report)
{
	json_t *pol = json_object_get(report, "policy"), *own = own_output_json(it);
	const char *part = json_string_value(json_object_get(pol, "report_part"));

	it->report_attach = part && strcmp(part, "attach") == 0;
	json_object_set_new(report, "sandbox", sandbox_json(p));
	json_object_set_new(report, "timings_ms",
	                    json_pack("{s:I,s:I,s:I}", "malware_scan", (json_int_t)it->ms_scan,
	                              "sanitise", (json_int_t)it->ms_sanitise, "core",
	                              core_ms(report)));
	if (own)
		json_object_set_new(report, "own_output", own);
	if (p->sign_key && mg_report_sign(report, p->sign_key) < 0)
		return -1;
	return mg_report_hash(report, it->report_sha256);
}

int mg_item_mail_out(const mg_pipeline *p, const mg_item *it, mg_buf *head, mg_buf *att,
                     struct iovec *msg)
{
	mg_report_ref ref = { 0 };
	const char *part = "none";

	*msg = (struct iovec){ it->res.out, it->res.out_len };
	if (it->report_attach) {
		if (mg_report_attach(it->res.out, it->res.out_len, it->report, it->id, att, &part) == 0) {
			*msg = (struct iovec){ att->data, att->len };
		} else {
			/* the mail still goes, referencing its report */
			mg_log_warn("report not attached: the message cannot carry it removably");
			mg_buf_reset(att);
			part = "none";
		}
	}
	snprintf(ref.item_id, sizeof(ref.item_id), "%s", it->id);
	snprintf(ref.report_sha256, sizeof(ref.report_sha256), "%s", it->report_sha256);
	snprintf(ref.artefact_sha256, sizeof(ref.artefact_sha256), "%s", mg_item_out_sha256(it));
	snprintf(ref.part, sizeof(ref.part), "%s", part);
	return mg_report_header(head, &ref, p->sign_key);
}

int mg_item_file_out(const mg_pipeline *p, const mg_item *it, mg_buf *marked,
                     const void **data, size_t *len)
{
	mg_report_ref ref = { 0 };

	*data = it->res.out;
	*len = it->res.out_len;
	if (!p->sign_key)
		return 0;
	snprintf(ref.item_id, sizeof(ref.item_id), "%s", it->id);
	snprintf(ref.report_sha256, sizeof(ref.report_sha256), "%s", it->report_sha256);
	snprintf(ref.artefact_sha256, sizeof(ref.artefact_sha256), "%s", mg_item_out_sha256(it));
	switch (mg_report_file_mark(it->res.out, it->res.out_len, &ref, p->sign_key, marked)) {
	case 1:
		*data = marked->data;
		*len = marked->len;
		return 0;
	case 0:
		return 0;
	default:
		return -1;
	}
}

int mg_item_notice_ref(const mg_item *it, mg_buf *head)
{
	mg_report_ref ref = { 0 };

	snprintf(ref.item_id, sizeof(ref.item_id), "%s", it->id);
	snprintf(ref.report_sha256, sizeof(ref.report_sha256), "%s", it->report_sha256);
	snprintf(ref.part, sizeof(ref.part), "notice");
	return mg_report_header(head, &ref, NULL);
}

int mg_pipeline_resign(const mg_pipeline *p, json_t *report)
{
	return p->sign_key ? mg_report_sign(report, p->sign_key) : 0;
}
