/*
 * smtp_session.c - the server side of one ESMTP session.
 *
 * SECURITY: everything here reads bytes from the internet.  Command lines
 * are read into a fixed buffer of RFC 5321's 512 octets (longer ones are
 * discarded and answered 500), addresses go through smtp_proto.c's
 * grammar, the message through the DATA decoder with a hard size, and
 * every wait has a timeout.  Input pipelined after STARTTLS is discarded
 * (CVE-2011-0411) and the session state is reset after the handshake.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conn.h"
#include "smtp_session.h"

/* Bounds on what a client may waste (Postfix's smtpd_junk_command_limit). */
#define JUNK_LIMIT 100

typedef struct session {
	const mg_smtp_server *srv;
	mg_conn conn;
	mg_smtp_envelope env;
	mg_smtp_stats *stats;
	bool helo_done, in_mail;
	unsigned junk;
	mg_buf msg;
} session;

static void txn_reset(session *s)
{
	for (size_t i = 0; i < s->env.nrcpts; i++)
		free(s->env.rcpts[i]);
	free(s->env.rcpts);
	s->env.rcpts = NULL;
	s->env.nrcpts = 0;
	s->env.sender[0] = 0;
	s->env.declared_size = 0;
	s->env.body_8bit = false;
	s->env.bare_lf = false;
	s->in_mail = false;
	mg_buf_free(&s->msg);
}

static void reply(session *s, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void reply(session *s, int code, const char *fmt, ...)
{
	char text[sizeof(((mg_smtp_reply *)0)->text)];
	mg_smtp_reply r;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	mg_smtp_reply_set(&r, code, "%s", text);
	if (code >= 400)
		s->stats->errors++;
	mg_conn_printf(&s->conn, "%d %s\r\n", r.code, r.text);
}

static void do_helo(session *s, const char *arg, bool esmtp)
{
	const mg_smtp_server *srv = s->srv;

	if (!*arg) {
		reply(s, 501, "5.5.4 Syntax: %s hostname", esmtp ? "EHLO" : "HELO");
		return;
	}
	mg_smtp_printable(s->env.helo, sizeof(s->env.helo), arg);
	s->env.esmtp = esmtp;
	s->helo_done = true;
	txn_reset(s);
	if (!esmtp) {
		reply(s, 250, "%s", srv->hostname);
		return;
	}
	mg_conn_printf(&s->conn, "250-%s\r\n250-PIPELINING\r\n250-SIZE %llu\r\n", srv->hostname,
	               (unsigned long long)srv->max_size);
	if (srv->tls && !s->env.tls)
		mg_conn_printf(&s->conn, "250-STARTTLS\r\n");
	mg_conn_printf(&s->conn, "250-8BITMIME\r\n250 ENHANCEDSTATUSCODES\r\n");
}

static void do_mail(session *s, const char *arg)
{
	mg_smtp_mail_params mp;
	const char *params, *why;

	if (!s->helo_done) {
		reply(s, 503, "5.5.1 Error: send HELO/EHLO first");
		return;
	}
	if (s->in_mail) {
		reply(s, 503, "5.5.1 Error: nested MAIL command");
		return;
	}
	if (mg_smtp_parse_path(arg, "FROM:", true, s->env.sender, sizeof(s->env.sender), &params,
	                       &why) < 0) {
		reply(s, 501, "%s", why);
		return;
	}
	if (mg_smtp_parse_mail_params(params, &mp, &why) < 0) {
		reply(s, 555, "%s", why);
		return;
	}
	if (mp.size > s->srv->max_size) {
		reply(s, 552, "5.3.4 Message size exceeds fixed maximum message size");
		return;
	}
	if (s->srv->mail_check) {
		char no[200] = "";

		if (s->srv->mail_check(s->srv->ctx, no, sizeof(no)) != 0) {
			reply(s, 451, "4.3.0 %s, try again later", no);
			/* our outage, not the client's mistake: the session stays
			 * open for it to try again, whatever smtp max_errors is */
			s->stats->errors--;
			return;
		}
	}
	s->env.declared_size = mp.size;
	s->env.body_8bit = mp.body_8bit;
	s->in_mail = true;
	reply(s, 250, "2.1.0 Ok");
}

static void do_rcpt(session *s, const char *arg)
{
	char addr[MG_SMTP_PATH_MAX + 1], **grown;
	const char *params, *why;

	if (!s->in_mail) {
		reply(s, 503, "5.5.1 Error: need MAIL command");
		return;
	}
	if (mg_smtp_parse_path(arg, "TO:", false, addr, sizeof(addr), &params, &why) < 0) {
		reply(s, 501, "%s", why);
		return;
	}
	if (*params) {
		reply(s, 555, "5.5.4 Unsupported RCPT parameter");
		return;
	}
	if (s->env.nrcpts >= s->srv->max_rcpts) {
		reply(s, 452, "4.5.3 Error: too many recipients");
		return;
	}
	grown = realloc(s->env.rcpts, (s->env.nrcpts + 1) * sizeof(*grown));
	if (!grown) {
		reply(s, 451, "4.3.0 Error: out of memory");
		return;
	}
	s->env.rcpts = grown;
	if (!(s->env.rcpts[s->env.nrcpts] = strdup(addr))) {
		reply(s, 451, "4.3.0 Error: out of memory");
		return;
	}
	s->env.nrcpts++;
	reply(s, 250, "2.1.5 Ok");
}

/* Reads the message after 354 within the DATA deadline; 0, or MG_CONN_*. */
static int read_data(session *s, mg_smtp_data *d)
{
	mg_conn *c = &s->conn;
	int drain = c->drain_fd, rc = 0;

	/* the message in hand is finished even when a drain comes meanwhile */
	c->drain_fd = -1;
	c->deadline = mg_conn_now() + s->srv->data_timeout;
	while (!d->done) {
		const unsigned char *p;
		size_t n;

		if ((rc = mg_conn_fill(c)) < 0)
			break;
		p = mg_conn_peek(c, &n);
		mg_conn_consume(c, mg_smtp_data_feed(d, p, n));
	}
	c->drain_fd = drain;
	c->deadline = 0;
	return rc;
}

static int do_data(session *s, const char *arg)
{
	mg_smtp_data d;
	mg_smtp_reply r;
	int rc;

	if (!s->in_mail)
		return reply(s, 503, "5.5.1 Error: need MAIL command"), 0;
	if (!s->env.nrcpts)
		return reply(s, 503, "5.5.1 Error: need RCPT command"), 0;
	if (*arg)
		return reply(s, 501, "5.5.4 Syntax: DATA"), 0;
	mg_buf_init(&s->msg, (size_t)s->srv->max_size);
	mg_smtp_data_init(&d, &s->msg);
	reply(s, 354, "End data with <CR><LF>.<CR><LF>");
	if ((rc = read_data(s, &d)) < 0)
		return rc;
	s->stats->messages++;
	if (d.overflow) {
		reply(s, 552, "5.3.4 Message size exceeds fixed maximum message size");
	} else {
		s->env.bare_lf = d.bare_lf;
		mg_smtp_reply_set(&r, 451, "4.3.0 Error: no delivery configured");
		if (s->srv->deliver)
			s->srv->deliver(s->srv->ctx, &s->env, s->msg.data, s->msg.len, &r);
		reply(s, r.code, "%s", r.text);
		if (r.code >= 200 && r.code < 300)
			s->stats->accepted++;
	}
	txn_reset(s);
	return 0;
}

/* 0 on success (the session goes on under TLS), else MG_CONN_*. */
static int do_starttls(session *s, const char *arg)
{
	if (!s->srv->tls)
		return reply(s, 502, "5.5.1 Error: command not implemented"), 0;
	if (s->env.tls)
		return reply(s, 554, "5.5.1 Error: TLS already active"), 0;
	if (*arg)
		return reply(s, 501, "5.5.4 Syntax: STARTTLS"), 0;
	reply(s, 220, "2.0.0 Ready to start TLS");
	if (mg_conn_flush(&s->conn) < 0)
		return s->conn.err;
	/* what was pipelined in clear must not count as said under TLS */
	mg_conn_discard_input(&s->conn);
	if (mg_conn_tls_accept(&s->conn, s->srv->tls) < 0)
		return s->conn.err;
	s->env.tls = true;
	mg_conn_tls_info(&s->conn, s->env.tls_info, sizeof(s->env.tls_info));
	s->helo_done = false;
	s->env.helo[0] = 0;
	txn_reset(s);
	return 0;
}

static bool junk(session *s)
{
	if (++s->junk <= JUNK_LIMIT)
		return false;
	reply(s, 421, "4.7.0 %s Error: too many useless commands", s->srv->hostname);
	return true;
}

/* One command; 1 to go on, 0 to end the session, or MG_CONN_*. */
static int command(session *s, char *line, size_t len)
{
	mg_smtp_cmd cmd;

	if (memchr(line, 0, len))
		return reply(s, 500, "5.5.2 Error: NUL in command"), 1;
	mg_smtp_parse_command(line, &cmd);
	switch (cmd.verb) {
	case MG_SMTP_HELO:
	case MG_SMTP_EHLO:
		do_helo(s, cmd.arg, cmd.verb == MG_SMTP_EHLO);
		return junk(s) ? 0 : 1;
	case MG_SMTP_MAIL:
		do_mail(s, cmd.arg);
		return 1;
	case MG_SMTP_RCPT:
		do_rcpt(s, cmd.arg);
		return 1;
	case MG_SMTP_DATA: {
		int rc = do_data(s, cmd.arg);

		return rc < 0 ? rc : 1;
	}
	case MG_SMTP_RSET:
		txn_reset(s);
		reply(s, 250, "2.0.0 Ok");
		return junk(s) ? 0 : 1;
	case MG_SMTP_NOOP:
		reply(s, 250, "2.0.0 Ok");
		return junk(s) ? 0 : 1;
	case MG_SMTP_VRFY:
		reply(s, 252, "2.5.2 Cannot VRFY user, but will accept message and attempt delivery");
		return junk(s) ? 0 : 1;
	case MG_SMTP_EXPN:
		reply(s, 502, "5.5.1 Error: EXPN not supported");
		return 1;
	case MG_SMTP_HELP:
		reply(s, 214, "2.0.0 Commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT VRFY%s",
		      s->srv->tls ? " STARTTLS" : "");
		return junk(s) ? 0 : 1;
	case MG_SMTP_QUIT:
		reply(s, 221, "2.0.0 Bye");
		return 0;
	case MG_SMTP_STARTTLS: {
		int rc = do_starttls(s, cmd.arg);

		return rc < 0 ? rc : 1;
	}
	case MG_SMTP_HTTP:
		reply(s, 221, "2.7.0 Error: this is an SMTP server, not a web server");
		return 0;
	case MG_SMTP_AUTH:
	case MG_SMTP_BDAT:
	case MG_SMTP_UNKNOWN:
		break;
	}
	reply(s, 500, "5.5.2 Error: command not recognized");
	return 1;
}

int mg_smtp_session(const mg_smtp_server *srv, int fd, const char *peer, mg_smtp_stats *stats)
{
	session *s = calloc(1, sizeof(*s));
	unsigned max_errors = srv->max_errors ? srv->max_errors : 20;
	char line[MG_SMTP_CMD_MAX];
	int rc = 0;

	memset(stats, 0, sizeof(*stats));
	if (!s) {
		close(fd);
		return MG_CONN_IO;
	}
	s->srv = srv;
	s->stats = stats;
	mg_buf_init(&s->msg, 0);
	mg_conn_init(&s->conn, fd, (int)srv->timeout * 1000);
	s->conn.drain_fd = srv->drain_fd;
	mg_smtp_printable(s->env.peer, sizeof(s->env.peer), peer);
	reply(s, 220, "%s ESMTP mugai", srv->hostname);
	for (;;) {
		size_t len = 0;
		bool crlf;

		rc = mg_conn_read_line(&s->conn, line, sizeof(line), &len, &crlf);
		if (rc == MG_CONN_TOOLONG) {
			s->conn.err = 0;
			reply(s, 500, "5.5.2 Error: line too long");
			rc = 1;
		} else if (rc == MG_CONN_DRAIN) {
			s->conn.err = 0;
			stats->drained = true;
			reply(s, 421, "4.3.2 %s Service shutting down, try again later", srv->hostname);
			rc = 0;
		} else if (rc == 0) {
			rc = command(s, line, len);
		}
		if (rc == MG_CONN_TIMEOUT) {
			/* waiting for a command, or in the middle of DATA */
			s->conn.err = 0;
			stats->timed_out = true;
			reply(s, 421, "4.4.2 %s Error: timeout exceeded", srv->hostname);
		}
		if (rc == 1 && stats->errors >= max_errors) {
			reply(s, 421, "4.7.0 %s Error: too many errors", srv->hostname);
			rc = 0;
		}
		if (rc != 1)
			break;
	}
	mg_conn_flush(&s->conn);
	mg_conn_close(&s->conn);
	txn_reset(s);
	free(s);
	return rc;
}
