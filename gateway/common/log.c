/*
 * log.c - one JSON object per line, to stderr or syslog.
 *
 * A line is built whole and written with one write(2), so lines of
 * several processes sharing stderr do not interleave.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static struct {
	char prog[64];
	char item[64];
	char node[65];
	mg_log_level level;
	int syslog;
} lg = { "mugai", "", "", MG_LOG_INFO, 0 };

static const char *const level_names[] = {
	[MG_LOG_DEBUG] = "debug", [MG_LOG_INFO] = "info",   [MG_LOG_WARN] = "warning",
	[MG_LOG_ERROR] = "error", [MG_LOG_FATAL] = "fatal", [MG_LOG_PANIC] = "panic",
};

static const int syslog_prio[] = {
	[MG_LOG_DEBUG] = LOG_DEBUG, [MG_LOG_INFO] = LOG_INFO,  [MG_LOG_WARN] = LOG_WARNING,
	[MG_LOG_ERROR] = LOG_ERR,   [MG_LOG_FATAL] = LOG_CRIT, [MG_LOG_PANIC] = LOG_CRIT,
};

static const struct {
	const char *name;
	int facility;
} facilities[] = {
	{ "mail", LOG_MAIL },     { "daemon", LOG_DAEMON }, { "local0", LOG_LOCAL0 },
	{ "local1", LOG_LOCAL1 }, { "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 },
	{ "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 }, { "local6", LOG_LOCAL6 },
	{ "local7", LOG_LOCAL7 },
};

static int parse_target(const char *target, int *use_syslog, int *facility)
{
	*use_syslog = 0;
	*facility = LOG_MAIL;
	if (!target || !*target || strcmp(target, "stderr") == 0)
		return 0;
	if (strcmp(target, "syslog") == 0) {
		*use_syslog = 1;
		return 0;
	}
	if (strncmp(target, "syslog:", 7) != 0)
		return -1;
	for (size_t i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++)
		if (strcmp(target + 7, facilities[i].name) == 0) {
			*use_syslog = 1;
			*facility = facilities[i].facility;
			return 0;
		}
	return -1;
}

int mg_log_target_check(const char *target)
{
	int use_syslog, facility;

	return parse_target(target, &use_syslog, &facility);
}

int mg_log_open(const char *prog, const char *target)
{
	int use_syslog, facility, rc;

	mg_log_set_prog(prog);
	rc = parse_target(target, &use_syslog, &facility);
	if (lg.syslog)
		closelog();
	lg.syslog = rc == 0 && use_syslog;
	/* LOG_NDELAY: connect now, while the process may still open sockets */
	if (lg.syslog)
		openlog(lg.prog, LOG_PID | LOG_NDELAY, facility);
	return rc;
}

void mg_log_set_prog(const char *prog)
{
	snprintf(lg.prog, sizeof(lg.prog), "%s", prog ? prog : "mugai");
}

const char *mg_log_prog(void)
{
	return lg.prog;
}

void mg_log_set_level(mg_log_level level)
{
	lg.level = level;
}

mg_log_level mg_log_level_get(void)
{
	return lg.level;
}

int mg_log_level_parse(const char *s, mg_log_level *level)
{
	for (unsigned i = 0; i <= MG_LOG_ERROR; i++)
		if (strcmp(s, level_names[i]) == 0 || (i == MG_LOG_WARN && strcmp(s, "warn") == 0)) {
			*level = (mg_log_level)i;
			return 0;
		}
	return -1;
}

void mg_log_set_node(const char *node)
{
	snprintf(lg.node, sizeof(lg.node), "%s", node ? node : "");
}

const char *mg_log_node(void)
{
	return lg.node;
}

void mg_log_set_item(const char *item_id)
{
	snprintf(lg.item, sizeof(lg.item), "%s", item_id ? item_id : "");
}

/* Messages may quote hostile text: bytes that are not UTF-8 become '?'. */
static json_t *text(const char *s)
{
	json_t *j = json_string(s);

	if (!j) {
		char *copy = strdup(s);

		if (!copy)
			return json_string("(out of memory)");
		for (char *p = copy; *p; p++)
			if ((unsigned char)*p >= 0x80)
				*p = '?';
		j = json_string(copy);
		free(copy);
	}
	return j ? j : json_string("(unprintable)");
}

static void stamp(char *out, size_t size)
{
	struct timespec ts;
	struct tm tm;
	char base[24];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, size, "%.20s.%03uZ", base, (unsigned)(ts.tv_nsec / 1000000) % 1000);
}

static void emit(const char *line)
{
	size_t len = strlen(line), off = 0;
	char *nl;

	nl = malloc(len + 1);
	if (!nl) {
		(void)!write(STDERR_FILENO, line, len);
		(void)!write(STDERR_FILENO, "\n", 1);
		return;
	}
	memcpy(nl, line, len);
	nl[len++] = '\n';
	while (off < len) {
		ssize_t n = write(STDERR_FILENO, nl + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	free(nl);
}

static void vlog(mg_log_level level, const char *item_id, json_t *fields, const char *fmt,
                 va_list ap) __attribute__((format(printf, 4, 0)));

static void vlog(mg_log_level level, const char *item_id, json_t *fields, const char *fmt,
                 va_list ap)
{
	char when[40], msg[2048], *line;
	json_t *o;
	int saved = errno;

	if (level < lg.level) {
		json_decref(fields);
		return;
	}
	vsnprintf(msg, sizeof(msg), fmt, ap);
	stamp(when, sizeof(when));
	if (!item_id && lg.item[0])
		item_id = lg.item;
	o = json_object();
	json_object_set_new(o, "time", json_string(when));
	json_object_set_new(o, "level", json_string(level_names[level]));
	json_object_set_new(o, "prog", text(lg.prog));
	json_object_set_new(o, "pid", json_integer((json_int_t)getpid()));
	if (lg.node[0])
		json_object_set_new(o, "node", text(lg.node));
	if (item_id && *item_id)
		json_object_set_new(o, "item", text(item_id));
	json_object_set_new(o, "msg", text(msg));
	if (fields)
		json_object_update_missing(o, fields);
	json_decref(fields);
	line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (lg.syslog && line)
		syslog(syslog_prio[level], "%s", line);
	else
		emit(line ? line : msg);
	free(line);
	errno = saved;
}

#define LOG_FN(fn, level)                                  \
	void fn(const char *fmt, ...)                      \
	{                                                  \
		va_list ap;                                \
		va_start(ap, fmt);                         \
		vlog(level, NULL, NULL, fmt, ap);          \
		va_end(ap);                                \
	}
LOG_FN(mg_log_debug, MG_LOG_DEBUG)
LOG_FN(mg_log_info, MG_LOG_INFO)
LOG_FN(mg_log_warn, MG_LOG_WARN)
LOG_FN(mg_log_error, MG_LOG_ERROR)
#undef LOG_FN

void mg_log_fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(MG_LOG_FATAL, NULL, NULL, fmt, ap);
	va_end(ap);
	exit(1);
}

void mg_log_panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(MG_LOG_PANIC, NULL, NULL, fmt, ap);
	va_end(ap);
	abort();
}

void mg_log_item(mg_log_level level, const char *item_id, json_t *fields, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(level, item_id, fields, fmt, ap);
	va_end(ap);
}
