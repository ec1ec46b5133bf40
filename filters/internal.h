/*
 * internal.h - what the filters share inside the core.  Not for gateway/.
 *
 * A filter is one file per format family behind struct mg_filter, listed in
 * registry.c (the libarchive shape: a new format touches one file and one
 * table).  A filter reads the input only through mg_item, writes only into
 * its mg_out, and reports every removal with mg_report_removed().
 */
#ifndef MUGAI_INTERNAL_H
#define MUGAI_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <jansson.h>
#include <magic.h>
#include <openssl/types.h>

#include "mugai.h"
#include "buf.h"

typedef enum mg_family {
	MG_FAM_UNKNOWN = 0,
	MG_FAM_MAIL,
	MG_FAM_TEXT,       /* text/plain, CSV */
	MG_FAM_HTML,
	MG_FAM_XML,
	MG_FAM_PDF,
	MG_FAM_OOXML,
	MG_FAM_ODF,
	MG_FAM_OLE2,       /* legacy doc, xls, ppt */
	MG_FAM_RTF,
	MG_FAM_IMAGE,
	MG_FAM_ARCHIVE,
	MG_FAM_EXECUTABLE, /* programs, scripts, shortcuts, disk images, OneNote, HTA, SYLK */
	MG_FAM_STAROFFICE, /* StarOffice/OpenOffice.org 1.x: sxw, sxc, sxi, sxd */
	MG_FAM_COUNT
} mg_family;

typedef enum mg_action {
	MG_ACT_BLOCK = 0,
	MG_ACT_TEXT,
	MG_ACT_FLATTEN,
	MG_ACT_CDR,
	MG_ACT_REENCODE,
	MG_ACT_RECURSE,
	MG_ACT_REBUILD,   /* mail */
	MG_ACT_NORMALISE, /* text, CSV */
	MG_ACT_SAFE,      /* html: kept, rebuilt from an allow-list (html_safe.c) */
	MG_ACT_PDF,       /* office documents: LibreOffice to PDF, then flattened */
	MG_ACT_COUNT
} mg_action;

/* What happens to links in mail bodies and HTML (policy links): shown as
 * "label <url>", shown with the scheme and host broken so that no client
 * makes them clickable ("hxxps://example[.]jp/"), or removed (the label
 * stays). */
typedef enum mg_links {
	MG_LINKS_TEXT = 0,
	MG_LINKS_DEFANG,
	MG_LINKS_REMOVE,
} mg_links;

/* policy_allow.c: the SHA-256 of originals an administrator vouched for
 * (policy allow_sha256).  Such an item is rebuilt by its family where the
 * policy would block its type: never passed as it came. */
typedef struct mg_allowlist mg_allowlist;
mg_allowlist *mg_allowlist_read(const char *path, char **err);
void mg_allowlist_free(mg_allowlist *l);
/* hex: the item's lowercase SHA-256, as in its report. */
bool mg_allowlist_has(const mg_allowlist *l, const char *hex);
size_t mg_allowlist_count(const mg_allowlist *l);
/* The SHA-256 of the sorted list: what the canonical settings name. */
const char *mg_allowlist_digest(const mg_allowlist *l);
/* policy.ocr: when a flattened page is read by Tesseract. */
typedef enum mg_ocr {
	MG_OCR_NO,
	MG_OCR_AUTO,      /* pages with no text of their own (scans) */
	MG_OCR_ALWAYS,    /* every page; its own text, where it has some, wins */
} mg_ocr;

/* The policy: action per family and the limits.  Defined here so filters
 * read limits directly; set only through mg_policy_set(). */
struct mg_policy {
	mg_action action[MG_FAM_COUNT];
	uint64_t max_size;          /* bytes of one item */
	uint64_t max_output;        /* bytes of one artefact */
	uint64_t max_total;         /* uncompressed bytes in one archive */
	unsigned max_depth;         /* nesting of mails and archives */
	unsigned max_parts;         /* MIME parts or archive members */
	unsigned max_ratio;         /* uncompressed / compressed */
	unsigned max_pages;         /* PDF pages */
	uint64_t max_pixels;        /* pixels of one image or rendered page */
	unsigned max_dimension;     /* width or height in pixels */
	uint64_t max_header_bytes;  /* one mail header field */
	unsigned time_limit;        /* seconds for one top-level item */
	unsigned page_seconds;      /* budget of each page or member (mg_pace) */
	unsigned max_time;          /* absolute seconds of one top-level item */
	unsigned pdf_dpi;
	unsigned pdf_page_bits;     /* text pages: 1, 2, 4 or 8 bits per sample */
	unsigned image_jpeg_quality;
	char notice_lang[8];        /* "ja+en", "ja", "en" */
	bool notice;                /* prepend the change notice to mails */
	bool encrypted_follows;     /* PPAP pairing: an encrypted attachment follows later */
	bool mask_passwords;        /* PPAP: a password mail's candidates masked when delivered */
	bool defang_formulas;       /* CSV/text cells starting with = + - @ */
	unsigned max_password_candidates; /* candidate passwords tried on one item */
	unsigned max_spin_count;    /* key-derivation rounds a document may ask for */
	bool pdf_text_layer;        /* flattened PDFs keep their text, invisible */
	unsigned links;             /* mg_links */
	bool attachment_text;       /* mails: each attachment's text appended to the body */
	char name[32];              /* the bank: "default" for [policy], else [policy:NAME] */
	char allow_sha256[256];     /* file of SHA-256 of allow-listed originals, "" none */
	const mg_allowlist *allow;  /* its hashes once loaded (mg_policy_load_lists) */
	bool report_part;           /* mails: the signed report attached (done by the gateway) */
	unsigned ocr;               /* mg_ocr */
	char ocr_languages[64];     /* Tesseract's names joined by '+': "jpn+eng" */
	unsigned ocr_page_seconds;  /* Tesseract's budget for one page */
};

/* What a filter is given: a bounds-checked view of the bytes and the type
 * detect found. */
typedef struct mg_type {
	mg_family family;
	char mime[96];        /* from libmagic, refined by exact checks */
	char desc[160];       /* libmagic's description */
} mg_type;

typedef struct mg_item {
	const unsigned char *data;
	size_t len;
	const char *name;          /* declared, may be NULL */
	const char *declared_type; /* declared, may be NULL */
	mg_type type;
} mg_item;

/* What a filter writes: the artefact and what it now is. */
typedef struct mg_out {
	mg_buf data;
	char mime[96];
	char ext[16];
} mg_out;

typedef struct mg_ctx mg_ctx;

typedef struct mg_filter {
	mg_family family;
	const char *name;     /* "pdf", "ooxml" ... as used in the policy */
	unsigned actions;     /* bit (1u << mg_action) for each supported action */
	mg_action default_action;
	mg_status (*run)(mg_ctx *ctx, const mg_item *item, mg_action action, mg_out *out);
} mg_filter;

/* The per-item context.  Children (attachments, members) get their own,
 * linked to the parent for depth and deadline. */
struct mg_ctx {
	const mg_policy *policy;
	magic_t magic;
	mg_mode mode;
	unsigned depth;
	/* the item's deadline, shared by every level (mg_deadline); a
	 * context made by hand (tests, fuzzers) may set a fixed deadline
	 * instead and leave pace NULL */
	mg_pace *pace;
	double deadline;      /* monotonic seconds, without pace */
	json_t *report;       /* this item's report object */
	mg_status status;     /* first failure recorded by mg_fail() */
	char reason[512];
	const mg_ctx *parent;
	/* Bytes unpacked from archives so far, shared by every level below the
	 * outermost archive (policy max_total); NULL above it. */
	uint64_t *unpacked;
	/* Candidate passwords for encrypted content (PPAP), shared by every
	 * level: never copied, never written into a report. */
	const char *const *passwords;
	size_t n_passwords;
	/* The candidate passwords a mail's own text offers (password_find.c),
	 * set by the mail filter at the top level only, for the caller's
	 * memory (mg_result), never for the report. */
	char **found;
	size_t n_found;
	/* The caller's document-to-PDF converter (mg_core_set_converter),
	 * NULL when there is none. */
	mg_convert_fn convert;
	void *convert_user;
	/* The caller's progress callback (mg_core_set_progress), or NULL. */
	mg_progress_fn progress;
	void *progress_user;
	/* Milliseconds per stage of the top-level item ("timings"), shared. */
	json_t *timings;
};

/* registry.c */
const mg_filter *mg_filter_for(mg_family family);
const char *mg_family_name(mg_family f);
int mg_family_parse(const char *s, mg_family *f);
const char *mg_action_name(mg_action a);
bool mg_family_allows(mg_family f, mg_action a);
mg_action mg_family_default_action(mg_family f);
int mg_action_parse(const char *s, mg_action *a);

/* detect.c: the real type from the bytes.  The declared name is used only
 * to be stricter (a script extension blocks), never to allow. */
void mg_detect(magic_t magic, const unsigned char *data, size_t len, const char *name,
               mg_type *type);
/* detect_text.c: bytes that every text rule of libmagic would leave as
 * plain text (no markup, script, source or header opening); false means
 * "ask libmagic", never "not text". */
bool mg_detect_plain_text(const unsigned char *data, size_t len);
/* The same for an item of the mail channel, which is parsed as a message
 * whatever it is: a header block types it without libmagic. */
void mg_detect_message(magic_t magic, const unsigned char *data, size_t len, const char *name,
                       mg_type *type);
/* Records a finding when the declared name or type contradicts the content. */
void mg_detect_mismatch(mg_ctx *ctx, const mg_item *item);
/* The family a declared MIME type or file name stands for, MG_FAM_UNKNOWN if none. */
mg_family mg_family_of_mime(const char *mime);
mg_family mg_family_of_name(const char *name);

/* rtf_header.c: true when Word would open these bytes as RTF ("{\rt" at
 * the start, after an optional BOM and blanks); *start (may be NULL) gets
 * the offset of the '{'. */
bool mg_rtf_opens(const unsigned char *d, size_t len, size_t *start);

/* core.c: n bytes as 2n lower-case hex digits and a NUL into out. */
void mg_hex(const void *in, size_t n, char *out);
/* core.c: libcrypto's SHA-256, fetched once per process. */
const EVP_MD *mg_sha256_md(void);

/* core.c: sanitise a nested item (attachment, archive member) with its own
 * filter, its own report object appended to the parent's "children".  The
 * child's artefact lands in *out when the status is MG_OK. */
mg_status mg_sanitize_child(mg_ctx *parent, const unsigned char *data, size_t len,
                            const char *name, const char *declared_type,
                            mg_out *out, json_t **child_report);
/* The same in the family's text mode, whatever its action (a mail body,
 * or an attachment's text for the body); the parent's mode is kept. */
mg_status mg_sanitize_child_text(mg_ctx *parent, const unsigned char *data, size_t len,
                                 const char *name, const char *declared_type,
                                 mg_out *out, json_t **child_report);

/* Records the first failure and returns it, so filters can write
 * `return mg_fail(ctx, MG_E_MALFORMED, "bad xref at %zu", off);` */
mg_status mg_fail(mg_ctx *ctx, mg_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* MG_E_LIMIT_TIME once the item's deadline has passed, MG_OK before. */
mg_status mg_check_deadline(mg_ctx *ctx);
/* The item's deadline now, in monotonic seconds. */
double mg_deadline(const mg_ctx *ctx);
/* A unit (page, member) begins: the deadline moves (mg_pace) and the
 * caller's progress callback hears of it; unit says what it is. */
void mg_progress(mg_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Adds the milliseconds since *since to the item's stage, and resets
 * *since to now (report member "timings"). */
void mg_timing_add(mg_ctx *ctx, const char *stage, double *since);
json_t *mg_timings_report(json_t *timings);
/* test_hooks.c: with MUGAI_TEST_HOOKS compiled in (never in a package),
 * unit n (1-based) of an item sleeps as MUGAI_TEST_UNIT_DELAY_MS and
 * MUGAI_TEST_HANG_UNIT say, so tests can make pages slow or hang. */
#ifdef MUGAI_TEST_HOOKS
void mg_test_unit_delay(unsigned long n);
#else
static inline void mg_test_unit_delay(unsigned long n) { (void)n; }
#endif

/* pdf_ocr.c: Tesseract and the policy's OCR languages loaded now, with
 * one recognition run; 0, or -1 when the policy wants OCR and it cannot
 * be loaded. */
int mg_ocr_warm(const mg_policy *p);
double mg_now(void);

/* password.c: the candidate passwords given with an item.  How many may
 * be tried (the policy's max_password_candidates); and the record that one
 * opened the item: its number (1-based) and what it opened, in this item's
 * report, with "unlocked": true up to the top.  Never the password. */
size_t mg_password_count(const mg_ctx *ctx);
void mg_report_unlocked(mg_ctx *ctx, size_t index, const char *what);

/* password_mask.c: every occurrence in text (len bytes, UTF-8) of each
 * candidate, as typed or in full-width characters, overwritten in place
 * with asterisks of the same byte length.  How many were masked. */
size_t mg_password_mask(char *text, size_t len, char *const *cands, size_t n);

/* offcrypto.c: libcrypto's lazy start (its configuration, the digests
 * and ciphers Office decryption fetches) done at once, from
 * mg_core_new(), so that none of it happens inside a sandbox. */
void mg_offcrypto_warm(void);

/* report.c: the structured record of what was done. */
/* A JSON string from hostile text: bytes that are not UTF-8 become '?'. */
json_t *mg_json_text(const char *s);
/* An object of the key and value pairs given, ended by a NULL key; each
 * value's reference is taken.  NULL when a value is NULL, as
 * json_pack("{s:o,...}") gives, without reading a format each time. */
json_t *mg_json_members(const char *key, ...);
json_t *mg_report_new(const char *item_id, const mg_item *item);
/* report_meta.c: the policy in force ({"bank", "settings_sha256",
 * "report_part"}) and the versions of mugai and its libraries. */
json_t *mg_report_policy(const mg_policy *p);
json_t *mg_report_versions(void);
/* The report as json_dumps(JSON_INDENT(2)) writes it, faster; free(). */
char *mg_report_dump(json_t *report);
void mg_report_removed(mg_ctx *ctx, const char *what, const char *why, ...)
	__attribute__((format(printf, 3, 4)));
void mg_report_finding(mg_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void mg_report_action(mg_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* out.c */
void mg_out_init(mg_out *out, size_t max);
void mg_out_free(mg_out *out);
void mg_out_set_type(mg_out *out, const char *mime, const char *ext);

/* image.c: the format ("PNG", "JPEG", "SVG"...) the image family reads
 * these bytes as, NULL for bytes it cannot read.  image_svg.c: true when
 * the bytes are XML whose root element is an SVG. */
const char *mg_image_format(const unsigned char *d, size_t len);
bool mg_svg_sniff(const unsigned char *d, size_t len);
/* image_part.c: an image inside a container (OOXML media, ODF pictures)
 * through the image family, its report a child of ctx's.  True with the
 * re-encoded raster (PNG or JPEG) in *out, initialised here; false when
 * the part must be dropped, with *why saying why in a few words. */
bool mg_image_part(mg_ctx *ctx, const unsigned char *d, size_t len, const char *name,
                   const char *declared_type, mg_out *out, const char **why);

/* office_pdf.c: the pdf action of an office family.  A family with cdr
 * gets its rebuilt package converted; any other runs its own pdf action
 * first, which writes the document to convert (its scripts removed where
 * the family can) typed MG_TO_CONVERT with its usual extension, or, for a
 * document LibreOffice does not take, its final artefact.  The converter
 * the caller lent the core makes a PDF of it, which the pdf filter
 * flattens into *out.  Without a converter (or when it cannot run) the
 * family's text is written instead, and the report says why. */
#define MG_TO_CONVERT "application/x-mugai-to-convert"
mg_status mg_office_pdf(mg_ctx *ctx, const mg_item *item, const mg_filter *f, mg_out *out);

/* ooxml_disarm.c: true when a Word field instruction (" PAGE \\* MERGEFORMAT")
 * only displays something computed inside the document; DDE, INCLUDE*,
 * IMPORT, LINK, MACROBUTTON and every unknown field are not.  Shared by
 * the OOXML, legacy Word and RTF filters. */
bool mg_field_is_display(const char *instr);

#endif
