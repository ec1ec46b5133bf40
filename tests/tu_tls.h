/* tu_tls.h - a throwaway self-signed certificate for the STARTTLS tests. */
#ifndef MUGAI_TU_TLS_H
#define MUGAI_TU_TLS_H

#include <stdio.h>

#include <check.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

/* Writes DIR/cert.pem and DIR/key.pem for CN=localhost (one hour). */
static inline void tu_tls_make_cert(const char *dir)
{
	char path[512];
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_NAME *name;
	FILE *f;

	ck_assert(key && x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -60);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, key);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"localhost", -1, -1,
	                           0);
	X509_set_issuer_name(x, name);
	ck_assert(X509_sign(x, key, EVP_sha256()) > 0);
	snprintf(path, sizeof(path), "%s/cert.pem", dir);
	ck_assert((f = fopen(path, "w")) != NULL);
	PEM_write_X509(f, x);
	fclose(f);
	snprintf(path, sizeof(path), "%s/key.pem", dir);
	ck_assert((f = fopen(path, "w")) != NULL);
	PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
	fclose(f);
	X509_free(x);
	EVP_PKEY_free(key);
}

/* A server context from DIR/cert.pem and DIR/key.pem. */
static inline SSL_CTX *tu_tls_server_ctx(const char *dir)
{
	char cert[512], key[512];
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	snprintf(cert, sizeof(cert), "%s/cert.pem", dir);
	snprintf(key, sizeof(key), "%s/key.pem", dir);
	ck_assert(ctx != NULL);
	ck_assert_int_eq(SSL_CTX_use_certificate_chain_file(ctx, cert), 1);
	ck_assert_int_eq(SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM), 1);
	return ctx;
}

#endif
