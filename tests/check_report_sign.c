/*
 * check_report_sign.c - signed reports and the mail marker: the canonical
 * form, signing and verifying, one byte changed in each field, the wrong
 * artefact, the wrong key; the key file and its page that forks do not
 * inherit; X-Mugai-Report, the attached report taken out again exactly,
 * and the marker forged in each way.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "report_file.h"
#include "report_mail.h"
#include "report_sign.h"
#include "sign_key.h"
#include "testutil.h"

static char dir[64];
static char key_path[128], other_path[128];
static mg_sign_key *key, *other;

static void setup(void)
{
	char pk[65], *err = NULL;

	snprintf(dir, sizeof(dir), "/tmp/mugai-sign-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(key_path, sizeof(key_path), "%s/report.key", dir);
	snprintf(other_path, sizeof(other_path), "%s/other.key", dir);
	ck_assert_int_eq(mg_sign_key_create(key_path, NULL, pk, &err), 0);
	ck_assert_int_eq(mg_sign_key_create(other_path, NULL, pk, &err), 0);
	key = mg_sign_key_load(key_path, &err);
	other = mg_sign_key_load(other_path, &err);
	ck_assert_ptr_nonnull(key);
	ck_assert_ptr_nonnull(other);
}

static void teardown(void)
{
	char cmd[128];

	mg_sign_key_free(key);
	mg_sign_key_free(other);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static void pk_of(const mg_sign_key *k, unsigned char pk[32])
{
	mg_sign_key_public(k, pk);
}

/* A report as the gateway makes it, small. */
static json_t *sample_report(void)
{
	return json_pack("{s:s,s:{s:I,s:s},s:{s:I,s:s,s:s},s:{s:s,s:s,s:s},s:{s:s,s:s},"
	                 "s:{s:s,s:I},s:{s:I,s:I},s:[s],s:b,s:n,s:s}",
	                 "item_id", "20260101T000000-0123456789ab",
	                 "input", "size", (json_int_t)1234, "sha256",
	                 "1111111111111111111111111111111111111111111111111111111111111111",
	                 "output", "size", (json_int_t)999, "sha256",
	                 "2222222222222222222222222222222222222222222222222222222222222222", "type",
	                 "message/rfc822",
	                 "policy", "bank", "default", "settings_sha256",
	                 "3333333333333333333333333333333333333333333333333333333333333333",
	                 "report_part", "no",
	                 "versions", "mugai", "0.1.0", "gmime", "3.2.13",
	                 "sandbox", "profile", "seccomp", "wall_seconds", (json_int_t)60,
	                 "timings_ms", "sanitise", (json_int_t)12, "core", (json_int_t)9,
	                 "actions", "本文をテキストとして再構成",
	                 "quarantined", 1, "reason", "verdict", "sanitised");
}

START_TEST(canonical_sorted_compact_utf8)
{
	json_t *a = json_pack("{s:i,s:{s:s,s:i},s:s}", "b", 1, "a", "z", "x", "y", 2, "c", "日本");
	json_t *b = json_pack("{s:s,s:{s:i,s:s},s:i}", "c", "日本", "a", "y", 2, "z", "x", "b", 1);
	char *ca = mg_report_canonical(a), *cb = mg_report_canonical(b);

	ck_assert_str_eq(ca, "{\"a\":{\"y\":2,\"z\":\"x\"},\"b\":1,\"c\":\"日本\"}");
	ck_assert_str_eq(ca, cb);
	/* the signature member is not part of it */
	json_object_set_new(a, "signature", json_string("anything"));
	free(ca);
	ca = mg_report_canonical(a);
	ck_assert_str_eq(ca, cb);
	free(ca);
	free(cb);
	json_decref(a);
	json_decref(b);
	ck_assert_ptr_null(mg_report_canonical(NULL));
}
END_TEST

START_TEST(sign_and_verify)
{
	json_t *r = sample_report();
	unsigned char pk[32];
	const char *why = NULL;
	char h1[65], h2[65];

	ck_assert_int_eq(mg_report_hash(r, h1), 0);
	ck_assert_int_eq(mg_report_sign(r, key), 0);
	ck_assert_int_eq(mg_report_hash(r, h2), 0);
	ck_assert_str_eq(h1, h2); /* the hash is of what is signed */
	pk_of(key, pk);
	ck_assert_int_eq(mg_report_verify(r, pk, &why), 0);
	/* the same after a round trip through text, in any layout */
	{
		char *text = json_dumps(r, JSON_INDENT(3));
		json_t *back = json_loads(text, 0, NULL);

		ck_assert_int_eq(mg_report_verify(back, pk, &why), 0);
		json_decref(back);
		free(text);
	}
	json_decref(r);
}
END_TEST

/* Changes one leaf by one byte (a string's last character, a number's
 * lowest bit, a truth value); returns how many leaves there were. */
static int tamper_each(json_t *v, json_t *root, const unsigned char pk[32], int *rejected)
{
	int n = 0;

	if (json_is_object(v)) {
		const char *k;
		json_t *x;

		json_object_foreach(v, k, x) {
			if (v == root && strcmp(k, "signature") == 0)
				continue;
			n += tamper_each(x, root, pk, rejected);
		}
	} else if (json_is_array(v)) {
		for (size_t i = 0; i < json_array_size(v); i++)
			n += tamper_each(json_array_get(v, i), root, pk, rejected);
	} else {
		const char *why = NULL;

		if (json_is_string(v)) {
			char *s = strdup(json_string_value(v)), *orig = strdup(s);
			size_t len = strlen(s);

			/* a UTF-8 continuation byte stays one with its lowest bit flipped */
			if ((unsigned char)s[len - 1] >= 0x80)
				s[len - 1] ^= 1;
			else
				s[len - 1] = s[len - 1] == '0' ? '1' : '0';
			json_string_set(v, s);
			*rejected += mg_report_verify(root, pk, &why) < 0;
			json_string_set(v, orig);
			free(s);
			free(orig);
		} else if (json_is_integer(v)) {
			json_int_t i = json_integer_value(v);

			json_integer_set(v, i ^ 1);
			*rejected += mg_report_verify(root, pk, &why) < 0;
			json_integer_set(v, i);
		} else {
			return 0; /* true, false, null: changed by the caller */
		}
		ck_assert_int_eq(mg_report_verify(root, pk, &why), 0);
		n = 1;
	}
	return n;
}

START_TEST(one_byte_in_each_field)
{
	json_t *r = sample_report();
	unsigned char pk[32];
	const char *why = NULL;
	int rejected = 0, n;

	ck_assert_int_eq(mg_report_sign(r, key), 0);
	pk_of(key, pk);
	n = tamper_each(r, r, pk, &rejected);
	ck_assert_int_ge(n, 17);
	ck_assert_int_eq(rejected, n);
	/* the truth value and the null, changed in place */
	json_object_set_new(r, "quarantined", json_false());
	ck_assert_int_ne(mg_report_verify(r, pk, &why), 0);
	json_object_set_new(r, "quarantined", json_true());
	json_object_set_new(r, "reason", json_integer(0));
	ck_assert_int_ne(mg_report_verify(r, pk, &why), 0);
	json_object_set_new(r, "reason", json_null());
	/* a member added or removed */
	json_object_set_new(r, "extra", json_string("x"));
	ck_assert_int_ne(mg_report_verify(r, pk, &why), 0);
	json_object_del(r, "extra");
	json_object_del(r, "verdict");
	ck_assert_int_ne(mg_report_verify(r, pk, &why), 0);
	json_decref(r);
}
END_TEST

START_TEST(one_byte_of_the_text)
{
	json_t *r = sample_report(), *back;
	unsigned char pk[32];
	const char *why = NULL;
	char *text, *pk_at, *pk_end;
	size_t len;
	int parsed = 0, rejected = 0;

	ck_assert_int_eq(mg_report_sign(r, key), 0);
	pk_of(key, pk);
	text = json_dumps(r, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	len = strlen(text);
	/* the signature's public_key names the key but is not signed: a
	 * change there may still verify; every other byte counts */
	pk_at = strstr(text, "\"public_key\"");
	ck_assert_ptr_nonnull(pk_at);
	pk_end = strchr(strchr(pk_at + 13, '"') + 1, '"') + 1;
	/* every byte inside a value or a name, changed: either the text no
	 * longer parses, or the report no longer verifies */
	for (size_t i = 0; i < len; i++) {
		char c = text[i];

		if (c == ' ' || c == '\n' || (text + i >= pk_at && text + i < pk_end))
			continue; /* layout is not content */
		text[i] = c == '0' ? '1' : (c == '"' ? '\'' : '0');
		back = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
		if (back) {
			parsed++;
			rejected += mg_report_verify(back, pk, &why) < 0;
			json_decref(back);
		}
		text[i] = c;
	}
	ck_assert_int_ge(parsed, 300);
	ck_assert_int_eq(rejected, parsed);
	free(text);
	json_decref(r);
}
END_TEST

START_TEST(wrong_key_and_unsigned)
{
	json_t *r = sample_report();
	unsigned char pk[32];
	const char *why = NULL;

	pk_of(key, pk);
	ck_assert_int_ne(mg_report_verify(r, pk, &why), 0);
	ck_assert_ptr_nonnull(strstr(why, "not signed"));
	ck_assert_int_eq(mg_report_sign(r, other), 0);
	ck_assert_int_ne(mg_report_verify(r, pk, &why), 0);
	ck_assert_ptr_nonnull(strstr(why, "another signing key"));
	/* naming our key does not help a signature made by another */
	{
		char hex[65];

		sodium_bin2hex(hex, sizeof(hex), pk, 32);
		json_object_set_new(json_object_get(r, "signature"), "public_key", json_string(hex));
		ck_assert_int_ne(mg_report_verify(r, pk, &why), 0);
		ck_assert_ptr_nonnull(strstr(why, "another key"));
	}
	/* the key named inside the report is never the one trusted */
	json_object_set_new(json_object_get(r, "signature"), "algorithm", json_string("none"));
	ck_assert_int_ne(mg_report_verify(r, pk, &why), 0);
	json_decref(r);
}
END_TEST

START_TEST(key_files)
{
	struct stat st;
	char pub[160], *err = NULL, pk_hex[65];
	unsigned char pk[32], pk2[32];
	FILE *f;

	ck_assert_int_eq(stat(key_path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	snprintf(pub, sizeof(pub), "%s.pub", key_path);
	ck_assert_int_eq(mg_sign_public_load(pub, pk, &err), 0);
	pk_of(key, pk2);
	ck_assert_mem_eq(pk, pk2, 32);
	/* the secret key file gives the same public key, and so does hex */
	ck_assert_int_eq(mg_sign_public_load(key_path, pk, &err), 0);
	ck_assert_mem_eq(pk, pk2, 32);
	sodium_bin2hex(pk_hex, sizeof(pk_hex), pk2, 32);
	ck_assert_int_eq(mg_sign_public_load(pk_hex, pk, &err), 0);
	ck_assert_mem_eq(pk, pk2, 32);
	/* never over an existing key */
	ck_assert_int_ne(mg_sign_key_create(key_path, NULL, pk_hex, &err), 0);
	free(err);
	err = NULL;
	/* not a key */
	snprintf(pub, sizeof(pub), "%s/bad.key", dir);
	f = fopen(pub, "w");
	fputs("0011\n", f);
	fclose(f);
	ck_assert_ptr_null(mg_sign_key_load(pub, &err));
	ck_assert_ptr_nonnull(strstr(err, "not an Ed25519"));
	free(err);
}
END_TEST

/* A process forked after the key was loaded finds zeros where it was. */
START_TEST(key_not_inherited_by_forks)
{
	const unsigned char *bytes = (const unsigned char *)key;
	unsigned char zero[64] = { 0 };
	int status = 0;
	pid_t pid;

	ck_assert_int_ne(memcmp(bytes, zero, 64), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(memcmp(bytes, zero, 64) == 0 ? 0 : 1);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
}
END_TEST

static const char plain[] =
	"From: a@example.jp\r\nSubject: x\r\nMIME-Version: 1.0\r\nX-Mugai-Id: 1\r\n"
	"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
	"5pel5pys6Kqe\r\n";
static const char mixed[] =
	"From: a@example.jp\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed;\r\n"
	"\tboundary=\"=-mugai-abc\"\r\n\r\n--=-mugai-abc\r\nContent-Type: text/plain\r\n\r\nhi\r\n"
	"--=-mugai-abc\r\nContent-Type: text/csv\r\n\r\na,b\r\n\r\n--=-mugai-abc--\r\n";

/* A delivered message: X-Mugai-Report in front of the artefact, the
 * report attached when attach. */
static mg_buf deliver(const char *art, bool attach, const mg_sign_key *k, const char **part)
{
	mg_buf head, body;
	mg_report_ref ref = { 0 };

	mg_buf_init(&head, 1 << 20);
	mg_buf_init(&body, 1 << 20);
	*part = "none";
	if (attach)
		ck_assert_int_eq(mg_report_attach((const unsigned char *)art, strlen(art),
		                                  "{\"item_id\":\"ID-1\"}", "ID-1", &body, part), 0);
	else
		mg_buf_puts(&body, art);
	snprintf(ref.item_id, sizeof(ref.item_id), "ID-1");
	memset(ref.report_sha256, 'a', 64);
	mg_sha256_hex(art, strlen(art), ref.artefact_sha256);
	snprintf(ref.part, sizeof(ref.part), "%s", *part);
	mg_buf_puts(&head, "Received: from somewhere\r\n");
	ck_assert_int_eq(mg_report_header(&head, &ref, k), 0);
	mg_buf_append(&head, body.data, body.len);
	mg_buf_free(&body);
	return head;
}

static void round_trip(const char *art, bool attach, const char *want_part)
{
	const char *part, *why = NULL;
	mg_buf d = deliver(art, attach, key, &part);
	mg_report_ref ref;
	unsigned char *a, pk[32];
	size_t alen = 0;

	ck_assert_str_eq(part, want_part);
	ck_assert_int_eq(mg_report_ref_find(d.data, d.len, &ref), 0);
	ck_assert_str_eq(ref.item_id, "ID-1");
	ck_assert_str_eq(ref.part, want_part);
	ck_assert(ref.has_sig);
	a = mg_report_artefact(d.data, d.len, &ref, &alen);
	ck_assert_ptr_nonnull(a);
	ck_assert_uint_eq(alen, strlen(art));
	ck_assert_mem_eq(a, art, alen);
	free(a);
	if (attach)
		ck_assert(tu_contains(d.data, d.len, "name=\"mugai-report-ID-1.json\""));
	pk_of(key, pk);
	ck_assert_int_eq(mg_report_marker_verify(d.data, d.len, pk, &ref, &why), 0);
	mg_buf_free(&d);
}

START_TEST(attach_and_take_out)
{
	round_trip(plain, false, "none");
	round_trip(mixed, false, "none");
	round_trip(plain, true, "wrapped");
	round_trip(mixed, true, "added");
}
END_TEST

START_TEST(marker_forged)
{
	const char *part, *why = NULL;
	mg_buf d;
	mg_report_ref ref;
	unsigned char pk[32];
	unsigned char *hit;

	pk_of(key, pk);
	/* signed by another key */
	d = deliver(plain, true, other, &part);
	ck_assert_int_ne(mg_report_marker_verify(d.data, d.len, pk, &ref, &why), 0);
	ck_assert_ptr_nonnull(strstr(why, "configured key"));
	mg_buf_free(&d);
	/* not signed */
	d = deliver(mixed, false, NULL, &part);
	ck_assert_int_ne(mg_report_marker_verify(d.data, d.len, pk, &ref, &why), 0);
	mg_buf_free(&d);
	/* the content changed after signing, in the artefact and in the part */
	d = deliver(mixed, true, key, &part);
	hit = memmem(d.data, d.len, "a,b", 3);
	*hit = 'A';
	ck_assert_int_ne(mg_report_marker_verify(d.data, d.len, pk, &ref, &why), 0);
	ck_assert_ptr_nonnull(strstr(why, "changed"));
	mg_buf_free(&d);
	/* the signed fields changed */
	d = deliver(plain, false, key, &part);
	hit = memmem(d.data, d.len, "ID-1", 4);
	hit[3] = '2';
	ck_assert_int_ne(mg_report_marker_verify(d.data, d.len, pk, &ref, &why), 0);
	mg_buf_free(&d);
	/* no field at all */
	ck_assert_int_ne(mg_report_marker_verify((const unsigned char *)plain, strlen(plain), pk,
	                                         &ref, &why), 0);
}
END_TEST

START_TEST(notice_reference)
{
	mg_buf head;
	mg_report_ref ref = { 0 }, got;
	unsigned char pk[32];
	const char *why = NULL;

	mg_buf_init(&head, 1 << 16);
	snprintf(ref.item_id, sizeof(ref.item_id), "ID-9");
	memset(ref.report_sha256, 'b', 64);
	snprintf(ref.part, sizeof(ref.part), "notice");
	ck_assert_int_eq(mg_report_header(&head, &ref, key), 0); /* a key, yet no marker */
	ck_assert(!tu_contains(head.data, head.len, "sig="));
	mg_buf_puts(&head, "From: mugai\r\n\r\nblocked\r\n");
	ck_assert_int_eq(mg_report_ref_find(head.data, head.len, &got), 0);
	ck_assert_str_eq(got.part, "notice");
	ck_assert_str_eq(got.item_id, "ID-9");
	ck_assert(!got.has_sig);
	pk_of(key, pk);
	ck_assert_int_ne(mg_report_marker_verify(head.data, head.len, pk, &got, &why), 0);
	mg_buf_free(&head);
}
END_TEST

/* A sanitised file marked, unmarked, verified; and forged. */
static void file_marker(const char *corpus_rel, const char *ext)
{
	mg_result res;
	mg_buf marked;
	mg_report_ref ref = { 0 }, got;
	unsigned char pk[32], *a;
	size_t alen = 0;
	const char *why = NULL;

	ck_assert_int_eq(tu_sanitize_corpus(corpus_rel, MG_MODE_DEFAULT, &res), MG_OK);
	ck_assert_str_eq(res.out_ext, ext);
	snprintf(ref.item_id, sizeof(ref.item_id), "ID-1");
	memset(ref.report_sha256, 'a', 64);
	mg_sha256_hex(res.out, res.out_len, ref.artefact_sha256);
	mg_buf_init(&marked, 1 << 28);
	ck_assert_int_eq(mg_report_file_mark(res.out, res.out_len, &ref, key, &marked), 1);
	ck_assert_uint_gt(marked.len, res.out_len);
	ck_assert_int_ne(mg_report_file_find(res.out, res.out_len, &got), 0); /* unmarked */
	ck_assert_int_eq(mg_report_file_find(marked.data, marked.len, &got), 0);
	ck_assert_str_eq(got.item_id, "ID-1");
	ck_assert_str_eq(got.artefact_sha256, ref.artefact_sha256);
	a = mg_report_file_unmark(marked.data, marked.len, &alen);
	ck_assert_ptr_nonnull(a);
	ck_assert_uint_eq(alen, res.out_len);
	ck_assert_mem_eq(a, res.out, alen);
	free(a);
	pk_of(key, pk);
	ck_assert_int_eq(mg_report_file_verify(marked.data, marked.len, pk, &got, &why), 0);
	/* another key */
	pk_of(other, pk);
	ck_assert_int_ne(mg_report_file_verify(marked.data, marked.len, pk, &got, &why), 0);
	ck_assert_ptr_nonnull(strstr(why, "configured key"));
	pk_of(key, pk);
	/* one byte of the content */
	marked.data[marked.len / 3] ^= 1;
	ck_assert_int_ne(mg_report_file_verify(marked.data, marked.len, pk, &got, &why), 0);
	ck_assert_ptr_nonnull(strstr(why, "changed"));
	marked.data[marked.len / 3] ^= 1;
	/* one byte of the marker's item id */
	{
		unsigned char *id = memmem(marked.data, marked.len, "ID-1 ", 5);

		ck_assert_ptr_nonnull(id);
		id[3] = '2';
		ck_assert_int_ne(mg_report_file_verify(marked.data, marked.len, pk, &got, &why), 0);
	}
	mg_buf_free(&marked);
	mg_result_free(&res);
}

START_TEST(file_marker_zip_and_pdf)
{
	file_marker("office/dde-test.docm", "docx");
	file_marker("pdf/attachment.pdf", "pdf");
}
END_TEST

START_TEST(file_marker_other_families)
{
	static const unsigned char text[] = "plain text\n";
	mg_buf out;
	mg_report_ref ref = { 0 }, got;

	mg_buf_init(&out, 1 << 20);
	snprintf(ref.item_id, sizeof(ref.item_id), "ID-1");
	ck_assert_int_eq(mg_report_file_mark(text, sizeof(text) - 1, &ref, key, &out), 0);
	ck_assert_uint_eq(out.len, sizeof(text) - 1); /* text carries no marker */
	ck_assert_int_ne(mg_report_file_find(out.data, out.len, &got), 0);
	mg_buf_free(&out);
}
END_TEST

Suite *mugai_suite(void)
{
	Suite *s = suite_create("report_sign");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, canonical_sorted_compact_utf8);
	tcase_add_test(tc, sign_and_verify);
	tcase_add_test(tc, one_byte_in_each_field);
	tcase_add_test(tc, one_byte_of_the_text);
	tcase_add_test(tc, wrong_key_and_unsigned);
	tcase_add_test(tc, key_files);
	tcase_add_test(tc, key_not_inherited_by_forks);
	tcase_add_test(tc, attach_and_take_out);
	tcase_add_test(tc, marker_forged);
	tcase_add_test(tc, notice_reference);
	tcase_add_test(tc, file_marker_zip_and_pdf);
	tcase_add_test(tc, file_marker_other_families);
	suite_add_tcase(s, tc);
	return s;
}
