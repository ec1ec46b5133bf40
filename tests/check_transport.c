/*
 * check_transport.c - the next hop: the SMTP client against a scripted
 * server (replies per command, silences, closes) and against mugai's own
 * session with STARTTLS; the dir: transport; never-overwriting files.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "outfile.h"
#include "conn.h"
#include "smtp_session.h"
#include "testutil.h"
#include "transport.h"
#include "tu_tls.h"

/* --- a scripted SMTP server ------------------------------------------------ */

typedef struct fake {
	int lfd, port;
	pthread_t th;
	const char *greeting;   /* default "220 fake ESMTP" */
	const char *ehlo;       /* whole reply; default PIPELINING, SIZE, 8BITMIME */
	const char *mail;       /* default "250 2.1.0 Ok" */
	const char *rcpt[4];    /* per recipient; default "250 2.1.5 Ok" */
	const char *end;        /* after the final "."; default "250 2.0.0 Ok: queued as F1" */
	bool silent;            /* greets, then never answers */
	bool hangup_after_msg;  /* closes the connection after each message */
	int max_conns;
	/* what it saw */
	int conns, messages;
	char transcript[8192];
	char msg[8192];         /* the last message, as sent (dot-stuffed) */
	size_t msg_bytes;       /* its whole length, terminator included */
	uint64_t msg_fnv;       /* FNV-1a of those bytes (line ends as CRLF) */
} fake;

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ ((const unsigned char *)p)[i]) * 0x100000001b3ull;
	return h;
}

static void note(fake *f, const char *line)
{
	strncat(f->transcript, line, sizeof(f->transcript) - strlen(f->transcript) - 2);
	strcat(f->transcript, "\n");
}

/* Serves one connection; false when it ended with a hang-up of ours. */
static void serve_conn(fake *f, int fd)
{
	mg_conn c;
	char line[1100];
	unsigned nrcpt = 0;

	mg_conn_init(&c, fd, 10000);
	mg_conn_printf(&c, "%s\r\n", f->greeting ? f->greeting : "220 fake ESMTP");
	mg_conn_flush(&c);
	for (;;) {
		size_t len;
		bool crlf;

		if (mg_conn_read_line(&c, line, sizeof(line), &len, &crlf) < 0)
			break;
		note(f, line);
		if (f->silent)
			continue;
		if (strncasecmp(line, "EHLO", 4) == 0) {
			mg_conn_printf(&c, "%s\r\n", f->ehlo ? f->ehlo
			                                    : "250-fake\r\n250-PIPELINING\r\n250-SIZE 100000\r\n250 8BITMIME");
		} else if (strncasecmp(line, "HELO", 4) == 0) {
			mg_conn_printf(&c, "250 fake\r\n");
		} else if (strncasecmp(line, "MAIL", 4) == 0) {
			nrcpt = 0;
			mg_conn_printf(&c, "%s\r\n", f->mail ? f->mail : "250 2.1.0 Ok");
		} else if (strncasecmp(line, "RCPT", 4) == 0) {
			const char *r = nrcpt < 4 && f->rcpt[nrcpt] ? f->rcpt[nrcpt] : "250 2.1.5 Ok";

			nrcpt++;
			mg_conn_printf(&c, "%s\r\n", r);
		} else if (strncasecmp(line, "DATA", 4) == 0) {
			mg_conn_printf(&c, "354 go ahead\r\n");
			f->msg[0] = 0;
			f->msg_bytes = 0;
			f->msg_fnv = 0xcbf29ce484222325ull;
			while (mg_conn_read_line(&c, line, sizeof(line), &len, &crlf) == 0) {
				f->msg_bytes += len + (crlf ? 2 : 1);
				f->msg_fnv = fnv(f->msg_fnv, line, len);
				f->msg_fnv = fnv(f->msg_fnv, crlf ? "\r\n" : "\n", crlf ? 2 : 1);
				if (strlen(f->msg) + len + 3 <= sizeof(f->msg)) {
					strcat(f->msg, line);
					strcat(f->msg, "\r\n");
				}
				if (strcmp(line, ".") == 0)
					break;
			}
			f->messages++;
			mg_conn_printf(&c, "%s\r\n", f->end ? f->end : "250 2.0.0 Ok: queued as F1");
			if (f->hangup_after_msg) {
				mg_conn_flush(&c);
				break;
			}
		} else if (strncasecmp(line, "RSET", 4) == 0) {
			mg_conn_printf(&c, "250 2.0.0 Ok\r\n");
		} else if (strncasecmp(line, "QUIT", 4) == 0) {
			mg_conn_printf(&c, "221 2.0.0 Bye\r\n");
			break;
		} else {
			mg_conn_printf(&c, "502 5.5.2 Error: command not recognized\r\n");
		}
	}
	mg_conn_flush(&c);
	mg_conn_close(&c);
}

static void *fake_main(void *arg)
{
	fake *f = arg;

	while (f->conns < f->max_conns) {
		int fd = accept(f->lfd, NULL, NULL);

		if (fd < 0)
			break;
		f->conns++;
		serve_conn(f, fd);
	}
	return NULL;
}

static int listen_any(int *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(fd, 8), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

static void fake_start(fake *f, int max_conns)
{
	signal(SIGPIPE, SIG_IGN);
	f->max_conns = max_conns;
	f->lfd = listen_any(&f->port);
	ck_assert_int_eq(pthread_create(&f->th, NULL, fake_main, f), 0);
}

static void fake_stop(fake *f)
{
	shutdown(f->lfd, SHUT_RDWR);
	pthread_join(f->th, NULL);
	close(f->lfd);
}

static mg_transport *smtp_host(const char *host, int port, const char *tls, const char *ca,
                               unsigned timeout)
{
	char hop[64], *err = NULL;
	mg_transport_opts o = { "mugai.test", timeout, timeout, tls, ca };
	mg_transport *t;

	snprintf(hop, sizeof(hop), "smtp:%s:%d", host, port);
	t = mg_transport_new(hop, &o, &err);
	ck_assert_msg(t != NULL, "%s", err ? err : "");
	return t;
}

static mg_transport *smtp_to(int port, const char *tls, const char *ca, unsigned timeout)
{
	return smtp_host("127.0.0.1", port, tls, ca, timeout);
}

static const char *const two[] = { "bob@example.lg.jp", "carol@example.lg.jp" };
static const mg_envelope env2 = { "ID1", "alice@example.org", two, 2 };
static const char msg[] = "Subject: t\r\n\r\n.dot line\r\nbody\r\n";

static int send_msg(mg_transport *t, const mg_envelope *env, mg_smtp_reply *r)
{
	return mg_transport_send(t, env, (const unsigned char *)msg, strlen(msg), r);
}

START_TEST(smtp_delivers)
{
	fake f = { 0 };
	mg_smtp_reply r;
	mg_transport *t;
	char want[512];

	fake_start(&f, 1);
	t = smtp_to(f.port, "no", NULL, 5);
	ck_assert_int_eq(send_msg(t, &env2, &r), MG_TR_OK);
	ck_assert_int_eq(r.code, 250);
	snprintf(want, sizeof(want), "2.0.0 Ok: queued as F1 (next hop smtp:127.0.0.1:%d)", f.port);
	ck_assert_str_eq(r.text, want);
	mg_transport_free(t);
	fake_stop(&f);
	snprintf(want, sizeof(want),
	         "EHLO mugai.test\nMAIL FROM:<alice@example.org> SIZE=%zu\nRCPT TO:<bob@example.lg.jp>\n"
	         "RCPT TO:<carol@example.lg.jp>\nDATA\nQUIT\n",
	         strlen(msg));
	ck_assert_str_eq(f.transcript, want);
	ck_assert_str_eq(f.msg, "Subject: t\r\n\r\n..dot line\r\nbody\r\n.\r\n");
}
END_TEST

START_TEST(smtp_rcpt_tempfail)
{
	fake f = { .rcpt = { NULL, "450 4.2.0 mailbox busy" } };
	mg_smtp_reply r;
	mg_transport *t;

	fake_start(&f, 1);
	t = smtp_to(f.port, "no", NULL, 5);
	ck_assert_int_eq(send_msg(t, &env2, &r), MG_TR_TEMPFAIL);
	ck_assert_int_eq(r.code, 451);
	ck_assert(strncmp(r.text, "4.2.0 mailbox busy (next hop", 28) == 0);
	mg_transport_free(t);
	fake_stop(&f);
	/* abandoned before DATA, nothing delivered */
	ck_assert(strstr(f.transcript, "RSET\n") != NULL);
	ck_assert(strstr(f.transcript, "DATA") == NULL);
	ck_assert_int_eq(f.messages, 0);
}
END_TEST

START_TEST(smtp_rcpt_all_refused)
{
	fake f = { .rcpt = { "550 5.1.1 no such user", "550 5.1.1 no such user" } };
	mg_smtp_reply r;
	mg_transport *t;

	fake_start(&f, 1);
	t = smtp_to(f.port, "no", NULL, 5);
	ck_assert_int_eq(send_msg(t, &env2, &r), MG_TR_PERMFAIL);
	ck_assert_int_eq(r.code, 554);
	ck_assert(strncmp(r.text, "5.1.1 no such user", 18) == 0);
	mg_transport_free(t);
	fake_stop(&f);
	ck_assert_int_eq(f.messages, 0);
}
END_TEST

START_TEST(smtp_rcpt_mixed_is_temporary)
{
	fake f = { .rcpt = { "250 2.1.5 Ok", "550 5.1.1 no such user" } };
	mg_smtp_reply r;
	mg_transport *t;

	fake_start(&f, 1);
	t = smtp_to(f.port, "no", NULL, 5);
	/* all or nothing: never delivered to some and retried for all */
	ck_assert_int_eq(send_msg(t, &env2, &r), MG_TR_TEMPFAIL);
	ck_assert_int_eq(r.code, 451);
	ck_assert(strncmp(r.text, "4.1.1 no such user", 18) == 0);
	ck_assert(strstr(r.text, "not every recipient accepted") != NULL);
	mg_transport_free(t);
	fake_stop(&f);
	ck_assert_int_eq(f.messages, 0);
}
END_TEST

START_TEST(smtp_end_of_data_replies)
{
	fake f = { .end = "554 5.7.1 rejected by content policy" };
	fake g = { .end = "452 4.3.1 insufficient storage" };
	mg_smtp_reply r;
	mg_transport *t;

	fake_start(&f, 1);
	t = smtp_to(f.port, "no", NULL, 5);
	ck_assert_int_eq(send_msg(t, &env2, &r), MG_TR_PERMFAIL);
	ck_assert_int_eq(r.code, 554);
	ck_assert(strncmp(r.text, "5.7.1 rejected by content policy", 32) == 0);
	mg_transport_free(t);
	fake_stop(&f);

	fake_start(&g, 1);
	t = smtp_to(g.port, "no", NULL, 5);
	ck_assert_int_eq(send_msg(t, &env2, &r), MG_TR_TEMPFAIL);
	ck_assert_int_eq(r.code, 451);
	ck_assert(strncmp(r.text, "4.3.1 insufficient storage", 26) == 0);
	mg_transport_free(t);
	fake_stop(&g);
}
END_TEST

START_TEST(smtp_no_pipelining_mail_refused)
{
	fake f = { .ehlo = "250 fake", .mail = "553 5.7.1 sender refused" };
	mg_smtp_reply r;
	mg_transport *t;

	fake_start(&f, 1);
	t = smtp_to(f.port, "no", NULL, 5);
	ck_assert_int_eq(send_msg(t, &env2, &r), MG_TR_PERMFAIL);
	ck_assert_int_eq(r.code, 554);
	mg_transport_free(t);
	fake_stop(&f);
	/* without PIPELINING no RCPT follows a refused MAIL, and no SIZE= */
	ck_assert(strstr(f.transcript, "MAIL FROM:<alice@example.org>\nRSET\n") != NULL);
	ck_assert(strstr(f.transcript, "RCPT") == NULL);
}
END_TEST

START_TEST(smtp_unreachable_and_refusing)
{
	fake f = { .greeting = "554 5.3.2 no service" };
	mg_smtp_reply r;
	mg_transport *t;
	int port, fd = listen_any(&port);

	close(fd); /* nobody listens there now */
	t = smtp_to(port, "no", NULL, 5);
	ck_assert_int_eq(send_msg(t, &env2, &r), MG_TR_TEMPFAIL);
	ck_assert_int_eq(r.code, 451);
	ck_assert(strncmp(r.text, "4.4.1 next hop", 14) == 0);
	ck_assert(strstr(r.text, "Connection refused") != NULL);
	mg_transport_free(t);

	/* a 5xx greeting is a server that will not talk now: temporary */
	fake_start(&f, 1);
	t = smtp_to(f.port, "no", NULL, 5);
	ck_assert_int_eq(send_msg(t, &env2, &r), MG_TR_TEMPFAIL);
	ck_assert_int_eq(r.code, 451);
	ck_assert(strstr(r.text, "refused the session: 554 5.3.2 no service") != NULL);
	mg_transport_free(t);
	fake_stop(&f);
}
END_TEST

START_TEST(smtp_silent_times_out)
{
	fake f = { .silent = true };
	mg_smtp_reply r;
	mg_transport *t;
	double t0 = mg_conn_now();

	fake_start(&f, 1);
	t = smtp_to(f.port, "no", NULL, 1);
	ck_assert_int_eq(send_msg(t, &env2, &r), MG_TR_TEMPFAIL);
	ck_assert_int_eq(r.code, 451);
	ck_assert(strstr(r.text, "timeout after EHLO") != NULL);
	ck_assert(mg_conn_now() - t0 < 3.0);
	mg_transport_free(t);
	fake_stop(&f);
}
END_TEST

START_TEST(smtp_connection_reuse)
{
	fake f = { 0 }, g = { .hangup_after_msg = true };
	mg_smtp_reply r;
	mg_transport *t;

	fake_start(&f, 1);
	t = smtp_to(f.port, "no", NULL, 5);
	ck_assert_int_eq(send_msg(t, &env2, &r), MG_TR_OK);
	ck_assert_int_eq(send_msg(t, &env2, &r), MG_TR_OK);
	mg_transport_free(t);
	fake_stop(&f);
	ck_assert_int_eq(f.conns, 1);
	ck_assert_int_eq(f.messages, 2);

	/* a next hop that closed the cached connection: a fresh one is made */
	fake_start(&g, 2);
	t = smtp_to(g.port, "no", NULL, 5);
	ck_assert_int_eq(send_msg(t, &env2, &r), MG_TR_OK);
	usleep(100000);
	ck_assert_int_eq(send_msg(t, &env2, &r), MG_TR_OK);
	mg_transport_free(t);
	fake_stop(&g);
	ck_assert_int_eq(g.conns, 2);
	ck_assert_int_eq(g.messages, 2);
}
END_TEST

/* --- no Nagle stall on the next hop ------------------------------------------ */

/* Every send() of this program, seen through the linker's --wrap=send: on
 * the client's socket (the one whose peer is watch_port), what was asked,
 * what the kernel took, and whether Nagle's algorithm was off. */
typedef struct sent {
	size_t len;
	ssize_t took;
	bool nodelay, data_cmd, ends_data;
} sent;

static pthread_mutex_t sends_lock = PTHREAD_MUTEX_INITIALIZER;
static sent sends[512];
static int nsends, watch_port;

ssize_t __real_send(int fd, const void *buf, size_t len, int flags);
ssize_t __wrap_send(int fd, const void *buf, size_t len, int flags);

ssize_t __wrap_send(int fd, const void *buf, size_t len, int flags)
{
	struct sockaddr_in peer;
	socklen_t pl = sizeof(peer);
	int nodelay = 0;
	socklen_t nl = sizeof(nodelay);
	ssize_t took = __real_send(fd, buf, len, flags);
	const char *p = buf;

	if (getpeername(fd, (struct sockaddr *)&peer, &pl) < 0 || peer.sin_family != AF_INET ||
	    ntohs(peer.sin_port) != watch_port)
		return took;
	getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &nodelay, &nl);
	pthread_mutex_lock(&sends_lock);
	if (nsends < (int)(sizeof(sends) / sizeof(sends[0])))
		sends[nsends++] = (sent){ len, took, nodelay != 0, len >= 6 && memcmp(p + len - 6, "DATA\r\n", 6) == 0,
			                  len >= 5 && memcmp(p + len - 5, "\r\n.\r\n", 5) == 0 };
	pthread_mutex_unlock(&sends_lock);
	return took;
}

/* A message of about size bytes: a header, then 76-column lines, some
 * starting with a dot so stuffing changes the length. */
static char *big_message(size_t size)
{
	char *m = malloc(size + 1);
	size_t n = (size_t)snprintf(m, size + 1, "Subject: %zu bytes\r\n\r\n", size);

	for (unsigned line = 0; n < size; line++) {
		size_t take = size - n < 78 ? size - n : 78;

		for (size_t i = 0; i < take; i++)
			m[n + i] = i >= take - 2 ? "\r\n"[i - (take - 2)] : (char)('a' + (line + i) % 26);
		if (line % 7 == 0)
			m[n] = '.';
		n += take;
	}
	m[size] = 0;
	return m;
}

/* 16, 17 and 64 KB messages on one reused connection.  The stall this
 * guards against: a message written in buffer-sized slices, its last
 * small slice (with the end of data) held back by Nagle's algorithm until
 * the next hop's delayed ACK, one extra round trip of 40 ms a message.
 * It cannot happen when the socket has TCP_NODELAY and the message with
 * its end of data goes to the kernel in one call: so every send() is
 * checked for TCP_NODELAY, and the message must take one send() plus one
 * more only for each time the kernel took less than it was given. */
START_TEST(smtp_large_messages_no_stall)
{
	static const size_t sizes[] = { 16 * 1024, 17 * 1024, 64 * 1024 };
	fake f = { 0 };
	mg_transport *t;

	fake_start(&f, 1);
	watch_port = f.port;
	t = smtp_to(f.port, "no", NULL, 5);
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		char *m = big_message(sizes[k]);
		mg_smtp_reply r;
		mg_buf stuffed;
		int first, calls = 0, short_writes = 0;

		mg_buf_init(&stuffed, 1 << 20);
		ck_assert_int_eq(mg_smtp_dot_stuff(&stuffed, (const unsigned char *)m, sizes[k]), 0);
		nsends = 0;
		ck_assert_int_eq(mg_transport_send(t, &env2, (const unsigned char *)m, sizes[k], &r),
		                 MG_TR_OK);
		ck_assert_int_eq(r.code, 250);
		ck_assert_uint_eq(f.msg_bytes, stuffed.len);
		ck_assert_int_eq(f.conns, 1); /* the reused connection */
		for (first = 0; first < nsends && !sends[first].data_cmd; first++)
			ck_assert_msg(sends[first].nodelay, "send %d without TCP_NODELAY", first);
		ck_assert_int_lt(first, nsends);
		for (int i = first + 1; i < nsends; i++) {
			ck_assert_msg(sends[i].nodelay, "%zu bytes: send %d without TCP_NODELAY",
			              sizes[k], i);
			calls++;
			if (sends[i].took >= 0 && (size_t)sends[i].took < sends[i].len)
				short_writes++;
			if (sends[i].ends_data)
				break;
		}
		ck_assert_msg(calls == 1 + short_writes,
		              "%zu bytes: the message took %d send() calls, %d of them cut short by "
		              "the kernel", sizes[k], calls, short_writes);
		ck_assert_msg(sends[first + calls].ends_data && sends[first + calls].len > 5,
		              "%zu bytes: the end of data went alone", sizes[k]);
		mg_buf_free(&stuffed);
		free(m);
	}
	mg_transport_free(t);
	fake_stop(&f);
	ck_assert_int_eq(f.messages, 3);
}
END_TEST

/* A message in two parts, larger than one write slice, cut between a CR
 * and its LF and before a line's leading dot: the next hop gets exactly
 * the whole message stuffed, and the end of data with the last slice. */
START_TEST(smtp_parts_streamed)
{
	fake f = { 0 };
	mg_transport *t;
	mg_smtp_reply r;
	char *body = big_message(700 * 1024), *whole;
	const char head[] = "Received: from test\r\nX-Cut: here\r";
	struct iovec parts[2];
	mg_buf stuffed;
	size_t hl = strlen(head), bl = strlen(body);

	body[0] = '\n';
	body[1] = '.';
	whole = malloc(hl + bl);
	memcpy(whole, head, hl);
	memcpy(whole + hl, body, bl);
	mg_buf_init(&stuffed, 4u << 20);
	ck_assert_int_eq(mg_smtp_dot_stuff(&stuffed, (const unsigned char *)whole, hl + bl), 0);
	parts[0] = (struct iovec){ (void *)(uintptr_t)head, hl };
	parts[1] = (struct iovec){ body, bl };
	fake_start(&f, 1);
	watch_port = f.port;
	nsends = 0;
	t = smtp_to(f.port, "no", NULL, 5);
	ck_assert_int_eq(mg_transport_sendv(t, &env2, parts, 2, &r), MG_TR_OK);
	ck_assert_int_eq(r.code, 250);
	mg_transport_free(t);
	fake_stop(&f);
	ck_assert_uint_eq(f.msg_bytes, stuffed.len);
	ck_assert(f.msg_fnv == fnv(0xcbf29ce484222325ull, stuffed.data, stuffed.len));
	/* the size announced is the message's, before stuffing */
	{
		char want[64];

		snprintf(want, sizeof(want), "SIZE=%zu\n", hl + bl);
		ck_assert_ptr_nonnull(strstr(f.transcript, want));
	}
	for (int i = 0; i < nsends; i++)
		if (sends[i].ends_data)
			ck_assert_uint_gt(sends[i].len, 5);
	mg_buf_free(&stuffed);
	free(whole);
	free(body);
}
END_TEST

/* --- STARTTLS against mugai's own session ----------------------------------- */

typedef struct tls_hop {
	mg_smtp_server srv;
	int lfd, port;
	pthread_t th;
	bool tls_seen;
	char body[1024];
	int calls;
} tls_hop;

static void hop_deliver(void *ctx, const mg_smtp_envelope *env, const unsigned char *m, size_t len,
                        mg_smtp_reply *reply)
{
	tls_hop *h = ctx;

	h->calls++;
	h->tls_seen = env->tls;
	snprintf(h->body, sizeof(h->body), "%.*s", (int)len, (const char *)m);
	mg_smtp_reply_set(reply, 250, "2.0.0 Ok");
}

static void *hop_main(void *arg)
{
	tls_hop *h = arg;
	mg_smtp_stats st;
	int fd = accept(h->lfd, NULL, NULL);

	if (fd >= 0)
		mg_smtp_session(&h->srv, fd, "[127.0.0.1]", &st);
	return NULL;
}

static void hop_start(tls_hop *h, SSL_CTX *ctx)
{
	memset(h, 0, sizeof(*h));
	signal(SIGPIPE, SIG_IGN);
	h->srv = (mg_smtp_server){ "hop.test", 100000, 10, 5, 5, 0, ctx, -1, hop_deliver, h, NULL };
	h->lfd = listen_any(&h->port);
	ck_assert_int_eq(pthread_create(&h->th, NULL, hop_main, h), 0);
}

static void hop_stop(tls_hop *h)
{
	shutdown(h->lfd, SHUT_RDWR);
	pthread_join(h->th, NULL);
	close(h->lfd);
}

START_TEST(smtp_starttls)
{
	char dir[] = "/tmp/mugai-tr-tls-XXXXXX", other[] = "/tmp/mugai-tr-tls2-XXXXXX";
	char ca[600], wrong_ca[600], cmd[1300];
	SSL_CTX *sctx;
	tls_hop h;
	mg_smtp_reply r;
	mg_transport *t;
	fake f = { 0 };

	ck_assert(mkdtemp(dir) && mkdtemp(other));
	tu_tls_make_cert(dir);
	tu_tls_make_cert(other);
	snprintf(ca, sizeof(ca), "%s/cert.pem", dir);
	snprintf(wrong_ca, sizeof(wrong_ca), "%s/cert.pem", other);
	sctx = tu_tls_server_ctx(dir);

	/* required and verified against the right CA */
	hop_start(&h, sctx);
	t = smtp_host("localhost", h.port, "yes", ca, 5);
	ck_assert_msg(send_msg(t, &env2, &r) == MG_TR_OK, "%d %s", r.code, r.text);
	mg_transport_free(t);
	hop_stop(&h);
	ck_assert_int_eq(h.calls, 1);
	ck_assert(h.tls_seen);
	ck_assert_str_eq(h.body, msg);

	/* required, but the certificate does not verify: nothing is sent */
	hop_start(&h, sctx);
	t = smtp_host("localhost", h.port, "yes", wrong_ca, 5);
	ck_assert_int_eq(send_msg(t, &env2, &r), MG_TR_TEMPFAIL);
	ck_assert_int_eq(r.code, 451);
	mg_transport_free(t);
	hop_stop(&h);
	ck_assert_int_eq(h.calls, 0);

	/* the right CA, but the name does not match the certificate */
	hop_start(&h, sctx);
	t = smtp_host("127.0.0.1", h.port, "yes", ca, 5);
	ck_assert_int_eq(send_msg(t, &env2, &r), MG_TR_TEMPFAIL);
	mg_transport_free(t);
	hop_stop(&h);
	ck_assert_int_eq(h.calls, 0);

	/* required, not offered */
	fake_start(&f, 1);
	t = smtp_to(f.port, "yes", ca, 5);
	ck_assert_int_eq(send_msg(t, &env2, &r), MG_TR_TEMPFAIL);
	ck_assert(strncmp(r.text, "4.7.4 next hop", 14) == 0);
	mg_transport_free(t);
	fake_stop(&f);
	ck_assert_int_eq(f.messages, 0);

	/* opportunistic, not offered: clear text */
	memset(&f, 0, sizeof(f));
	fake_start(&f, 1);
	t = smtp_to(f.port, "may", NULL, 5);
	ck_assert_int_eq(send_msg(t, &env2, &r), MG_TR_OK);
	mg_transport_free(t);
	fake_stop(&f);
	ck_assert_int_eq(f.messages, 1);

	SSL_CTX_free(sctx);
	snprintf(cmd, sizeof(cmd), "rm -rf %s %s", dir, other);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(bad_next_hops)
{
	const char *bad[] = { "smtp:localhost", "smtp:host:port", "smtp::25", "ftp:x", "dir:", "" };
	mg_transport_opts o = { "h", 5, 5, "no", NULL };
	char *err = NULL;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(mg_transport_new(bad[i], &o, &err) == NULL, "%s accepted", bad[i]);
		ck_assert(err != NULL);
		free(err);
		err = NULL;
	}
	o.tls = "sometimes";
	ck_assert(mg_transport_new("smtp:127.0.0.1:25", &o, &err) == NULL);
	ck_assert_str_eq(err, "relay.tls: 'sometimes' is not no, may or yes");
	free(err);
}
END_TEST

/* --- dir: ------------------------------------------------------------------ */

START_TEST(dir_writes_atomically)
{
	char dir[] = "/tmp/mugai-tr-dir-XXXXXX", hop[600], path[700], cmd[700];
	mg_transport_opts o = { "h", 5, 5, "no", NULL };
	mg_smtp_reply r;
	mg_transport *t;
	char *err = NULL;
	unsigned char *data;
	size_t len;

	ck_assert(mkdtemp(dir) != NULL);
	snprintf(hop, sizeof(hop), "dir:%s/mail", dir);
	t = mg_transport_new(hop, &o, &err);
	ck_assert(t != NULL);
	ck_assert_str_eq(mg_transport_name(t), hop);
	ck_assert_int_eq(send_msg(t, &env2, &r), MG_TR_OK);
	ck_assert_int_eq(r.code, 250);
	/* the same id again (a release, a retry) never replaces the first */
	ck_assert_int_eq(send_msg(t, &env2, &r), MG_TR_OK);
	mg_transport_free(t);

	snprintf(path, sizeof(path), "%s/mail/ID1.eml", dir);
	data = mg_read_file(path, 1 << 20, &len);
	ck_assert(data != NULL);
	data[len < (1 << 20) ? len : 0] = 0;
	ck_assert_str_eq((char *)data, "Return-Path: <alice@example.org>\r\n"
	                               "X-Mugai-Envelope-To: <bob@example.lg.jp>,\r\n"
	                               "\t<carol@example.lg.jp>\r\n"
	                               "Subject: t\r\n\r\n.dot line\r\nbody\r\n");
	free(data);
	snprintf(path, sizeof(path), "%s/mail/ID1 (2).eml", dir);
	ck_assert_int_eq(access(path, F_OK), 0);
	snprintf(cmd, sizeof(cmd), "test $(ls -A %s/mail | wc -l) = 2", dir);
	ck_assert_int_eq(system(cmd), 0); /* no temporary file left */

	/* a directory that cannot be made: temporary failure */
	snprintf(hop, sizeof(hop), "dir:%s/mail/ID1.eml/sub", dir);
	t = mg_transport_new(hop, &o, &err);
	ck_assert(t != NULL);
	ck_assert_int_eq(send_msg(t, &env2, &r), MG_TR_TEMPFAIL);
	ck_assert_int_eq(r.code, 451);
	ck_assert(strstr(r.text, "Not a directory") != NULL);
	mg_transport_free(t);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(outfile_variants)
{
	const struct {
		const char *in, *out;
	} cases[] = {
		{ "report.pdf", "report (2).pdf" },   { "README", "README (2)" },
		{ ".hidden", ".hidden (2)" },         { "a.tar.gz", "a.tar (2).gz" },
		{ "x.docx.report.json", "x (2).docx.report.json" },
		{ "plain.report.json", "plain (2).report.json" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *v = mg_outfile_variant(cases[i].in, 2);

		ck_assert_str_eq(v, cases[i].out);
		free(v);
	}
}
END_TEST

Suite *mugai_suite(void)
{
	Suite *s = suite_create("transport");
	TCase *sm = tcase_create("smtp"), *d = tcase_create("dir");

	tcase_set_timeout(sm, 60);
	tcase_add_test(sm, smtp_delivers);
	tcase_add_test(sm, smtp_rcpt_tempfail);
	tcase_add_test(sm, smtp_rcpt_all_refused);
	tcase_add_test(sm, smtp_rcpt_mixed_is_temporary);
	tcase_add_test(sm, smtp_end_of_data_replies);
	tcase_add_test(sm, smtp_no_pipelining_mail_refused);
	tcase_add_test(sm, smtp_unreachable_and_refusing);
	tcase_add_test(sm, smtp_silent_times_out);
	tcase_add_test(sm, smtp_connection_reuse);
	tcase_add_test(sm, smtp_large_messages_no_stall);
	tcase_add_test(sm, smtp_parts_streamed);
	tcase_add_test(sm, smtp_starttls);
	tcase_add_test(sm, bad_next_hops);
	tcase_add_test(d, dir_writes_atomically);
	tcase_add_test(d, outfile_variants);
	suite_add_tcase(s, sm);
	suite_add_tcase(s, d);
	return s;
}
