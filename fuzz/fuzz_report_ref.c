/*
 * fuzz_report_ref.c - the X-Mugai-Report reader on hostile mail, and the
 * marker reader on hostile files: smtpd and dropd run them on every
 * incoming item, outside the sandbox, to recognise mugai's own signed
 * output.  Checked, not only run:
 *   - a field found parses to bounded, NUL-terminated values, and the
 *     artefact taken out of a message is never longer than it; a notice's
 *     field (part=notice) names no artefact and gives none;
 *   - the marker never verifies on input the harness did not sign;
 *   - any input that is a message (a header field first, a header block)
 *     taken as an artefact, with a report attached (when it can be) and
 *     X-Mugai-Report in front, gives exactly that input back, and its
 *     marker verifies;
 *   - any input a file marker can be added to (a zip ending in an empty
 *     comment, a PDF ending in %%EOF) gives exactly itself back without
 *     it, and its marker verifies.
 *
 * The harnesses link only the core, so the gateway files are compiled in.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../gateway/common/report_file.c"
#include "../gateway/common/report_mail.c"
#include "../gateway/common/sign_key.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* assert() is compiled out in release builds; these checks never are */
#define assert(x) ((x) ? (void)0 : abort())

static mg_sign_key *key;
static unsigned char pk[32];

static void init(void)
{
	char *err = NULL;
	char path[64] = "/tmp/mugai-fuzz-key-XXXXXX";
	char pk_hex[65];
	int fd = mkstemp(path);

	assert(fd >= 0);
	close(fd);
	unlink(path);
	assert(mg_sign_key_create(path, NULL, pk_hex, &err) == 0);
	key = mg_sign_key_load(path, &err);
	assert(key);
	mg_sign_key_public(key, pk);
	unlink(path);
	strcat(path, ".pub");
	unlink(path);
}

static void read_any(const uint8_t *data, size_t size)
{
	mg_report_ref ref;
	unsigned char *a;
	size_t alen = 0;
	const char *why = NULL;

	if (mg_report_ref_find(data, size, &ref) == 0) {
		assert(ref.body_off <= size);
		assert(strlen(ref.item_id) < sizeof(ref.item_id));
		assert(strlen(ref.report_sha256) == 64);
		a = mg_report_artefact(data, size, &ref, &alen);
		/* a notice names a report and no artefact */
		if (strcmp(ref.part, "notice") == 0)
			assert(!a);
		else
			assert(strlen(ref.artefact_sha256) == 64);
		if (a)
			assert(alen <= size);
		free(a);
	}
	/* the harness signs nothing here: no marker can verify */
	assert(mg_report_marker_verify(data, size, pk, &ref, &why) != 0);
	if (mg_report_file_find(data, size, &ref) == 0) {
		assert(ref.body_off <= size && strlen(ref.item_id) < sizeof(ref.item_id));
		a = mg_report_file_unmark(data, size, &alen);
		assert(a && alen <= size);
		free(a);
	}
	assert(mg_report_file_verify(data, size, pk, &ref, &why) != 0);
}

static void file_round_trip(const uint8_t *data, size_t size)
{
	mg_buf out;
	mg_report_ref ref = { 0 }, got;
	unsigned char *a;
	size_t alen = 0;
	const char *why = NULL;

	mg_buf_init(&out, 1 << 24);
	snprintf(ref.item_id, sizeof(ref.item_id), "FUZZ-1");
	memset(ref.report_sha256, 'a', 64);
	mg_sha256_hex(data, size, ref.artefact_sha256);
	if (mg_report_file_mark(data, size, &ref, key, &out) == 1) {
		assert(mg_report_file_find(out.data, out.len, &got) == 0);
		a = mg_report_file_unmark(out.data, out.len, &alen);
		assert(a && alen == size && memcmp(a, data, size) == 0);
		free(a);
		assert(mg_report_file_verify(out.data, out.len, pk, &got, &why) == 0);
	}
	mg_buf_free(&out);
}

static void round_trip(const uint8_t *data, size_t size)
{
	mg_buf att, msg;
	mg_report_ref ref = { 0 }, got;
	const char *part = "none", *why = NULL;
	unsigned char *a;
	size_t alen = 0;

	mg_buf_init(&att, 1 << 24);
	mg_buf_init(&msg, 1 << 24);
	if (mg_report_attach(data, size, "{\"item_id\":\"FUZZ-1\"}", "FUZZ-1", &att, &part) < 0) {
		part = "none";
		mg_buf_reset(&att);
		mg_buf_append(&att, data, size);
	}
	snprintf(ref.item_id, sizeof(ref.item_id), "FUZZ-1");
	memset(ref.report_sha256, 'a', 64);
	mg_sha256_hex(data, size, ref.artefact_sha256);
	snprintf(ref.part, sizeof(ref.part), "%s", part);
	assert(mg_buf_puts(&msg, "Received: from fuzz\r\n") == 0);
	assert(mg_report_header(&msg, &ref, key) == 0);
	assert(mg_buf_append(&msg, att.data, att.len) == 0);
	assert(mg_report_ref_find(msg.data, msg.len, &got) == 0);
	assert(strcmp(got.part, part) == 0);
	a = mg_report_artefact(msg.data, msg.len, &got, &alen);
	assert(a && alen == size && memcmp(a, data, size) == 0);
	free(a);
	assert(mg_report_marker_verify(msg.data, msg.len, pk, &got, &why) == 0);
	mg_buf_free(&att);
	mg_buf_free(&msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!key)
		init();
	read_any(data, size);
	file_round_trip(data, size);
	/* an artefact is a message: a header field first, a header block */
	if (size > 0 && ((data[0] | 0x20) >= 'a' && (data[0] | 0x20) <= 'z') &&
	    memmem(data, size, "\r\n\r\n", 4))
		round_trip(data, size);
	return 0;
}
