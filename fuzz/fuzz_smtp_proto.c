/*
 * fuzz_smtp_proto.c - the SMTP grammar on hostile input: every line as a
 * command, a MAIL/RCPT path with its parameters, a reply line and a HELO
 * name in a Received: header; the whole input as DATA, fed in chunks of a
 * size the first byte picks.  Checked, not only run:
 *   - the decoder's result does not depend on how the input is chunked;
 *   - it stops right after a CRLF "." CRLF and never writes a bare LF;
 *   - dot-stuffing its output and decoding again gives the output back;
 *   - dot-stuffing any input in pieces gives the same bytes as whole, no
 *     bare LF, and no end of data before the end;
 *   - an accepted address has no byte that could end a command line.
 *
 * The harnesses link only the core, so the gateway file is compiled in.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../gateway/smtpd/smtp_proto.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t decode(const uint8_t *p, size_t n, size_t step, mg_buf *out, mg_smtp_data *d)
{
	size_t used = 0;

	mg_smtp_data_init(d, out);
	while (used < n && !d->done) {
		size_t k = n - used < step ? n - used : step;

		used += mg_smtp_data_feed(d, p + used, k);
	}
	return used;
}

static void check_data(const uint8_t *p, size_t n, size_t step)
{
	mg_smtp_data a, b, c;
	mg_buf oa, ob, stuffed, oc;
	size_t ua, ub;

	mg_buf_init(&oa, 1 << 16);
	mg_buf_init(&ob, 1 << 16);
	ua = decode(p, n, step, &oa, &a);
	ub = decode(p, n, 1, &ob, &b);
	if (ua != ub || a.done != b.done || a.overflow != b.overflow || oa.len != ob.len ||
	    (oa.len && memcmp(oa.data, ob.data, oa.len) != 0))
		abort(); /* chunking changed the result */
	if (a.done && !(ua >= 3 && memcmp(p + ua - 3, ".\r\n", 3) == 0 &&
	                (ua == 3 || (ua >= 5 && p[ua - 4] == '\n' && p[ua - 5] == '\r'))))
		abort(); /* stopped anywhere but after CRLF "." CRLF */
	for (size_t i = 0; i < oa.len; i++)
		if (oa.data[i] == '\n' && (i == 0 || oa.data[i - 1] != '\r'))
			abort(); /* a bare LF written */
	if (a.done && !a.overflow) {
		/* a complete message ends in CRLF: stuffing it and decoding again
		 * must give it back byte for byte */
		mg_buf_init(&stuffed, 1 << 18);
		mg_buf_init(&oc, 1 << 17);
		if (mg_smtp_dot_stuff(&stuffed, oa.data ? oa.data : (const unsigned char *)"",
		                      oa.len) == 0) {
			size_t uc = decode(stuffed.data, stuffed.len, 7, &oc, &c);

			if (uc != stuffed.len || !c.done || oc.len != oa.len ||
			    (oa.len && memcmp(oc.data, oa.data, oa.len) != 0))
				abort();
		}
		mg_buf_free(&stuffed);
		mg_buf_free(&oc);
	}
	mg_buf_free(&oa);
	mg_buf_free(&ob);
}

/* Any bytes, stuffed whole and in pieces of step bytes. */
static void check_stuff(const uint8_t *p, size_t n, size_t step)
{
	mg_smtp_stuffer st;
	mg_buf whole, pieces;
	const unsigned char *end;

	if (n > 1 << 16)
		return;
	mg_buf_init(&whole, 1 << 18);
	mg_buf_init(&pieces, 1 << 18);
	if (mg_smtp_dot_stuff(&whole, p, n) < 0)
		abort(); /* at most twice the input, and the input is small */
	mg_smtp_stuff_init(&st);
	for (size_t used = 0; used < n; used += step)
		if (mg_smtp_stuff_feed(&st, &pieces, p + used, n - used < step ? n - used : step) < 0)
			abort();
	if (mg_smtp_stuff_end(&st, &pieces) < 0 || pieces.len != whole.len ||
	    memcmp(pieces.data, whole.data, whole.len) != 0)
		abort(); /* pieces changed the result */
	for (size_t i = 0; i < whole.len; i++)
		if (whole.data[i] == '\n' && (i == 0 || whole.data[i - 1] != '\r'))
			abort(); /* a bare LF sent */
	end = whole.len >= 5 ? memmem(whole.data, whole.len, "\r\n.\r\n", 5) : NULL;
	if (whole.len > 3 && (!end || (size_t)(end - whole.data) != whole.len - 5))
		abort(); /* the end of data before the end */
	if (whole.len >= 3 && memcmp(whole.data, ".\r\n", 3) == 0 && whole.len != 3)
		abort(); /* a first line of a lone dot */
	mg_buf_free(&whole);
	mg_buf_free(&pieces);
}

static void check_addr(const char *addr)
{
	size_t n = strlen(addr);

	if (n > MG_SMTP_PATH_MAX)
		abort();
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)addr[i] < 32 || (unsigned char)addr[i] > 126)
			abort();
}

static void check_line(const char *line)
{
	char addr[MG_SMTP_PATH_MAX + 1];
	const char *params, *why, *text;
	mg_smtp_mail_params mp;
	mg_smtp_cmd cmd;
	int code;
	bool last;
	mg_buf b;
	mg_smtp_trace t = { line, "[192.0.2.1]", "mugai.test", "id", line, true, false, 0 };

	mg_smtp_parse_command(line, &cmd);
	if (mg_smtp_parse_path(cmd.arg, "FROM:", true, addr, sizeof(addr), &params, &why) == 0) {
		check_addr(addr);
		mg_smtp_parse_mail_params(params, &mp, &why);
	}
	if (mg_smtp_parse_path(cmd.arg, "TO:", false, addr, sizeof(addr), &params, &why) == 0)
		check_addr(addr);
	mg_smtp_parse_reply_line(line, &code, &last, &text);
	mg_buf_init(&b, 4096);
	if (mg_smtp_received(&b, &t) == 0) {
		/* its only line breaks are its own: CRLF then a tab, or the end */
		for (size_t i = 0; i < b.len; i++)
			if ((b.data[i] == '\n' && (b.data[i - 1] != '\r' ||
			                            (i + 1 < b.len && b.data[i + 1] != '\t'))) ||
			    (b.data[i] == '\r' && (i + 1 >= b.len || b.data[i + 1] != '\n')))
				abort();
	}
	mg_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char line[MG_SMTP_CMD_MAX];
	const uint8_t *p, *end = data + size;

	if (size < 1 || size > 65536)
		return 0;
	check_data(data + 1, size - 1, (size_t)data[0] % 64 + 1);
	check_stuff(data + 1, size - 1, (size_t)data[0] % 64 + 1);
	for (p = data + 1; p < end;) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);

		if (n > sizeof(line) - 1)
			n = sizeof(line) - 1;
		memcpy(line, p, n);
		line[n] = 0;
		check_line(line);
		p = nl ? nl + 1 : end;
	}
	return 0;
}
