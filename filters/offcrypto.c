/*
 * offcrypto.c - opening an Office document encrypted by Office with a
 * candidate password (MS-OFFCRYPTO 2.3.4.7-2.3.4.15), then sanitising the
 * package it holds as its own item.
 *
 * The password (UTF-16LE) is hashed with the salt and iterated spinCount
 * times; the verifier stored in EncryptionInfo tells a right password
 * from a wrong one before anything else is decrypted.  The spin count is
 * what the document asks for, so it is bounded by the policy
 * (max_spin_count): above it the document is refused as limit_time, not
 * attempted.  The crypto is OpenSSL's libcrypto (EVP); keys are wiped
 * after use.  The decrypted package goes through mg_sanitize_child(), so
 * a docx inside is rebuilt by the OOXML filter exactly as an unencrypted
 * one would be, and the artefact is never encrypted.
 */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "offcrypto.h"

#define SEGMENT 4096u
#define MAX_PASSWORD_UNITS 255 /* Office's limit: a longer candidate is no password */
#define DEADLINE_EVERY 65536u

static const unsigned char BK_VERIFIER_INPUT[8] = { 0xfe, 0xa7, 0xd2, 0x76, 0x3b, 0x4b, 0x9e, 0x79 };
static const unsigned char BK_VERIFIER_VALUE[8] = { 0xd7, 0xaa, 0x0f, 0x6d, 0x30, 0x61, 0x34, 0x4e };
static const unsigned char BK_KEY_VALUE[8] = { 0x14, 0x6e, 0x0b, 0xe7, 0xab, 0xac, 0xd0, 0xd6 };
static const unsigned char BK_HMAC_KEY[8] = { 0x5f, 0xb2, 0xad, 0x01, 0x0c, 0xb9, 0xe1, 0xf6 };
static const unsigned char BK_HMAC_VALUE[8] = { 0xa0, 0x67, 0x7f, 0x02, 0xb2, 0x2c, 0x84, 0x33 };

/* A key and its length, wiped when done. */
typedef struct key {
	unsigned char b[MG_OC_MAX_HASH];
	size_t len;
} key;

static const EVP_MD *md_of(const char *name)
{
	if (strcmp(name, "SHA1") == 0)
		return EVP_sha1();
	if (strcmp(name, "SHA256") == 0)
		return EVP_sha256();
	if (strcmp(name, "SHA384") == 0)
		return EVP_sha384();
	return strcmp(name, "SHA512") == 0 ? EVP_sha512() : NULL;
}

static const EVP_CIPHER *aes(size_t key_len, bool cbc)
{
	switch (key_len) {
	case 16:
		return cbc ? EVP_aes_128_cbc() : EVP_aes_128_ecb();
	case 24:
		return cbc ? EVP_aes_192_cbc() : EVP_aes_192_ecb();
	case 32:
		return cbc ? EVP_aes_256_cbc() : EVP_aes_256_ecb();
	default:
		return NULL;
	}
}

static void le32(unsigned char out[4], uint32_t v)
{
	for (int i = 0; i < 4; i++)
		out[i] = (unsigned char)(v >> (8 * i));
}

/* H(a || b) into out; false on a library failure. */
static bool hash2(EVP_MD_CTX *c, const EVP_MD *md, const void *a, size_t alen, const void *b,
                  size_t blen, unsigned char *out)
{
	return EVP_DigestInit_ex(c, md, NULL) == 1 && EVP_DigestUpdate(c, a, alen) == 1 &&
	       (blen == 0 || EVP_DigestUpdate(c, b, blen) == 1) &&
	       EVP_DigestFinal_ex(c, out, NULL) == 1;
}

/* 2.3.4.7 / 2.3.4.11: H0 = H(salt || password), Hn = H(iterator || Hn-1).
 * The item's deadline is looked at every DEADLINE_EVERY rounds. */
static bool spin(const EVP_MD *md, const mg_oc_params *p, const unsigned char *pw, size_t pwlen,
                 unsigned rounds, double deadline, key *h)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned char it[4];
	bool ok = c && hash2(c, md, p->salt, p->salt_len, pw, pwlen, h->b);

	h->len = (size_t)EVP_MD_get_size(md);
	for (unsigned i = 0; ok && i < rounds; i++) {
		if (i % DEADLINE_EVERY == 0 && i > 0 && mg_now() > deadline)
			ok = false;
		le32(it, i);
		ok = hash2(c, md, it, 4, h->b, h->len, h->b);
	}
	EVP_MD_CTX_free(c);
	return ok;
}

/* Raw AES without padding: CBC with iv, or ECB when iv is NULL. */
static bool aes_decrypt(const key *k, const unsigned char *iv, const unsigned char *in,
                        size_t len, unsigned char *out)
{
	const EVP_CIPHER *cipher = aes(k->len, iv != NULL);
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n1 = 0, n2 = 0;
	bool ok = c && cipher && len % 16 == 0 && len <= INT32_MAX &&
	          EVP_DecryptInit_ex(c, cipher, NULL, k->b, iv) == 1 &&
	          EVP_CIPHER_CTX_set_padding(c, 0) == 1 &&
	          EVP_DecryptUpdate(c, out, &n1, in, (int)len) == 1 &&
	          EVP_DecryptFinal_ex(c, out + n1, &n2) == 1 && (size_t)(n1 + n2) == len;

	EVP_CIPHER_CTX_free(c);
	return ok;
}

/* ---- agile (2.3.4.11-2.3.4.15) ---- */

/* H(Hn || blockKey), cut or padded with 0x36 to the key size. */
static bool agile_key(const EVP_MD *md, const key *hn, const unsigned char bk[8], size_t key_len,
                      key *out)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned char full[MG_OC_MAX_HASH];
	bool ok = c && key_len <= sizeof(out->b) && hash2(c, md, hn->b, hn->len, bk, 8, full);

	EVP_MD_CTX_free(c);
	if (ok) {
		memset(out->b, 0x36, sizeof(out->b));
		memcpy(out->b, full, key_len < hn->len ? key_len : hn->len);
		out->len = key_len;
	}
	OPENSSL_cleanse(full, sizeof(full));
	return ok;
}

/* The IV: the salt, cut or padded with 0x36 to the block size. */
static void salt_iv(const mg_oc_params *p, unsigned char iv[16])
{
	memset(iv, 0x36, 16);
	memcpy(iv, p->salt, p->salt_len < 16 ? p->salt_len : 16);
}

static bool agile_field(const EVP_MD *md, const key *hn, const mg_oc_info *info,
                        const unsigned char bk[8], const mg_oc_field *f, unsigned char *out)
{
	unsigned char iv[16];
	key k;
	bool ok;

	salt_iv(&info->key, iv);
	ok = agile_key(md, hn, bk, info->key.key_bits / 8, &k) &&
	     aes_decrypt(&k, iv, f->b, f->len, out);
	OPENSSL_cleanse(&k, sizeof(k));
	return ok;
}

/* True and the package key in *pkg when the password is right. */
static bool agile_try(const mg_oc_info *info, const unsigned char *pw, size_t pwlen,
                      double deadline, key *pkg)
{
	const EVP_MD *md = md_of(info->key.hash);
	unsigned char input[MG_OC_MAX_FIELD], value[MG_OC_MAX_FIELD], mine[MG_OC_MAX_HASH];
	unsigned char kv[MG_OC_MAX_FIELD];
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	key hn;
	bool ok = c && md && spin(md, &info->key, pw, pwlen, info->spin_count, deadline, &hn) &&
	          agile_field(md, &hn, info, BK_VERIFIER_INPUT, &info->verifier_input, input) &&
	          agile_field(md, &hn, info, BK_VERIFIER_VALUE, &info->verifier_hash, value) &&
	          hash2(c, md, input, info->key.salt_len < info->verifier_input.len ?
	                info->key.salt_len : info->verifier_input.len, NULL, 0, mine) &&
	          CRYPTO_memcmp(mine, value, info->key.hash_size) == 0 &&
	          agile_field(md, &hn, info, BK_KEY_VALUE, &info->key_value, kv);

	if (ok) {
		pkg->len = info->data.key_bits / 8;
		memcpy(pkg->b, kv, pkg->len);
	}
	EVP_MD_CTX_free(c);
	OPENSSL_cleanse(&hn, sizeof(hn));
	OPENSSL_cleanse(kv, sizeof(kv));
	OPENSSL_cleanse(input, sizeof(input));
	return ok;
}

/* Segments of 4096 bytes, each with IV = H(keyData salt || segment index). */
static bool agile_decrypt(const mg_oc_info *info, const key *pkg, const unsigned char *in,
                          size_t len, unsigned char *out)
{
	const EVP_MD *md = md_of(info->data.hash);
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned char ivfull[MG_OC_MAX_HASH], idx[4];
	bool ok = c && md;

	for (size_t off = 0, i = 0; ok && off < len; off += SEGMENT, i++) {
		size_t n = len - off < SEGMENT ? len - off : SEGMENT;

		le32(idx, (uint32_t)i);
		ok = hash2(c, md, info->data.salt, info->data.salt_len, idx, 4, ivfull) &&
		     aes_decrypt(pkg, ivfull, in + off, n, out + off);
	}
	EVP_MD_CTX_free(c);
	return ok;
}

/* 2.3.4.14: the HMAC of the whole EncryptedPackage stream, its key and
 * value encrypted with the package key, IV = H(keyData salt || block key).
 * A package changed after encryption fails here, before it is used. */
static bool agile_integrity(const mg_oc_info *info, const key *pkg, const unsigned char *stream,
                            size_t len)
{
	const EVP_MD *md = md_of(info->data.hash);
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned char iv[MG_OC_MAX_HASH], hkey[MG_OC_MAX_FIELD], hval[MG_OC_MAX_FIELD];
	unsigned char mine[EVP_MAX_MD_SIZE];
	unsigned mlen = 0;
	bool ok = c && md &&
	          hash2(c, md, info->data.salt, info->data.salt_len, BK_HMAC_KEY, 8, iv) &&
	          aes_decrypt(pkg, iv, info->hmac_key.b, info->hmac_key.len, hkey) &&
	          hash2(c, md, info->data.salt, info->data.salt_len, BK_HMAC_VALUE, 8, iv) &&
	          aes_decrypt(pkg, iv, info->hmac_value.b, info->hmac_value.len, hval) &&
	          HMAC(md, hkey, (int)info->data.hash_size, stream, len, mine, &mlen) &&
	          mlen == info->data.hash_size && CRYPTO_memcmp(mine, hval, mlen) == 0;

	EVP_MD_CTX_free(c);
	OPENSSL_cleanse(hkey, sizeof(hkey));
	return ok;
}

/* ---- standard (2.3.4.7-2.3.4.9) ---- */

/* Hfinal = H(Hn || 0), then the CryptDeriveKey expansion with 0x36 / 0x5c. */
static bool standard_key(const mg_oc_info *info, const unsigned char *pw, size_t pwlen,
                         double deadline, key *k)
{
	const EVP_MD *md = EVP_sha1();
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned char zero[4] = { 0 }, b1[64], b2[64], x[40];
	key hn, hf;
	bool ok = c && spin(md, &info->key, pw, pwlen, info->spin_count, deadline, &hn) &&
	          hash2(c, md, hn.b, hn.len, zero, 4, hf.b);

	memset(b1, 0x36, sizeof(b1));
	memset(b2, 0x5c, sizeof(b2));
	for (size_t i = 0; ok && i < 20; i++) {
		b1[i] ^= hf.b[i];
		b2[i] ^= hf.b[i];
	}
	ok = ok && hash2(c, md, b1, 64, NULL, 0, x) && hash2(c, md, b2, 64, NULL, 0, x + 20);
	if (ok) {
		k->len = info->key.key_bits / 8;
		memcpy(k->b, x, k->len);
	}
	EVP_MD_CTX_free(c);
	OPENSSL_cleanse(&hn, sizeof(hn));
	OPENSSL_cleanse(&hf, sizeof(hf));
	OPENSSL_cleanse(b1, sizeof(b1));
	OPENSSL_cleanse(b2, sizeof(b2));
	OPENSSL_cleanse(x, sizeof(x));
	return ok;
}

static bool standard_try(const mg_oc_info *info, const unsigned char *pw, size_t pwlen,
                         double deadline, key *k)
{
	unsigned char v[16], vh[32], mine[20];
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	bool ok = c && standard_key(info, pw, pwlen, deadline, k) &&
	          aes_decrypt(k, NULL, info->std_verifier, 16, v) &&
	          aes_decrypt(k, NULL, info->std_verifier_hash, 32, vh) &&
	          hash2(c, EVP_sha1(), v, 16, NULL, 0, mine) && CRYPTO_memcmp(mine, vh, 20) == 0;

	EVP_MD_CTX_free(c);
	if (!ok)
		OPENSSL_cleanse(k, sizeof(*k));
	return ok;
}

/* ---- the candidates ---- */

/* A candidate as Office hashes it: UTF-16LE; false when it cannot be one. */
static bool utf16le(const char *pw, unsigned char **out, size_t *len)
{
	glong units = 0;
	gunichar2 *u = g_utf8_to_utf16(pw, -1, NULL, &units, NULL);

	*out = NULL;
	if (!u || units == 0 || units > MAX_PASSWORD_UNITS) {
		g_free(u);
		return false;
	}
	*out = malloc((size_t)units * 2);
	for (glong i = 0; *out && i < units; i++) {
		(*out)[2 * i] = (unsigned char)(u[i] & 0xff);
		(*out)[2 * i + 1] = (unsigned char)(u[i] >> 8);
	}
	*len = (size_t)units * 2;
	OPENSSL_cleanse(u, (size_t)units * 2);
	g_free(u);
	return *out != NULL;
}

/* The index of the candidate that opens the document, -1 when none does;
 * *st is set when the deadline passed. */
static long find_password(mg_ctx *ctx, const mg_oc_info *info, key *k, mg_status *st)
{
	size_t n = mg_password_count(ctx);

	for (size_t i = 0; i < n; i++) {
		unsigned char *pw;
		size_t pwlen;
		bool ok;

		if ((*st = mg_check_deadline(ctx)) != MG_OK)
			return -1;
		if (!ctx->passwords[i] || !utf16le(ctx->passwords[i], &pw, &pwlen))
			continue;
		ok = info->kind == MG_OC_AGILE ? agile_try(info, pw, pwlen, mg_deadline(ctx), k) :
		                                 standard_try(info, pw, pwlen, mg_deadline(ctx), k);
		OPENSSL_cleanse(pw, pwlen);
		free(pw);
		if (ok)
			return (long)i;
	}
	*st = mg_check_deadline(ctx); /* a derivation cut short is not a wrong password */
	return -1;
}

/* EncryptedPackage: 8 bytes of plain size, then whole AES blocks. */
static mg_status decrypt_package(mg_ctx *ctx, const mg_oc_info *info, const key *k,
                                 const unsigned char *pkg, size_t len, mg_buf *plain)
{
	uint64_t size = 0;
	size_t body;
	unsigned char *out;
	bool ok;

	if (len < 8)
		return mg_fail(ctx, MG_E_MALFORMED, "EncryptedPackage is truncated");
	for (int i = 7; i >= 0; i--)
		size = size << 8 | pkg[i];
	body = (len - 8) / 16 * 16; /* trailing bytes past the last block are padding */
	if (size > body || size > ctx->policy->max_size)
		return mg_fail(ctx, size > body ? MG_E_MALFORMED : MG_E_LIMIT_SIZE,
		               "EncryptedPackage announces %llu bytes in %zu",
		               (unsigned long long)size, body);
	if (!(out = malloc(body ? body : 1)))
		return mg_fail(ctx, MG_E_INTERNAL, "out of memory");
	ok = info->kind == MG_OC_AGILE ? agile_decrypt(info, k, pkg + 8, body, out) :
	                                 aes_decrypt(k, NULL, pkg + 8, body, out);
	if (ok && mg_buf_append(plain, out, (size_t)size) < 0)
		ok = false;
	free(out);
	return ok ? MG_OK : mg_fail(ctx, MG_E_MALFORMED, "EncryptedPackage cannot be decrypted");
}

void mg_offcrypto_warm(void)
{
	static const char *const hashes[] = { "SHA1", "SHA256", "SHA384", "SHA512" };
	static const unsigned char zero[16];
	unsigned char out[MG_OC_MAX_HASH];
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	key k = { { 0 }, 0 };

	OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG, NULL);
	for (size_t i = 0; c && i < sizeof(hashes) / sizeof(hashes[0]); i++)
		(void)hash2(c, md_of(hashes[i]), zero, sizeof(zero), NULL, 0, out);
	EVP_MD_CTX_free(c);
	for (k.len = 16; k.len <= 32; k.len += 8) {
		(void)aes_decrypt(&k, zero, zero, sizeof(zero), out);
		(void)aes_decrypt(&k, NULL, zero, sizeof(zero), out);
	}
}

bool mg_offcrypto_present(GsfInfile *root)
{
	GsfInput *a = gsf_infile_child_by_name(root, "EncryptionInfo");
	GsfInput *b = gsf_infile_child_by_name(root, "EncryptedPackage");
	bool both = a && b;

	if (a)
		g_object_unref(a);
	if (b)
		g_object_unref(b);
	return both;
}

/* The package through its own family; its artefact becomes ours. */
static mg_status sanitize_package(mg_ctx *ctx, const mg_item *item, const mg_buf *plain,
                                  mg_out *out)
{
	json_t *child = NULL;
	mg_out inner;
	mg_status st = mg_sanitize_child(ctx, plain->data, plain->len, item->name, NULL, &inner,
	                                 &child);

	if (st != MG_OK) {
		const char *why = json_string_value(json_object_get(child, "reason"));

		st = mg_fail(ctx, st, "the decrypted document: %s", why ? why : mg_status_name(st));
	} else {
		mg_buf_free(&out->data);
		out->data = inner.data;
		memset(&inner.data, 0, sizeof(inner.data));
		mg_out_set_type(out, inner.mime, inner.ext);
	}
	mg_out_free(&inner);
	return st;
}

static mg_status not_opened(mg_ctx *ctx, size_t tried)
{
	if (tried == 0)
		return mg_fail(ctx, MG_E_ENCRYPTED, "password-protected Office document: its contents "
		               "cannot be checked without the password");
	return mg_fail(ctx, MG_E_ENCRYPTED, "password-protected Office document: none of the %zu "
	               "candidate passwords opens it", tried);
}

mg_status mg_offcrypto_open(mg_ole *o, const mg_item *item, mg_out *out)
{
	mg_ctx *ctx = o->ctx;
	mg_status st = MG_OK;
	size_t ilen = 0, plen = 0;
	unsigned char *info_b = mg_ole_stream(o, "EncryptionInfo", &ilen, &st);
	unsigned char *pkg = st == MG_OK ? mg_ole_stream(o, "EncryptedPackage", &plen, &st) : NULL;
	mg_oc_info info;
	char why[256], how[96];
	mg_buf plain;
	key k = { { 0 }, 0 };
	long idx = -1;

	mg_buf_init(&plain, ctx->policy->max_size);
	if (st != MG_OK || !info_b || !pkg) {
		st = st != MG_OK ? st : mg_fail(ctx, MG_E_MALFORMED, "encrypted package unreadable");
		goto done;
	}
	if ((st = mg_oc_parse(info_b, ilen, &info, why, sizeof(why))) != MG_OK) {
		st = mg_fail(ctx, st, "password-protected Office document: %s", why);
		goto done;
	}
	mg_oc_describe(&info, how, sizeof(how));
	mg_report_finding(ctx, "%s", how);
	if (mg_password_count(ctx) == 0) {
		st = not_opened(ctx, 0);
		goto done;
	}
	if (info.spin_count > ctx->policy->max_spin_count) {
		st = mg_fail(ctx, MG_E_LIMIT_TIME, "password-protected Office document asks for %u "
		             "key-derivation rounds, more than max_spin_count %u: not attempted",
		             info.spin_count, ctx->policy->max_spin_count);
		goto done;
	}
	idx = find_password(ctx, &info, &k, &st);
	if (st != MG_OK)
		goto done;
	if (idx < 0) {
		st = not_opened(ctx, mg_password_count(ctx));
		goto done;
	}
	mg_report_unlocked(ctx, (size_t)idx, how);
	if (info.kind == MG_OC_AGILE && info.hmac_key.len == 0)
		mg_report_finding(ctx, "the encrypted document carries no integrity record (HMAC)");
	else if (info.kind == MG_OC_AGILE && !agile_integrity(&info, &k, pkg, plen)) {
		st = mg_fail(ctx, MG_E_MALFORMED, "the encrypted document fails its integrity check "
		             "(HMAC): it was changed after it was encrypted");
		goto done;
	}
	st = decrypt_package(ctx, &info, &k, pkg, plen, &plain);
	if (st == MG_OK)
		st = sanitize_package(ctx, item, &plain, out);
done:
	OPENSSL_cleanse(&k, sizeof(k));
	mg_buf_free(&plain);
	g_free(info_b);
	g_free(pkg);
	return st;
}
