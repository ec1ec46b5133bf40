/* check_ppap_wait.c - where PPAP candidates wait for their zip: found by
 * the same sender to an overlapping set of recipients within the window,
 * newest first; wiped once the window is over; bounded; and shared with a
 * process forked after the table was made (as the master forks smtpd). */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ppap_wait.h"
#include "testutil.h"

static const char *const rcpts[] = { "kacho@example.lg.jp", "Tanto@Example.lg.jp" };

static void put(const char *id, const char *sender, const char *pw, int64_t at)
{
	char copy[80], *c[] = { copy };

	snprintf(copy, sizeof(copy), "%s", pw);
	mg_ppap_wait_put(id, sender, rcpts, 2, c, 1, at);
}

START_TEST(found_by_sender_and_recipients)
{
	mg_ppap_offer o[4];

	ck_assert_int_eq(mg_ppap_wait_init(), 0);
	put("id-old", "sato@example.org", "Old-1111", 1000);
	put("id-new", "sato@example.org", "New-2222", 1010);
	put("id-else", "evil@example.net", "Evil-333", 1020);
	ck_assert_uint_eq(mg_ppap_wait_find("SATO@example.org", "x@example.lg.jp, tanto@example.lg.jp",
	                                    900, NULL, o, 4), 2);
	ck_assert_str_eq(o[0].item_id, "id-new");
	ck_assert_str_eq(o[0].cand[0], "New-2222");
	ck_assert_str_eq(o[1].item_id, "id-old");
	/* the mail itself left out; no overlap, nothing */
	ck_assert_uint_eq(mg_ppap_wait_find("sato@example.org", "kacho@example.lg.jp", 900, "id-new",
	                                    o, 4), 1);
	ck_assert_uint_eq(mg_ppap_wait_find("sato@example.org", "other@example.lg.jp", 900, NULL, o,
	                                    4), 0);
	ck_assert_uint_eq(mg_ppap_wait_find("", "kacho@example.lg.jp", 900, NULL, o, 4), 0);
	mg_ppap_offer_wipe(o, 4);
	ck_assert_str_eq(o[0].cand[0], "");
}
END_TEST

/* Past the window an offer is wiped, not merely skipped. */
START_TEST(wiped_after_window)
{
	mg_ppap_offer o[2];

	ck_assert_int_eq(mg_ppap_wait_init(), 0);
	put("id-a", "sato@example.org", "Gone-4444", 1000);
	ck_assert_uint_eq(mg_ppap_wait_find("sato@example.org", "kacho@example.lg.jp", 2000, NULL, o,
	                                    2), 0);
	ck_assert_uint_eq(mg_ppap_wait_find("sato@example.org", "kacho@example.lg.jp", 0, NULL, o, 2),
	                  0);
}
END_TEST

/* A full table gives the oldest offer's place away; an offer keeps at
 * most MG_PPAP_CANDIDATES candidates, none longer than the finder's. */
START_TEST(bounded)
{
	char *many[MG_PPAP_CANDIDATES + 5], buf[MG_PPAP_CANDIDATES + 5][80];
	mg_ppap_offer o[3];

	ck_assert_int_eq(mg_ppap_wait_init(), 0);
	for (int i = 0; i < MG_PPAP_SLOTS + 10; i++) {
		char id[40];

		snprintf(id, sizeof(id), "id-%d", i);
		put(id, "bulk@example.org", "Bulk-5555", 5000 + i);
	}
	ck_assert_uint_eq(mg_ppap_wait_find("bulk@example.org", "kacho@example.lg.jp", 0, NULL, o,
	                                    3), 3);
	ck_assert_str_eq(o[0].item_id, "id-265");
	ck_assert_uint_eq(mg_ppap_wait_find("bulk@example.org", "kacho@example.lg.jp", 0, "none",
	                                    NULL, 0), 0);
	for (int i = 0; i < MG_PPAP_CANDIDATES + 5; i++) {
		snprintf(buf[i], sizeof(buf[i]), i == 0 ? "%070d" : "Cand-%d", i);
		many[i] = buf[i];
	}
	mg_ppap_wait_put("id-many", "many@example.org", rcpts, 2, many, MG_PPAP_CANDIDATES + 5, 9000);
	ck_assert_uint_eq(mg_ppap_wait_find("many@example.org", "kacho@example.lg.jp", 0, NULL, o,
	                                    1), 1);
	ck_assert_uint_eq(o[0].n, MG_PPAP_CANDIDATES);
	ck_assert_str_eq(o[0].cand[0], "Cand-1");
}
END_TEST

/* What a child forked after the table was made puts there, the parent
 * finds: smtpd processes see each other's candidates. */
START_TEST(shared_across_fork)
{
	mg_ppap_offer o[1];
	pid_t pid;
	int st;

	ck_assert_int_eq(mg_ppap_wait_init(), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		put("id-child", "child@example.org", "Child-666", 7000);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_uint_eq(mg_ppap_wait_find("child@example.org", "kacho@example.lg.jp", 0, NULL, o,
	                                    1), 1);
	ck_assert_str_eq(o[0].cand[0], "Child-666");
	/* the pairing lock is one across processes too */
	mg_ppap_pairing_lock();
	mg_ppap_pairing_unlock();
}
END_TEST

Suite *mugai_suite(void)
{
	Suite *s = suite_create("ppap_wait");
	TCase *tc = tcase_create("wait");

	tcase_add_test(tc, found_by_sender_and_recipients);
	tcase_add_test(tc, wiped_after_window);
	tcase_add_test(tc, bounded);
	tcase_add_test(tc, shared_across_fork);
	suite_add_tcase(s, tc);
	return s;
}
