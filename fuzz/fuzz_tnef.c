/* fuzz_tnef.c - a TNEF stream (winmail.dat) inside a mail, as Outlook
 * sends it: the input is the stream itself, so that mutations reach
 * libytnef and tnef_check.c instead of breaking the MIME around it. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "fuzz_mail_core.h"
#include "mugai.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char head[] =
		"From: a@example.jp\r\nTo: b@example.jp\r\nSubject: t\r\nMIME-Version: 1.0\r\n"
		"Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n"
		"Content-Type: text/plain; charset=utf-8\r\n\r\nbody\r\n--b\r\n"
		"Content-Type: application/ms-tnef; name=\"winmail.dat\"\r\n"
		"Content-Transfer-Encoding: base64\r\n\r\n";
	gchar *b64 = g_base64_encode(data, size);
	GString *mail = g_string_new(head);
	mg_input in = { 0 };
	mg_result res;

	g_string_append(mail, b64);
	g_string_append(mail, "\r\n--b--\r\n");
	in.data = (const unsigned char *)mail->str;
	in.len = mail->len;
	in.name = "fuzz.eml";
	in.item_id = "fuzz";
	in.is_mail = 1;
	mg_sanitize(mail_core_once(), &in, MG_MODE_DEFAULT, &res);
	if (res.verdict == MG_VERDICT_SANITISED && !res.out)
		abort();
	/* the stream itself never crosses as TNEF */
	if (res.out && memmem(res.out, res.out_len, "ms-tnef", 7))
		abort();
	mg_result_free(&res);
	g_string_free(mail, TRUE);
	g_free(b64);
	return 0;
}
