/*
 * mugai.h - the one public header of the sanitising core.
 *
 * Data flows one way: bytes in -> detect -> decide (policy) -> disarm ->
 * a new artefact + a JSON report out.  The core knows nothing of sockets,
 * processes or files on disk; gateway/ and quarantine/ call only this.
 */
#ifndef MUGAI_H
#define MUGAI_H

#include <stddef.h>
#include <stdint.h>

/* What the caller wants done; DEFAULT means "what the policy says". */
typedef enum mg_mode {
	MG_MODE_DEFAULT = 0,
	MG_MODE_TEXT,
	MG_MODE_FLATTEN,
	MG_MODE_CDR,
} mg_mode;

/* Why an item ended the way it did: one status per reason, so a verdict can
 * say exactly why (every limit has its own). */
typedef enum mg_status {
	MG_OK = 0,
	MG_E_TYPE_BLOCKED,   /* the policy blocks this type */
	MG_E_ENCRYPTED,      /* encrypted content cannot be inspected */
	MG_E_MALFORMED,      /* the parser rejected the input */
	MG_E_LIMIT_SIZE,
	MG_E_LIMIT_DEPTH,
	MG_E_LIMIT_COUNT,
	MG_E_LIMIT_RATIO,
	MG_E_LIMIT_PAGES,
	MG_E_LIMIT_PIXELS,
	MG_E_LIMIT_TIME,
	MG_E_MALWARE,        /* set by the gateway's scanner, never by a filter */
	MG_E_INTERNAL,       /* out of memory, library failure, crash */
	MG_STATUS_COUNT
} mg_status;

typedef enum mg_verdict {
	MG_VERDICT_SANITISED = 0, /* a new, disarmed artefact was produced */
	MG_VERDICT_BLOCKED,       /* nothing may pass; the reason is in the report */
} mg_verdict;

/* One item to sanitise.  name and declared_type are what the sender claims;
 * they are recorded, never trusted. */
typedef struct mg_input {
	const unsigned char *data;
	size_t len;
	const char *name;          /* may be NULL */
	const char *declared_type; /* may be NULL */
	const char *item_id;       /* may be NULL: one is made */
	int is_mail;               /* the SMTP channel: the bytes are a message */
} mg_input;

typedef struct mg_result {
	mg_verdict verdict;
	mg_status status;
	char *reason;            /* human-readable, NULL when MG_OK */
	unsigned char *out;      /* the sanitised artefact, NULL when blocked */
	size_t out_len;
	char *out_type;          /* MIME type of the artefact */
	char *out_ext;           /* suggested file extension, without the dot */
	char *report_json;       /* the full report, always set */
	char item_id[40];
	/* A mail only: the candidate passwords its subject and bodies offer
	 * (PPAP's second mail), at most max_password_candidates.  They stay
	 * in memory: never in the report or the artefact's metadata.
	 * mg_result_free wipes them. */
	char **candidates;
	size_t n_candidates;
} mg_result;

typedef struct mg_policy mg_policy;
typedef struct mg_core mg_core;

/* Policy: safe defaults, then an INI file ([policy] section), then single
 * key=value settings.  On error *err holds a message to free(). */
mg_policy *mg_policy_new(void);
int mg_policy_load(mg_policy *p, const char *path, char **err);
int mg_policy_set(mg_policy *p, const char *key, const char *value, char **err);
void mg_policy_free(mg_policy *p);
/* The largest item the policy accepts: callers read no more than this + 1. */
uint64_t mg_policy_max_size(const mg_policy *p);
/* Whether Tesseract loads the policy's ocr_languages (when it asks for
 * OCR at all): 0, or -1 with *err (free() it). */
int mg_policy_check_ocr(const mg_policy *p, char **err);
/* Writes every policy key with its value, description and default as INI. */
char *mg_policy_describe(const mg_policy *p);
/* A copy (mg_policy_free it), for a bank that starts from [policy]. */
mg_policy *mg_policy_dup(const mg_policy *p);
/* The bank the policy is: "default" for [policy], NAME for [policy:NAME];
 * named in the report and the log.  set_name: -1 if empty or too long. */
const char *mg_policy_name(const mg_policy *p);
int mg_policy_set_name(mg_policy *p, const char *name);
/* The effective settings as canonical text (free() it): "mugai-policy 1",
 * then one key=value line per setting in byte order, values in plain
 * units; the same settings always give the same bytes.  mg_policy_hash:
 * the lowercase hex SHA-256 of that text, into out[65]. */
char *mg_policy_canonical(const mg_policy *p);
void mg_policy_hash(const mg_policy *p, char out[65]);
/* policy.allow_sha256: the file's path ("" none), and its hashes read into
 * p (relative paths from the working directory) before a sandbox forbids
 * opening it.  mg_core_new() does this for its own copy.  The hashes
 * belong to p's owner for the process's life (a zygote's banks). */
const char *mg_policy_allow_file(const mg_policy *p);
int mg_policy_load_lists(mg_policy *p, char **err);
/* Frees what mg_policy_load_lists read into p (no copy of p may use it). */
void mg_policy_drop_lists(mg_policy *p);

/* The core holds what is loaded once (libmagic's database, the policy).
 * Create it before entering a sandbox. */
mg_core *mg_core_new(const mg_policy *policy, char **err);
void mg_core_free(mg_core *core);
/* The policy (a bank) of the items that follow, copied; its allow_sha256
 * hashes must already be loaded (mg_policy_load_lists) and outlive core. */
void mg_core_use_policy(mg_core *core, const mg_policy *policy);
/* Loads Tesseract and the policy's OCR languages now rather than at the
 * first scanned page: for a process about to enter a sandbox, which then
 * reads no language data.  0, or -1 when the policy wants OCR and it
 * cannot be loaded (scanned pages then get no OCR layer, with a note). */
int mg_core_warm_ocr(mg_core *core);

/* Converting a legacy Office, RTF or StarOffice document to PDF needs
 * another program (LibreOffice), which the core never starts: the caller
 * lends it a converter (gateway/office_convert.c runs LibreOffice in
 * bubblewrap; a sandboxed worker asks its service).  The PDF that comes
 * back is flattened by the core like any PDF.  Without a converter the
 * core falls back to the family's text, with a note. */
typedef enum mg_convert_status {
	MG_CONVERT_OK = 0,
	MG_CONVERT_UNAVAILABLE, /* no converter here: text instead, with a note */
	MG_CONVERT_FAILED,      /* the converter failed on this document: blocked */
	MG_CONVERT_TIMEOUT,     /* killed at the item's deadline: blocked */
} mg_convert_status;

/* Converts data (a document whose usual extension is ext: "doc", "xls",
 * "ppt", "rtf", "sxw"...) to PDF within seconds, the PDF no larger than
 * max_out; *pdf is malloc'ed.  why gets a short reason when not OK. */
typedef mg_convert_status (*mg_convert_fn)(void *user, const unsigned char *data, size_t len,
                                           const char *ext, double seconds, uint64_t max_out,
                                           unsigned char **pdf, size_t *pdf_len,
                                           char *why, size_t why_len);
void mg_core_set_converter(mg_core *core, mg_convert_fn fn, void *user);

/* Deadlines that follow progress: an item has time_limit (the base) for
 * everything; once its pages (or archive members) begin, each one gets
 * its own budget from the later of the base's end and its own start, up
 * to an absolute cap.  So many fast pages finish however many there are,
 * while one page that hangs still ends the item.  Pure arithmetic, shared
 * by the core (its own checks) and the worker's parent (the kill). */
typedef struct mg_pace {
	double start;       /* monotonic seconds when the item began */
	double base;        /* seconds for the item before any unit began */
	double unit;        /* budget of one unit (page, member); 0: base alone */
	double cap;         /* absolute seconds from start; below base: base */
	double last;        /* when the unit in flight began */
	unsigned long done; /* units begun so far */
	char what[128];     /* the unit in flight ("PDF page 3 of 500"), for reasons */
} mg_pace;
void mg_pace_init(mg_pace *p, double start, double base, double unit, double cap);
/* One more unit begins at monotonic time at (the one before it ended);
 * what (may be NULL) names it. */
void mg_pace_begin(mg_pace *p, double at, const char *what);
/* start + base before the first unit; min(max(start + base, last) + unit,
 * start + cap) after (which is never later than start + base + unit x
 * units begun: the "base + budget per page done + one in flight"). */
double mg_pace_deadline(const mg_pace *p);

/* Progress of one item, for a caller that enforces the deadline itself
 * (a worker's parent): called as each unit begins, with the units begun
 * before it and what it is ("PDF page 3 of 500"). */
typedef void (*mg_progress_fn)(void *user, unsigned long done, const char *unit);
void mg_core_set_progress(mg_core *core, mg_progress_fn fn, void *user);

/* Sanitises one item.  Always fills *res (free it with mg_result_free) and
 * returns res->status.  Any error means MG_VERDICT_BLOCKED: never a partial
 * or unsanitised output. */
mg_status mg_sanitize(mg_core *core, const mg_input *in, mg_mode mode, mg_result *res);
/* The same, with candidate passwords for encrypted content (a PPAP zip,
 * a PDF with a user password, an Office document encrypted by Office):
 * tried in order, at most the policy's max_password_candidates.  What a
 * password opens goes through its family like any other content; the
 * artefact is never encrypted, and no password is copied into the result
 * (the report names the candidate's number only).  A wrong password
 * leaves the item "encrypted". */
mg_status mg_sanitize_unlock(mg_core *core, const mg_input *in, const char *const *passwords,
                             size_t n_passwords, mg_mode mode, mg_result *res);
void mg_result_free(mg_result *res);

/* PPAP: appends to list (n entries already, room for max) the candidate
 * passwords that UTF-8 text offers: what follows パスワード, PW,
 * Password, pass, 暗証, 解凍 or パス on its line (or on the next line
 * when nothing does), full-width characters made ASCII, brackets and
 * quotes stripped, runs of 4 to 64 printable ASCII characters, each
 * once.  Returns the new count.  Pure and bounded: it stops at max. */
size_t mg_password_find(const char *utf8, size_t len, char **list, size_t n, size_t max);
/* Wipes and frees a list of n candidates (and the list). */
void mg_password_found_free(char **list, size_t n);

const char *mg_status_name(mg_status s);    /* "ok", "encrypted", "limit_size" ... */
const char *mg_verdict_name(mg_verdict v);  /* "sanitised", "blocked" */
int mg_mode_parse(const char *s, mg_mode *mode);

/* The name a sanitised artefact goes by: the extension is replaced when the
 * artefact is still of the family the name claims ("a.docm" -> "a.docx"),
 * appended otherwise ("evil.js" -> "evil.js.txt"), so that no name keeps
 * a meaning the content lost.  Path components are dropped.  free() it. */
char *mg_output_name(const char *name, const char *out_ext);

/* Lowercase hex SHA-256 of a buffer into out[65]. */
void mg_sha256_hex(const void *data, size_t len, char out[65]);

/* Units shared by the policy and the gateway's configuration: sizes take
 * K, M, G suffixes (powers of 1024), durations s, m, h; booleans yes/no,
 * true/false, on/off, 1/0.  0 on success, -1 on a bad value. */
int mg_parse_size(const char *s, uint64_t *out);
int mg_parse_seconds(const char *s, uint64_t *out);
int mg_parse_count(const char *s, uint64_t *out);
int mg_parse_bool(const char *s, uint64_t *out);

/* A formatted message in memory of its own, as error texts are handed
 * back; NULL when out of memory.  free() it. */
char *mg_strf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A fresh item id: time-ordered, unique enough across nodes. */
void mg_item_id_new(char out[40]);

#endif
