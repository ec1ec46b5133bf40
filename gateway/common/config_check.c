/*
 * config_check.c - what start-up would refuse, refused by `mugaid -t` and
 * `mugai check-config` (and by a reload) before anything runs.
 *
 * The table in config.c checks each value's type; this checks what the
 * values mean: every address parses and resolves as the master will bind
 * it, every URI is one the index accepts, every directory the master
 * creates can be created, every file a service reads at start (TLS
 * certificate and key, CA file, notice template) is there and loads as
 * that service loads it.  A check never binds, connects or creates.
 */
#include <errno.h>
#include <libpq-fe.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "banks.h"
#include "buf.h"
#include "config.h"
#include "internal.h" /* the allow-list reader */
#include "master.h"
#include "sign_key.h"
#include "transport.h"
#include "web.h"

static int fail(char **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(char **err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(err, fmt, ap) < 0)
		*err = NULL;
	va_end(ap);
	return -1;
}

/* path as the daemon will see it: relative to daemon.directory. */
static void resolve(const mg_config *c, const char *path, char *out, size_t size)
{
	if (path[0] != '/' && c->daemon_directory[0])
		snprintf(out, size, "%s/%s", c->daemon_directory, path);
	else
		snprintf(out, size, "%s", path);
}

/* A directory the master creates: it is one, or its nearest existing
 * ancestor is a directory. */
static int check_dir(const mg_config *c, const char *key, const char *path, char **err)
{
	char p[4096];
	struct stat st;

	if (!path[0])
		return fail(err, "%s: empty", key);
	resolve(c, path, p, sizeof(p));
	while (stat(p, &st) < 0) {
		char *slash = strrchr(p, '/');

		if (errno != ENOENT)
			return fail(err, "%s: %s: %s", key, p, strerror(errno));
		if (!slash)
			return 0; /* relative to the working directory, which exists */
		if (slash == p) {
			p[1] = 0;
			continue;
		}
		*slash = 0;
	}
	if (!S_ISDIR(st.st_mode))
		return fail(err, "%s: %s is not a directory", key, p);
	return 0;
}

static int check_parent(const mg_config *c, const char *key, const char *path, char **err)
{
	char dir[4096], *slash;

	if (!path[0])
		return 0;
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash)
		return check_dir(c, key, ".", err);
	if (slash == dir)
		return 0;
	*slash = 0;
	return check_dir(c, key, dir, err);
}

/* A file a service reads at start: there and readable. */
static int check_file(const mg_config *c, const char *key, const char *path, char **err)
{
	char p[4096];
	struct stat st;

	resolve(c, path, p, sizeof(p));
	if (stat(p, &st) < 0)
		return fail(err, "%s: %s: %s", key, p, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return fail(err, "%s: %s is not a file", key, p);
	if (access(p, R_OK) < 0)
		return fail(err, "%s: %s: %s", key, p, strerror(errno));
	return 0;
}

/* As the master binds it: HOST:PORT that resolves, without binding. */
static int check_listen(const char *key, const char *address, char **err)
{
	char *why = NULL;

	if (mg_listen_check(address, &why) < 0) {
		fail(err, "%s: %s", key, why ? why : "bad address");
		free(why);
		return -1;
	}
	return 0;
}

/* A node's name goes into the audit chain, log lines and metric labels. */
static int check_node(const mg_config *c, char **err)
{
	size_t n = strlen(c->daemon_node);

	if (n > 64 ||
	    strspn(c->daemon_node, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != n)
		return fail(err, "daemon.node: 1-64 of A-Z a-z 0-9 . _ -, or empty for the host name; "
		            "got '%.80s'", c->daemon_node);
	return 0;
}

/* Originals in PostgreSQL only beside a PostgreSQL index: the same
 * transaction writes both. */
static int check_store(const mg_config *c, char **err)
{
	if (strcmp(c->quarantine_store, "dir") == 0 || strcmp(c->quarantine_store, "index") == 0)
		return 0;
	if (strcmp(c->quarantine_store, "postgresql") != 0)
		return fail(err, "quarantine.store: expected index, dir or postgresql, got '%s'",
		            c->quarantine_store);
	if (strncmp(c->quarantine_index, "postgresql://", 13) != 0 &&
	    strncmp(c->quarantine_index, "postgres://", 11) != 0)
		return fail(err, "quarantine.store = postgresql needs a postgresql:// quarantine.index, "
		            "not '%s'", c->quarantine_index);
	return 0;
}

/* The API is off unless api.listen is set; its limits must allow a call. */
static int check_api(const mg_config *c, char **err)
{
	if (!c->api_listen[0])
		return 0;
	if (check_listen("api.listen", c->api_listen, err) < 0)
		return -1;
	if (c->api_rate == 0 || c->api_concurrency == 0 || c->api_max_size == 0)
		return fail(err, "api.rate, api.concurrency and api.max_size must be above 0");
	return 0;
}

static int check_index(const mg_config *c, char **err)
{
	const char *uri = c->quarantine_index;

	if (strncmp(uri, "sqlite:", 7) == 0) {
		if (!uri[7])
			return fail(err, "quarantine.index: sqlite: without a path");
		return check_parent(c, "quarantine.index", uri + 7, err);
	}
	if (strncmp(uri, "postgresql://", 13) == 0 || strncmp(uri, "postgres://", 11) == 0) {
		char *why = NULL;
		PQconninfoOption *o = PQconninfoParse(uri, &why);

		if (!o) {
			fail(err, "quarantine.index: %s", why ? why : "not a PostgreSQL URI");
			PQfreemem(why);
			return -1;
		}
		PQconninfoFree(o);
		return 0;
	}
	return fail(err, "quarantine.index: expected sqlite:PATH or postgresql://..., got '%s'", uri);
}

/* As smtpd and the transport load them. */
static int check_tls(const mg_config *c, char **err)
{
	SSL_CTX *ctx;
	char cert[4096], key[4096];
	int rc = 0;

	if (c->smtp_tls_key[0] && !c->smtp_tls_cert[0])
		return fail(err, "smtp.tls_key is set but smtp.tls_cert is not");
	if (!c->smtp_tls_cert[0])
		return 0;
	if (check_file(c, "smtp.tls_cert", c->smtp_tls_cert, err) < 0 ||
	    (c->smtp_tls_key[0] && check_file(c, "smtp.tls_key", c->smtp_tls_key, err) < 0))
		return -1;
	resolve(c, c->smtp_tls_cert, cert, sizeof(cert));
	resolve(c, c->smtp_tls_key[0] ? c->smtp_tls_key : c->smtp_tls_cert, key, sizeof(key));
	ctx = SSL_CTX_new(TLS_server_method());
	if (!ctx)
		return fail(err, "smtp.tls_cert: cannot create a TLS context");
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		char why[256];

		ERR_error_string_n(ERR_get_error(), why, sizeof(why));
		rc = fail(err, "smtp.tls_cert %s / smtp.tls_key %s: %s", cert, key, why);
	}
	ERR_clear_error();
	SSL_CTX_free(ctx);
	return rc;
}

static int check_relay(const mg_config *c, char **err)
{
	const char *hop = c->relay_next_hop, *tls = c->relay_tls;

	if (strcmp(tls, "no") && strcmp(tls, "none") && strcmp(tls, "may") && strcmp(tls, "yes") &&
	    strcmp(tls, "encrypt"))
		return fail(err, "relay.tls: '%s' is not no, may or yes", tls);
	if (c->relay_tls_ca[0] && check_file(c, "relay.tls_ca", c->relay_tls_ca, err) < 0)
		return -1;
	if (strncmp(hop, "dir:", 4) == 0 && hop[4])
		return check_dir(c, "relay.next_hop", hop + 4, err);
	if (strncmp(hop, "smtp:", 5) == 0) {
		mg_transport_opts o = { .tls = tls, .tls_ca = c->relay_tls_ca };
		const char *port = strrchr(hop, ':');
		mg_transport *t = mg_transport_new(hop, &o, err);

		if (!t)
			return -1;
		mg_transport_free(t);
		if (atoi(port + 1) < 1 || atoi(port + 1) > 65535)
			return fail(err, "relay.next_hop: port %s out of range", port + 1);
		return 0;
	}
	return fail(err, "relay.next_hop: '%s' is neither smtp:HOST:PORT nor dir:PATH", hop);
}

static int check_bool(const char *key, const char *v, char **err)
{
	uint64_t b;

	return mg_parse_bool(v, &b) < 0 ? fail(err, "%s: expected yes or no, not '%s'", key, v) : 0;
}

static int check_daemon(const mg_config *c, char **err)
{
	struct stat st;

	if (c->daemon_directory[0] && stat(c->daemon_directory, &st) < 0)
		return fail(err, "daemon.directory %s: %s", c->daemon_directory, strerror(errno));
	if (c->daemon_directory[0] && !S_ISDIR(st.st_mode))
		return fail(err, "daemon.directory %s: not a directory", c->daemon_directory);
	/* the master creates no directory for its pid file */
	if (c->daemon_pid_file[0] && strchr(c->daemon_pid_file, '/')) {
		char dir[4096], p[4096];

		snprintf(dir, sizeof(dir), "%s", c->daemon_pid_file);
		*strrchr(dir, '/') = 0;
		resolve(c, dir[0] ? dir : "/", p, sizeof(p));
		if (stat(p, &st) < 0 || !S_ISDIR(st.st_mode))
			return fail(err, "daemon.pid_file %s: no directory %s", c->daemon_pid_file, p);
	}
	/* as the master when root: mugai may fall back to nobody, no other */
	if (geteuid() == 0 && !getpwnam(c->daemon_user) && strcmp(c->daemon_user, "mugai") != 0)
		return fail(err, "daemon.user: no user '%s'", c->daemon_user);
	return 0;
}

static int check_clamd(const mg_config *c, char **err)
{
	if (c->clamd_socket[0] && strlen(c->clamd_socket) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return fail(err, "clamd.socket: path longer than a socket's %zu bytes",
		            sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
	return 0;
}

const char *mg_config_run_user(const mg_config *c)
{
	if (getpwnam(c->daemon_user))
		return c->daemon_user;
	if (strcmp(c->daemon_user, "mugai") == 0 && getpwnam("nobody"))
		return "nobody";
	return NULL;
}

int mg_config_ppap(const mg_config *c)
{
	uint64_t b = 0;

	return c->ppap_window > 0 && mg_parse_bool(c->ppap_enabled, &b) == 0 && b != 0;
}

/* Started as root, mugaid's services read the key as the user they run
 * as, and a key mode 0600 is that user's only if it owns it: said here,
 * rather than by every service dying on EACCES. */
static int readable_by_services(const mg_config *c, const char *path, uid_t owner, char **err)
{
	const char *user = geteuid() == 0 ? mg_config_run_user(c) : NULL;
	struct passwd *pw = user ? getpwnam(user) : NULL;

	if (!pw || owner == pw->pw_uid)
		return 0;
	return fail(err, "report.signing_key: %s belongs to uid %u, but mugaid's services run as %s "
	            "and could not read it: chown %s %s", path, (unsigned)owner, user, user, path);
}

/* The report signing key, when set: a key the daemon can load, and
 * readable by nobody else (like ssh's keys). */
static int check_signing_key(const mg_config *c, char **err)
{
	char p[4096], *why = NULL;
	struct stat st;
	mg_sign_key *k;

	if (!c->report_signing_key[0])
		return 0;
	if (check_file(c, "report.signing_key", c->report_signing_key, err) < 0)
		return -1;
	resolve(c, c->report_signing_key, p, sizeof(p));
	if (stat(p, &st) < 0)
		return fail(err, "report.signing_key: %s: %s", p, strerror(errno));
	if (st.st_mode & 077)
		return fail(err, "report.signing_key: %s can be read by others (mode %03o): chmod 600",
		            p, (unsigned)(st.st_mode & 0777));
	if (!(k = mg_sign_key_load(p, &why))) {
		fail(err, "report.signing_key: %s", why ? why : "cannot be loaded");
		free(why);
		return -1;
	}
	mg_sign_key_free(k);
	return readable_by_services(c, p, st.st_uid, err);
}

int mg_config_self_approval(const mg_config *c)
{
	uint64_t b = 0;

	return mg_parse_bool(c->quarantine_self_approval, &b) == 0 && b != 0;
}

/* Each bank's allow_sha256 list reads as the zygote will read it. */
static int check_allow_lists(const mg_config *c, char **err)
{
	for (size_t i = 0; i < mg_banks_count(c->banks); i++) {
		const mg_policy *p = mg_banks_policy(c->banks, i);
		const char *file = mg_policy_allow_file(p);
		char path[4096], *why = NULL;
		mg_allowlist *l;

		if (!file[0])
			continue;
		resolve(c, file, path, sizeof(path));
		if (!(l = mg_allowlist_read(path, &why))) {
			fail(err, "%s%s%s%s", i ? "[policy:" : "", i ? mg_policy_name(p) : "",
			     i ? "] " : "", why ? why : "out of memory");
			free(why);
			return -1;
		}
		mg_allowlist_free(l);
	}
	return 0;
}

int mg_config_check(const mg_config *c, char **err)
{
	*err = NULL;
	if (check_daemon(c, err) < 0 || check_listen("smtp.listen", c->smtp_listen, err) < 0 ||
	    check_listen("admin.listen", c->admin_listen, err) < 0 || check_api(c, err) < 0 ||
	    check_relay(c, err) < 0 ||
	    check_dir(c, "drop.inbox", c->drop_inbox, err) < 0 ||
	    check_dir(c, "drop.outbox", c->drop_outbox, err) < 0 ||
	    check_dir(c, "quarantine.dir", c->quarantine_dir, err) < 0 || check_index(c, err) < 0 ||
	    check_store(c, err) < 0 || check_node(c, err) < 0 ||
	    check_tls(c, err) < 0 ||
	    (c->smtp_notice[0] && check_file(c, "smtp.notice", c->smtp_notice, err) < 0) ||
	    check_bool("admin.secure_cookies", c->admin_secure_cookies, err) < 0 ||
	    check_bool("admin.metrics_public", c->admin_metrics_public, err) < 0 ||
	    check_bool("quarantine.self_approval", c->quarantine_self_approval, err) < 0 ||
	    check_bool("ppap.enabled", c->ppap_enabled, err) < 0 ||
	    check_bool("ppap.mask_password", c->ppap_mask_password, err) < 0 ||
	    check_clamd(c, err) < 0 || check_allow_lists(c, err) < 0 || check_signing_key(c, err) < 0 ||
	    check_parent(c, "audit.checkpoint_file", c->audit_checkpoint_file, err) < 0)
		return -1;
	if (c->policy && mg_policy_check_ocr(c->policy, err) < 0)
		return -1;
	/* a link that is dead when made would only confuse its recipient */
	if (c->ppap_link_ttl == 0)
		return fail(err, "ppap.link_ttl: 0 makes every unlock link dead at once");
	if (!c->audit_checkpoint_key[0])
		return fail(err, "audit.checkpoint_key: empty");
	return check_parent(c, "audit.checkpoint_key", c->audit_checkpoint_key, err);
}
