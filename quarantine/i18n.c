/* i18n.c - the message catalog and the choice of language. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "i18n.h"

static const struct entry {
	const char *key;
	const char *text[MW_LANG_COUNT];
} catalog[MW_MSG_COUNT] = {
#define MW_ENTRY(k, ja, en) [MW_##k] = { #k, { ja, en } },
	MW_MESSAGES(MW_ENTRY)
#undef MW_ENTRY
};

const char *mw_t(mw_lang lang, mw_msg m)
{
	if ((unsigned)m >= MW_MSG_COUNT)
		return "?";
	if ((unsigned)lang >= MW_LANG_COUNT)
		lang = MW_JA;
	return catalog[m].text[lang] ? catalog[m].text[lang] : "?";
}

const char *mw_msg_key(mw_msg m)
{
	return (unsigned)m < MW_MSG_COUNT ? catalog[m].key : NULL;
}

const char *mw_lang_code(mw_lang lang)
{
	return lang == MW_EN ? "en" : "ja";
}

int mw_lang_parse(const char *s, mw_lang *out)
{
	if (!s)
		return -1;
	if (strcasecmp(s, "ja") == 0)
		*out = MW_JA;
	else if (strcasecmp(s, "en") == 0)
		*out = MW_EN;
	else
		return -1;
	return 0;
}

/* The weight of one Accept-Language element's parameters ";q=0.8";
 * 1000 when absent, -1 when malformed.  Weights are kept in thousandths. */
static int parse_weight(const char *p, const char *end)
{
	int w = 0, digits = 0;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p == end)
		return 1000;
	if (*p++ != ';')
		return -1;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (end - p < 3 || (p[0] != 'q' && p[0] != 'Q') || p[1] != '=')
		return -1;
	p += 2;
	if (*p == '1')
		return 1000;
	if (*p++ != '0')
		return -1;
	if (p < end && *p == '.')
		for (p++; p < end && isdigit((unsigned char)*p) && digits < 3; p++, digits++)
			w = w * 10 + (*p - '0');
	while (digits++ < 3)
		w *= 10;
	return w;
}

/* Which of our languages one range ("ja", "ja-JP", "en-US", "*") names. */
static int range_lang(const char *p, const char *end, mw_lang *out)
{
	size_t n = 0;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	while (p + n < end && (isalpha((unsigned char)p[n]) || p[n] == '-' || p[n] == '*'))
		n++;
	if (n >= 2 && strncasecmp(p, "ja", 2) == 0 && (n == 2 || p[2] == '-'))
		*out = MW_JA;
	else if (n >= 2 && strncasecmp(p, "en", 2) == 0 && (n == 2 || p[2] == '-'))
		*out = MW_EN;
	else
		return -1;
	return (int)n;
}

mw_lang mw_lang_negotiate(const char *accept_language, mw_lang fallback)
{
	const char *p = accept_language;
	mw_lang best = fallback;
	int best_w = 0;

	if (!p || strlen(p) > 4096)
		return fallback;
	while (*p) {
		const char *end = strchr(p, ',');
		mw_lang l;
		int n, w;

		if (!end)
			end = p + strlen(p);
		n = range_lang(p, end, &l);
		if (n > 0) {
			const char *params = p;

			while (params < end && (*params == ' ' || *params == '\t'))
				params++;
			w = parse_weight(params + n, end);
			/* ties keep the earlier range: the browser's own order */
			if (w > best_w) {
				best_w = w;
				best = l;
			}
		}
		p = *end ? end + 1 : end;
	}
	return best;
}

static const struct word {
	const char *kind, *word;
	mw_msg msg;
} words[] = {
	{ "status", "quarantined", MW_STATUS_QUARANTINED },
	{ "status", "release_requested", MW_STATUS_RELEASE_REQUESTED },
	{ "status", "released", MW_STATUS_RELEASED },
	{ "status", "denied", MW_STATUS_DENIED },
	{ "status", "deleted", MW_STATUS_DELETED },
	{ "status", "awaiting_password", MW_STATUS_AWAITING_PASSWORD },
	{ "status", "unlocked", MW_STATUS_UNLOCKED },
	{ "channel", "mail", MW_CHANNEL_MAIL },
	{ "channel", "file", MW_CHANNEL_FILE },
	{ "channel", "api", MW_CHANNEL_API },
	{ "verdict", "sanitised", MW_VERDICT_SANITISED },
	{ "verdict", "blocked", MW_VERDICT_BLOCKED },
	{ "verdict", "encrypted", MW_VERDICT_ENCRYPTED },
	{ "verdict", "malware", MW_VERDICT_MALWARE },
	{ "verdict", "error", MW_VERDICT_ERROR },
	{ "action", "text", MW_ACTION_TEXT },
	{ "action", "flatten", MW_ACTION_FLATTEN },
	{ "action", "cdr", MW_ACTION_CDR },
	{ "action", "reencode", MW_ACTION_REENCODE },
	{ "action", "recurse", MW_ACTION_RECURSE },
	{ "action", "rebuild", MW_ACTION_REBUILD },
	{ "action", "normalise", MW_ACTION_NORMALISE },
	{ "action", "safe", MW_ACTION_SAFE },
	{ "action", "block", MW_ACTION_BLOCK },
	{ "role", "reviewer", MW_ROLE_REVIEWER },
	{ "role", "approver", MW_ROLE_APPROVER },
	{ "role", "admin", MW_ROLE_ADMIN },
	{ "role", "auditor", MW_ROLE_AUDITOR },
	{ "audit", "store", MW_AUD_STORE },
	{ "audit", "request", MW_AUD_REQUEST },
	{ "audit", "approve", MW_AUD_APPROVE },
	{ "audit", "approve_self", MW_AUD_APPROVE_SELF },
	{ "audit", "release", MW_AUD_RELEASE },
	{ "audit", "release_failed", MW_AUD_RELEASE_FAILED },
	{ "audit", "deny", MW_AUD_DENY },
	{ "audit", "delete", MW_AUD_DELETE },
	{ "audit", "download", MW_AUD_DOWNLOAD },
	{ "audit", "await_password", MW_AUD_AWAIT_PASSWORD },
	{ "audit", "unlock", MW_AUD_UNLOCK },
	{ "audit", "unlock_failed", MW_AUD_UNLOCK_FAILED },
	{ "audit", "unlock_link", MW_AUD_UNLOCK_LINK },
	{ "audit", "purge", MW_AUD_PURGE },
	{ "audit", "user_add", MW_AUD_USER_ADD },
	{ "audit", "user_role", MW_AUD_USER_ROLE },
	{ "audit", "login", MW_AUD_LOGIN },
	{ "audit", "login_failed", MW_AUD_LOGIN_FAILED },
	{ "audit", "logout", MW_AUD_LOGOUT },
	{ "audit", "api_call", MW_AUD_API_CALL },
	{ "audit", "api_token_add", MW_AUD_API_TOKEN_ADD },
	{ "audit", "api_token_revoke", MW_AUD_API_TOKEN_REVOKE },
};

const char *mw_t_word(mw_lang lang, const char *kind, const char *word)
{
	if (!kind || !word)
		return NULL;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(words[i].kind, kind) == 0 && strcmp(words[i].word, word) == 0)
			return mw_t(lang, words[i].msg);
	return NULL;
}
