/*
 * worker_warmup.c - what the filters would load lazily, loaded before the
 * sandbox closes: iconv modules (dlopen needs executable mappings, which
 * the sandbox refuses), fontconfig's configuration and caches (it may try
 * to write a stale cache), whatever the first run of each family opens,
 * and Tesseract with the policy's OCR languages (their traineddata files
 * are read here, and its OpenMP threads turned off, so that a job process
 * reads no file and starts no thread to recognise a scanned page).
 *
 * A charset whose module is not warmed here still works in the sandbox
 * only if glibc has it built in; otherwise iconv_open fails there and the
 * charset code falls back to its detection (never a crash).
 */
#include <iconv.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "charset.h"
#include "worker_proto.h"

/* Held open for the life of the child: glibc unloads an unused module.
 * ISO-8859-1 too: charset.c reads it as windows-1252, but gmime decodes a
 * header's =?ISO-8859-1?...?= words through iconv, and glibc's module
 * cache sends that name to a module (ISO8859-1.so), not to its built-in
 * converter: without it a job wrote "Fouch?" for "Fouché". */
static const char *const charsets[] = {
	"ISO-2022-JP", "ISO-2022-JP-2", "ISO-2022-JP-3", "CP932", "SHIFT_JIS", "SHIFT_JISX0213",
	"EUC-JP", "EUC-JP-MS", "EUC-JISX0213", "CP50221",
	"UTF-16", "UTF-16LE", "UTF-16BE", "UTF-32", "UTF-7",
	"CP1250", "CP1251", "CP1252", "CP1253", "CP1254", "CP1255", "CP1256", "CP1257", "CP1258",
	"ISO-8859-1", "ISO-8859-2", "ISO-8859-3", "ISO-8859-4", "ISO-8859-5", "ISO-8859-6", "ISO-8859-7",
	"ISO-8859-8", "ISO-8859-9", "ISO-8859-10", "ISO-8859-13", "ISO-8859-14", "ISO-8859-15",
	"ISO-8859-16", "KOI8-R", "KOI8-U", "CP866", "CP437", "CP850", "MACINTOSH",
	"GB2312", "GBK", "GB18030", "BIG5", "BIG5-HKSCS", "EUC-KR", "CP949", "ISO-2022-KR",
	"ISO-2022-CN", "EUC-TW", "TIS-620", "CP874", "VISCII",
};
static iconv_t held[sizeof(charsets) / sizeof(charsets[0])];

static void warm_iconv(void)
{
	for (size_t i = 0; i < sizeof(charsets) / sizeof(charsets[0]); i++)
		held[i] = iconv_open("UTF-8", charsets[i]);
	mg_charset_warm();
}

static void run(mg_core *core, const void *data, size_t len, const char *name, int is_mail,
                mg_mode mode)
{
	mg_input in = { data, len, name, NULL, "warm-up", is_mail };
	mg_result res;

	mg_sanitize(core, &in, mode, &res);
	mg_result_free(&res);
}

/* A one-page PDF with a line of text in a standard font: enough for
 * poppler, cairo, fontconfig and FreeType to load what they need. */
static void run_pdf(mg_core *core)
{
	static const char *const objs[] = {
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 144 72] /Contents 4 0 R "
		"/Resources << /Font << /F1 5 0 R >> >> >>",
		NULL, /* the content stream, below */
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	};
	static const char content[] = "BT /F1 12 Tf 10 30 Td (mugai warm-up) Tj ET";
	size_t off[6];
	mg_buf b;

	mg_buf_init(&b, 1 << 16);
	mg_buf_puts(&b, "%PDF-1.4\n");
	for (size_t i = 0; i < 5; i++) {
		off[i] = b.len;
		if (objs[i])
			mg_buf_printf(&b, "%zu 0 obj\n%s\nendobj\n", i + 1, objs[i]);
		else
			mg_buf_printf(&b, "%zu 0 obj\n<< /Length %zu >>\nstream\n%s\nendstream\nendobj\n",
			              i + 1, strlen(content), content);
	}
	off[5] = b.len;
	mg_buf_puts(&b, "xref\n0 6\n0000000000 65535 f \n");
	for (size_t i = 0; i < 5; i++)
		mg_buf_printf(&b, "%010zu 00000 n \n", off[i]);
	mg_buf_printf(&b, "trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n%zu\n%%%%EOF\n", off[5]);
	run(core, b.data, b.len, "warm-up.pdf", 0, MG_MODE_DEFAULT);
	run(core, b.data, b.len, "warm-up.pdf", 0, MG_MODE_TEXT);
	mg_buf_free(&b);
}

/* An SVG with text: pango starts fontconfig in a thread of its own,
 * which a job process may not create. */
static void run_svg(mg_core *core)
{
	static const char svg[] =
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"40\" height=\"20\">"
		"<text x=\"1\" y=\"15\" font-family=\"sans-serif\">warm-up \xe3\x81\x82</text>"
		"</svg>";

	run(core, svg, sizeof(svg) - 1, "warm-up.svg", 0, MG_MODE_DEFAULT);
}

static const char mail[] =
	"From: =?ISO-2022-JP?B?GyRCJF4kJCQrGyhC?= <a@example.jp>\r\n"
	"To: b@example.jp\r\n"
	"Subject: =?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?=\r\n"
	"Date: Mon, 1 Jan 2024 09:00:00 +0900\r\n"
	"MIME-Version: 1.0\r\n"
	"Content-Type: multipart/mixed; boundary=\"b\"\r\n"
	"\r\n"
	"--b\r\n"
	"Content-Type: text/plain; charset=ISO-2022-JP\r\n"
	"\r\n"
	"\x1b$B$3$s$K$A$O\x1b(B\r\n"
	"--b\r\n"
	"Content-Type: text/plain; charset=Shift_JIS\r\n"
	"\r\n"
	"\x82\xb1\x82\xf1\r\n"
	"--b\r\n"
	"Content-Type: text/plain; charset=EUC-JP\r\n"
	"\r\n"
	"\xa4\xb3\xa4\xf3\r\n"
	"--b\r\n"
	"Content-Type: text/html; charset=UTF-8\r\n"
	"\r\n"
	"<html><body><p>warm-up <a href=\"http://example.jp/\">link</a></p></body></html>\r\n"
	"--b\r\n"
	"Content-Type: text/csv; name=\"a.csv\"\r\n"
	"Content-Disposition: attachment; filename=\"a.csv\"\r\n"
	"\r\n"
	"a,b\r\n1,2\r\n"
	"--b--\r\n";

void mg_worker_warm_up(mg_core *core)
{
	static const char html[] =
		"<!DOCTYPE html><html><head><title>t</title></head>"
		"<body><p>warm-up <a href=\"http://example.jp/\">link</a></p></body></html>\n";
	static const char xml[] = "<?xml version=\"1.0\"?><a><b>warm-up</b></a>\n";
	static const char text[] = "warm-up \xe3\x81\x82\n";

	/* one malloc arena: every thread a library starts (pango's font
	 * matching, librsvg's filter effects) would otherwise reserve 64 MiB
	 * of its own, counted against the worker's RLIMIT_AS */
	mallopt(M_ARENA_MAX, 1);
	warm_iconv();
	run(core, text, strlen(text), "warm-up.txt", 0, MG_MODE_DEFAULT);
	run(core, html, strlen(html), "warm-up.html", 0, MG_MODE_DEFAULT);
	run(core, xml, strlen(xml), "warm-up.xml", 0, MG_MODE_DEFAULT);
	run(core, mail, sizeof(mail) - 1, "warm-up.eml", 1, MG_MODE_DEFAULT);
	run_pdf(core);
	run_svg(core);
	if (mg_core_warm_ocr(core) < 0)
		fprintf(stderr, "mugai: warning: OCR cannot be loaded (libtesseract or the language "
		        "data of policy.ocr_languages); scanned pages will have no text layer\n");
}
