/*
 * check_smtp_proto.c - the SMTP grammar (commands, paths, parameters, the
 * DATA decoder, dot-stuffing, replies, Received:) and the server session
 * driven over a socketpair: pipelining, limits, timeouts, drain, STARTTLS.
 */
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conn.h"
#include "smtp_proto.h"
#include "smtp_session.h"
#include "testutil.h"
#include "tu_tls.h"

/* --- commands ------------------------------------------------------------ */

START_TEST(command_verbs)
{
	mg_smtp_cmd c;

	mg_smtp_parse_command("ehlo client.example", &c);
	ck_assert_int_eq(c.verb, MG_SMTP_EHLO);
	ck_assert_str_eq(c.arg, "client.example");
	mg_smtp_parse_command("MAIL FROM:<a@b.example>", &c);
	ck_assert_int_eq(c.verb, MG_SMTP_MAIL);
	ck_assert_str_eq(c.arg, "FROM:<a@b.example>");
	mg_smtp_parse_command("QUIT", &c);
	ck_assert_int_eq(c.verb, MG_SMTP_QUIT);
	ck_assert_str_eq(c.arg, "");
	mg_smtp_parse_command("StartTLS", &c);
	ck_assert_int_eq(c.verb, MG_SMTP_STARTTLS);
	mg_smtp_parse_command("MAILX FROM:<a@b>", &c);
	ck_assert_int_eq(c.verb, MG_SMTP_UNKNOWN);
	mg_smtp_parse_command("GET / HTTP/1.1", &c);
	ck_assert_int_eq(c.verb, MG_SMTP_HTTP);
	mg_smtp_parse_command("", &c);
	ck_assert_int_eq(c.verb, MG_SMTP_UNKNOWN);
}
END_TEST

/* --- paths ------------------------------------------------------------ */

static int path(const char *arg, const char *prefix, bool null_ok, char *addr, const char **params,
                const char **why)
{
	return mg_smtp_parse_path(arg, prefix, null_ok, addr, MG_SMTP_PATH_MAX + 1, params, why);
}

START_TEST(path_valid)
{
	char a[MG_SMTP_PATH_MAX + 1];
	const char *params, *why;

	ck_assert_int_eq(path("FROM:<alice@example.org>", "FROM:", true, a, &params, &why), 0);
	ck_assert_str_eq(a, "alice@example.org");
	ck_assert_str_eq(params, "");
	ck_assert_int_eq(path("from: <alice@example.org> SIZE=12 BODY=8BITMIME", "FROM:", true, a,
	                      &params, &why), 0);
	ck_assert_str_eq(a, "alice@example.org");
	ck_assert_str_eq(params, "SIZE=12 BODY=8BITMIME");
	ck_assert_int_eq(path("FROM:<>", "FROM:", true, a, &params, &why), 0);
	ck_assert_str_eq(a, "");
	ck_assert_int_eq(path("TO:<@relay.example,@b.example:bob@example.jp>", "TO:", false, a,
	                      &params, &why), 0);
	ck_assert_str_eq(a, "bob@example.jp");
	ck_assert_int_eq(path("TO:<\"john smith\"@example.jp>", "TO:", false, a, &params, &why), 0);
	ck_assert_str_eq(a, "\"john smith\"@example.jp");
	ck_assert_int_eq(path("TO:<Postmaster>", "TO:", false, a, &params, &why), 0);
	ck_assert_str_eq(a, "Postmaster");
	ck_assert_int_eq(path("TO:<x@[192.0.2.1]>", "TO:", false, a, &params, &why), 0);
	ck_assert_str_eq(a, "x@[192.0.2.1]");
}
END_TEST

START_TEST(path_invalid)
{
	char a[MG_SMTP_PATH_MAX + 1], longpath[400];
	const char *params, *why;

	ck_assert_int_eq(path("TO:<>", "TO:", false, a, &params, &why), -1);
	ck_assert_str_eq(why, "5.1.3 Bad recipient address syntax");
	ck_assert_int_eq(path("FROM:alice@example.org", "FROM:", true, a, &params, &why), -1);
	ck_assert_str_eq(why, "5.1.7 Bad sender address syntax");
	ck_assert_int_eq(path("TO:<bob@example.org", "TO:", false, a, &params, &why), -1);
	ck_assert_int_eq(path("TO:<bob@example.org>junk", "TO:", false, a, &params, &why), -1);
	ck_assert_int_eq(path("TO:<bob>", "TO:", false, a, &params, &why), -1);
	ck_assert_int_eq(path("TO:<bob@-bad.example>", "TO:", false, a, &params, &why), -1);
	ck_assert_int_eq(path("TO:<bob@bad..example>", "TO:", false, a, &params, &why), -1);
	ck_assert_int_eq(path("TO:<.bob@example.org>", "TO:", false, a, &params, &why), -1);
	ck_assert_int_eq(path("TO:<bo b@example.org>", "TO:", false, a, &params, &why), -1);
	/* nothing that could end a command line of ours may pass */
	ck_assert_int_eq(path("TO:<bob@example.org\r\nRCPT TO:<x@y.z>>", "TO:", false, a, &params,
	                      &why), -1);
	ck_assert_int_eq(path("TO:<\"a\rb\"@example.org>", "TO:", false, a, &params, &why), -1);
	ck_assert_int_eq(path("TO:<b\xc3\xb6" "b@example.org>", "TO:", false, a, &params, &why), -1);
	ck_assert_str_eq(why, "5.6.7 Non-ASCII address without SMTPUTF8");
	ck_assert_int_eq(path("RCPT:<bob@example.org>", "TO:", false, a, &params, &why), -1);
	ck_assert_str_eq(why, "5.5.4 Syntax: RCPT TO:<address>");
	memset(longpath, 'a', sizeof(longpath));
	memcpy(longpath, "TO:<", 4);
	memcpy(longpath + 300, "@example.org>", 14);
	ck_assert_int_eq(path(longpath, "TO:", false, a, &params, &why), -1);
	ck_assert_str_eq(why, "5.5.4 Path too long");
}
END_TEST

START_TEST(mail_params)
{
	mg_smtp_mail_params mp;
	const char *why;

	ck_assert_int_eq(mg_smtp_parse_mail_params("SIZE=12345 BODY=8BITMIME", &mp, &why), 0);
	ck_assert_uint_eq(mp.size, 12345);
	ck_assert(mp.body_8bit);
	ck_assert_int_eq(mg_smtp_parse_mail_params("body=7bit", &mp, &why), 0);
	ck_assert(!mp.body_8bit);
	ck_assert_uint_eq(mp.size, 0);
	ck_assert_int_eq(mg_smtp_parse_mail_params("SIZE=12x", &mp, &why), -1);
	ck_assert_str_eq(why, "5.5.4 Bad SIZE parameter");
	ck_assert_int_eq(mg_smtp_parse_mail_params("SIZE=123456789012345678901", &mp, &why), -1);
	ck_assert_int_eq(mg_smtp_parse_mail_params("AUTH=<>", &mp, &why), -1);
	ck_assert_str_eq(why, "5.5.4 Unsupported MAIL parameter");
}
END_TEST

/* --- DATA ------------------------------------------------------------- */

/* Decodes in (fed in chunks of step bytes) into out; returns consumed. */
static size_t decode(const char *in, size_t step, mg_buf *out, mg_smtp_data *d)
{
	size_t len = strlen(in), used = 0;

	mg_smtp_data_init(d, out);
	while (used < len && !d->done) {
		size_t n = len - used < step ? len - used : step;

		used += mg_smtp_data_feed(d, (const unsigned char *)in + used, n);
	}
	return used;
}

START_TEST(data_unstuff_and_stop)
{
	const char *in = "Subject: x\r\n\r\n..leading dot\r\n.x\r\nend\r\n.\r\nQUIT\r\n";
	mg_smtp_data d;
	mg_buf out;

	for (size_t step = 1; step <= 64; step *= 4) {
		mg_buf_init(&out, 1 << 20);
		size_t used = decode(in, step, &out, &d);

		ck_assert(d.done);
		ck_assert_str_eq((char *)out.data, "Subject: x\r\n\r\n.leading dot\r\nx\r\nend\r\n");
		/* the pipelined QUIT is left for the session */
		ck_assert_str_eq(in + used, "QUIT\r\n");
		ck_assert(!d.bare_lf);
		mg_buf_free(&out);
	}
}
END_TEST

START_TEST(data_empty_message)
{
	mg_smtp_data d;
	mg_buf out;

	mg_buf_init(&out, 100);
	ck_assert_uint_eq(decode(".\r\nRSET\r\n", 100, &out, &d), 3);
	ck_assert(d.done);
	ck_assert_uint_eq(out.len, 0);
	mg_buf_free(&out);
}
END_TEST

START_TEST(data_bare_lf)
{
	mg_smtp_data d;
	mg_buf out;

	/* bare LF lines are normalised to CRLF; "\n.\n" and "\r\n.\n" do not
	 * end the data (SMTP smuggling), only CRLF.CRLF does */
	mg_buf_init(&out, 1 << 20);
	decode("a\nb\n.\nMAIL FROM:<evil@x.y>\n.\r\nc\r\n.\r\n", 7, &out, &d);
	ck_assert(d.done);
	ck_assert(d.bare_lf);
	ck_assert_str_eq((char *)out.data, "a\r\nb\r\n.\r\nMAIL FROM:<evil@x.y>\r\n.\r\nc\r\n");
	mg_buf_free(&out);

	mg_buf_init(&out, 1 << 20);
	decode("x\n.\r\ny\r\n.\r\n", 3, &out, &d);
	ck_assert(d.done);
	ck_assert_str_eq((char *)out.data, "x\r\n.\r\ny\r\n");
	mg_buf_free(&out);

	/* a lone CR is content, not a line end */
	mg_buf_init(&out, 1 << 20);
	decode("p\rq\r\n.\rz\r\n.\r\n", 1, &out, &d);
	ck_assert(d.done);
	ck_assert_str_eq((char *)out.data, "p\rq\r\n\rz\r\n");
	mg_buf_free(&out);
}
END_TEST

START_TEST(data_overflow)
{
	mg_smtp_data d;
	mg_buf out;
	char in[400];

	memset(in, 'x', 300);
	strcpy(in + 300, "\r\n.\r\nNOOP\r\n");
	mg_buf_init(&out, 100);
	size_t used = decode(in, 50, &out, &d);

	/* read to the end, stored nothing past the maximum */
	ck_assert(d.done);
	ck_assert(d.overflow);
	ck_assert_uint_eq(d.total, 302);
	ck_assert_uint_le(out.len, 100);
	ck_assert_str_eq(in + used, "NOOP\r\n");
	ck_assert_uint_eq(d.longest, 300);
	mg_buf_free(&out);
}
END_TEST

START_TEST(dot_stuff_round_trip)
{
	const char *msg = ".hidden\r\nline\n..two\r\nlast without newline";
	mg_smtp_data d;
	mg_buf stuffed, back;

	mg_buf_init(&stuffed, 1 << 20);
	ck_assert_int_eq(mg_smtp_dot_stuff(&stuffed, (const unsigned char *)msg, strlen(msg)), 0);
	ck_assert_str_eq((char *)stuffed.data,
	                 "..hidden\r\nline\r\n...two\r\nlast without newline\r\n.\r\n");
	mg_buf_init(&back, 1 << 20);
	ck_assert_uint_eq(decode((char *)stuffed.data, 5, &back, &d), stuffed.len);
	ck_assert_str_eq((char *)back.data, ".hidden\r\nline\r\n..two\r\nlast without newline\r\n");
	mg_buf_free(&stuffed);
	mg_buf_free(&back);

	mg_buf_init(&stuffed, 10);
	ck_assert_int_eq(mg_smtp_dot_stuff(&stuffed, (const unsigned char *)msg, strlen(msg)), -1);
	mg_buf_free(&stuffed);
}
END_TEST

/* A byte-at-a-time reference of the stuffing rules, to check the
 * piecewise stuffer against. */
static void stuff_reference(mg_buf *out, const char *m, size_t n)
{
	bool bol = true;

	for (size_t i = 0; i < n; i++) {
		if (bol && m[i] == '.')
			mg_buf_putc(out, '.');
		bol = false;
		if (m[i] == '\n') {
			if (i == 0 || m[i - 1] != '\r')
				mg_buf_putc(out, '\r');
			bol = true;
		}
		mg_buf_putc(out, m[i]);
	}
	if (!bol)
		mg_buf_puts(out, "\r\n");
	mg_buf_puts(out, ".\r\n");
}

/* Stuffed in two or three pieces, cut anywhere (between CR and LF,
 * before a leading dot, inside a line), the result is the same bytes. */
START_TEST(dot_stuff_in_pieces)
{
	static const char *const msgs[] = {
		".hidden\r\nline\n..two\r\nlast without newline",
		"\n\n.\r\n.\n\r\r\n..",
		"a\r",
		"",
		"Subject: x\r\n\r\n.\r\n",
	};

	for (size_t k = 0; k < sizeof(msgs) / sizeof(msgs[0]); k++) {
		const char *m = msgs[k];
		size_t n = strlen(m);
		mg_buf want;

		mg_buf_init(&want, 1 << 20);
		stuff_reference(&want, m, n);
		for (size_t a = 0; a <= n; a++)
			for (size_t b = a; b <= n; b++) {
				mg_smtp_stuffer st;
				mg_buf got;

				mg_buf_init(&got, 1 << 20);
				mg_smtp_stuff_init(&st);
				ck_assert_int_eq(mg_smtp_stuff_feed(&st, &got, (const unsigned char *)m, a), 0);
				ck_assert_int_eq(mg_smtp_stuff_feed(&st, &got, (const unsigned char *)m + a,
				                                    b - a), 0);
				ck_assert_int_eq(mg_smtp_stuff_feed(&st, &got, (const unsigned char *)m + b,
				                                    n - b), 0);
				ck_assert_int_eq(mg_smtp_stuff_end(&st, &got), 0);
				ck_assert_msg(got.len == want.len && memcmp(got.data, want.data, got.len) == 0,
				              "message %zu cut at %zu and %zu: '%s' instead of '%s'", k, a, b,
				              (char *)got.data, (char *)want.data);
				mg_buf_free(&got);
			}
		mg_buf_free(&want);
	}
}
END_TEST

START_TEST(reply_lines)
{
	int code;
	bool last;
	const char *text;

	ck_assert_int_eq(mg_smtp_parse_reply_line("250-PIPELINING", &code, &last, &text), 0);
	ck_assert_int_eq(code, 250);
	ck_assert(!last);
	ck_assert_str_eq(text, "PIPELINING");
	ck_assert_int_eq(mg_smtp_parse_reply_line("451 4.3.0 try later", &code, &last, &text), 0);
	ck_assert(last);
	ck_assert_str_eq(text, "4.3.0 try later");
	ck_assert_int_eq(mg_smtp_parse_reply_line("250", &code, &last, &text), 0);
	ck_assert(last);
	ck_assert_int_eq(mg_smtp_parse_reply_line("2500 x", &code, &last, &text), -1);
	ck_assert_int_eq(mg_smtp_parse_reply_line("hello", &code, &last, &text), -1);
	ck_assert_int_eq(mg_smtp_parse_reply_line("150 x", &code, &last, &text), -1);
}
END_TEST

START_TEST(received_header)
{
	mg_smtp_trace t = { "evil\r\nX-Injected: 1", "[192.0.2.7]", "mugai.example.lg.jp",
		            "20240501T090000-a1b2c3d4e5f6", "bob@example.lg.jp", true, true,
		            1714554000 };
	mg_buf b;

	mg_buf_init(&b, 4096);
	ck_assert_int_eq(mg_smtp_received(&b, &t), 0);
	ck_assert_str_eq((char *)b.data,
	                 "Received: from evil??X-Injected:?1 ([192.0.2.7])\r\n"
	                 "\tby mugai.example.lg.jp (mugai) with ESMTPS id 20240501T090000-a1b2c3d4e5f6\r\n"
	                 "\tfor <bob@example.lg.jp>; Wed, 1 May 2024 09:00:00 +0000\r\n");
	mg_buf_free(&b);
}
END_TEST

/* --- the session over a socketpair -------------------------------------- */

typedef struct run {
	mg_smtp_server srv;
	int fd;
	int rc;
	mg_smtp_stats stats;
	pthread_t th;
	/* what the deliver callback saw */
	int calls;
	char sender[MG_SMTP_PATH_MAX + 1];
	char rcpts[8][MG_SMTP_PATH_MAX + 1];
	size_t nrcpts;
	bool tls, esmtp, bare_lf;
	char helo[256];
	char msg[4096];
	int answer; /* the code deliver answers with */
} run;

static void record(void *ctx, const mg_smtp_envelope *env, const unsigned char *msg, size_t len,
                   mg_smtp_reply *reply)
{
	run *r = ctx;

	r->calls++;
	snprintf(r->sender, sizeof(r->sender), "%s", env->sender);
	r->nrcpts = env->nrcpts;
	for (size_t i = 0; i < env->nrcpts && i < 8; i++)
		snprintf(r->rcpts[i], sizeof(r->rcpts[i]), "%s", env->rcpts[i]);
	r->tls = env->tls;
	r->esmtp = env->esmtp;
	r->bare_lf = env->bare_lf;
	snprintf(r->helo, sizeof(r->helo), "%s", env->helo);
	snprintf(r->msg, sizeof(r->msg), "%.*s", (int)len, (const char *)msg);
	if (r->answer == 250)
		mg_smtp_reply_set(reply, 250, "2.0.0 Ok: delivered as TESTID");
	else
		mg_smtp_reply_set(reply, r->answer, "4.4.1 next hop down");
}

static void *serve(void *arg)
{
	run *r = arg;

	r->rc = mg_smtp_session(&r->srv, r->fd, "[127.0.0.1]", &r->stats);
	return NULL;
}

/* Sets up a session with the test's defaults (change them before go()). */
static void prepare(run *r, SSL_CTX *tls, int drain_fd, unsigned timeout)
{
	memset(r, 0, sizeof(*r));
	r->srv.hostname = "mugai.test";
	r->srv.max_size = 1000;
	r->srv.max_rcpts = 3;
	r->srv.timeout = timeout;
	r->srv.data_timeout = 5;
	r->srv.tls = tls;
	r->srv.drain_fd = drain_fd;
	r->srv.deliver = record;
	r->srv.ctx = r;
	r->answer = 250;
}

/* Starts the session thread; returns the client's end. */
static void go(run *r, mg_conn *client)
{
	int sv[2];

	signal(SIGPIPE, SIG_IGN);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	r->fd = sv[0];
	mg_conn_init(client, sv[1], 5000);
	ck_assert_int_eq(pthread_create(&r->th, NULL, serve, r), 0);
}

static void start(run *r, mg_conn *client, SSL_CTX *tls, int drain_fd, unsigned timeout)
{
	prepare(r, tls, drain_fd, timeout);
	go(r, client);
}

static void finish(run *r, mg_conn *client)
{
	mg_conn_close(client);
	pthread_join(r->th, NULL);
}

/* Reads one whole reply; its lines joined with '|' in out, the code back. */
static int get_reply(mg_conn *c, char *out, size_t cap)
{
	char line[1024];
	bool last = false, crlf;
	int code = -1;

	out[0] = 0;
	while (!last) {
		size_t len;
		const char *text;

		if (mg_conn_read_line(c, line, sizeof(line), &len, &crlf) < 0)
			return -1;
		ck_assert(crlf);
		ck_assert_int_eq(mg_smtp_parse_reply_line(line, &code, &last, &text), 0);
		if (out[0])
			strncat(out, "|", cap - strlen(out) - 1);
		strncat(out, line, cap - strlen(out) - 1);
	}
	return code;
}

static void say(mg_conn *c, const char *s)
{
	ck_assert_int_eq(mg_conn_write(c, s, strlen(s)), 0);
	ck_assert_int_eq(mg_conn_flush(c), 0);
}

static void expect(mg_conn *c, const char *want)
{
	char got[4096];

	get_reply(c, got, sizeof(got));
	ck_assert_str_eq(got, want);
}

START_TEST(session_pipelined_transaction)
{
	run r;
	mg_conn c;

	start(&r, &c, NULL, -1, 5);
	expect(&c, "220 mugai.test ESMTP mugai");
	say(&c, "EHLO client.example\r\n");
	expect(&c, "250-mugai.test|250-PIPELINING|250-SIZE 1000|250-8BITMIME|250 ENHANCEDSTATUSCODES");
	/* one segment: the replies come back in order */
	say(&c, "MAIL FROM:<alice@example.org> SIZE=80\r\nRCPT TO:<bob@example.lg.jp>\r\n"
	        "RCPT TO:<carol@example.lg.jp>\r\nDATA\r\n");
	expect(&c, "250 2.1.0 Ok");
	expect(&c, "250 2.1.5 Ok");
	expect(&c, "250 2.1.5 Ok");
	expect(&c, "354 End data with <CR><LF>.<CR><LF>");
	say(&c, "Subject: hi\r\n\r\n..dot\r\nbody\r\n.\r\nQUIT\r\n");
	expect(&c, "250 2.0.0 Ok: delivered as TESTID");
	expect(&c, "221 2.0.0 Bye");
	finish(&r, &c);
	ck_assert_int_eq(r.rc, 0);
	ck_assert_int_eq(r.calls, 1);
	ck_assert_str_eq(r.sender, "alice@example.org");
	ck_assert_uint_eq(r.nrcpts, 2);
	ck_assert_str_eq(r.rcpts[0], "bob@example.lg.jp");
	ck_assert_str_eq(r.rcpts[1], "carol@example.lg.jp");
	ck_assert_str_eq(r.msg, "Subject: hi\r\n\r\n.dot\r\nbody\r\n");
	ck_assert_str_eq(r.helo, "client.example");
	ck_assert(r.esmtp);
	ck_assert(!r.tls);
	ck_assert_uint_eq(r.stats.accepted, 1);
}
END_TEST

START_TEST(session_sequence_errors)
{
	run r;
	mg_conn c;
	char longline[700];

	start(&r, &c, NULL, -1, 5);
	expect(&c, "220 mugai.test ESMTP mugai");
	say(&c, "MAIL FROM:<a@b.example>\r\n");
	expect(&c, "503 5.5.1 Error: send HELO/EHLO first");
	say(&c, "HELO client\r\nRCPT TO:<b@c.example>\r\nDATA\r\n");
	expect(&c, "250 mugai.test");
	expect(&c, "503 5.5.1 Error: need MAIL command");
	expect(&c, "503 5.5.1 Error: need MAIL command");
	say(&c, "MAIL FROM:<a@b.example>\r\nDATA\r\nMAIL FROM:<a@b.example>\r\n");
	expect(&c, "250 2.1.0 Ok");
	expect(&c, "503 5.5.1 Error: need RCPT command");
	expect(&c, "503 5.5.1 Error: nested MAIL command");
	say(&c, "RCPT TO:<bob@example.org> NOTIFY=NEVER\r\nRCPT TO:bob@example.org\r\n");
	expect(&c, "555 5.5.4 Unsupported RCPT parameter");
	expect(&c, "501 5.1.3 Bad recipient address syntax");
	memset(longline, 'A', sizeof(longline));
	memcpy(longline, "NOOP ", 5);
	memcpy(longline + sizeof(longline) - 3, "\r\n", 3);
	say(&c, longline);
	expect(&c, "500 5.5.2 Error: line too long");
	say(&c, "VRFY bob\r\nEXPN staff\r\nBDAT 10 LAST\r\nXYZZY\r\nRSET\r\nNOOP\r\n");
	expect(&c, "252 2.5.2 Cannot VRFY user, but will accept message and attempt delivery");
	expect(&c, "502 5.5.1 Error: EXPN not supported");
	expect(&c, "500 5.5.2 Error: command not recognized");
	expect(&c, "500 5.5.2 Error: command not recognized");
	expect(&c, "250 2.0.0 Ok");
	expect(&c, "250 2.0.0 Ok");
	say(&c, "STARTTLS\r\nQUIT\r\n");
	expect(&c, "502 5.5.1 Error: command not implemented");
	expect(&c, "221 2.0.0 Bye");
	finish(&r, &c);
	ck_assert_int_eq(r.calls, 0);
}
END_TEST

START_TEST(session_limits)
{
	run r;
	mg_conn c;
	char big[1400];

	start(&r, &c, NULL, -1, 5);
	expect(&c, "220 mugai.test ESMTP mugai");
	say(&c, "EHLO x\r\n");
	get_reply(&c, big, sizeof(big));
	say(&c, "MAIL FROM:<a@b.example> SIZE=1001\r\n");
	expect(&c, "552 5.3.4 Message size exceeds fixed maximum message size");
	say(&c, "MAIL FROM:<a@b.example> SIZE=1000\r\nRCPT TO:<r1@x.example>\r\nRCPT TO:<r2@x.example>\r\n"
	        "RCPT TO:<r3@x.example>\r\nRCPT TO:<r4@x.example>\r\nDATA\r\n");
	expect(&c, "250 2.1.0 Ok");
	expect(&c, "250 2.1.5 Ok");
	expect(&c, "250 2.1.5 Ok");
	expect(&c, "250 2.1.5 Ok");
	expect(&c, "452 4.5.3 Error: too many recipients");
	expect(&c, "354 End data with <CR><LF>.<CR><LF>");
	/* larger than max_size: read to the end, refused, the session goes on */
	memset(big, 'x', sizeof(big));
	memcpy(big + sizeof(big) - 8, "\r\n.\r\n", 6);
	say(&c, big);
	expect(&c, "552 5.3.4 Message size exceeds fixed maximum message size");
	say(&c, "QUIT\r\n");
	expect(&c, "221 2.0.0 Bye");
	finish(&r, &c);
	ck_assert_int_eq(r.calls, 0);
}
END_TEST

START_TEST(session_deliver_tempfail_and_bare_lf)
{
	run r;
	mg_conn c;
	char buf[1024];

	prepare(&r, NULL, -1, 5);
	r.answer = 451;
	go(&r, &c);
	expect(&c, "220 mugai.test ESMTP mugai");
	say(&c, "EHLO x\nMAIL FROM:<>\nRCPT TO:<postmaster>\nDATA\n");
	get_reply(&c, buf, sizeof(buf));
	expect(&c, "250 2.1.0 Ok");
	expect(&c, "250 2.1.5 Ok");
	expect(&c, "354 End data with <CR><LF>.<CR><LF>");
	say(&c, "a\nb\r\n.\r\n");
	expect(&c, "451 4.4.1 next hop down");
	say(&c, "QUIT\r\n");
	expect(&c, "221 2.0.0 Bye");
	finish(&r, &c);
	ck_assert_int_eq(r.calls, 1);
	ck_assert_str_eq(r.sender, "");
	ck_assert_str_eq(r.rcpts[0], "postmaster");
	ck_assert_str_eq(r.msg, "a\r\nb\r\n");
	ck_assert(r.bare_lf);
	ck_assert_uint_eq(r.stats.accepted, 0);
}
END_TEST

START_TEST(session_timeout)
{
	run r;
	mg_conn c;
	double t0 = mg_conn_now();

	start(&r, &c, NULL, -1, 1);
	expect(&c, "220 mugai.test ESMTP mugai");
	expect(&c, "421 4.4.2 mugai.test Error: timeout exceeded");
	finish(&r, &c);
	ck_assert(r.stats.timed_out);
	ck_assert(mg_conn_now() - t0 < 3.0);
}
END_TEST

START_TEST(session_data_timeout)
{
	run r;
	mg_conn c;
	char buf[1024];

	prepare(&r, NULL, -1, 5);
	r.srv.data_timeout = 1;
	go(&r, &c);
	expect(&c, "220 mugai.test ESMTP mugai");
	say(&c, "HELO x\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\n");
	for (int i = 0; i < 4; i++)
		get_reply(&c, buf, sizeof(buf));
	/* dribbling bytes do not extend the DATA phase past its deadline */
	double t0 = mg_conn_now();

	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(send(c.fd, "x", 1, MSG_NOSIGNAL), 1);
		usleep(250000);
	}
	/* the session ends at the deadline, mid-message */
	expect(&c, "421 4.4.2 mugai.test Error: timeout exceeded");
	ck_assert_int_eq(get_reply(&c, buf, sizeof(buf)), -1);
	ck_assert(mg_conn_now() - t0 < 3.0);
	finish(&r, &c);
	ck_assert_int_eq(r.calls, 0);
	ck_assert_int_eq(r.rc, MG_CONN_TIMEOUT);
}
END_TEST

START_TEST(session_drain)
{
	run r;
	mg_conn c;
	int p[2];

	ck_assert_int_eq(pipe(p), 0);
	start(&r, &c, NULL, p[0], 5);
	expect(&c, "220 mugai.test ESMTP mugai");
	say(&c, "HELO x\r\n");
	expect(&c, "250 mugai.test");
	ck_assert_int_eq(write(p[1], "x", 1), 1);
	expect(&c, "421 4.3.2 mugai.test Service shutting down, try again later");
	finish(&r, &c);
	ck_assert(r.stats.drained);
	ck_assert_int_eq(r.rc, 0);
	close(p[0]);
	close(p[1]);
}
END_TEST

START_TEST(session_starttls)
{
	char dir[] = "/tmp/mugai-smtp-tls-XXXXXX", buf[1024];
	SSL_CTX *sctx, *cctx;
	run r;
	mg_conn c;

	ck_assert(mkdtemp(dir) != NULL);
	tu_tls_make_cert(dir);
	sctx = tu_tls_server_ctx(dir);
	cctx = SSL_CTX_new(TLS_client_method());
	start(&r, &c, sctx, -1, 5);
	expect(&c, "220 mugai.test ESMTP mugai");
	say(&c, "EHLO x\r\n");
	get_reply(&c, buf, sizeof(buf));
	ck_assert(strstr(buf, "250-STARTTLS") != NULL);
	/* a command pipelined behind STARTTLS in clear text is discarded */
	say(&c, "STARTTLS\r\nMAIL FROM:<injected@evil.example>\r\n");
	expect(&c, "220 2.0.0 Ready to start TLS");
	ck_assert_int_eq(mg_conn_tls_connect(&c, cctx, "localhost"), 0);
	/* the state was reset: HELO again, and no STARTTLS offered twice */
	say(&c, "MAIL FROM:<a@b.example>\r\n");
	expect(&c, "503 5.5.1 Error: send HELO/EHLO first");
	say(&c, "EHLO x\r\n");
	get_reply(&c, buf, sizeof(buf));
	ck_assert(strstr(buf, "STARTTLS") == NULL);
	say(&c, "MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\n");
	expect(&c, "250 2.1.0 Ok");
	expect(&c, "250 2.1.5 Ok");
	expect(&c, "354 End data with <CR><LF>.<CR><LF>");
	say(&c, "secret\r\n.\r\nSTARTTLS\r\nQUIT\r\n");
	expect(&c, "250 2.0.0 Ok: delivered as TESTID");
	expect(&c, "554 5.5.1 Error: TLS already active");
	expect(&c, "221 2.0.0 Bye");
	finish(&r, &c);
	ck_assert_int_eq(r.calls, 1);
	ck_assert(r.tls);
	ck_assert_str_eq(r.sender, "a@b.example");
	ck_assert_str_eq(r.msg, "secret\r\n");
	SSL_CTX_free(sctx);
	SSL_CTX_free(cctx);
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(session_http_and_errors)
{
	run r;
	mg_conn c;

	prepare(&r, NULL, -1, 5);
	r.srv.max_errors = 3;
	go(&r, &c);
	expect(&c, "220 mugai.test ESMTP mugai");
	say(&c, "FOO\r\nBAR\r\nBAZ\r\nNOOP\r\n");
	expect(&c, "500 5.5.2 Error: command not recognized");
	expect(&c, "500 5.5.2 Error: command not recognized");
	expect(&c, "500 5.5.2 Error: command not recognized");
	expect(&c, "421 4.7.0 mugai.test Error: too many errors");
	finish(&r, &c);

	start(&r, &c, NULL, -1, 5);
	expect(&c, "220 mugai.test ESMTP mugai");
	say(&c, "GET / HTTP/1.0\r\n\r\n");
	expect(&c, "221 2.7.0 Error: this is an SMTP server, not a web server");
	finish(&r, &c);
}
END_TEST

Suite *mugai_suite(void)
{
	Suite *s = suite_create("smtp_proto");
	TCase *g = tcase_create("grammar"), *se = tcase_create("session");

	tcase_add_test(g, command_verbs);
	tcase_add_test(g, path_valid);
	tcase_add_test(g, path_invalid);
	tcase_add_test(g, mail_params);
	tcase_add_test(g, data_unstuff_and_stop);
	tcase_add_test(g, data_empty_message);
	tcase_add_test(g, data_bare_lf);
	tcase_add_test(g, data_overflow);
	tcase_add_test(g, dot_stuff_round_trip);
	tcase_add_test(g, dot_stuff_in_pieces);
	tcase_add_test(g, reply_lines);
	tcase_add_test(g, received_header);
	tcase_add_test(se, session_pipelined_transaction);
	tcase_add_test(se, session_sequence_errors);
	tcase_add_test(se, session_limits);
	tcase_add_test(se, session_deliver_tempfail_and_bare_lf);
	tcase_add_test(se, session_timeout);
	tcase_add_test(se, session_data_timeout);
	tcase_add_test(se, session_drain);
	tcase_add_test(se, session_starttls);
	tcase_add_test(se, session_http_and_errors);
	suite_add_tcase(s, g);
	suite_add_tcase(s, se);
	return s;
}
