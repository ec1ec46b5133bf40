/*
 * archive_crypt.c - which candidate password opens an encrypted archive.
 *
 * libarchive decrypts zip (ZipCrypto and WinZip AES) when given
 * passphrases, but tries all of them on each member and never says which
 * one worked; and ZipCrypto's one-byte check lets a wrong password past
 * one time in 256, only for the member to fail later.  So each candidate
 * is tried alone, in order, on a reader of its own: every encrypted
 * member is read to its end, which checks the CRC (ZipCrypto) or the
 * authentication code (AES).  The first candidate that reads them all is
 * the archive's password; the filter then unpacks with it alone.
 *
 * A member is read through the same limits as in the filter (ratio, the
 * archive's max_total, the deadline), counted apart from the real
 * unpacking: a bomb behind a password is still a bomb, and stops here.
 * 7z and RAR encryption libarchive cannot undo: they stay encrypted.
 */
#include <archive_entry.h>
#include <stdlib.h>
#include <string.h>

#include "archive_priv.h"

#define BLOCK (64u * 1024u)
#define RATIO_FLOOR (1u << 20)

enum probe { P_OPENED, P_WRONG, P_PLAIN, P_LIMIT };

struct probe_state {
	mg_ctx *ctx;
	const mg_item *item;
	struct archive *a;
	unsigned char *block;
	uint64_t total;
};

/* Reads one member to its end through the limits; P_WRONG on a read error. */
static enum probe read_all(struct probe_state *p, const char *path)
{
	const mg_policy *pol = p->ctx->policy;
	int64_t start = archive_filter_bytes(p->a, -1);
	uint64_t size = 0;

	for (;;) {
		la_ssize_t n = archive_read_data(p->a, p->block, BLOCK);
		int64_t used;

		if (n == 0)
			return P_OPENED;
		if (n < 0)
			return P_WRONG;
		size += (uint64_t)n;
		p->total += (uint64_t)n;
		used = archive_filter_bytes(p->a, -1) - start;
		if (p->total > pol->max_total) {
			mg_fail(p->ctx, MG_E_LIMIT_SIZE, "the password-protected archive unpacks to more "
			        "than max_total %llu bytes", (unsigned long long)pol->max_total);
			return P_LIMIT;
		}
		if (size > RATIO_FLOOR && size > (uint64_t)pol->max_ratio * (uint64_t)(used > 0 ? used : 1)) {
			mg_fail(p->ctx, MG_E_LIMIT_RATIO, "member '%s' of the password-protected archive "
			        "expands more than max_ratio %u times (a compression bomb)",
			        path ? path : "", pol->max_ratio);
			return P_LIMIT;
		}
		if (mg_check_deadline(p->ctx) != MG_OK)
			return P_LIMIT;
	}
}

/* Whether a reader that failed saw encryption: if not, the archive is
 * not one a password opens (a tar, a damaged zip), and the filter's own
 * pass says what it is. */
static enum probe failed(struct probe_state *p, unsigned encrypted_seen)
{
	return encrypted_seen || archive_read_has_encrypted_entries(p->a) > 0 ? P_WRONG : P_PLAIN;
}

/* One candidate alone over every encrypted member. */
static enum probe try_one(struct probe_state *p, const char *password)
{
	struct archive_entry *e;
	enum probe r = P_PLAIN;
	unsigned seen = 0, encrypted = 0;

	p->a = archive_read_new();
	if (!p->a)
		return P_WRONG;
	archive_read_support_format_zip_seekable(p->a);
	archive_read_support_format_7zip(p->a);
	archive_read_support_format_rar(p->a);
	archive_read_support_format_rar5(p->a);
	archive_read_add_passphrase(p->a, password);
	/* (libarchive may be asked about encryption only once it opened) */
	if (archive_read_open_memory(p->a, p->item->data, p->item->len) != ARCHIVE_OK)
		goto done;
	while (r == P_PLAIN || r == P_OPENED) {
		int rc = archive_read_next_header(p->a, &e);

		if (rc == ARCHIVE_EOF)
			break;
		if (rc < ARCHIVE_WARN || ++seen > p->ctx->policy->max_parts) {
			r = failed(p, encrypted); /* the filter reports a damaged or crowded archive */
			break;
		}
		if (archive_entry_is_encrypted(e)) {
			encrypted++;
			r = read_all(p, archive_entry_pathname(e));
		}
	}
done:
	archive_read_free(p->a);
	p->a = NULL;
	return r;
}

bool mg_archive_undecryptable(const unsigned char *d, size_t len)
{
	const unsigned char *p = mg_view(d, len, 0, 6);

	return p && (memcmp(p, "7z\xbc\xaf\x27\x1c", 6) == 0 || memcmp(p, "Rar!\x1a\x07", 6) == 0);
}

mg_status mg_archive_pick_password(mg_ctx *ctx, const mg_item *item, long *picked)
{
	struct probe_state p = { .ctx = ctx, .item = item };
	size_t n = mg_password_count(ctx);
	mg_status st = MG_OK;
	bool plain = false;

	*picked = -1;
	if (n == 0 || mg_archive_outer_filter(item->data, item->len) != ARCHIVE_FILTER_NONE)
		return MG_OK;
	if (mg_archive_undecryptable(item->data, item->len))
		return MG_OK; /* the filter says why, if it is encrypted at all */
	if (!(p.block = malloc(BLOCK)))
		return mg_fail(ctx, MG_E_INTERNAL, "out of memory");
	for (size_t i = 0; i < n; i++) {
		enum probe r;

		if (!ctx->passwords[i])
			continue;
		p.total = 0;
		r = try_one(&p, ctx->passwords[i]);
		if (r == P_PLAIN) {
			plain = true; /* nothing is encrypted: no password is needed */
			break;
		}
		if (r == P_LIMIT) {
			st = ctx->status != MG_OK ? ctx->status : MG_E_LIMIT_TIME;
			break;
		}
		if (r == P_OPENED) {
			*picked = (long)i;
			break;
		}
	}
	free(p.block);
	if (st == MG_OK && !plain && *picked < 0)
		mg_report_finding(ctx, "none of the %zu candidate passwords opens the archive", n);
	return st;
}
