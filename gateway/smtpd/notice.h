/*
 * notice.h - the message recipients get instead of a mail that was
 * blocked whole (a limit, a crash of its worker, malware, an encrypted
 * message): nothing is ever dropped in silence.
 *
 * The notice is a new text/plain UTF-8 message (base64, so no line of the
 * untrusted reason or subject can shape it), bilingual by default, or
 * built from the operator's template (smtp.notice): an optional first line
 * "Subject: ...", a blank line, then the body.  Placeholders: {item},
 * {verdict}, {reason}, {reason_ja}, {sender}, {subject}, {size}, {date},
 * {host}, {recipients} (beware: lists every envelope recipient, Bcc too).
 */
#ifndef MUGAI_NOTICE_H
#define MUGAI_NOTICE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "mugai.h"

typedef struct mg_notice_info {
	const char *item_id;
	const char *verdict;  /* "blocked", "malware", "encrypted", "error" */
	mg_status status;
	const char *reason;   /* English, for a person */
	const char *sender;   /* envelope sender, "" for <> */
	const char *const *rcpts;
	size_t nrcpts;
	const char *subject;  /* the original's decoded subject, NULL when unknown */
	uint64_t size;        /* bytes of the original */
	const char *host;     /* our host name */
	long long when;       /* unix seconds */
} mg_notice_info;

/* Appends the whole notice message (headers and body, CRLF) to out.
 * tmpl: the template's text, or NULL for the built-in one.  0 or -1. */
int mg_notice_build(mg_buf *out, const mg_notice_info *n, const char *tmpl);
/* The same, with msg (a message mugai rebuilt, CRLF) attached after the
 * text as message/rfc822: PPAP's follow-up carries the opened mail so. */
int mg_notice_build_attached(mg_buf *out, const mg_notice_info *n, const char *tmpl,
                             const unsigned char *msg, size_t msg_len);

/* The Japanese for a status ("上限を超えている" ...). */
const char *mg_notice_status_ja(mg_status st, const char *verdict);

#endif
