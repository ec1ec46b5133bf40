/*
 * offcrypto.h - Office documents encrypted by Office (MS-OFFCRYPTO): the
 * OOXML package sealed into a compound file as EncryptionInfo +
 * EncryptedPackage, opened with a candidate password.
 *
 * offcrypto_info.c parses EncryptionInfo (standard encryption: a binary
 * header and verifier; agile encryption: an XML descriptor, read with
 * libxml2).  offcrypto.c derives keys, checks the password verifier and
 * decrypts the package with OpenSSL's libcrypto, then hands the package
 * to its own family like any other item.
 */
#ifndef MUGAI_OFFCRYPTO_H
#define MUGAI_OFFCRYPTO_H

#include <stdbool.h>
#include <stddef.h>

#include "ole2_int.h"

#define MG_OC_MAX_SALT 64
#define MG_OC_MAX_HASH 64     /* SHA-512 */
#define MG_OC_MAX_FIELD 128   /* an encrypted verifier, hash or key */

typedef enum mg_oc_kind { MG_OC_STANDARD, MG_OC_AGILE } mg_oc_kind;

/* One agile descriptor's cipher parameters (keyData or the password's
 * encryptedKey): AES in CBC mode only. */
typedef struct mg_oc_params {
	char hash[8];           /* "SHA1", "SHA256", "SHA384", "SHA512" */
	unsigned key_bits;      /* 128, 192, 256 */
	unsigned block_size;    /* 16 */
	unsigned hash_size;     /* bytes of the hash */
	unsigned char salt[MG_OC_MAX_SALT];
	size_t salt_len;
} mg_oc_params;

typedef struct mg_oc_field {
	unsigned char b[MG_OC_MAX_FIELD];
	size_t len;
} mg_oc_field;

typedef struct mg_oc_info {
	mg_oc_kind kind;
	unsigned spin_count;    /* rounds of the password hash */
	mg_oc_params key;       /* agile: the password key encryptor; standard: salt, key_bits */
	mg_oc_params data;      /* agile: keyData, what the package is encrypted with */
	mg_oc_field verifier_input, verifier_hash, key_value; /* agile */
	mg_oc_field hmac_key, hmac_value; /* agile dataIntegrity; len 0 when absent */
	unsigned char std_verifier[16];      /* standard */
	unsigned char std_verifier_hash[32]; /* standard: SHA-1 + padding, AES-encrypted */
} mg_oc_info;

/* Parses an EncryptionInfo stream.  MG_OK; MG_E_ENCRYPTED when it is an
 * encryption mugai cannot open (RC4, extensible, not AES, a certificate
 * only), MG_E_MALFORMED when it is broken; why gets the reason. */
mg_status mg_oc_parse(const unsigned char *d, size_t len, mg_oc_info *info, char *why,
                      size_t why_len);
/* A description for the report: "agile encryption, AES-256, SHA512". */
void mg_oc_describe(const mg_oc_info *info, char *buf, size_t len);

/* True when the compound file holds an encrypted package. */
bool mg_offcrypto_present(GsfInfile *root);
/* Opens the package with the item's candidate passwords and sanitises
 * what it holds into out; MG_E_ENCRYPTED when no candidate opens it,
 * MG_E_LIMIT_TIME when the key derivation asks for more rounds than the
 * policy's max_spin_count (not attempted). */
mg_status mg_offcrypto_open(mg_ole *o, const mg_item *item, mg_out *out);

#endif
