/*
 * log.h - the daemon's log: one JSON object per line, to stderr or syslog.
 *
 *   {"time":"2024-05-01T09:00:00.123Z","level":"info","prog":"smtpd[0]",
 *    "pid":4242,"node":"gw1","item":"20240501T090000-a1b2c3d4e5f6","msg":"..."}
 *
 * Every line about an item carries its id ("item"), so an operator follows
 * one mail or file through every process with one grep.  Set the current
 * item with mg_log_set_item() when work on it starts, clear it after; or
 * pass the id explicitly with mg_log_item().
 *
 * Two kinds of fatal, as Postfix's msg_fatal/msg_panic:
 *   mg_log_fatal()  the environment is wrong (missing file, bad config,
 *                   no permission): log and exit(1); restarting may help
 *                   once an operator fixed it.
 *   mg_log_panic()  an invariant is broken (a bug): log and abort() so a
 *                   core dump (where allowed) shows where.
 */
#ifndef MUGAI_LOG_H
#define MUGAI_LOG_H

#include <jansson.h>

typedef enum mg_log_level {
	MG_LOG_DEBUG = 0,
	MG_LOG_INFO,
	MG_LOG_WARN,
	MG_LOG_ERROR,
	MG_LOG_FATAL,
	MG_LOG_PANIC,
} mg_log_level;

/* target: "stderr" (default), "syslog" or "syslog:FACILITY" (local0..local7,
 * mail, daemon).  prog names the process in every line.  0, or -1 for an
 * unknown target (the log then stays on stderr). */
int mg_log_open(const char *prog, const char *target);
/* 0 when target is one mg_log_open() understands, -1 otherwise. */
int mg_log_target_check(const char *target);
/* Renames the process in later lines (a forked service: "smtpd[0]"). */
void mg_log_set_prog(const char *prog);
/* The name set by mg_log_open or mg_log_set_prog. */
const char *mg_log_prog(void);
/* Lines below this level are not written (default MG_LOG_INFO). */
void mg_log_set_level(mg_log_level level);
mg_log_level mg_log_level_get(void);
int mg_log_level_parse(const char *s, mg_log_level *level);
/* The node (daemon.node) every later line names; NULL or "": none. */
void mg_log_set_node(const char *node);
const char *mg_log_node(void);
/* The item the following lines are about; NULL when none. */
void mg_log_set_item(const char *item_id);

void mg_log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void mg_log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void mg_log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void mg_log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void mg_log_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void mg_log_panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* log_libs.c: glib's (gmime, libgsf, poppler-glib) and libxml2's messages
 * written as log lines ("source": "glib" or "libxml2") instead of their own
 * text on stderr.  Once, in the process that forks the others. */
void mg_log_capture_libraries(void);

/* One line about the given item (NULL: the current one) with extra JSON
 * fields (taken over, may be NULL), e.g. {"event":"accepted","size":1234}. */
void mg_log_item(mg_log_level level, const char *item_id, json_t *fields, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
