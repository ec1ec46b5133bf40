/*
 * banks.c - [policy:NAME] sections and the [rules] that choose between
 * them (see banks.h).
 *
 * A bank keeps its own keys as written and is rebuilt from [policy] each
 * time the configuration changes (mg_banks_resolve), so that the order of
 * the sections in the file, or an -o given later, never matters: a bank
 * inherits [policy] as finally read.  Each key is checked as it is read,
 * on a scratch policy, so the error names the line's key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "banks_priv.h"
#include "buf.h"

/* Banks a configuration may define: a department per bank is already many. */
#define MAX_BANKS 64
#define MAX_RULES 1000

struct bank {
	char *name;
	char **keys, **values;
	size_t nkeys;
};

struct mg_banks {
	struct bank *banks;          /* as read, without "default" */
	size_t nbanks;
	struct mg_rule *rules;
	size_t nrules;
	mg_policy **resolved;        /* "default", then banks[] in order */
	size_t nresolved;
	/* duplicate sections within one file */
	char *last_section;
	char **seen;
	size_t nseen;
};

mg_banks *mg_banks_new(void)
{
	return calloc(1, sizeof(mg_banks));
}

static void free_resolved(mg_banks *b)
{
	for (size_t i = 0; i < b->nresolved; i++)
		mg_policy_free(b->resolved[i]);
	free(b->resolved);
	b->resolved = NULL;
	b->nresolved = 0;
}

void mg_banks_begin_file(mg_banks *b)
{
	for (size_t i = 0; i < b->nseen; i++)
		free(b->seen[i]);
	free(b->seen);
	free(b->last_section);
	b->seen = NULL;
	b->nseen = 0;
	b->last_section = NULL;
}

void mg_banks_free(mg_banks *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->nbanks; i++) {
		for (size_t k = 0; k < b->banks[i].nkeys; k++) {
			free(b->banks[i].keys[k]);
			free(b->banks[i].values[k]);
		}
		free(b->banks[i].keys);
		free(b->banks[i].values);
		free(b->banks[i].name);
	}
	free(b->banks);
	for (size_t i = 0; i < b->nrules; i++)
		mg_rule_clear(&b->rules[i]);
	free(b->rules);
	free_resolved(b);
	mg_banks_begin_file(b);
	free(b);
}

static int seen_before(const mg_banks *b, const char *section)
{
	for (size_t i = 0; i < b->nseen; i++)
		if (strcmp(b->seen[i], section) == 0)
			return 1;
	return 0;
}

int mg_banks_section(mg_banks *b, const char *section, char **err)
{
	char **grown;

	*err = NULL;
	if (b->last_section && strcmp(b->last_section, section) == 0)
		return 0;
	if (strncmp(section, "policy:", 7) == 0 && seen_before(b, section)) {
		*err = mg_strf("[%s]: the bank '%s' is defined twice (one section per bank)",
		               section, section + 7);
		return -1;
	}
	free(b->last_section);
	grown = realloc(b->seen, (b->nseen + 1) * sizeof(*grown));
	if (!(b->last_section = strdup(section)) || !grown ||
	    !(grown[b->nseen] = strdup(section))) {
		if (grown)
			b->seen = grown;
		*err = mg_strf("out of memory");
		return -1;
	}
	b->seen = grown;
	b->nseen++;
	return 0;
}

/* Lowercase letters, digits, - and _: names that log and index cleanly. */
static int name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 31)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') ||
		      name[i] == '-' || name[i] == '_'))
			return 0;
	return 1;
}

static struct bank *find_bank(mg_banks *b, const char *name)
{
	for (size_t i = 0; i < b->nbanks; i++)
		if (strcmp(b->banks[i].name, name) == 0)
			return &b->banks[i];
	return NULL;
}

static struct bank *add_bank(mg_banks *b, const char *name, char **err)
{
	struct bank *grown;

	if (b->nbanks >= MAX_BANKS) {
		*err = mg_strf("[policy:%s]: more than %d banks", name, MAX_BANKS);
		return NULL;
	}
	grown = realloc(b->banks, (b->nbanks + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	b->banks = grown;
	memset(&grown[b->nbanks], 0, sizeof(*grown));
	if (!(grown[b->nbanks].name = strdup(name)))
		return NULL;
	return &grown[b->nbanks++];
}

static int add_key(struct bank *k, const char *key, const char *value)
{
	char **keys = realloc(k->keys, (k->nkeys + 1) * sizeof(*keys)), **values;

	if (!keys)
		return -1;
	k->keys = keys;
	values = realloc(k->values, (k->nkeys + 1) * sizeof(*values));
	if (!values)
		return -1;
	k->values = values;
	keys[k->nkeys] = strdup(key);
	values[k->nkeys] = strdup(value);
	if (!keys[k->nkeys] || !values[k->nkeys]) {
		free(keys[k->nkeys]);
		free(values[k->nkeys]);
		return -1;
	}
	k->nkeys++;
	return 0;
}

/* The key on a scratch policy: the same checks as [policy]'s. */
static int check_key(const char *name, const char *key, const char *value, char **err)
{
	mg_policy *scratch = mg_policy_new();
	char *why = NULL;
	int rc;

	if (!scratch) {
		*err = mg_strf("out of memory");
		return -1;
	}
	rc = mg_policy_set(scratch, key, value, &why);
	mg_policy_free(scratch);
	if (rc < 0) {
		/* "policy.KEY: ..." as the bank's own */
		const char *rest = why && strncmp(why, "policy.", 7) == 0 ? why + 7 : why;

		*err = mg_strf("policy:%s.%s", name, rest ? rest : "bad key");
		free(why);
		return -1;
	}
	return 0;
}

int mg_banks_set(mg_banks *b, const char *name, const char *key, const char *value, char **err)
{
	struct bank *k;

	*err = NULL;
	if (!name_ok(name) || strcmp(name, "default") == 0) {
		*err = mg_strf("[policy:%s]: a bank's name is 1 to 31 lowercase letters, digits, "
		               "- or _, and not 'default' (that is [policy])", name);
		return -1;
	}
	if (check_key(name, key, value, err) < 0)
		return -1;
	k = find_bank(b, name);
	if (!k && !(k = add_bank(b, name, err)))
		goto oom;
	if (add_key(k, key, value) < 0)
		goto oom;
	return 0;
oom:
	if (!*err)
		*err = mg_strf("out of memory");
	return -1;
}

int mg_banks_rule(mg_banks *b, const char *bank, const char *spec, char **err)
{
	struct mg_rule *grown;

	*err = NULL;
	if (b->nrules >= MAX_RULES) {
		*err = mg_strf("rules: more than %d rules", MAX_RULES);
		return -1;
	}
	grown = realloc(b->rules, (b->nrules + 1) * sizeof(*grown));
	if (!grown) {
		*err = mg_strf("out of memory");
		return -1;
	}
	b->rules = grown;
	if (mg_rule_parse(&grown[b->nrules], bank, spec, err) < 0)
		return -1;
	b->nrules++;
	return 0;
}

/* One bank: [policy] as it is now, then the bank's keys in their order. */
static mg_policy *build(const mg_policy *base, const struct bank *k, char **err)
{
	mg_policy *p = mg_policy_dup(base);

	if (!p) {
		*err = mg_strf("out of memory");
		return NULL;
	}
	mg_policy_set_name(p, k ? k->name : "default");
	for (size_t i = 0; k && i < k->nkeys; i++)
		if (mg_policy_set(p, k->keys[i], k->values[i], err) < 0) {
			mg_policy_free(p);
			return NULL;
		}
	return p;
}

static int bank_index(const mg_banks *b, const char *name, size_t *index)
{
	for (size_t i = 0; i < b->nresolved; i++)
		if (strcmp(mg_policy_name(b->resolved[i]), name) == 0) {
			*index = i;
			return 0;
		}
	return -1;
}

int mg_banks_resolve(mg_banks *b, const mg_policy *base, char **err)
{
	*err = NULL;
	free_resolved(b);
	b->resolved = calloc(b->nbanks + 1, sizeof(*b->resolved));
	if (!b->resolved) {
		*err = mg_strf("out of memory");
		return -1;
	}
	for (size_t i = 0; i <= b->nbanks; i++) {
		b->resolved[i] = build(base, i ? &b->banks[i - 1] : NULL, err);
		if (!b->resolved[i])
			return -1;
		b->nresolved++;
	}
	for (size_t i = 0; i < b->nrules; i++)
		if (bank_index(b, b->rules[i].bank, &b->rules[i].index) < 0) {
			*err = mg_strf("rules: '%s': no bank '%s' (define it in a [policy:%s] "
			               "section, or name default)", b->rules[i].text,
			               b->rules[i].bank, b->rules[i].bank);
			return -1;
		}
	return 0;
}

const mg_policy *mg_banks_named(mg_banks *b, const mg_policy *base, const char *name,
                                char **err)
{
	size_t i;

	if (mg_banks_resolve(b, base, err) < 0)
		return NULL;
	if (bank_index(b, name, &i) == 0)
		return b->resolved[i];
	*err = mg_strf("no policy bank '%s' (default, or a [policy:NAME] section)", name);
	return NULL;
}

size_t mg_banks_count(const mg_banks *b)
{
	return b->nresolved;
}

const mg_policy *mg_banks_policy(const mg_banks *b, size_t i)
{
	return i < b->nresolved ? b->resolved[i] : NULL;
}

const mg_policy *const *mg_banks_all(const mg_banks *b)
{
	return (const mg_policy *const *)b->resolved;
}

size_t mg_banks_rules(const mg_banks *b)
{
	return b->nrules;
}

size_t mg_banks_choose(const mg_banks *b, const mg_bank_query *q)
{
	for (size_t i = 0; i < b->nrules; i++)
		if (mg_rule_matches(&b->rules[i], q))
			return b->rules[i].index < b->nresolved ? b->rules[i].index : 0;
	return 0;
}

size_t mg_banks_for_item(const mg_banks *b, int is_mail, const char *sender, const char *rcpt,
                         const char *name)
{
	mg_bank_query q = { is_mail ? "smtp" : "drop", NULL, NULL, NULL };
	char folder[4096] = "";

	if (is_mail) {
		q.sender = sender ? sender : "";
		q.recipient = rcpt;
	} else {
		const char *slash = name ? strrchr(name, '/') : NULL;

		if (slash)
			snprintf(folder, sizeof(folder), "%.*s", (int)(slash - name), name);
		q.folder = folder;
	}
	return mg_banks_choose(b, &q);
}

char *mg_banks_describe(const mg_banks *b)
{
	mg_buf out;

	mg_buf_init(&out, 1 << 20);
	for (size_t i = 0; i < b->nbanks; i++) {
		mg_buf_printf(&out, "\n[policy:%s]\n# a bank: [policy] with these keys changed\n",
		              b->banks[i].name);
		for (size_t k = 0; k < b->banks[i].nkeys; k++)
			mg_buf_printf(&out, "%s = %s\n", b->banks[i].keys[k], b->banks[i].values[k]);
	}
	if (b->nrules) {
		mg_buf_puts(&out, "\n[rules]\n# the first rule that matches an item chooses its bank\n");
		for (size_t i = 0; i < b->nrules; i++)
			mg_buf_printf(&out, "%s\n", b->rules[i].text);
	}
	return (char *)mg_buf_steal(&out, NULL);
}
