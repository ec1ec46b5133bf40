/* check_ppap.c - encrypted items opened with candidate passwords: zip
 * (ZipCrypto, WinZip AES), 7z (stays encrypted), PDF (user password) and
 * Office documents encrypted by Office (agile and standard).  Every
 * encrypted file is made at test time by a real tool (zip, 7z, qpdf) or,
 * for Office, by the encryption of MS-OFFCRYPTO written here and checked
 * by Debian's msoffcrypto-tool, which must decrypt it to the same bytes. */
#include <archive.h>
#include <archive_entry.h>
#include <check.h>
#include <glib.h>
#include <gsf/gsf.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <poppler.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "offcrypto.h"
#include "testutil.h"

#define PW "Kx7pQ2zTokyo"
#define PW_JA "\xe3\x83\x91\xe3\x82\xb9\xe3\x83\xaf\xe3\x83\xbc\xe3\x83\x89" "2024" /* パスワード2024 */
#define WRONG "not-the-password"
#define MEMO "PPAP unlock check: the quarterly estimate"
#define ORACLE_DOCM "office/oleform-PR314.docm"

static char *dir; /* a fresh directory per test */

/* ---- helpers ---- */

static void setup(void)
{
	dir = g_dir_make_tmp("mugai-ppap-XXXXXX", NULL);
	ck_assert_ptr_nonnull(dir);
}

static void teardown(void)
{
	char *cmd = g_strdup_printf("rm -rf '%s'", dir);

	ck_assert_int_eq(system(cmd), 0);
	g_free(cmd);
	g_free(dir);
}

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Runs a shell command in the test directory; it must succeed. */
static void sh(const char *fmt, ...)
{
	va_list ap;
	char *body, *cmd;

	va_start(ap, fmt);
	body = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	cmd = g_strdup_printf("cd '%s' && { %s; } >/dev/null 2>&1", dir, body);
	ck_assert_msg(system(cmd) == 0, "failed: %s", body);
	g_free(cmd);
	g_free(body);
}

static char *path_of(const char *name)
{
	return g_build_filename(dir, name, NULL);
}

static void put(const char *name, const void *data, size_t len)
{
	char *p = path_of(name);

	ck_assert(g_file_set_contents(p, data, (gssize)len, NULL));
	g_free(p);
}

static unsigned char *get(const char *name, size_t *len)
{
	char *p = path_of(name);
	unsigned char *d = tu_read(p, len);

	g_free(p);
	return d;
}

static mg_status unlock_policy(const mg_policy *p, const char *name, const char *const *pw,
                               size_t n, mg_mode mode, mg_result *res)
{
	char *err = NULL;
	mg_core *core = mg_core_new(p, &err);
	size_t len;
	unsigned char *d = get(name, &len);
	mg_input in = { 0 };
	mg_status st;

	ck_assert_msg(core != NULL, "core: %s", err);
	in.data = d;
	in.len = len;
	in.name = name;
	st = mg_sanitize_unlock(core, &in, pw, n, mode, res);
	mg_core_free(core);
	free(d);
	return st;
}

static mg_status unlock(const char *name, const char *const *pw, size_t n, mg_mode mode,
                        mg_result *res)
{
	mg_policy *p = mg_policy_new();
	mg_status st = unlock_policy(p, name, pw, n, mode, res);

	mg_policy_free(p);
	return st;
}

static json_int_t report_int(const mg_result *res, const char *key)
{
	json_t *r = json_loads(res->report_json, 0, NULL);
	json_int_t v = json_integer_value(json_object_get(r, key));

	json_decref(r);
	return v;
}

/* The number of the candidate that opened the item, anywhere in the report. */
static json_int_t candidate_used(json_t *r)
{
	json_t *c, *kids = json_object_get(r, "children");
	json_int_t v = json_integer_value(json_object_get(r, "password_candidate"));
	size_t i;

	json_array_foreach(kids, i, c)
		if (!v)
			v = candidate_used(c);
	return v;
}

static json_int_t opened_by(const mg_result *res)
{
	json_t *r = json_loads(res->report_json, 0, NULL);
	json_int_t v;

	ck_assert(json_is_true(json_object_get(r, "unlocked")));
	v = candidate_used(r);
	json_decref(r);
	return v;
}

/* No password in the artefact or the report, whatever the candidates. */
static void no_password(const mg_result *res, const char *const *pw, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		ck_assert_msg(!tu_contains(res->out, res->out_len, pw[i]), "password in the output");
		ck_assert_msg(!strstr(res->report_json, pw[i]), "password in the report");
		ck_assert_msg(!res->reason || !strstr(res->reason, pw[i]), "password in the reason");
	}
}

/* A zip artefact whose members are all readable without a password; the
 * concatenated member contents. */
static char *zip_plain_contents(const unsigned char *zip, size_t len)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	GString *all = g_string_new(NULL);
	char buf[8192];
	la_ssize_t n;

	archive_read_support_format_zip(a);
	ck_assert_int_eq(archive_read_open_memory(a, zip, len), ARCHIVE_OK);
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		ck_assert_msg(!archive_entry_is_encrypted(e), "member %s is encrypted",
		              archive_entry_pathname(e));
		g_string_append_printf(all, "[%s]", archive_entry_pathname(e));
		while ((n = archive_read_data(a, buf, sizeof(buf))) > 0)
			g_string_append_len(all, buf, n);
		ck_assert_int_eq(n, 0);
	}
	archive_read_free(a);
	return g_string_free(all, FALSE);
}

/* ---- zip and 7z, made by zip and 7z ---- */

static void make_memo(void)
{
	put("memo.txt", MEMO "\n", strlen(MEMO) + 1);
}

START_TEST(zipcrypto_right_password)
{
	const char *pw[] = { WRONG, PW_JA };
	mg_result res;
	char *all;

	make_memo();
	sh("zip -q -P '%s' zc.zip memo.txt", PW_JA);
	ck_assert_int_eq(unlock("zc.zip", pw, 2, MG_MODE_DEFAULT, &res), MG_OK);
	ck_assert_int_eq(opened_by(&res), 2);
	ck_assert_int_eq(report_int(&res, "password_candidates"), 2);
	all = zip_plain_contents(res.out, res.out_len);
	ck_assert_msg(strstr(all, MEMO), "%s", all);
	no_password(&res, pw, 2);
	g_free(all);
	mg_result_free(&res);
}
END_TEST

START_TEST(zip_aes_right_password)
{
	const char *pw[] = { PW };
	mg_result res;
	char *all;

	make_memo();
	sh("7z a -bd -y -p'%s' -mem=AES256 aes.zip memo.txt", PW);
	ck_assert_int_eq(unlock("aes.zip", pw, 1, MG_MODE_DEFAULT, &res), MG_OK);
	ck_assert_int_eq(opened_by(&res), 1);
	all = zip_plain_contents(res.out, res.out_len);
	ck_assert(strstr(all, MEMO) != NULL);
	no_password(&res, pw, 1);
	g_free(all);
	mg_result_free(&res);
}
END_TEST

START_TEST(zip_wrong_or_no_password)
{
	const char *pw[] = { WRONG, "Kx7pQ2zTokyO", "" };
	mg_result res;

	make_memo();
	sh("zip -q -P '%s' zc.zip memo.txt && 7z a -bd -y -p'%s' -mem=AES256 aes.zip memo.txt",
	   PW, PW);
	ck_assert_int_eq(unlock("zc.zip", pw, 3, MG_MODE_DEFAULT, &res), MG_E_ENCRYPTED);
	ck_assert_ptr_null(res.out);
	ck_assert(tu_report_has(&res, "findings", "none of the 3 candidate passwords"));
	mg_result_free(&res);
	ck_assert_int_eq(unlock("aes.zip", pw, 3, MG_MODE_DEFAULT, &res), MG_E_ENCRYPTED);
	mg_result_free(&res);
	ck_assert_int_eq(unlock("zc.zip", NULL, 0, MG_MODE_DEFAULT, &res), MG_E_ENCRYPTED);
	ck_assert(!strstr(res.report_json, "\"unlocked\""));
	mg_result_free(&res);
}
END_TEST

/* Many members: a wrong password that passes ZipCrypto's one-byte check
 * on some member must still be refused, by the CRC. */
START_TEST(zipcrypto_many_wrong_candidates)
{
	const char *pw[40];
	char names[40][16];
	mg_policy *p = mg_policy_new();
	char *err = NULL;
	mg_result res;

	for (int i = 0; i < 20; i++) {
		char n[32], body[64];

		snprintf(n, sizeof(n), "m%02d.txt", i);
		snprintf(body, sizeof(body), "member %d of the PPAP zip\n", i);
		put(n, body, strlen(body));
	}
	sh("zip -q -P '%s' many.zip m*.txt", PW);
	for (int i = 0; i < 39; i++) {
		snprintf(names[i], sizeof(names[i]), "guess%03d", i);
		pw[i] = names[i];
	}
	pw[39] = PW;
	ck_assert_int_eq(mg_policy_set(p, "max_password_candidates", "40", &err), 0);
	ck_assert_int_eq(unlock_policy(p, "many.zip", pw, 40, MG_MODE_DEFAULT, &res), MG_OK);
	ck_assert_int_eq(opened_by(&res), 40);
	mg_result_free(&res);
	mg_policy_free(p);
}
END_TEST

START_TEST(candidates_bounded_by_policy)
{
	const char *pw[] = { "a1", "b2", "c3", PW };
	mg_policy *p = mg_policy_new();
	char *err = NULL;
	mg_result res;

	make_memo();
	sh("zip -q -P '%s' zc.zip memo.txt", PW);
	ck_assert_int_eq(mg_policy_set(p, "max_password_candidates", "3", &err), 0);
	ck_assert_int_eq(unlock_policy(p, "zc.zip", pw, 4, MG_MODE_DEFAULT, &res), MG_E_ENCRYPTED);
	ck_assert(tu_report_has(&res, "findings", "only the first 3 of 4 candidate passwords"));
	mg_result_free(&res);
	ck_assert_int_eq(mg_policy_set(p, "max_password_candidates", "4", &err), 0);
	ck_assert_int_eq(unlock_policy(p, "zc.zip", pw, 4, MG_MODE_DEFAULT, &res), MG_OK);
	ck_assert_int_eq(opened_by(&res), 4);
	mg_result_free(&res);
	ck_assert_int_eq(mg_policy_set(p, "max_password_candidates", "0", &err), 0);
	ck_assert_int_eq(unlock_policy(p, "zc.zip", pw, 4, MG_MODE_DEFAULT, &res), MG_E_ENCRYPTED);
	mg_result_free(&res);
	mg_policy_free(p);
}
END_TEST

/* Candidates given with items that need none change nothing. */
START_TEST(candidates_for_plain_items)
{
	static const char *const files[] = { "plain.zip", "plain.tar", "plain.7z", "memo.txt" };
	const char *pw[] = { PW, WRONG };

	make_memo();
	sh("zip -q plain.zip memo.txt && tar cf plain.tar memo.txt && 7z a -bd -y plain.7z memo.txt");
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		mg_result res;

		ck_assert_msg(unlock(files[i], pw, 2, MG_MODE_DEFAULT, &res) == MG_OK, "%s: %s",
		              files[i], res.reason);
		ck_assert_msg(!strstr(res.report_json, "\"unlocked\""), "%s", files[i]);
		ck_assert_msg(!strstr(res.report_json, "none of the"), "%s", files[i]);
		ck_assert(tu_contains(res.out, res.out_len, "PPAP unlock check") ||
		          memcmp(res.out, "PK", 2) == 0);
		mg_result_free(&res);
	}
}
END_TEST

START_TEST(sevenzip_stays_encrypted)
{
	const char *pw[] = { PW };
	mg_result res;

	make_memo();
	sh("7z a -bd -y -p'%s' s.7z memo.txt", PW);
	ck_assert_int_eq(unlock("s.7z", pw, 1, MG_MODE_DEFAULT, &res), MG_E_ENCRYPTED);
	ck_assert_ptr_null(res.out);
	ck_assert(strstr(res.reason, "opens password-protected zip archives only") != NULL);
	no_password(&res, pw, 1);
	mg_result_free(&res);
}
END_TEST

/* 64 MiB of zeros compress about a thousandfold: the ratio limit stops
 * it while the candidate is tried, before anything is unpacked. */
START_TEST(bomb_behind_password)
{
	const char *pw[] = { PW };
	mg_result res;

	sh("head -c 64M /dev/zero > zeros.bin && zip -q -P '%s' bomb.zip zeros.bin "
	   "&& 7z a -bd -y -p'%s' -mem=AES256 bomb-aes.zip zeros.bin && rm zeros.bin", PW, PW);
	ck_assert_int_eq(unlock("bomb.zip", pw, 1, MG_MODE_DEFAULT, &res), MG_E_LIMIT_RATIO);
	ck_assert_ptr_null(res.out);
	mg_result_free(&res);
	ck_assert_int_eq(unlock("bomb-aes.zip", pw, 1, MG_MODE_DEFAULT, &res), MG_E_LIMIT_RATIO);
	mg_result_free(&res);
}
END_TEST

/* The corpus's libarchive test archives, with their published passwords. */
START_TEST(corpus_encrypted_zips)
{
	static const struct { const char *rel, *pw; } z[] = {
		{ "archive/test_read_format_zip_traditional_encryption_data.zip", "12345678" },
		{ "archive/test_read_format_zip_winzip_aes128.zip", "password" },
	};

	for (size_t i = 0; i < sizeof(z) / sizeof(z[0]); i++) {
		char path[4096];
		size_t len;
		unsigned char *d;
		const char *pw[] = { WRONG, z[i].pw };
		mg_policy *p = mg_policy_new();
		char *err = NULL;
		mg_core *core = mg_core_new(p, &err);
		mg_input in = { 0 };
		mg_result res;

		snprintf(path, sizeof(path), "%s/%s", CORPUS_DIR, z[i].rel);
		d = tu_read(path, &len);
		in.data = d;
		in.len = len;
		in.name = z[i].rel;
		ck_assert_msg(mg_sanitize_unlock(core, &in, pw, 2, MG_MODE_DEFAULT, &res) == MG_OK,
		              "%s: %s", z[i].rel, res.reason);
		ck_assert_int_eq(opened_by(&res), 2);
		g_free(zip_plain_contents(res.out, res.out_len));
		mg_result_free(&res);
		mg_core_free(core);
		mg_policy_free(p);
		free(d);
	}
}
END_TEST

/* ---- PDF, encrypted by qpdf ---- */

/* A one-page PDF with a line of text, offsets computed. */
static void make_pdf(const char *name)
{
	static const char content[] = "BT /F1 12 Tf 20 100 Td (PPAP unlock check PDF) Tj ET";
	char *objs[5];
	GString *s = g_string_new("%PDF-1.4\n");
	size_t offs[5], xref;

	objs[0] = g_strdup("<< /Type /Catalog /Pages 2 0 R >>");
	objs[1] = g_strdup("<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
	objs[2] = g_strdup("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Contents 4 0 R "
	                   "/Resources << /Font << /F1 5 0 R >> >> >>");
	objs[3] = g_strdup_printf("<< /Length %zu >>\nstream\n%s\nendstream", sizeof(content) - 1,
	                          content);
	objs[4] = g_strdup("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>");
	for (size_t i = 0; i < 5; i++) {
		offs[i] = s->len;
		g_string_append_printf(s, "%zu 0 obj\n%s\nendobj\n", i + 1, objs[i]);
		g_free(objs[i]);
	}
	xref = s->len;
	g_string_append(s, "xref\n0 6\n0000000000 65535 f \n");
	for (size_t i = 0; i < 5; i++)
		g_string_append_printf(s, "%010zu 00000 n \n", offs[i]);
	g_string_append_printf(s, "trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n%zu\n%%%%EOF\n",
	                       xref);
	put(name, s->str, s->len);
	g_string_free(s, TRUE);
}

START_TEST(pdf_user_password)
{
	const char *pw[] = { WRONG, PW_JA, PW };
	const char *owner[] = { "owner-secret" };
	mg_result res;
	PopplerDocument *doc;
	GBytes *b;

	make_pdf("plain.pdf");
	sh("qpdf --encrypt '%s' owner-secret 256 -- plain.pdf aes256.pdf && "
	   "qpdf --encrypt '%s' owner-secret 128 --use-aes=y -- plain.pdf aes128.pdf", PW_JA, PW);
	ck_assert_int_eq(unlock("aes256.pdf", pw, 3, MG_MODE_TEXT, &res), MG_OK);
	ck_assert_int_eq(opened_by(&res), 2);
	ck_assert(tu_contains(res.out, res.out_len, "PPAP unlock check PDF"));
	no_password(&res, pw, 3);
	mg_result_free(&res);
	/* flattened: a new PDF that opens without any password */
	ck_assert_int_eq(unlock("aes128.pdf", pw, 3, MG_MODE_FLATTEN, &res), MG_OK);
	ck_assert_int_eq(opened_by(&res), 3);
	ck_assert(!tu_contains(res.out, res.out_len, "/Encrypt"));
	b = g_bytes_new(res.out, res.out_len);
	doc = poppler_document_new_from_bytes(b, NULL, NULL);
	ck_assert_ptr_nonnull(doc);
	g_object_unref(doc);
	g_bytes_unref(b);
	no_password(&res, pw, 3);
	mg_result_free(&res);
	/* the owner password opens it too, as in every reader */
	ck_assert_int_eq(unlock("aes256.pdf", owner, 1, MG_MODE_TEXT, &res), MG_OK);
	mg_result_free(&res);
	ck_assert_int_eq(unlock("aes256.pdf", pw, 1, MG_MODE_TEXT, &res), MG_E_ENCRYPTED);
	ck_assert(strstr(res.reason, "none of the 1 candidate passwords") != NULL);
	mg_result_free(&res);
	ck_assert_int_eq(unlock("aes256.pdf", NULL, 0, MG_MODE_TEXT, &res), MG_E_ENCRYPTED);
	mg_result_free(&res);
}
END_TEST

/* ---- Office: MS-OFFCRYPTO encryption, checked by msoffcrypto-tool ---- */

static const unsigned char BK_VI[8] = { 0xfe, 0xa7, 0xd2, 0x76, 0x3b, 0x4b, 0x9e, 0x79 };
static const unsigned char BK_VV[8] = { 0xd7, 0xaa, 0x0f, 0x6d, 0x30, 0x61, 0x34, 0x4e };
static const unsigned char BK_KV[8] = { 0x14, 0x6e, 0x0b, 0xe7, 0xab, 0xac, 0xd0, 0xd6 };
static const unsigned char BK_HK[8] = { 0x5f, 0xb2, 0xad, 0x01, 0x0c, 0xb9, 0xe1, 0xf6 };
static const unsigned char BK_HV[8] = { 0xa0, 0x67, 0x7f, 0x02, 0xb2, 0x2c, 0x84, 0x33 };

static void h2(const EVP_MD *md, const void *a, size_t alen, const void *b, size_t blen,
               unsigned char *out)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	ck_assert(EVP_DigestInit_ex(c, md, NULL) == 1 && EVP_DigestUpdate(c, a, alen) == 1 &&
	          (blen == 0 || EVP_DigestUpdate(c, b, blen) == 1) &&
	          EVP_DigestFinal_ex(c, out, NULL) == 1);
	EVP_MD_CTX_free(c);
}

/* AES, no padding: CBC with iv, ECB without. */
static void aes_enc(const unsigned char *key, size_t klen, const unsigned char *iv,
                    const unsigned char *in, size_t len, unsigned char *out)
{
	const EVP_CIPHER *c = klen == 16 ? (iv ? EVP_aes_128_cbc() : EVP_aes_128_ecb()) :
	                                   (iv ? EVP_aes_256_cbc() : EVP_aes_256_ecb());
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
	int n = 0, m = 0;

	ck_assert(len % 16 == 0);
	ck_assert(EVP_EncryptInit_ex(x, c, NULL, key, iv) == 1);
	EVP_CIPHER_CTX_set_padding(x, 0);
	ck_assert(EVP_EncryptUpdate(x, out, &n, in, (int)len) == 1);
	ck_assert(EVP_EncryptFinal_ex(x, out + n, &m) == 1);
	EVP_CIPHER_CTX_free(x);
}

static size_t utf16(const char *pw, unsigned char *out)
{
	glong n = 0;
	gunichar2 *u = g_utf8_to_utf16(pw, -1, NULL, &n, NULL);

	for (glong i = 0; i < n; i++) {
		out[2 * i] = (unsigned char)(u[i] & 0xff);
		out[2 * i + 1] = (unsigned char)(u[i] >> 8);
	}
	g_free(u);
	return (size_t)n * 2;
}

static void spin_hash(const EVP_MD *md, const unsigned char *salt, const char *pw,
                      unsigned spins, unsigned char *h, size_t hlen)
{
	unsigned char pw16[512], it[4];

	h2(md, salt, 16, pw16, utf16(pw, pw16), h);
	for (unsigned i = 0; i < spins; i++) {
		for (int k = 0; k < 4; k++)
			it[k] = (unsigned char)(i >> (8 * k));
		h2(md, it, 4, h, hlen, h);
	}
}

static char *b64(const unsigned char *d, size_t n)
{
	return g_base64_encode(d, n);
}

/* The compound file with the two streams, written by libgsf. */
static void write_ole(const char *name, const GString *info, const GString *pkg)
{
	char *p = path_of(name);
	GsfOutput *f = gsf_output_stdio_new(p, NULL);
	GsfOutfile *ole = gsf_outfile_msole_new(f);
	GsfOutput *s;

	s = gsf_outfile_new_child(ole, "EncryptionInfo", FALSE);
	ck_assert(gsf_output_write(s, info->len, (const guint8 *)info->str));
	gsf_output_close(s);
	g_object_unref(s);
	s = gsf_outfile_new_child(ole, "EncryptedPackage", FALSE);
	ck_assert(gsf_output_write(s, pkg->len, (const guint8 *)pkg->str));
	gsf_output_close(s);
	g_object_unref(s);
	gsf_output_close(GSF_OUTPUT(ole));
	g_object_unref(ole);
	g_object_unref(f);
	g_free(p);
}

static void le64(GString *s, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		g_string_append_c(s, (char)(v >> (8 * i)));
}

/* 2.3.4.10-2.3.4.15: AES-256, SHA-512, the given spin count. */
static void encrypt_agile(const char *plain, const char *out, const char *pw, unsigned spins,
                          bool tamper)
{
	const EVP_MD *md = EVP_sha512();
	size_t len;
	unsigned char *data = get(plain, &len);
	unsigned char ksalt[16], psalt[16], key[32], verifier[16], hn[64], full[64], k[32];
	unsigned char evi[16], evh[64], ekv[32], hmk[64], ehk[64], hmv[64], ehv[64], iv[64];
	unsigned char seg[4096], enc[4096], idx[4];
	GString *pkg = g_string_new(NULL), *info = g_string_new(NULL);
	char *s_ks, *s_ps, *s_evi, *s_evh, *s_ekv, *s_ehk, *s_ehv;
	unsigned hl = 64;

	ck_assert(RAND_bytes(ksalt, 16) == 1 && RAND_bytes(psalt, 16) == 1 &&
	          RAND_bytes(key, 32) == 1 && RAND_bytes(verifier, 16) == 1 &&
	          RAND_bytes(hmk, 64) == 1);
	spin_hash(md, psalt, pw, spins, hn, 64);
	h2(md, hn, 64, BK_VI, 8, full);
	aes_enc(full, 32, psalt, verifier, 16, evi);
	h2(md, verifier, 16, NULL, 0, iv);
	h2(md, hn, 64, BK_VV, 8, full);
	aes_enc(full, 32, psalt, iv, 64, evh);
	h2(md, hn, 64, BK_KV, 8, full);
	memcpy(k, full, 32);
	aes_enc(k, 32, psalt, key, 32, ekv);
	/* the package: segments of 4096 bytes, zero-padded to whole blocks */
	le64(pkg, len);
	for (size_t off = 0, i = 0; off < len; off += 4096, i++) {
		size_t n = len - off < 4096 ? len - off : 4096, padded = (n + 15) / 16 * 16;

		memset(seg, 0, sizeof(seg));
		memcpy(seg, data + off, n);
		for (int b = 0; b < 4; b++)
			idx[b] = (unsigned char)(i >> (8 * b));
		h2(md, ksalt, 16, idx, 4, iv);
		aes_enc(key, 32, iv, seg, padded, enc);
		g_string_append_len(pkg, (const char *)enc, (gssize)padded);
	}
	/* data integrity: an HMAC of the whole stream */
	h2(md, ksalt, 16, BK_HK, 8, iv);
	aes_enc(key, 32, iv, hmk, 64, ehk);
	HMAC(md, hmk, 64, (const unsigned char *)pkg->str, pkg->len, hmv, &hl);
	h2(md, ksalt, 16, BK_HV, 8, iv);
	aes_enc(key, 32, iv, hmv, 64, ehv);
	if (tamper) /* one bit of the package changed after its HMAC was taken */
		pkg->str[pkg->len / 2] ^= 0x01;
	s_ks = b64(ksalt, 16);
	s_ps = b64(psalt, 16);
	s_evi = b64(evi, 16);
	s_evh = b64(evh, 64);
	s_ekv = b64(ekv, 32);
	s_ehk = b64(ehk, 64);
	s_ehv = b64(ehv, 64);
	g_string_append_len(info, "\x04\x00\x04\x00\x40\x00\x00\x00", 8);
	g_string_append_printf(info,
		"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n"
		"<encryption xmlns=\"http://schemas.microsoft.com/office/2006/encryption\" "
		"xmlns:p=\"http://schemas.microsoft.com/office/2006/keyEncryptor/password\">"
		"<keyData saltSize=\"16\" blockSize=\"16\" keyBits=\"256\" hashSize=\"64\" "
		"cipherAlgorithm=\"AES\" cipherChaining=\"ChainingModeCBC\" hashAlgorithm=\"SHA512\" "
		"saltValue=\"%s\"/>"
		"<dataIntegrity encryptedHmacKey=\"%s\" encryptedHmacValue=\"%s\"/>"
		"<keyEncryptors><keyEncryptor uri=\"http://schemas.microsoft.com/office/2006/keyEncryptor/password\">"
		"<p:encryptedKey spinCount=\"%u\" saltSize=\"16\" blockSize=\"16\" keyBits=\"256\" "
		"hashSize=\"64\" cipherAlgorithm=\"AES\" cipherChaining=\"ChainingModeCBC\" "
		"hashAlgorithm=\"SHA512\" saltValue=\"%s\" encryptedVerifierHashInput=\"%s\" "
		"encryptedVerifierHashValue=\"%s\" encryptedKeyValue=\"%s\"/>"
		"</keyEncryptor></keyEncryptors></encryption>",
		s_ks, s_ehk, s_ehv, spins, s_ps, s_evi, s_evh, s_ekv);
	write_ole(out, info, pkg);
	g_free(s_ks), g_free(s_ps), g_free(s_evi), g_free(s_evh), g_free(s_ekv);
	g_free(s_ehk), g_free(s_ehv);
	g_string_free(info, TRUE);
	g_string_free(pkg, TRUE);
	free(data);
}

/* 2.3.4.5-2.3.4.9: AES-128, SHA-1, 50,000 rounds, CryptDeriveKey. */
static void encrypt_standard(const char *plain, const char *out, const char *pw)
{
	const EVP_MD *md = EVP_sha1();
	size_t len;
	unsigned char *data = get(plain, &len);
	unsigned char salt[16], verifier[16], hn[20], hf[20], b1[64], b2[64], x[40], key[16];
	unsigned char vh[32] = { 0 }, ev[16], evh[32], zero[4] = { 0 };
	static const char csp[] = "Microsoft Enhanced RSA and AES Cryptographic Provider";
	GString *info = g_string_new(NULL), *hdr = g_string_new(NULL), *pkg = g_string_new(NULL);
	size_t padded = (len + 15) / 16 * 16;
	unsigned char *buf = calloc(1, padded), *enc = malloc(padded);
	uint32_t u;

#define U32(s, v) (u = (v), g_string_append_len((s), (const char *)(unsigned char[4]){ \
	(unsigned char)u, (unsigned char)(u >> 8), (unsigned char)(u >> 16), (unsigned char)(u >> 24) }, 4))
	ck_assert(RAND_bytes(salt, 16) == 1 && RAND_bytes(verifier, 16) == 1);
	spin_hash(md, salt, pw, 50000, hn, 20);
	h2(md, hn, 20, zero, 4, hf);
	memset(b1, 0x36, 64);
	memset(b2, 0x5c, 64);
	for (int i = 0; i < 20; i++) {
		b1[i] ^= hf[i];
		b2[i] ^= hf[i];
	}
	h2(md, b1, 64, NULL, 0, x);
	h2(md, b2, 64, NULL, 0, x + 20);
	memcpy(key, x, 16);
	aes_enc(key, 16, NULL, verifier, 16, ev);
	h2(md, verifier, 16, NULL, 0, vh);
	aes_enc(key, 16, NULL, vh, 32, evh);
	/* EncryptionHeader */
	U32(hdr, 0x24), U32(hdr, 0), U32(hdr, 0x660E), U32(hdr, 0x8004), U32(hdr, 128);
	U32(hdr, 0x18), U32(hdr, 0), U32(hdr, 0);
	for (const char *c = csp; ; c++) {
		g_string_append_c(hdr, *c);
		g_string_append_c(hdr, 0);
		if (!*c)
			break;
	}
	g_string_append_len(info, "\x03\x00\x02\x00", 4);
	U32(info, 0x24), U32(info, (uint32_t)hdr->len);
	g_string_append_len(info, hdr->str, (gssize)hdr->len);
	U32(info, 16);
	g_string_append_len(info, (const char *)salt, 16);
	g_string_append_len(info, (const char *)ev, 16);
	U32(info, 20);
	g_string_append_len(info, (const char *)evh, 32);
#undef U32
	memcpy(buf, data, len);
	aes_enc(key, 16, NULL, buf, padded, enc);
	le64(pkg, len);
	g_string_append_len(pkg, (const char *)enc, (gssize)padded);
	write_ole(out, info, pkg);
	g_string_free(info, TRUE);
	g_string_free(hdr, TRUE);
	g_string_free(pkg, TRUE);
	free(buf);
	free(enc);
	free(data);
}

/* The corpus document with a VBA project, copied into the test directory. */
static void copy_corpus(const char *rel, const char *name)
{
	size_t len;
	char path[4096];
	unsigned char *d;

	snprintf(path, sizeof(path), "%s/%s", CORPUS_DIR, rel);
	d = tu_read(path, &len);
	put(name, d, len);
	free(d);
}

/* msoffcrypto-tool (an independent implementation) decrypts what was
 * written here to the very bytes that went in. */
static void oracle_agrees(const char *enc, const char *plain, const char *pw)
{
	size_t a, b;
	unsigned char *x, *y;

	sh("msoffcrypto-tool -p '%s' %s oracle.out", pw, enc);
	x = get("oracle.out", &a);
	y = get(plain, &b);
	ck_assert_int_eq(a, b);
	ck_assert(memcmp(x, y, a) == 0);
	free(x);
	free(y);
}

static void office_opens(const char *enc, const char *plain, const char *const *pw, size_t n,
                         json_int_t which)
{
	mg_result res, ref;
	size_t len;
	unsigned char *d = get(plain, &len);
	char *names;

	/* text: the same as the unencrypted document's */
	ck_assert_int_eq(unlock(enc, pw, n, MG_MODE_TEXT, &res), MG_OK);
	ck_assert_int_eq(opened_by(&res), which);
	ck_assert_int_eq(tu_sanitize(d, len, plain, MG_MODE_TEXT, &ref), MG_OK);
	ck_assert_int_eq(res.out_len, ref.out_len);
	ck_assert(memcmp(res.out, ref.out, res.out_len) == 0);
	no_password(&res, pw, n);
	mg_result_free(&res);
	mg_result_free(&ref);
	/* cdr: a rebuilt package, not encrypted, without the macros */
	ck_assert_int_eq(unlock(enc, pw, n, MG_MODE_CDR, &res), MG_OK);
	ck_assert(res.out_len > 4 && memcmp(res.out, "PK\3\4", 4) == 0);
	ck_assert_str_eq(res.out_ext, "docx");
	names = zip_plain_contents(res.out, res.out_len);
	ck_assert(!strstr(names, "vbaProject"));
	ck_assert(tu_report_has(&res, "findings", "Office"));
	ck_assert_int_eq(tu_sanitize(d, len, plain, MG_MODE_CDR, &ref), MG_OK);
	ck_assert_int_eq(res.out_len, ref.out_len);
	ck_assert(memcmp(res.out, ref.out, res.out_len) == 0);
	mg_result_free(&ref);
	no_password(&res, pw, n);
	g_free(names);
	mg_result_free(&res);
	free(d);
}

START_TEST(office_agile)
{
	const char *pw[] = { WRONG, PW_JA };
	mg_result res;

	copy_corpus(ORACLE_DOCM, "plain.docm");
	encrypt_agile("plain.docm", "enc.docm", PW_JA, 100000, false);
	oracle_agrees("enc.docm", "plain.docm", PW_JA);
	office_opens("enc.docm", "plain.docm", pw, 2, 2);
	ck_assert_int_eq(unlock("enc.docm", pw, 1, MG_MODE_DEFAULT, &res), MG_E_ENCRYPTED);
	ck_assert(strstr(res.reason, "none of the 1 candidate passwords") != NULL);
	mg_result_free(&res);
	ck_assert_int_eq(unlock("enc.docm", NULL, 0, MG_MODE_DEFAULT, &res), MG_E_ENCRYPTED);
	mg_result_free(&res);
}
END_TEST

START_TEST(office_agile_tampered)
{
	const char *pw[] = { PW };
	mg_result res;

	copy_corpus(ORACLE_DOCM, "plain.docm");
	encrypt_agile("plain.docm", "bad.docm", PW, 1000, true);
	ck_assert_int_eq(unlock("bad.docm", pw, 1, MG_MODE_DEFAULT, &res), MG_E_MALFORMED);
	ck_assert(strstr(res.reason, "integrity check") != NULL);
	ck_assert_ptr_null(res.out);
	mg_result_free(&res);
}
END_TEST

START_TEST(office_standard)
{
	const char *pw[] = { PW };
	const char *wrong[] = { WRONG };
	mg_result res;

	copy_corpus(ORACLE_DOCM, "plain.docm");
	encrypt_standard("plain.docm", "std.docm", PW);
	oracle_agrees("std.docm", "plain.docm", PW);
	office_opens("std.docm", "plain.docm", pw, 1, 1);
	ck_assert_int_eq(unlock("std.docm", wrong, 1, MG_MODE_DEFAULT, &res), MG_E_ENCRYPTED);
	mg_result_free(&res);
}
END_TEST

START_TEST(office_spin_count_bounded)
{
	const char *pw[] = { PW };
	mg_policy *p = mg_policy_new();
	char *err = NULL;
	mg_result res;

	copy_corpus(ORACLE_DOCM, "plain.docm");
	encrypt_agile("plain.docm", "enc.docm", PW, 100000, false);
	ck_assert_int_eq(mg_policy_set(p, "max_spin_count", "99999", &err), 0);
	ck_assert_int_eq(unlock_policy(p, "enc.docm", pw, 1, MG_MODE_DEFAULT, &res),
	                 MG_E_LIMIT_TIME);
	ck_assert(strstr(res.reason, "not attempted") != NULL);
	ck_assert(!strstr(res.report_json, "\"unlocked\""));
	mg_result_free(&res);
	mg_policy_free(p);
}
END_TEST

/* A long derivation stops at the item's deadline: limit_time, never a
 * verdict of "wrong password" that was not reached. */
START_TEST(office_spin_stops_at_deadline)
{
	const char *pw[] = { "a1", "b2", "c3", PW };
	mg_policy *p = mg_policy_new();
	char *err = NULL;
	mg_result res;

	copy_corpus(ORACLE_DOCM, "plain.docm");
	encrypt_agile("plain.docm", "slow.docm", PW, 3000000, false);
	ck_assert_int_eq(mg_policy_set(p, "time_limit", "1s", &err), 0);
	ck_assert_int_eq(unlock_policy(p, "slow.docm", pw, 4, MG_MODE_DEFAULT, &res),
	                 MG_E_LIMIT_TIME);
	ck_assert_ptr_null(res.out);
	mg_result_free(&res);
	mg_policy_free(p);
}
END_TEST

/* Made by Excel with its built-in password (oletools' test data). */
START_TEST(office_corpus_excel)
{
	const char *pw[] = { "VelvetSweatshop" };
	mg_result res;
	char *names;

	copy_corpus("office/autostart-encrypt-standardpassword.xlsm", "auto.xlsm");
	ck_assert_int_eq(unlock("auto.xlsm", pw, 1, MG_MODE_DEFAULT, &res), MG_OK);
	ck_assert_int_eq(opened_by(&res), 1);
	ck_assert_str_eq(res.out_ext, "xlsx");
	names = zip_plain_contents(res.out, res.out_len);
	ck_assert(!strstr(names, "vbaProject"));
	g_free(names);
	mg_result_free(&res);
}
END_TEST

/* An encrypted document inside a PPAP zip: one password opens both. */
START_TEST(office_inside_zip)
{
	const char *pw[] = { PW };
	mg_result res;
	char *all;

	copy_corpus(ORACLE_DOCM, "plain.docm");
	encrypt_agile("plain.docm", "report.docm", PW, 1000, false);
	sh("zip -q -P '%s' outer.zip report.docm", PW);
	ck_assert_int_eq(unlock("outer.zip", pw, 1, MG_MODE_DEFAULT, &res), MG_OK);
	all = zip_plain_contents(res.out, res.out_len);
	ck_assert_msg(strstr(all, "[report.docx]") != NULL, "%s", all);
	no_password(&res, pw, 1);
	g_free(all);
	mg_result_free(&res);
}
END_TEST

/* A spreadsheet under standard encryption: rebuilt as xlsx, its DDE gone. */
START_TEST(office_standard_xlsx)
{
	const char *pw[] = { PW };
	mg_result res, ref;
	size_t len;
	unsigned char *d;

	copy_corpus("office/dde-test.xlsx", "plain.xlsx");
	encrypt_standard("plain.xlsx", "std.xlsx", PW);
	oracle_agrees("std.xlsx", "plain.xlsx", PW);
	ck_assert_int_eq(unlock("std.xlsx", pw, 1, MG_MODE_DEFAULT, &res), MG_OK);
	ck_assert_str_eq(res.out_ext, "xlsx");
	ck_assert(tu_report_has(&res, "removed", "formula calling DDE") ||
	          strstr(res.report_json, "formula calling DDE"));
	/* the very artefact the unencrypted workbook gives */
	d = get("plain.xlsx", &len);
	ck_assert_int_eq(tu_sanitize(d, len, "plain.xlsx", MG_MODE_DEFAULT, &ref), MG_OK);
	ck_assert_int_eq(res.out_len, ref.out_len);
	ck_assert(memcmp(res.out, ref.out, res.out_len) == 0);
	no_password(&res, pw, 1);
	mg_result_free(&res);
	mg_result_free(&ref);
	free(d);
}
END_TEST

/* A mail with a PPAP zip: the candidates reach the attachment, the mail
 * is delivered with it opened and sanitised; without them it is removed. */
static void make_mail(const char *zip, const char *eml)
{
	size_t len;
	unsigned char *z = get(zip, &len);
	char *b = g_base64_encode(z, len);
	char *m = g_strdup_printf(
		"From: sato@example.jp\r\nTo: tanaka@lg.example.jp\r\n"
		"Subject: =?UTF-8?B?6KaL56mN5pu4?=\r\nMessage-ID: <ppap-1@example.jp>\r\n"
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
		"--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nsee the attachment\r\n"
		"--b1\r\nContent-Type: application/zip; name=\"mitsumori.zip\"\r\n"
		"Content-Disposition: attachment; filename=\"mitsumori.zip\"\r\n"
		"Content-Transfer-Encoding: base64\r\n\r\n%s\r\n--b1--\r\n", b);

	put(eml, m, strlen(m));
	g_free(m);
	g_free(b);
	free(z);
}

static mg_status unlock_mail(const char *eml, const char *const *pw, size_t n, mg_result *res)
{
	mg_policy *p = mg_policy_new();
	char *err = NULL;
	mg_core *core = mg_core_new(p, &err);
	size_t len;
	unsigned char *d = get(eml, &len);
	mg_input in = { 0 };
	mg_status st;

	in.data = d;
	in.len = len;
	in.name = eml;
	in.is_mail = 1;
	st = mg_sanitize_unlock(core, &in, pw, n, MG_MODE_DEFAULT, res);
	mg_core_free(core);
	mg_policy_free(p);
	free(d);
	return st;
}

START_TEST(mail_with_ppap_zip)
{
	const char *pw[] = { WRONG, PW };
	mg_result res;
	json_t *r;

	make_memo();
	sh("zip -q -P '%s' zc.zip memo.txt", PW);
	make_mail("zc.zip", "ppap.eml");
	ck_assert_int_eq(unlock_mail("ppap.eml", pw, 2, &res), MG_OK);
	r = json_loads(res.report_json, 0, NULL);
	ck_assert(json_is_true(json_object_get(r, "unlocked")));
	ck_assert_int_eq(candidate_used(r), 2);
	json_decref(r);
	ck_assert(tu_contains(res.out, res.out_len, "mitsumori.zip"));
	ck_assert(!tu_report_has(&res, "removed", "mitsumori.zip"));
	no_password(&res, pw, 2);
	mg_result_free(&res);
	/* no candidates: the attachment is removed, the mail still goes */
	ck_assert_int_eq(unlock_mail("ppap.eml", NULL, 0, &res), MG_OK);
	ck_assert(!strstr(res.report_json, "\"unlocked\""));
	ck_assert(tu_report_has(&res, "removed", "mitsumori.zip"));
	mg_result_free(&res);
}
END_TEST

/* ---- the EncryptionInfo parser on damaged input ---- */

START_TEST(encryption_info_damaged)
{
	static const unsigned char rc4[] = { 4, 0, 2, 0, 0x04, 0, 0, 0, 32, 0, 0, 0 };
	static const unsigned char ext[] = { 4, 0, 3, 0, 0, 0, 0, 0 };
	static const char agile_bad[] = "\x04\x00\x04\x00\x40\x00\x00\x00<encryption/>";
	mg_oc_info info;
	char why[256];

	ck_assert_int_eq(mg_oc_parse((const unsigned char *)"", 0, &info, why, sizeof(why)),
	                 MG_E_MALFORMED);
	ck_assert_int_eq(mg_oc_parse(rc4, sizeof(rc4), &info, why, sizeof(why)), MG_E_MALFORMED);
	ck_assert_int_eq(mg_oc_parse(ext, sizeof(ext), &info, why, sizeof(why)), MG_E_ENCRYPTED);
	ck_assert(strstr(why, "extensible") != NULL);
	ck_assert_int_eq(mg_oc_parse((const unsigned char *)agile_bad, sizeof(agile_bad) - 1, &info,
	                             why, sizeof(why)), MG_E_MALFORMED);
}
END_TEST

Suite *mugai_suite(void)
{
	Suite *s = suite_create("ppap");
	TCase *tc = tcase_create("ppap");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, zipcrypto_right_password);
	tcase_add_test(tc, zip_aes_right_password);
	tcase_add_test(tc, zip_wrong_or_no_password);
	tcase_add_test(tc, zipcrypto_many_wrong_candidates);
	tcase_add_test(tc, candidates_bounded_by_policy);
	tcase_add_test(tc, candidates_for_plain_items);
	tcase_add_test(tc, sevenzip_stays_encrypted);
	tcase_add_test(tc, bomb_behind_password);
	tcase_add_test(tc, corpus_encrypted_zips);
	tcase_add_test(tc, pdf_user_password);
	tcase_add_test(tc, office_agile);
	tcase_add_test(tc, office_agile_tampered);
	tcase_add_test(tc, office_standard);
	tcase_add_test(tc, office_spin_count_bounded);
	tcase_add_test(tc, office_spin_stops_at_deadline);
	tcase_add_test(tc, office_corpus_excel);
	tcase_add_test(tc, office_inside_zip);
	tcase_add_test(tc, office_standard_xlsx);
	tcase_add_test(tc, mail_with_ppap_zip);
	tcase_add_test(tc, encryption_info_damaged);
	suite_add_tcase(s, tc);
	return s;
}
