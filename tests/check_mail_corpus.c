/*
 * check_mail_corpus.c - every mail of the corpus, as the SMTP channel gets
 * it: either rebuilt into a message gmime reads back with only text bodies
 * and sanitised attachments, or blocked with a reason.
 */
#include <check.h>
#include <dirent.h>
#include <glib.h>
#include <gmime/gmime.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "testutil.h"

extern const mg_filter mg_filter_mail;

/* Types an artefact may have; everything else must not survive. */
static const char *const allowed_leaf[] = {
	"text/plain", "text/csv", "text/tab-separated-values", "application/pdf", "image/png",
	"image/jpeg", "image/gif", "image/webp", "image/tiff", "image/bmp", "application/zip",
	"application/vnd.openxmlformats-officedocument.", "application/vnd.oasis.opendocument.",
	"application/x-tar", "application/gzip",
};

static bool leaf_allowed(const char *t)
{
	for (size_t i = 0; i < sizeof(allowed_leaf) / sizeof(allowed_leaf[0]); i++)
		if (g_str_has_prefix(t, allowed_leaf[i]))
			return true;
	return false;
}

static void check_message(GMimeMessage *m, const char *file, int level);

static void check_part(GMimeObject *parent, GMimeObject *part, gpointer data)
{
	const char *file = data;
	char *t = g_mime_content_type_get_mime_type(g_mime_object_get_content_type(part));

	if (GMIME_IS_MESSAGE_PART(part)) {
		GMimeMessage *inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(part));

		ck_assert_msg(inner != NULL, "%s: empty message part", file);
		check_message(inner, file, 1);
	} else if (GMIME_IS_MULTIPART(part)) {
		ck_assert_msg(strcmp(t, "multipart/mixed") == 0, "%s: %s survived", file, t);
	} else {
		ck_assert_msg(leaf_allowed(t), "%s: a %s part survived", file, t);
	}
	g_free(t);
}

static void check_message(GMimeMessage *m, const char *file, int level)
{
	GMimeObject *top = g_mime_message_get_mime_part(m);
	GMimeObject *first = GMIME_IS_MULTIPART(top) ? g_mime_multipart_get_part(GMIME_MULTIPART(top), 0)
	                                              : top;

	ck_assert_msg(g_mime_object_get_header(GMIME_OBJECT(m), "X-Mugai-Verdict") != NULL,
	              "%s: level %d not rebuilt", file, level);
	ck_assert_msg(g_mime_object_get_header(GMIME_OBJECT(m), "Received") == NULL, "%s", file);
	ck_assert_msg(GMIME_IS_TEXT_PART(first), "%s: the body is not text", file);
	ck_assert_str_eq(g_mime_object_get_content_type_parameter(first, "charset"), "utf-8");
	g_mime_message_foreach(m, check_part, (gpointer)(uintptr_t)file);
}

static void check_one(mg_core *core, const char *dir, const char *name, unsigned *ok,
                      unsigned *blocked)
{
	char path[4096];
	size_t len;
	unsigned char *d;
	mg_input in = { 0 };
	mg_result res;
	json_t *report;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	d = tu_read(path, &len);
	in.data = d;
	in.len = len;
	in.name = name;
	in.is_mail = 1;
	mg_sanitize(core, &in, MG_MODE_DEFAULT, &res);
	report = json_loads(res.report_json, 0, NULL);
	ck_assert_msg(report != NULL, "%s: report is not JSON", name);
	if (res.verdict == MG_VERDICT_SANITISED) {
		GMimeStream *s = g_mime_stream_mem_new_with_buffer((const char *)res.out, res.out_len);
		GMimeParser *p = g_mime_parser_new_with_stream(s);
		GMimeMessage *m = g_mime_parser_construct_message(p, NULL);

		ck_assert_msg(m != NULL, "%s: output does not parse", name);
		ck_assert_str_eq(res.out_type, "message/rfc822");
		check_message(m, name, 0);
		g_object_unref(m);
		g_object_unref(p);
		g_object_unref(s);
		(*ok)++;
	} else {
		ck_assert_msg(res.reason && *res.reason, "%s: blocked without a reason", name);
		ck_assert_ptr_null(res.out);
		(*blocked)++;
	}
	json_decref(report);
	mg_result_free(&res);
	free(d);
}

START_TEST(every_corpus_mail)
{
	const char *dir = CORPUS_DIR "/mail";
	mg_policy *p = mg_policy_new();
	char *err = NULL;
	mg_core *core = mg_core_new(p, &err);
	DIR *dh = opendir(dir);
	struct dirent *e;
	unsigned ok = 0, blocked = 0;

	ck_assert_ptr_eq(mg_filter_for(MG_FAM_MAIL), &mg_filter_mail);
	ck_assert_msg(dh != NULL, "no corpus at %s", dir);
	while ((e = readdir(dh)) != NULL)
		if (e->d_name[0] != '.')
			check_one(core, dir, e->d_name, &ok, &blocked);
	closedir(dh);
	/* the corpus is 18 mails; all of them are readable messages */
	ck_assert_uint_ge(ok + blocked, 18);
	ck_assert_uint_ge(ok, 18);
	mg_core_free(core);
	mg_policy_free(p);
}
END_TEST

Suite *mugai_suite(void)
{
	Suite *s = suite_create("mail_corpus");
	TCase *tc = tcase_create("mail_corpus");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, every_corpus_mail);
	suite_add_tcase(s, tc);
	return s;
}
