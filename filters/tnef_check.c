/*
 * tnef_check.c - whether libytnef may be given a TNEF stream at all.
 *
 * libytnef (2.0, Debian's) trusts its input in a few places: it calls
 * exit() on an unknown MAPI property type or a UTF-16 value over 10000
 * bytes, reads a property id before checking that four bytes remain,
 * writes through a NULL array for an empty multi-valued property, and
 * reads 14 bytes of every date attribute whatever its length, and leaks
 * what a repeated or misplaced attribute allocated.  So the
 * stream's framing (attribute lengths and checksums) and its MAPI
 * property blocks are walked first, exactly as libytnef will walk them,
 * producing nothing; a stream that would reach one of those places is
 * refused with the reason and libytnef never sees it.  The content is
 * still read by libytnef alone.
 */
#include <string.h>

#include "mail_priv.h"

#define SIG 0x223E9F78u
#define MV_FLAG 0x1000u
#define MAX_UNICODE 10000u /* libytnef exits above this */

struct cursor {
	const unsigned char *d;
	size_t len, pos;
};

static bool take(struct cursor *c, size_t n, uint32_t *v)
{
	if (n > c->len - c->pos)
		return false;
	if (v) {
		*v = 0;
		for (size_t i = 0; i < n && i < 4; i++)
			*v |= (uint32_t)c->d[c->pos + i] << (8 * i);
	}
	c->pos += n;
	return true;
}

static size_t padded(uint32_t n)
{
	return (size_t)n + (n % 4 ? 4 - n % 4 : 0);
}

/* One value of a property of type t; first: the value count word that
 * libytnef reads before a single counted value. */
static const char *value(struct cursor *c, uint32_t t, bool first)
{
	uint32_t n;

	switch (t) {
	case 0x0102: case 0x000D: case 0x001E: case 0x001F: /* binary, object, string8, unicode */
		if ((first && !take(c, 4, NULL)) || !take(c, 4, &n) || n > c->len - c->pos)
			return "a MAPI value runs past its block";
		if (t == 0x001F && n > MAX_UNICODE)
			return "a MAPI UTF-16 value longer than libytnef accepts";
		if (padded(n) > c->len - c->pos)
			c->pos = c->len; /* libytnef's next size check fails cleanly */
		else
			c->pos += padded(n);
		return NULL;
	case 0x0002: /* I2: two bytes read, four skipped */
		return take(c, 4, NULL) ? NULL : "a MAPI value runs past its block";
	case 0x000B: case 0x0003: case 0x0004: case 0x0006: case 0x0007: case 0x000A:
		return take(c, 4, NULL) ? NULL : "a MAPI value runs past its block";
	case 0x0005: case 0x0014: case 0x0040:
		return take(c, 8, NULL) ? NULL : "a MAPI value runs past its block";
	case 0x0048:
		return take(c, 16, NULL) ? NULL : "a MAPI value runs past its block";
	default:
		return "a MAPI property of a type libytnef does not know";
	}
}

static const char *named(struct cursor *c)
{
	uint32_t names, n;

	if (!take(c, 16, NULL) || !take(c, 4, &names))
		return "a named MAPI property runs past its block";
	if (names == 0)
		return take(c, 4, NULL) ? NULL : "a named MAPI property runs past its block";
	if (names > c->len / 4)
		return "a named MAPI property with more names than bytes";
	while (names-- > 0) {
		if (!take(c, 4, &n) || padded(n) > c->len - c->pos)
			return "a MAPI property name runs past its block";
		c->pos += padded(n);
	}
	return NULL;
}

static const char *mapi_block(const unsigned char *d, size_t len)
{
	struct cursor c = { d, len, 0 };
	uint32_t count, id, values;
	const char *why;

	if (!take(&c, 4, &count) || count > len / 4)
		return "a MAPI block with more properties than bytes";
	for (uint32_t i = 0; i < count; i++) {
		if (!take(&c, 4, &id))
			return "a MAPI property id past its block";
		if ((id >> 16) >= 0x8000 && (why = named(&c)) != NULL)
			return why;
		values = 1;
		if ((id & 0xFFFF) & MV_FLAG) {
			if (!take(&c, 4, &values) || values == 0 || values > len / 4)
				return "a multi-valued MAPI property with no or too many values";
		}
		for (uint32_t v = 0; v < values; v++)
			if ((why = value(&c, (id & 0xFFFF) & ~MV_FLAG, !((id & 0xFFFF) & MV_FLAG))) != NULL)
				return why;
	}
	return NULL;
}

/* The least length libytnef reads from an attribute of this id. */
static size_t least_length(uint32_t id)
{
	switch (id) {
	case 0x00038005: case 0x00038006: case 0x00038012: case 0x00038013: case 0x00038020:
	case 0x00030006: case 0x00030007:
		return 14; /* dates */
	case 0x00089006: case 0x00069004:
		return 4;  /* version, recipient table */
	default:
		return 1;
	}
}

/* Attributes whose data libytnef allocates: a second one in the same
 * scope (the message, or one attachment) overwrites the first without
 * freeing it, and an attachment's before its first rendering attribute
 * lands where TNEFFree() never looks. */
static const uint32_t owned[] = {
	0x0002800C, 0x00069007, 0x00008000, 0x00070006, 0x00069003, /* message */
	0x00069005, 0x00018010, 0x0006800F, 0x00068011,             /* attachment */
};
#define N_OWNED (sizeof(owned) / sizeof(owned[0]))
#define FIRST_ATTACHMENT_OWNED 5

static const char *order(uint32_t id, bool *seen, bool *in_attachment)
{
	if (id == 0x00069002) { /* rendering data: a new attachment */
		*in_attachment = true;
		for (size_t i = FIRST_ATTACHMENT_OWNED; i < N_OWNED; i++)
			seen[i] = false;
		return NULL;
	}
	for (size_t i = 0; i < N_OWNED; i++) {
		if (owned[i] != id)
			continue;
		if (i >= FIRST_ATTACHMENT_OWNED && !*in_attachment)
			return "an attachment attribute before its attachment";
		if (seen[i])
			return "an attribute repeated where libytnef keeps one";
		seen[i] = true;
	}
	return NULL;
}

const char *mail_tnef_refused(const unsigned char *d, size_t len)
{
	struct cursor c = { d, len, 0 };
	uint32_t sig, id, size, sum, check;
	bool seen[N_OWNED] = { false }, in_attachment = false;
	const char *why;

	if (!take(&c, 4, &sig) || sig != SIG || !take(&c, 2, NULL))
		return "no TNEF signature";
	while (c.pos < len) {
		size_t start;

		if (!take(&c, 1, NULL) || !take(&c, 4, &id) || !take(&c, 4, &size))
			return NULL; /* libytnef stops at a short header, without harm */
		if (size == 0 || size > len - c.pos)
			return NULL; /* refused by libytnef itself, cleanly */
		start = c.pos;
		c.pos += size;
		sum = 0;
		for (size_t i = start; i < c.pos; i++)
			sum += d[i];
		if (!take(&c, 2, &check) || check != (sum & 0xFFFF))
			return NULL; /* a bad checksum ends libytnef's parse, cleanly */
		if (size < least_length(id))
			return "a TNEF attribute shorter than its kind";
		if ((why = order(id, seen, &in_attachment)) != NULL)
			return why;
		if ((id == 0x00069003 || id == 0x00069005) && (why = mapi_block(d + start, size)))
			return why;
	}
	return NULL;
}
