/*
 * check_master.c - the master's parts that need no running daemon: the
 * JSON line log (item ids, the two fatals), the listening sockets, the
 * configuration as mugaid reads it, and the service table.  The running
 * master is tested by tests/integration/mugaid_master.sh.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "master.h"
#include "testutil.h"

/* Runs fn with stderr going into a buffer; returns what it wrote. */
static char *capture(void (*fn)(void))
{
	static char out[16384];
	int p[2], saved = dup(STDERR_FILENO);
	ssize_t n, len = 0;

	ck_assert_int_eq(pipe(p), 0);
	dup2(p[1], STDERR_FILENO);
	close(p[1]);
	fn();
	dup2(saved, STDERR_FILENO);
	close(saved);
	while ((n = read(p[0], out + len, sizeof(out) - 1 - (size_t)len)) > 0)
		len += n;
	close(p[0]);
	out[len] = 0;
	return out;
}

static void some_lines(void)
{
	ck_assert_int_eq(mg_log_open("tester", "stderr"), 0);
	mg_log_set_level(MG_LOG_INFO);
	mg_log_debug("not shown");
	mg_log_set_item("20240501T090000-a1b2c3d4e5f6");
	mg_log_info("accepted %s", "report\xe3\x81\xae.pdf");
	mg_log_set_item(NULL);
	mg_log_item(MG_LOG_WARN, "20240501T090000-000000000001",
	            json_pack("{s:s,s:i}", "event", "blocked", "size", 42), "blocked: %s", "bad\xff");
	mg_log_error("no item here");
	mg_log_set_prog("smtpd[1]");
	mg_log_info("renamed");
}

static json_t *line_at(const char *text, int n)
{
	const char *p = text;

	for (int i = 0; i < n && p; i++) {
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	ck_assert_ptr_nonnull(p);
	return json_loadb(p, strcspn(p, "\n"), 0, NULL);
}

START_TEST(log_lines_are_json_with_item_ids)
{
	char *text = capture(some_lines);
	json_t *a, *b, *c, *d;
	int lines = 0;

	for (const char *p = text; *p; p++)
		lines += *p == '\n';
	ck_assert_int_eq(lines, 4); /* the debug line is below the level */
	a = line_at(text, 0);
	b = line_at(text, 1);
	c = line_at(text, 2);
	d = line_at(text, 3);
	ck_assert_msg(a && b && c && d, "not JSON: %s", text);
	ck_assert_str_eq(json_string_value(json_object_get(a, "level")), "info");
	ck_assert_str_eq(json_string_value(json_object_get(a, "prog")), "tester");
	ck_assert_int_eq(json_integer_value(json_object_get(a, "pid")), getpid());
	ck_assert_str_eq(json_string_value(json_object_get(a, "item")), "20240501T090000-a1b2c3d4e5f6");
	ck_assert_str_eq(json_string_value(json_object_get(a, "msg")), "accepted report\xe3\x81\xae.pdf");
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(a, "time")), "Z"));
	/* an explicit id, extra fields, and bytes that are not UTF-8 */
	ck_assert_str_eq(json_string_value(json_object_get(b, "level")), "warning");
	ck_assert_str_eq(json_string_value(json_object_get(b, "item")), "20240501T090000-000000000001");
	ck_assert_str_eq(json_string_value(json_object_get(b, "event")), "blocked");
	ck_assert_int_eq(json_integer_value(json_object_get(b, "size")), 42);
	ck_assert_str_eq(json_string_value(json_object_get(b, "msg")), "blocked: bad?");
	/* the item was cleared */
	ck_assert_ptr_null(json_object_get(c, "item"));
	ck_assert_str_eq(json_string_value(json_object_get(c, "level")), "error");
	ck_assert_str_eq(json_string_value(json_object_get(d, "prog")), "smtpd[1]");
	json_decref(a);
	json_decref(b);
	json_decref(c);
	json_decref(d);
}
END_TEST

static void a_fatal(void)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		mg_log_open("tester", "stderr");
		mg_log_fatal("cannot read %s", "mugai.conf");
	}
	waitpid(pid, &st, 0);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 1);
}

static void a_panic(void)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		signal(SIGABRT, SIG_DFL);
		mg_log_open("tester", "stderr");
		mg_log_panic("slot %d out of range", 7);
	}
	waitpid(pid, &st, 0);
	ck_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
}

START_TEST(two_kinds_of_fatal)
{
	char *text = capture(a_fatal);
	json_t *j = json_loadb(text, strcspn(text, "\n"), 0, NULL);

	/* the environment: logged, exit 1 */
	ck_assert_str_eq(json_string_value(json_object_get(j, "level")), "fatal");
	ck_assert_str_eq(json_string_value(json_object_get(j, "msg")), "cannot read mugai.conf");
	json_decref(j);
	/* a broken invariant: logged, abort() */
	text = capture(a_panic);
	j = json_loadb(text, strcspn(text, "\n"), 0, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(j, "level")), "panic");
	ck_assert_str_eq(json_string_value(json_object_get(j, "msg")), "slot 7 out of range");
	json_decref(j);
}
END_TEST

START_TEST(log_targets_and_levels)
{
	mg_log_level l;

	ck_assert_int_eq(mg_log_target_check("stderr"), 0);
	ck_assert_int_eq(mg_log_target_check("syslog"), 0);
	ck_assert_int_eq(mg_log_target_check("syslog:local3"), 0);
	ck_assert_int_eq(mg_log_target_check("syslog:mail"), 0);
	ck_assert_int_eq(mg_log_target_check("syslog:nowhere"), -1);
	ck_assert_int_eq(mg_log_target_check("/var/log/mugai.log"), -1);
	ck_assert_int_eq(mg_log_level_parse("warning", &l), 0);
	ck_assert_int_eq(l, MG_LOG_WARN);
	ck_assert_int_eq(mg_log_level_parse("debug", &l), 0);
	ck_assert_int_eq(l, MG_LOG_DEBUG);
	/* fatal and panic are not levels one can silence */
	ck_assert_int_eq(mg_log_level_parse("fatal", &l), -1);
	ck_assert_int_eq(mg_log_level_parse("loud", &l), -1);
}
END_TEST

static int port_of(int fd, int *family)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	*family = ss.ss_family;
	return ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
	                                     : ((struct sockaddr_in6 *)&ss)->sin6_port);
}

START_TEST(listening_sockets)
{
	char *err = NULL, addr[64];
	int fd, fd2, family, port, c;
	struct sockaddr_in sin = { .sin_family = AF_INET };

	fd = mg_listen_tcp("127.0.0.1:0", &err);
	ck_assert_msg(fd >= 0, "%s", err);
	port = port_of(fd, &family);
	ck_assert_int_eq(family, AF_INET);
	ck_assert_int_gt(port, 0);
	ck_assert_int_ne(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
	ck_assert_int_ne(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
	/* it really listens: a connection is queued and accepted */
	c = socket(AF_INET, SOCK_STREAM, 0);
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(connect(c, (struct sockaddr *)&sin, sizeof(sin)), 0);
	fd2 = accept(fd, NULL, NULL);
	ck_assert_int_ge(fd2, 0);
	close(fd2);
	close(c);
	/* the same address twice: refused with the reason */
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
	ck_assert_int_eq(mg_listen_tcp(addr, &err), -1);
	ck_assert_ptr_nonnull(strstr(err, "Address already in use"));
	free(err);
	close(fd);

	/* every address, and IPv6 loopback when the host has it */
	fd = mg_listen_tcp(":0", &err);
	ck_assert_msg(fd >= 0, "%s", err);
	close(fd);
	fd = mg_listen_tcp("*:0", &err);
	ck_assert_msg(fd >= 0, "%s", err);
	close(fd);
	fd = mg_listen_tcp("[::1]:0", &err);
	if (fd >= 0) {
		port_of(fd, &family);
		ck_assert_int_eq(family, AF_INET6);
		close(fd);
	} else {
		free(err);
	}
}
END_TEST

START_TEST(bad_addresses)
{
	static const char *const bad[] = { "localhost", "127.0.0.1:", "127.0.0.1:99999",
	                                   "127.0.0.1:25x", "[::1]25", "[::1", "" };
	char *err = NULL;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(mg_listen_tcp(bad[i], &err), -1);
		ck_assert_msg(err && strstr(err, "expected HOST:PORT"), "'%s': %s", bad[i], err);
		free(err);
	}
	ck_assert_int_eq(mg_listen_tcp("no-such-host.invalid:25", &err), -1);
	ck_assert_ptr_nonnull(err);
	free(err);
}
END_TEST

START_TEST(config_as_mugaid_reads_it)
{
	char path[] = "/tmp/mugai-master-conf-XXXXXX";
	int fd = mkstemp(path);
	char o1[] = "daemon.drain_timeout=9s", o2[] = "workers.cpu=4s",
	     o3[] = "log.target=logfile", o4[] = "daemon.pidfile=/run/x";
	char *over[] = { o1, o2 };
	mg_master_args args = { path, over, 2, 1 };
	char *err = NULL;
	mg_config *c;
	static const char text[] = "[daemon]\nuser = nobody\ndrain_timeout = 3s\n"
	                           "[workers]\ntimeout = 7s\nmemory = 300M\n[log]\nlevel = warning\n";

	ck_assert_int_eq(write(fd, text, sizeof(text) - 1), (ssize_t)sizeof(text) - 1);
	close(fd);
	c = mg_master_load_config(&args, &err);
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_str_eq(c->daemon_user, "nobody");
	ck_assert_uint_eq(c->daemon_drain_timeout, 9); /* -o wins over the file */
	ck_assert_uint_eq(c->workers_cpu, 4);
	ck_assert_str_eq(c->log_level, "warning");
	ck_assert_str_eq(c->log_target, "");
	{
		mg_service_ctx ctx = { "smtpd", 0, 1, c, -1, -1 };
		mg_worker_limits lim;

		mg_service_worker_limits(&ctx, &lim);
		ck_assert_uint_eq(lim.timeout, 7);
		ck_assert_uint_eq(lim.memory, 300ull << 20);
		ck_assert_uint_eq(lim.cpu_seconds, 4);
		ck_assert_uint_eq(lim.max_output, 0);
		ck_assert_str_eq(lim.user, "nobody");
	}
	mg_config_free(c);

	/* a bad override or a bad value is refused with its name */
	over[1] = o3;
	ck_assert_ptr_null(mg_master_load_config(&args, &err));
	ck_assert_ptr_nonnull(strstr(err, "log.target: bad value 'logfile'"));
	free(err);
	over[1] = o4;
	ck_assert_ptr_null(mg_master_load_config(&args, &err));
	ck_assert_ptr_nonnull(strstr(err, "daemon.pidfile: unknown key"));
	free(err);
	unlink(path);
}
END_TEST

START_TEST(service_table)
{
	size_t n;
	const mg_service *s = mg_services(&n);
	int admind = 0;

	for (size_t i = 0; i < n; i++) {
		ck_assert_ptr_nonnull(s[i].name);
		ck_assert_ptr_nonnull(s[i].main);
		if (strcmp(s[i].name, "smtpd") == 0) {
			ck_assert_uint_eq(s[i].count, 0); /* workers.count of them */
			ck_assert_int_eq(s[i].listen, MG_LISTEN_SMTP);
		}
		if (strcmp(s[i].name, "dropd") == 0)
			ck_assert_int_eq(s[i].listen, MG_LISTEN_NONE);
		if (strcmp(s[i].name, "admind") == 0) {
			ck_assert_int_eq(s[i].listen, MG_LISTEN_ADMIN);
			admind = 1;
		}
	}
#if __has_include("admind.c")
	ck_assert_int_eq(admind, 1);
#endif
	(void)admind;
}
END_TEST

Suite *mugai_suite(void)
{
	Suite *s = suite_create("master");
	TCase *tc = tcase_create("parts");

	tcase_add_test(tc, log_lines_are_json_with_item_ids);
	tcase_add_test(tc, two_kinds_of_fatal);
	tcase_add_test(tc, log_targets_and_levels);
	tcase_add_test(tc, listening_sockets);
	tcase_add_test(tc, bad_addresses);
	tcase_add_test(tc, config_as_mugaid_reads_it);
	tcase_add_test(tc, service_table);
	suite_add_tcase(s, tc);
	return s;
}
