/*
 * fuzz_offcrypto.c - the EncryptionInfo parser of Office encryption
 * (standard: binary header and verifier; agile: the XML descriptor) on
 * arbitrary bytes.
 *
 * Beyond "no crash, no leak, no hang": what the parser accepts must be
 * usable as it stands, every field within the bounds the key derivation
 * relies on (AES key sizes, 16-byte blocks, whole blocks to decrypt, a
 * salt that fits), and the description it gives must be a string.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "offcrypto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_params(const mg_oc_params *p)
{
	if (p->key_bits != 128 && p->key_bits != 192 && p->key_bits != 256)
		abort();
	if (p->block_size != 16 || p->salt_len == 0 || p->salt_len > MG_OC_MAX_SALT)
		abort();
	if (p->hash_size == 0 || p->hash_size > MG_OC_MAX_HASH)
		abort();
}

static void check_field(const mg_oc_field *f)
{
	if (f->len == 0 || f->len % 16 != 0 || f->len > MG_OC_MAX_FIELD)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mg_oc_info info;
	char why[256], how[128];

	why[0] = 0;
	if (mg_oc_parse(data, size, &info, why, sizeof(why)) != MG_OK) {
		if (!why[0] || !memchr(why, 0, sizeof(why)))
			abort(); /* every refusal says why */
		return 0;
	}
	check_params(&info.key);
	if (info.kind == MG_OC_AGILE) {
		check_params(&info.data);
		check_field(&info.verifier_input);
		check_field(&info.verifier_hash);
		check_field(&info.key_value);
		if (info.verifier_hash.len < info.key.hash_size ||
		    info.key_value.len < info.data.key_bits / 8)
			abort();
		if (info.hmac_key.len || info.hmac_value.len) {
			check_field(&info.hmac_key);
			check_field(&info.hmac_value);
			if (info.hmac_key.len < info.data.hash_size ||
			    info.hmac_value.len < info.data.hash_size)
				abort();
		}
	} else if (info.spin_count != 50000 || info.key.salt_len != 16) {
		abort();
	}
	mg_oc_describe(&info, how, sizeof(how));
	if (!memchr(how, 0, sizeof(how)))
		abort();
	return 0;
}
