/*
 * config.c - the configuration table.  Each key is described once: its
 * section and name, kind, embedded default and help text.  [policy] keys
 * go to the core's policy, which has its own table.
 */
#include <errno.h>
#include <stdarg.h>
#include <ini.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "banks.h"
#include "buf.h"
#include "config.h"
#include "log.h"
#include "quarantine.h"
#include "web.h"

enum kind { K_STR, K_SIZE, K_SECONDS, K_COUNT };

static const struct key {
	const char *section, *name;
	enum kind kind;
	size_t offset;
	const char *def;
	const char *help;
} keys[] = {
#define F(m) offsetof(struct mg_config, m)
	{ "smtp", "listen", K_STR, F(smtp_listen), "127.0.0.1:2525", "SMTP listening address" },
	{ "smtp", "max_size", K_SIZE, F(smtp_max_size), "50M", "largest message accepted" },
	{ "smtp", "hostname", K_STR, F(smtp_hostname), "", "name in the greeting, EHLO and Received:; empty: the host's name" },
	{ "smtp", "max_recipients", K_COUNT, F(smtp_max_recipients), "100", "recipients of one message" },
	{ "smtp", "timeout", K_SECONDS, F(smtp_timeout), "300s", "wait for one SMTP command or data bytes" },
	{ "smtp", "data_timeout", K_SECONDS, F(smtp_data_timeout), "600s", "longest the DATA phase of one message may last" },
	{ "smtp", "tls_cert", K_STR, F(smtp_tls_cert), "", "PEM certificate chain for STARTTLS; empty: no STARTTLS" },
	{ "smtp", "tls_key", K_STR, F(smtp_tls_key), "", "PEM private key for STARTTLS" },
	{ "smtp", "notice", K_STR, F(smtp_notice), "", "template of the notice sent for a blocked mail; empty: built-in Japanese and English" },
	{ "relay", "next_hop", K_STR, F(relay_next_hop), "dir:var/outbox/mail", "smtp:HOST:PORT or dir:PATH" },
	{ "relay", "timeout", K_SECONDS, F(relay_timeout), "300s", "next hop: connect and each reply" },
	{ "relay", "tls", K_STR, F(relay_tls), "no", "STARTTLS to the next hop: no, may (opportunistic) or yes (required, verified)" },
	{ "relay", "tls_ca", K_STR, F(relay_tls_ca), "", "CA file verifying the next hop with relay.tls=yes; empty: the system's" },
	{ "drop", "inbox", K_STR, F(drop_inbox), "var/inbox", "drop folder input" },
	{ "drop", "outbox", K_STR, F(drop_outbox), "var/outbox/files", "drop folder output" },
	{ "drop", "rescan", K_SECONDS, F(drop_rescan), "30s", "full rescan of the inbox, for events inotify misses (NFS)" },
	{ "drop", "settle", K_SECONDS, F(drop_settle), "5s", "a file found by a rescan is taken once unchanged this long" },
	{ "drop", "claim_timeout", K_SECONDS, F(drop_claim_timeout), "10m", "another node's claim on an inbox file (inbox/.claims/NODE) is taken over once this old and its lease in the index expired; longer than an item's longest run" },
	{ "quarantine", "dir", K_STR, F(quarantine_dir), "var/quarantine", "where originals are kept" },
	{ "quarantine", "self_approval", K_STR, F(quarantine_self_approval), "no", "yes allows the one exception to the two-person rule (北海道 情報セキュリティ対策基準 第6条第2項): where no other approver exists, the requester approves their own request, with a reason, marked as an exception in the audit log and the UI" },
	{ "quarantine", "index", K_STR, F(quarantine_index), "sqlite:var/quarantine/index.db", "sqlite:PATH or a postgresql:// URI" },
	{ "quarantine", "store", K_STR, F(quarantine_store), "index", "where originals are kept: index (chunk rows in the index's database, written in the transaction of the item's row: one fsync before the 250; originals an earlier dir store left under quarantine.dir are still read there), dir (files under quarantine.dir, this node only) or postgresql (index, and the index must be postgresql://, seen by every node)" },
	{ "admin", "listen", K_STR, F(admin_listen), "127.0.0.1:8025", "review UI and /metrics" },
	{ "admin", "secure_cookies", K_STR, F(admin_secure_cookies), "no", "yes when the review UI is reached over TLS (a proxy): cookies get the Secure flag" },
	{ "admin", "metrics_public", K_STR, F(admin_metrics_public), "yes", "serve /metrics without a login (keep admin.listen on an admin network); no: only to a signed-in user" },
	{ "admin", "session_idle", K_SECONDS, F(admin_session_idle), "30m", "a review UI session ends after this long without a request" },
	{ "admin", "allowed_hosts", K_STR, F(admin_allowed_hosts), "", "Host names the review UI answers, comma separated NAME or NAME:PORT ([IPv6]:PORT); any other Host (DNS rebinding) gets 400; empty: the admin.listen address, localhost, 127.0.0.1 and [::1]" },
	{ "admin", "public_url", K_STR, F(admin_public_url), "", "the review UI's address as the recipients reach it (http:// or https://HOST[:PORT][/PATH]): unlock links in PPAP notices and drop-folder reports are made from it; empty: no links" },
	{ "admin", "session_max", K_SECONDS, F(admin_session_max), "12h", "a review UI session ends this long after login" },
	{ "ppap", "enabled", K_STR, F(ppap_enabled), "yes", "pair a password-protected attachment with the password mail from the same sender: the mail is delivered at once without it, the attachment follows opened and sanitised when the password arrives" },
	{ "ppap", "window", K_SECONDS, F(ppap_window), "30m", "how long before and after a password-protected attachment a mail from the same sender to an overlapping set of recipients may carry its password; after it the recipients get a last notice and the original stays quarantined for review" },
	{ "ppap", "mask_password", K_STR, F(ppap_mask_password), "no", "yes: the passwords found in a password mail are masked with asterisks in its delivered copy (its original in the quarantine is kept unaltered)" },
	{ "ppap", "link_ttl", K_SECONDS, F(ppap_link_ttl), "7d", "an unlock link (/unlock/TOKEN) works this long, at most 365d; it dies at its first success" },
	{ "api", "listen", K_STR, F(api_listen), "", "REST API (POST /api/v1/sanitize ...) HOST:PORT, served by the apid service; empty: no API" },
	{ "api", "max_size", K_SIZE, F(api_max_size), "25M", "largest file one API call may send; larger ones get 413" },
	{ "api", "rate", K_COUNT, F(api_rate), "60", "calls per minute one token may make; more get 429 with Retry-After" },
	{ "api", "concurrency", K_COUNT, F(api_concurrency), "2", "calls of one token in progress at once; more get 429" },
	{ "api", "async_size", K_SIZE, F(api_async_size), "5M", "a file larger than this is answered 202 with Location: /api/v1/items/ID and sanitised in the background; its artefact is then at /api/v1/items/ID/artefact" },
	{ "workers", "count", K_COUNT, F(workers_count), "0", "sandboxed workers; 0 means two per core" },
	{ "workers", "timeout", K_SECONDS, F(workers_timeout), "60s", "wall-clock limit of one job" },
	{ "workers", "memory", K_SIZE, F(workers_memory), "1G", "address-space limit of one worker" },
	{ "workers", "cpu", K_SECONDS, F(workers_cpu), "0s", "CPU time of one job (RLIMIT_CPU); 0: workers.timeout" },
	{ "daemon", "user", K_STR, F(daemon_user), "mugai", "unprivileged user mugaid runs as when started as root; the default falls back to nobody if user mugai does not exist" },
	{ "daemon", "directory", K_STR, F(daemon_directory), "", "relative paths in this file are relative to it; empty: where mugaid was started" },
	{ "daemon", "node", K_STR, F(daemon_node), "", "this node's name, recorded on every item and audit entry it writes, shown in the review UI and the CLI, a field of every log line and a label on every metric; 1-64 of [A-Za-z0-9._-]; empty: the host name" },
	{ "daemon", "pid_file", K_STR, F(daemon_pid_file), "", "file holding the master's pid, locked while it runs; empty: none" },
	{ "daemon", "drain_timeout", K_SECONDS, F(daemon_drain_timeout), "30s", "on stop or reload, how long a service may finish its current item before it is killed" },
	{ "log", "target", K_STR, F(log_target), "", "stderr, syslog or syslog:FACILITY (mail, daemon, local0..local7); empty: stderr with -f, else syslog" },
	{ "log", "level", K_STR, F(log_level), "info", "lowest level logged: debug, info, warning or error" },
	{ "audit", "checkpoint_interval", K_SECONDS, F(audit_checkpoint_interval), "1h", "how often admind signs the audit chain's head (Ed25519) into audit.checkpoint_file and syslog; 0: only on demand (mugai quarantine checkpoint)" },
	{ "audit", "checkpoint_file", K_STR, F(audit_checkpoint_file), "var/quarantine/audit-checkpoints.jsonl", "signed checkpoints are appended here, one JSON line each; keep a copy off this machine; empty: syslog only" },
	{ "audit", "checkpoint_key", K_STR, F(audit_checkpoint_key), "var/quarantine/audit-checkpoint.key", "Ed25519 secret key signing the checkpoints, made on first use (0600); its public half is written beside it as .pub" },
	{ "report", "signing_key", K_STR, F(report_signing_key), "", "Ed25519 secret key (made by mugai keygen, 0600) signing every item's report and the X-Mugai-Report marker of delivered mails; checked with mugai report verify and its public half (FILE.pub); empty: reports are not signed" },
	{ "clamd", "socket", K_STR, F(clamd_socket), "", "clamd socket, empty for no malware scan" },
	{ "clamd", "timeout", K_SECONDS, F(clamd_timeout), "60s", "one malware scan" },
	{ "clamd", "max_size", K_SIZE, F(clamd_max_size), "25M", "largest item sent to clamd (keep at or below its StreamMaxLength); larger ones are blocked" },
#undef F
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static int set_key(mg_config *c, const struct key *k, const char *value, char **err)
{
	void *field = (char *)c + k->offset;
	uint64_t v = 0;
	int rc = 0;

	switch (k->kind) {
	case K_STR: {
		char *dup = strdup(value);

		if (!dup)
			return -1;
		free(*(char **)field);
		*(char **)field = dup;
		return 0;
	}
	case K_SIZE:
		rc = mg_parse_size(value, &v);
		break;
	case K_SECONDS:
		rc = mg_parse_seconds(value, &v);
		break;
	case K_COUNT:
		rc = mg_parse_count(value, &v);
		break;
	}
	if (rc < 0 || (k->kind == K_COUNT && v > 1000000) ||
	    (k->kind == K_SECONDS && v > 365 * 86400)) {
		*err = mg_strf("%s.%s: bad value '%s'", k->section, k->name, value);
		return -1;
	}
	if (k->kind == K_SIZE)
		*(uint64_t *)field = v;
	else
		*(unsigned *)field = (unsigned)v;
	return 0;
}

/* Keys whose text must be one of a few forms: refused when read, so that
 * check-config catches them and not the daemon at its first log line. */
static int check_value(const struct key *k, const char *value, char **err)
{
	mg_log_level level;

	if (strcmp(k->section, "log") == 0 && strcmp(k->name, "target") == 0 && *value &&
	    mg_log_target_check(value) < 0) {
		*err = mg_strf("log.target: bad value '%s' (stderr, syslog or syslog:FACILITY)", value);
		return -1;
	}
	if (strcmp(k->section, "admin") == 0 && strcmp(k->name, "allowed_hosts") == 0 &&
	    mw_hosts_check(value, err) < 0)
		return -1;
	if (strcmp(k->section, "admin") == 0 && strcmp(k->name, "public_url") == 0 &&
	    mq_public_url_check(value, err) < 0)
		return -1;
	if (strcmp(k->section, "log") == 0 && strcmp(k->name, "level") == 0 &&
	    mg_log_level_parse(value, &level) < 0) {
		*err = mg_strf("log.level: bad value '%s' (debug, info, warning or error)", value);
		return -1;
	}
	return 0;
}

static int config_set(mg_config *c, const char *section, const char *name, const char *value,
                      char **err)
{
	*err = NULL;
	if (strcmp(section, "policy") == 0)
		return mg_policy_set(c->policy, name, value, err);
	if (strncmp(section, "policy:", 7) == 0)
		return mg_banks_set(c->banks, section + 7, name, value, err);
	if (strcmp(section, "rules") == 0)
		return mg_banks_rule(c->banks, name, value, err);
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].section, section) == 0 && strcmp(keys[i].name, name) == 0)
			return check_value(&keys[i], value, err) < 0 ? -1 : set_key(c, &keys[i], value, err);
	*err = mg_strf("%s.%s: unknown key%s", section, name, "");
	return -1;
}

mg_config *mg_config_new(void)
{
	mg_config *c = calloc(1, sizeof(*c));
	char *err = NULL;

	if (!c || !(c->policy = mg_policy_new()) || !(c->banks = mg_banks_new()) ||
	    mg_banks_resolve(c->banks, c->policy, &err) < 0) {
		if (c) {
			mg_policy_free(c->policy);
			mg_banks_free(c->banks);
		}
		free(err);
		free(c);
		return NULL;
	}
	for (size_t i = 0; i < NKEYS; i++)
		if (set_key(c, &keys[i], keys[i].def, &err) < 0)
			abort(); /* a broken embedded default is a programming error */
	return c;
}

void mg_config_free(mg_config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < NKEYS; i++)
		if (keys[i].kind == K_STR)
			free(*(char **)((char *)c + keys[i].offset));
	mg_policy_free(c->policy);
	mg_banks_free(c->banks);
	free(c);
}

struct load_state {
	mg_config *c;
	char *err;
};

static int on_ini(void *user, const char *section, const char *name, const char *value)
{
	struct load_state *st = user;

	if (st->err)
		return 0;
	if (mg_banks_section(st->c->banks, section, &st->err) < 0)
		return 0;
	return config_set(st->c, section, name, value, &st->err) == 0;
}

/* The banks from [policy] as it now stands, and the rules' banks known. */
static int resolve_banks(mg_config *c, const char *where, char **err)
{
	char *why = NULL;

	if (mg_banks_resolve(c->banks, c->policy, &why) == 0)
		return 0;
	*err = mg_strf("%s: %s%s", where, why ? why : "out of memory", "");
	free(why);
	return -1;
}

int mg_config_load(mg_config *c, const char *path, char **err)
{
	struct load_state st = { c, NULL };
	int rc;

	*err = NULL;
	if (!path)
		return 0;
	mg_banks_begin_file(c->banks);
	rc = ini_parse(path, on_ini, &st);
	if (rc == -1) {
		*err = mg_strf("%s: %s%s", path, strerror(errno), "");
		return -1;
	}
	if (st.err) {
		char line[24];

		snprintf(line, sizeof(line), "%d", rc);
		*err = mg_strf("%s:%s: %s", path, line, st.err);
		free(st.err);
		return -1;
	}
	if (rc != 0) {
		char line[24];

		snprintf(line, sizeof(line), "%d", rc);
		*err = mg_strf("%s:%s: syntax error%s", path, line, "");
		return -1;
	}
	return resolve_banks(c, path, err);
}

int mg_config_override(mg_config *c, const char *assignment, char **err)
{
	const char *dot = strchr(assignment, '.'), *eq = strchr(assignment, '=');
	char section[64], name[64];

	if (!dot || !eq || dot > eq || (size_t)(dot - assignment) >= sizeof(section) ||
	    (size_t)(eq - dot - 1) >= sizeof(name)) {
		*err = mg_strf("-o %s: expected section.key=value%s%s", assignment, "", "");
		return -1;
	}
	snprintf(section, sizeof(section), "%.*s", (int)(dot - assignment), assignment);
	snprintf(name, sizeof(name), "%.*s", (int)(eq - dot - 1), dot + 1);
	if (config_set(c, section, name, eq + 1, err) < 0)
		return -1;
	return resolve_banks(c, "-o", err);
}

char *mg_config_describe(const mg_config *c)
{
	mg_buf b;
	const char *section = "";
	char *policy;

	mg_buf_init(&b, 1 << 20);
	for (size_t i = 0; i < NKEYS; i++) {
		const struct key *k = &keys[i];
		const void *field = (const char *)c + k->offset;

		if (strcmp(section, k->section) != 0) {
			mg_buf_printf(&b, "%s[%s]\n", b.len ? "\n" : "", k->section);
			section = k->section;
		}
		mg_buf_printf(&b, "# %s (default: %s)\n%s = ", k->help, k->def[0] ? k->def : "empty",
		              k->name);
		if (k->kind == K_STR)
			mg_buf_printf(&b, "%s\n", *(char *const *)field);
		else if (k->kind == K_SIZE)
			mg_buf_printf(&b, "%llu\n", (unsigned long long)*(const uint64_t *)field);
		else
			mg_buf_printf(&b, "%u%s\n", *(const unsigned *)field,
			              k->kind == K_SECONDS ? "s" : "");
	}
	policy = mg_policy_describe(c->policy);
	mg_buf_printf(&b, "\n%s", policy ? policy : "");
	free(policy);
	policy = mg_banks_describe(c->banks);
	mg_buf_printf(&b, "%s", policy ? policy : "");
	free(policy);
	return (char *)mg_buf_steal(&b, NULL);
}

mg_config *mg_config_from_args(int *argc, char **argv)
{
	mg_config *c = mg_config_new();
	const char *path = NULL;
	char *err = NULL;
	int out = 1;

	if (!c) {
		fprintf(stderr, "mugai: out of memory\n");
		return NULL;
	}
	/* first pass: the file, so that -o overrides it wherever -o stands */
	for (int i = 1; i < *argc; i++)
		if (strcmp(argv[i], "-c") == 0 && i + 1 < *argc)
			path = argv[++i];
	if (mg_config_load(c, path, &err) < 0)
		goto fail;
	for (int i = 1; i < *argc; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < *argc) {
			i++;
		} else if (strcmp(argv[i], "-o") == 0 && i + 1 < *argc) {
			if (mg_config_override(c, argv[++i], &err) < 0)
				goto fail;
		} else {
			argv[out++] = argv[i];
		}
	}
	argv[out] = NULL;
	*argc = out;
	return c;
fail:
	fprintf(stderr, "mugai: %s\n", err ? err : "configuration error");
	free(err);
	mg_config_free(c);
	return NULL;
}
