/*
 * check_config_user.c - the user mugaid's services run as, which mugaid,
 * mugai keygen and the CLI's workers must agree on: daemon.user when it
 * exists, nobody in place of a default mugai never created, and none for
 * a daemon.user that names no user (mugaid then refuses to start).
 */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "testutil.h"

static mg_config *with_user(const char *user)
{
	mg_config *c = mg_config_new();
	char *err = NULL, assignment[128];

	ck_assert_ptr_nonnull(c);
	snprintf(assignment, sizeof(assignment), "daemon.user=%s", user);
	ck_assert_msg(mg_config_override(c, assignment, &err) == 0, "%s", err ? err : "?");
	return c;
}

START_TEST(an_existing_user_is_kept)
{
	mg_config *c = with_user("daemon");

	ck_assert_ptr_nonnull(getpwnam("daemon"));
	ck_assert_str_eq(mg_config_run_user(c), "daemon");
	mg_config_free(c);
}
END_TEST

START_TEST(the_default_mugai_falls_back_to_nobody)
{
	mg_config *c = mg_config_new();

	ck_assert_str_eq(c->daemon_user, "mugai");
	ck_assert_str_eq(mg_config_run_user(c), getpwnam("mugai") ? "mugai" : "nobody");
	mg_config_free(c);
}
END_TEST

START_TEST(another_missing_user_is_none)
{
	mg_config *c = with_user("no-such-mugai-user");

	ck_assert_ptr_null(mg_config_run_user(c));
	mg_config_free(c);
}
END_TEST

Suite *mugai_suite(void)
{
	Suite *s = suite_create("config_user");
	TCase *t = tcase_create("run_user");

	tcase_add_test(t, an_existing_user_is_kept);
	tcase_add_test(t, the_default_mugai_falls_back_to_nobody);
	tcase_add_test(t, another_missing_user_is_none);
	suite_add_tcase(s, t);
	return s;
}
