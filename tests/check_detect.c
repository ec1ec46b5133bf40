/*
 * check_detect.c - type detection asks libmagic once per item at most, and
 * the plain-text proof that spares it never lets anything libmagic would
 * type otherwise pass as text.  magic_buffer() is wrapped (-Wl,--wrap) to
 * count the calls.
 */
#include <check.h>
#include <dirent.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "testutil.h"

static unsigned magic_calls;

const char *__real_magic_buffer(magic_t m, const void *buf, size_t len);
const char *__wrap_magic_buffer(magic_t m, const void *buf, size_t len);

const char *__wrap_magic_buffer(magic_t m, const void *buf, size_t len)
{
	magic_calls++;
	return __real_magic_buffer(m, buf, len);
}

static magic_t magic_mime(void)
{
	magic_t m = magic_open(MAGIC_MIME_TYPE);

	ck_assert_ptr_nonnull(m);
	ck_assert_int_eq(magic_load(m, NULL), 0);
	return m;
}

/* libmagic's own family for the bytes, as detect.c had it before the proof. */
static mg_family libmagic_family(magic_t m, const void *d, size_t len)
{
	const char *mime = __real_magic_buffer(m, d, len);

	return mg_family_of_mime(mime);
}

/* Bytes the proof accepts must be text to libmagic as well. */
static void assert_sound(magic_t m, const void *d, size_t len, const char *what)
{
	if (len && mg_detect_plain_text(d, len))
		ck_assert_msg(libmagic_family(m, d, len) == MG_FAM_TEXT,
		              "%s proven plain text, libmagic says %s", what,
		              __real_magic_buffer(m, d, len));
}

/* Active and structured texts, each a line of the document it opens. */
static const char *const active[] = {
	"{\\rtf1\\ansi{\\object\\objdata 0102}}",
	"{\\rt{\\object}}",
	"{\\rtf0 hello}",
	"<html><body><script>alert(1)</script></body></html>",
	"<!DOCTYPE html><p>hi</p>",
	"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>x()</script></svg>",
	"<?xml version=\"1.0\"?><a/>",
	"<HTA:APPLICATION ID=\"x\"><script>x</script>",
	"<?php system($_GET['c']); ?>",
	"#!/bin/sh\nrm -rf /tmp/x\n",
	"#!/usr/bin/env python3\nprint(1)\n",
	"import os\nos.system('calc')\n",
	"from subprocess import call\ncall(['calc'])\n",
	"def main():\n    pass\n",
	"use strict;\nsystem('calc');\n",
	"package Foo;\nsub new { }\n",
	"function f() { return 1; }\n",
	"var s = new ActiveXObject('WScript.Shell');\n",
	"@echo off\nstart calc.exe\n",
	"Set o = CreateObject(\"WScript.Shell\")\no.Run \"calc\"\n",
	"Dim x\nx = 1\n",
	"[InternetShortcut]\nURL=file:///c:/windows/system32/calc.exe\n",
	"Windows Registry Editor Version 5.00\n[HKEY_CURRENT_USER\\x]\n",
	"From: a@example.org\nSubject: x\n\nbody\n",
	"Received: from x\nTo: b@example.org\n\nbody\n",
	"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
	"BEGIN:VCARD\nVERSION:3.0\nEND:VCARD\n",
	"%!PS-Adobe-3.0\n/x 1 def\n",
	"%PDF-1.4\n1 0 obj\n",
	"#include <stdio.h>\nint main(void) { return 0; }\n",
	".TH MAN 1\n.SH NAME\n",
	"diff --git a/x b/x\n--- a/x\n+++ b/x\n",
	"{\"a\": [1, 2, 3]}\n",
	"[1, 2, 3]\n",
	"\"just a string\"\n",
	"all: x\n\tcc -o x x.c\n",
	"\\documentclass{article}\n\\begin{document}\n",
	/* what a fuzzer found libmagic searching for, away from a line's start */
	"\n(autoload *h\t",
	"=eval 'exec perl=h\n",
	"RIode ]\n1,Sato\na__BUNDLE_START_TIME__=meto\n",
	"\n\nt%PDF-l \n",
	"x = typeof y === 'undefined'\n",
	"Note (see below):\n",
};

/* Each active text alone and behind what a file may start with. */
static char *variant(const char *s, unsigned v)
{
	static const char *const before[] = {
		"", "\xef\xbb\xbf", "\n\n", "   ", "\xe3\x81\x8a\xe4\xb8\x96\xe8\xa9\xb1\xe3\x81\xab\n",
		"Meeting notes\r\n", "a,b,c\n1,2,3\n",
	};
	gchar **lines;
	char *crlf;

	if (v < sizeof(before) / sizeof(before[0]))
		return g_strconcat(before[v], s, NULL);
	lines = g_strsplit(s, "\n", -1);
	crlf = g_strjoinv("\r\n", lines);
	g_strfreev(lines);
	return crlf;
}

#define VARIANTS 8

START_TEST(active_text_is_never_proven_plain)
{
	magic_t m = magic_mime();

	for (size_t i = 0; i < sizeof(active) / sizeof(active[0]); i++)
		for (unsigned v = 0; v < VARIANTS; v++) {
			char *s = variant(active[i], v);

			ck_assert_msg(!mg_detect_plain_text((const unsigned char *)s, strlen(s)),
			              "proven plain text: variant %u of %s", v, active[i]);
			g_free(s);
		}
	magic_close(m);
}
END_TEST

/* Prose, data and Japanese in the charsets mail carries: proven, and
 * libmagic agrees; detect types them as text without it. */
START_TEST(ordinary_text_is_proven_and_libmagic_agrees)
{
	const char *utf8[] = {
		"Please find the agenda below.\nThe meeting is moved to Thursday.\n",
		("\xe4\xbc\x9a\xe8\xad\xb0\xe3\x81\xae\xe8\xb3\x87\xe6\x96\x99\xe3\x82\x92\xe9\x80\x81"
		 "\xe4\xbb\x98\xe3\x81\x84\xe3\x81\x9f\xe3\x81\x97\xe3\x81\xbe\xe3\x81\x99\xe3\x80\x82\n"),
		"id,name,value,note\n1,Sato,-12,=SUM(A1:A3)\n2,\xe5\xb1\xb1\xe7\x94\xb0,40,ok\n",
		"id\tname\tvalue\r\n1\tSato\t-12\r\n",
		"\xef\xbb\xbfThank you for your order.\r\nItem 3: 1200 yen (tax included)\r\n",
	};
	magic_t m = magic_mime();

	for (size_t i = 0; i < sizeof(utf8) / sizeof(utf8[0]); i++) {
		size_t len = strlen(utf8[i]);
		mg_type t;

		ck_assert_msg(mg_detect_plain_text((const unsigned char *)utf8[i], len), "not proven: %s",
		              utf8[i]);
		assert_sound(m, utf8[i], len, utf8[i]);
		magic_calls = 0;
		mg_detect(m, (const unsigned char *)utf8[i], len, "a.txt", &t);
		ck_assert_uint_eq(magic_calls, 0);
		ck_assert_int_eq(t.family, MG_FAM_TEXT);
	}
	{
		/* ISO-2022-JP: its two-byte runs use '<', '{' and '\' freely */
		const char *ja = "\xe4\xbc\x9a\xe8\xad\xb0<\xe3\x81\xae>\xe8\xb3\x87\xe6\x96\x99\n"
		                 "\xe3\x82\x88\xe3\x82\x8d\xe3\x81\x97\xe3\x81\x8f\xe3\x81\x8a\xe9\xa1\x98\xe3"
		                 "\x81\x84\xe3\x81\x97\xe3\x81\xbe\xe3\x81\x99\n";
		gsize n;
		gchar *jis = g_convert(ja, -1, "ISO-2022-JP", "UTF-8", NULL, &n, NULL);
		char *jis_only;

		ck_assert_ptr_nonnull(jis);
		/* the ASCII '<' makes it markup-like: not proven */
		ck_assert(!mg_detect_plain_text((const unsigned char *)jis, n));
		g_free(jis);
		jis_only = g_strdup("\xe4\xbc\x9a\xe8\xad\xb0\xe3\x81\xae\xe8\xb3\x87\xe6\x96\x99\n");
		jis = g_convert(jis_only, -1, "ISO-2022-JP", "UTF-8", NULL, &n, NULL);
		ck_assert(mg_detect_plain_text((const unsigned char *)jis, n));
		assert_sound(m, jis, n, "ISO-2022-JP");
		g_free(jis);
		g_free(jis_only);
	}
	magic_close(m);
}
END_TEST

/* The script markers, found in any case, at the start, in the middle and
 * as the last bytes of the text; a marker cut short by the end is not one. */
START_TEST(markers_in_any_case_anywhere_are_left_to_libmagic)
{
	static const char *const marks[] = {
		"eval", "exec", "use strict", "use warnings", "function", "require(", "try:",
		"except", "finally", "echo off", "wscript", "createobject", "(def", "(set",
		"(autoload", "(provide", "(lambda", "(let", "typeof", "exports", "self",
		"__bundle", "__main__", "__init__", "%pdf-", "$_",
	};
	static const char *const cut[] = { "echo of", "wscrip", "createobjec", "__main_", "typeo" };
	const char *prose = "Meeting notes 1 2 3\nplease bring the agenda ";

	for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
		for (unsigned v = 0; v < 3; v++) {
			char *m = v == 0 ? g_strdup(marks[i]) : v == 1 ? g_ascii_strup(marks[i], -1)
			                                               : g_strdup(marks[i]);
			char *at[3];

			if (v == 2)
				m[0] = g_ascii_toupper(m[0]);
			at[0] = g_strconcat(m, " ", prose, NULL);
			at[1] = g_strconcat(prose, m, " today\n", NULL);
			at[2] = g_strconcat(prose, m, NULL);
			for (unsigned k = 0; k < 3; k++) {
				ck_assert_msg(!mg_detect_plain_text((const unsigned char *)at[k], strlen(at[k])),
				              "marker not seen: %s", at[k]);
				g_free(at[k]);
			}
			g_free(m);
		}
	static const char *const line[] = {
		"import", "from", "def", "class", "except", "try", "elif", "end", "include",
		"require", "export", "use", "package", "module", "rem", "set", "echo", "dnl", "diff",
		"index", "only", "article", "forward", "pipe", "relay-version", "regedit", "dim",
	};

	/* the words that may not open a line, in lower and upper case */
	for (size_t i = 0; i < sizeof(line) / sizeof(line[0]); i++)
		for (unsigned v = 0; v < 2; v++) {
			char *w = v ? g_ascii_strup(line[i], -1) : g_strdup(line[i]);
			char *s = g_strconcat(prose, "\n", w, " x\n", NULL);

			ck_assert_msg(!mg_detect_plain_text((const unsigned char *)s, strlen(s)),
			              "line word not seen: %s", s);
			g_free(s);
			g_free(w);
		}
	for (size_t i = 0; i < sizeof(cut) / sizeof(cut[0]); i++) {
		char *s = g_strconcat(prose, cut[i], NULL);

		ck_assert_msg(mg_detect_plain_text((const unsigned char *)s, strlen(s)),
		              "not proven: %s", s);
		g_free(s);
	}
}
END_TEST

START_TEST(binary_and_control_bytes_are_not_proven)
{
	const struct {
		const char *d;
		size_t len;
	} cases[] = {
		{ "f", 1 },                          /* "very short file" to libmagic */
		{ "GIF89a is a format\n", 19 },
		{ "BZh91AY&SY\n", 11 },
		{ "abc\0def\n", 8 },
		{ "abc\x01" "def\n", 8 },
		{ "abc\x7f" "def\n", 8 },
		{ "caf\xe9 au lait\n", 13 },        /* Latin-1: not UTF-8 */
		{ "\x1b$Bxx\x1b(B and \xc3\xa9\n", 16 }, /* escapes in 8-bit text */
		{ "\x1b[31mred\x1b[0m\n", 13 },      /* terminal escapes */
		{ "MZ\x90\0\3\0\0\0", 8 },
		{ "\x89PNG\r\n\x1a\n", 8 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_msg(!mg_detect_plain_text((const unsigned char *)cases[i].d, cases[i].len),
		              "case %zu proven", i);
}
END_TEST

/* A byte the proof refuses stops it wherever it stands in a line, also
 * inside or at the end of a run of plain bytes read eight at a time, and
 * on a last line without a newline. */
START_TEST(refused_byte_counts_at_every_offset)
{
	static const char plain[] = "Quarterly figures are attached as agreed with the office";
	static const unsigned char refused[] = { '<', '>', '\\', '{', '}', 0x01, 0x7f, 0x1b };
	char line[sizeof(plain) + 1];

	for (size_t nl = 0; nl < 2; nl++) {
		size_t len = sizeof(plain) - 1 + nl;

		memcpy(line, plain, sizeof(plain) - 1);
		line[sizeof(plain) - 1] = '\n';
		ck_assert(mg_detect_plain_text((const unsigned char *)line, len));
		for (size_t at = 0; at < sizeof(plain) - 1; at++)
			for (size_t k = 0; k < sizeof(refused); k++) {
				char saved = line[at];

				line[at] = (char)refused[k];
				ck_assert_msg(!mg_detect_plain_text((const unsigned char *)line, len),
				              "byte %#x at %zu proven", refused[k], at);
				line[at] = saved;
			}
	}
}
END_TEST

/* Every corpus file: the proof never disagrees with libmagic. */
START_TEST(proof_is_sound_on_the_corpus)
{
	static const char *const dirs[] = { "archive", "exec", "image", "mail", "office", "pdf" };
	magic_t m = magic_mime();
	unsigned files = 0;

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		char dir[4096];
		DIR *d;
		struct dirent *e;

		snprintf(dir, sizeof(dir), "%s/%s", CORPUS_DIR, dirs[i]);
		d = opendir(dir);
		ck_assert_ptr_nonnull(d);
		while ((e = readdir(d)) != NULL) {
			char path[8192];
			size_t len;
			unsigned char *data;

			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			data = tu_read(path, &len);
			assert_sound(m, data, len, path);
			free(data);
			files++;
		}
		closedir(d);
	}
	ck_assert_uint_gt(files, 50);
	magic_close(m);
}
END_TEST

static char *b64_part(const char *path, const char *type, const char *name)
{
	size_t len;
	unsigned char *d = tu_read(path, &len);
	gchar *b = g_base64_encode(d, len);
	char *part = g_strdup_printf("--b\r\nContent-Type: %s\r\nContent-Disposition: attachment; "
	                             "filename=\"%s\"\r\nContent-Transfer-Encoding: base64\r\n\r\n%s\r\n",
	                             type, name, b);

	free(d);
	g_free(b);
	return part;
}

static unsigned calls_for(mg_core *core, const char *data, size_t len, int is_mail,
                          mg_verdict want)
{
	mg_input in = { (const unsigned char *)data, len, is_mail ? "m.eml" : "x.bin", NULL, NULL,
		        is_mail };
	mg_result res;

	magic_calls = 0;
	mg_sanitize(core, &in, MG_MODE_DEFAULT, &res);
	ck_assert_msg(res.verdict == want, "verdict %s: %s", mg_verdict_name(res.verdict),
	              res.reason ? res.reason : "");
	mg_result_free(&res);
	return magic_calls;
}

/* An HTML application is executable whatever the case of its tag, at the
 * start, in the middle or at the end of the bytes; a cut tag is not one. */
START_TEST(hta_in_any_case_is_executable)
{
	magic_t m = magic_mime();
	static const char *const tags[] = { "hta:application", "HTA:APPLICATION", "HTA:Application",
		                            "hTa:ApPlIcAtIoN" };
	mg_type t;

	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
		char *at[3] = {
			g_strdup_printf("<html><%s id=\"x\"><body>hi</body></html>", tags[i]),
			g_strdup_printf("<html><head><title>t</title><%s></head><body>x</body></html>",
			                tags[i]),
			g_strdup_printf("<html><body>hello there</body></html>\n<%s", tags[i]),
		};

		for (unsigned k = 0; k < 3; k++) {
			mg_detect(m, (const unsigned char *)at[k], strlen(at[k]), "a.html", &t);
			ck_assert_msg(t.family == MG_FAM_EXECUTABLE, "not executable: %s (%s)", at[k], t.mime);
			g_free(at[k]);
		}
	}
	{
		static const char cut[] = "<html><body>hello there</body></html>\n<hta:applicatio";

		mg_detect(m, (const unsigned char *)cut, sizeof(cut) - 1, "a.html", &t);
		ck_assert_int_ne(t.family, MG_FAM_EXECUTABLE);
	}
	magic_close(m);
}
END_TEST

/* A mail with a text body, text and CSV attachments, a PNG and a PDF:
 * libmagic is asked once for each of the two binary parts, not for the
 * message nor its texts; a lone PDF once; unknown bytes, blocked, twice
 * (the type, then the description an administrator reads). */
START_TEST(libmagic_once_per_item_at_most)
{
	mg_policy *p = mg_policy_new();
	char *err = NULL;
	mg_core *core = mg_core_new(p, &err);
	char *png = b64_part(CORPUS_DIR "/image/gmime_raptors.png", "image/jpeg", "r.jpg");
	char *pdf = b64_part(CORPUS_DIR "/pdf/alphatrans.pdf", "application/pdf", "t.pdf");
	char *mail = g_strdup_printf(
		"From: a@example.org\r\nTo: b@example.lg.jp\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n"
		"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPlease see the files.\r\n"
		"--b\r\nContent-Type: text/csv\r\nContent-Disposition: attachment; filename=d.csv\r\n\r\n"
		"id,value\r\n1,=SUM(A1:A2)\r\n"
		"--b\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=n.txt\r\n\r\n"
		"The meeting is moved to Thursday.\r\n%s%s--b--\r\n",
		png, pdf);
	size_t len;
	unsigned char *lone = tu_read(CORPUS_DIR "/pdf/alphatrans.pdf", &len);
	static const char unknown[] = "\x01\x02\x03\x04 no format at all \xff\xfe\x00\x01";

	ck_assert_ptr_nonnull(core);
	ck_assert_uint_eq(calls_for(core, mail, strlen(mail), 1, MG_VERDICT_SANITISED), 2);
	ck_assert_uint_eq(calls_for(core, (const char *)lone, len, 0, MG_VERDICT_SANITISED), 1);
	ck_assert_uint_eq(calls_for(core, unknown, sizeof(unknown) - 1, 0, MG_VERDICT_BLOCKED), 2);
	free(lone);
	g_free(mail);
	g_free(png);
	g_free(pdf);
	mg_core_free(core);
	mg_policy_free(p);
}
END_TEST

Suite *mugai_suite(void)
{
	Suite *s = suite_create("detect");
	TCase *tc = tcase_create("detect");

	tcase_add_test(tc, active_text_is_never_proven_plain);
	tcase_add_test(tc, ordinary_text_is_proven_and_libmagic_agrees);
	tcase_add_test(tc, markers_in_any_case_anywhere_are_left_to_libmagic);
	tcase_add_test(tc, binary_and_control_bytes_are_not_proven);
	tcase_add_test(tc, refused_byte_counts_at_every_offset);
	tcase_add_test(tc, proof_is_sound_on_the_corpus);
	tcase_add_test(tc, hta_in_any_case_is_executable);
	tcase_add_test(tc, libmagic_once_per_item_at_most);
	suite_add_tcase(s, tc);
	return s;
}
