/*
 * check_metrics.c - counters shared across fork() and their Prometheus
 * text: values, labels, cumulative histogram buckets.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "metrics.h"
#include "testutil.h"

static char *render(void)
{
	size_t len;
	char *s = mg_metrics_render(&len);

	ck_assert(s != NULL);
	ck_assert_uint_eq(strlen(s), len);
	return s;
}

static void has(const char *text, const char *line)
{
	ck_assert_msg(strstr(text, line) != NULL, "missing: %s", line);
}

START_TEST(shared_across_fork)
{
	char *s;

	ck_assert_int_eq(mg_metrics_init(), 0);
	/* three children, as smtpd processes would, each adding */
	for (int i = 0; i < 3; i++) {
		pid_t pid = fork();

		if (pid == 0) {
			mg_metrics_item(MG_CHANNEL_MAIL, "sanitised", 1000, 600, 0.02);
			mg_metrics_item(MG_CHANNEL_MAIL, "deferred", 10, 0, 3.0);
			mg_metrics_worker_restarts(2);
			mg_metrics_smtp_connection(1);
			_exit(0);
		}
		ck_assert_int_gt(pid, 0);
		waitpid(pid, NULL, 0);
	}
	mg_metrics_item(MG_CHANNEL_FILE, "malware", 50, 0, 120.0);
	mg_metrics_item(MG_CHANNEL_FILE, "no-such-verdict", 1, 0, 0.5);
	mg_metrics_inflight(MG_CHANNEL_FILE, 1);
	mg_metrics_queue_depth(7);
	mg_metrics_error("clamd");
	mg_metrics_error("something else");
	mg_metrics_process_restart();
	s = render();
	has(s, "# TYPE mugai_items_total counter\n");
	has(s, "mugai_items_total{channel=\"mail\",verdict=\"sanitised\"} 3\n");
	has(s, "mugai_items_total{channel=\"mail\",verdict=\"deferred\"} 3\n");
	has(s, "mugai_items_total{channel=\"mail\",verdict=\"blocked\"} 0\n");
	has(s, "mugai_items_total{channel=\"file\",verdict=\"malware\"} 1\n");
	has(s, "mugai_items_total{channel=\"file\",verdict=\"error\"} 1\n");
	has(s, "mugai_bytes_in_total{channel=\"mail\"} 3030\n");
	has(s, "mugai_bytes_out_total{channel=\"mail\"} 1800\n");
	/* cumulative buckets: 0.02 s under 0.025, 3 s under 5 */
	has(s, "# TYPE mugai_item_duration_seconds histogram\n");
	has(s, "mugai_item_duration_seconds_bucket{channel=\"mail\",le=\"0.01\"} 0\n");
	has(s, "mugai_item_duration_seconds_bucket{channel=\"mail\",le=\"0.025\"} 3\n");
	has(s, "mugai_item_duration_seconds_bucket{channel=\"mail\",le=\"2.5\"} 3\n");
	has(s, "mugai_item_duration_seconds_bucket{channel=\"mail\",le=\"5\"} 6\n");
	has(s, "mugai_item_duration_seconds_bucket{channel=\"mail\",le=\"+Inf\"} 6\n");
	has(s, "mugai_item_duration_seconds_count{channel=\"mail\"} 6\n");
	has(s, "mugai_item_duration_seconds_sum{channel=\"mail\"} 9.060000\n");
	/* 120 s is above every bound: only +Inf has it */
	has(s, "mugai_item_duration_seconds_bucket{channel=\"file\",le=\"60\"} 1\n");
	has(s, "mugai_item_duration_seconds_bucket{channel=\"file\",le=\"+Inf\"} 2\n");
	has(s, "mugai_inflight{channel=\"file\"} 1\n");
	has(s, "mugai_drop_queue_depth 7\n");
	has(s, "mugai_worker_restarts_total 6\n");
	has(s, "mugai_process_restarts_total 1\n");
	has(s, "mugai_smtp_connections_total 3\n");
	has(s, "mugai_smtp_connections_active 3\n");
	has(s, "mugai_errors_total{kind=\"clamd\"} 1\n");
	has(s, "mugai_errors_total{kind=\"other\"} 1\n");
	/* every line is a comment or "name{labels} value" */
	for (char *line = s, *nl; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		ck_assert(nl != NULL);
		ck_assert(line[0] == '#' || strncmp(line, "mugai_", 6) == 0);
		ck_assert(memchr(line, ' ', (size_t)(nl - line)) != NULL);
	}
	free(s);
}
END_TEST

Suite *mugai_suite(void)
{
	Suite *s = suite_create("metrics");
	TCase *t = tcase_create("metrics");

	tcase_add_test(t, shared_across_fork);
	suite_add_tcase(s, t);
	return s;
}
