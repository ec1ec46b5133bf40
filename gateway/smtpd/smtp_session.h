/*
 * smtp_session.h - one ESMTP server session on a connected socket.
 *
 * The session speaks the protocol (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP,
 * QUIT, VRFY, HELP, optional STARTTLS; PIPELINING, SIZE, 8BITMIME,
 * ENHANCEDSTATUSCODES) with every limit enforced, and hands each complete
 * message to the deliver callback, whose reply goes back to the client
 * after the final ".".  It keeps nothing: what the callback answers is
 * what the client hears.
 */
#ifndef MUGAI_SMTP_SESSION_H
#define MUGAI_SMTP_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "smtp_proto.h"

typedef struct mg_smtp_envelope {
	char helo[256];    /* what the client said in HELO/EHLO (printable) */
	char peer[64];     /* "[192.0.2.1]" */
	bool esmtp;        /* EHLO rather than HELO */
	bool tls;          /* STARTTLS done */
	char tls_info[96]; /* protocol and cipher when tls */
	char sender[MG_SMTP_PATH_MAX + 1]; /* "" for the null sender */
	char **rcpts;
	size_t nrcpts;
	uint64_t declared_size; /* MAIL ... SIZE=, 0 when not given */
	bool body_8bit;
	bool bare_lf;           /* the message had bare LF line ends */
} mg_smtp_envelope;

typedef void (*mg_smtp_deliver_fn)(void *ctx, const mg_smtp_envelope *env,
                                   const unsigned char *msg, size_t len, mg_smtp_reply *reply);

typedef struct mg_smtp_server {
	const char *hostname;  /* in the greeting and EHLO */
	uint64_t max_size;     /* largest message (SIZE, and enforced in DATA) */
	unsigned max_rcpts;    /* recipients per message */
	unsigned timeout;      /* seconds waiting for one command or data bytes */
	unsigned data_timeout; /* seconds for the whole DATA phase */
	unsigned max_errors;   /* errors before the session is ended (0: 20) */
	SSL_CTX *tls;          /* server context; NULL: no STARTTLS */
	int drain_fd;          /* readable: finish, answer 421 to the next command */
	mg_smtp_deliver_fn deliver;
	void *ctx;
	/* At MAIL: non-zero refuses the transaction with 451 and why (the
	 * quarantine is known to be unreachable, so nothing could be kept).
	 * NULL: no check. */
	int (*mail_check)(void *ctx, char *why, size_t len);
} mg_smtp_server;

typedef struct mg_smtp_stats {
	unsigned messages;  /* DATA phases completed and answered */
	unsigned accepted;  /* of which got a 2xx */
	unsigned errors;    /* 4xx/5xx answers to commands */
	bool drained;       /* ended by a drain request */
	bool timed_out;
} mg_smtp_stats;

/* Runs one session on fd (which it closes).  0 after QUIT or a drain, or
 * a negative MG_CONN_* when the connection ended otherwise. */
int mg_smtp_session(const mg_smtp_server *srv, int fd, const char *peer, mg_smtp_stats *stats);

#endif
