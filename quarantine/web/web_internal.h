/*
 * web_internal.h - what the files of the review UI share: requests and
 * responses independent of the HTTP library (so the routes are testable
 * without a socket), sessions and CSRF tokens, the login rate limit, the
 * HTML writer and the pages.
 */
#ifndef MUGAI_WEB_INTERNAL_H
#define MUGAI_WEB_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "i18n.h"
#include "web.h"

#define MW_TOKEN_BYTES 32                   /* session ids and CSRF tokens: 256 bits */
#define MW_TOKEN_HEX (2 * MW_TOKEN_BYTES)
#define MW_MAX_ARGS 32                      /* query or form fields */
#define MW_MAX_FIELD 8192                   /* one value */
#define MW_MAX_BODY (64 * 1024)             /* one POST body */
#define MW_MAX_PAGE (8u << 20)              /* one generated page */
#define MW_PAGE_SIZE 50                     /* items per list page */
#define MW_AUDIT_PAGE 100                   /* entries per audit page */
#define MW_LOGIN_FAILURES 5                 /* failed logins allowed ... */
#define MW_LOGIN_WINDOW 300                 /* ... per this many seconds */

#define MW_UNLOCK_TOKEN_FAILURES 5          /* wrong passwords per unlock link ... */
#define MW_UNLOCK_IP_FAILURES 20            /* ... and per client address ... */
#define MW_UNLOCK_WINDOW 900                /* ... per this many seconds */
#define MW_UNLOCK_FILES 16                  /* unlocked files kept for download ... */
#define MW_UNLOCK_FILE_TTL 900              /* ... this many seconds */

#define MW_COOKIE_SESSION "mugai_session"
#define MW_COOKIE_LOGIN "mugai_login"        /* the CSRF token of the forms without a
                                                session: login and unlock */

/* --- query and form arguments -------------------------------------------- */

typedef struct mw_kv {
	char *key;
	char *value;
	size_t len;
} mw_kv;

typedef struct mw_args {
	mw_kv kv[MW_MAX_ARGS];
	size_t n;
	bool overflow; /* a field or a value past the limits was dropped */
} mw_args;

/* Appends to the value of key (created when new): form data arrives in
 * pieces.  -1 (and overflow set) past MW_MAX_ARGS or MW_MAX_FIELD. */
int mw_args_add(mw_args *a, const char *key, const char *data, size_t len);
/* The value, or NULL when absent. */
const char *mw_arg(const mw_args *a, const char *key);
void mw_args_free(mw_args *a);

/* --- tokens and sessions ------------------------------------------------- */

/* 32 random bytes (libsodium) as 64 lowercase hex digits. */
void mw_token_new(char out[MW_TOKEN_HEX + 1]);
/* Exactly 64 lowercase hex digits. */
bool mw_token_wellformed(const char *s);
/* Constant-time comparison (sodium_memcmp); false unless both are well
 * formed and equal. */
bool mw_token_equal(const char *want, const char *got);

typedef enum mw_flash { MW_FLASH_NONE = 0, MW_FLASH_OK, MW_FLASH_ERR } mw_flash;

typedef struct mw_session {
	char id[MW_TOKEN_HEX + 1];
	char csrf[MW_TOKEN_HEX + 1];
	char user[65];
	mq_role role;
	mw_lang lang;
	int64_t created, seen;
} mw_session;

typedef struct mw_sessions mw_sessions;

/* At most max sessions (the oldest is evicted past it); a session ends
 * after idle seconds without a request or absolute seconds after login. */
mw_sessions *mw_sessions_new(unsigned max, unsigned idle, unsigned absolute);
void mw_sessions_free(mw_sessions *ss);
/* A new session with fresh random id and CSRF token.  0 or -1. */
int mw_session_create(mw_sessions *ss, const char *user, mq_role role, mw_lang lang, int64_t now,
                      mw_session *out);
/* Looks the id up (constant-time per entry), ends it when expired, else
 * marks it seen and copies it.  0 when live, -1 otherwise. */
int mw_session_get(mw_sessions *ss, const char *id, int64_t now, mw_session *out);
void mw_session_set_lang(mw_sessions *ss, const char *id, mw_lang lang);
void mw_session_drop(mw_sessions *ss, const char *id);
/* Ends every session of a user (password changed elsewhere, disabled). */
void mw_session_drop_user(mw_sessions *ss, const char *user, const char *except_id);
/* One message shown once on the next page (after a redirect). */
void mw_session_flash_set(mw_sessions *ss, const char *id, mw_flash kind, const char *text);
mw_flash mw_session_flash_take(mw_sessions *ss, const char *id, char *text, size_t size);
unsigned mw_sessions_live(mw_sessions *ss, int64_t now);

/* --- login rate limit ---------------------------------------------------- */

typedef struct mw_ratelimit mw_ratelimit;

/* max_failures within window seconds, tracked for at most slots keys. */
mw_ratelimit *mw_ratelimit_new(unsigned max_failures, unsigned window, size_t slots);
void mw_ratelimit_free(mw_ratelimit *rl);
/* 0 when key may try now, else the seconds until it may. */
unsigned mw_ratelimit_check(mw_ratelimit *rl, const char *key, int64_t now);
void mw_ratelimit_fail(mw_ratelimit *rl, const char *key, int64_t now);
void mw_ratelimit_clear(mw_ratelimit *rl, const char *key);

/* --- requests and responses ---------------------------------------------- */

typedef struct mw_request {
	const char *method;          /* "GET", "HEAD", "POST" ... */
	const char *path;            /* decoded path, without the query */
	mw_args query, form;
	const char *cookie_session;  /* may be NULL */
	const char *cookie_login;
	const char *accept_language;
	const char *ip;              /* the peer, for the rate limit and the log */
	const char *host;            /* the Host header; NULL when absent */
	int64_t now;
	bool body_too_large;
	/* set while routing */
	bool authed;
	mw_session sess;
	mw_lang lang;
} mw_request;

/* Generated HTML or text: a failed append (past MW_MAX_PAGE) is sticky,
 * and a failed page becomes a 500, never a truncated page. */
typedef struct mw_out {
	mg_buf b;
	bool failed;
} mw_out;

typedef struct mw_response {
	unsigned status;
	const char *content_type;
	mw_out body;
	unsigned char *blob;       /* a download, instead of body (free()d) */
	size_t blob_len;
	char location[640];        /* a redirect */
	char cookies[3][320];
	size_t ncookies;
	char disposition[160];
	char allow[32];            /* 405 */
	unsigned retry_after;      /* 429 */
	bool cacheable;            /* static asset */
} mw_response;

void mw_response_init(mw_response *r);
void mw_response_free(mw_response *r);

struct MHD_Daemon;

struct mw_server {
	mq_store *store;
	mw_options opt;
	mw_sessions *sessions;
	mw_ratelimit *rl_ip, *rl_user;
	struct MHD_Daemon *mhd;
	pthread_mutex_t stats_lock;
	uint64_t responses[6];     /* by class: [2] = 2xx ... */
	uint64_t logins, login_failures, rate_limited, csrf_refused;
	mw_ratelimit *rl_unlock_token, *rl_unlock_ip; /* wrong unlock passwords */
	struct mw_unlock_files *unlocked; /* sanitised files for download (web_unlock_files.c) */
	uint64_t unlocks, unlock_failures;
	char *public_url;          /* copied from the options; NULL: no links issued here */
	char **hosts;              /* the Host names answered (web_host.c) */
	size_t nhosts;
};

/* web_host.c: the allowed Host names from admin.allowed_hosts, or when it
 * is empty from the listen address plus localhost, 127.0.0.1 and [::1];
 * whether a request's Host header is one of them (NULL: no). */
int mw_hosts_init(mw_server *srv, const char *allowed, const char *listen, char **err);
bool mw_host_allowed(const mw_server *srv, const char *header);
void mw_hosts_free(mw_server *srv);

/* A line for the operator's log through the caller's logger, if any. */
void mw_log(mw_server *srv, bool warning, const char *item_id, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Routes and answers one request (no I/O but the store's). */
void mw_handle(mw_server *srv, mw_request *req, mw_response *resp);

typedef enum mw_route_id {
	MW_R_NOT_FOUND = 0,
	MW_R_BAD,          /* a malformed path: dot segments, bad item id ... */
	MW_R_ROOT,
	MW_R_LOGIN,
	MW_R_LOGOUT,
	MW_R_ITEMS,
	MW_R_ITEM,
	MW_R_ITEM_ORIGINAL,
	MW_R_ITEM_ACTION,
	MW_R_AUDIT,
	MW_R_ACCOUNT,
	MW_R_ACCOUNT_LANG,
	MW_R_ACCOUNT_PASSWORD,
	MW_R_CSS,
	MW_R_HEALTHZ,
	MW_R_METRICS,
	MW_R_DASHBOARD,
	MW_R_ITEMS_CSV,
	MW_R_AUDIT_CSV,
	MW_R_UNLOCK,       /* /unlock/TOKEN */
	MW_R_UNLOCK_FILE,  /* /unlock/file/ID */
} mw_route_id;

typedef struct mw_route {
	mw_route_id id;
	char item[40];
	char action[16]; /* request | approve | approve_self | deny | delete */
	char token[72];  /* unlock: the link's token, or a download's id */
} mw_route;

/* Pure: the route a decoded path names. */
void mw_route_parse(const char *path, mw_route *r);

/* --- writing HTML -------------------------------------------------------- */

void mw_out_init(mw_out *o);
/* Trusted markup. */
void mw_raw(mw_out *o, const char *s);
void mw_rawf(mw_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Text or attribute value: & < > " ' escaped, invalid UTF-8 replaced,
 * control characters other than tab and newline dropped. */
void mw_esc(mw_out *o, const char *s);
void mw_esc_n(mw_out *o, const char *s, size_t n);
/* A catalog string, escaped. */
void mw_tr(mw_out *o, mw_lang lang, mw_msg m);
/* A catalog template with {1}..{9} replaced by escaped args. */
void mw_trf(mw_out *o, mw_lang lang, mw_msg m, const char *const *args, size_t nargs);
/* The same, as plain text into out (truncated to size); for flashes. */
void mw_text(char *out, size_t size, mw_lang lang, mw_msg m, const char *const *args, size_t nargs);
/* A query-string value, percent-encoded (then safe in an attribute). */
void mw_urlenc(mw_out *o, const char *s);
/* Local time "2024-05-01 09:00:00"; the NONE mark for 0. */
void mw_time(mw_out *o, mw_lang lang, int64_t t);
/* A size for people: "512 B", "12.3 KB". */
void mw_size(mw_out *o, uint64_t n);
/* A word of the store's vocabulary in the catalog, else as it is. */
void mw_word(mw_out *o, mw_lang lang, const char *kind, const char *word);
/* <span class="badge KIND-WORD">...</span> */
void mw_badge(mw_out *o, mw_lang lang, const char *kind, const char *word);

/* The common frame of every page: head, header bar, navigation, flash. */
void mw_page_begin(mw_server *srv, mw_request *req, mw_response *resp, const char *title);
void mw_page_end(mw_response *resp);
/* <input type="hidden" name="csrf" ...> of the session. */
void mw_csrf_field(mw_out *o, const mw_request *req);

void mw_redirect(mw_response *resp, const char *location);
/* Set-Cookie: HttpOnly, SameSite=Strict, Path=/, Secure behind TLS; a
 * session cookie (no Max-Age), or an expired one when expire is set. */
void mw_set_cookie(const mw_server *srv, mw_response *resp, const char *name, const char *value,
                   bool expire);
void mw_error_page(mw_server *srv, mw_request *req, mw_response *resp, unsigned status,
                   mw_msg msg);
/* The store's message for a refusal or failure, as a flash on the session. */
void mw_flash_store(mw_server *srv, mw_request *req, int rc, const char *err);

/* --- pages ---------------------------------------------------------------- */

void mw_page_login(mw_server *srv, mw_request *req, mw_response *resp);
void mw_do_logout(mw_server *srv, mw_request *req, mw_response *resp);
void mw_page_list(mw_server *srv, mw_request *req, mw_response *resp);
/* The list page's filters (status, channel, verdict, q) from the query,
 * unknown values dropped; limit and offset 0. */
void mw_list_filter(const mw_request *req, mq_filter *f);
void mw_page_dashboard(mw_server *srv, mw_request *req, mw_response *resp);
/* web_csv.c: UTF-8 with a BOM, every cell quoted (RFC 4180), a cell that
 * Excel would take for a formula (= + - @ tab CR first) behind a '. */
#define MW_MAX_CSV (64u << 20)
void mw_csv_cell(mw_out *b, const char *s, bool first);
void mw_export_items(mw_server *srv, mw_request *req, mw_response *resp);
void mw_export_audit(mw_server *srv, mw_request *req, mw_response *resp);
void mw_page_item(mw_server *srv, mw_request *req, mw_response *resp, const char *id);
void mw_do_item_action(mw_server *srv, mw_request *req, mw_response *resp, const char *id,
                       const char *action);
void mw_do_download(mw_server *srv, mw_request *req, mw_response *resp, const char *id);
void mw_page_audit(mw_server *srv, mw_request *req, mw_response *resp);
void mw_page_account(mw_server *srv, mw_request *req, mw_response *resp);
void mw_do_lang(mw_server *srv, mw_request *req, mw_response *resp);
void mw_do_password(mw_server *srv, mw_request *req, mw_response *resp);
/* web_item_links.c: an item's unlock links on its page, and issuing one. */
void mw_item_links(mw_server *srv, mw_out *o, const mw_request *req, const mq_item *it);
void mw_do_item_link(mw_server *srv, mw_request *req, mw_response *resp, const char *id);
/* web_unlock.c: a recipient's unlock link (no session). */
void mw_page_unlock(mw_server *srv, mw_request *req, mw_response *resp, const char *token);
void mw_do_unlock_file(mw_server *srv, mw_request *req, mw_response *resp, const char *id);
/* web_unlock_files.c: the sanitised files just unlocked, each under a
 * fresh random id, kept MW_UNLOCK_FILE_TTL seconds, at most
 * MW_UNLOCK_FILES (the oldest goes first). */
struct mw_unlock_files *mw_unlock_files_new(void);
void mw_unlock_files_free(struct mw_unlock_files *f);
/* Takes data over (free()d here in every case); 0 and id, or -1. */
int mw_unlock_files_put(struct mw_unlock_files *f, unsigned char *data, size_t len,
                        const char *name, int64_t now, char id[MW_TOKEN_HEX + 1]);
/* A copy of the file (free() *data) and its name; 0, or -1 when unknown or
 * expired. */
int mw_unlock_files_get(struct mw_unlock_files *f, const char *id, int64_t now,
                        unsigned char **data, size_t *len, char *name, size_t name_size);
void mw_serve_css(mw_response *resp);
void mw_serve_healthz(mw_server *srv, mw_response *resp);
void mw_serve_metrics(mw_server *srv, mw_response *resp);

/* The report (the core's JSON) as readable HTML: what was removed and
 * why, findings, actions, contained items recursively; bounded. */
void mw_render_report(mw_out *o, mw_lang lang, const char *report_json);

/* Audit entries as a table (the item page's trail, the audit log). */
void mw_audit_table(mw_out *o, mw_lang lang, const mq_audit_entry *e, size_t n, bool item_column);

extern const char mw_css[];

#endif
