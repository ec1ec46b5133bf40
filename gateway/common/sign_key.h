/*
 * sign_key.h - the Ed25519 key that signs reports (report.signing_key).
 *
 * The file holds the 64-byte libsodium secret key in hex on one line,
 * mode 0600; its public half is written beside it as FILE.pub (hex, one
 * line), the form audit.checkpoint_key has too.  A loaded secret lives in
 * a page of its own that fork() hands to children as zeros
 * (MADV_WIPEONFORK), never swapped (mlock) nor dumped: the worker and its
 * job processes are forked from the services that hold the key, and must
 * not get a copy, even when the worker is restarted after the key was
 * loaded.
 */
#ifndef MUGAI_SIGN_KEY_H
#define MUGAI_SIGN_KEY_H

#include <stddef.h>

typedef struct mg_sign_key mg_sign_key;

/* Makes a new key pair: the secret in path (created exclusively, 0600,
 * given to owner_user when running as root and that user exists; NULL:
 * kept), the public half in path.pub.  pk_hex gets the public key.
 * 0, or -1 with *err (free()). */
int mg_sign_key_create(const char *path, const char *owner_user, char pk_hex[65], char **err);

/* Loads the secret key of path into its protected page; NULL with *err. */
mg_sign_key *mg_sign_key_load(const char *path, char **err);
void mg_sign_key_free(mg_sign_key *k);

/* A detached Ed25519 signature of msg into sig[64]. */
void mg_sign_key_sign(const mg_sign_key *k, const void *msg, size_t len, unsigned char sig[64]);
/* The public half. */
void mg_sign_key_public(const mg_sign_key *k, unsigned char pk[32]);

/* The first line of a key file as len bytes of hex, the line wiped after;
 * 0, or -1 (errno kept from the open, EINVAL for content that is not such
 * a key).  The audit checkpoint key is read with it too. */
int mg_key_read_hex(const char *path, unsigned char *out, size_t len);

/* A public key to verify with: given as hex, or a file holding it (a .pub
 * file), or a secret key file whose public half is taken.  0, or -1 with
 * *err. */
int mg_sign_public_load(const char *given, unsigned char pk[32], char **err);

#endif
