/*
 * audit_checkpoint.c - where the audit chain's signed checkpoints go.
 *
 * admind takes one every audit.checkpoint_interval, `mugai quarantine
 * checkpoint` on demand.  Each is appended (and fsynced) to
 * audit.checkpoint_file and sent to syslog (authpriv), so a copy leaves
 * the machine with the rest of the security log: whoever rewrites the
 * index must also reach those.  The Ed25519 key is made on first use
 * (audit.checkpoint_key, mode 0600, the public half beside it as .pub)
 * and belongs to daemon.user, whoever made it.
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "audit_checkpoint.h"
#include "log.h"
#include "sign_key.h"

/* A file root made for the daemon: handed to daemon.user. */
static void give_to_daemon(const mg_config *c, int fd)
{
	struct passwd *pw;

	if (geteuid() != 0 || !(pw = getpwnam(c->daemon_user)))
		return;
	if (fchown(fd, pw->pw_uid, pw->pw_gid) < 0)
		mg_log_warn("cannot give a checkpoint file to %s: %s", c->daemon_user, strerror(errno));
}

/* Writes all of text to a new file (exclusive), fsynced; 0 or -1. */
static int write_new(const mg_config *c, const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	size_t len = strlen(text);
	int rc = -1;

	if (fd < 0)
		return -1;
	give_to_daemon(c, fd);
	if (write(fd, text, len) == (ssize_t)len && fsync(fd) == 0)
		rc = 0;
	close(fd);
	return rc;
}

static int make_key(const mg_config *c, unsigned char sk[64], char **err)
{
	unsigned char pk[32];
	char line[130], pub[512];

	crypto_sign_keypair(pk, sk);
	sodium_bin2hex(line, 129, sk, 64);
	strcpy(line + 128, "\n");
	if (write_new(c, c->audit_checkpoint_key, line, 0600) < 0) {
		sodium_memzero(line, sizeof(line));
		*err = mg_strf("audit.checkpoint_key %s: %s", c->audit_checkpoint_key, strerror(errno));
		return -1;
	}
	sodium_memzero(line, sizeof(line));
	sodium_bin2hex(line, 65, pk, 32);
	strcpy(line + 64, "\n");
	snprintf(pub, sizeof(pub), "%s.pub", c->audit_checkpoint_key);
	if (write_new(c, pub, line, 0644) < 0 && errno != EEXIST)
		mg_log_warn("cannot write %s: %s", pub, strerror(errno));
	line[64] = 0;
	mg_log_item(MG_LOG_INFO, NULL, json_pack("{s:s,s:s}", "event", "audit_key_created", "key", line),
	            "audit checkpoint key created in %s; public key %s (keep a copy elsewhere)",
	            c->audit_checkpoint_key, line);
	return 0;
}

int mg_checkpoint_secret(const mg_config *c, int create, unsigned char sk[64], char **err)
{
	if (sodium_init() < 0) {
		*err = mg_strf("libsodium could not be initialised");
		return -1;
	}
	if (!c->audit_checkpoint_key[0]) {
		*err = mg_strf("audit.checkpoint_key is empty");
		return -1;
	}
	if (mg_key_read_hex(c->audit_checkpoint_key, sk, 64) == 0)
		return 0;
	if (errno == ENOENT && create)
		return make_key(c, sk, err);
	*err = mg_strf("audit.checkpoint_key %s: %s", c->audit_checkpoint_key,
	               errno == ENOENT ? "no such file (no checkpoint taken yet?)" : "not a key");
	return -1;
}

int mg_checkpoint_public(const mg_config *c, const char *given, unsigned char pk[32], char **err)
{
	unsigned char sk[64];
	char pub[512];
	size_t n = 0;

	if (sodium_init() < 0) {
		*err = mg_strf("libsodium could not be initialised");
		return -1;
	}
	if (given && *given) {
		/* the hex itself, or a file holding it */
		if (sodium_hex2bin(pk, 32, given, strlen(given), NULL, &n, NULL) == 0 && n == 32)
			return 0;
		if (mg_key_read_hex(given, pk, 32) == 0)
			return 0;
		*err = mg_strf("--key %s: neither a public key in hex nor a file holding one", given);
		return -1;
	}
	snprintf(pub, sizeof(pub), "%s.pub", c->audit_checkpoint_key);
	if (mg_key_read_hex(pub, pk, 32) == 0)
		return 0;
	if (mg_checkpoint_secret(c, 0, sk, err) < 0)
		return -1;
	crypto_sign_ed25519_sk_to_pk(pk, sk);
	sodium_memzero(sk, sizeof(sk));
	return 0;
}

static int append_line(const mg_config *c, const char *line, char **err)
{
	int fd = open(c->audit_checkpoint_file, O_WRONLY | O_APPEND | O_CLOEXEC);
	size_t len = strlen(line);
	int rc = -1;

	if (fd < 0 && errno == ENOENT) {
		fd = open(c->audit_checkpoint_file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
		if (fd >= 0)
			give_to_daemon(c, fd);
	}
	if (fd < 0) {
		*err = mg_strf("audit.checkpoint_file %s: %s", c->audit_checkpoint_file, strerror(errno));
		return -1;
	}
	if (write(fd, line, len) == (ssize_t)len && write(fd, "\n", 1) == 1 && fsync(fd) == 0)
		rc = 0;
	else
		*err = mg_strf("audit.checkpoint_file %s: %s", c->audit_checkpoint_file, strerror(errno));
	close(fd);
	return rc;
}

int mg_audit_checkpoint(const mg_config *c, mq_store *s, char **line, char **err)
{
	unsigned char sk[64];
	char *cp = NULL;
	int rc;

	*err = NULL;
	if (line)
		*line = NULL;
	if (mg_checkpoint_secret(c, 1, sk, err) < 0)
		return -1;
	rc = mq_checkpoint_take(s, sk, &cp, err);
	sodium_memzero(sk, sizeof(sk));
	if (rc != MQ_OK)
		return -1;
	syslog(LOG_AUTHPRIV | LOG_NOTICE, "mugai audit checkpoint %s", cp);
	if (c->audit_checkpoint_file[0] && append_line(c, cp, err) < 0) {
		free(cp);
		return -1;
	}
	mg_log_item(MG_LOG_INFO, NULL, json_pack("{s:s,s:o*}", "event", "audit_checkpoint", "checkpoint",
	                                         json_loads(cp, 0, NULL)),
	            "audit checkpoint written");
	if (line)
		*line = cp;
	else
		free(cp);
	return 0;
}
