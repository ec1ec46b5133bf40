/*
 * metrics.h - counters shared by every mugaid process, in Prometheus form.
 *
 * The master calls mg_metrics_init() once before it forks anything: the
 * counters then live in one MAP_SHARED anonymous mapping that every
 * child inherits, and each update is one atomic add, so smtpd, dropd and
 * admind see the same numbers without talking to each other.  Without
 * mg_metrics_init() (the CLI, the tests) the counters are the process's
 * own; every call works either way.
 *
 * admind serves mg_metrics_render()'s text at /metrics.
 */
#ifndef MUGAI_METRICS_H
#define MUGAI_METRICS_H

#include <stddef.h>
#include <stdint.h>

typedef enum mg_channel {
	MG_CHANNEL_MAIL = 0,
	MG_CHANNEL_FILE,
	MG_CHANNEL_API,
	MG_CHANNEL_COUNT
} mg_channel;

const char *mg_channel_name(mg_channel ch); /* "mail", "file", "api" */

/* Moves the counters into a shared mapping; 0, or -1 (they stay local). */
int mg_metrics_init(void);

/* One item finished.  verdict: the quarantine's verdict ("sanitised",
 * "blocked", "encrypted", "malware", "error"), or the outcome when nothing
 * was accepted: "deferred" (4xx, retried later) or "rejected" (5xx).
 * seconds: from the item's arrival to its answer. */
void mg_metrics_item(mg_channel ch, const char *verdict, uint64_t bytes_in, uint64_t bytes_out,
                     double seconds);
/* Items being worked on now (+1 when taken, -1 when done). */
void mg_metrics_inflight(mg_channel ch, int delta);
/* Files waiting in the drop inbox (dropd sets it after each scan). */
void mg_metrics_queue_depth(uint64_t n);
/* Sandboxed workers replaced (crash, kill, overrun). */
void mg_metrics_worker_restarts(uint64_t n);
/* Service processes the master had to start again. */
void mg_metrics_process_restart(void);
/* SMTP connections: +1 when one is accepted, -1 when it ends. */
void mg_metrics_smtp_connection(int delta);
/* A dependency failed: "clamd", "quarantine", "next_hop", "outbox". */
void mg_metrics_error(const char *kind);
/* PPAP pairing: "paired", "unlocked", "expired" or "failed". */
void mg_metrics_ppap(const char *outcome);

/* The Prometheus text exposition format (version 0.0.4); free() it.
 * NULL when out of memory. */
char *mg_metrics_render(size_t *len);

#endif
