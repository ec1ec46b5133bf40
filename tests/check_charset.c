/* check_charset.c - declared charsets, detection, replacement and cleaning. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "charset.h"
#include "testutil.h"

/* Decodes and returns a NUL-terminated copy (free it). */
static char *dec(const char *bytes, size_t len, const char *declared, mg_charset_info *info)
{
	mg_buf b;
	char *s;

	mg_buf_init(&b, 1 << 20);
	ck_assert_int_eq(mg_charset_decode((const unsigned char *)bytes, len, declared, &b, info), 0);
	s = strdup(b.data ? (const char *)b.data : "");
	mg_buf_free(&b);
	return s;
}

#define DEC(lit, cs, info) dec(lit, sizeof(lit) - 1, cs, info)

START_TEST(iso2022jp_declared)
{
	mg_charset_info info;
	char *s = DEC("\x1b$B$9$_$^$;$s!#\x1b(B\r\n", "iso-2022-jp", &info);

	ck_assert_str_eq(s, "すみません。\r\n");
	ck_assert_str_eq(info.used, "ISO-2022-JP");
	ck_assert_uint_eq(info.replaced, 0);
	ck_assert(!info.guessed);
	free(s);
}
END_TEST

START_TEST(iso2022jp_with_microsoft_extensions)
{
	mg_charset_info info;
	/* NEC row 13: "①" and "㈱", which plain ISO-2022-JP lacks */
	char *s = DEC("\x1b$B-!-j$\"\x1b(B ok", "ISO-2022-JP", &info);

	ck_assert_str_eq(s, "①㈱あ ok");
	ck_assert_uint_eq(info.replaced, 0);
	free(s);
}
END_TEST

START_TEST(shift_jis_and_cp932)
{
	mg_charset_info info;
	char *s = DEC("\x82\xa0\x82\xa2 \x87\x40\x87\x8a", "Shift_JIS", &info);

	ck_assert_str_eq(s, "あい ①㈱");
	ck_assert_str_eq(info.used, "Shift_JIS");
	free(s);
	s = DEC("\x83\x65\x83\x58\x83\x67", "windows-31j", &info);
	ck_assert_str_eq(s, "テスト");
	free(s);
}
END_TEST

START_TEST(euc_jp)
{
	mg_charset_info info;
	char *s = DEC("\xa4\xa2\xa4\xa4\xa4\xa6 \xc6\xfc\xcb\xdc", "EUC-JP", &info);

	ck_assert_str_eq(s, "あいう 日本");
	ck_assert_str_eq(info.used, "EUC-JP");
	free(s);
}
END_TEST

START_TEST(detection_without_declaration)
{
	mg_charset_info info;
	/* "このメールはテスト用のメールです。" in each encoding */
	static const char sjis[] = "\x82\xb1\x82\xcc\x83\x81\x81\x5b\x83\x8b\x82\xcd\x83\x65\x83\x58"
	                           "\x83\x67\x97\x70\x82\xcc\x83\x81\x81\x5b\x83\x8b\x82\xc5\x82\xb7"
	                           "\x81\x42";
	static const char euc[] = "\xa4\xb3\xa4\xce\xa5\xe1\xa1\xbc\xa5\xeb\xa4\xcf\xa5\xc6\xa5\xb9"
	                          "\xa5\xc8\xcd\xd1\xa4\xce\xa5\xe1\xa1\xbc\xa5\xeb\xa4\xc7\xa4\xb9"
	                          "\xa1\xa3";
	const char *want = "このメールはテスト用のメールです。";
	char *s;

	s = DEC(sjis, NULL, &info);
	ck_assert_str_eq(s, want);
	ck_assert_str_eq(info.used, "Shift_JIS");
	ck_assert(info.guessed);
	free(s);
	s = DEC(euc, NULL, &info);
	ck_assert_str_eq(s, want);
	ck_assert_str_eq(info.used, "EUC-JP");
	free(s);
	s = DEC("\x1b$B$3$N\x1b(B", NULL, &info);
	ck_assert_str_eq(s, "この");
	ck_assert_str_eq(info.used, "ISO-2022-JP");
	free(s);
	s = DEC("caf\xc3\xa9", NULL, &info);
	ck_assert_str_eq(s, "café");
	ck_assert_str_eq(info.used, "UTF-8");
	free(s);
	s = DEC("Gr\xfc\xdf" "e aus K\xf6ln, 5 \x80", NULL, &info);
	ck_assert_str_eq(s, "Grüße aus Köln, 5 €");
	ck_assert_str_eq(info.used, "windows-1252");
	free(s);
}
END_TEST

START_TEST(wrong_declaration_falls_back)
{
	mg_charset_info info;
	char *s;

	/* Shift_JIS bytes labelled us-ascii, as misconfigured senders do */
	s = DEC("\x82\xa0\x82\xa2\x82\xa4\x82\xa6\x82\xa8", "us-ascii", &info);
	ck_assert_str_eq(s, "あいうえお");
	ck_assert_str_eq(info.used, "Shift_JIS");
	ck_assert(info.guessed);
	free(s);
	/* UTF-8 labelled Latin-1 */
	s = DEC("\xe6\x97\xa5\xe6\x9c\xac", "iso-8859-1", &info);
	ck_assert_str_eq(s, "日本");
	ck_assert_str_eq(info.used, "UTF-8");
	free(s);
	/* the same after a NUL: a label and the guess see the text alike */
	free(DEC("a\0b \xe6\x97\xa5\xe6\x9c\xac", "iso-8859-1", &info));
	ck_assert_str_eq(info.used, "UTF-8");
	free(DEC("a\0b \xe6\x97\xa5\xe6\x9c\xac", NULL, &info));
	ck_assert_str_eq(info.used, "UTF-8");
	/* EUC-JP labelled Shift_JIS */
	s = DEC("\xa4\xb3\xa4\xce\xa5\xe1\xa1\xbc\xa5\xeb", "shift_jis", &info);
	ck_assert_str_eq(s, "このメール");
	ck_assert_str_eq(info.used, "EUC-JP");
	free(s);
	/* a name that is no charset at all, or a path */
	s = DEC("plain", "../../etc/passwd", &info);
	ck_assert_str_eq(s, "plain");
	ck_assert(info.guessed);
	free(s);
	s = DEC("plain", "x-no-such-charset", &info);
	ck_assert_str_eq(s, "plain");
	free(s);
}
END_TEST

START_TEST(invalid_bytes_are_replaced)
{
	mg_charset_info info;
	/* UTF-8 with one damaged byte stays UTF-8, the byte becomes U+FFFD */
	char *s = DEC("日本語のテキスト\xff です", "utf-8", &info);

	ck_assert_str_eq(s, "日本語のテキスト\xEF\xBF\xBD です");
	ck_assert_str_eq(info.used, "UTF-8");
	ck_assert_uint_eq(info.replaced, 1);
	free(s);
	/* a truncated character at the end, no charset declared */
	s = DEC("日本語のテキスト\xe3\x81", NULL, &info);
	ck_assert_str_eq(s, "日本語のテキスト\xEF\xBF\xBD\xEF\xBF\xBD");
	ck_assert_str_eq(info.used, "UTF-8");
	free(s);
	/* damaged ISO-2022-JP: an odd byte inside a two-byte run */
	s = DEC("\x1b$B$3$N$\x1b(B", "iso-2022-jp", &info);
	ck_assert_ptr_nonnull(strstr(s, "この"));
	ck_assert_ptr_nonnull(strstr(s, "\xEF\xBF\xBD"));
	free(s);
}
END_TEST

START_TEST(output_limit_is_an_error)
{
	mg_buf b;

	mg_buf_init(&b, 4);
	ck_assert_int_eq(mg_charset_decode((const unsigned char *)"\x82\xa0\x82\xa0\x82\xa0", 6,
	                                   "shift_jis", &b, NULL), -1);
	mg_buf_free(&b);
}
END_TEST

/* A converter kept from an earlier decode starts in its initial state:
 * here one stopped by the output limit inside ISO-2022-JP's JIS X 0208
 * mode, where "abcd" would read as two kanji without a reset. */
START_TEST(kept_converter_starts_clean)
{
	enum { PAIRS = 5000 };
	unsigned char *jis = malloc(3 + 2 * PAIRS);
	mg_charset_info info;
	mg_buf b;
	char *s;

	memcpy(jis, "\x1b$B", 3);
	for (size_t i = 0; i < PAIRS; i++)
		memcpy(jis + 3 + 2 * i, "$9", 2);
	mg_buf_init(&b, 64);
	ck_assert_int_eq(mg_charset_decode(jis, 3 + 2 * PAIRS, "iso-2022-jp", &b, NULL), -1);
	mg_buf_free(&b);
	free(jis);
	for (int round = 0; round < 2; round++) {
		s = DEC("abcd", "iso-2022-jp", &info);
		ck_assert_str_eq(s, "abcd");
		ck_assert_uint_eq(info.replaced, 0);
		free(s);
	}
}
END_TEST

/* UTF-16's decoder reads the byte-order mark on its first call only: each
 * input gets a converter of its own, so each is read in its own order. */
START_TEST(utf16_byte_order_per_input)
{
	for (int round = 0; round < 2; round++) {
		char *le = DEC("\xff\xfe" "a\0b\0", "utf-16", NULL);
		char *be = DEC("\xfe\xff" "\0a\0b", "utf-16", NULL);

		ck_assert_str_eq(le, "ab");
		ck_assert_str_eq(be, "ab");
		free(le);
		free(be);
	}
}
END_TEST

/* Converters opened by the warm-up, as a worker's zygote opens them, then
 * used in a forked process, as a job uses them: each charset of the table
 * decodes there, and a second warm-up keeps no converter twice. */
START_TEST(warmed_converters_decode_in_a_fork)
{
	static const struct {
		const char *bytes, *declared, *want;
	} cases[] = {
		{ "\x1b$B$9$_$^$;$s!#\x1b(B", "iso-2022-jp", "すみません。" },
		{ "\x82\xa0\x87\x40", "shift_jis", "あ①" },
		{ "\xa4\xa2", "euc-jp", "あ" },
		{ "Fouch\xe9 \x80", "iso-8859-1", "Fouché €" },
		{ "plain", "us-ascii", "plain" },
	};
	pid_t pid;
	int status;

	mg_charset_warm();
	mg_charset_warm();
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		for (int round = 0; round < 2; round++)
			for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
				mg_charset_info info;
				char *s = dec(cases[i].bytes, strlen(cases[i].bytes), cases[i].declared, &info);

				if (strcmp(s, cases[i].want) != 0 || info.replaced != 0 || info.guessed)
					_exit(10 + (int)i);
				free(s);
			}
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
}
END_TEST

START_TEST(corpus_bodies)
{
	size_t len;
	unsigned char *d = tu_read(CORPUS_DIR "/mail/mikel_japanese_shift_jis.eml", &len);
	const unsigned char *body = memmem(d, len, "\r\n\r\n", 4);
	char *s;

	ck_assert_ptr_nonnull(body);
	body += 4;
	s = dec((const char *)body, len - (size_t)(body - d), "Shift_JIS", NULL);
	ck_assert_str_eq(s, "あいうえお\r\n\r\nこのメールはテスト用のメールです。\r\n\r\n"
	                    "今後ともよろしくお願い申し上げます！\r\n");
	free(s);
	free(d);
}
END_TEST

START_TEST(clean_controls)
{
	mg_buf b;
	size_t removed;
	static const char in[] = "a\x01" "b\r\nc\rd\x7f\xc2\x85" "e\xe2\x80\xae" "f\tg\0h\xef\xbb\xbf";

	mg_buf_init(&b, 1024);
	ck_assert_int_eq(mg_buf_append(&b, in, sizeof(in) - 1), 0);
	removed = mg_utf8_clean(&b);
	ck_assert_str_eq((const char *)b.data, "ab\nc\ndef\tgh");
	ck_assert_uint_eq(removed, 6);
	mg_buf_free(&b);
}
END_TEST

/* Kana and kanji kept byte for byte beside what goes: the marks of
 * U+2000-2FFF and U+FEFF, and sequences cut short or broken. */
START_TEST(clean_keeps_cjk_drops_broken)
{
	mg_buf b;
	size_t removed;
	static const char in[] = "\xe3\x81\x82\xe2\x80\x8e\xe6\xbc\xa2\xef\xbb\xbf\xea\xb0\x80"
	                         "\xe1\x80\x80\xee\x80\x80\xe3\x41\x82\xe3\x81";

	mg_buf_init(&b, 1024);
	ck_assert_int_eq(mg_buf_append(&b, in, sizeof(in) - 1), 0);
	removed = mg_utf8_clean(&b);
	ck_assert_str_eq((const char *)b.data, "\xe3\x81\x82\xe6\xbc\xa2\xea\xb0\x80\xe1\x80\x80"
	                                       "\xee\x80\x80" "A");
	ck_assert_uint_eq(removed, 6);
	mg_buf_free(&b);
}
END_TEST

/* Each byte value at each place of an eight-byte word amid printable
 * text: only printable ASCII, tab and newline are kept as they are, CR
 * becomes a newline, the rest goes, whatever word it falls in. */
START_TEST(clean_every_byte_in_every_word_place)
{
	static const char run[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	mg_buf b;

	mg_buf_init(&b, 1024);
	for (unsigned v = 0; v < 256; v++) {
		for (size_t at = 0; at < 16; at++) {
			char want[128];
			int kept = (v >= 0x20 && v < 0x7F) || v == '\t' || v == '\n';
			size_t removed;

			b.len = 0;
			ck_assert_int_eq(mg_buf_append(&b, run, at), 0);
			ck_assert_int_eq(mg_buf_putc(&b, (int)v), 0);
			ck_assert_int_eq(mg_buf_append(&b, run, sizeof(run) - 1), 0);
			snprintf(want, sizeof(want), "%.*s%s%s", (int)at, run,
			         kept ? (char[]){ (char)v, 0 } : v == '\r' ? "\n" : "", run);
			removed = mg_utf8_clean(&b);
			ck_assert_str_eq((const char *)b.data, want);
			ck_assert_uint_eq(removed, kept || v == '\r' ? 0 : 1);
		}
	}
	mg_buf_free(&b);
}
END_TEST

/* Text declared UTF-8 is taken as it is (its byte-order mark dropped)
 * only when g_utf8_validate would take it, however long its ASCII start:
 * a broken sequence after it still sends the text to detection (here
 * read as Shift_JIS).  The outputs are those of the build before the
 * ASCII start was skipped. */
START_TEST(utf8_declared_as_validated)
{
	static const struct {
		const char *in;
		size_t len;
		const char *want;
		size_t want_len;
	} cases[] = {
		{ "\xEF\xBB\xBFplain text", 13, "plain text", 10 },
		{ "\xEF\xBB\xBF" "ab\0c", 7, "\xEF\xBB\xBF" "ab\0c", 7 },
		{ "ascii then \xE6\x97\xA5\xE6\x9C\xAC", 17, "ascii then \xE6\x97\xA5\xE6\x9C\xAC", 17 },
		{ "ascii then \xE6\x97", 13, "ascii then \xE8\xAD\x8C", 14 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		mg_buf out;

		mg_buf_init(&out, 1 << 20);
		ck_assert_int_eq(mg_charset_decode((const unsigned char *)cases[i].in, cases[i].len, "utf-8",
		                                   &out, NULL),
		                 0);
		ck_assert_msg(out.len == cases[i].want_len &&
		                  memcmp(out.data, cases[i].want, out.len) == 0,
		              "case %zu: %zu bytes", i, out.len);
		mg_buf_free(&out);
	}
}
END_TEST

START_TEST(canonical_names)
{
	char tmp[48];

	ck_assert_str_eq(mg_charset_canonical("SJIS", tmp, sizeof(tmp)), "Shift_JIS");
	ck_assert_str_eq(mg_charset_canonical("x-euc-jp", tmp, sizeof(tmp)), "EUC-JP");
	ck_assert_str_eq(mg_charset_canonical("ISO-8859-1", tmp, sizeof(tmp)), "windows-1252");
	ck_assert_str_eq(mg_charset_canonical("KOI8-R", tmp, sizeof(tmp)), "KOI8-R");
	ck_assert_ptr_null(mg_charset_canonical("", tmp, sizeof(tmp)));
	ck_assert_ptr_null(mg_charset_canonical("utf-8 //TRANSLIT", tmp, sizeof(tmp)));
}
END_TEST

Suite *mugai_suite(void)
{
	Suite *s = suite_create("charset");
	TCase *tc = tcase_create("charset");

	tcase_add_test(tc, iso2022jp_declared);
	tcase_add_test(tc, iso2022jp_with_microsoft_extensions);
	tcase_add_test(tc, shift_jis_and_cp932);
	tcase_add_test(tc, euc_jp);
	tcase_add_test(tc, detection_without_declaration);
	tcase_add_test(tc, wrong_declaration_falls_back);
	tcase_add_test(tc, invalid_bytes_are_replaced);
	tcase_add_test(tc, output_limit_is_an_error);
	tcase_add_test(tc, corpus_bodies);
	tcase_add_test(tc, clean_controls);
	tcase_add_test(tc, clean_keeps_cjk_drops_broken);
	tcase_add_test(tc, clean_every_byte_in_every_word_place);
	tcase_add_test(tc, utf8_declared_as_validated);
	tcase_add_test(tc, canonical_names);
	tcase_add_test(tc, kept_converter_starts_clean);
	tcase_add_test(tc, utf16_byte_order_per_input);
	tcase_add_test(tc, warmed_converters_decode_in_a_fork);
	suite_add_tcase(s, tc);
	return s;
}
