/*
 * report_sign.c - a report's canonical form, its signature and its check
 * (the form is described in report_sign.h).
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "mugai.h"
#include "report_sign.h"

#define CANONICAL_NAME "json-sorted-compact-utf8"

char *mg_report_canonical(const json_t *report)
{
	json_t *copy;
	char *s;

	if (!json_is_object(report))
		return NULL;
	copy = json_deep_copy(report);
	if (!copy)
		return NULL;
	json_object_del(copy, "signature");
	s = json_dumps(copy, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(copy);
	return s;
}

int mg_report_hash(const json_t *report, char hex[65])
{
	char *c = mg_report_canonical(report);

	if (!c)
		return -1;
	mg_sha256_hex(c, strlen(c), hex);
	free(c);
	return 0;
}

int mg_report_sign(json_t *report, const mg_sign_key *k)
{
	unsigned char sig[64], pk[32];
	char sig_hex[129], pk_hex[65];
	char *c = mg_report_canonical(report);

	if (!c)
		return -1;
	mg_sign_key_sign(k, c, strlen(c), sig);
	free(c);
	mg_sign_key_public(k, pk);
	sodium_bin2hex(sig_hex, sizeof(sig_hex), sig, sizeof(sig));
	sodium_bin2hex(pk_hex, sizeof(pk_hex), pk, sizeof(pk));
	return json_object_set_new(report, "signature",
	                           json_pack("{s:s,s:s,s:s,s:s}", "algorithm", "ed25519", "canonical",
	                                     CANONICAL_NAME, "public_key", pk_hex, "value", sig_hex));
}

/* Whether the signature names a key other than pk (a hint for the
 * reason only: the named key is never trusted). */
static int named_other_key(const json_t *sig, const unsigned char pk[32])
{
	const char *named = json_string_value(json_object_get(sig, "public_key"));
	char hex[65];

	sodium_bin2hex(hex, sizeof(hex), pk, 32);
	return named && strcmp(named, hex) != 0;
}

int mg_report_verify(const json_t *report, const unsigned char pk[32], const char **why)
{
	json_t *sig = json_object_get(report, "signature");
	const char *alg = json_string_value(json_object_get(sig, "algorithm"));
	const char *canon = json_string_value(json_object_get(sig, "canonical"));
	const char *value = json_string_value(json_object_get(sig, "value"));
	unsigned char bin[64];
	size_t n = 0;
	char *c;
	int rc;

	if (!json_is_object(sig)) {
		*why = "the report is not signed (no \"signature\" member)";
		return -1;
	}
	if (!alg || strcmp(alg, "ed25519") != 0 || !canon || strcmp(canon, CANONICAL_NAME) != 0) {
		*why = "the signature is not ed25519 over " CANONICAL_NAME;
		return -1;
	}
	if (!value || sodium_hex2bin(bin, sizeof(bin), value, strlen(value), NULL, &n, NULL) != 0 ||
	    n != sizeof(bin)) {
		*why = "the signature value is not 64 bytes in hex";
		return -1;
	}
	if (!(c = mg_report_canonical(report))) {
		*why = "out of memory";
		return -1;
	}
	rc = crypto_sign_verify_detached(bin, (const unsigned char *)c, strlen(c), pk);
	free(c);
	if (rc != 0 && named_other_key(sig, pk)) {
		*why = "the report names another signing key than the one trusted (signed elsewhere, "
		       "or the key was replaced)";
		return -1;
	}
	if (rc != 0) {
		*why = "the signature does not match the report (changed since it was signed, or "
		       "signed by another key)";
		return -1;
	}
	return 0;
}
