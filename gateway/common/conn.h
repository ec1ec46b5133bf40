/*
 * conn.h - one buffered connection (plain or TLS) with deadlines, shared
 * by the SMTP server session and the SMTP client transport.
 *
 * Every wait is bounded: each read or write waits at most timeout_ms, and
 * never past the absolute deadline when one is set.  Input is buffered so
 * that pipelined commands are read in batches, output is buffered and
 * flushed before the next wait for input (Postfix's smtpd does the same),
 * so a pipelining client gets its replies in one segment.  A write larger
 * than the buffer (a message) goes to the kernel in one call, and TCP
 * sockets run with TCP_NODELAY: since we only ever send whole batches,
 * Nagle's algorithm could only hold a message's tail back until the peer's
 * delayed ACK.
 */
#ifndef MUGAI_CONN_H
#define MUGAI_CONN_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/ssl.h>

enum {
	MG_CONN_OK = 0,
	MG_CONN_EOF = -1,     /* the peer closed */
	MG_CONN_TIMEOUT = -2, /* timeout_ms or the deadline passed */
	MG_CONN_IO = -3,      /* socket or TLS error */
	MG_CONN_DRAIN = -4,   /* drain_fd became readable while waiting for input */
	MG_CONN_TOOLONG = -5, /* a line longer than the caller's buffer (discarded) */
};

#define MG_CONN_BUF 16384

typedef struct mg_conn {
	int fd;
	SSL *ssl;
	int timeout_ms;   /* longest single wait */
	double deadline;  /* absolute, mg_conn_now() seconds; 0 for none */
	int drain_fd;     /* -1, or a descriptor that interrupts waits for input */
	int err;          /* first error, sticky */
	size_t in_pos, in_len;
	size_t out_len;
	unsigned char in[MG_CONN_BUF];
	unsigned char out[MG_CONN_BUF];
} mg_conn;

/* Monotonic seconds. */
double mg_conn_now(void);

void mg_conn_init(mg_conn *c, int fd, int timeout_ms);
/* Frees the TLS state and closes the descriptor. */
void mg_conn_close(mg_conn *c);

/* Reads one line up to LF into line (NUL-terminated, without CR/LF).
 * *crlf tells whether it ended in CRLF (false: a bare LF).  A line longer
 * than cap-1 is read to its end, discarded, and MG_CONN_TOOLONG returned.
 * 0 or a negative MG_CONN_*. */
int mg_conn_read_line(mg_conn *c, char *line, size_t cap, size_t *len, bool *crlf);
/* Makes sure some input is buffered (waits for it); 0 or MG_CONN_*. */
int mg_conn_fill(mg_conn *c);
/* The buffered input, and how much of it the caller used. */
static inline const unsigned char *mg_conn_peek(const mg_conn *c, size_t *n)
{
	*n = c->in_len - c->in_pos;
	return c->in + c->in_pos;
}
static inline void mg_conn_consume(mg_conn *c, size_t n)
{
	c->in_pos += n;
}
/* True when input is already buffered (here or inside TLS). */
bool mg_conn_pending(const mg_conn *c);
/* Drops buffered input (after STARTTLS: nothing sent in clear may count). */
void mg_conn_discard_input(mg_conn *c);

int mg_conn_write(mg_conn *c, const void *data, size_t len);
int mg_conn_printf(mg_conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int mg_conn_flush(mg_conn *c);

/* TLS handshakes on the connection (the buffers must be empty).  host, for
 * a client, is sent as SNI and checked when the context verifies peers. */
int mg_conn_tls_accept(mg_conn *c, SSL_CTX *ctx);
int mg_conn_tls_connect(mg_conn *c, SSL_CTX *ctx, const char *host);
/* "TLSv1.3 TLS_AES_256_GCM_SHA384" or "" without TLS. */
void mg_conn_tls_info(const mg_conn *c, char *out, size_t cap);

/* Connects to HOST:PORT (names resolved, each address tried) within
 * timeout_ms; a descriptor or -1 with errno. */
int mg_tcp_connect(const char *host, const char *port, int timeout_ms);
/* Connects to a unix socket within timeout_ms; a descriptor or -1. */
int mg_unix_connect(const char *path, int timeout_ms);

#endif
