/*
 * policy.c - the policy: which action each family gets, and the limits.
 *
 * Every key is described once in the table below (name, kind, default,
 * range, help); loading, setting and describing all walk that table.
 * The file format is INI; keys live in the [policy] section so that the
 * same lines work in mugai.conf and in a separate policy file.
 */
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

enum kind { K_SIZE, K_COUNT, K_SECONDS, K_BOOL, K_LANG, K_LINKS, K_ATEXT, K_PATH, K_RPART, K_OCR,
            K_OCRLANG };

/* The words of K_LINKS, in the order of enum mg_links. */
static const char *const links_words[] = { "text", "defang", "remove", NULL };
/* The words of K_ATEXT: no, append (a bool kept apart from yes/no, so
 * that later ways of adding the text can be named). */
static const char *const atext_words[] = { "no", "append", NULL };
/* The words of K_RPART: the signed report attached to a delivered mail. */
static const char *const rpart_words[] = { "no", "attach", NULL };
/* The words of K_OCR, in the order of enum mg_ocr. */
static const char *const ocr_words[] = { "no", "auto", "always", NULL };

static const struct key {
	const char *name;
	enum kind kind;
	size_t offset;
	const char *def;
	uint64_t min, max;
	const char *help;
} keys[] = {
#define F(m) offsetof(struct mg_policy, m)
	{ "max_size", K_SIZE, F(max_size), "50M", 1, 1ull << 34, "largest item accepted" },
	{ "max_output", K_SIZE, F(max_output), "200M", 1024, 1ull << 34, "largest artefact written" },
	{ "max_total", K_SIZE, F(max_total), "500M", 1024, 1ull << 36, "uncompressed bytes in one archive, all levels" },
	{ "max_depth", K_COUNT, F(max_depth), "8", 1, 64, "nesting of mails and archives" },
	{ "max_parts", K_COUNT, F(max_parts), "1000", 1, 100000, "MIME parts or archive members in one item" },
	{ "max_ratio", K_COUNT, F(max_ratio), "100", 2, 100000, "uncompressed-to-compressed ratio of an archive member" },
	{ "max_pages", K_COUNT, F(max_pages), "500", 1, 100000, "pages of one PDF" },
	{ "max_pixels", K_SIZE, F(max_pixels), "100M", 1, 1ull << 34, "pixels of one image or rendered page" },
	{ "max_dimension", K_COUNT, F(max_dimension), "30000", 16, 1000000, "width or height of an image, in pixels" },
	{ "max_header_bytes", K_SIZE, F(max_header_bytes), "64K", 256, 1 << 24, "one mail header field, folded" },
	{ "time_limit", K_SECONDS, F(time_limit), "60s", 1, 86400, "seconds for one top-level item" },
	{ "page_seconds", K_SECONDS, F(page_seconds), "10s", 0, 3600, "once a PDF's pages or an archive's members begin, each gets this many seconds from the later of time_limit's end and its own start, so a long document finishes while a page that hangs ends the item; 0: time_limit alone" },
	{ "max_time", K_SECONDS, F(max_time), "1h", 1, 86400, "absolute limit of one top-level item however many pages it has (never below time_limit)" },
	{ "pdf_dpi", K_COUNT, F(pdf_dpi), "150", 36, 600, "resolution of flattened PDF pages" },
	{ "pdf_text_layer", K_BOOL, F(pdf_text_layer), "yes", 0, 1, "keep a flattened PDF's text as an invisible, searchable layer" },
	{ "pdf_page_bits", K_COUNT, F(pdf_page_bits), "4", 1, 8, "bits per colour sample of flattened text pages (1, 2, 4 or 8; 8 is lossless)" },
	{ "ocr", K_OCR, F(ocr), "auto", 0, 0, "text layer from Tesseract for flattened pages: no, auto (pages with no text of their own, scans) or always (every page; its own text wins where it has some)" },
	{ "ocr_languages", K_OCRLANG, F(ocr_languages), "jpn+eng", 0, 0, "Tesseract's languages, joined by +" },
	{ "ocr_page_seconds", K_SECONDS, F(ocr_page_seconds), "20s", 1, 3600, "Tesseract's time for one page; past it the page has no OCR layer" },
	{ "image_jpeg_quality", K_COUNT, F(image_jpeg_quality), "90", 10, 100, "JPEG quality of re-encoded photos" },
	{ "notice", K_BOOL, F(notice), "yes", 0, 1, "start sanitised mails with a notice of what changed" },
	{ "encrypted_follows", K_BOOL, F(encrypted_follows), "no", 0, 1, "the notice says a password-protected attachment will follow once its password arrives (mugaid sets it when ppap.enabled)" },
	{ "mask_passwords", K_BOOL, F(mask_passwords), "no", 0, 1, "mails: the candidate passwords found in a mail's subject and bodies (PPAP) are masked with asterisks in the delivered copy (mugaid sets it from ppap.mask_password)" },
	{ "notice_lang", K_LANG, F(notice_lang), "ja+en", 0, 0, "language of the notice: ja+en, ja or en" },
	{ "defang_formulas", K_BOOL, F(defang_formulas), "yes", 0, 1, "prefix text cells starting with = + - @ with '" },
	{ "max_password_candidates", K_COUNT, F(max_password_candidates), "20", 0, 10000, "candidate passwords tried on one encrypted item" },
	{ "max_spin_count", K_COUNT, F(max_spin_count), "1000000", 1, 100000000, "key-derivation rounds an encrypted document may ask for (Office uses 100000)" },
	{ "attachment_text", K_ATEXT, F(attachment_text), "no", 0, 0, "mails: no, or append the text of each attachment (PDF, Office, RTF, text) to the body under a line naming the file, for terminals that cannot open files" },
	{ "report_part", K_RPART, F(report_part), "no", 0, 0, "mails: no, or attach the item's signed report to the delivered mail as a JSON part (mugai-report.json); the X-Mugai-Report header references it either way" },
	{ "links", K_LINKS, F(links), "text", 0, 0, "links in mail bodies and HTML: text (label <url>), defang (hxxps://example[.]jp/, not clickable) or remove (label only)" },
	{ "allow_sha256", K_PATH, F(allow_sha256), "", 0, 0, "file of SHA-256 of originals (as sha256sum writes) rebuilt by their family where the policy blocks their type, never passed unsanitised; empty: none" },
#undef F
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static int set_choice_value(const struct key *k, const char *const *words, const char *value,
                            unsigned *v, char **err)
{
	for (unsigned i = 0; words[i]; i++)
		if (strcmp(value, words[i]) == 0) {
			*v = i;
			return 0;
		}
	*err = mg_strf("policy.%s: '%s' is not one of the allowed words", k->name, value);
	return -1;
}

static int set_choice(mg_policy *p, const struct key *k, const char *const *words,
                      const char *value, char **err)
{
	return set_choice_value(k, words, value, (unsigned *)((char *)p + k->offset), err);
}

/* A two-word choice kept as a bool (the second word is true). */
static int set_bool_choice(mg_policy *p, const struct key *k, const char *const *words,
                           const char *value, char **err)
{
	unsigned v = 0;

	if (set_choice_value(k, words, value, &v, err) < 0)
		return -1;
	*(bool *)((char *)p + k->offset) = v != 0;
	return 0;
}

/* Tesseract's language names (eng, jpn, jpn_vert, chi_sim) joined by
 * '+': nothing that could name a path. */
static int set_ocr_languages(mg_policy *p, const struct key *k, const char *value, char **err)
{
	size_t n = strlen(value);
	bool ok = n > 0 && n < sizeof(p->ocr_languages) && value[0] != '+' && value[n - 1] != '+' &&
	          !strstr(value, "++");

	for (const char *c = value; ok && *c; c++)
		ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || *c == '_' || *c == '+';
	if (!ok) {
		*err = mg_strf("policy.%s: '%s' is not a list of language names like jpn+eng", k->name,
		               value);
		return -1;
	}
	memcpy(p->ocr_languages, value, n + 1);
	return 0;
}

static int set_limit(mg_policy *p, const struct key *k, const char *value, char **err)
{
	uint64_t v = 0;
	void *field = (char *)p + k->offset;
	int rc = -1;

	switch (k->kind) {
	case K_BOOL:
		rc = mg_parse_bool(value, &v);
		break;
	case K_SECONDS:
		rc = mg_parse_seconds(value, &v);
		break;
	case K_SIZE:
		rc = mg_parse_size(value, &v);
		break;
	case K_COUNT:
		rc = mg_parse_count(value, &v);
		break;
	case K_LINKS:
		return set_choice(p, k, links_words, value, err);
	case K_ATEXT:
		return set_bool_choice(p, k, atext_words, value, err);
	case K_OCR:
		return set_choice(p, k, ocr_words, value, err);
	case K_OCRLANG:
		return set_ocr_languages(p, k, value, err);
	case K_PATH:
		if (strlen(value) >= sizeof(p->allow_sha256)) {
			*err = mg_strf("policy.%s: path longer than %zu bytes", k->name,
			               sizeof(p->allow_sha256) - 1);
			return -1;
		}
		snprintf((char *)field, sizeof(p->allow_sha256), "%s", value);
		p->allow = NULL; /* loaded again by mg_policy_load_lists */
		return 0;
	case K_RPART:
		return set_bool_choice(p, k, rpart_words, value, err);
	case K_LANG:
		if (strcmp(value, "ja+en") && strcmp(value, "ja") && strcmp(value, "en")) {
			*err = mg_strf("policy.%s: '%s' is not one of ja+en, ja, en", k->name, value);
			return -1;
		}
		snprintf((char *)field, sizeof(p->notice_lang), "%s", value);
		return 0;
	}
	if (rc < 0 || (k->kind != K_BOOL && (v < k->min || v > k->max))) {
		*err = mg_strf("policy.%s: bad value '%s'", k->name, value);
		return -1;
	}
	if (k->kind == K_BOOL)
		*(bool *)field = v != 0;
	else if (k->kind == K_SIZE)
		*(uint64_t *)field = v;
	else
		*(unsigned *)field = (unsigned)v;
	return 0;
}

/* The office families under the names operators know them by:
 * office_legacy is doc/xls/ppt (the ole2 family), and `office` sets every
 * one that can take the action (cdr is for OOXML and ODF only). */
static const struct {
	const char *key;
	mg_family family;
} office_keys[] = {
	{ "office_legacy", MG_FAM_OLE2 },   { "office_rtf", MG_FAM_RTF },
	{ "office_staroffice", MG_FAM_STAROFFICE }, { "office_ooxml", MG_FAM_OOXML },
	{ "office_odf", MG_FAM_ODF },
};

#define NOFFICE (sizeof(office_keys) / sizeof(office_keys[0]))

static int set_office(mg_policy *p, const char *key, const char *value, char **err)
{
	mg_action act;
	unsigned set = 0;

	if (mg_action_parse(value, &act) < 0 ||
	    (act != MG_ACT_CDR && act != MG_ACT_PDF && act != MG_ACT_TEXT && act != MG_ACT_BLOCK)) {
		*err = mg_strf("policy.%s: '%s' is not one of cdr, pdf, text, block", key, value);
		return -1;
	}
	for (size_t i = 0; i < NOFFICE; i++) {
		if (strcmp(key, "office") != 0 && strcmp(key, office_keys[i].key) != 0)
			continue;
		if (!mg_family_allows(office_keys[i].family, act)) {
			if (strcmp(key, "office") == 0)
				continue;
			*err = mg_strf("policy.%s: action '%s' is not available for this family", key, value);
			return -1;
		}
		p->action[office_keys[i].family] = act;
		set++;
	}
	return set ? 0 : -1;
}

static bool is_office_key(const char *key)
{
	if (strcmp(key, "office") == 0)
		return true;
	for (size_t i = 0; i < NOFFICE; i++)
		if (strcmp(key, office_keys[i].key) == 0)
			return true;
	return false;
}

int mg_policy_set(mg_policy *p, const char *key, const char *value, char **err)
{
	mg_family fam;
	mg_action act;

	*err = NULL;
	if (is_office_key(key))
		return set_office(p, key, value, err);
	if (mg_family_parse(key, &fam) == 0) {
		if (mg_action_parse(value, &act) < 0 || !mg_family_allows(fam, act)) {
			*err = mg_strf("policy.%s: action '%s' is not available for this family", key, value);
			return -1;
		}
		p->action[fam] = act;
		return 0;
	}
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, key) == 0)
			return set_limit(p, &keys[i], value, err);
	*err = mg_strf("policy.%s: unknown key", key);
	return -1;
}

mg_policy *mg_policy_new(void)
{
	mg_policy *p = calloc(1, sizeof(*p));
	char *err = NULL;

	if (!p)
		return NULL;
	for (unsigned f = 0; f < MG_FAM_COUNT; f++)
		p->action[f] = mg_family_default_action((mg_family)f);
	for (size_t i = 0; i < NKEYS; i++)
		if (set_limit(p, &keys[i], keys[i].def, &err) < 0)
			abort(); /* a broken default is a programming error */
	snprintf(p->name, sizeof(p->name), "default");
	return p;
}

mg_policy *mg_policy_dup(const mg_policy *p)
{
	mg_policy *d = malloc(sizeof(*d));

	if (d)
		*d = *p;
	return d;
}

const char *mg_policy_name(const mg_policy *p)
{
	return p->name;
}

int mg_policy_set_name(mg_policy *p, const char *name)
{
	if (!name || !*name || strlen(name) >= sizeof(p->name))
		return -1;
	snprintf(p->name, sizeof(p->name), "%s", name);
	return 0;
}

const char *mg_policy_allow_file(const mg_policy *p)
{
	return p->allow_sha256;
}

uint64_t mg_policy_max_size(const mg_policy *p)
{
	return p->max_size;
}

void mg_policy_free(mg_policy *p)
{
	free(p);
}

struct load_state {
	mg_policy *p;
	char *err;
};

static int on_ini(void *user, const char *section, const char *name, const char *value)
{
	struct load_state *st = user;

	if (strcmp(section, "policy") != 0 || st->err)
		return 1;
	return mg_policy_set(st->p, name, value, &st->err) == 0;
}

int mg_policy_load(mg_policy *p, const char *path, char **err)
{
	struct load_state st = { p, NULL };
	int rc = ini_parse(path, on_ini, &st);

	*err = NULL;
	if (rc == -1) {
		*err = mg_strf("%s: %s", path, strerror(errno));
		return -1;
	}
	if (st.err) {
		*err = st.err;
		return -1;
	}
	if (rc != 0) {
		char line[32];

		snprintf(line, sizeof(line), "%d", rc);
		*err = mg_strf("%s:%s: syntax error", path, line);
		return -1;
	}
	return 0;
}

/* One key's value as the configuration spells it, and a newline. */
static void put_value(mg_buf *b, const struct key *k, const mg_policy *p)
{
	const void *field = (const char *)p + k->offset;

	switch (k->kind) {
	case K_BOOL:
		mg_buf_printf(b, "%s\n", *(const bool *)field ? "yes" : "no");
		break;
	case K_LANG:
	case K_PATH:
	case K_OCRLANG:
		mg_buf_printf(b, "%s\n", (const char *)field);
		break;
	case K_LINKS:
		mg_buf_printf(b, "%s\n", links_words[*(const unsigned *)field % 3]);
		break;
	case K_ATEXT:
		mg_buf_printf(b, "%s\n", atext_words[*(const bool *)field ? 1 : 0]);
		break;
	case K_RPART:
		mg_buf_printf(b, "%s\n", rpart_words[*(const bool *)field ? 1 : 0]);
		break;
	case K_OCR:
		mg_buf_printf(b, "%s\n", ocr_words[*(const unsigned *)field % 3]);
		break;
	case K_SIZE:
		mg_buf_printf(b, "%llu\n", (unsigned long long)*(const uint64_t *)field);
		break;
	case K_SECONDS:
		mg_buf_printf(b, "%us\n", *(const unsigned *)field);
		break;
	case K_COUNT:
		mg_buf_printf(b, "%u\n", *(const unsigned *)field);
		break;
	}
}

char *mg_policy_describe(const mg_policy *p)
{
	mg_buf b;

	mg_buf_init(&b, 1 << 20);
	mg_buf_puts(&b, "[policy]\n# action per family (unknown types are always blocked)\n");
	for (unsigned f = 0; f < MG_FAM_COUNT; f++)
		mg_buf_printf(&b, "%s = %s\n", mg_family_name((mg_family)f),
		              mg_action_name(p->action[f]));
	mg_buf_puts(&b, "# office documents by their usual names (cdr, pdf or text; pdf is LibreOffice\n"
	            "# in a sandbox, then flattened): office sets all of them at once\n");
	for (size_t i = 0; i < NOFFICE; i++)
		mg_buf_printf(&b, "%s = %s\n", office_keys[i].key,
		              mg_action_name(p->action[office_keys[i].family]));
	for (size_t i = 0; i < NKEYS; i++) {
		mg_buf_printf(&b, "# %s (default %s)\n%s = ", keys[i].help,
		              keys[i].def[0] ? keys[i].def : "empty", keys[i].name);
		put_value(&b, &keys[i], p);
	}
	return (char *)mg_buf_steal(&b, NULL);
}

static int cmp_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The lines of b sorted in place (b ends with a newline). */
static char *sorted_lines(mg_buf *b)
{
	char *text = (char *)mg_buf_steal(b, NULL), *lines[MG_FAM_COUNT + NKEYS], *save = NULL;
	size_t n = 0;
	mg_buf out;

	if (!text)
		return NULL;
	for (char *l = strtok_r(text, "\n", &save); l && n < MG_FAM_COUNT + NKEYS;
	     l = strtok_r(NULL, "\n", &save))
		lines[n++] = l;
	qsort(lines, n, sizeof(lines[0]), cmp_line);
	mg_buf_init(&out, 1 << 20);
	mg_buf_puts(&out, "mugai-policy 1\n");
	for (size_t i = 0; i < n; i++)
		mg_buf_printf(&out, "%s\n", lines[i]);
	free(text);
	return (char *)mg_buf_steal(&out, NULL);
}

/* Every setting that changes an outcome, one "key=value" line each in
 * byte order under a version line, so that equal settings give equal
 * text whatever the file's order or spelling (sizes in bytes, times in
 * seconds).  The bank's name is not a setting; allow_sha256 is named by
 * the digest of its loaded hashes (by its path before they are loaded). */
char *mg_policy_canonical(const mg_policy *p)
{
	mg_buf b;

	mg_buf_init(&b, 1 << 20);
	for (unsigned f = 0; f < MG_FAM_COUNT; f++)
		mg_buf_printf(&b, "%s=%s\n", mg_family_name((mg_family)f),
		              mg_action_name(p->action[f]));
	for (size_t i = 0; i < NKEYS; i++) {
		mg_buf_printf(&b, "%s=", keys[i].name);
		if (keys[i].kind == K_PATH && p->allow)
			mg_buf_printf(&b, "sha256:%s/%zu\n", mg_allowlist_digest(p->allow),
			              mg_allowlist_count(p->allow));
		else
			put_value(&b, &keys[i], p);
	}
	return sorted_lines(&b);
}

void mg_policy_hash(const mg_policy *p, char out[65])
{
	char *c = mg_policy_canonical(p);

	mg_sha256_hex(c ? c : "", c ? strlen(c) : 0, out);
	free(c);
}

int mg_policy_load_lists(mg_policy *p, char **err)
{
	*err = NULL;
	if (!p->allow_sha256[0] || p->allow)
		return 0;
	p->allow = mg_allowlist_read(p->allow_sha256, err);
	return p->allow ? 0 : -1;
}

void mg_policy_drop_lists(mg_policy *p)
{
	mg_allowlist_free((mg_allowlist *)(uintptr_t)p->allow);
	p->allow = NULL;
}
