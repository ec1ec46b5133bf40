/*
 * report_file.c - the signed marker in a sanitised zip or PDF (the forms
 * are in report_file.h).  It works on the bytes mugai's writers produce:
 * a zip whose end record closes the file with an empty comment, a PDF
 * ending in %%EOF and a newline.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mugai.h"
#include "report_file.h"

#define TAG "mugai-marker-v1 "
#define EOCD_LEN 22

static int is_zip(const unsigned char *a, size_t len)
{
	return len >= EOCD_LEN && memcmp(a, "PK\x03\x04", 4) == 0 &&
	       memcmp(a + len - EOCD_LEN, "PK\x05\x06", 4) == 0 && a[len - 2] == 0 &&
	       a[len - 1] == 0;
}

static int is_pdf(const unsigned char *a, size_t len)
{
	return len >= 12 && memcmp(a, "%PDF-", 5) == 0 && memcmp(a + len - 6, "%%EOF\n", 6) == 0;
}

static int marker_line(mg_buf *out, const mg_report_ref *ref, const mg_sign_key *k)
{
	char text[256], hex[129];
	unsigned char sig[64];

	mg_report_marker_text(ref, text, sizeof(text));
	mg_sign_key_sign(k, text, strlen(text), sig);
	sodium_bin2hex(hex, sizeof(hex), sig, sizeof(sig));
	return mg_buf_printf(out, TAG "%s %s %s %s", ref->item_id, ref->report_sha256,
	                     ref->artefact_sha256, hex);
}

int mg_report_file_mark(const unsigned char *art, size_t len, const mg_report_ref *ref,
                        const mg_sign_key *k, mg_buf *out)
{
	size_t at;

	if (is_zip(art, len)) {
		if (mg_buf_append(out, art, len - 2) < 0 || mg_buf_append(out, "\0\0", 2) < 0)
			return -1;
		at = out->len;
		if (marker_line(out, ref, k) < 0)
			return -1;
		/* the comment's length, little-endian, before it */
		out->data[at - 2] = (unsigned char)((out->len - at) & 0xff);
		out->data[at - 1] = (unsigned char)((out->len - at) >> 8);
		return 1;
	}
	if (is_pdf(art, len)) {
		if (mg_buf_append(out, art, len) < 0 || mg_buf_puts(out, "%") < 0 ||
		    marker_line(out, ref, k) < 0 || mg_buf_puts(out, "\n") < 0)
			return -1;
		return 1;
	}
	return mg_buf_append(out, art, len) < 0 ? -1 : 0;
}

/* Where the marker's text starts and how long it is; -1 none. */
static int locate(const unsigned char *d, size_t len, size_t *start, size_t *n, size_t *art_len)
{
	size_t tl = strlen(TAG);

	/* zip: an end record whose comment runs to the end and is a marker */
	for (size_t c = tl; len >= 4 && memcmp(d, "PK\x03\x04", 4) == 0 && c <= 0xffff &&
	                    c + EOCD_LEN <= len; c++) {
		const unsigned char *e = d + len - c - EOCD_LEN;

		if (memcmp(e, "PK\x05\x06", 4) == 0 && (size_t)(e[20] | e[21] << 8) == c &&
		    memcmp(e + EOCD_LEN, TAG, tl) == 0) {
			*start = len - c;
			*n = c;
			*art_len = len - c;
			return 0;
		}
	}
	/* PDF: the last line, after %%EOF */
	if (len > tl + 8 && d[len - 1] == '\n' && memcmp(d, "%PDF-", 5) == 0) {
		const unsigned char *p = d + len - 1;

		while (p > d && p[-1] != '\n')
			p--;
		if (p > d + 6 && p[0] == '%' && (size_t)(d + len - p) > tl + 2 &&
		    memcmp(p + 1, TAG, tl) == 0 && memcmp(p - 6, "%%EOF\n", 6) == 0) {
			*start = (size_t)(p - d) + 1;
			*n = len - *start - 1;
			*art_len = (size_t)(p - d);
			return 0;
		}
	}
	return -1;
}

int mg_report_file_find(const unsigned char *d, size_t len, mg_report_ref *ref)
{
	size_t start, n, art_len, got = 0;
	char line[512], id[64], rh[80], ah[80], sig[160];

	memset(ref, 0, sizeof(*ref));
	if (locate(d, len, &start, &n, &art_len) < 0 || n >= sizeof(line))
		return -1;
	memcpy(line, d + start, n);
	line[n] = 0;
	if (sscanf(line, TAG "%63s %79s %79s %159s", id, rh, ah, sig) != 4 ||
	    strlen(id) >= sizeof(ref->item_id) || strlen(rh) != 64 || strlen(ah) != 64 ||
	    sodium_hex2bin(ref->sig, 64, sig, strlen(sig), NULL, &got, NULL) != 0 || got != 64)
		return -1;
	snprintf(ref->item_id, sizeof(ref->item_id), "%s", id);
	memcpy(ref->report_sha256, rh, 65);
	memcpy(ref->artefact_sha256, ah, 65);
	snprintf(ref->part, sizeof(ref->part), "file");
	ref->has_sig = true;
	ref->body_off = art_len;
	return 0;
}

unsigned char *mg_report_file_unmark(const unsigned char *d, size_t len, size_t *out_len)
{
	size_t start, n, art_len;
	unsigned char *a;

	if (locate(d, len, &start, &n, &art_len) < 0)
		return NULL;
	a = malloc(art_len + 1);
	if (!a)
		return NULL;
	memcpy(a, d, art_len);
	if (art_len >= EOCD_LEN && memcmp(d, "PK\x03\x04", 4) == 0) {
		/* the comment gone, its length is 0 again */
		a[art_len - 2] = 0;
		a[art_len - 1] = 0;
	}
	*out_len = art_len;
	return a;
}

int mg_report_file_verify(const unsigned char *d, size_t len, const unsigned char pk[32],
                          mg_report_ref *ref, const char **why)
{
	char text[256], hex[65];
	unsigned char *a;
	size_t alen = 0;

	if (mg_report_file_find(d, len, ref) < 0) {
		*why = "no marker that parses";
		return -1;
	}
	mg_report_marker_text(ref, text, sizeof(text));
	if (crypto_sign_verify_detached(ref->sig, (const unsigned char *)text, strlen(text), pk) != 0) {
		*why = "the marker's signature is not by the configured key";
		return -1;
	}
	if (!(a = mg_report_file_unmark(d, len, &alen))) {
		*why = "out of memory";
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
