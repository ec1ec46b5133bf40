/*
 * archive_probe.c - the few exact checks libarchive does not offer.
 *
 * libarchive parses every format here; these read a handful of fixed
 * fields (through mg_view) to answer questions its API leaves open: is
 * there a prefix before the archive, how many members does a zip's
 * directory announce (libarchive silently merges entries that share one
 * local header, the overlapping-entry zip bomb), does a RAR5 archive
 * carry encryption records (unreported before libarchive 3.7), how much
 * memory a zip's LZMA members ask for (libarchive allocates whatever
 * dictionary the member's header names, up to 4 GiB).
 */
#include <string.h>

#include "archive_priv.h"

/* A zip's end record lies in the last 64 KiB (its comment) + 22 bytes. */
#define EOCD_SIZE 22
#define EOCD_WINDOW (65535u + EOCD_SIZE)
/* RAR5 blocks walked at most: beyond this the check gives up. */
#define RAR5_MAX_BLOCKS 200000u
/* APPNOTE's compression method 14, WinZip AES's 99 and its extra field */
#define ZIP_METHOD_LZMA 14
#define ZIP_METHOD_AES 99
#define ZIP_EXTRA_AES 0x9901
/* general purpose flags: encrypted, strong encryption (which libarchive refuses) */
#define ZIP_ENCRYPTED 0x0001
#define ZIP_STRONG 0x0040
/* ZipCrypto's header at the start of an encrypted member's data */
#define ZIPCRYPTO_HEADER 12
/* extra fields walked at most for the AES one: past this, any is assumed */
#define ZIP_EXTRA_FIELDS 32u

static bool has(const unsigned char *d, size_t len, size_t off, const char *magic, size_t n)
{
	const unsigned char *p = mg_view(d, len, off, n);

	return p && memcmp(p, magic, n) == 0;
}

int mg_archive_outer_filter(const unsigned char *d, size_t len)
{
	if (has(d, len, 0, "\x1f\x8b", 2))
		return ARCHIVE_FILTER_GZIP;
	if (has(d, len, 0, "BZh", 3))
		return ARCHIVE_FILTER_BZIP2;
	if (has(d, len, 0, "\xfd" "7zXZ\0", 6))
		return ARCHIVE_FILTER_XZ;
	if (has(d, len, 0, "\x28\xb5\x2f\xfd", 4))
		return ARCHIVE_FILTER_ZSTD;
	if (has(d, len, 0, "LZIP", 4))
		return ARCHIVE_FILTER_LZIP;
	return ARCHIVE_FILTER_NONE;
}

bool mg_archive_starts_at_zero(int format, const unsigned char *d, size_t len)
{
	switch (format & ARCHIVE_FORMAT_BASE_MASK) {
	case ARCHIVE_FORMAT_ZIP:
		/* a local header, an empty zip's end record, or a split marker */
		return has(d, len, 0, "PK\3\4", 4) || has(d, len, 0, "PK\5\6", 4) ||
		       has(d, len, 0, "PK\7\x08PK\3\4", 8) || has(d, len, 0, "PK00PK\3\4", 8);
	case ARCHIVE_FORMAT_7ZIP:
		return has(d, len, 0, "7z\xbc\xaf\x27\x1c", 6);
	case ARCHIVE_FORMAT_RAR:
	case ARCHIVE_FORMAT_RAR_V5:
		return has(d, len, 0, "Rar!\x1a\x07", 6);
	case ARCHIVE_FORMAT_CAB:
		return has(d, len, 0, "MSCF", 4);
	case ARCHIVE_FORMAT_LHA:
		/* header size, checksum, then the method id "-lh?-" / "-lz?-" */
		return has(d, len, 2, "-lh", 3) || has(d, len, 2, "-lz", 3);
	default:
		return true; /* tar, cpio, raw: libarchive reads them from offset 0 only */
	}
}

static uint64_t le(const unsigned char *p, size_t n)
{
	uint64_t v = 0;

	while (n--)
		v = (v << 8) | p[n];
	return v;
}

/* The Zip64 end record, found through its locator just before the end record. */
static int64_t zip64_count(const unsigned char *d, size_t len, size_t eocd)
{
	const unsigned char *loc, *rec;
	uint64_t off;

	if (eocd < 20 || !(loc = mg_view(d, len, eocd - 20, 20)) || memcmp(loc, "PK\6\7", 4) != 0)
		return -1;
	off = le(loc + 8, 8);
	if (off > len || !(rec = mg_view(d, len, (size_t)off, 56)) || memcmp(rec, "PK\6\6", 4) != 0)
		return -1;
	off = le(rec + 32, 8);
	return off > INT64_MAX ? INT64_MAX : (int64_t)off;
}

int64_t mg_zip_directory_count(const unsigned char *d, size_t len)
{
	size_t start, pos;

	if (len < EOCD_SIZE)
		return -1;
	start = len > EOCD_WINDOW ? len - EOCD_WINDOW : 0;
	/* the last end record wins, as in every reader */
	for (pos = len - EOCD_SIZE + 1; pos-- > start;) {
		const unsigned char *p = mg_view(d, len, pos, EOCD_SIZE);
		uint64_t count;

		if (!p || memcmp(p, "PK\5\6", 4) != 0)
			continue;
		count = le(p + 10, 2);
		if (count == 0xFFFF)
			return zip64_count(d, len, pos);
		return (int64_t)count;
	}
	return -1;
}

/* libarchive keeps the local header's method in one byte (a cast to
 * char), and that byte alone picks the decoder: 0xA70E is LZMA too.  The
 * directory's method is never used, whatever it says. */
static bool zip_method_is(const unsigned char *h, unsigned method)
{
	return (le(h + 8, 2) & 0xff) == method;
}

static uint64_t max64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* LZMA SDK version (2), properties size (2) = 5, lc/lp/pb (1), dictionary (4) */
static uint64_t lzma_dict_at(const unsigned char *d, size_t len, size_t off)
{
	const unsigned char *p = mg_view(d, len, off, 9);

	return p && le(p + 2, 2) == 5 ? le(p + 5, 4) : 0;
}

/* A WinZip AES member is decoded by the method its AES extra field names
 * (vendor version, "AE", strength 1-3, method), from after the salt (8,
 * 12 or 16 bytes) and the 2-byte password check.  Without that field in
 * the local header the directory's counts (libarchive keeps it), so
 * every strength is tried. */
static uint64_t aes_dict(const unsigned char *d, size_t len, size_t extra, size_t data)
{
	static const size_t salt[] = { 0, 8, 12, 16 }; /* by strength */
	const unsigned char *aes = NULL;
	size_t n = data - extra, off = 0; /* n: the extra field's length */
	uint64_t most = 0;

	for (unsigned i = 0; i < ZIP_EXTRA_FIELDS && off + 4 <= n; i++) {
		const unsigned char *f = mg_view(d, len, extra + off, 4), *v;

		if (!f)
			break;
		if (le(f, 2) == ZIP_EXTRA_AES && le(f + 2, 2) >= 6 &&
		    (v = mg_view(d, len, extra + off + 4, 6)) != NULL && memcmp(v + 2, "AE", 2) == 0)
			aes = v; /* the last one wins */
		off += 4 + (size_t)le(f + 2, 2);
	}
	if (aes && aes[5] != ZIP_METHOD_LZMA)
		return 0;
	for (unsigned strength = 1; strength <= 3; strength++)
		if (!aes || aes[4] == strength)
			most = max64(most, lzma_dict_at(d, len, data + salt[strength] + 2));
	return most;
}

/* The largest dictionary the member whose local header is at pos may ask
 * for.  libarchive reads the LZMA properties raw, even in an encrypted
 * member: after ZipCrypto's header, after WinZip AES's salt (until 3.8.8,
 * which decrypts them, out of the probe's sight), and from the data's
 * start when it decodes a link's target with the header, which it never
 * decrypts. */
static uint64_t member_dict(const unsigned char *d, size_t len, size_t pos)
{
	const unsigned char *h = mg_view(d, len, pos, 30);
	size_t extra, data;
	bool crypt;

	if (!h || memcmp(h, "PK\3\4", 4) != 0)
		return 0;
	crypt = (le(h + 6, 2) & (ZIP_ENCRYPTED | ZIP_STRONG)) == ZIP_ENCRYPTED;
	extra = pos + 30 + (size_t)le(h + 26, 2);
	data = extra + (size_t)le(h + 28, 2);
	if (zip_method_is(h, ZIP_METHOD_LZMA))
		return max64(lzma_dict_at(d, len, data),
		             crypt ? lzma_dict_at(d, len, data + ZIPCRYPTO_HEADER) : 0);
	if (zip_method_is(h, ZIP_METHOD_AES) && crypt)
		return aes_dict(d, len, extra, data);
	return 0;
}

/* Every local header is looked at, wherever it stands: libarchive reads
 * members through the directory and by streaming alike, so a header the
 * directory does not name may still be decoded; and every header it
 * reaches through the directory is one of these. */
uint64_t mg_zip_lzma_dict_max(const unsigned char *d, size_t len)
{
	uint64_t most = 0;
	const unsigned char *at = d;

	while (len >= 30 && (at = memchr(at, 'P', len - (size_t)(at - d))) != NULL)
		most = max64(most, member_dict(d, len, (size_t)(at++ - d)));
	return most;
}

/* RAR5 variable-length integer: 7 bits a byte, high bit = more. */
static bool vint(const unsigned char *d, size_t len, size_t *off, uint64_t *v)
{
	*v = 0;
	for (unsigned shift = 0; shift < 64; shift += 7) {
		const unsigned char *p = mg_view(d, len, *off, 1);

		if (!p)
			return false;
		(*off)++;
		*v |= (uint64_t)(*p & 0x7f) << shift;
		if (!(*p & 0x80))
			return true;
	}
	return false;
}

/* A file or service header's extra area: a record of type 1 is encryption. */
static bool extra_has_crypt(const unsigned char *d, size_t end, size_t pos)
{
	while (pos < end) {
		uint64_t size, type;
		size_t rec;

		if (!vint(d, end, &pos, &size))
			return false;
		rec = pos;
		if (!vint(d, end, &rec, &type))
			return false;
		if (type == 1)
			return true;
		if (size == 0 || size > end - pos)
			return false;
		pos += (size_t)size;
	}
	return false;
}

bool mg_rar5_encrypted(const unsigned char *d, size_t len)
{
	size_t off = 8;

	if (!has(d, len, 0, "Rar!\x1a\x07\x01\x00", 8))
		return false;
	for (unsigned n = 0; n < RAR5_MAX_BLOCKS && off < len; n++) {
		uint64_t hsize, type, flags, extra = 0, data = 0;
		size_t pos = off + 4, hend; /* after the header CRC */

		if (pos > len || !vint(d, len, &pos, &hsize) || hsize > len - pos)
			return false;
		hend = pos + (size_t)hsize;
		if (!vint(d, hend, &pos, &type) || !vint(d, hend, &pos, &flags))
			return false;
		if ((flags & 1) && !vint(d, hend, &pos, &extra))
			return false;
		if ((flags & 2) && !vint(d, hend, &pos, &data))
			return false;
		if (type == 4)
			return true; /* archive encryption header: every header is encrypted */
		if ((type == 2 || type == 3) && extra > 0 && extra <= hend - pos &&
		    extra_has_crypt(d, hend, hend - (size_t)extra))
			return true;
		if (type == 5 || data > len - hend)
			return false;
		off = hend + (size_t)data;
	}
	return false;
}
