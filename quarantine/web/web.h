/*
 * web.h - the review web UI (Japanese and English) and /metrics, served
 * by libmicrohttpd over one quarantine store.
 *
 * Used by admind (under mugaid's master, on the socket the master bound)
 * and by `mugai web` (alone, on a socket it binds itself).  The caller
 * owns the store and its release hook; the UI only ever acts through the
 * store's API, which checks roles and the two-person rule itself.
 *
 * Routes:
 *   GET  /                       -> /items
 *   GET  /login, POST /login     log in (rate-limited per IP and per name)
 *   POST /logout
 *   GET  /items                  list: status, channel, verdict, q, page
 *   GET  /items/ID               metadata, report, audit trail, actions
 *   GET  /items/ID/original      download (approver, admin)
 *   POST /items/ID/request|approve|deny|delete
 *   GET  /audit                  the audit log and the chain's verification
 *   GET  /account, POST /account/lang, POST /account/password
 *   GET  /static/mugai.css
 *   GET  /healthz                "ok" when the index answers
 *   GET  /metrics                Prometheus text; without login unless
 *                                metrics_public is off (then a session)
 *   GET  /unlock/TOKEN, POST     PPAP: a recipient types the password of an
 *                                encrypted item (no login: the token is the
 *                                credential; rate-limited per token and per
 *                                address; web_unlock.c)
 *   GET  /unlock/file/ID         the sanitised file just unlocked, for a while
 * There is no path parameter anywhere: an item id must match
 * mw_item_id_valid() before it is used, and nothing else names a file.
 */
#ifndef MUGAI_WEB_H
#define MUGAI_WEB_H

#include <stdbool.h>

#include "quarantine.h"

typedef struct mw_server mw_server;

/* One line for the operator's log: a login, a refusal, a review action.
 * item_id is NULL when the line is about no item. */
typedef void (*mw_log_fn)(void *ctx, bool warning, const char *item_id, const char *msg);

/* Extra Prometheus text appended to /metrics (the gateway's counters):
 * a malloc()ed NUL-terminated string, or NULL. */
typedef char *(*mw_metrics_fn)(void *ctx);

/* What the unlock hook found, for the page and the audit entry. */
typedef struct mw_unlock_result {
	char outcome[300];        /* what happened, never the password */
	unsigned char *file;      /* the sanitised artefact (malloc()ed), or NULL */
	size_t file_len;
	char file_name[256];      /* its name for a download */
} mw_unlock_result;

/* The unlock page's way to the sandbox and out: tries password on the
 * item's original in a sandboxed worker (never in the UI's process) and,
 * when it opens the item, delivers the sanitised contents to recipient
 * (an address: the release transport; MQ_UNLOCK_OUTBOX: drop.outbox).
 * 1 opened and delivered, 0 the password did not open it, -1 failed
 * (the worker, the delivery); res->outcome says what happened. */
typedef int (*mw_unlock_fn)(void *ctx, const mq_item *item, const unsigned char *original,
                            size_t len, const char *password, const char *recipient,
                            mw_unlock_result *res);

typedef struct mw_options {
	bool secure_cookies;      /* behind TLS: cookies get the Secure flag */
	bool metrics_public;      /* /metrics without a session */
	unsigned session_idle;    /* seconds; 0: 30 minutes */
	unsigned session_max;     /* seconds from login; 0: 12 hours */
	unsigned max_connections; /* 0: 64 */
	mw_metrics_fn metrics;    /* may be NULL */
	void *metrics_ctx;
	mw_log_fn log;            /* may be NULL */
	void *log_ctx;
	/* admin.allowed_hosts: the Host names served, NAME or NAME:PORT, comma
	 * separated; NULL or empty: listen's host, localhost, 127.0.0.1, [::1].
	 * Any other Host (DNS rebinding) gets 400.  Both copied. */
	const char *allowed_hosts;
	const char *listen;       /* admin.listen as configured, for that default */
	bool self_approval;       /* quarantine.self_approval: offer the exception */
	mw_unlock_fn unlock;      /* NULL: /unlock/TOKEN says unlocking is unavailable */
	void *unlock_ctx;
	/* admin.public_url and ppap.link_ttl: an approver issues links on an
	 * item's page (none without a public_url).  Copied. */
	const char *public_url;
	unsigned link_ttl;
	const char *node;         /* daemon.node: a label on every /metrics series; kept, not
	                             copied; NULL: none */
} mw_options;

/* 0 when list is a valid admin.allowed_hosts, -1 with *err otherwise. */
int mw_hosts_check(const char *list, char **err);

/* The UI over an open store (not taken over).  NULL with *err. */
mw_server *mw_server_new(mq_store *store, const mw_options *opt, char **err);
/* Serves on listen_fd (a bound, listening socket, taken over: closed by
 * mw_server_free) from a small pool of internal threads.  0, or -1 with *err. */
int mw_server_start(mw_server *srv, int listen_fd, char **err);
/* Stops accepting connections and waits up to timeout seconds for those
 * open to finish (a drain).  Call mw_server_free() after. */
void mw_server_drain(mw_server *srv, unsigned timeout);
/* Stops serving (open connections are closed) and frees everything. */
void mw_server_free(mw_server *srv);

/* True for a well-formed item id: 1-39 of [A-Za-z0-9_-], starting with an
 * alphanumeric.  No dot, no slash, no percent sign can ever pass. */
bool mw_item_id_valid(const char *s);

#endif
