/*
 * report_mail.c - X-Mugai-Report, the attached report and the signed
 * marker (the forms are described in report_mail.h).  Everything here
 * works on the bytes mugai itself wrote (CRLF lines, gmime's layout), so
 * that taking the report part out gives the artefact back exactly.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mugai.h"
#include "report_mail.h"

#define FIELD "X-Mugai-Report:"
#define PART_TYPE "Content-Type: application/json; name=\"mugai-report-"

/* The message the marker signs. */
void mg_report_marker_text(const mg_report_ref *r, char *out, size_t size)
{
	snprintf(out, size, "mugai-artefact-v1 %s %s %s", r->item_id, r->report_sha256,
	         r->artefact_sha256);
}

int mg_report_header(mg_buf *head, const mg_report_ref *ref, const mg_sign_key *k)
{
	char text[256], hex[129];
	unsigned char sig[64];

	if (strcmp(ref->part, "notice") == 0)
		return mg_buf_printf(head, "%s %s;\r\n\treport-sha256=%s; part=notice\r\n", FIELD,
		                     ref->item_id, ref->report_sha256);

	if (mg_buf_printf(head, "%s %s;\r\n\treport-sha256=%s; artefact-sha256=%s; part=%s", FIELD,
	                  ref->item_id, ref->report_sha256, ref->artefact_sha256, ref->part) < 0)
		return -1;
	if (k) {
		mg_report_marker_text(ref, text, sizeof(text));
		mg_sign_key_sign(k, text, strlen(text), sig);
		sodium_bin2hex(hex, sizeof(hex), sig, sizeof(sig));
		if (mg_buf_printf(head, ";\r\n\tsig=%s", hex) < 0)
			return -1;
	}
	return mg_buf_puts(head, "\r\n");
}

/* ---- the header block ---- */

/* The end of the header block: the offset of the empty line's CRLF, or
 * (size_t)-1. */
static size_t header_end(const unsigned char *m, size_t len)
{
	const unsigned char *e = memmem(m, len, "\r\n\r\n", 4);

	if (len >= 2 && m[0] == '\r' && m[1] == '\n')
		return 0;
	return e ? (size_t)(e - m) + 2 : (size_t)-1;
}

/* The end of the field starting at off: after its last line's CRLF. */
static size_t field_end(const unsigned char *m, size_t hend, size_t off)
{
	while (off < hend) {
		const unsigned char *nl = memchr(m + off, '\n', hend - off);

		off = nl ? (size_t)(nl - m) + 1 : hend;
		if (off >= hend || (m[off] != ' ' && m[off] != '\t'))
			break;
	}
	return off;
}

/* ---- attaching ---- */

static int part_bytes(mg_buf *out, const char *b, const char *report_json, const char *item_id)
{
	size_t n = strlen(report_json), blen = sodium_base64_encoded_len(n, sodium_base64_VARIANT_ORIGINAL);
	char *b64 = malloc(blen);
	int rc = -1;

	if (!b64)
		return -1;
	sodium_bin2base64(b64, blen, (const unsigned char *)report_json, n,
	                  sodium_base64_VARIANT_ORIGINAL);
	if (mg_buf_printf(out, "\r\n--%s\r\n%s%s.json\"\r\nContent-Disposition: attachment; "
	                  "filename=\"mugai-report-%s.json\"\r\nContent-Transfer-Encoding: base64\r\n"
	                  "\r\n", b, PART_TYPE, item_id, item_id) < 0)
		goto done;
	for (size_t i = 0, left = strlen(b64); left > 0;) {
		size_t k = left > 76 ? 76 : left;

		if (mg_buf_append(out, b64 + i, k) < 0 || (left > k && mg_buf_puts(out, "\r\n") < 0))
			goto done;
		i += k;
		left -= k;
	}
	rc = 0;
done:
	free(b64);
	return rc;
}

/* The boundary of a multipart/mixed artefact from its header block, into
 * b; 0, or -1 when the artefact is something else. */
static int mixed_boundary(const unsigned char *a, size_t hend, char *b, size_t size)
{
	char *head = strndup((const char *)a, hend);
	char *ct = NULL, *p, *q;
	int rc = -1;

	if (!head)
		return -1;
	for (p = head; (p = strcasestr(p, "\nContent-Type:")) != NULL; p++)
		ct = p + 14;
	if (!ct && strncasecmp(head, "Content-Type:", 13) == 0)
		ct = head + 13;
	if (ct) {
		ct += strspn(ct, " \t");
		if (strncasecmp(ct, "multipart/mixed;", 16) == 0 && (p = strstr(ct, "boundary=\"")) &&
		    (q = strchr(p + 10, '"')) && (size_t)(q - p - 10) < size && q > p + 10 &&
		    !memchr(p + 10, '\r', (size_t)(q - p - 10)) &&
		    !memchr(p + 10, '\n', (size_t)(q - p - 10))) {
			snprintf(b, size, "%.*s", (int)(q - p - 10), p + 10);
			rc = 0;
		}
	}
	free(head);
	return rc;
}

static int attach_added(const unsigned char *a, size_t len, const char *b, const char *json,
                        const char *id, mg_buf *out)
{
	char close[160];
	const unsigned char *c = NULL, *p = a;

	snprintf(close, sizeof(close), "\r\n--%s--", b);
	while ((p = memmem(p, len - (size_t)(p - a), close, strlen(close))) != NULL)
		c = p++;
	if (!c)
		return -1;
	if (mg_buf_append(out, a, (size_t)(c - a)) < 0 || part_bytes(out, b, json, id) < 0 ||
	    mg_buf_append(out, c, len - (size_t)(c - a)) < 0)
		return -1;
	return 0;
}

/* The start of the trailing run of Content- fields in the header block. */
static size_t content_run(const unsigned char *a, size_t hend)
{
	size_t off = 0, run = (size_t)-1;

	while (off < hend) {
		size_t next = field_end(a, hend, off);

		if (hend - off >= 8 && strncasecmp((const char *)a + off, "Content-", 8) == 0) {
			if (run == (size_t)-1)
				run = off;
		} else {
			run = (size_t)-1;
		}
		off = next;
	}
	return run;
}

static int attach_wrapped(const unsigned char *a, size_t len, size_t hend, const char *json,
                          const char *id, mg_buf *out)
{
	size_t run = content_run(a, hend);
	char b[80], hex[65];

	if (run == (size_t)-1)
		return -1;
	mg_sha256_hex(a, len, hex);
	for (unsigned salt = 0;; salt++) {
		snprintf(b, sizeof(b), "=-mugai-report-%.32s-%u", hex, salt);
		if (!memmem(a, len, b, strlen(b)))
			break;
	}
	if (mg_buf_append(out, a, run) < 0 ||
	    mg_buf_printf(out, "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n--%s\r\n", b, b) < 0 ||
	    mg_buf_append(out, a + run, len - run) < 0 || part_bytes(out, b, json, id) < 0 ||
	    mg_buf_printf(out, "\r\n--%s--\r\n", b) < 0)
		return -1;
	return 0;
}

int mg_report_attach(const unsigned char *art, size_t len, const char *report_json,
                     const char *item_id, mg_buf *out, const char **part)
{
	size_t hend = header_end(art, len);
	char b[128];

	/* taken out again by the last such part: there must be no other */
	if (hend == (size_t)-1 || memmem(art, len, PART_TYPE, strlen(PART_TYPE)))
		return -1;
	if (mixed_boundary(art, hend, b, sizeof(b)) == 0) {
		*part = "added";
		return attach_added(art, len, b, report_json, item_id, out);
	}
	*part = "wrapped";
	return attach_wrapped(art, len, hend, report_json, item_id, out);
}

/* ---- reading a delivered message ---- */

/* One "name=value" of the unfolded field into ref; unknown names pass. */
static int ref_param(mg_report_ref *ref, const char *name, const char *v)
{
	size_t n = 0;

	if (strcmp(name, "report-sha256") == 0 && strlen(v) == 64)
		memcpy(ref->report_sha256, v, 65);
	else if (strcmp(name, "artefact-sha256") == 0 && strlen(v) == 64)
		memcpy(ref->artefact_sha256, v, 65);
	else if (strcmp(name, "part") == 0 && strlen(v) < sizeof(ref->part))
		snprintf(ref->part, sizeof(ref->part), "%s", v);
	else if (strcmp(name, "sig") == 0)
		ref->has_sig = sodium_hex2bin(ref->sig, 64, v, strlen(v), NULL, &n, NULL) == 0 &&
		               n == 64;
	else if (strcmp(name, "report-sha256") == 0 || strcmp(name, "artefact-sha256") == 0)
		return -1;
	return 0;
}

static int ref_parse(char *v, mg_report_ref *ref)
{
	char *save = NULL, *tok = strtok_r(v, ";", &save);

	if (!tok)
		return -1;
	tok += strspn(tok, " \t");
	tok[strcspn(tok, " \t")] = 0;
	if (!*tok || strlen(tok) >= sizeof(ref->item_id))
		return -1;
	snprintf(ref->item_id, sizeof(ref->item_id), "%s", tok);
	while ((tok = strtok_r(NULL, ";", &save)) != NULL) {
		char *eq;

		tok += strspn(tok, " \t");
		tok[strcspn(tok, " \t")] = 0;
		if ((eq = strchr(tok, '=')) == NULL)
			continue;
		*eq = 0;
		if (ref_param(ref, tok, eq + 1) < 0)
			return -1;
	}
	/* a notice has a report but no artefact */
	if (strcmp(ref->part, "notice") == 0)
		return ref->report_sha256[0] ? 0 : -1;
	return ref->report_sha256[0] && ref->artefact_sha256[0] && ref->part[0] ? 0 : -1;
}

int mg_report_ref_find(const unsigned char *msg, size_t len, mg_report_ref *ref)
{
	size_t hend = header_end(msg, len), off = 0, flen = strlen(FIELD);

	memset(ref, 0, sizeof(*ref));
	if (hend == (size_t)-1)
		return -1;
	while (off < hend) {
		size_t next = field_end(msg, hend, off);

		if (next - off > flen && strncasecmp((const char *)msg + off, FIELD, flen) == 0) {
			char *v = malloc(next - off - flen + 1), *w = v;
			int rc;

			if (!v)
				return -1;
			for (size_t i = off + flen; i < next; i++)
				if (msg[i] != '\r' && msg[i] != '\n')
					*w++ = (char)msg[i];
			*w = 0;
			rc = ref_parse(v, ref);
			free(v);
			ref->body_off = next;
			return rc;
		}
		off = next;
	}
	return -1;
}

/* The start of the last report part's delimiter in d, and its boundary. */
static const unsigned char *report_part_at(const unsigned char *d, size_t len, char *b,
                                           size_t size)
{
	const unsigned char *hit = NULL, *p = d, *line;

	while ((p = memmem(p, len - (size_t)(p - d), "\r\n" PART_TYPE, strlen(PART_TYPE) + 2)))
		hit = p++;
	if (!hit)
		return NULL;
	/* the delimiter line before it: CRLF "--" boundary */
	for (line = hit; line > d + 1 && !(line[-2] == '\r' && line[-1] == '\n'); line--)
		;
	if (line <= d + 1 || hit - line < 3 || line[0] != '-' || line[1] != '-' ||
	    (size_t)(hit - line - 2) >= size)
		return NULL;
	snprintf(b, size, "%.*s", (int)(hit - line - 2), (const char *)line + 2);
	return line - 2;
}

static unsigned char *join2(const unsigned char *a, size_t alen, const unsigned char *b,
                            size_t blen, size_t *out_len)
{
	unsigned char *o = malloc(alen + blen + 1);

	if (!o)
		return NULL;
	memcpy(o, a, alen);
	if (blen)
		memcpy(o + alen, b, blen);
	*out_len = alen + blen;
	return o;
}

static unsigned char *artefact_added(const unsigned char *d, size_t len, size_t *out_len)
{
	char b[128], close[140];
	const unsigned char *at = report_part_at(d, len, b, sizeof(b)), *c;

	if (!at)
		return NULL;
	snprintf(close, sizeof(close), "\r\n--%s--", b);
	c = memmem(at + 2, len - (size_t)(at + 2 - d), close, strlen(close));
	if (!c)
		return NULL;
	return join2(d, (size_t)(at - d), c, len - (size_t)(c - d), out_len);
}

static unsigned char *artefact_wrapped(const unsigned char *d, size_t len, size_t *out_len)
{
	char b[128], head[400];
	const unsigned char *at = report_part_at(d, len, b, sizeof(b));
	size_t hend = header_end(d, len), line, s;

	if (!at || hend == (size_t)-1)
		return NULL;
	/* the new Content-Type is the block's last field, the first delimiter
	 * right after the empty line */
	line = strlen("Content-Type: multipart/mixed; boundary=\"\"\r\n") + strlen(b);
	snprintf(head, sizeof(head), "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n--%s\r\n",
	         b, b);
	if (hend < line)
		return NULL;
	s = hend - line;
	if ((s > 0 && d[s - 1] != '\n') || s + strlen(head) > (size_t)(at - d) ||
	    memcmp(d + s, head, strlen(head)) != 0)
		return NULL;
	return join2(d, s, d + s + strlen(head), (size_t)(at - d) - s - strlen(head), out_len);
}

unsigned char *mg_report_artefact(const unsigned char *msg, size_t len, const mg_report_ref *ref,
                                  size_t *out_len)
{
	const unsigned char *d = msg + ref->body_off;
	size_t dlen = len - ref->body_off;

	if (ref->body_off > len)
		return NULL;
	if (strcmp(ref->part, "none") == 0)
		return join2(d, dlen, NULL, 0, out_len);
	if (strcmp(ref->part, "added") == 0)
		return artefact_added(d, dlen, out_len);
	if (strcmp(ref->part, "wrapped") == 0)
		return artefact_wrapped(d, dlen, out_len);
	return NULL;
}

int mg_report_marker_verify(const unsigned char *msg, size_t len, const unsigned char pk[32],
                            mg_report_ref *ref, const char **why)
{
	unsigned char *a;
	size_t alen = 0;
	char hex[65], text[256];

	if (mg_report_ref_find(msg, len, ref) < 0) {
		*why = "no X-Mugai-Report field that parses";
		return -1;
	}
	if (!ref->has_sig) {
		*why = "X-Mugai-Report carries no signature";
		return -1;
	}
	mg_report_marker_text(ref, text, sizeof(text));
	if (crypto_sign_verify_detached(ref->sig, (const unsigned char *)text, strlen(text), pk) != 0) {
		*why = "the marker's signature is not by the configured key";
		return -1;
	}
	if (!(a = mg_report_artefact(msg, len, ref, &alen))) {
		*why = "the message is not in the form its marker names";
		return -1;
	}
	mg_sha256_hex(a, alen, hex);
	free(a);
	if (strcmp(hex, ref->artefact_sha256) != 0) {
		*why = "the content was changed after mugai signed it";
		return -1;
	}
	return 0;
}
