/*
 * item.h - the per-item pipeline shared by smtpd and dropd.
 *
 *   mg_item_prepare():  malware scan (clamd, when configured), sanitising
 *                       in the sandboxed worker, the original stored in
 *                       the quarantine (mq_put: durable before anything
 *                       is acknowledged).  Either the item is stored with
 *                       its verdict, or nothing was kept and the caller
 *                       must answer "retry later" (clamd unreachable, the
 *                       quarantine failing).
 *   the caller delivers: the sanitised copy, or for a blocked mail a
 *                       notice (notice.h), or for a blocked file a report.
 *   mg_item_done():     the delivery's outcome into the quarantine's audit
 *                       trail, the one JSON log line of the item, metrics.
 *
 * Verdicts (the quarantine's): "sanitised", "blocked" (policy, limits,
 * damaged), "encrypted", "malware", "error" (the worker crashed or failed:
 * blocked too, the reason says so).
 */
#ifndef MUGAI_ITEM_H
#define MUGAI_ITEM_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/uio.h>

#include <jansson.h>

#include "clamd.h"
#include "config.h"
#include "metrics.h"
#include "mugai.h"
#include "quarantine.h"
#include "worker.h"

typedef struct mg_pipeline {
	const mg_config *config;
	mg_channel channel;
	mg_worker *worker;
	mq_store *store;
	mg_clamd_opts clamd;           /* socket "" or NULL: no scan */
	unsigned long restarts_seen;   /* the worker's, already counted */
	mg_worker_limits limits;       /* the sandbox, as the report names it */
	struct mg_sign_key *sign_key;  /* report.signing_key; NULL: reports unsigned */
} mg_pipeline;

/* Opens the quarantine and prepares the worker; 0, or -1 with *err. */
int mg_pipeline_open(mg_pipeline *p, const mg_config *c, mg_channel ch,
                     const mg_worker_limits *limits, char **err);
void mg_pipeline_close(mg_pipeline *p);
/* Between items: a worker that died since the last one is counted in
 * /metrics now (mg_worker_check). */
void mg_pipeline_idle(mg_pipeline *p);

typedef struct mg_item {
	/* given */
	const unsigned char *data;
	size_t len;
	const char *name;              /* file: its path below the inbox */
	const char *declared_type;     /* api: the client's MIME type, or NULL */
	const char *sender;            /* mail: envelope */
	const char *const *rcpts;
	size_t nrcpts;
	/* found */
	char id[40];
	double t0;                     /* monotonic seconds at arrival */
	char sha256[65];
	mg_result res;                 /* the worker's result (res.out when sanitised) */
	bool have_res;
	const char *verdict;
	mg_status status;
	char reason[600];
	char subject[1024];            /* mail: the decoded subject when the report has it */
	char signature[128];           /* malware: clamd's name for it */
	char *report;                  /* the JSON stored with the original */
	json_t *log_fields;            /* the report's type, actions and removed, for the log line */
	bool stored;
	const char *bank;              /* the policy bank the rules chose */
	/* item_sign.c */
	double ms_scan, ms_sanitise;   /* the stages' wall-clock times */
	char report_sha256[65];        /* the report's hash (report_sign.h) */
	bool report_attach;            /* policy report_part = attach */
	const char *marker;            /* mugai's own marker: "verified", "not trusted", NULL: none */
	char marker_item[40];          /* the item id a verified marker names */
	const char *marker_why;        /* why a marker is not trusted (static) */
} mg_item;

/* The bank the rules choose for an item of the pipeline's channel: by its
 * sender and one recipient (mail), or its folder below the inbox (file:
 * it->name).  Its index in the config's banks. */
size_t mg_item_bank(const mg_pipeline *p, const char *sender, const char *rcpt,
                    const char *name);

/* A new item id and its start time. */
void mg_item_init(mg_item *it);
/* 0: stored (it->verdict set; it->res.out is the artefact when
 * "sanitised").  -1: nothing stored, retry later (it->reason says why). */
int mg_item_prepare(mg_pipeline *p, mg_item *it);
/* The end of the item.  outcome: "delivered", "notified", "reported"
 * (kept and the recipients told), "deferred" (4xx, nothing accepted) or
 * "rejected" (5xx).  detail: the next hop's reply or the output's name. */
void mg_item_done(mg_pipeline *p, mg_item *it, const char *outcome, const char *detail,
                  size_t bytes_out);
void mg_item_free(mg_item *it);

/* The hex SHA-256 of the artefact that went out, for the log. */
const char *mg_item_out_sha256(const mg_item *it);

/* item_sign.c: the signed report and the marker. */
struct mg_buf;
/* Loads report.signing_key into p (after the worker is forked); 0, or -1
 * with *err. */
int mg_pipeline_load_key(mg_pipeline *p, char **err);
/* Whether a mail is mugai's own output (its marker verifies with the
 * configured key): it->marker.  The item is sanitised either way. */
void mg_item_check_marker(const mg_pipeline *p, mg_item *it);
/* The report's run-time members (sandbox, timings, own output), its
 * signature when a key is loaded, and it->report_sha256; 0 or -1. */
int mg_item_sign_report(const mg_pipeline *p, mg_item *it, json_t *report);
/* A sanitised file as it goes out: with mugai's signed marker
 * (report_file.h) built in marked when a key is loaded and the family
 * has one, else the artefact; *data and *len say which.  0 or -1. */
int mg_item_file_out(const mg_pipeline *p, const mg_item *it, struct mg_buf *marked,
                     const void **data, size_t *len);
/* The X-Mugai-Report field of the notice sent for a blocked mail: its
 * report named, no artefact, no marker.  0 or -1. */
int mg_item_notice_ref(const mg_item *it, struct mg_buf *head);
/* Signs report again after the service added to it (dropd's outbox
 * report); 0 or -1. */
int mg_pipeline_resign(const mg_pipeline *p, json_t *report);
/* A sanitised mail as it goes out: X-Mugai-Report appended to head, the
 * artefact (with the report attached by policy, built in att) in *msg.
 * 0 or -1. */
int mg_item_mail_out(const mg_pipeline *p, const mg_item *it, struct mg_buf *head,
                     struct mg_buf *att, struct iovec *msg);

#endif
