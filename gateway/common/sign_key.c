/*
 * sign_key.c - the report signing key: made, loaded into a page children
 * never see, used (see sign_key.h for why the page).
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mugai.h"
#include "sign_key.h"

struct mg_sign_key {
	unsigned char sk[64];
	size_t page; /* the mapping's length */
};

int mg_key_read_hex(const char *path, unsigned char *out, size_t len)
{
	char line[512];
	size_t n = 0;
	FILE *f = fopen(path, "re");
	int ok;

	if (!f)
		return -1;
	ok = fgets(line, sizeof(line), f) != NULL;
	fclose(f);
	line[strcspn(line, "\r\n")] = 0;
	ok = ok && sodium_hex2bin(out, len, line, strlen(line), NULL, &n, NULL) == 0 && n == len;
	sodium_memzero(line, sizeof(line));
	if (!ok) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/* text into a new file (exclusive), fsynced, handed to owner when root. */
static int write_new(const char *path, const char *text, mode_t mode, const char *owner)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	size_t len = strlen(text);
	struct passwd *pw;
	int rc = -1, saved;

	if (fd < 0)
		return -1;
	if (owner && geteuid() == 0 && (pw = getpwnam(owner)) && fchown(fd, pw->pw_uid, pw->pw_gid) < 0)
		goto done;
	if (fchmod(fd, mode) == 0 && write(fd, text, len) == (ssize_t)len && fsync(fd) == 0)
		rc = 0;
done:
	saved = errno;
	close(fd);
	if (rc < 0)
		unlink(path);
	errno = saved;
	return rc;
}

int mg_sign_key_create(const char *path, const char *owner_user, char pk_hex[65], char **err)
{
	unsigned char pk[32], sk[64];
	char line[130], pub[4096];
	int rc = -1;

	*err = NULL;
	if (sodium_init() < 0) {
		*err = mg_strf("libsodium could not be initialised");
		return -1;
	}
	if (snprintf(pub, sizeof(pub), "%s.pub", path) >= (int)sizeof(pub)) {
		*err = mg_strf("%s: path too long", path);
		return -1;
	}
	crypto_sign_keypair(pk, sk);
	sodium_bin2hex(line, 129, sk, 64);
	strcpy(line + 128, "\n");
	if (write_new(path, line, 0600, owner_user) < 0) {
		*err = mg_strf("%s: %s", path, strerror(errno));
		goto done;
	}
	sodium_bin2hex(pk_hex, 65, pk, 32);
	snprintf(line, sizeof(line), "%s\n", pk_hex);
	/* a stale .pub from an earlier key would verify nothing: replaced */
	if (unlink(pub) < 0 && errno != ENOENT) {
		*err = mg_strf("%s: %s", pub, strerror(errno));
		goto done;
	}
	if (write_new(pub, line, 0644, owner_user) < 0) {
		*err = mg_strf("%s: %s", pub, strerror(errno));
		goto done;
	}
	rc = 0;
done:
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(line, sizeof(line));
	return rc;
}

/* A page that fork() gives to children as zeros, never swapped or dumped. */
static mg_sign_key *key_page(char **err)
{
	long ps = sysconf(_SC_PAGESIZE);
	size_t len = ps > 0 && (size_t)ps >= sizeof(mg_sign_key) ? (size_t)ps : 4096;
	mg_sign_key *k = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (k == MAP_FAILED) {
		*err = mg_strf("cannot map a page for the signing key: %s", strerror(errno));
		return NULL;
	}
	if (madvise(k, len, MADV_WIPEONFORK) < 0) {
		/* without it a forked worker would inherit the key: refused */
		*err = mg_strf("MADV_WIPEONFORK: %s (Linux 4.14 or later is needed to keep the signing "
		               "key out of the workers)", strerror(errno));
		munmap(k, len);
		return NULL;
	}
	(void)madvise(k, len, MADV_DONTDUMP);
	(void)mlock(k, len); /* best effort: RLIMIT_MEMLOCK may forbid it */
	k->page = len;
	return k;
}

mg_sign_key *mg_sign_key_load(const char *path, char **err)
{
	mg_sign_key *k;
	unsigned char pk[32];

	*err = NULL;
	if (sodium_init() < 0) {
		*err = mg_strf("libsodium could not be initialised");
		return NULL;
	}
	if (!(k = key_page(err)))
		return NULL;
	if (mg_key_read_hex(path, k->sk, sizeof(k->sk)) < 0) {
		*err = mg_strf("%s: %s", path, errno == EINVAL ? "not an Ed25519 secret key in hex "
		               "(made by mugai keygen)" : strerror(errno));
		mg_sign_key_free(k);
		return NULL;
	}
	/* the second half of a libsodium secret key is its public key */
	crypto_sign_ed25519_sk_to_pk(pk, k->sk);
	{
		unsigned char seed[32], pk2[32], sk2[64];

		crypto_sign_ed25519_sk_to_seed(seed, k->sk);
		crypto_sign_seed_keypair(pk2, sk2, seed);
		sodium_memzero(seed, sizeof(seed));
		sodium_memzero(sk2, sizeof(sk2));
		if (sodium_memcmp(pk, pk2, 32) != 0) {
			*err = mg_strf("%s: the key's two halves do not belong together", path);
			mg_sign_key_free(k);
			return NULL;
		}
	}
	return k;
}

void mg_sign_key_free(mg_sign_key *k)
{
	if (!k)
		return;
	sodium_memzero(k->sk, sizeof(k->sk));
	munmap(k, k->page);
}

void mg_sign_key_sign(const mg_sign_key *k, const void *msg, size_t len, unsigned char sig[64])
{
	crypto_sign_detached(sig, NULL, msg, len, k->sk);
}

void mg_sign_key_public(const mg_sign_key *k, unsigned char pk[32])
{
	crypto_sign_ed25519_sk_to_pk(pk, k->sk);
}

int mg_sign_public_load(const char *given, unsigned char pk[32], char **err)
{
	unsigned char sk[64];
	size_t n = 0;

	*err = NULL;
	if (sodium_init() < 0) {
		*err = mg_strf("libsodium could not be initialised");
		return -1;
	}
	if (sodium_hex2bin(pk, 32, given, strlen(given), NULL, &n, NULL) == 0 && n == 32)
		return 0;
	if (mg_key_read_hex(given, pk, 32) == 0)
		return 0;
	if (mg_key_read_hex(given, sk, 64) == 0) {
		crypto_sign_ed25519_sk_to_pk(pk, sk);
		sodium_memzero(sk, sizeof(sk));
		return 0;
	}
	*err = mg_strf("%s: neither a public key in hex nor a file holding one", given);
	return -1;
}
