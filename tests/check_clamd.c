/*
 * check_clamd.c - the INSTREAM client against a scripted clamd on a unix
 * socket: chunking, clean, found, clamd's size limit, our size limit, no
 * clamd, a silent clamd.  (The real clamd: tests/integration/clamd.sh.)
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "clamd.h"
#include "conn.h"
#include "testutil.h"

typedef struct fake_clamd {
	char dir[64], path[96];
	int lfd;
	pthread_t th;
	size_t limit;       /* like StreamMaxLength; 0: none */
	bool silent;
	/* what it got */
	unsigned char *data;
	size_t len, chunks, biggest;
	char command[32];
} fake_clamd;

static int read_n(int fd, void *buf, size_t n)
{
	unsigned char *p = buf;

	while (n) {
		ssize_t r = read(fd, p, n);

		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static void answer(int fd, const char *s)
{
	(void)!write(fd, s, strlen(s) + 1);
}

static void *clamd_main(void *arg)
{
	fake_clamd *f = arg;
	int fd = accept(f->lfd, NULL, NULL);
	size_t n = 0;

	if (fd < 0)
		return NULL;
	/* the command, up to its NUL */
	while (n < sizeof(f->command) - 1 && read_n(fd, f->command + n, 1) == 0 && f->command[n])
		n++;
	if (strcmp(f->command, "zPING") == 0) {
		answer(fd, "PONG");
		goto done;
	}
	for (;;) {
		uint32_t be, len;

		if (read_n(fd, &be, 4) < 0)
			goto done;
		len = ntohl(be);
		if (!len)
			break;
		f->chunks++;
		if (len > f->biggest)
			f->biggest = len;
		f->data = realloc(f->data, f->len + len);
		if (read_n(fd, f->data + f->len, len) < 0)
			goto done;
		f->len += len;
		if (f->limit && f->len > f->limit) {
			answer(fd, "INSTREAM size limit exceeded. ERROR");
			goto done;
		}
	}
	if (f->silent) {
		sleep(3);
		goto done;
	}
	if (f->len >= 8 && memmem(f->data, f->len, "EICAR-ish", 9))
		answer(fd, "stream: Test.Sig-1 FOUND");
	else
		answer(fd, "stream: OK");
done:
	close(fd);
	return NULL;
}

static void start(fake_clamd *f)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	signal(SIGPIPE, SIG_IGN);
	snprintf(f->dir, sizeof(f->dir), "/tmp/mugai-clamd-XXXXXX");
	ck_assert(mkdtemp(f->dir) != NULL);
	snprintf(f->path, sizeof(f->path), "%s/clamd.sock", f->dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", f->path);
	f->lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_eq(bind(f->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(f->lfd, 4), 0);
	ck_assert_int_eq(pthread_create(&f->th, NULL, clamd_main, f), 0);
}

static void stop(fake_clamd *f)
{
	shutdown(f->lfd, SHUT_RDWR);
	pthread_join(f->th, NULL);
	close(f->lfd);
	unlink(f->path);
	rmdir(f->dir);
}

START_TEST(clean_in_chunks)
{
	fake_clamd f = { 0 };
	size_t len = 200000;
	unsigned char *data = malloc(len);
	char what[256];

	for (size_t i = 0; i < len; i++)
		data[i] = (unsigned char)(i * 7);
	start(&f);
	mg_clamd_opts o = { f.path, 5, 0 };

	ck_assert_int_eq(mg_clamd_scan(&o, data, len, what, sizeof(what)), MG_CLAMD_CLEAN);
	stop(&f);
	ck_assert_str_eq(f.command, "zINSTREAM");
	/* every byte arrived, in chunks of at most 64K */
	ck_assert_uint_eq(f.len, len);
	ck_assert(memcmp(f.data, data, len) == 0);
	ck_assert_uint_eq(f.chunks, 4);
	ck_assert_uint_le(f.biggest, 65536);
	free(f.data);
	free(data);
}
END_TEST

START_TEST(found)
{
	fake_clamd f = { 0 };
	char what[256];
	const char *data = "hello EICAR-ish world";

	start(&f);
	mg_clamd_opts o = { f.path, 5, 0 };

	ck_assert_int_eq(mg_clamd_scan(&o, data, strlen(data), what, sizeof(what)), MG_CLAMD_FOUND);
	ck_assert_str_eq(what, "Test.Sig-1");
	stop(&f);
	free(f.data);
}
END_TEST

START_TEST(too_large)
{
	fake_clamd f = { .limit = 100000 };
	size_t len = 300000;
	unsigned char *data = calloc(1, len);
	char what[256];

	/* clamd's StreamMaxLength: it says so and hangs up mid-stream */
	start(&f);
	mg_clamd_opts o = { f.path, 5, 0 };

	ck_assert_int_eq(mg_clamd_scan(&o, data, len, what, sizeof(what)), MG_CLAMD_TOO_LARGE);
	ck_assert_str_eq(what, "clamd: INSTREAM size limit exceeded. ERROR");
	stop(&f);
	free(f.data);

	/* ours: not even sent */
	o.max_size = 1000;
	ck_assert_int_eq(mg_clamd_scan(&o, data, len, what, sizeof(what)), MG_CLAMD_TOO_LARGE);
	ck_assert_str_eq(what, "larger than clamd.max_size (1000 bytes)");
	free(data);
}
END_TEST

START_TEST(unreachable_and_silent)
{
	fake_clamd f = { .silent = true };
	char what[256];
	mg_clamd_opts none = { "/tmp/mugai-no-such-dir/clamd.sock", 2, 0 };
	double t0;

	ck_assert_int_eq(mg_clamd_scan(&none, "x", 1, what, sizeof(what)), MG_CLAMD_ERROR);
	ck_assert(strstr(what, "No such file or directory") != NULL);
	ck_assert_int_eq(mg_clamd_ping(&none), -1);

	start(&f);
	mg_clamd_opts o = { f.path, 1, 0 };

	t0 = mg_conn_now();
	ck_assert_int_eq(mg_clamd_scan(&o, "x", 1, what, sizeof(what)), MG_CLAMD_ERROR);
	ck_assert(mg_conn_now() - t0 < 2.5);
	ck_assert(strstr(what, "no reply") != NULL);
	stop(&f);
	free(f.data);
}
END_TEST

START_TEST(ping)
{
	fake_clamd f = { 0 };

	start(&f);
	mg_clamd_opts o = { f.path, 5, 0 };

	ck_assert_int_eq(mg_clamd_ping(&o), 0);
	stop(&f);
	ck_assert_str_eq(f.command, "zPING");
}
END_TEST

Suite *mugai_suite(void)
{
	Suite *s = suite_create("clamd");
	TCase *t = tcase_create("instream");

	tcase_add_test(t, clean_in_chunks);
	tcase_add_test(t, found);
	tcase_add_test(t, too_large);
	tcase_add_test(t, unreachable_and_silent);
	tcase_add_test(t, ping);
	suite_add_tcase(s, t);
	return s;
}
