/*
 * banks.h - policy banks and the rules that choose one per item.
 *
 *   [policy:NAME]   keys of [policy]; a bank inherits every key it does
 *                   not set (from [policy] as finally read, -o included).
 *   [rules]         BANK = SELECTOR VALUE [VALUE...], one rule a line, the
 *                   first that matches the item chooses its bank; no match
 *                   (or no rules): [policy], the bank "default".
 *
 * Selectors: recipient ADDRESS, recipient_domain DOMAIN, sender ADDRESS
 * (<> the null sender), sender_domain DOMAIN, channel smtp|drop,
 * drop_folder DIR (that folder below drop.inbox and everything under it).
 * Addresses and domains are compared without regard to case; a domain
 * written .example.jp matches every subdomain of example.jp (Postfix's
 * access table convention), example.jp only itself.
 *
 * Bank 0 is always "default".  Everything is checked as it is read (an
 * unknown key, a bad value, a bank named twice, a bad selector) or once
 * the whole configuration is in (a rule naming a bank no section defines).
 */
#ifndef MUGAI_BANKS_H
#define MUGAI_BANKS_H

#include <stddef.h>

#include "mugai.h"

typedef struct mg_banks mg_banks;

mg_banks *mg_banks_new(void);
void mg_banks_free(mg_banks *b);

/* A file's reading starts: sections are counted afresh for duplicates. */
void mg_banks_begin_file(mg_banks *b);
/* Each key read from a file, with its section, before it is applied: a
 * [policy:NAME] section that comes back after another section is a
 * duplicate.  0, or -1 with *err (free() it). */
int mg_banks_section(mg_banks *b, const char *section, char **err);
/* A key of [policy:NAME] (name without "policy:"), checked at once. */
int mg_banks_set(mg_banks *b, const char *name, const char *key, const char *value, char **err);
/* A line of [rules]: bank = selector values. */
int mg_banks_rule(mg_banks *b, const char *bank, const char *spec, char **err);
/* Builds each bank from base and its own keys, and checks that every rule
 * names a bank.  Run again after base changes.  0, or -1 with *err. */
int mg_banks_resolve(mg_banks *b, const mg_policy *base, char **err);

/* The resolved banks, "default" first (valid until the next resolve). */
size_t mg_banks_count(const mg_banks *b);
const mg_policy *mg_banks_policy(const mg_banks *b, size_t i);
const mg_policy *const *mg_banks_all(const mg_banks *b);
/* How many rules there are. */
size_t mg_banks_rules(const mg_banks *b);

/* The bank called name, built again on base (which may have changed since
 * the configuration was read: mugai sanitize --policy); NULL with *err
 * when there is no such bank. */
const mg_policy *mg_banks_named(mg_banks *b, const mg_policy *base, const char *name,
                                char **err);

/* What an item is matched on; NULL members match no rule on them. */
typedef struct mg_bank_query {
	const char *channel;    /* "smtp", "drop" */
	const char *sender;     /* envelope, "" for the null sender */
	const char *recipient;  /* one envelope recipient */
	const char *folder;     /* drop: the item's folder below the inbox, "" at the top */
} mg_bank_query;

/* The index of the bank the first matching rule names, 0 without one. */
size_t mg_banks_choose(const mg_banks *b, const mg_bank_query *q);

/* The same for an item as the gateway knows it: a mail by its envelope
 * sender and one recipient (channel smtp), a file by its path below the
 * inbox, name (channel drop). */
size_t mg_banks_for_item(const mg_banks *b, int is_mail, const char *sender, const char *rcpt,
                         const char *name);

/* The [policy:NAME] sections (their own keys) and [rules] as INI. */
char *mg_banks_describe(const mg_banks *b);

#endif
