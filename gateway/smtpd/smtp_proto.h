/*
 * smtp_proto.h - the SMTP grammar, without sockets: command lines, paths
 * and their parameters, the DATA stream decoder, replies and the Received:
 * header.  The server session (smtp_session.c) and the client transport
 * (transport.c) use it; the unit tests and the fuzzer drive it directly.
 *
 * Everything an address may contain is checked here, so nothing a client
 * sends can carry a CR, LF or NUL into a command we send the next hop.
 */
#ifndef MUGAI_SMTP_PROTO_H
#define MUGAI_SMTP_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* RFC 5321 4.5.3.1: a command line is at most 512 octets with its CRLF, a
 * path at most 256, a text line 1000. */
#define MG_SMTP_CMD_MAX 512
#define MG_SMTP_PATH_MAX 256
#define MG_SMTP_TEXT_MAX 1000

typedef enum mg_smtp_verb {
	MG_SMTP_UNKNOWN = 0,
	MG_SMTP_HELO,
	MG_SMTP_EHLO,
	MG_SMTP_MAIL,
	MG_SMTP_RCPT,
	MG_SMTP_DATA,
	MG_SMTP_RSET,
	MG_SMTP_NOOP,
	MG_SMTP_QUIT,
	MG_SMTP_VRFY,
	MG_SMTP_EXPN,
	MG_SMTP_HELP,
	MG_SMTP_STARTTLS,
	MG_SMTP_AUTH,
	MG_SMTP_BDAT,
	MG_SMTP_HTTP, /* GET, POST, CONNECT...: a web client, not a mail client */
} mg_smtp_verb;

typedef struct mg_smtp_cmd {
	mg_smtp_verb verb;
	const char *arg; /* points into the line: after the verb and blanks; "" when none */
} mg_smtp_cmd;

/* Splits a command line (without CRLF).  Never fails: an unknown verb is
 * MG_SMTP_UNKNOWN.  The line must stay alive while cmd is used. */
void mg_smtp_parse_command(const char *line, mg_smtp_cmd *cmd);

/* Parses "FROM:<path> params" (prefix "FROM:") or "TO:<path> params"
 * ("TO:").  A blank after the colon is tolerated; the angle brackets are
 * not optional.  A source route (<@a,@b:user@d>) is dropped.  addr gets
 * the mailbox ("" for the null path <>, accepted only when null_ok).
 * *params points at the parameters ("" when none).  0, or -1 with *why
 * set to a reply text ("5.1.7 Bad sender address syntax"...). */
int mg_smtp_parse_path(const char *arg, const char *prefix, bool null_ok, char *addr,
                       size_t cap, const char **params, const char **why);

/* MAIL parameters we know: SIZE=n and BODY=7BIT|8BITMIME.  Unknown ones
 * fail (RFC 5321 4.1.1.11: 555).  0, or -1 with *why. */
typedef struct mg_smtp_mail_params {
	uint64_t size; /* 0 when not given */
	bool body_8bit;
} mg_smtp_mail_params;
int mg_smtp_parse_mail_params(const char *params, mg_smtp_mail_params *mp, const char **why);

/* The DATA decoder: fed the raw bytes after "354", it writes the message
 * with dot-unstuffing and CRLF line ends into out, and stops right after
 * the end of data, leaving pipelined commands that follow untouched.
 *
 * Line ends: CRLF, or a bare LF, which is taken as a line end and written
 * as CRLF (Postfix's "normalize").  The end of data is recognised only as
 * CRLF "." CRLF: a "." line next to a bare LF is kept as a line of text, so
 * the ambiguity SMTP smuggling relies on cannot end a message early here,
 * and the message we pass on is re-encoded anyway.  Past out->max the
 * decoder keeps reading to the end but stores nothing (overflow). */
typedef struct mg_smtp_data {
	mg_buf *out;
	int state;          /* internal */
	bool prev_crlf;     /* the previous line ended in CRLF (or none yet) */
	bool done;          /* the end of data was seen */
	bool overflow;      /* the message was larger than out->max */
	bool bare_lf;       /* at least one line ended in a bare LF */
	size_t line_len;    /* length of the current line so far */
	size_t longest;     /* longest line seen, without its line end */
	uint64_t total;     /* bytes of message seen (stored or not) */
} mg_smtp_data;

void mg_smtp_data_init(mg_smtp_data *d, mg_buf *out);
/* Consumes bytes up to and including the end of data; returns how many. */
size_t mg_smtp_data_feed(mg_smtp_data *d, const unsigned char *p, size_t n);

/* Dot-stuffs a message for sending in DATA: CRLF line ends (a bare LF
 * becomes CRLF), a leading "." doubled, a final CRLF added when missing,
 * then "." CRLF.  0 or -1 when out's maximum was passed. */
int mg_smtp_dot_stuff(mg_buf *out, const unsigned char *msg, size_t len);

/* The same in pieces, so that a message in several parts is stuffed as it
 * is sent, without a stuffed copy of the whole: feed each piece, then end
 * (the final CRLF when missing, and "." CRLF).  0 or -1 as above. */
typedef struct mg_smtp_stuffer {
	bool bol;           /* at the start of a line */
	unsigned char prev; /* the last byte fed */
} mg_smtp_stuffer;

void mg_smtp_stuff_init(mg_smtp_stuffer *st);
int mg_smtp_stuff_feed(mg_smtp_stuffer *st, mg_buf *out, const unsigned char *p, size_t n);
int mg_smtp_stuff_end(mg_smtp_stuffer *st, mg_buf *out);

/* A reply: code, text after the code (with the enhanced status code). */
typedef struct mg_smtp_reply {
	int code;
	char text[512];
} mg_smtp_reply;

void mg_smtp_reply_set(mg_smtp_reply *r, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Parses one reply line from a server: "250-text" or "250 text".  *last
 * tells whether it was the final line.  0, or -1 when not a reply. */
int mg_smtp_parse_reply_line(const char *line, int *code, bool *last, const char **text);

/* A printable, bounded copy of untrusted text for headers and logs: bytes
 * outside 0x21..0x7e become '?', at most cap-1 bytes. */
void mg_smtp_printable(char *out, size_t cap, const char *in);

/* The Received: header for our hop (RFC 5321 4.4), CRLF-terminated and
 * folded.  helo and peer come from the client, sanitised here. */
typedef struct mg_smtp_trace {
	const char *helo;     /* the name the client gave */
	const char *peer;     /* "[192.0.2.1]" */
	const char *by;       /* our host name */
	const char *id;       /* item id */
	const char *rcpt;     /* the only recipient, or NULL when several */
	bool esmtp, tls;
	long long when;       /* unix seconds */
} mg_smtp_trace;
int mg_smtp_received(mg_buf *out, const mg_smtp_trace *t);

#endif
