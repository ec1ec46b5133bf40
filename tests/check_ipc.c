/* check_ipc.c - typed messages: round trips, descriptors, and every way a reader refuses. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ipc.h"
#include "testutil.h"
#include "worker_proto.h"

static int sv[2];

static void setup(void)
{
	ck_assert_int_eq(mg_ipc_pair(sv), 0);
}

static void teardown(void)
{
	close(sv[0]);
	close(sv[1]);
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* Sends raw bytes (and optionally n copies of fd) as one datagram. */
static void send_raw(const void *data, size_t len, int fd, int nfds)
{
	char control[CMSG_SPACE(sizeof(int) * 16)];
	struct iovec iov = { (void *)(uintptr_t)data, len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (nfds) {
		struct cmsghdr *c;

		memset(control, 0, sizeof(control));
		mh.msg_control = control;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
		for (int i = 0; i < nfds; i++)
			memcpy(CMSG_DATA(c) + i * sizeof(int), &fd, sizeof(int));
	}
	ck_assert_int_eq(sendmsg(sv[0], &mh, 0), (ssize_t)len);
}

START_TEST(round_trip_with_fd)
{
	mg_msg out, in;
	int p[2], fd = -1;
	char *s1, *s2, buf[8] = { 0 };
	uint32_t a;
	uint64_t b;

	ck_assert_int_eq(pipe(p), 0);
	mg_msg_init(&out, MG_MSG_WORKER_JOB);
	mg_msg_put_u32(&out, 0xdeadbeef);
	mg_msg_put_u64(&out, 1ull << 40);
	mg_msg_put_str(&out, "名前.pdf");
	mg_msg_put_str(&out, NULL);
	mg_msg_put_fd(&out, p[1]);
	ck_assert_int_eq(mg_ipc_send(sv[0], &out), 0);
	mg_msg_free(&out);

	ck_assert_int_eq(mg_ipc_recv(sv[1], &in, 1000), 1);
	ck_assert_uint_eq(in.type, MG_MSG_WORKER_JOB);
	ck_assert_int_eq(mg_msg_get_u32(&in, &a), 0);
	ck_assert_int_eq(mg_msg_get_u64(&in, &b), 0);
	ck_assert_int_eq(mg_msg_get_str(&in, &s1, 100), 0);
	ck_assert_int_eq(mg_msg_get_str(&in, &s2, 100), 0);
	ck_assert_int_eq(mg_msg_get_fd(&in, &fd), 0);
	ck_assert_int_eq(mg_msg_end(&in), 0);
	ck_assert_uint_eq(a, 0xdeadbeef);
	ck_assert_uint_eq(b, 1ull << 40);
	ck_assert_str_eq(s1, "名前.pdf");
	ck_assert_ptr_null(s2);
	/* the descriptor is a working copy of the pipe's write end */
	ck_assert_int_ne(fd, p[1]);
	ck_assert_int_eq(write(fd, "ok", 2), 2);
	ck_assert_int_eq(read(p[0], buf, sizeof(buf)), 2);
	ck_assert_str_eq(buf, "ok");
	ck_assert_int_ne(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
	free(s1);
	close(fd);
	mg_msg_free(&in);
	close(p[0]);
	close(p[1]);
}
END_TEST

START_TEST(leftovers_fail)
{
	mg_msg out, in;
	uint32_t a;
	int before = count_fds();
	int fd = open("/dev/null", O_RDONLY);

	mg_msg_init(&out, MG_MSG_WORKER_READY);
	mg_msg_put_u32(&out, 1);
	mg_msg_put_u32(&out, 2);
	mg_msg_put_fd(&out, fd);
	ck_assert_int_eq(mg_ipc_send(sv[0], &out), 0);
	ck_assert_int_eq(mg_ipc_send(sv[0], &out), 0);
	mg_msg_free(&out);
	close(fd);

	/* a byte left over */
	ck_assert_int_eq(mg_ipc_recv(sv[1], &in, 1000), 1);
	ck_assert_int_eq(mg_msg_get_u32(&in, &a), 0);
	ck_assert_int_eq(mg_msg_end(&in), -1);
	mg_msg_free(&in);
	/* every byte read, a descriptor left over: refused, and closed by free */
	ck_assert_int_eq(mg_ipc_recv(sv[1], &in, 1000), 1);
	ck_assert_int_eq(mg_msg_get_u32(&in, &a), 0);
	ck_assert_int_eq(mg_msg_get_u32(&in, &a), 0);
	ck_assert_int_eq(mg_msg_end(&in), -1);
	mg_msg_free(&in);
	ck_assert_int_eq(count_fds(), before);
}
END_TEST

START_TEST(reads_past_the_end_fail)
{
	mg_msg out, in;
	uint32_t a;
	uint64_t b;
	char *s;
	int fd;

	mg_msg_init(&out, MG_MSG_WORKER_READY);
	mg_msg_put_u32(&out, 7);
	ck_assert_int_eq(mg_ipc_send(sv[0], &out), 0);
	mg_msg_free(&out);
	ck_assert_int_eq(mg_ipc_recv(sv[1], &in, 1000), 1);
	ck_assert_int_eq(mg_msg_get_u64(&in, &b), -1);
	/* once bad, always bad: even a read that would fit fails */
	ck_assert_int_eq(mg_msg_get_u32(&in, &a), -1);
	ck_assert_int_eq(mg_msg_get_str(&in, &s, 10), -1);
	ck_assert_int_eq(mg_msg_get_fd(&in, &fd), -1);
	ck_assert_int_eq(fd, -1);
	ck_assert_int_eq(mg_msg_end(&in), -1);
	mg_msg_free(&in);
}
END_TEST

START_TEST(bad_strings_fail)
{
	static const unsigned char nul[] = { 4, 0, 0, 0, 'a', 0, 'b', 'c' };
	mg_msg out, in;
	char *s;

	/* too long for the reader's limit */
	mg_msg_init(&out, MG_MSG_WORKER_READY);
	mg_msg_put_str(&out, "0123456789");
	ck_assert_int_eq(mg_ipc_send(sv[0], &out), 0);
	mg_msg_free(&out);
	ck_assert_int_eq(mg_ipc_recv(sv[1], &in, 1000), 1);
	ck_assert_int_eq(mg_msg_get_str(&in, &s, 9), -1);
	ck_assert_ptr_null(s);
	mg_msg_free(&in);

	/* an embedded NUL would cut a name short */
	mg_msg_init(&out, MG_MSG_WORKER_READY);
	mg_buf_append(&out.data, nul, sizeof(nul));
	ck_assert_int_eq(mg_ipc_send(sv[0], &out), 0);
	mg_msg_free(&out);
	ck_assert_int_eq(mg_ipc_recv(sv[1], &in, 1000), 1);
	ck_assert_int_eq(mg_msg_get_str(&in, &s, 100), -1);
	mg_msg_free(&in);

	/* a length that points past the payload */
	mg_msg_init(&out, MG_MSG_WORKER_READY);
	mg_msg_put_u32(&out, 100);
	ck_assert_int_eq(mg_ipc_send(sv[0], &out), 0);
	mg_msg_free(&out);
	ck_assert_int_eq(mg_ipc_recv(sv[1], &in, 1000), 1);
	ck_assert_int_eq(mg_msg_get_str(&in, &s, 1000), -1);
	mg_msg_free(&in);
}
END_TEST

START_TEST(bad_headers_fail)
{
	unsigned char msg[12] = { MG_IPC_VERSION + 1, 0, 100, 0, 4, 0, 0, 0, 1, 2, 3, 4 };
	mg_msg in;

	/* another protocol version */
	send_raw(msg, sizeof(msg), -1, 0);
	ck_assert_int_eq(mg_ipc_recv(sv[1], &in, 1000), -1);
	ck_assert_int_eq(errno, EPROTO);
	/* a length that does not match the datagram */
	msg[0] = MG_IPC_VERSION;
	msg[4] = 5;
	send_raw(msg, sizeof(msg), -1, 0);
	ck_assert_int_eq(mg_ipc_recv(sv[1], &in, 1000), -1);
	ck_assert_int_eq(errno, EPROTO);
	/* shorter than a header */
	send_raw(msg, 3, -1, 0);
	ck_assert_int_eq(mg_ipc_recv(sv[1], &in, 1000), -1);
	ck_assert_int_eq(errno, EPROTO);
	/* and a good one still goes through after them */
	msg[4] = 4;
	send_raw(msg, sizeof(msg), -1, 0);
	ck_assert_int_eq(mg_ipc_recv(sv[1], &in, 1000), 1);
	ck_assert_uint_eq(in.type, 100);
	mg_msg_free(&in);
}
END_TEST

START_TEST(oversize_and_too_many_fds_fail)
{
	unsigned char *big = calloc(1, MG_IPC_MAX_MSG + 100);
	unsigned char hdr[8] = { MG_IPC_VERSION, 0, 100, 0, 0, 0, 0, 0 };
	int before;
	mg_msg in;

	big[0] = MG_IPC_VERSION;
	send_raw(big, MG_IPC_MAX_MSG + 100, -1, 0);
	ck_assert_int_eq(mg_ipc_recv(sv[1], &in, 1000), -1);
	ck_assert_int_eq(errno, EMSGSIZE);
	free(big);

	before = count_fds();
	send_raw(hdr, sizeof(hdr), sv[0], MG_IPC_MAX_FDS + 3);
	ck_assert_int_eq(mg_ipc_recv(sv[1], &in, 1000), -1);
	ck_assert_int_eq(errno, EMSGSIZE);
	/* whatever descriptors did arrive were closed */
	ck_assert_int_eq(count_fds(), before);
}
END_TEST

START_TEST(writer_limits)
{
	mg_msg out;
	char *s = malloc(MG_IPC_MAX_STR + 2);

	memset(s, 'x', MG_IPC_MAX_STR + 1);
	s[MG_IPC_MAX_STR + 1] = 0;
	mg_msg_init(&out, MG_MSG_WORKER_READY);
	mg_msg_put_str(&out, s);
	ck_assert_int_eq(out.bad, 1);
	ck_assert_int_eq(mg_ipc_send(sv[0], &out), -1);
	ck_assert_int_eq(errno, EINVAL);
	mg_msg_free(&out);

	/* a payload past the maximum */
	s[MG_IPC_MAX_STR] = 0;
	mg_msg_init(&out, MG_MSG_WORKER_READY);
	for (int i = 0; i < MG_IPC_MAX_MSG / MG_IPC_MAX_STR + 1; i++)
		mg_msg_put_str(&out, s);
	ck_assert_int_eq(out.bad, 1);
	mg_msg_free(&out);

	mg_msg_init(&out, MG_MSG_WORKER_READY);
	for (int i = 0; i < MG_IPC_MAX_FDS + 1; i++)
		mg_msg_put_fd(&out, 0);
	ck_assert_int_eq(out.bad, 1);
	mg_msg_free(&out);
	free(s);
}
END_TEST

START_TEST(eof_and_timeout)
{
	mg_msg in;

	ck_assert_int_eq(mg_ipc_recv(sv[1], &in, 50), -1);
	ck_assert_int_eq(errno, ETIMEDOUT);
	close(sv[0]);
	sv[0] = open("/dev/null", O_RDONLY);
	ck_assert_int_eq(mg_ipc_recv(sv[1], &in, 1000), 0);
	/* sending to a closed peer fails without SIGPIPE */
	mg_msg_init(&in, MG_MSG_WORKER_READY);
	ck_assert_int_eq(mg_ipc_send(sv[1], &in), -1);
	ck_assert_int_eq(errno, EPIPE);
	mg_msg_free(&in);
}
END_TEST

START_TEST(job_and_reply_layouts)
{
	char id[] = "20240101T000000-0123456789ab", name[] = "a.eml", type[] = "text/plain",
	     ext[] = "txt", c1[] = "Kq7mZ2", c2[] = "p@ss-77";
	char *cands[] = { c1, c2 };
	mg_job job = { MG_MODE_TEXT, 1, id, name, NULL, 42, 0, 0, NULL, 0 };
	mg_reply r = { id, MG_OK, MG_VERDICT_SANITISED, NULL, type, ext, 5, 10, 0, 0, 0, NULL };
	mg_job j2;
	mg_reply r2;
	mg_msg out, in;

	job.fd = open("/dev/null", O_RDONLY);
	mg_job_encode(&out, &job);
	ck_assert_int_eq(mg_ipc_send(sv[0], &out), 0);
	mg_msg_free(&out);
	ck_assert_int_eq(mg_ipc_recv(sv[1], &in, 1000), 1);
	ck_assert_int_eq(mg_job_decode(&in, &j2), 0);
	ck_assert_uint_eq(j2.mode, MG_MODE_TEXT);
	ck_assert_uint_eq(j2.is_mail, 1);
	ck_assert_str_eq(j2.item_id, job.item_id);
	ck_assert_str_eq(j2.name, "a.eml");
	ck_assert_ptr_null(j2.declared_type);
	ck_assert_uint_eq(j2.len, 42);
	ck_assert_int_ge(j2.fd, 0);
	mg_job_clear(&j2);
	mg_msg_free(&in);

	/* a job read as a reply is refused */
	mg_job_encode(&out, &job);
	ck_assert_int_eq(mg_ipc_send(sv[0], &out), 0);
	mg_msg_free(&out);
	ck_assert_int_eq(mg_ipc_recv(sv[1], &in, 1000), 1);
	ck_assert_int_eq(mg_reply_decode(&in, &r2), -1);
	mg_reply_clear(&r2);
	mg_msg_free(&in);

	/* a sanitised reply must carry the artefact's descriptor too; a
	 * mail's candidate passwords come back with it, in order */
	r.report_fd = r.out_fd = job.fd;
	r.candidates = cands;
	r.n_candidates = 2;
	mg_reply_encode(&out, &r);
	ck_assert_int_eq(mg_ipc_send(sv[0], &out), 0);
	mg_msg_free(&out);
	ck_assert_int_eq(mg_ipc_recv(sv[1], &in, 1000), 1);
	ck_assert_int_eq(mg_reply_decode(&in, &r2), 0);
	ck_assert_str_eq(r2.out_type, "text/plain");
	ck_assert_int_ge(r2.out_fd, 0);
	ck_assert_uint_eq(r2.n_candidates, 2);
	ck_assert_str_eq(r2.candidates[0], "Kq7mZ2");
	ck_assert_str_eq(r2.candidates[1], "p@ss-77");
	mg_reply_clear(&r2);
	r.candidates = NULL;
	r.n_candidates = 0;
	mg_msg_free(&in);

	r.verdict = MG_VERDICT_BLOCKED; /* now one descriptor is left over */
	mg_reply_encode(&out, &r);
	mg_msg_put_fd(&out, job.fd);
	ck_assert_int_eq(mg_ipc_send(sv[0], &out), 0);
	mg_msg_free(&out);
	ck_assert_int_eq(mg_ipc_recv(sv[1], &in, 1000), 1);
	ck_assert_int_eq(mg_reply_decode(&in, &r2), -1);
	mg_reply_clear(&r2);
	mg_msg_free(&in);
	close(job.fd);
}
END_TEST

/* A job's candidate passwords: they travel in order, and the reader
 * refuses a count or a length past the limits, an empty one and a NULL. */
START_TEST(job_passwords_bounded)
{
	char id[] = "20240101T000000-0123456789ab", name[] = "a.zip", pa[] = "secret1",
	     pb[] = "\xe3\x83\x91\xe3\x82\xb9\xef\xbc\x91", empty[] = "";
	char long_pw[MG_WORKER_MAX_PASSWORD_LEN + 2];
	char *two[] = { pa, pb }, *many[MG_WORKER_MAX_PASSWORDS + 1];
	mg_job job = { MG_MODE_DEFAULT, 0, id, name, NULL, 0, -1, 2, two, 0 };
	mg_job j2;
	mg_msg out, in;

	job.fd = open("/dev/null", O_RDONLY);
	mg_job_encode(&out, &job);
	ck_assert_int_eq(mg_ipc_send(sv[0], &out), 0);
	mg_msg_free(&out);
	ck_assert_int_eq(mg_ipc_recv(sv[1], &in, 1000), 1);
	ck_assert_int_eq(mg_job_decode(&in, &j2), 0);
	ck_assert_uint_eq(j2.n_passwords, 2);
	ck_assert_str_eq(j2.passwords[0], pa);
	ck_assert_str_eq(j2.passwords[1], pb);
	mg_job_clear(&j2);
	ck_assert_ptr_null(j2.passwords);
	mg_msg_free(&in);

	/* the writer refuses what the reader would */
	memset(long_pw, 'x', sizeof(long_pw) - 1);
	long_pw[sizeof(long_pw) - 1] = 0;
	for (size_t i = 0; i < MG_WORKER_MAX_PASSWORDS + 1; i++)
		many[i] = pa;
	job.passwords = many;
	job.n_passwords = MG_WORKER_MAX_PASSWORDS + 1;
	mg_job_encode(&out, &job);
	ck_assert(out.bad);
	mg_msg_free(&out);
	two[1] = long_pw;
	job.passwords = two;
	job.n_passwords = 2;
	mg_job_encode(&out, &job);
	ck_assert(out.bad);
	mg_msg_free(&out);
	two[1] = empty;
	mg_job_encode(&out, &job);
	ck_assert(out.bad);
	mg_msg_free(&out);

	/* and the reader refuses them when forged field by field */
	for (int c = 0; c < 4; c++) {
		mg_msg_init(&out, MG_MSG_WORKER_JOB);
		mg_msg_put_u32(&out, MG_MODE_DEFAULT);
		mg_msg_put_u32(&out, 0);
		mg_msg_put_str(&out, id);
		mg_msg_put_str(&out, name);
		mg_msg_put_str(&out, NULL);
		mg_msg_put_u64(&out, 0);
		if (c == 0) {
			mg_msg_put_u32(&out, MG_WORKER_MAX_PASSWORDS + 1);
			for (int i = 0; i < MG_WORKER_MAX_PASSWORDS + 1; i++)
				mg_msg_put_str(&out, pa);
		} else {
			mg_msg_put_u32(&out, 2);
			mg_msg_put_str(&out, pa);
			mg_msg_put_str(&out, c == 1 ? long_pw : c == 2 ? empty : NULL);
		}
		mg_msg_put_fd(&out, job.fd);
		ck_assert_int_eq(mg_ipc_send(sv[0], &out), 0);
		mg_msg_free(&out);
		ck_assert_int_eq(mg_ipc_recv(sv[1], &in, 1000), 1);
		ck_assert_msg(mg_job_decode(&in, &j2) == -1, "forged job %d accepted", c);
		mg_job_clear(&j2);
		mg_msg_free(&in);
	}
	close(job.fd);
}
END_TEST

START_TEST(memfd_seals_checked)
{
	static const char data[] = "sealed bytes";
	int fd = mg_memfd_sealed("t", data, sizeof(data) - 1);
	unsigned char *back;

	ck_assert_int_ge(fd, 0);
	/* sealed: neither written nor grown */
	ck_assert_int_eq(write(fd, "x", 1), -1);
	ck_assert_int_eq(ftruncate(fd, 100), -1);
	back = mg_memfd_read(fd, sizeof(data) - 1, 100);
	ck_assert_ptr_nonnull(back);
	ck_assert_str_eq((char *)back, data);
	free(back);
	/* a size other than announced, or over the maximum, is refused */
	ck_assert_ptr_null(mg_memfd_read(fd, sizeof(data), 100));
	ck_assert_ptr_null(mg_memfd_read(fd, sizeof(data) - 1, 4));
	close(fd);
	/* an unsealed memfd is refused */
	fd = memfd_create("u", MFD_ALLOW_SEALING);
	ck_assert_int_eq(write(fd, "abc", 3), 3);
	ck_assert_int_eq(mg_memfd_check(fd, 3), -1);
	ck_assert_ptr_null(mg_memfd_read(fd, 3, 100));
	close(fd);
	/* and so is a plain file */
	fd = open("/dev/null", O_RDONLY);
	ck_assert_int_eq(mg_memfd_check(fd, 0), -1);
	close(fd);
}
END_TEST

Suite *mugai_suite(void)
{
	Suite *s = suite_create("ipc");
	TCase *tc = tcase_create("messages");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, round_trip_with_fd);
	tcase_add_test(tc, leftovers_fail);
	tcase_add_test(tc, reads_past_the_end_fail);
	tcase_add_test(tc, bad_strings_fail);
	tcase_add_test(tc, bad_headers_fail);
	tcase_add_test(tc, oversize_and_too_many_fds_fail);
	tcase_add_test(tc, writer_limits);
	tcase_add_test(tc, eof_and_timeout);
	tcase_add_test(tc, job_and_reply_layouts);
	tcase_add_test(tc, job_passwords_bounded);
	tcase_add_test(tc, memfd_seals_checked);
	suite_add_tcase(s, tc);
	return s;
}
