/*
 * log_libs.c - the libraries' own messages as log lines.
 *
 * glib (and through it gmime, libgsf and poppler-glib) and libxml2 write
 * their warnings to stderr in formats of their own; an operator's log
 * shipper then meets lines that are not JSON, without the item they are
 * about.  Their handlers are replaced here, once, in mugaid's master:
 * every process it forks (services, workers, jobs) inherits them.  Each
 * message becomes one log line with "source" naming the library and, in
 * a job, the item's id.
 */
#include <glib.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlversion.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

static mg_log_level glib_level(GLogLevelFlags flags)
{
	if (flags & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
		return MG_LOG_ERROR;
	if (flags & G_LOG_LEVEL_WARNING)
		return MG_LOG_WARN;
	if (flags & (G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO))
		return MG_LOG_INFO;
	return MG_LOG_DEBUG;
}

/* A field's value: NUL-terminated when length is -1. */
static void field_text(const GLogField *f, char *out, size_t size)
{
	if (f->length < 0)
		snprintf(out, size, "%s", (const char *)f->value);
	else
		snprintf(out, size, "%.*s", (int)(f->length < (gssize)size ? f->length : (gssize)size - 1),
		         (const char *)f->value);
}

static GLogWriterOutput glib_writer(GLogLevelFlags flags, const GLogField *fields, gsize n,
                                    gpointer data)
{
	char msg[2048] = "", domain[64] = "";

	(void)data;
	for (gsize i = 0; i < n; i++)
		if (strcmp(fields[i].key, "MESSAGE") == 0)
			field_text(&fields[i], msg, sizeof(msg));
		else if (strcmp(fields[i].key, "GLIB_DOMAIN") == 0)
			field_text(&fields[i], domain, sizeof(domain));
	mg_log_item(glib_level(flags), NULL,
	            json_pack("{s:s,s:s}", "source", "glib", "domain", domain), "%s", msg);
	return G_LOG_WRITER_HANDLED;
}

/* g_print and g_printerr: libraries use them for diagnostics too. */
static void glib_print(const gchar *text)
{
	size_t len = strlen(text);

	while (len && text[len - 1] == '\n')
		len--;
	mg_log_item(MG_LOG_INFO, NULL, json_pack("{s:s}", "source", "glib"), "%.*s", (int)len, text);
}

/* libxml2's generic errors come in pieces: a line is kept until its end. */
static char xml_line[2048];
static size_t xml_len;

static void xml_flush(void)
{
	while (xml_len && (xml_line[xml_len - 1] == '\n' || xml_line[xml_len - 1] == ' '))
		xml_len--;
	xml_line[xml_len] = 0;
	if (xml_len)
		mg_log_item(MG_LOG_WARN, NULL, json_pack("{s:s}", "source", "libxml2"), "%s", xml_line);
	xml_len = 0;
}

static void xml_generic(void *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void xml_generic(void *ctx, const char *fmt, ...)
{
	char piece[1024], *p = piece;
	va_list ap;

	(void)ctx;
	va_start(ap, fmt);
	vsnprintf(piece, sizeof(piece), fmt, ap);
	va_end(ap);
	for (; *p; p++) {
		if (*p == '\n') {
			xml_flush();
			continue;
		}
		if (xml_len + 1 >= sizeof(xml_line))
			xml_flush();
		xml_line[xml_len++] = *p;
	}
}

#if LIBXML_VERSION >= 21200
static void xml_structured(void *ctx, const xmlError *e)
#else
static void xml_structured(void *ctx, xmlErrorPtr e)
#endif
{
	mg_log_level level = e->level == XML_ERR_WARNING ? MG_LOG_WARN : MG_LOG_ERROR;
	const char *msg = e->message ? e->message : "(no message)";

	(void)ctx;
	mg_log_item(level, NULL,
	            json_pack("{s:s,s:i,s:i,s:i}", "source", "libxml2", "domain", e->domain,
	                      "code", e->code, "line", e->line),
	            "%.*s", (int)strcspn(msg, "\n"), msg);
}

void mg_log_capture_libraries(void)
{
	static int done;

	/* glib refuses a second writer: once per process tree */
	if (done)
		return;
	done = 1;
	g_log_set_writer_func(glib_writer, NULL, NULL);
	g_set_print_handler(glib_print);
	g_set_printerr_handler(glib_print);
	xmlSetGenericErrorFunc(NULL, xml_generic);
	xmlSetStructuredErrorFunc(NULL, xml_structured);
}
