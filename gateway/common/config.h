/*
 * config.h - mugai.conf: INI sections and keys (a contract: add, never
 * rename), the embedded defaults, and `-o section.key=value` overrides.
 */
#ifndef MUGAI_CONFIG_H
#define MUGAI_CONFIG_H

#include <stdint.h>

#include "mugai.h"

typedef struct mg_config {
	char *smtp_listen;
	uint64_t smtp_max_size;
	char *relay_next_hop;
	char *drop_inbox;
	char *drop_outbox;
	char *quarantine_dir;
	char *quarantine_index;
	char *quarantine_store;
	char *admin_listen;
	unsigned workers_count;
	unsigned workers_timeout;
	uint64_t workers_memory;
	char *clamd_socket;
	/* the services (smtpd, transports, dropd, clamd) */
	char *smtp_hostname;
	unsigned smtp_max_recipients;
	unsigned smtp_timeout;
	unsigned smtp_data_timeout;
	char *smtp_tls_cert;
	char *smtp_tls_key;
	char *smtp_notice;
	unsigned relay_timeout;
	char *relay_tls;
	char *relay_tls_ca;
	unsigned clamd_timeout;
	uint64_t clamd_max_size;
	unsigned drop_rescan;
	unsigned drop_settle;
	unsigned drop_claim_timeout;
	/* the review UI (admind, mugai web) */
	char *admin_secure_cookies;
	char *admin_metrics_public;
	unsigned admin_session_idle;
	unsigned admin_session_max;
	char *admin_allowed_hosts;
	char *quarantine_self_approval;
	/* PPAP: unlock links for the recipients */
	char *admin_public_url;
	unsigned ppap_link_ttl;
	char *ppap_enabled;
	char *ppap_mask_password;
	unsigned ppap_window;
	char *api_listen;
	uint64_t api_max_size;
	unsigned api_rate;
	unsigned api_concurrency;
	uint64_t api_async_size;
	/* signed checkpoints of the audit chain */
	unsigned audit_checkpoint_interval;
	char *audit_checkpoint_file;
	char *audit_checkpoint_key;
	/* signed reports (report_sign.h) */
	char *report_signing_key;
	/* the master (mugaid) and the log */
	char *daemon_user;
	char *daemon_directory;
	char *daemon_pid_file;
	char *daemon_node;
	unsigned daemon_drain_timeout;
	unsigned workers_cpu;
	char *log_target;
	char *log_level;
	mg_policy *policy;
	struct mg_banks *banks;    /* [policy:NAME] and [rules] (banks.h) */
} mg_config;

/* Embedded defaults only. */
mg_config *mg_config_new(void);
/* Reads FILE (NULL: defaults only); 0 or -1 with *err to free(). */
int mg_config_load(mg_config *c, const char *path, char **err);
/* One "section.key=value" override, as given to -o. */
int mg_config_override(mg_config *c, const char *assignment, char **err);
void mg_config_free(mg_config *c);
/* The whole configuration as INI with a comment per key. */
char *mg_config_describe(const mg_config *c);
/* config_check.c: what the values mean, as start-up would find it (every
 * address, path and URI); 0, or -1 with *err naming the key (free()). */
int mg_config_check(const mg_config *c, char **err);
/* The user mugaid's services run as when started as root: daemon.user,
 * or nobody when that is the default mugai and it was never created;
 * NULL when daemon.user names no user. */
const char *mg_config_run_user(const mg_config *c);
/* ppap.enabled is yes and ppap.window is not zero. */
int mg_config_ppap(const mg_config *c);
/* quarantine.self_approval as a truth value (off unless yes). */
int mg_config_self_approval(const mg_config *c);

/* Parses the options every config-reading command shares: -c FILE and
 * -o section.key=value (repeatable).  Consumes them from argv (compacting
 * it); returns the loaded config or NULL after printing the error. */
mg_config *mg_config_from_args(int *argc, char **argv);

#endif
