/*
 * admind.h - the review UI as a service (admind, under mugaid's master)
 * and alone (`mugai web`): what both take from the configuration.
 */
#ifndef MUGAI_ADMIND_H
#define MUGAI_ADMIND_H

#include "config.h"
#include "web.h"

/* admin.secure_cookies, admin.metrics_public, admin.session_idle and
 * admin.session_max as web options.  0, or -1 with *err (free() it) for
 * a value that is not a boolean. */
int mg_web_options(const mg_config *c, mw_options *opt, char **err);

/* The web UI's log lines through log.h (ctx unused). */
void mg_web_log(void *ctx, bool warning, const char *item_id, const char *msg);

/* Opens the quarantine named by the configuration with the default
 * release hook.  NULL with *err. */
mq_store *mg_web_open_store(const mg_config *c, char **err);

#endif
