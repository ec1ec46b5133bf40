/*
 * unlock_hook.h - the unlock page's way to the sandbox and out (web.h's
 * mw_unlock_fn), for admind and `mugai web`.
 *
 * The password typed by a recipient goes with the original to a
 * sandboxed worker, as for `mugai quarantine unlock`: the review UI's
 * process never parses the item.  What the worker opened and sanitised
 * goes to that one recipient by the release transport (relay.next_hop),
 * or for a dropped file to drop.outbox (release.h).
 */
#ifndef MUGAI_UNLOCK_HOOK_H
#define MUGAI_UNLOCK_HOOK_H

#include "config.h"
#include "web.h"
#include "worker.h"

typedef struct mg_unlock_hook mg_unlock_hook;

/* Starts the worker now (call it while single-threaded, before the web
 * server's thread and before anything secret is loaded).  NULL with
 * *err (free()). */
mg_unlock_hook *mg_unlock_hook_new(const mg_config *c, const mg_worker_limits *limits,
                                   char **err);
void mg_unlock_hook_free(mg_unlock_hook *h);

/* An mw_unlock_fn; ctx is the mg_unlock_hook. */
int mg_unlock_hook_run(void *ctx, const mq_item *item, const unsigned char *original, size_t len,
                       const char *password, const char *recipient, mw_unlock_result *res);

#endif
