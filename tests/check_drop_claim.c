/*
 * check_drop_claim.c - one inbox, several dropd (gateway/dropd/drop_claim.c):
 * a file is claimed by exactly one node, a pending claim is never replaced,
 * a young claim or one with a live lease is left to its node, a dead
 * node's old claim is taken over by one node only and audited, a node
 * finds its own claims again, a finished claim leaves nothing behind, and
 * a slow item's lease is renewed while it runs.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "drop_claim.h"
#include "drop_lease.h"
#include "drop_renew.h"
#include "fileio.h"
#include "quarantine.h"
#include "testutil.h"

#define TIMEOUT 60

static char root[256], inbox[300];
static mq_store *store;

static void setup(void)
{
	char qdir[320], uri[400], *err = NULL;

	snprintf(root, sizeof(root), "/tmp/mugai-check-claim-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
	snprintf(inbox, sizeof(inbox), "%s/inbox", root);
	snprintf(qdir, sizeof(qdir), "%s/q", root);
	snprintf(uri, sizeof(uri), "sqlite:%s/q/index.db", root);
	ck_assert_int_eq(mg_mkdirs(inbox, 0755), 0);
	ck_assert_int_eq(mg_mkdirs(qdir, 0755), 0);
	store = mq_open(qdir, uri, &err);
	ck_assert_msg(store != NULL, "store: %s", err ? err : "?");
}

static void teardown(void)
{
	mq_close(store);
	tu_rm_tree(root);
}

static void drop_file(const char *rel)
{
	char path[600];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", inbox, rel);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(rel, f);
	fclose(f);
}

/* Whether inbox/REL exists (REL below the inbox, .claims/... included). */
static int exists(const char *rel)
{
	char path[700];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", inbox, rel);
	return lstat(path, &st) == 0;
}

START_TEST(one_node_wins_the_rename)
{
	mg_claims a, b;
	char *pa = NULL, *pb = NULL;

	ck_assert_int_eq(mg_claims_open(&a, inbox, "node-a", TIMEOUT, store), 0);
	ck_assert_int_eq(mg_claims_open(&b, inbox, "node-b", TIMEOUT, store), 0);
	drop_file("x.pdf");
	ck_assert_int_eq(mg_claim(&a, "x.pdf", &pa), 1);
	ck_assert_int_eq(mg_claim(&b, "x.pdf", &pb), 0); /* ENOENT: a has it */
	ck_assert_ptr_null(pb);
	ck_assert_str_eq(pa + strlen(inbox), "/.claims/node-a/x.pdf");
	ck_assert(exists(".claims/node-a/x.pdf"));
	ck_assert(!exists("x.pdf"));
	ck_assert(!exists(".claims/node-b/x.pdf"));
	free(pa);
	mg_claims_close(&a);
	mg_claims_close(&b);
}
END_TEST

START_TEST(pending_claim_never_replaced)
{
	mg_claims a;
	char *p = NULL, sub[400];

	snprintf(sub, sizeof(sub), "%s/総務課", inbox);
	ck_assert_int_eq(mg_mkdirs(sub, 0755), 0);
	ck_assert_int_eq(mg_claims_open(&a, inbox, "node-a", TIMEOUT, store), 0);
	drop_file("総務課/same.docx");
	ck_assert_int_eq(mg_claim(&a, "総務課/same.docx", &p), 1);
	free(p);
	p = NULL;
	drop_file("総務課/same.docx");
	/* the second waits in the inbox until the first is done */
	ck_assert_int_eq(mg_claim(&a, "総務課/same.docx", &p), 0);
	ck_assert(exists("総務課/same.docx"));
	ck_assert(exists(".claims/node-a/総務課/same.docx"));
	mg_claims_close(&a);
}
END_TEST

static void count_own(void *arg, const char *rel)
{
	char *seen = arg;

	strcat(seen, rel);
	strcat(seen, ";");
}

START_TEST(own_claims_found_and_done_leaves_nothing)
{
	mg_claims a;
	char *p = NULL, seen[256] = "", sub[400];
	mq_audit_entry *e = NULL;
	size_t n = 0;

	snprintf(sub, sizeof(sub), "%s/d/e", inbox);
	ck_assert_int_eq(mg_mkdirs(sub, 0755), 0);
	ck_assert_int_eq(mg_claims_open(&a, inbox, "node-a", TIMEOUT, store), 0);
	drop_file("d/e/deep.txt");
	ck_assert_int_eq(mg_claim(&a, "d/e/deep.txt", &p), 1);
	mg_claims_each_own(&a, count_own, seen);
	ck_assert_str_eq(seen, "d/e/deep.txt;");
	ck_assert_int_eq(unlink(p), 0); /* as dropd does once the outputs are durable */
	mg_claim_done(&a, "d/e/deep.txt");
	ck_assert(!exists(".claims/node-a/d"));
	ck_assert(exists(".claims/node-a"));
	/* its lease went with it: nothing for a takeover to refuse */
	ck_assert_int_eq(mq_drop_lease_takeover(store, "node-a/d/e/deep.txt", "node-b/d/e/deep.txt",
	                                        "node-b", time(NULL) + 60, NULL),
	                 1);
	ck_assert_int_eq(mq_audit_list(store, 0, 100, &e, &n, NULL), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(e[0].action, "drop_takeover");
	mq_audit_free(e, n);
	free(p);
	mg_claims_close(&a);
}
END_TEST

START_TEST(young_or_leased_claims_stay_dead_ones_move_once)
{
	mg_claims a, b, c;
	char *p = NULL, *err = NULL;
	mq_audit_entry *e = NULL;
	size_t n = 0;
	time_t now = time(NULL);

	ck_assert_int_eq(mg_claims_open(&a, inbox, "node-a", TIMEOUT, store), 0);
	ck_assert_int_eq(mg_claims_open(&b, inbox, "node-b", TIMEOUT, store), 0);
	ck_assert_int_eq(mg_claims_open(&c, inbox, "node-c", TIMEOUT, store), 0);
	drop_file("slow.xlsx");
	ck_assert_int_eq(mg_claim(&a, "slow.xlsx", &p), 1);
	/* young: a may be working on it */
	ck_assert_uint_eq(mg_claims_adopt(&b, now), 0);
	/* old, but a's lease is live (a slow item, a live node) */
	ck_assert_uint_eq(mg_claims_adopt(&b, now + TIMEOUT + 1), 0);
	ck_assert(exists(".claims/node-a/slow.xlsx"));
	/* a died: its lease ran out */
	ck_assert_int_eq(mq_drop_lease_hold(store, "node-a/slow.xlsx", "node-a", now - 1, &err), 0);
	ck_assert_uint_eq(mg_claims_adopt(&b, now + TIMEOUT + 1), 1);
	ck_assert(exists(".claims/node-b/slow.xlsx"));
	ck_assert(!exists(".claims/node-a/slow.xlsx"));
	/* c comes later: b's claim is b's (renamed just now, leased) */
	ck_assert_uint_eq(mg_claims_adopt(&c, now + TIMEOUT + 1), 0);
	ck_assert_uint_eq(mg_claims_adopt(&a, now + TIMEOUT + 1), 0);
	ck_assert(exists(".claims/node-b/slow.xlsx"));
	ck_assert_int_eq(mq_audit_list(store, 0, 100, &e, &n, NULL), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(e[0].action, "drop_takeover");
	ck_assert_str_eq(e[0].actor, "dropd:node-b");
	ck_assert_str_eq(e[0].detail, "claim=node-a/slow.xlsx taken_as=node-b/slow.xlsx");
	mq_audit_free(e, n);
	free(p);
	mg_claims_close(&a);
	mg_claims_close(&b);
	mg_claims_close(&c);
}
END_TEST

START_TEST(without_an_index_the_age_decides)
{
	mg_claims a, b;
	char *p = NULL;
	time_t now = time(NULL);

	ck_assert_int_eq(mg_claims_open(&a, inbox, "node-a", TIMEOUT, NULL), 0);
	ck_assert_int_eq(mg_claims_open(&b, inbox, "node-b", TIMEOUT, NULL), 0);
	drop_file("n.txt");
	ck_assert_int_eq(mg_claim(&a, "n.txt", &p), 1);
	ck_assert_uint_eq(mg_claims_adopt(&b, now + TIMEOUT - 2), 0);
	ck_assert_uint_eq(mg_claims_adopt(&b, now + TIMEOUT + 1), 1);
	ck_assert(exists(".claims/node-b/n.txt"));
	free(p);
	mg_claims_close(&a);
	mg_claims_close(&b);
}
END_TEST

/* A slow item on a live node: its lease is renewed while it runs, so the
 * claim stays with it past the timeout; once renewal stops, it expires and
 * another node may take the claim over. */
START_TEST(renewed_lease_keeps_a_slow_item)
{
	mg_claims a, b;
	mg_claim_renewer r;
	char *p = NULL;

	ck_assert_int_eq(mg_claims_open(&a, inbox, "node-a", 3, store), 0);
	ck_assert_int_eq(mg_claims_open(&b, inbox, "node-b", 3, store), 0);
	drop_file("slow.txt");
	ck_assert_int_eq(mg_claim(&a, "slow.txt", &p), 1);
	mg_claim_renew_start(&r, &a, "slow.txt");
	sleep(5); /* past the first lease's 3 s */
	ck_assert_uint_eq(mg_claims_adopt(&b, time(NULL) + 60), 0);
	ck_assert(exists(".claims/node-a/slow.txt"));
	ck_assert_uint_ge(mg_claim_renew_stop(&r), 2);
	sleep(4); /* no renewal now: the last lease runs out */
	ck_assert_uint_eq(mg_claims_adopt(&b, time(NULL) + 60), 1);
	ck_assert(exists(".claims/node-b/slow.txt"));
	free(p);
	mg_claims_close(&a);
	mg_claims_close(&b);
}
END_TEST

Suite *mugai_suite(void)
{
	Suite *s = suite_create("drop_claim");
	TCase *t = tcase_create("claim");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_add_test(t, one_node_wins_the_rename);
	tcase_add_test(t, pending_claim_never_replaced);
	tcase_add_test(t, own_claims_found_and_done_leaves_nothing);
	tcase_add_test(t, young_or_leased_claims_stay_dead_ones_move_once);
	tcase_add_test(t, without_an_index_the_age_decides);
	tcase_add_test(t, renewed_lease_keeps_a_slow_item);
	suite_add_tcase(s, t);
	return s;
}
