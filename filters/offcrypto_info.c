/*
 * offcrypto_info.c - the EncryptionInfo stream of an Office document
 * encrypted by Office (MS-OFFCRYPTO 2.3.4.5 standard, 2.3.4.10 agile).
 *
 * Standard encryption is a fixed binary header and verifier, read through
 * bounds-checked views; agile encryption is an XML descriptor, read with
 * libxml2 (no network, no DTD, no entity substitution).  Only AES is
 * accepted: RC4 and the extensible form are reported as encryptions mugai
 * cannot open, never guessed at.  Every length taken from the input is
 * checked against the field it fills.
 */
#include <errno.h>
#include <limits.h>
#include <glib.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "offcrypto.h"

#define NS_ENC "http://schemas.microsoft.com/office/2006/encryption"
#define NS_PASSWORD "http://schemas.microsoft.com/office/2006/keyEncryptor/password"
#define XML_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING)

/* Standard encryption's flags and algorithm ids (2.3.2, 2.3.4.5). */
#define F_CRYPTOAPI 0x04u
#define F_EXTERNAL 0x10u
#define F_AES 0x20u
#define ALG_AES128 0x660Eu
#define ALG_AES192 0x660Fu
#define ALG_AES256 0x6610u
#define ALG_SHA1 0x8004u
#define STD_SPIN 50000u

static mg_status why_fail(mg_status st, char *why, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static mg_status why_fail(mg_status st, char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return st;
}

static uint32_t rd32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* ---- standard encryption ---- */

static mg_status parse_standard(const unsigned char *d, size_t len, mg_oc_info *info, char *why,
                                size_t why_len)
{
	const unsigned char *p = mg_view(d, len, 4, 8), *hdr, *ver;
	uint32_t flags, hsize, alg, alg_hash, key_bits;

	if (!p)
		return why_fail(MG_E_MALFORMED, why, why_len, "EncryptionInfo is truncated");
	flags = rd32(p);
	hsize = rd32(p + 4);
	if (hsize < 32 || hsize > len || !(hdr = mg_view(d, len, 12, hsize)))
		return why_fail(MG_E_MALFORMED, why, why_len, "EncryptionInfo header size is wrong");
	alg = rd32(hdr + 8);
	alg_hash = rd32(hdr + 12);
	key_bits = rd32(hdr + 16);
	if ((flags & F_EXTERNAL) || !(flags & F_CRYPTOAPI))
		return why_fail(MG_E_ENCRYPTED, why, why_len,
		                "an encryption by an external provider, which mugai cannot open");
	if (!(flags & F_AES) || (alg != 0 && alg != ALG_AES128 && alg != ALG_AES192 &&
	                         alg != ALG_AES256))
		return why_fail(MG_E_ENCRYPTED, why, why_len,
		                "RC4 (CryptoAPI) encryption, which mugai does not open: only AES");
	if (alg_hash != 0 && alg_hash != ALG_SHA1)
		return why_fail(MG_E_MALFORMED, why, why_len, "standard encryption without SHA-1");
	if (alg == 0)
		alg = ALG_AES128;
	if (key_bits != (alg == ALG_AES128 ? 128u : alg == ALG_AES192 ? 192u : 256u))
		return why_fail(MG_E_MALFORMED, why, why_len, "AES key size %u does not match",
		                (unsigned)key_bits);
	/* the verifier: salt size, salt, verifier, hash size, encrypted hash */
	ver = mg_view(d, len, 12 + (size_t)hsize, 4 + 16 + 16 + 4 + 32);
	if (!ver || rd32(ver) != 16 || rd32(ver + 36) != 20)
		return why_fail(MG_E_MALFORMED, why, why_len, "EncryptionVerifier is damaged");
	info->kind = MG_OC_STANDARD;
	info->spin_count = STD_SPIN;
	snprintf(info->key.hash, sizeof(info->key.hash), "SHA1");
	info->key.key_bits = key_bits;
	info->key.block_size = 16;
	info->key.hash_size = 20;
	memcpy(info->key.salt, ver + 4, 16);
	info->key.salt_len = 16;
	memcpy(info->std_verifier, ver + 20, 16);
	memcpy(info->std_verifier_hash, ver + 40, 32);
	return MG_OK;
}

/* ---- agile encryption ---- */

static bool is_el(const xmlNode *n, const char *ns, const char *name)
{
	return n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
	       strcmp((const char *)n->ns->href, ns) == 0 && strcmp((const char *)n->name, name) == 0;
}

static const xmlNode *child(const xmlNode *parent, const char *ns, const char *name)
{
	for (const xmlNode *c = parent ? parent->children : NULL; c; c = c->next)
		if (is_el(c, ns, name))
			return c;
	return NULL;
}

/* An attribute as text into buf; false when absent or too long. */
static bool attr(const xmlNode *n, const char *name, char *buf, size_t len)
{
	xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)name);
	bool ok = v && strlen((const char *)v) < len;

	if (ok)
		snprintf(buf, len, "%s", (const char *)v);
	xmlFree(v);
	return ok;
}

static bool attr_uint(const xmlNode *n, const char *name, unsigned max, unsigned *out)
{
	char buf[16], *end;
	unsigned long v;

	if (!attr(n, name, buf, sizeof(buf)) || !g_ascii_isdigit(buf[0]))
		return false;
	errno = 0;
	v = strtoul(buf, &end, 10);
	if (errno || *end || v > max)
		return false;
	*out = (unsigned)v;
	return true;
}

/* A base64 attribute into a bounded field. */
static bool attr_b64(const xmlNode *n, const char *name, unsigned char *out, size_t max,
                     size_t *len)
{
	xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)name);
	guchar *raw = NULL;
	gsize rawlen = 0;
	bool ok = false;

	if (v && strlen((const char *)v) <= 4 * ((max + 2) / 3) + 4) {
		raw = g_base64_decode((const char *)v, &rawlen);
		ok = raw && rawlen > 0 && rawlen <= max;
		if (ok) {
			memcpy(out, raw, rawlen);
			*len = rawlen;
		}
	}
	g_free(raw);
	xmlFree(v);
	return ok;
}

static unsigned hash_size_of(const char *hash)
{
	static const struct { const char *name; unsigned size; } hashes[] = {
		{ "SHA1", 20 }, { "SHA256", 32 }, { "SHA384", 48 }, { "SHA512", 64 },
	};

	for (size_t i = 0; i < sizeof(hashes) / sizeof(hashes[0]); i++)
		if (strcmp(hash, hashes[i].name) == 0)
			return hashes[i].size;
	return 0;
}

/* The cipher parameters shared by keyData and encryptedKey. */
static mg_status read_params(const xmlNode *n, mg_oc_params *p, char *why, size_t why_len)
{
	char cipher[32], chaining[32];

	if (!attr(n, "cipherAlgorithm", cipher, sizeof(cipher)) ||
	    !attr(n, "cipherChaining", chaining, sizeof(chaining)) ||
	    !attr(n, "hashAlgorithm", p->hash, sizeof(p->hash)))
		return why_fail(MG_E_MALFORMED, why, why_len, "agile descriptor without its algorithms");
	if (strcmp(cipher, "AES") != 0 || strcmp(chaining, "ChainingModeCBC") != 0)
		return why_fail(MG_E_ENCRYPTED, why, why_len,
		                "%.31s encryption in %.31s mode, which mugai does not open: only AES "
		                "in CBC mode", cipher, chaining);
	if (!hash_size_of(p->hash))
		return why_fail(MG_E_ENCRYPTED, why, why_len, "hash algorithm %s is not supported",
		                p->hash);
	if (!attr_uint(n, "keyBits", 256, &p->key_bits) ||
	    (p->key_bits != 128 && p->key_bits != 192 && p->key_bits != 256) ||
	    !attr_uint(n, "blockSize", 64, &p->block_size) || p->block_size != 16 ||
	    !attr_uint(n, "hashSize", 64, &p->hash_size) || p->hash_size != hash_size_of(p->hash) ||
	    !attr_b64(n, "saltValue", p->salt, sizeof(p->salt), &p->salt_len))
		return why_fail(MG_E_MALFORMED, why, why_len, "agile descriptor with bad parameters");
	return MG_OK;
}

static bool whole_blocks(const mg_oc_field *f)
{
	return f->len > 0 && f->len % 16 == 0;
}

static mg_status read_password_key(const xmlNode *enc, mg_oc_info *info, char *why,
                                   size_t why_len)
{
	const xmlNode *list = child(enc, NS_ENC, "keyEncryptors"), *key = NULL;
	mg_status st;

	for (const xmlNode *c = list ? list->children : NULL; c && !key; c = c->next) {
		char uri[96];

		if (is_el(c, NS_ENC, "keyEncryptor") && attr(c, "uri", uri, sizeof(uri)) &&
		    strcmp(uri, NS_PASSWORD) == 0)
			key = child(c, NS_PASSWORD, "encryptedKey");
	}
	if (!key)
		return why_fail(MG_E_ENCRYPTED, why, why_len,
		                "encrypted for a certificate only: no password opens it");
	if ((st = read_params(key, &info->key, why, why_len)) != MG_OK)
		return st;
	if (!attr_uint(key, "spinCount", 0xFFFFFFFFu, &info->spin_count) ||
	    !attr_b64(key, "encryptedVerifierHashInput", info->verifier_input.b, MG_OC_MAX_FIELD,
	              &info->verifier_input.len) ||
	    !attr_b64(key, "encryptedVerifierHashValue", info->verifier_hash.b, MG_OC_MAX_FIELD,
	              &info->verifier_hash.len) ||
	    !attr_b64(key, "encryptedKeyValue", info->key_value.b, MG_OC_MAX_FIELD,
	              &info->key_value.len) ||
	    !whole_blocks(&info->verifier_input) || !whole_blocks(&info->verifier_hash) ||
	    !whole_blocks(&info->key_value) || info->verifier_hash.len < info->key.hash_size ||
	    info->key_value.len < info->data.key_bits / 8)
		return why_fail(MG_E_MALFORMED, why, why_len, "password key encryptor is damaged");
	return MG_OK;
}

/* dataIntegrity: the HMAC of the package, encrypted.  Absent in files of
 * some writers; present, it must be whole blocks. */
static mg_status read_integrity(const xmlNode *enc, mg_oc_info *info, char *why, size_t why_len)
{
	const xmlNode *di = child(enc, NS_ENC, "dataIntegrity");

	if (!di)
		return MG_OK;
	if (!attr_b64(di, "encryptedHmacKey", info->hmac_key.b, MG_OC_MAX_FIELD,
	              &info->hmac_key.len) ||
	    !attr_b64(di, "encryptedHmacValue", info->hmac_value.b, MG_OC_MAX_FIELD,
	              &info->hmac_value.len) ||
	    !whole_blocks(&info->hmac_key) || !whole_blocks(&info->hmac_value) ||
	    info->hmac_key.len < info->data.hash_size || info->hmac_value.len < info->data.hash_size)
		return why_fail(MG_E_MALFORMED, why, why_len, "data integrity record is damaged");
	return MG_OK;
}

static mg_status parse_agile(const unsigned char *d, size_t len, mg_oc_info *info, char *why,
                             size_t why_len)
{
	const unsigned char *p = mg_view(d, len, 4, 4);
	xmlDoc *doc;
	const xmlNode *root, *kd;
	mg_status st;

	if (!p || rd32(p) != 0x40 || len - 8 > INT_MAX)
		return why_fail(MG_E_MALFORMED, why, why_len, "agile EncryptionInfo is damaged");
	doc = xmlReadMemory((const char *)d + 8, (int)(len - 8), NULL, NULL, XML_OPTIONS);
	root = doc ? xmlDocGetRootElement(doc) : NULL;
	if (!root || !is_el(root, NS_ENC, "encryption"))
		st = why_fail(MG_E_MALFORMED, why, why_len, "agile descriptor is not readable XML");
	else if (!(kd = child(root, NS_ENC, "keyData")))
		st = why_fail(MG_E_MALFORMED, why, why_len, "agile descriptor without keyData");
	else if ((st = read_params(kd, &info->data, why, why_len)) == MG_OK &&
	         (st = read_password_key(root, info, why, why_len)) == MG_OK)
		st = read_integrity(root, info, why, why_len);
	xmlFreeDoc(doc);
	info->kind = MG_OC_AGILE;
	return st;
}

mg_status mg_oc_parse(const unsigned char *d, size_t len, mg_oc_info *info, char *why,
                      size_t why_len)
{
	const unsigned char *v = mg_view(d, len, 0, 4);
	unsigned major, minor;

	memset(info, 0, sizeof(*info));
	if (!v)
		return why_fail(MG_E_MALFORMED, why, why_len, "EncryptionInfo is truncated");
	major = (unsigned)(v[0] | v[1] << 8);
	minor = (unsigned)(v[2] | v[3] << 8);
	if (major == 4 && minor == 4)
		return parse_agile(d, len, info, why, why_len);
	if ((major == 2 || major == 3 || major == 4) && minor == 2)
		return parse_standard(d, len, info, why, why_len);
	if ((major == 3 || major == 4) && minor == 3)
		return why_fail(MG_E_ENCRYPTED, why, why_len,
		                "extensible encryption, which mugai cannot open");
	return why_fail(MG_E_MALFORMED, why, why_len, "unknown EncryptionInfo version %u.%u",
	                major, minor);
}

void mg_oc_describe(const mg_oc_info *info, char *buf, size_t len)
{
	const mg_oc_params *p = info->kind == MG_OC_AGILE ? &info->data : &info->key;

	snprintf(buf, len, "Office %s encryption, AES-%u, %s",
	         info->kind == MG_OC_AGILE ? "agile" : "standard", p->key_bits,
	         info->kind == MG_OC_AGILE ? info->key.hash : "SHA-1");
}
