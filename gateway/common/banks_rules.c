/*
 * banks_rules.c - one [rules] line: read, checked, and matched against an
 * item's envelope or drop folder (see banks.h for the syntax).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "banks_priv.h"

static const char *const selector_names[] = {
	[SEL_RECIPIENT] = "recipient",     [SEL_RECIPIENT_DOMAIN] = "recipient_domain",
	[SEL_SENDER] = "sender",           [SEL_SENDER_DOMAIN] = "sender_domain",
	[SEL_CHANNEL] = "channel",         [SEL_DROP_FOLDER] = "drop_folder",
};

#define NSEL (sizeof(selector_names) / sizeof(selector_names[0]))

const char *mg_selector_name(enum mg_selector s)
{
	return (unsigned)s < NSEL ? selector_names[s] : "?";
}

/* What a value of the selector must look like; NULL when it does. */
static const char *bad_value(enum mg_selector sel, const char *v)
{
	switch (sel) {
	case SEL_RECIPIENT:
		return strchr(v, '@') && v[0] != '@' ? NULL : "an address (local@domain)";
	case SEL_SENDER:
		return strcmp(v, "<>") == 0 || (strchr(v, '@') && v[0] != '@')
		           ? NULL
		           : "an address (local@domain), or <> for the null sender";
	case SEL_RECIPIENT_DOMAIN:
	case SEL_SENDER_DOMAIN:
		return !strchr(v, '@') && strcmp(v, ".") != 0 ? NULL
		                                              : "a domain (example.jp, or .example.jp "
		                                                "with its subdomains)";
	case SEL_CHANNEL:
		return strcmp(v, "smtp") == 0 || strcmp(v, "drop") == 0 ? NULL : "smtp or drop";
	case SEL_DROP_FOLDER:
		return v[0] != '/' && !strstr(v, "..") ? NULL
		                                       : "a folder below drop.inbox (no leading /, no ..)";
	}
	return "?";
}

static int add_value(struct mg_rule *r, const char *v, size_t len)
{
	char **grown = realloc(r->values, (r->nvalues + 1) * sizeof(*grown));

	if (!grown)
		return -1;
	r->values = grown;
	/* a folder's trailing slashes say nothing */
	while (r->sel == SEL_DROP_FOLDER && len > 1 && v[len - 1] == '/')
		len--;
	if (!(r->values[r->nvalues] = strndup(v, len)))
		return -1;
	r->nvalues++;
	return 0;
}

static int parse_selector(const char *word, size_t len, enum mg_selector *sel)
{
	for (unsigned i = 0; i < NSEL; i++)
		if (strlen(selector_names[i]) == len && strncmp(word, selector_names[i], len) == 0) {
			*sel = (enum mg_selector)i;
			return 0;
		}
	return -1;
}

int mg_rule_parse(struct mg_rule *r, const char *bank, const char *spec, char **err)
{
	const char *p = spec, *word;
	size_t len;

	memset(r, 0, sizeof(*r));
	if (!(r->bank = strdup(bank)) || asprintf(&r->text, "%s = %s", bank, spec) < 0) {
		r->text = NULL;
		goto oom;
	}
	p += strspn(p, " \t");
	len = strcspn(p, " \t");
	if (parse_selector(p, len, &r->sel) < 0) {
		*err = mg_strf("rules: '%s': '%.*s' is not a selector (recipient, "
		               "recipient_domain, sender, sender_domain, channel, drop_folder)",
		               r->text, (int)len, p);
		goto fail;
	}
	for (p += len;; p += len) {
		const char *why;

		p += strspn(p, " \t,");
		if (!*p)
			break;
		word = p;
		len = strcspn(p, " \t,");
		if (add_value(r, word, len) < 0)
			goto oom;
		if ((why = bad_value(r->sel, r->values[r->nvalues - 1])) != NULL) {
			*err = mg_strf("rules: '%s': '%s' is not %s", r->text,
			               r->values[r->nvalues - 1], why);
			goto fail;
		}
	}
	if (!r->nvalues) {
		*err = mg_strf("rules: '%s': %s needs at least one value", r->text,
		               mg_selector_name(r->sel));
		goto fail;
	}
	return 0;
oom:
	*err = mg_strf("rules: out of memory");
fail:
	mg_rule_clear(r);
	return -1;
}

void mg_rule_clear(struct mg_rule *r)
{
	for (size_t i = 0; i < r->nvalues; i++)
		free(r->values[i]);
	free(r->values);
	free(r->bank);
	free(r->text);
	memset(r, 0, sizeof(*r));
}

/* A domain against a rule's value: itself, or below it for ".domain". */
static int domain_matches(const char *domain, const char *value)
{
	size_t dl = strlen(domain), vl = strlen(value);

	if (value[0] != '.')
		return strcasecmp(domain, value) == 0;
	return dl > vl && strcasecmp(domain + dl - vl, value) == 0;
}

static const char *domain_of(const char *addr)
{
	const char *at = addr ? strrchr(addr, '@') : NULL;

	return at ? at + 1 : NULL;
}

/* The folder itself, or one below it. */
static int folder_matches(const char *folder, const char *value)
{
	size_t vl = strlen(value);

	return strncmp(folder, value, vl) == 0 && (folder[vl] == '\0' || folder[vl] == '/');
}

static int value_matches(enum mg_selector sel, const mg_bank_query *q, const char *v)
{
	const char *d;

	switch (sel) {
	case SEL_RECIPIENT:
		return q->recipient && strcasecmp(q->recipient, v) == 0;
	case SEL_SENDER:
		if (!q->sender)
			return 0;
		return strcmp(v, "<>") == 0 ? q->sender[0] == '\0' : strcasecmp(q->sender, v) == 0;
	case SEL_RECIPIENT_DOMAIN:
		return (d = domain_of(q->recipient)) != NULL && domain_matches(d, v);
	case SEL_SENDER_DOMAIN:
		return (d = domain_of(q->sender)) != NULL && domain_matches(d, v);
	case SEL_CHANNEL:
		return q->channel && strcmp(q->channel, v) == 0;
	case SEL_DROP_FOLDER:
		return q->folder && folder_matches(q->folder, v);
	}
	return 0;
}

int mg_rule_matches(const struct mg_rule *r, const mg_bank_query *q)
{
	for (size_t i = 0; i < r->nvalues; i++)
		if (value_matches(r->sel, q, r->values[i]))
			return 1;
	return 0;
}
