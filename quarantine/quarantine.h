/*
 * quarantine.h - the quarantine: originals kept by SHA-256, an index of
 * items (SQLite or PostgreSQL behind one interface), a hash-chained audit
 * log, users with roles, and the two-person release.
 *
 * Durability.  mq_put() returns 0 only when the original is on disk
 * (temp file, fsync, rename, fsync of the directory), the index row is
 * committed and the audit entry appended (one fsync of SQLite's WAL, or
 * PostgreSQL's commit).  Call it before acknowledging
 * anything.  Several processes and several nodes (one PostgreSQL, one
 * shared blob directory) may write at the same time: every write takes the
 * audit chain's lock, so the chain never forks and has no gaps.
 *
 * Threads.  One mq_store may be shared by the threads of one process
 * (calls are serialised).  Never share one across fork(): open it in the
 * child.
 *
 * Authentication is the caller's job (the CLI asks for a password, the
 * web UI keeps a session): API calls name the acting user, and the store
 * checks that user's role and the separation of duties.
 *
 * Roles (who may do what):
 *
 *   action                         reviewer  approver  admin  auditor  local (actor NULL)
 *   list, show, verify, audit         yes       yes     yes     yes     yes
 *   request a release                 yes       -       yes     -       -
 *   approve / deny a release          -         yes     yes     -       -
 *   read (download) an original       -         yes     yes     -       -
 *   delete an item                    -         -       yes     -       -
 *   purge old items                   -         -       yes     -       yes
 *   user management                   -         -       yes     -       yes
 *   own password and language         yes       yes     yes     yes     yes
 *
 * The auditor (an inspector, internal audit) sees items, reports and the
 * audit log, and can prove the chain, but can neither release nor read an
 * original: what left quarantine stays a two-person decision.
 *
 * "local" is the operator running `mugai` on the host with write access
 * to the index (root, in practice): it may manage users and run the
 * retention purge, never take part in a release.  The audit log records it
 * as "local:<login>".  Approving needs a user other than the requester;
 * a disabled user may do nothing.
 *
 * Statuses: quarantined -> release_requested -> released, or -> denied
 * (which may be requested again); any -> deleted (admin).  After an
 * approval the original is handed to the release hook; the item becomes
 * released only when the hook succeeded, else it stays release_requested
 * and the failure is in the audit log.
 *
 * PPAP (an encrypted attachment whose password comes later): quarantined
 * -> awaiting_password (mq_await_password), and quarantined,
 * awaiting_password or denied -> unlocked once a password opened it and
 * its sanitised contents were delivered (mq_unlock_note).  Unlocking
 * delivers only sanitised content, never the original, so it is not a
 * release and needs one approver or admin, not two people.
 *
 * Return codes: MQ_OK (0), or a negative MQ_E_* with *err set to a message
 * for a person (free() it); err may be NULL.
 */
#ifndef MUGAI_QUARANTINE_H
#define MUGAI_QUARANTINE_H

#include <stddef.h>
#include <stdint.h>

typedef struct mq_store mq_store;

enum {
	MQ_OK = 0,
	MQ_E_ERROR = -1,    /* I/O, database, out of memory, bad argument */
	MQ_E_REFUSED = -2,  /* not allowed: role, two-person rule, wrong password, status */
	MQ_E_NOTFOUND = -3, /* no such item or user */
};

typedef enum mq_status {
	MQ_QUARANTINED = 0,
	MQ_RELEASE_REQUESTED,
	MQ_RELEASED,
	MQ_DENIED,
	MQ_DELETED,
	MQ_AWAITING_PASSWORD, /* PPAP: encrypted, waiting for its password */
	MQ_UNLOCKED,          /* opened with a password; sanitised contents delivered */
	MQ_STATUS_COUNT
} mq_status;

typedef enum mq_role {
	MQ_ROLE_NONE = 0,
	MQ_ROLE_REVIEWER,
	MQ_ROLE_APPROVER,
	MQ_ROLE_ADMIN,
	MQ_ROLE_AUDITOR, /* reads everything, changes nothing, never an original */
	MQ_ROLE_LAST = MQ_ROLE_AUDITOR,
} mq_role;

const char *mq_status_name(mq_status s); /* "quarantined", "release_requested" ... */
int mq_status_parse(const char *s, mq_status *out);
const char *mq_role_name(mq_role r);     /* "reviewer", "approver", "admin", "auditor" */
int mq_role_parse(const char *s, mq_role *out);

/* --- opening ----------------------------------------------------------- */

/* dir: the blob directory (created if missing).  index_uri: "sqlite:PATH"
 * or "postgresql://..." / "postgres://..." (a libpq URI).  The schema is
 * created when missing.  NULL with *err on failure. */
mq_store *mq_open(const char *dir, const char *index_uri, char **err);
void mq_close(mq_store *s);

/* Where originals are kept (quarantine.store). */
typedef enum mq_store_kind {
	MQ_STORE_DIR = 0,    /* files under dir, content-addressed */
	MQ_STORE_INDEX,      /* chunk rows in the index's database (SQLite or PostgreSQL),
	                        written in the transaction of the item's row; originals a
	                        dir store left under dir are still read from there */
	MQ_STORE_POSTGRESQL  /* the same, and the index must be postgresql:// */
} mq_store_kind;

typedef struct mq_options {
	const char *dir;       /* the blob directory; with INDEX read only, for older
	                          originals (may be NULL); unused with POSTGRESQL */
	const char *index_uri;
	mq_store_kind store;
	const char *node;      /* this node's name (daemon.node), recorded on every item and
	                          audit entry it writes; at most 64 bytes; NULL: none */
} mq_options;

mq_store *mq_open_with(const mq_options *o, char **err);
int mq_store_kind_parse(const char *s, mq_store_kind *out); /* "dir" | "index" | "postgresql" */

/* Copies every original the index still needs from the blob directory
 * dir into PostgreSQL (s: opened on a postgresql:// index, with either
 * store), streamed a chunk at a time, one transaction per original, each
 * then read back and checked against its SHA-256.  Originals already
 * there are skipped, so it may run again (after the nodes switched, to
 * catch items stored in between).  *moved and *skipped count originals;
 * one audit entry ("migrate_store", by local:<login>) records the run.  A
 * file that does not hash right stops the run.  The files are left
 * where they are: remove them once the nodes use the new store. */
int mq_migrate_store(mq_store *s, const char *dir, uint64_t *moved, uint64_t *skipped,
                     char **err);

/* --- storing ----------------------------------------------------------- */

/* What the gateway knows of an item.  Strings may be NULL (stored as ""). */
typedef struct mq_meta {
	char item_id[40];              /* the core's item id (mg_result.item_id) */
	const char *channel;           /* "mail" | "file" */
	const char *sender;            /* envelope sender (mail) */
	const char *const *recipients; /* envelope recipients (mail) */
	size_t nrecipients;
	const char *subject;           /* decoded subject (mail) or file name (file) */
	const char *verdict;           /* "sanitised" | "blocked" | "encrypted" | "malware" | "error" */
	const char *reasons;           /* why, for a person */
	const char *actor;             /* who stores it: NULL means "system:<channel>" */
	int64_t received;              /* unix seconds; 0 means now */
} mq_meta;

/* Stores the original (once per SHA-256: dir/ab/cd/<sha256>), the index
 * row and the audit entry.  The same item id stored again with the same
 * content is a no-op returning MQ_OK (a retry after a crash); with other
 * content it is an error. */
int mq_put(mq_store *s, const mq_meta *meta, const void *original, size_t len,
           const char *report_json, char **err);

/* --- reviewing ---------------------------------------------------------- */

typedef struct mq_audit_entry {
	uint64_t seq;    /* 1, 2, 3 ... without gaps */
	int64_t at;      /* unix seconds */
	char *actor;     /* user name, "system:mail", "local:root" ... */
	char *action;    /* store, request, approve, release, release_failed, deny,
	                    delete, download, purge, user_add, user_role, ... */
	char *item_id;   /* "" when the entry is about no item */
	char *detail;    /* reason, hash, error: free text */
	char prev[65];   /* hash of the previous entry; 64 zeros for the first */
	char hash[65];   /* sha256 of the canonical entry (see audit.h) */
	char *node;      /* the node that wrote it (daemon.node); "" before nodes were recorded */
} mq_audit_entry;

typedef struct mq_item {
	char item_id[40];
	char sha256[65];
	char *channel, *sender, *recipients, *subject, *verdict, *reasons;
	uint64_t size;
	int64_t received;
	mq_status status;
	char *requested_by, *request_reason; /* "" when not requested */
	int64_t requested_at;
	char *decided_by, *decision_reason;  /* approver / denier / deleter */
	int64_t decided_at;
	char *node;                          /* the node that stored it; "" before nodes */
	char *report_json;                   /* mq_get only, else NULL */
	mq_audit_entry *audit;               /* mq_get only: this item's entries */
	size_t naudit;
} mq_item;

typedef struct mq_filter {
	const char *status;  /* NULL: any; else a status name */
	const char *channel; /* NULL: any */
	const char *verdict; /* NULL: any */
	int64_t since;       /* received at or after (unix seconds); 0: any */
	const char *search;  /* substring of item id, sender, recipients, subject */
	unsigned limit;      /* 0: 100; at most 10000 */
	unsigned offset;
	/* Paging that new arrivals cannot shift: with after_id set, only the
	 * items after (after_received, after_id) in the list's order, i.e.
	 * after the last item of the previous page. */
	const char *after_id;
	int64_t after_received;
} mq_filter;

/* Newest first.  free with mq_items_free. */
int mq_list(mq_store *s, const mq_filter *f, mq_item **items, size_t *n, char **err);
int mq_count(mq_store *s, const mq_filter *f, uint64_t *n, char **err);
/* One item with its report and audit trail; MQ_E_NOTFOUND when unknown. */
int mq_get(mq_store *s, const char *item_id, mq_item *out, char **err);
void mq_item_free(mq_item *it);
void mq_items_free(mq_item *items, size_t n);

/* A reviewer asks for the original to be released (reason required). */
int mq_request(mq_store *s, const char *user, const char *item_id, const char *reason, char **err);
/* An approver other than the requester approves: the release hook gets
 * the original; MQ_OK only when it was released. */
int mq_approve(mq_store *s, const char *user, const char *item_id, char **err);
/* The one exception to the two-person rule, 北海道 情報セキュリティ対策基準 第6条
 * 第2項: where no other approver exists, the requester approves their own
 * request.  Refused unless mq_set_self_approval turned it on (the
 * operator's quarantine.self_approval, off by default), and without a
 * reason of 10 to 1000 characters; recorded as "approve_self" with the
 * basis and the reason, so that it stands out in the audit log. */
#define MQ_SELF_APPROVAL_BASIS "北海道 情報セキュリティ対策基準 第6条第2項"
void mq_set_self_approval(mq_store *s, int allowed);
int mq_approve_own(mq_store *s, const char *user, const char *item_id, const char *reason,
                   char **err);
/* An approver refuses the release (reason required). */
int mq_deny(mq_store *s, const char *user, const char *item_id, const char *reason, char **err);
/* An admin deletes the item; its blob goes when no other item uses it. */
int mq_delete(mq_store *s, const char *user, const char *item_id, const char *reason, char **err);
/* Removes every item received before `before` (unix seconds) and the blobs
 * no remaining item uses; one audit entry per item.  user NULL: local. */
int mq_purge(mq_store *s, const char *user, int64_t before, uint64_t *purged, char **err);
/* The original's bytes, checked against their SHA-256; audited as a
 * download.  free() *data. */
int mq_read_original(mq_store *s, const char *user, const char *item_id, unsigned char **data,
                     size_t *len, char **err);

/* The release hook: delivers an approved original (mail to the next hop,
 * file to the outbox).  0 on success, else -1 with *err (free()d by the
 * store).  Called without the chain lock held. */
typedef int (*mq_release_fn)(void *ctx, const mq_item *item, const unsigned char *original,
                             size_t len, const char *approver, char **err);
void mq_set_release_hook(mq_store *s, mq_release_fn fn, void *ctx);

/* The gateway's word on what became of a stored item's way out (the
 * sanitised copy, or the notice sent instead of a blocked mail): delivered
 * (the next hop said 250, or the outbox file is in place) or not (the
 * sender was answered 4xx/5xx and keeps the message).  Appends one audit
 * entry, action "deliver" or "deliver_failed", actor "system:<channel>",
 * detail the next hop's reply; the item is otherwise unchanged.  Called
 * by the services through a weak reference: a store without it still
 * links. */
int mq_note_delivery(mq_store *s, const char *item_id, int delivered, const char *detail,
                     char **err);
/* With on set, mq_note_delivery's entry is committed without waiting for
 * the disk: it becomes durable with the next item's mq_put (or any other
 * ordinary commit) or at mq_sync().  A power cut may then lose the last
 * delivery entries, never an original, its row or its quarantine entry
 * (the chain stays whole: the log is replayed in order).  For a service
 * that calls mq_sync() whenever it is idle. */
void mq_set_lazy_notes(mq_store *s, int on);
/* Makes every entry committed so far durable (a no-op when it is). */
int mq_sync(mq_store *s, char **err);
/* MQ_OK unless the index is known to be unreachable now (PostgreSQL down
 * and not back yet): then nothing can be stored, and a gateway refuses
 * work with a 4xx before taking it.  Reconnects when the backoff allows,
 * sends no statement; an outage not noticed yet is found by the next
 * write, which fails. */
int mq_reachable(mq_store *s, char **err);

/* --- PPAP: unlocking with a password ------------------------------------ */

/* Checks that user (an approver or admin; NULL: the system) may unlock the
 * item and that it is an encrypted item still kept (quarantined,
 * awaiting_password or denied), and fills *item and, when original is not
 * NULL, the original's checked bytes (free() them): for the sandbox only,
 * so this is not a download.  Changes nothing: the caller then tries the
 * candidates in the sandbox and records the attempt. */
int mq_unlock_check(mq_store *s, const char *user, const char *item_id, mq_item *item,
                    unsigned char **original, char **err);
/* Records one attempt, never the password: who (user, or NULL for
 * "system:<channel>"), where the candidates came from (source: "cli",
 * "mail:<item id>", "recipient:<address>"), how many, and the outcome
 * (free text, e.g. "wrong password", "delivered to 2 recipients").
 * unlocked: the contents were opened and delivered; the item becomes
 * unlocked (audit action "unlock"), else it is unchanged ("unlock_failed"). */
int mq_unlock_note(mq_store *s, const char *user, const char *item_id, const char *source,
                   unsigned candidates, int unlocked, const char *outcome, char **err);
/* A quarantined encrypted item now waits for its password (audit action
 * "await_password", actor "system:<channel>", with detail). */
int mq_await_password(mq_store *s, const char *item_id, const char *detail, char **err);
/* Its window passed without a password that opens it: awaiting_password
 * -> quarantined, kept for review (audit action "password_expired",
 * actor "system:<channel>", with detail).  MQ_E_REFUSED when it no
 * longer waits (opened meanwhile, or another process expired it): only
 * the caller that gets MQ_OK tells the recipients. */
int mq_password_expired(mq_store *s, const char *item_id, const char *detail, char **err);

/* --- PPAP: unlock links for the recipients (unlock_token.c) ------------- */

/* A link /unlock/<token> lets one recipient unlock one item without a
 * login: the token is the credential.  It has 192 random bits written in
 * URL-safe base64 (32 characters); the index keeps only its SHA-256, so
 * a copy of the index opens nothing.  It is valid until it expires and
 * dies at its first success.  recipient: the address the contents go to,
 * or MQ_UNLOCK_OUTBOX for a dropped file (its contents go to the drop
 * folder's outbox).  Creating, failing with and using a token are each
 * one audit entry naming the recipient and the first 8 hex digits of the
 * token's hash, never the token nor a password. */
#define MQ_UNLOCK_TOKEN_SIZE 33                 /* 32 characters and the NUL */
#define MQ_UNLOCK_TTL_DEFAULT (7 * 24 * 3600)   /* ppap.link_ttl's default */
#define MQ_UNLOCK_OUTBOX "outbox"

typedef enum mq_token_state {
	MQ_TOKEN_LIVE = 0,
	MQ_TOKEN_USED,    /* it opened the item once: dead */
	MQ_TOKEN_EXPIRED, /* its ttl is over */
} mq_token_state;

typedef struct mq_unlock_token {
	char item_id[40];
	char recipient[321];
	char tag[9];        /* first 8 hex digits of the token's hash, for logs */
	int64_t created, expires, used_at;
	mq_token_state state;
} mq_unlock_token;

/* A new token for item_id (quarantined, awaiting_password, denied or
 * unlocked, with an encrypted part) and recipient, valid ttl_seconds (> 0), written to token_out
 * (at least MQ_UNLOCK_TOKEN_SIZE bytes).  Audit action "unlock_link",
 * actor "system:<channel>". */
int mq_unlock_token_create(mq_store *s, const char *item_id, const char *recipient,
                           int64_t ttl_seconds, char *token_out, size_t token_out_len,
                           char **err);
/* The same by a person (an approver or an admin; NULL: the system), who
 * is the audit entry's actor.  Either way recipient must be one of the
 * item's envelope recipients (a mail) or MQ_UNLOCK_OUTBOX (a file). */
int mq_unlock_token_issue(mq_store *s, const char *user, const char *item_id,
                          const char *recipient, int64_t ttl_seconds, char *token_out,
                          size_t token_out_len, char **err);
/* The item's links, oldest first, at most 100 (free()). */
int mq_unlock_token_list(mq_store *s, const char *item_id, mq_unlock_token **out, size_t *n,
                         char **err);
/* Fills *out for a known token (any state): MQ_OK when it is live,
 * MQ_E_REFUSED when used or expired (out->state says which),
 * MQ_E_NOTFOUND for a token never made (or malformed). */
int mq_unlock_token_lookup(mq_store *s, const char *token, mq_unlock_token *out, char **err);
/* mq_unlock_check for a recipient's link: the token is live and its item
 * may be unlocked (or was, by another recipient's link); fills *tok,
 * *item (mq_item_free) and, when original is not NULL, the original's
 * checked bytes (free()), for the sandbox only.  Changes nothing. */
int mq_unlock_token_check(mq_store *s, const char *token, mq_unlock_token *tok, mq_item *item,
                          unsigned char **original, char **err);
/* A failed try with the link (wrong password, sandbox error ...): audit
 * action "unlock_failed", actor "recipient:<address>", source, count and
 * outcome as mq_unlock_note writes them; the token stays as it was. */
int mq_unlock_token_fail(mq_store *s, const char *token, unsigned candidates,
                         const char *outcome, char **err);
/* The link opened the item and its sanitised contents were delivered to
 * the recipient: the token dies, the item becomes unlocked (audit action
 * "unlock", actor "recipient:<address>").  MQ_E_REFUSED when the token
 * died or expired meanwhile (a second tab): then nothing changes. */
int mq_unlock_token_consume(mq_store *s, const char *token, unsigned candidates,
                            const char *outcome, char **err);

/* admin.public_url: empty (no links), or http:// or https:// then a host
 * name or address, an optional :PORT and an optional /PATH, in printable
 * ASCII without query, fragment, user or quotes (it goes into mails and
 * HTML as it is).  MQ_OK, or MQ_E_REFUSED with *err. */
int mq_public_url_check(const char *url, char **err);
/* The recipient's link: public_url (checked, a trailing '/' dropped) then
 * "/unlock/" and the token.  0, or -1 when public_url is empty or bad or
 * out is too small. */
int mq_unlock_url(const char *public_url, const char *token, char *out, size_t outlen);

/* --- the audit chain ---------------------------------------------------- */

typedef struct mq_verify_result {
	uint64_t entries;  /* entries checked */
	uint64_t bad_seq;  /* first broken entry, 0 when whole */
	char *problem;     /* what is wrong with it, NULL when whole; free() */
} mq_verify_result;

/* Walks the whole chain: MQ_OK with bad_seq 0 when whole, MQ_OK with
 * bad_seq and problem set at the first broken link, MQ_E_ERROR when it
 * could not be read. */
int mq_verify(mq_store *s, mq_verify_result *res, char **err);
/* The index rows against the (verified) chain: each item's sha256, status,
 * requester and decider must be what replaying its audit entries gives,
 * so a row edited behind the store's back is caught.  With check_blobs,
 * each original that should exist is read and its SHA-256 checked. */
typedef struct mq_items_check {
	uint64_t items;     /* items checked */
	char bad_item[40];  /* the first item that disagrees, "" when none */
	char *problem;      /* what disagrees, NULL when all agree; free() */
} mq_items_check;

int mq_verify_items(mq_store *s, int check_blobs, mq_items_check *res, char **err);

/* Entries with seq > after, oldest first, at most limit (0: 100). */
int mq_audit_list(mq_store *s, uint64_t after, unsigned limit, mq_audit_entry **entries, size_t *n,
                  char **err);
void mq_audit_free(mq_audit_entry *entries, size_t n);
/* Signed checkpoints (checkpoint.c): the chain's head now, signed with
 * the Ed25519 secret key sk, as one JSON line (free()).  Kept elsewhere,
 * it lets mq_checkpoint_verify prove later that the chain still holds
 * that head: not cut short, not rewritten. */
int mq_checkpoint_take(mq_store *s, const unsigned char sk[64], char **line, char **err);
/* Every line of the file path must be a checkpoint signed by pk whose head
 * the chain still holds.  MQ_OK with res->entries (checkpoints proved), or
 * res->problem set at the first that fails; MQ_E_ERROR when unreadable. */
int mq_checkpoint_verify(mq_store *s, const char *path, const unsigned char pk[32],
                         mq_verify_result *res, char **err);
/* An event about no item: "login", "login_failed" or "logout", by actor
 * (a name as typed; cleaned), with detail (the peer address ...). */
int mq_audit_note(mq_store *s, const char *actor, const char *action, const char *detail,
                  char **err);

/* --- counting, for the dashboard (stats.c) ------------------------------- */

typedef struct mq_day_count {
	int64_t day;       /* days since 1970-01-01 in the caller's time zone */
	char channel[16];  /* "mail" | "file" (longer words are cut) */
	char verdict[16];
	uint64_t n;
} mq_day_count;

typedef struct mq_reason_count {
	char *reasons;     /* the item's reasons as stored */
	uint64_t n;
} mq_reason_count;

/* Items received at or after since, counted by the database per day
 * (tz_offset: seconds east of UTC), channel and verdict; oldest first.
 * free() *rows. */
int mq_count_by_day(mq_store *s, int64_t since, int64_t tz_offset, mq_day_count **rows, size_t *n,
                    char **err);
/* The limit (at most 100) most frequent reasons of items received at or
 * after since, most frequent first. */
int mq_count_by_reason(mq_store *s, int64_t since, unsigned limit, mq_reason_count **rows,
                       size_t *n, char **err);
void mq_reason_counts_free(mq_reason_count *rows, size_t n);
/* Every item now, counted per status. */
int mq_count_by_status(mq_store *s, uint64_t counts[MQ_STATUS_COUNT], char **err);

/* --- users -------------------------------------------------------------- */

typedef struct mq_user {
	char *name;
	mq_role role;
	char lang[3];  /* "ja" | "en" */
	int disabled;
	int64_t created;
} mq_user;

/* Names: 1-64 of [A-Za-z0-9._@-].  Passwords: 8-1024 bytes, stored as
 * Argon2id (crypto_pwhash_str).  actor: an admin, or NULL (local). */
int mq_user_add(mq_store *s, const char *actor, const char *name, mq_role role,
                const char *password, char **err);
/* MQ_OK and *out filled (out may be NULL) when the password is right and
 * the user enabled; MQ_E_REFUSED with the same message for an unknown
 * user, a wrong password or a disabled user. */
int mq_user_auth(mq_store *s, const char *name, const char *password, mq_user *out, char **err);
int mq_user_get(mq_store *s, const char *name, mq_user *out, char **err);
int mq_user_list(mq_store *s, mq_user **users, size_t *n, char **err);
/* actor: the user themself, an admin, or NULL (local). */
int mq_user_set_password(mq_store *s, const char *actor, const char *name, const char *password,
                         char **err);
int mq_user_set_lang(mq_store *s, const char *actor, const char *name, const char *lang, char **err);
/* actor: an admin or NULL (local). */
int mq_user_set_role(mq_store *s, const char *actor, const char *name, mq_role role, char **err);
int mq_user_set_disabled(mq_store *s, const char *actor, const char *name, int disabled, char **err);
void mq_user_free(mq_user *u);
void mq_users_free(mq_user *users, size_t n);

#endif
