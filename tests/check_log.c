/*
 * check_log.c - every log line is one JSON object, the libraries' own
 * messages included: glib (g_warning, a "Poppler" domain, g_printerr),
 * libgsf on a damaged OLE2 directory, libxml2's structured and piecemeal
 * generic errors.  Each runs in a child whose stderr is a file; every
 * line of that file must parse, and carry the current item's id.
 */
#include <check.h>
#include <fcntl.h>
#include <glib.h>
#include <gsf/gsf-infile-msole.h>
#include <gsf/gsf-input-memory.h>
#include <gsf/gsf-utils.h>
#include <jansson.h>
#include <libxml/parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "testutil.h"

#define ITEM "20260101T000000-0123456789ab"

typedef void (*noise_fn)(void);

/* Runs fn in a child logging to a fresh file; returns that file's text. */
static char *lines_of(noise_fn fn)
{
	char path[] = "/tmp/mugai-log-XXXXXX";
	int fd = mkstemp(path), status;
	pid_t pid;
	FILE *f;
	char *text = calloc(1, 1 << 16);

	ck_assert_int_ge(fd, 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(fd, STDERR_FILENO);
		mg_log_open("check", "stderr");
		mg_log_capture_libraries();
		mg_log_set_item(ITEM);
		fn();
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	f = fdopen(fd, "r");
	rewind(f);
	ck_assert_int_gt(fread(text, 1, (1 << 16) - 1, f), 0);
	fclose(f);
	unlink(path);
	return text;
}

/* Every line a JSON object with this item; the number of lines whose
 * "source" is source and whose message contains needle. */
static int count_json(const char *text, const char *source, const char *needle)
{
	char *copy = strdup(text), *save = NULL;
	int hits = 0, lines = 0;

	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		json_error_t e;
		json_t *o = json_loads(l, 0, &e);

		lines++;
		ck_assert_msg(json_is_object(o), "not JSON: %s", l);
		ck_assert_str_eq(json_string_value(json_object_get(o, "item")), ITEM);
		if (json_string_value(json_object_get(o, "source")) &&
		    strcmp(json_string_value(json_object_get(o, "source")), source) == 0 &&
		    strstr(json_string_value(json_object_get(o, "msg")), needle))
			hits++;
		json_decref(o);
	}
	free(copy);
	ck_assert_int_gt(lines, 0);
	return hits;
}

static void glib_noise(void)
{
	g_warning("a glib warning with \"quotes\"\nand a second line");
	g_log("Poppler", G_LOG_LEVEL_CRITICAL, "Syntax Error (42): bad xref");
	g_printerr("printed to stderr\n");
	g_message("a message");
}

START_TEST(glib_messages)
{
	char *t = lines_of(glib_noise);

	ck_assert_int_eq(count_json(t, "glib", "a glib warning with \"quotes\"\nand a second"), 1);
	ck_assert_int_eq(count_json(t, "glib", "Syntax Error (42)"), 1);
	ck_assert_ptr_nonnull(strstr(t, "\"domain\":\"Poppler\""));
	ck_assert_ptr_nonnull(strstr(t, "\"level\":\"error\""));
	ck_assert_int_eq(count_json(t, "glib", "printed to stderr"), 1);
	ck_assert_int_eq(count_json(t, "glib", "a message"), 1);
	free(t);
}
END_TEST

static void gsf_noise(void)
{
	gchar *data = NULL;
	gsize len = 0;
	GsfInput *in;
	GsfInfile *ole;

	gsf_init();
	if (!g_file_get_contents(MUGAI_SOURCE_DIR "/fuzz/corpus/ole2/damaged-directory.doc", &data,
	                         &len, NULL))
		_exit(3);
	in = gsf_input_memory_new((const guint8 *)data, (gsf_off_t)len, FALSE);
	ole = gsf_infile_msole_new(in, NULL);
	if (ole)
		g_object_unref(ole);
	g_object_unref(in);
	g_free(data);
}

START_TEST(libgsf_messages)
{
	char *t = lines_of(gsf_noise);

	/* libgsf complains through glib, in its own domain */
	ck_assert_int_ge(count_json(t, "glib", "Root directory"), 1);
	ck_assert_ptr_nonnull(strstr(t, "\"domain\":\"libgsf:msole\""));
	free(t);
}
END_TEST

static void xml_noise(void)
{
	static const char bad[] = "<a><b></a>";
	xmlDocPtr doc = xmlReadMemory(bad, (int)sizeof(bad) - 1, "bad.xml", NULL, XML_PARSE_NONET);

	xmlFreeDoc(doc);
	/* what libxml2 sends to the generic handler arrives in pieces */
	xmlGenericError(xmlGenericErrorContext, "first piece, ");
	xmlGenericError(xmlGenericErrorContext, "second piece\n");
}

START_TEST(libxml2_messages)
{
	char *t = lines_of(xml_noise);

	ck_assert_int_ge(count_json(t, "libxml2", "mismatch"), 1);
	ck_assert_int_eq(count_json(t, "libxml2", "first piece, second piece"), 1);
	free(t);
}
END_TEST

Suite *mugai_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("libraries");

	tcase_add_test(tc, glib_messages);
	tcase_add_test(tc, libgsf_messages);
	tcase_add_test(tc, libxml2_messages);
	suite_add_tcase(s, tc);
	return s;
}
