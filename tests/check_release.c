/*
 * check_release.c - the default release hook: where an approved original
 * goes, marked as released, and that a failed delivery leaves the item
 * unreleased.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "quarantine.h"
#include "release.h"
#include "testutil.h"

struct env {
	char root[64];
	mg_config *c;
};

/* key=prefix root suffix */
static void set(mg_config *c, const char *key, const char *prefix, const char *root,
                const char *suffix)
{
	char kv[512], *err = NULL;

	snprintf(kv, sizeof(kv), "%s=%s%s%s", key, prefix, root, suffix);
	ck_assert_msg(mg_config_override(c, kv, &err) == 0, "%s: %s", kv, err);
}

static void env_open(struct env *e)
{
	snprintf(e->root, sizeof(e->root), "/tmp/mugai-rel-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(e->root));
	e->c = mg_config_new();
	set(e->c, "relay.next_hop", "dir:", e->root, "/mail");
	set(e->c, "drop.outbox", "", e->root, "/files");
	set(e->c, "quarantine.dir", "", e->root, "/q");
	set(e->c, "quarantine.index", "sqlite:", e->root, "/q/index.db");
}

static void env_close(struct env *e)
{
	mg_config_free(e->c);
	tu_rm_tree(e->root);
}

static mq_item item(const char *channel, const char *subject, const char *rcpts)
{
	mq_item it = { .item_id = "20261123T000000-0123456789ab",
		       .channel = (char *)(uintptr_t)channel,
		       .sender = (char *)(uintptr_t)"sato@example.jp",
		       .recipients = (char *)(uintptr_t)rcpts,
		       .subject = (char *)(uintptr_t)subject,
		       .requested_by = (char *)(uintptr_t)"alice" };

	return it;
}

static char *slurp(const char *root, const char *rel, size_t *len)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	return (char *)tu_read(path, len);
}

START_TEST(mail_goes_to_the_next_hop_marked)
{
	struct env e;
	mq_item it = item("mail", "見積書", "tanaka@lg.example.jp, suzuki@lg.example.jp");
	const char *orig = "Subject: hi\nFrom: sato@example.jp\n\nbody\n";
	char *err = NULL, *got;
	size_t len;

	env_open(&e);
	ck_assert_int_eq(mg_release_hook(e.c, &it, (const unsigned char *)orig, strlen(orig), "bob",
	                                 &err), 0);
	got = slurp(e.root, "mail/released-20261123T000000-0123456789ab.eml", &len);
	ck_assert_str_eq(got, "Return-Path: <sato@example.jp>\r\n"
	                      "X-Mugai-Envelope-To: <tanaka@lg.example.jp>,\r\n\t<suzuki@lg.example.jp>\r\n"
	                      "X-Mugai-Released: 20261123T000000-0123456789ab; by bob; requested by alice\n"
	                      "Subject: hi\nFrom: sato@example.jp\n\nbody\n");
	free(got);
	env_close(&e);
}
END_TEST

START_TEST(mail_release_fails_closed)
{
	struct env e;
	mq_item it = item("mail", "x", "");
	char *err = NULL;

	env_open(&e);
	ck_assert_int_eq(mg_release_hook(e.c, &it, (const unsigned char *)"a\n", 2, "bob", &err), -1);
	ck_assert_ptr_nonnull(strstr(err, "no envelope recipient"));
	free(err);
	err = NULL;
	it = item("mail", "x", "tanaka@lg.example.jp");
	set(e.c, "relay.next_hop", "smtp:127.0.0.1:1", "", "");
	set(e.c, "relay.timeout", "5s", "", "");
	ck_assert_int_eq(mg_release_hook(e.c, &it, (const unsigned char *)"a\n", 2, "bob", &err), -1);
	ck_assert_ptr_nonnull(strstr(err, "smtp:127.0.0.1:1 refused the release"));
	free(err);
	env_close(&e);
}
END_TEST

START_TEST(file_goes_to_the_outbox_never_replacing)
{
	struct env e;
	mq_item it = item("file", "C:\\Users\\sato\\tool.exe", "");
	char *err = NULL, *got;
	size_t len;

	env_open(&e);
	ck_assert_int_eq(mg_release_hook(e.c, &it, (const unsigned char *)"MZ one", 6, "bob", &err), 0);
	ck_assert_int_eq(mg_release_hook(e.c, &it, (const unsigned char *)"MZ two", 6, "bob", &err), 0);
	got = slurp(e.root, "files/tool.exe", &len);
	ck_assert_str_eq(got, "MZ one");
	free(got);
	got = slurp(e.root, "files/tool (2).exe", &len);
	ck_assert_str_eq(got, "MZ two");
	free(got);
	env_close(&e);
}
END_TEST

START_TEST(file_names_are_made_safe)
{
	const struct { const char *in, *want; } cases[] = {
		{ "../../etc/passwd", "passwd" },
		{ "a\\b\\報告.zip", "報告.zip" },
		{ "..", "ID.bin" },
		{ "", "ID.bin" },
		{ NULL, "ID.bin" },
		{ "dir/", "ID.bin" },
		{ ".bashrc", "ID-.bashrc" },
		{ "bad\x01name", "ID.bin" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = mg_release_file_name(cases[i].in, "ID");

		ck_assert_str_eq(got, cases[i].want);
		free(got);
	}
}
END_TEST

/* Through the store: released only when the file really was written. */
START_TEST(store_with_the_default_hook)
{
	struct env e;
	mq_store *s;
	mq_meta m = { .item_id = "f-1", .channel = "file", .verdict = "blocked",
		      .subject = "tool.exe" };
	mq_item got;
	char *err = NULL, path[128];
	FILE *f;

	env_open(&e);
	s = mq_open(e.c->quarantine_dir, e.c->quarantine_index, &err);
	ck_assert_msg(s != NULL, "%s", err);
	mq_set_release_hook(s, mg_release_hook, e.c);
	ck_assert_int_eq(mq_user_add(s, NULL, "alice", MQ_ROLE_REVIEWER, "alice password", &err),
	                 MQ_OK);
	ck_assert_int_eq(mq_user_add(s, NULL, "bob", MQ_ROLE_APPROVER, "bob password", &err), MQ_OK);
	ck_assert_int_eq(mq_put(s, &m, "MZ original", 11, "{}", &err), MQ_OK);
	ck_assert_int_eq(mq_request(s, "alice", "f-1", "vendor tool", &err), MQ_OK);
	/* the outbox cannot be made: a plain file stands where it should be */
	snprintf(path, sizeof(path), "%s/files", e.root);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	ck_assert_int_eq(mq_approve(s, "bob", "f-1", &err), MQ_E_ERROR);
	ck_assert_ptr_nonnull(strstr(err, "cannot write to drop.outbox"));
	ck_assert_int_eq(mq_get(s, "f-1", &got, &err), MQ_OK);
	ck_assert_int_eq(got.status, MQ_RELEASE_REQUESTED);
	ck_assert_str_eq(got.audit[got.naudit - 1].action, "release_failed");
	mq_item_free(&got);
	unlink(path);
	ck_assert_int_eq(mq_approve(s, "bob", "f-1", &err), MQ_OK);
	ck_assert_int_eq(mq_get(s, "f-1", &got, &err), MQ_OK);
	ck_assert_int_eq(got.status, MQ_RELEASED);
	mq_item_free(&got);
	{
		size_t len;
		char *data = slurp(e.root, "files/tool.exe", &len);

		ck_assert_str_eq(data, "MZ original");
		free(data);
	}
	free(err);
	mq_close(s);
	env_close(&e);
}
END_TEST

Suite *mugai_suite(void)
{
	Suite *s = suite_create("release");
	TCase *tc = tcase_create("hook");

	tcase_add_test(tc, mail_goes_to_the_next_hop_marked);
	tcase_add_test(tc, mail_release_fails_closed);
	tcase_add_test(tc, file_goes_to_the_outbox_never_replacing);
	tcase_add_test(tc, file_names_are_made_safe);
	tcase_add_test(tc, store_with_the_default_hook);
	suite_add_tcase(s, tc);
	return s;
}
