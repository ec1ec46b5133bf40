/*
 * transport.c - the next hop: an SMTP client, or a directory of .eml files.
 *
 * The client reads the next hop's replies through the same bounded
 * connection code as the server; a reply line longer than 1000 octets, a
 * reply that is not a reply, a timeout or a closed connection are all a
 * temporary failure, so the sender keeps the message and retries.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509_vfy.h>

#include "mugai.h"
#include "fileio.h"
#include "outfile.h"
#include "conn.h"
#include "transport.h"

/* An idle connection older than this is not reused. */
#define REUSE_SECONDS 5.0
/* The message is stuffed and written in slices of about this size: one
 * write for most mails, bounded memory for large ones. */
#define DATA_SLICE (256 * 1024)
#define REPLY_LINE_MAX 1001

enum kind { TR_SMTP, TR_DIR };
enum tls_mode { TLS_NO, TLS_MAY, TLS_YES };

struct mg_transport {
	enum kind kind;
	char *name;
	char *host, *port; /* smtp */
	char *dir;         /* dir */
	char *hostname;
	unsigned timeout, data_timeout;
	enum tls_mode tls;
	SSL_CTX *ssl_ctx;
	/* the cached connection */
	bool open;
	bool pipelining, ext_8bit, ext_size, ext_starttls;
	double idle_since;
	mg_conn conn;
};

/* "HOST:PORT" or "[v6]:PORT" into host and port. */
static int split_hostport(const char *s, char **host, char **port)
{
	const char *colon;
	size_t hlen;

	if (*s == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':')
			return -1;
		colon = close + 1;
		s++;
		hlen = (size_t)(close - s);
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -1;
		hlen = (size_t)(colon - s);
	}
	if (!hlen || !colon[1] || strspn(colon + 1, "0123456789") != strlen(colon + 1))
		return -1;
	*host = strndup(s, hlen);
	*port = strdup(colon + 1);
	return *host && *port ? 0 : -1;
}

static int setup_tls(mg_transport *t, const mg_transport_opts *o, char **err)
{
	const char *mode = o->tls && *o->tls ? o->tls : "no";

	if (strcmp(mode, "no") == 0 || strcmp(mode, "none") == 0)
		return 0;
	if (strcmp(mode, "may") == 0)
		t->tls = TLS_MAY;
	else if (strcmp(mode, "yes") == 0 || strcmp(mode, "encrypt") == 0)
		t->tls = TLS_YES;
	else
		return *err = mg_strf("relay.tls: '%s' is not no, may or yes", mode), -1;
	t->ssl_ctx = SSL_CTX_new(TLS_client_method());
	if (!t->ssl_ctx)
		return *err = mg_strf("%s: cannot create a TLS context", t->name), -1;
	SSL_CTX_set_min_proto_version(t->ssl_ctx, TLS1_2_VERSION);
	if (t->tls == TLS_YES) {
		/* "yes" means an authenticated next hop, not only an encrypted one */
		SSL_CTX_set_verify(t->ssl_ctx, SSL_VERIFY_PEER, NULL);
		/* relay.tls_ca may hold the next hop's own certificate (pinning) */
		X509_VERIFY_PARAM_set_flags(SSL_CTX_get0_param(t->ssl_ctx), X509_V_FLAG_PARTIAL_CHAIN);
		if (o->tls_ca && *o->tls_ca ? !SSL_CTX_load_verify_locations(t->ssl_ctx, o->tls_ca, NULL)
		                            : !SSL_CTX_set_default_verify_paths(t->ssl_ctx)) {
			ERR_clear_error();
			return *err = mg_strf("relay.tls_ca: cannot load '%s'", o->tls_ca ? o->tls_ca : ""),
			       -1;
		}
	}
	return 0;
}

mg_transport *mg_transport_new(const char *next_hop, const mg_transport_opts *o, char **err)
{
	mg_transport *t = calloc(1, sizeof(*t));

	*err = NULL;
	if (!t || !(t->name = strdup(next_hop)) ||
	    !(t->hostname = strdup(o->hostname && *o->hostname ? o->hostname : "localhost"))) {
		*err = mg_strf("%s: out of memory", next_hop);
		goto fail;
	}
	t->timeout = o->timeout ? o->timeout : 300;
	t->data_timeout = o->data_timeout ? o->data_timeout : t->timeout;
	t->conn.fd = -1;
	if (strncmp(next_hop, "smtp:", 5) == 0) {
		t->kind = TR_SMTP;
		if (split_hostport(next_hop + 5, &t->host, &t->port) < 0) {
			*err = mg_strf("relay.next_hop: '%s' is not smtp:HOST:PORT", next_hop);
			goto fail;
		}
		if (setup_tls(t, o, err) < 0)
			goto fail;
	} else if (strncmp(next_hop, "dir:", 4) == 0 && next_hop[4]) {
		t->kind = TR_DIR;
		if (!(t->dir = strdup(next_hop + 4))) {
			*err = mg_strf("%s: out of memory", next_hop);
			goto fail;
		}
		/* the master may have made it; a failure shows at the first send */
		mg_mkdirs(t->dir, 0750);
	} else {
		*err = mg_strf("relay.next_hop: '%s' is neither smtp:HOST:PORT nor dir:PATH", next_hop);
		goto fail;
	}
	return t;
fail:
	mg_transport_free(t);
	return NULL;
}

static void drop_conn(mg_transport *t)
{
	if (t->open)
		mg_conn_close(&t->conn);
	t->open = false;
}

void mg_transport_free(mg_transport *t)
{
	if (!t)
		return;
	if (t->open) {
		mg_conn_printf(&t->conn, "QUIT\r\n");
		mg_conn_flush(&t->conn);
	}
	drop_conn(t);
	if (t->ssl_ctx)
		SSL_CTX_free(t->ssl_ctx);
	free(t->name);
	free(t->host);
	free(t->port);
	free(t->dir);
	free(t->hostname);
	free(t);
}

const char *mg_transport_name(const mg_transport *t)
{
	return t->name;
}

/* --- SMTP client ------------------------------------------------------- */

typedef struct reply_acc {
	int code;
	char text[400];  /* the first line's text */
} reply_acc;

/* Reads one (multi-line) reply; with ehlo set, notes the extensions. */
static int read_reply(mg_transport *t, reply_acc *r, bool ehlo)
{
	char line[REPLY_LINE_MAX];
	bool first = true, last = false, crlf;

	while (!last) {
		size_t len;
		const char *text;
		int code;

		if (mg_conn_read_line(&t->conn, line, sizeof(line), &len, &crlf) < 0 ||
		    mg_smtp_parse_reply_line(line, &code, &last, &text) < 0 ||
		    (!first && code != r->code))
			return -1;
		if (first)
			snprintf(r->text, sizeof(r->text), "%s", text);
		r->code = code;
		first = false;
		if (ehlo && code == 250) {
			if (strcasecmp(text, "PIPELINING") == 0)
				t->pipelining = true;
			else if (strcasecmp(text, "8BITMIME") == 0)
				t->ext_8bit = true;
			else if (strcasecmp(text, "STARTTLS") == 0)
				t->ext_starttls = true;
			else if (strncasecmp(text, "SIZE", 4) == 0 && (!text[4] || text[4] == ' '))
				t->ext_size = true;
		}
	}
	return 0;
}

/* Our reply for a local failure talking to the next hop. */
static int conn_fail(mg_transport *t, mg_smtp_reply *reply, const char *what)
{
	const char *why = t->conn.err == MG_CONN_TIMEOUT ? "timeout"
	                  : t->conn.err == MG_CONN_EOF   ? "connection closed"
	                                                 : "protocol or I/O error";

	mg_smtp_reply_set(reply, 451, "4.4.2 next hop %s: %s %s", t->name, why, what);
	drop_conn(t);
	return MG_TR_TEMPFAIL;
}

/* The next hop's reply r, handed on: 4xx temporary, 5xx permanent. */
static int hop_fail(mg_transport *t, mg_smtp_reply *reply, const reply_acc *r, const char *what)
{
	bool perm = r->code >= 500;

	mg_smtp_reply_set(reply, perm ? 554 : 451, "%s next hop %s said %d %s (%s)",
	                  perm ? "5.0.0" : "4.0.0", t->name, r->code, r->text, what);
	/* its enhanced code says more than ours: use it when it has one */
	if (isdigit((unsigned char)r->text[0]) && r->text[1] == '.' &&
	    r->text[0] == (perm ? '5' : '4'))
		mg_smtp_reply_set(reply, perm ? 554 : 451, "%s (next hop %s, %s)", r->text, t->name,
		                  what);
	return perm ? MG_TR_PERMFAIL : MG_TR_TEMPFAIL;
}

static int ehlo(mg_transport *t, mg_smtp_reply *reply)
{
	reply_acc r;

	t->pipelining = t->ext_8bit = t->ext_size = t->ext_starttls = false;
	mg_conn_printf(&t->conn, "EHLO %s\r\n", t->hostname);
	if (read_reply(t, &r, true) < 0)
		return conn_fail(t, reply, "after EHLO");
	if (r.code / 100 == 2)
		return MG_TR_OK;
	mg_conn_printf(&t->conn, "HELO %s\r\n", t->hostname);
	if (read_reply(t, &r, false) < 0)
		return conn_fail(t, reply, "after HELO");
	if (r.code / 100 != 2) {
		hop_fail(t, reply, &r, "HELO");
		drop_conn(t);
		return MG_TR_TEMPFAIL;
	}
	return MG_TR_OK;
}

static int starttls(mg_transport *t, mg_smtp_reply *reply)
{
	reply_acc r;

	mg_conn_printf(&t->conn, "STARTTLS\r\n");
	if (read_reply(t, &r, false) < 0)
		return conn_fail(t, reply, "after STARTTLS");
	if (r.code != 220) {
		hop_fail(t, reply, &r, "STARTTLS");
		drop_conn(t);
		return MG_TR_TEMPFAIL;
	}
	mg_conn_discard_input(&t->conn);
	if (mg_conn_tls_connect(&t->conn, t->ssl_ctx, t->host) < 0)
		return conn_fail(t, reply, "in the TLS handshake");
	return ehlo(t, reply);
}

/* Opens and greets; with plain set, never tries STARTTLS. */
static int connect_hop(mg_transport *t, mg_smtp_reply *reply, bool plain)
{
	reply_acc r;
	int fd, rc;

	fd = mg_tcp_connect(t->host, t->port, (int)t->timeout * 1000);
	if (fd < 0) {
		mg_smtp_reply_set(reply, 451, "4.4.1 next hop %s: %s", t->name, strerror(errno));
		return MG_TR_TEMPFAIL;
	}
	mg_conn_init(&t->conn, fd, (int)t->timeout * 1000);
	t->open = true;
	if (read_reply(t, &r, false) < 0)
		return conn_fail(t, reply, "before the greeting");
	if (r.code != 220) {
		/* a server that will not talk is temporary, whatever it says */
		hop_fail(t, reply, &r, "greeting");
		drop_conn(t);
		mg_smtp_reply_set(reply, 451, "4.4.1 next hop %s refused the session: %d %s", t->name,
		                  r.code, r.text);
		return MG_TR_TEMPFAIL;
	}
	if ((rc = ehlo(t, reply)) != MG_TR_OK)
		return rc;
	if (t->tls == TLS_NO || plain)
		return MG_TR_OK;
	if (!t->ext_starttls) {
		if (t->tls == TLS_MAY)
			return MG_TR_OK;
		drop_conn(t);
		mg_smtp_reply_set(reply, 451, "4.7.4 next hop %s does not offer STARTTLS", t->name);
		return MG_TR_TEMPFAIL;
	}
	rc = starttls(t, reply);
	if (rc != MG_TR_OK && t->tls == TLS_MAY)
		return connect_hop(t, reply, true); /* opportunistic: fall back to clear text */
	return rc;
}

/* A cached connection is used only when fresh and the peer has said
 * nothing since (a 421 or a close would be waiting to be read). */
static bool reusable(mg_transport *t)
{
	if (!t->open)
		return false;
	if (mg_conn_now() - t->idle_since > REUSE_SECONDS || mg_conn_pending(&t->conn)) {
		drop_conn(t);
		return false;
	}
	char c;
	ssize_t r = recv(t->conn.fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);

	if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK) || r > 0) {
		drop_conn(t);
		return false;
	}
	return true;
}

static bool has_8bit(const struct iovec *parts, size_t nparts)
{
	for (size_t k = 0; k < nparts; k++) {
		const unsigned char *p = parts[k].iov_base;

		for (size_t i = 0; i < parts[k].iov_len; i++)
			if (p[i] & 0x80)
				return true;
	}
	return false;
}

/* Counts one RCPT reply; bad keeps the most telling refusal (a 4xx
 * over a 5xx: it is what the sender will be told). */
static void tally(const reply_acc *rr, size_t *ok, size_t *temp, reply_acc *bad)
{
	if (rr->code / 100 == 2) {
		(*ok)++;
		return;
	}
	if (rr->code / 100 == 4)
		(*temp)++;
	if (!bad->code || (bad->code >= 500 && rr->code < 500))
		*bad = *rr;
}

/* MAIL and RCPT (pipelined when offered); MG_TR_OK when all were taken. */
static int envelope(mg_transport *t, const mg_envelope *env, size_t len, bool eight,
                    mg_smtp_reply *reply)
{
	reply_acc r = { 0, "" }, rr, bad = { 0, "" };
	size_t ok = 0, temp = 0;

	mg_conn_printf(&t->conn, "MAIL FROM:<%s>", env->sender ? env->sender : "");
	if (t->ext_size)
		mg_conn_printf(&t->conn, " SIZE=%zu", len);
	if (eight && t->ext_8bit)
		mg_conn_printf(&t->conn, " BODY=8BITMIME");
	mg_conn_printf(&t->conn, "\r\n");
	if (!t->pipelining) {
		if (read_reply(t, &r, false) < 0)
			return conn_fail(t, reply, "after MAIL");
		if (r.code / 100 != 2)
			return hop_fail(t, reply, &r, "MAIL FROM");
	}
	for (size_t i = 0; i < env->nrcpts; i++) {
		mg_conn_printf(&t->conn, "RCPT TO:<%s>\r\n", env->rcpts[i]);
		if (t->pipelining)
			continue;
		if (read_reply(t, &rr, false) < 0)
			return conn_fail(t, reply, "after RCPT");
		tally(&rr, &ok, &temp, &bad);
	}
	if (t->pipelining) {
		if (read_reply(t, &r, false) < 0)
			return conn_fail(t, reply, "after MAIL");
		for (size_t i = 0; i < env->nrcpts; i++) {
			if (read_reply(t, &rr, false) < 0)
				return conn_fail(t, reply, "after RCPT");
			tally(&rr, &ok, &temp, &bad);
		}
		if (r.code / 100 != 2)
			return hop_fail(t, reply, &r, "MAIL FROM");
	}
	if (ok == env->nrcpts)
		return MG_TR_OK;
	if (ok == 0)
		return hop_fail(t, reply, &bad, temp ? "RCPT TO" : "RCPT TO, every recipient");
	/* some accepted, some not: all or nothing (see transport.h) */
	if (bad.code >= 500)
		bad.code = 450;
	if (bad.text[0] == '5')
		bad.text[0] = '4';
	return hop_fail(t, reply, &bad, "RCPT TO, not every recipient accepted");
}

/* After a failed transaction on a live connection: RSET, or close. */
static void abandon(mg_transport *t)
{
	reply_acc r;

	if (!t->open)
		return;
	mg_conn_printf(&t->conn, "RSET\r\n");
	if (read_reply(t, &r, false) < 0 || r.code != 250)
		drop_conn(t);
	else
		t->idle_since = mg_conn_now();
}

/* Stuffs and writes the parts slice by slice, the end of data with the
 * last slice; -1 only when out of memory (I/O errors stick to the conn). */
static int stream_parts(mg_transport *t, const struct iovec *parts, size_t nparts)
{
	mg_smtp_stuffer st;
	mg_buf slice;
	int rc = 0;

	/* a slice's input at most doubles (bare LFs, leading dots) */
	mg_buf_init(&slice, 3 * DATA_SLICE + 16);
	mg_smtp_stuff_init(&st);
	for (size_t k = 0; k < nparts && rc == 0; k++) {
		const unsigned char *p = parts[k].iov_base;
		size_t left = parts[k].iov_len;

		while (left > 0 && rc == 0) {
			size_t n = left < DATA_SLICE ? left : DATA_SLICE;

			/* a full slice goes only when more follows: the end of
			 * data never travels alone */
			if (slice.len >= DATA_SLICE) {
				mg_conn_write(&t->conn, slice.data, slice.len);
				mg_buf_reset(&slice);
			}
			rc = mg_smtp_stuff_feed(&st, &slice, p, n);
			p += n;
			left -= n;
		}
	}
	if (rc == 0 && (rc = mg_smtp_stuff_end(&st, &slice)) == 0)
		mg_conn_write(&t->conn, slice.data, slice.len);
	mg_buf_free(&slice);
	return rc;
}

static int send_data(mg_transport *t, const struct iovec *parts, size_t nparts,
                     mg_smtp_reply *reply)
{
	reply_acc r;
	int rc;

	mg_conn_printf(&t->conn, "DATA\r\n");
	if (read_reply(t, &r, false) < 0)
		return conn_fail(t, reply, "after DATA");
	if (r.code != 354)
		return hop_fail(t, reply, &r, "DATA");
	if (stream_parts(t, parts, nparts) < 0) {
		mg_smtp_reply_set(reply, 451, "4.3.0 out of memory sending to %s", t->name);
		drop_conn(t);
		return MG_TR_TEMPFAIL;
	}
	t->conn.timeout_ms = (int)t->data_timeout * 1000;
	rc = read_reply(t, &r, false);
	t->conn.timeout_ms = (int)t->timeout * 1000;
	if (rc < 0)
		return conn_fail(t, reply, "after the end of data");
	if (r.code / 100 != 2)
		return hop_fail(t, reply, &r, "end of data");
	mg_smtp_reply_set(reply, 250, "%s (next hop %s)", r.text, t->name);
	return MG_TR_OK;
}

static int smtp_send(mg_transport *t, const mg_envelope *env, const struct iovec *parts,
                     size_t nparts, size_t len, mg_smtp_reply *reply)
{
	bool eight = has_8bit(parts, nparts), reused = reusable(t);
	int rc;

	if (!reused && (rc = connect_hop(t, reply, false)) != MG_TR_OK)
		return rc;
	rc = envelope(t, env, len, eight, reply);
	if (rc != MG_TR_OK && reused && !t->open) {
		/* the cached connection died under us before anything was
		 * accepted: one fresh try is safe */
		if ((rc = connect_hop(t, reply, false)) != MG_TR_OK)
			return rc;
		rc = envelope(t, env, len, eight, reply);
	}
	if (rc == MG_TR_OK)
		rc = send_data(t, parts, nparts, reply);
	if (rc != MG_TR_OK)
		abandon(t);
	t->idle_since = mg_conn_now();
	return rc;
}

/* --- dir: ---------------------------------------------------------------- */

/* The envelope travels with the file, as a delivery agent would add it. */
static int envelope_header(mg_buf *head, const mg_envelope *env)
{
	mg_buf_printf(head, "Return-Path: <%s>\r\nX-Mugai-Envelope-To: ",
	              env->sender ? env->sender : "");
	for (size_t i = 0; i < env->nrcpts; i++)
		mg_buf_printf(head, "%s<%s>", i ? ",\r\n\t" : "", env->rcpts[i]);
	return mg_buf_puts(head, "\r\n");
}

static int dir_send(mg_transport *t, const mg_envelope *env, const struct iovec *msg,
                    size_t nmsg, mg_smtp_reply *reply)
{
	mg_buf head;
	char *name = NULL, *final = NULL;
	const void **parts = calloc(nmsg + 1, sizeof(*parts));
	size_t *lens = calloc(nmsg + 1, sizeof(*lens));
	int rc = MG_TR_TEMPFAIL;

	mg_buf_init(&head, 1 << 20);
	if (!parts || !lens || envelope_header(&head, env) < 0 ||
	    asprintf(&name, "%s.eml", env->id ? env->id : "mail") < 0) {
		name = NULL;
		mg_smtp_reply_set(reply, 451, "4.3.0 out of memory writing to %s", t->dir);
		goto done;
	}
	parts[0] = head.data;
	lens[0] = head.len;
	for (size_t k = 0; k < nmsg; k++) {
		parts[k + 1] = msg[k].iov_base;
		lens[k + 1] = msg[k].iov_len;
	}
	if (mg_mkdirs(t->dir, 0750) < 0 ||
	    mg_outfile_write(t->dir, name, parts, lens, nmsg + 1, &final) < 0) {
		mg_smtp_reply_set(reply, 451, "4.3.0 cannot write to %s: %s", t->dir, strerror(errno));
		goto done;
	}
	mg_smtp_reply_set(reply, 250, "2.0.0 Ok: written as %s/%s", t->dir, final);
	rc = MG_TR_OK;
done:
	free(final);
	free(name);
	free(parts);
	free(lens);
	mg_buf_free(&head);
	return rc;
}

int mg_transport_sendv(mg_transport *t, const mg_envelope *env, const struct iovec *parts,
                       size_t nparts, mg_smtp_reply *reply)
{
	size_t len = 0;

	if (!env->nrcpts) {
		mg_smtp_reply_set(reply, 554, "5.5.1 no recipients");
		return MG_TR_PERMFAIL;
	}
	for (size_t k = 0; k < nparts; k++)
		len += parts[k].iov_len;
	return t->kind == TR_DIR ? dir_send(t, env, parts, nparts, reply)
	                         : smtp_send(t, env, parts, nparts, len, reply);
}

int mg_transport_send(mg_transport *t, const mg_envelope *env, const unsigned char *msg,
                      size_t len, mg_smtp_reply *reply)
{
	struct iovec one = { (void *)(uintptr_t)msg, len };

	return mg_transport_sendv(t, env, &one, 1, reply);
}
