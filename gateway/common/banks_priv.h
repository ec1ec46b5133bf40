/*
 * banks_priv.h - what banks.c and banks_rules.c share.
 */
#ifndef MUGAI_BANKS_PRIV_H
#define MUGAI_BANKS_PRIV_H

#include <stddef.h>

#include "banks.h"

enum mg_selector { SEL_RECIPIENT, SEL_RECIPIENT_DOMAIN, SEL_SENDER, SEL_SENDER_DOMAIN,
	           SEL_CHANNEL, SEL_DROP_FOLDER };

struct mg_rule {
	char *bank;          /* as written */
	size_t index;        /* into the resolved banks */
	enum mg_selector sel;
	char **values;
	size_t nvalues;
	char *text;          /* the line, for errors and describe */
};

/* banks_rules.c */
int mg_rule_parse(struct mg_rule *r, const char *bank, const char *spec, char **err);
void mg_rule_clear(struct mg_rule *r);
int mg_rule_matches(const struct mg_rule *r, const mg_bank_query *q);
const char *mg_selector_name(enum mg_selector s);

#endif
