/*
 * check_banks.c - policy banks: [policy:NAME] sections read, checked and
 * built on [policy]; [rules] read and matched, first match wins; the
 * canonical settings and their hash; allow_sha256 lists and what they
 * let through (rebuilt, never as they came).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "banks.h"
#include "config.h"
#include "testutil.h"
#include "worker.h"

/* A configuration file with text; the path (static). */
static const char *conf_file(const char *text)
{
	static char path[64];
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "/tmp/check_banks-XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	return path;
}

/* The configuration read from text, or NULL with *err. */
static mg_config *load(const char *text, char **err)
{
	mg_config *c = mg_config_new();
	const char *path = conf_file(text);

	ck_assert_ptr_nonnull(c);
	*err = NULL;
	if (mg_config_load(c, path, err) < 0) {
		mg_config_free(c);
		c = NULL;
	}
	unlink(path);
	return c;
}

/* The load fails with an error containing needle. */
static void refused(const char *text, const char *needle)
{
	char *err = NULL;
	mg_config *c = load(text, &err);

	ck_assert_msg(c == NULL, "accepted: %s", text);
	ck_assert_msg(err && strstr(err, needle), "'%s' not in '%s'", needle, err ? err : "");
	free(err);
}

static const mg_policy *bank(const mg_config *c, const char *name)
{
	for (size_t i = 0; i < mg_banks_count(c->banks); i++)
		if (strcmp(mg_policy_name(mg_banks_policy(c->banks, i)), name) == 0)
			return mg_banks_policy(c->banks, i);
	return NULL;
}

/* The value of key in the policy's canonical text ("" when absent). */
static const char *canon_value(const mg_policy *p, const char *key, char *out, size_t cap)
{
	char *c = mg_policy_canonical(p), *line, needle[64];

	snprintf(needle, sizeof(needle), "\n%s=", key);
	line = strstr(c, needle);
	out[0] = 0;
	if (line)
		snprintf(out, cap, "%.*s", (int)strcspn(line + strlen(needle), "\n"),
		         line + strlen(needle));
	free(c);
	return out;
}

static const char *const two_banks =
	"[policy:strict]\n"
	"links = remove\n"
	"ooxml = block\n"
	"[policy]\n"
	"links = defang\n"
	"pdf_dpi = 200\n"
	"[policy:files]\n"
	"pdf = text\n"
	"[rules]\n"
	"strict = recipient_domain soumu.example.lg.jp, .kikaku.example.lg.jp\n"
	"files = drop_folder kyouiku\n"
	"strict = sender_domain partner.example.co.jp\n"
	"default = sender <>\n"
	"files = recipient files@example.lg.jp\n"
	"strict = channel drop\n";

START_TEST(sections_inherit_policy)
{
	char *err = NULL, v[128];
	mg_config *c = load(two_banks, &err);
	const mg_policy *strict, *files, *def;

	ck_assert_msg(c, "%s", err ? err : "");
	ck_assert_uint_eq(mg_banks_count(c->banks), 3);
	ck_assert_uint_eq(mg_banks_rules(c->banks), 6);
	def = mg_banks_policy(c->banks, 0);
	strict = bank(c, "strict");
	files = bank(c, "files");
	ck_assert_str_eq(mg_policy_name(def), "default");
	ck_assert_ptr_nonnull(strict);
	ck_assert_ptr_nonnull(files);
	/* own keys */
	ck_assert_str_eq(canon_value(strict, "links", v, sizeof(v)), "remove");
	ck_assert_str_eq(canon_value(strict, "ooxml", v, sizeof(v)), "block");
	ck_assert_str_eq(canon_value(files, "pdf", v, sizeof(v)), "text");
	/* inherited from [policy], though [policy] came after the section */
	ck_assert_str_eq(canon_value(strict, "pdf_dpi", v, sizeof(v)), "200");
	ck_assert_str_eq(canon_value(files, "links", v, sizeof(v)), "defang");
	ck_assert_str_eq(canon_value(def, "ooxml", v, sizeof(v)), "cdr");
	/* an -o on [policy] reaches the banks that do not set the key */
	ck_assert_int_eq(mg_config_override(c, "policy.max_pages=7", &err), 0);
	ck_assert_int_eq(mg_config_override(c, "policy:files.max_pages=9", &err), 0);
	ck_assert_str_eq(canon_value(bank(c, "strict"), "max_pages", v, sizeof(v)), "7");
	ck_assert_str_eq(canon_value(bank(c, "files"), "max_pages", v, sizeof(v)), "9");
	mg_config_free(c);
}
END_TEST

START_TEST(rules_first_match_wins)
{
	char *err = NULL;
	mg_config *c = load(two_banks, &err);
	size_t strict = 0, files = 0;

	ck_assert_msg(c, "%s", err ? err : "");
	for (size_t i = 0; i < mg_banks_count(c->banks); i++) {
		if (mg_banks_policy(c->banks, i) == bank(c, "strict"))
			strict = i;
		if (mg_banks_policy(c->banks, i) == bank(c, "files"))
			files = i;
	}
#define CHOOSE(ch, s, r, f) mg_banks_choose(c->banks, &(mg_bank_query){ ch, s, r, f })
	/* recipient domain, any case; .domain: subdomains, not itself */
	ck_assert_uint_eq(CHOOSE("smtp", "a@x.jp", "taro@SOUMU.example.lg.jp", NULL), strict);
	ck_assert_uint_eq(CHOOSE("smtp", "a@x.jp", "taro@a.kikaku.example.lg.jp", NULL), strict);
	ck_assert_uint_eq(CHOOSE("smtp", "a@x.jp", "taro@kikaku.example.lg.jp", NULL), 0);
	ck_assert_uint_eq(CHOOSE("smtp", "a@x.jp", "taro@xsoumu.example.lg.jp", NULL), 0);
	/* sender domain; the null sender; an address */
	ck_assert_uint_eq(CHOOSE("smtp", "b@partner.example.co.jp", "x@example.lg.jp", NULL),
	                  strict);
	ck_assert_uint_eq(CHOOSE("smtp", "", "files@example.lg.jp", NULL), 0);
	ck_assert_uint_eq(CHOOSE("smtp", "a@x.jp", "Files@Example.lg.jp", NULL), files);
	/* first match wins: the recipient's domain rule comes before the address */
	ck_assert_uint_eq(CHOOSE("smtp", "b@partner.example.co.jp", "files@example.lg.jp", NULL),
	                  strict);
	/* drop folder: itself and below, not a prefix of a name; else channel */
	ck_assert_uint_eq(CHOOSE("drop", NULL, NULL, "kyouiku"), files);
	ck_assert_uint_eq(CHOOSE("drop", NULL, NULL, "kyouiku/2026/4"), files);
	ck_assert_uint_eq(CHOOSE("drop", NULL, NULL, "kyouiku2"), strict);
	ck_assert_uint_eq(CHOOSE("drop", NULL, NULL, ""), strict);
	ck_assert_uint_eq(CHOOSE("smtp", "a@x.jp", "b@y.jp", NULL), 0);
#undef CHOOSE
	/* an item as the gateway has it: a file by its path, a mail by its envelope */
	ck_assert_uint_eq(mg_banks_for_item(c->banks, 0, NULL, NULL, "kyouiku/2026/a.pdf"), files);
	ck_assert_uint_eq(mg_banks_for_item(c->banks, 0, NULL, NULL, "kyouiku.pdf"), strict);
	ck_assert_uint_eq(mg_banks_for_item(c->banks, 1, "x@partner.example.co.jp", "b@y.jp", NULL),
	                  strict);
	ck_assert_uint_eq(mg_banks_for_item(c->banks, 1, "a@x.jp", "files@example.lg.jp", NULL),
	                  files);
	/* no sender is the null sender, whose rule comes first */
	ck_assert_uint_eq(mg_banks_for_item(c->banks, 1, NULL, "files@example.lg.jp", NULL), 0);
	mg_config_free(c);
}
END_TEST

START_TEST(clear_errors)
{
	refused("[policy:strict]\nlinkz = remove\n", ":2: policy:strict.linkz: unknown key");
	refused("[policy:strict]\nlinks = bogus\n", "policy:strict.links: 'bogus'");
	refused("[policy:strict]\nlinks = remove\n[drop]\ninbox = x\n[policy:strict]\nnotice = no\n",
	        ":6: [policy:strict]: the bank 'strict' is defined twice");
	refused("[policy:Strict]\nlinks = remove\n", "a bank's name is 1 to 31 lowercase");
	refused("[policy:default]\nlinks = remove\n", "not 'default'");
	refused("[policy:a]\nlinks = remove\n[rules]\nb = sender x@y.jp\n",
	        "rules: 'b = sender x@y.jp': no bank 'b'");
	refused("[rules]\ndefault = senders x@y.jp\n", "'senders' is not a selector");
	refused("[rules]\ndefault = channel ftp\n", "'ftp' is not smtp or drop");
	refused("[rules]\ndefault = recipient example.jp\n", "'example.jp' is not an address");
	refused("[rules]\ndefault = sender_domain a@example.jp\n", "is not a domain");
	refused("[rules]\ndefault = drop_folder ../x\n", "is not a folder below drop.inbox");
	refused("[rules]\ndefault = recipient\n", "recipient needs at least one value");
	refused("[policy:a]\nallow_sha256 = /x\n[rules]\nb = channel smtp\n", "no bank 'b'");
}
END_TEST

START_TEST(canonical_settings)
{
	mg_policy *a = mg_policy_new(), *b = mg_policy_new();
	char *ca, *cb, *err = NULL, ha[65], hb[65];

	/* the same settings in another order and spelling: the same text */
	ck_assert_int_eq(mg_policy_set(a, "max_size", "1M", &err), 0);
	ck_assert_int_eq(mg_policy_set(a, "links", "defang", &err), 0);
	ck_assert_int_eq(mg_policy_set(b, "links", "defang", &err), 0);
	ck_assert_int_eq(mg_policy_set(b, "max_size", "1048576", &err), 0);
	ck_assert_int_eq(mg_policy_set_name(b, "strict"), 0);
	ca = mg_policy_canonical(a);
	cb = mg_policy_canonical(b);
	ck_assert_str_eq(ca, cb);
	ck_assert(strncmp(ca, "mugai-policy 1\n", 15) == 0);
	ck_assert_ptr_nonnull(strstr(ca, "\nmax_size=1048576\n"));
	ck_assert_ptr_nonnull(strstr(ca, "\nlinks=defang\n"));
	ck_assert_ptr_nonnull(strstr(ca, "\nooxml=cdr\n"));
	ck_assert_ptr_null(strstr(ca, "strict"));
	/* lines in byte order */
	{
		char *copy = strdup(ca), *save = NULL, *prev = NULL;

		strtok_r(copy, "\n", &save); /* the version line */
		for (char *l; (l = strtok_r(NULL, "\n", &save)) != NULL; prev = l)
			ck_assert_msg(!prev || strcmp(prev, l) < 0, "%s before %s", prev, l);
		free(copy);
	}
	mg_policy_hash(a, ha);
	mg_policy_hash(b, hb);
	ck_assert_str_eq(ha, hb);
	ck_assert_uint_eq(strlen(ha), 64);
	ck_assert_int_eq(mg_policy_set(b, "time_limit", "61s", &err), 0);
	mg_policy_hash(b, hb);
	ck_assert_str_ne(ha, hb);
	ck_assert_str_eq(mg_policy_name(a), "default");
	ck_assert_str_eq(mg_policy_name(b), "strict");
	free(ca);
	free(cb);
	mg_policy_free(a);
	mg_policy_free(b);
}
END_TEST

/* A list file: the docm's hash as sha256sum writes it, among others. */
static const char *allow_file(const char *extra)
{
	static char path[64];
	unsigned char *data;
	size_t len;
	char hex[65];
	FILE *f;
	int fd;

	data = tu_read(CORPUS_DIR "/office/oleform-PR314.docm", &len);
	mg_sha256_hex(data, len, hex);
	free(data);
	snprintf(path, sizeof(path), "/tmp/check_banks-allow-XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	fprintf(f, "# forms the council approved\n\n"
	           "0000000000000000000000000000000000000000000000000000000000000000  zero.bin\n"
	           "%s *office/oleform-PR314.docm\n%s", hex, extra);
	fclose(f);
	return path;
}

START_TEST(allow_list_rebuilds_never_passes)
{
	mg_policy *p = mg_policy_new();
	mg_core *core;
	mg_result res;
	mg_input in = { 0 };
	char *err = NULL, v[128];
	unsigned char *data;
	size_t len;
	const char *path = allow_file("");

	ck_assert_int_eq(mg_policy_set(p, "ooxml", "block", &err), 0);
	ck_assert_int_eq(mg_policy_set(p, "allow_sha256", path, &err), 0);
	ck_assert_int_eq(mg_policy_set_name(p, "strict"), 0);
	core = mg_core_new(p, &err);
	ck_assert_msg(core, "%s", err ? err : "");
	/* listed: rebuilt as docx, the macros gone, the report says so */
	data = tu_read(CORPUS_DIR "/office/oleform-PR314.docm", &len);
	in = (mg_input){ data, len, "form.docm", NULL, NULL, 0 };
	ck_assert_int_eq(mg_sanitize(core, &in, MG_MODE_DEFAULT, &res), MG_OK);
	ck_assert_str_eq(res.out_ext, "docx");
	ck_assert(!tu_contains(res.out, res.out_len, "vbaProject"));
	ck_assert(tu_report_has(&res, "removed", "vbaProject"));
	ck_assert(tu_report_has(&res, "findings", "allow-listed by SHA-256"));
	ck_assert_ptr_nonnull(strstr(res.report_json, "\"allow_listed\": true"));
	ck_assert_ptr_nonnull(strstr(res.report_json, "\"bank\": \"strict\""));
	mg_result_free(&res);
	free(data);
	/* another docm: blocked by the bank as before */
	data = tu_read(CORPUS_DIR "/office/harmless-clean.docm", &len);
	in = (mg_input){ data, len, "other.docm", NULL, NULL, 0 };
	ck_assert_int_eq(mg_sanitize(core, &in, MG_MODE_DEFAULT, &res), MG_E_TYPE_BLOCKED);
	ck_assert_ptr_null(strstr(res.report_json, "allow_listed"));
	mg_result_free(&res);
	free(data);
	mg_core_free(core);
	/* the canonical settings name the list by its content */
	ck_assert_int_eq(mg_policy_load_lists(p, &err), 0);
	ck_assert(strncmp(canon_value(p, "allow_sha256", v, sizeof(v)), "sha256:", 7) == 0);
	ck_assert(strstr(v, "/2") != NULL);
	mg_core_free(mg_core_new(p, &err)); /* a borrowed list is not freed by the core */
	mg_policy_drop_lists(p);
	unlink(path);
	mg_policy_free(p);
}
END_TEST

START_TEST(allow_list_family_cannot_rebuild)
{
	static const unsigned char elf[] = "\x7f" "ELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0\x3e\0";
	mg_policy *p = mg_policy_new();
	mg_core *core;
	mg_result res;
	char *err = NULL, hex[65], extra[80];
	const char *path;
	mg_input in = { elf, sizeof(elf), "tool", NULL, NULL, 0 };

	mg_sha256_hex(elf, sizeof(elf), hex);
	snprintf(extra, sizeof(extra), "%s\n", hex);
	path = allow_file(extra);
	ck_assert_int_eq(mg_policy_set(p, "allow_sha256", path, &err), 0);
	core = mg_core_new(p, &err);
	ck_assert_msg(core, "%s", err ? err : "");
	ck_assert_int_ne(mg_sanitize(core, &in, MG_MODE_DEFAULT, &res), MG_OK);
	ck_assert_int_eq(res.verdict, MG_VERDICT_BLOCKED);
	ck_assert_ptr_null(res.out);
	ck_assert(tu_report_has(&res, "findings", "cannot be rebuilt: still blocked"));
	mg_result_free(&res);
	mg_core_free(core);
	unlink(path);
	mg_policy_free(p);
}
END_TEST

START_TEST(allow_list_file_errors)
{
	mg_policy *p = mg_policy_new();
	char *err = NULL;
	const char *path = allow_file("not-a-hash  x\n");

	ck_assert_int_eq(mg_policy_set(p, "allow_sha256", path, &err), 0);
	ck_assert_ptr_null(mg_core_new(p, &err));
	ck_assert_msg(err && strstr(err, ":5: not a SHA-256"), "%s", err ? err : "");
	free(err);
	unlink(path);
	ck_assert_int_eq(mg_policy_set(p, "allow_sha256", "/nonexistent/list", &err), 0);
	ck_assert_ptr_null(mg_core_new(p, &err));
	ck_assert_msg(err && strstr(err, "No such file"), "%s", err ? err : "");
	free(err);
	mg_policy_free(p);
}
END_TEST

/* The sandboxed worker holds every bank and takes the item's by number:
 * one document, two outcomes, and a bank it does not hold blocks. */
START_TEST(worker_bank_per_item)
{
	char *err = NULL;
	mg_config *c = load(two_banks, &err);
	mg_worker_limits lim = { 60, 1u << 30, 0, 0, NULL, 0, 0 };
	mg_worker *w;
	mg_result res;
	unsigned char *data;
	size_t len, strict = 0;
	mg_input in;

	ck_assert_msg(c, "%s", err ? err : "");
	for (size_t i = 0; i < mg_banks_count(c->banks); i++)
		if (strcmp(mg_policy_name(mg_banks_policy(c->banks, i)), "strict") == 0)
			strict = i;
	ck_assert_uint_ne(strict, 0);
	w = mg_worker_new(c->policy, &lim);
	mg_worker_set_program(w, MUGAI_WORKER_BUILT);
	ck_assert_int_eq(mg_worker_set_banks(w, mg_banks_all(c->banks), mg_banks_count(c->banks)), 0);
	data = tu_read(CORPUS_DIR "/office/harmless-clean.docx", &len);
	in = (mg_input){ data, len, "a.docx", NULL, NULL, 0 };
	ck_assert_int_eq(mg_worker_sanitize_bank(w, &in, 0, NULL, 0, MG_MODE_DEFAULT, &res), MG_OK);
	ck_assert_ptr_nonnull(strstr(res.report_json, "\"bank\": \"default\""));
	mg_result_free(&res);
	ck_assert_int_eq(mg_worker_sanitize_bank(w, &in, (unsigned)strict, NULL, 0, MG_MODE_DEFAULT,
	                                         &res), MG_E_TYPE_BLOCKED);
	ck_assert_ptr_nonnull(strstr(res.report_json, "\"bank\": \"strict\""));
	ck_assert_ptr_nonnull(strstr(res.reason, "blocked by policy bank strict"));
	mg_result_free(&res);
	ck_assert_int_eq(mg_worker_sanitize_bank(w, &in, 7, NULL, 0, MG_MODE_DEFAULT, &res),
	                 MG_E_INTERNAL);
	ck_assert_ptr_null(res.out);
	ck_assert_ptr_nonnull(strstr(res.reason, "no policy bank 7"));
	mg_result_free(&res);
	/* the default again, after a strict item: nothing carried over */
	ck_assert_int_eq(mg_worker_sanitize(w, &in, MG_MODE_DEFAULT, &res), MG_OK);
	mg_result_free(&res);
	free(data);
	mg_worker_free(w);
	mg_config_free(c);
}
END_TEST

Suite *mugai_suite(void)
{
	Suite *s = suite_create("banks");
	TCase *t = tcase_create("banks");

	tcase_add_test(t, sections_inherit_policy);
	tcase_add_test(t, rules_first_match_wins);
	tcase_add_test(t, clear_errors);
	tcase_add_test(t, canonical_settings);
	tcase_add_test(t, allow_list_rebuilds_never_passes);
	tcase_add_test(t, allow_list_family_cannot_rebuild);
	tcase_add_test(t, allow_list_file_errors);
	tcase_add_test(t, worker_bank_per_item);
	suite_add_tcase(s, t);
	return s;
}
