/*
 * charset.c - declared charset first, detection when it is wrong, U+FFFD
 * for what decodes in nothing.
 *
 * All conversions go through glibc's iconv.  Japanese names map to the
 * Microsoft supersets real mail is written in (Shift_JIS -> CP932,
 * EUC-JP -> EUC-JP-MS), so NEC and IBM extensions such as "①" or "㈱"
 * decode.  ISO-2022-JP carrying those extensions (Microsoft's CP50221,
 * unknown to iconv) is rewritten to EUC-JP byte for byte and decoded as
 * EUC-JP-MS: the two share the JIS X 0208 code points, only the framing
 * (escape sequences versus high bits) differs.
 */
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <glib.h>

#include "charset.h"

/* Detection looks at no more than this much of the input. */
#define GUESS_WINDOW (256u * 1024u)
#define REPLACEMENT "\xEF\xBF\xBD"

static const struct alias {
	const char *name;      /* as declared, compared without case */
	const char *canonical; /* reported */
	const char *iconv;     /* opened */
} aliases[] = {
	{ "utf-8", "UTF-8", "UTF-8" },
	{ "utf8", "UTF-8", "UTF-8" },
	{ "us-ascii", "US-ASCII", "ASCII" },
	{ "ascii", "US-ASCII", "ASCII" },
	{ "ansi_x3.4-1968", "US-ASCII", "ASCII" },
	{ "shift_jis", "Shift_JIS", "CP932" },
	{ "shift-jis", "Shift_JIS", "CP932" },
	{ "sjis", "Shift_JIS", "CP932" },
	{ "x-sjis", "Shift_JIS", "CP932" },
	{ "ms_kanji", "Shift_JIS", "CP932" },
	{ "csshiftjis", "Shift_JIS", "CP932" },
	{ "windows-31j", "Shift_JIS", "CP932" },
	{ "cp932", "Shift_JIS", "CP932" },
	{ "ms932", "Shift_JIS", "CP932" },
	{ "x-ms-cp932", "Shift_JIS", "CP932" },
	{ "euc-jp", "EUC-JP", "EUC-JP-MS" },
	{ "eucjp", "EUC-JP", "EUC-JP-MS" },
	{ "x-euc-jp", "EUC-JP", "EUC-JP-MS" },
	{ "cseucpkdfmtjapanese", "EUC-JP", "EUC-JP-MS" },
	{ "iso-2022-jp", "ISO-2022-JP", "ISO-2022-JP" },
	{ "csiso2022jp", "ISO-2022-JP", "ISO-2022-JP" },
	{ "iso-2022-jp-1", "ISO-2022-JP", "ISO-2022-JP" },
	{ "cp50220", "ISO-2022-JP", "ISO-2022-JP" },
	{ "cp50221", "ISO-2022-JP", "ISO-2022-JP" },
	{ "cp50222", "ISO-2022-JP", "ISO-2022-JP" },
	/* Western mail says Latin-1 and means windows-1252 (WHATWG does the same) */
	{ "iso-8859-1", "windows-1252", "CP1252" },
	{ "iso8859-1", "windows-1252", "CP1252" },
	{ "latin1", "windows-1252", "CP1252" },
	{ "l1", "windows-1252", "CP1252" },
	{ "windows-1252", "windows-1252", "CP1252" },
	{ "cp1252", "windows-1252", "CP1252" },
};

static const struct alias *alias_find(const char *name)
{
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (strcasecmp(name, aliases[i].name) == 0)
			return &aliases[i];
	return NULL;
}

/* Charset names come from hostile headers: only the shape of a real name
 * reaches iconv_open. */
static bool name_is_sane(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 40)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!g_ascii_isalnum(c) && c != '-' && c != '_' && c != '.' && c != ':' && c != '+')
			return false;
	}
	return true;
}

/* Converters to UTF-8 kept open, one per charset, for the life of the
 * thread.  iconv_close walks every module glibc has loaded, and a worker
 * loads some sixty: in a job process forked from the warm worker, each
 * node it reads is a page the job touches for the first time, and an open
 * and a close cost far more there than the conversion.
 *
 * Only the charsets of the table above are kept, and not UTF-8: their
 * decoders keep all their state where iconv's reset clears it (a partial
 * character, ISO-2022-JP's shift).  Others may not: glibc's UTF-16, UTF-32
 * and UCS-2 decoders read a byte-order mark on their first call only, so
 * a reused one would read every later input in the first one's order. */
#define KEPT_MAX 8
static __thread struct kept {
	const char *name; /* the table's */
	iconv_t cd;
} kept[KEPT_MAX];
static __thread unsigned n_kept;

/* The table's spelling of name when its converter may be kept, else NULL. */
static const char *keepable(const char *name)
{
	if (strcmp(name, "UTF-8") == 0)
		return NULL;
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (strcmp(name, aliases[i].iconv) == 0)
			return aliases[i].iconv;
	return NULL;
}

/* A converter from name in its initial state; *keep tells whether it is
 * one of the kept ones (else converter_done closes it). */
static iconv_t converter_open(const char *name, bool *keep)
{
	const char *table_name;
	iconv_t cd;

	for (unsigned i = 0; i < n_kept; i++)
		if (strcmp(kept[i].name, name) == 0) {
			iconv(kept[i].cd, NULL, NULL, NULL, NULL); /* the initial state */
			*keep = true;
			return kept[i].cd;
		}
	cd = iconv_open("UTF-8", name);
	table_name = keepable(name);
	*keep = cd != (iconv_t)-1 && table_name && n_kept < KEPT_MAX;
	if (*keep) {
		kept[n_kept].name = table_name;
		kept[n_kept++].cd = cd;
	}
	return cd;
}

static void converter_done(iconv_t cd, bool keep)
{
	if (!keep)
		iconv_close(cd);
}

void mg_charset_warm(void)
{
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++) {
		bool keep;
		iconv_t cd = converter_open(aliases[i].iconv, &keep);

		if (cd != (iconv_t)-1)
			converter_done(cd, keep);
	}
}

static bool iconv_knows(const char *name)
{
	bool keep;
	iconv_t cd = converter_open(name, &keep);

	if (cd == (iconv_t)-1)
		return false;
	converter_done(cd, keep);
	return true;
}

const char *mg_charset_canonical(const char *declared, char *tmp, size_t tmplen)
{
	const struct alias *a;

	if (!declared || !name_is_sane(declared))
		return NULL;
	a = alias_find(declared);
	if (a)
		return a->canonical;
	if (!iconv_knows(declared))
		return NULL;
	snprintf(tmp, tmplen, "%s", declared);
	return tmp;
}

static const char *iconv_name(const char *canonical)
{
	const struct alias *a = alias_find(canonical);

	return a ? a->iconv : canonical;
}

/* Converts with iconv, each undecodable byte replaced.  With out NULL the
 * bytes are only counted (detection).  Returns -1 when out is full. */
static int convert(const char *from, const unsigned char *in, size_t len, mg_buf *out,
                   unsigned *bad, mg_buf *scratch)
{
	char obuf[8192];
	char *ip = (char *)(uintptr_t)in; /* iconv's prototype lacks const */
	size_t il = len;
	bool keep;
	iconv_t cd = converter_open(from, &keep);
	mg_buf *dst = out ? out : scratch;
	int rc = 0;

	*bad = 0;
	if (cd == (iconv_t)-1)
		return -2;
	for (;;) {
		char *op = obuf;
		size_t ol = sizeof(obuf), r;
		int err;

		r = il > 0 ? iconv(cd, &ip, &il, &op, &ol) : iconv(cd, NULL, NULL, &op, &ol);
		err = r == (size_t)-1 ? errno : 0;
		if (dst && op > obuf && mg_buf_append(dst, obuf, (size_t)(op - obuf)) < 0) {
			rc = -1;
			break;
		}
		if (err == E2BIG)
			continue;
		if ((err == EILSEQ || err == EINVAL) && il > 0) {
			(*bad)++;
			if (dst && mg_buf_append(dst, REPLACEMENT, 3) < 0) {
				rc = -1;
				break;
			}
			ip++;
			il--;
			continue;
		}
		if (il == 0 && err == 0)
			break;
		if (il == 0)
			break; /* a failed final reset: nothing more to write */
	}
	converter_done(cd, keep);
	return rc;
}

/* ISO-2022-JP with Microsoft's extensions, reframed as EUC-JP. */
static int iso2022_to_euc(const unsigned char *in, size_t len, mg_buf *euc)
{
	enum { ASCII, KANA, J0208, J0212 } mode = ASCII, before_so = ASCII;
	size_t i = 0;

	while (i < len) {
		unsigned char c = in[i];
		const unsigned char *esc = mg_view(in, len, i, 4);
		int rc = 0;

		if (c == 0x1B && mg_view(in, len, i, 3)) {
			const unsigned char *e = in + i;

			if (e[1] == '(' && (e[2] == 'B' || e[2] == 'J')) {
				mode = ASCII;
				i += 3;
			} else if (e[1] == '(' && e[2] == 'I') {
				mode = KANA;
				i += 3;
			} else if (e[1] == '$' && (e[2] == '@' || e[2] == 'B')) {
				mode = J0208;
				i += 3;
			} else if (esc && e[1] == '$' && e[2] == '(' && e[3] == 'D') {
				mode = J0212;
				i += 4;
			} else if (esc && e[1] == '$' && e[2] == '(' && (e[3] == 'O' || e[3] == 'Q')) {
				mode = J0208; /* JIS X 0213 plane 1 agrees with 0208 where 0208 is defined */
				i += 4;
			} else {
				rc = mg_buf_putc(euc, c);
				i++;
			}
		} else if (c == 0x0E) {
			before_so = mode;
			mode = KANA;
			i++;
		} else if (c == 0x0F) {
			mode = before_so;
			i++;
		} else if (c < 0x21 || c > 0x7E || mode == ASCII) {
			rc = mg_buf_putc(euc, c);
			i++;
		} else if (mode == KANA) {
			rc = mg_buf_putc(euc, 0x8E);
			if (rc == 0)
				rc = mg_buf_putc(euc, c | 0x80);
			i++;
		} else if (i + 1 < len && in[i + 1] >= 0x21 && in[i + 1] <= 0x7E) {
			if (mode == J0212)
				rc = mg_buf_putc(euc, 0x8F);
			if (rc == 0)
				rc = mg_buf_putc(euc, c | 0x80);
			if (rc == 0)
				rc = mg_buf_putc(euc, in[i + 1] | 0x80);
			i += 2;
		} else {
			rc = mg_buf_putc(euc, 0xFF); /* half a character: a byte EUC-JP rejects */
			i++;
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* Decodes ISO-2022-JP with iconv; when that meets characters iconv does
 * not know, the EUC-JP path decides if it does better. */
static int decode_iso2022(const unsigned char *in, size_t len, mg_buf *out, unsigned *bad)
{
	mg_buf euc, alt;
	unsigned bad_alt = 0;
	size_t start = out->len;
	int rc;

	rc = convert("ISO-2022-JP", in, len, out, bad, NULL);
	if (rc != 0 || *bad == 0)
		return rc;
	mg_buf_init(&euc, len * 2 + 16);
	mg_buf_init(&alt, out->max);
	if (iso2022_to_euc(in, len, &euc) == 0 &&
	    convert("EUC-JP-MS", euc.data ? euc.data : (const unsigned char *)"", euc.len, &alt,
	            &bad_alt, NULL) == 0 &&
	    bad_alt < *bad) {
		out->len = start;
		rc = mg_buf_append(out, alt.data ? alt.data : (const unsigned char *)"", alt.len);
		*bad = bad_alt;
	}
	mg_buf_free(&euc);
	mg_buf_free(&alt);
	return rc;
}

/* One look for ESC, not one search of the text for each escape: most
 * text has no ESC at all. */
static bool has_iso2022_escape(const unsigned char *in, size_t len)
{
	static const char *const escapes[] = { "\x1b$B", "\x1b$@", "\x1b(J", "\x1b(I", "\x1b$(D" };
	const unsigned char *end = in + len;

	for (const unsigned char *p = memchr(in, 0x1b, len); p;
	     p = memchr(p + 1, 0x1b, (size_t)(end - p - 1)))
		for (size_t i = 0; i < sizeof(escapes) / sizeof(escapes[0]); i++) {
			size_t n = strlen(escapes[i]);

			if ((size_t)(end - p) >= n && memcmp(p, escapes[i], n) == 0)
				return true;
		}
	return false;
}

/* What a window of text is at first sight, before any charset is tried:
 * the guess and a single-byte label both ask this first.  *ascii is the
 * length of its ASCII start. */
enum text_shape { SHAPE_ASCII, SHAPE_ISO2022, SHAPE_UTF8, SHAPE_OTHER };

static enum text_shape text_shape(const unsigned char *in, size_t n, size_t *ascii)
{
	*ascii = mg_ascii_run(in, n);
	if (*ascii == n)
		return has_iso2022_escape(in, n) ? SHAPE_ISO2022 : SHAPE_ASCII;
	/* its ASCII start needs no second look */
	return g_utf8_validate((const char *)in + *ascii, (gssize)(n - *ascii), NULL) ? SHAPE_UTF8
	                                                                              : SHAPE_OTHER;
}

/* g_utf8_next_char() without its cast of const away. */
static const char *next_char(const char *p)
{
	return p + g_utf8_skip[*(const guchar *)p];
}

/* How Japanese decoded text looks: kana, kanji and full-width forms count
 * for, anything else beyond ASCII (Latin accents, box drawing, private
 * use) against. */
static long japanese_score(const mg_buf *b)
{
	const char *p = (const char *)b->data, *end = p + b->len;
	long score = 0;

	while (p && p < end) {
		gunichar c = g_utf8_get_char_validated(p, end - p);

		if (c == (gunichar)-1 || c == (gunichar)-2)
			break;
		if (c >= 0x3000 && c <= 0x30FF)
			score += 2; /* CJK punctuation, hiragana, katakana */
		else if ((c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xFF01 && c <= 0xFF5E))
			score += 1;
		else if (c >= 0x80 && !(c >= 0xFF61 && c <= 0xFF9F) && c != 0xFFFD)
			score -= 2;
		p = next_char(p);
	}
	return score;
}

struct candidate {
	const char *canonical;
	unsigned bad;
	long score;
};

static void try_candidate(struct candidate *c, const unsigned char *in, size_t len)
{
	mg_buf scratch;

	mg_buf_init(&scratch, len * 3 + 16);
	c->score = 0;
	if (convert(iconv_name(c->canonical), in, len, NULL, &c->bad, &scratch) != 0)
		c->bad = UINT32_MAX;
	else
		c->score = japanese_score(&scratch);
	mg_buf_free(&scratch);
}

/* A window may end inside a character: trim to a line end if there is one. */
static size_t guess_window(const unsigned char *in, size_t len)
{
	const unsigned char *nl;
	size_t n = len < GUESS_WINDOW ? len : GUESS_WINDOW;

	if (n == len)
		return n;
	for (nl = in + n; nl > in && nl[-1] != '\n'; nl--)
		;
	return nl > in ? (size_t)(nl - in) : n;
}

/* Mostly UTF-8 with some damage: multibyte sequences far outnumber the
 * bytes that fit none. */
static bool mostly_utf8(const unsigned char *in, size_t len)
{
	const char *p = (const char *)in, *end = p + len;
	size_t multi = 0, bad = 0;

	while (p < end) {
		gunichar c;

		if ((unsigned char)*p < 0x80) {
			p++; /* ASCII: neither multibyte nor bad, no decoding needed */
			continue;
		}
		c = g_utf8_get_char_validated(p, end - p);
		if (c == (gunichar)-1 || c == (gunichar)-2) {
			bad++;
			p++;
			continue;
		}
		if (c >= 0x80)
			multi++;
		p = next_char(p);
	}
	return multi > 0 && multi >= 4 * bad;
}

static size_t count_high(const unsigned char *in, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += in[i] >= 0x80;
	return n;
}

/* mg_charset_guess(); *valid_utf8 says whether the whole text was found
 * to be UTF-8 as it is on the way, so that it is not checked again. */
static const char *guess_charset(const unsigned char *in, size_t len, bool *valid_utf8)
{
	struct candidate c[2] = { { "Shift_JIS", 0, 0 }, { "EUC-JP", 0, 0 } };
	size_t n = guess_window(in, len), ascii;
	struct candidate *best;

	*valid_utf8 = false;
	if (n >= 3 && memcmp(in, "\xEF\xBB\xBF", 3) == 0)
		return "UTF-8";
	if (n >= 2 && (memcmp(in, "\xFF\xFE", 2) == 0 || memcmp(in, "\xFE\xFF", 2) == 0))
		return "UTF-16";
	switch (text_shape(in, n, &ascii)) {
	case SHAPE_ISO2022:
		return "ISO-2022-JP";
	case SHAPE_ASCII:
	case SHAPE_UTF8: /* what mostly_utf8() would find, without decoding each character */
		*valid_utf8 = n == len;
		return "UTF-8";
	case SHAPE_OTHER:
		break;
	}
	/* the ASCII start counts for neither */
	if (mostly_utf8(in + ascii, n - ascii))
		return "UTF-8";
	try_candidate(&c[0], in, n);
	try_candidate(&c[1], in, n);
	best = c[1].bad < c[0].bad || (c[1].bad == c[0].bad && c[1].score > c[0].score) ? &c[1] : &c[0];
	/* two high bytes make one Japanese character: a few damaged ones are tolerated */
	if (best->score > 0 && (size_t)best->bad * 20 <= count_high(in, n))
		return best->canonical;
	return "windows-1252";
}

const char *mg_charset_guess(const unsigned char *in, size_t len)
{
	bool valid_utf8;

	return guess_charset(in, len, &valid_utf8);
}

/* UTF-8 as it is, without the BOM, which says only what the name says. */
/* g_utf8_validate() of the whole text (no NUL, every sequence whole)
 * with its ASCII start passed eight bytes at a time: glib looks at each
 * byte, and most text declared UTF-8 is ASCII for long stretches. */
static bool utf8_valid(const unsigned char *in, size_t len)
{
	size_t ascii;

	if (memchr(in, 0, len))
		return false;
	ascii = mg_ascii_run(in, len);
	return ascii == len || g_utf8_validate((const char *)in + ascii, (gssize)(len - ascii), NULL);
}

static int append_utf8(mg_buf *out, const unsigned char *in, size_t len)
{
	if (len >= 3 && memcmp(in, "\xEF\xBB\xBF", 3) == 0) {
		in += 3;
		len -= 3;
	}
	return mg_buf_append(out, in, len);
}

static int decode_as(const char *canonical, const unsigned char *in, size_t len, mg_buf *out,
                     unsigned *bad)
{
	if (strcmp(canonical, "ISO-2022-JP") == 0)
		return decode_iso2022(in, len, out, bad);
	if (strcmp(canonical, "UTF-8") == 0 && utf8_valid(in, len)) {
		*bad = 0;
		return append_utf8(out, in, len);
	}
	return convert(iconv_name(canonical), in, len, out, bad, NULL);
}

/* Single-byte charsets accept almost any byte: a label of one of them is
 * "wrong" only when the bytes are obviously something else. */
static bool catch_all(const char *canonical)
{
	return strcmp(canonical, "windows-1252") == 0 || strncasecmp(canonical, "ISO-8859-", 9) == 0 ||
	       strncasecmp(canonical, "windows-125", 11) == 0 || strncasecmp(canonical, "KOI8", 4) == 0;
}

/* The charset to decode with.  When the declared one decoded the whole
 * text cleanly while being tried, that text is handed back in *done
 * (else done->data stays NULL) so that it is not decoded twice; when the
 * whole text was found to be UTF-8 as it is, *valid_utf8 says so. */
static const char *choose(const unsigned char *in, size_t len, const char *declared, char *tmp,
                          size_t tmplen, bool *guessed, mg_buf *done, bool *valid_utf8)
{
	const char *canon = mg_charset_canonical(declared, tmp, tmplen);
	const char *guess;
	size_t n = guess_window(in, len);
	unsigned bad = 0, bad_guess = 0;
	mg_buf scratch;
	int rc;

	*guessed = true;
	*valid_utf8 = false;
	if (!canon)
		return guess_charset(in, len, valid_utf8);
	if (strcmp(canon, "UTF-8") == 0 && utf8_valid(in, len)) {
		*guessed = false;
		*valid_utf8 = true; /* as declared: nothing to decode, nor to copy twice */
		return canon;
	}
	if (catch_all(canon) || strcmp(canon, "US-ASCII") == 0) {
		/* UTF-8 multibyte runs and ISO-2022-JP escapes do not happen by chance */
		size_t ascii;
		enum text_shape shape = text_shape(in, n, &ascii);

		if (shape == SHAPE_UTF8)
			return "UTF-8";
		if (shape == SHAPE_ISO2022)
			return "ISO-2022-JP";
	}
	*guessed = false;
	mg_buf_init(&scratch, n * 3 + 16);
	rc = decode_as(canon, in, n, &scratch, &bad);
	if (rc == -2)
		bad = UINT32_MAX;
	if (rc == 0 && bad == 0 && n == len && scratch.data) {
		*done = scratch; /* the whole text, decoded as it will be */
		return canon;
	}
	mg_buf_free(&scratch);
	if (bad == 0)
		return canon;
	guess = mg_charset_guess(in, len);
	if (strcmp(guess, canon) == 0)
		return canon;
	mg_buf_init(&scratch, n * 3 + 16);
	decode_as(guess, in, n, &scratch, &bad_guess);
	mg_buf_free(&scratch);
	if (bad_guess < bad) {
		*guessed = true;
		return guess;
	}
	return canon;
}

int mg_charset_decode(const unsigned char *in, size_t len, const char *declared, mg_buf *out,
                      mg_charset_info *info)
{
	char tmp[48];
	mg_charset_info local;
	const char *cs;
	mg_buf done;
	bool valid_utf8;
	int rc;

	if (!info)
		info = &local;
	memset(info, 0, sizeof(*info));
	if (!in)
		in = (const unsigned char *)"";
	memset(&done, 0, sizeof(done));
	cs = choose(in, len, declared, tmp, sizeof(tmp), &info->guessed, &done, &valid_utf8);
	snprintf(info->used, sizeof(info->used), "%s", cs);
	if (valid_utf8)
		return append_utf8(out, in, len) < 0 ? -1 : 0;
	if (done.data) {
		rc = mg_buf_append(out, done.data, done.len);
		mg_buf_free(&done);
		return rc < 0 ? -1 : 0;
	}
	rc = decode_as(cs, in, len, out, &info->replaced);
	if (rc == -2) /* iconv lost the charset since: decode as the fallback */
		rc = convert("CP1252", in, len, out, &info->replaced, NULL);
	return rc < 0 ? -1 : 0;
}

static bool removable(gunichar c)
{
	if (c == '\t' || c == '\n')
		return false;
	return c < 0x20 || (c >= 0x7F && c <= 0x9F) || (c >= 0x202A && c <= 0x202E) ||
	       (c >= 0x2066 && c <= 0x2069) || c == 0x200E || c == 0x200F || c == 0xFEFF;
}

/* A well-formed three-byte sequence of U+1000-1FFF, U+3000-CFFF or
 * U+E000-EFFF (lead E1, E3-EC, EE: no overlong form, no surrogate, none
 * of the marks removable() takes, which lie in E2 and EF). */
static bool cjk3(const char *p, const char *end)
{
	unsigned char a = (unsigned char)p[0];

	return end - p >= 3 && (a == 0xE1 || (a >= 0xE3 && a <= 0xEC) || a == 0xEE) &&
	       ((unsigned char)p[1] & 0xC0) == 0x80 && ((unsigned char)p[2] & 0xC0) == 0x80;
}

/* Whether all eight bytes of v are printable ASCII, 0x20 to 0x7E: none
 * below 0x20, none high, nor one that adding one makes high (0x7F; with
 * no byte high, adding one carries into no other byte). */
static bool printable8(uint64_t v)
{
	return !mg_any_below8(v, 0x20) && !mg_any_high8(v | (v + MG_ONES8));
}

/* The printable ASCII from p on, eight bytes at a time, moved to *w;
 * where it ends. */
static char *printable_run(char *p, const char *end, char **w)
{
	while (end - p >= 8 && printable8(mg_bytes8(p))) {
		if (*w != p)
			memmove(*w, p, 8);
		*w += 8;
		p += 8;
	}
	return p;
}

size_t mg_utf8_clean(mg_buf *b)
{
	char *p, *end, *w;
	size_t removed = 0;

	if (!b->data)
		return 0;
	p = w = (char *)b->data;
	end = p + b->len;
	while (p < end) {
		unsigned char a = (unsigned char)*p;
		gunichar c;
		const char *next;

		if ((a >= 0x20 && a < 0x7f) || a == '\t' || a == '\n') {
			*w++ = *p++; /* printable ASCII: most of any text, kept as is */
			p = printable_run(p, end, &w);
			continue;
		}
		if (cjk3(p, end)) {
			/* kana and kanji: none removable, kept as is; moved only
			 * once something before them went (w never passes p) */
			if (w != p) {
				w[0] = p[0];
				w[1] = p[1];
				w[2] = p[2];
			}
			w += 3;
			p += 3;
			continue;
		}
		c = g_utf8_get_char_validated(p, end - p);
		if (c == (gunichar)-1 || c == (gunichar)-2) {
			/* callers hand UTF-8; should a stray byte slip in, it goes */
			p++;
			removed++;
			continue;
		}
		next = g_utf8_next_char(p);
		if (c == '\r') {
			*w++ = '\n';
			if (next < end && *next == '\n')
				next++;
		} else if (removable(c)) {
			removed++;
		} else {
			if (w != p)
				memmove(w, p, (size_t)(next - p));
			w += next - p;
		}
		p = (char *)(uintptr_t)next;
	}
	b->len = (size_t)(w - (char *)b->data);
	b->data[b->len] = 0;
	return removed;
}
