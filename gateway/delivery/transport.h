/*
 * transport.h - the next hop: where a sanitised message goes.
 *
 *   smtp:HOST:PORT   an SMTP client to the LGWAN-side MTA ([v6addr]:PORT too)
 *   dir:PATH         one .eml file per message in PATH, written atomically
 *                    (temp file, fsync, rename, fsync of the directory)
 *
 * mg_transport_send() returns MG_TR_OK only when the next hop took the
 * message for all recipients: the SMTP server answered 250 to the final
 * ".", or the file is durably in place.  Anything else is a temporary
 * (MG_TR_TEMPFAIL: retry later) or a permanent (MG_TR_PERMFAIL) failure,
 * with the next hop's reply (or ours) in *reply.
 *
 * Recipients: all or nothing.  If any recipient gets a 4xx, or some get a
 * 5xx while others are accepted, the transaction is abandoned (RSET) and
 * the whole message temp-fails, so it is never delivered to some
 * recipients and retried for all.  Only when every recipient is refused
 * with a 5xx does the message fail permanently.
 *
 * An SMTP connection is kept for the next message for a few seconds
 * (checked before reuse; re-opened when the next hop closed it).
 */
#ifndef MUGAI_TRANSPORT_H
#define MUGAI_TRANSPORT_H

#include <stddef.h>
#include <sys/uio.h>

#include "smtp_proto.h"

enum { MG_TR_OK = 0, MG_TR_TEMPFAIL = -1, MG_TR_PERMFAIL = -2 };

typedef struct mg_transport_opts {
	const char *hostname;  /* our name in EHLO */
	unsigned timeout;      /* seconds: connect, and each command's reply */
	unsigned data_timeout; /* seconds for the reply to the final "." (0: timeout) */
	const char *tls;       /* STARTTLS to the next hop: "no" (default), "may", "yes" */
	const char *tls_ca;    /* CA file that verifies the next hop with "yes"; NULL/"": system */
} mg_transport_opts;

typedef struct mg_envelope {
	const char *id;        /* item id: names the file of dir: */
	const char *sender;    /* "" for the null sender */
	const char *const *rcpts;
	size_t nrcpts;
} mg_envelope;

typedef struct mg_transport mg_transport;

/* Parses next_hop; NULL with *err (free() it) when it is not valid. */
mg_transport *mg_transport_new(const char *next_hop, const mg_transport_opts *opts, char **err);
void mg_transport_free(mg_transport *t);
/* "smtp:HOST:PORT" or "dir:PATH", as configured. */
const char *mg_transport_name(const mg_transport *t);

/* Delivers msg (a complete message, CRLF or LF line ends). */
int mg_transport_send(mg_transport *t, const mg_envelope *env, const unsigned char *msg,
                      size_t len, mg_smtp_reply *reply);
/* The same for a message in parts (say our trace header, then the
 * worker's artefact): dot-stuffed and written as it goes, never copied
 * whole. */
int mg_transport_sendv(mg_transport *t, const mg_envelope *env, const struct iovec *parts,
                       size_t nparts, mg_smtp_reply *reply);

#endif
