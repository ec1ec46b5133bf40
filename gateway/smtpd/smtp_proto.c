/*
 * smtp_proto.c - the SMTP grammar (RFC 5321) as pure functions: no I/O,
 * every length bounded, every byte of an address checked against the
 * grammar before it can reach a command line of ours.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "smtp_proto.h"

static const struct {
	const char *name;
	mg_smtp_verb verb;
} verbs[] = {
	{ "HELO", MG_SMTP_HELO }, { "EHLO", MG_SMTP_EHLO },         { "MAIL", MG_SMTP_MAIL },
	{ "RCPT", MG_SMTP_RCPT }, { "DATA", MG_SMTP_DATA },         { "RSET", MG_SMTP_RSET },
	{ "NOOP", MG_SMTP_NOOP }, { "QUIT", MG_SMTP_QUIT },         { "VRFY", MG_SMTP_VRFY },
	{ "EXPN", MG_SMTP_EXPN }, { "HELP", MG_SMTP_HELP },         { "STARTTLS", MG_SMTP_STARTTLS },
	{ "AUTH", MG_SMTP_AUTH }, { "BDAT", MG_SMTP_BDAT },         { "GET", MG_SMTP_HTTP },
	{ "POST", MG_SMTP_HTTP }, { "HEAD", MG_SMTP_HTTP },         { "PUT", MG_SMTP_HTTP },
	{ "CONNECT", MG_SMTP_HTTP }, { "USER-AGENT:", MG_SMTP_HTTP }, { "HOST:", MG_SMTP_HTTP },
};

void mg_smtp_parse_command(const char *line, mg_smtp_cmd *cmd)
{
	size_t n = strcspn(line, " \t");
	const char *arg = line + n;

	while (*arg == ' ' || *arg == '\t')
		arg++;
	cmd->verb = MG_SMTP_UNKNOWN;
	cmd->arg = arg;
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strlen(verbs[i].name) == n && strncasecmp(line, verbs[i].name, n) == 0) {
			cmd->verb = verbs[i].verb;
			return;
		}
}

/* RFC 5322 atext */
static bool is_atext(unsigned char c)
{
	return isalnum(c) || (c && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

/* Dot-string or quoted-string; returns the end or NULL. */
static const char *scan_local(const char *p, const char *end)
{
	if (p < end && *p == '"') {
		for (p++; p < end && *p != '"'; p++) {
			if (*p == '\\' && p + 1 < end)
				p++;
			if ((unsigned char)*p < 32 || (unsigned char)*p > 126)
				return NULL;
		}
		return p < end ? p + 1 : NULL;
	}
	const char *start = p;

	for (; p < end && (is_atext((unsigned char)*p) || *p == '.'); p++)
		if (*p == '.' && (p == start || p[-1] == '.'))
			return NULL;
	return p > start && p[-1] != '.' ? p : NULL;
}

/* A domain name or an address literal; true when [p, end) is one. */
static bool valid_domain(const char *p, const char *end)
{
	size_t label = 0;

	if (p == end || end - p > 255)
		return false;
	if (*p == '[') {
		if (end[-1] != ']' || end - p < 3)
			return false;
		for (p++; p < end - 1; p++)
			if ((unsigned char)*p < 33 || (unsigned char)*p > 126 || strchr("[]\\", *p))
				return false;
		return true;
	}
	for (; p < end; p++) {
		if (*p == '.') {
			if (label == 0 || p[-1] == '-')
				return false;
			label = 0;
		} else if (isalnum((unsigned char)*p) || (*p == '-' && label > 0)) {
			if (++label > 63)
				return false;
		} else {
			return false;
		}
	}
	return label > 0 && end[-1] != '-';
}

/* The end of the path's '>' (quotes respected), or NULL. */
static const char *path_end(const char *p)
{
	bool quoted = false;

	for (; *p; p++) {
		if (quoted && *p == '\\' && p[1]) {
			p++;
			continue;
		}
		if (*p == '"')
			quoted = !quoted;
		else if (*p == '>' && !quoted)
			return p;
	}
	return NULL;
}

static int path_fail(const char *prefix, const char **why, const char *what)
{
	bool from = strcasecmp(prefix, "FROM:") == 0;

	*why = what ? what : from ? "5.1.7 Bad sender address syntax" : "5.1.3 Bad recipient address syntax";
	return -1;
}

int mg_smtp_parse_path(const char *arg, const char *prefix, bool null_ok, char *addr,
                       size_t cap, const char **params, const char **why)
{
	size_t plen = strlen(prefix);
	const char *p, *end, *at = NULL, *local_end;

	if (strncasecmp(arg, prefix, plen) != 0)
		return path_fail(prefix, why,
		                 strcasecmp(prefix, "FROM:") == 0 ? "5.5.4 Syntax: MAIL FROM:<address>"
		                                                  : "5.5.4 Syntax: RCPT TO:<address>");
	p = arg + plen;
	while (*p == ' ')
		p++;
	if (*p != '<' || !(end = path_end(p + 1)))
		return path_fail(prefix, why, NULL);
	for (const char *q = p; q < end; q++)
		if ((unsigned char)*q > 126)
			return path_fail(prefix, why, "5.6.7 Non-ASCII address without SMTPUTF8");
	if (end - p - 1 > MG_SMTP_PATH_MAX || (size_t)(end - p) > cap)
		return path_fail(prefix, why, "5.5.4 Path too long");
	p++;
	if (*p == '@') {
		/* a source route: obsolete, allowed to be ignored (RFC 5321 C) */
		const char *colon = memchr(p, ':', (size_t)(end - p));

		if (!colon)
			return path_fail(prefix, why, NULL);
		for (const char *q = p; q < colon; q++)
			if (!(isalnum((unsigned char)*q) || strchr("@,.-[]", *q)))
				return path_fail(prefix, why, NULL);
		p = colon + 1;
	}
	if (p == end) {
		if (!null_ok)
			return path_fail(prefix, why, NULL);
		addr[0] = 0;
	} else {
		local_end = scan_local(p, end);
		if (!local_end || local_end - p > 64)
			return path_fail(prefix, why, NULL);
		at = local_end;
		if (at < end) {
			if (*at != '@' || !valid_domain(at + 1, end))
				return path_fail(prefix, why, NULL);
		} else if (strcasecmp(prefix, "TO:") != 0 || strncasecmp(p, "postmaster", 10) != 0 ||
		           end - p != 10) {
			/* only <postmaster> may go without a domain (RFC 5321 4.1.1.3) */
			return path_fail(prefix, why, NULL);
		}
		memcpy(addr, p, (size_t)(end - p));
		addr[end - p] = 0;
	}
	p = end + 1;
	if (*p && *p != ' ')
		return path_fail(prefix, why, NULL);
	while (*p == ' ')
		p++;
	*params = p;
	return 0;
}

int mg_smtp_parse_mail_params(const char *params, mg_smtp_mail_params *mp, const char **why)
{
	const char *p = params;

	mp->size = 0;
	mp->body_8bit = false;
	while (*p) {
		size_t n = strcspn(p, " ");

		if (n > 5 && strncasecmp(p, "SIZE=", 5) == 0) {
			uint64_t v = 0;

			if (n - 5 > 19)
				goto bad;
			for (size_t i = 5; i < n; i++) {
				if (!isdigit((unsigned char)p[i]))
					goto bad;
				v = v * 10 + (uint64_t)(p[i] - '0');
			}
			mp->size = v;
		} else if (n == 9 && strncasecmp(p, "BODY=7BIT", 9) == 0) {
			mp->body_8bit = false;
		} else if (n == 13 && strncasecmp(p, "BODY=8BITMIME", 13) == 0) {
			mp->body_8bit = true;
		} else {
			*why = "5.5.4 Unsupported MAIL parameter";
			return -1;
		}
		p += n;
		while (*p == ' ')
			p++;
	}
	return 0;
bad:
	*why = "5.5.4 Bad SIZE parameter";
	return -1;
}

/* --- DATA ------------------------------------------------------------- */

enum { D_BOL = 0, D_DOT, D_DOT_CR, D_MID, D_MID_CR };

void mg_smtp_data_init(mg_smtp_data *d, mg_buf *out)
{
	memset(d, 0, sizeof(*d));
	d->out = out;
	d->state = D_BOL;
	d->prev_crlf = true; /* "." right after 354 ends an empty message */
}

static void emit(mg_smtp_data *d, const void *p, size_t n)
{
	d->total += n;
	if (!d->overflow && mg_buf_append(d->out, p, n) < 0)
		d->overflow = true;
}

static void content(mg_smtp_data *d, unsigned char c)
{
	emit(d, &c, 1);
	d->line_len++;
}

static void line_end(mg_smtp_data *d, bool crlf)
{
	emit(d, "\r\n", 2);
	if (d->line_len > d->longest)
		d->longest = d->line_len;
	d->line_len = 0;
	d->prev_crlf = crlf;
	if (!crlf)
		d->bare_lf = true;
	d->state = D_BOL;
}

/* Ordinary content byte c in the middle of a line. */
static void mid(mg_smtp_data *d, unsigned char c)
{
	if (c == '\r') {
		d->state = D_MID_CR;
	} else if (c == '\n') {
		line_end(d, false);
	} else {
		content(d, c);
		d->state = D_MID;
	}
}

size_t mg_smtp_data_feed(mg_smtp_data *d, const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n && !d->done; i++) {
		unsigned char c = p[i];

		switch (d->state) {
		case D_BOL:
			if (c == '.')
				d->state = D_DOT;
			else
				mid(d, c);
			break;
		case D_DOT:
			if (c == '\r') {
				d->state = D_DOT_CR;
			} else if (c == '\n') {
				/* ".<LF>" never ends the data: kept as a line of text */
				content(d, '.');
				line_end(d, false);
			} else {
				mid(d, c); /* the stuffed dot is dropped */
			}
			break;
		case D_DOT_CR:
			if (c == '\n' && d->prev_crlf) {
				d->done = true;
			} else if (c == '\n') {
				content(d, '.');
				line_end(d, true);
			} else {
				/* ".<CR>x": the dot goes, the CR is content */
				content(d, '\r');
				mid(d, c);
			}
			break;
		case D_MID:
			mid(d, c);
			break;
		case D_MID_CR:
			if (c == '\n') {
				line_end(d, true);
			} else {
				content(d, '\r');
				mid(d, c);
			}
			break;
		}
	}
	return i;
}

void mg_smtp_stuff_init(mg_smtp_stuffer *st)
{
	st->bol = true;
	st->prev = 0;
}

/* Line by line: the span up to each LF is appended whole. */
int mg_smtp_stuff_feed(mg_smtp_stuffer *st, mg_buf *out, const unsigned char *p, size_t n)
{
	while (n > 0) {
		const unsigned char *lf = memchr(p, '\n', n);
		size_t span = lf ? (size_t)(lf - p) : n;

		if (st->bol && p[0] == '.' && mg_buf_putc(out, '.') < 0)
			return -1;
		if (span && mg_buf_append(out, p, span) < 0)
			return -1;
		if (span)
			st->prev = p[span - 1];
		st->bol = false;
		if (!lf)
			break;
		if ((st->prev != '\r' && mg_buf_putc(out, '\r') < 0) || mg_buf_putc(out, '\n') < 0)
			return -1;
		st->prev = '\n';
		st->bol = true;
		p += span + 1;
		n -= span + 1;
	}
	return 0;
}

int mg_smtp_stuff_end(mg_smtp_stuffer *st, mg_buf *out)
{
	if (!st->bol && mg_buf_puts(out, "\r\n") < 0)
		return -1;
	st->bol = true;
	return mg_buf_puts(out, ".\r\n");
}

int mg_smtp_dot_stuff(mg_buf *out, const unsigned char *msg, size_t len)
{
	mg_smtp_stuffer st;

	mg_smtp_stuff_init(&st);
	if (mg_smtp_stuff_feed(&st, out, msg, len) < 0)
		return -1;
	return mg_smtp_stuff_end(&st, out);
}

/* --- replies ---------------------------------------------------------- */

void mg_smtp_reply_set(mg_smtp_reply *r, int code, const char *fmt, ...)
{
	va_list ap;

	r->code = code;
	va_start(ap, fmt);
	vsnprintf(r->text, sizeof(r->text), fmt, ap);
	va_end(ap);
	/* a reply is one line: nothing from a peer may break it */
	for (char *p = r->text; *p; p++)
		if ((unsigned char)*p < 32)
			*p = ' ';
}

int mg_smtp_parse_reply_line(const char *line, int *code, bool *last, const char **text)
{
	if (!isdigit((unsigned char)line[0]) || !isdigit((unsigned char)line[1]) ||
	    !isdigit((unsigned char)line[2]) || line[0] < '2' || line[0] > '5')
		return -1;
	if (line[3] != 0 && line[3] != ' ' && line[3] != '-')
		return -1;
	*code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
	*last = line[3] != '-';
	*text = line[3] ? line + 4 : line + 3;
	return 0;
}

void mg_smtp_printable(char *out, size_t cap, const char *in)
{
	size_t n = 0;

	if (!cap)
		return;
	for (; in && *in && n + 1 < cap; in++)
		out[n++] = (unsigned char)*in > 32 && (unsigned char)*in < 127 ? *in : '?';
	out[n] = 0;
}

int mg_smtp_received(mg_buf *out, const mg_smtp_trace *t)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
		                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	char helo[128], peer[64], by[128], rcpt[MG_SMTP_PATH_MAX + 1];
	time_t when = (time_t)t->when;
	struct tm tm;
	int rc;

	gmtime_r(&when, &tm);
	mg_smtp_printable(helo, sizeof(helo), t->helo && *t->helo ? t->helo : "unknown");
	mg_smtp_printable(peer, sizeof(peer), t->peer && *t->peer ? t->peer : "unknown");
	mg_smtp_printable(by, sizeof(by), t->by);
	rc = mg_buf_printf(out, "Received: from %s (%s)\r\n\tby %s (mugai) with %s%s id %s", helo,
	                   peer, by, t->esmtp ? "ESMTP" : "SMTP", t->tls ? "S" : "", t->id);
	if (rc == 0 && t->rcpt) {
		mg_smtp_printable(rcpt, sizeof(rcpt), t->rcpt);
		rc = mg_buf_printf(out, "\r\n\tfor <%s>", rcpt);
	}
	if (rc == 0)
		rc = mg_buf_printf(out, "; %s, %d %s %d %02d:%02d:%02d +0000\r\n", days[tm.tm_wday],
		                   tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour,
		                   tm.tm_min, tm.tm_sec);
	return rc;
}
