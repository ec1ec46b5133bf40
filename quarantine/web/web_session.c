/*
 * web_session.c - sessions and CSRF tokens, kept in this process only (a
 * restart of admind signs everyone out, which is the safe direction).
 *
 * A session id and its CSRF token are 256 random bits each from
 * libsodium.  Ids are only ever issued here (a client cannot choose one:
 * no fixation), compared in constant time, and a session ends after its
 * idle time or its absolute lifetime, whichever comes first.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web_internal.h"

struct slot {
	bool used;
	mw_session s;
	mw_flash flash;
	char flash_text[1024];
};

struct mw_sessions {
	pthread_mutex_t lock;
	unsigned max, idle, absolute;
	struct slot *slots;
};

void mw_token_new(char out[MW_TOKEN_HEX + 1])
{
	unsigned char raw[MW_TOKEN_BYTES];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(out, MW_TOKEN_HEX + 1, raw, sizeof(raw));
	sodium_memzero(raw, sizeof(raw));
}

bool mw_token_wellformed(const char *s)
{
	size_t i;

	if (!s)
		return false;
	for (i = 0; i < MW_TOKEN_HEX; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s[i] == '\0';
}

bool mw_token_equal(const char *want, const char *got)
{
	if (!mw_token_wellformed(want) || !mw_token_wellformed(got))
		return false;
	return sodium_memcmp(want, got, MW_TOKEN_HEX) == 0;
}

mw_sessions *mw_sessions_new(unsigned max, unsigned idle, unsigned absolute)
{
	mw_sessions *ss = calloc(1, sizeof(*ss));

	if (!ss || max == 0)
		goto fail;
	ss->slots = calloc(max, sizeof(*ss->slots));
	if (!ss->slots)
		goto fail;
	ss->max = max;
	ss->idle = idle;
	ss->absolute = absolute;
	pthread_mutex_init(&ss->lock, NULL);
	return ss;
fail:
	free(ss);
	return NULL;
}

void mw_sessions_free(mw_sessions *ss)
{
	if (!ss)
		return;
	sodium_memzero(ss->slots, ss->max * sizeof(*ss->slots));
	free(ss->slots);
	pthread_mutex_destroy(&ss->lock);
	free(ss);
}

static bool expired(const mw_sessions *ss, const struct slot *sl, int64_t now)
{
	return now - sl->s.seen >= (int64_t)ss->idle || now - sl->s.created >= (int64_t)ss->absolute ||
	       now < sl->s.created;
}

static void clear(struct slot *sl)
{
	sodium_memzero(sl, sizeof(*sl));
}

/* A free slot, else an expired one, else the least recently seen. */
static struct slot *slot_for_new(mw_sessions *ss, int64_t now)
{
	struct slot *victim = NULL;

	for (unsigned i = 0; i < ss->max; i++) {
		struct slot *sl = &ss->slots[i];

		if (!sl->used || expired(ss, sl, now))
			return sl;
		if (!victim || sl->s.seen < victim->s.seen)
			victim = sl;
	}
	return victim;
}

int mw_session_create(mw_sessions *ss, const char *user, mq_role role, mw_lang lang, int64_t now,
                      mw_session *out)
{
	struct slot *sl;

	if (!user || strlen(user) >= sizeof(sl->s.user))
		return -1;
	pthread_mutex_lock(&ss->lock);
	sl = slot_for_new(ss, now);
	clear(sl);
	sl->used = true;
	mw_token_new(sl->s.id);
	mw_token_new(sl->s.csrf);
	snprintf(sl->s.user, sizeof(sl->s.user), "%s", user);
	sl->s.role = role;
	sl->s.lang = lang;
	sl->s.created = sl->s.seen = now;
	*out = sl->s;
	pthread_mutex_unlock(&ss->lock);
	return 0;
}

/* Every slot is compared, so the time taken does not tell which matched. */
static struct slot *find(mw_sessions *ss, const char *id)
{
	struct slot *hit = NULL;

	if (!mw_token_wellformed(id))
		return NULL;
	for (unsigned i = 0; i < ss->max; i++)
		if (ss->slots[i].used && mw_token_equal(ss->slots[i].s.id, id))
			hit = &ss->slots[i];
	return hit;
}

int mw_session_get(mw_sessions *ss, const char *id, int64_t now, mw_session *out)
{
	struct slot *sl;
	int rc = -1;

	pthread_mutex_lock(&ss->lock);
	sl = find(ss, id);
	if (sl && expired(ss, sl, now)) {
		clear(sl);
	} else if (sl) {
		sl->s.seen = now;
		*out = sl->s;
		rc = 0;
	}
	pthread_mutex_unlock(&ss->lock);
	return rc;
}

void mw_session_set_lang(mw_sessions *ss, const char *id, mw_lang lang)
{
	struct slot *sl;

	pthread_mutex_lock(&ss->lock);
	if ((sl = find(ss, id)))
		sl->s.lang = lang;
	pthread_mutex_unlock(&ss->lock);
}

void mw_session_drop(mw_sessions *ss, const char *id)
{
	struct slot *sl;

	pthread_mutex_lock(&ss->lock);
	if ((sl = find(ss, id)))
		clear(sl);
	pthread_mutex_unlock(&ss->lock);
}

void mw_session_drop_user(mw_sessions *ss, const char *user, const char *except_id)
{
	pthread_mutex_lock(&ss->lock);
	for (unsigned i = 0; i < ss->max; i++) {
		struct slot *sl = &ss->slots[i];

		if (sl->used && strcmp(sl->s.user, user) == 0 &&
		    !(except_id && mw_token_equal(sl->s.id, except_id)))
			clear(sl);
	}
	pthread_mutex_unlock(&ss->lock);
}

void mw_session_flash_set(mw_sessions *ss, const char *id, mw_flash kind, const char *text)
{
	struct slot *sl;

	pthread_mutex_lock(&ss->lock);
	if ((sl = find(ss, id))) {
		sl->flash = kind;
		snprintf(sl->flash_text, sizeof(sl->flash_text), "%s", text ? text : "");
	}
	pthread_mutex_unlock(&ss->lock);
}

mw_flash mw_session_flash_take(mw_sessions *ss, const char *id, char *text, size_t size)
{
	struct slot *sl;
	mw_flash kind = MW_FLASH_NONE;

	pthread_mutex_lock(&ss->lock);
	if ((sl = find(ss, id)) && sl->flash != MW_FLASH_NONE) {
		kind = sl->flash;
		snprintf(text, size, "%s", sl->flash_text);
		sl->flash = MW_FLASH_NONE;
		sl->flash_text[0] = '\0';
	}
	pthread_mutex_unlock(&ss->lock);
	return kind;
}

unsigned mw_sessions_live(mw_sessions *ss, int64_t now)
{
	unsigned n = 0;

	pthread_mutex_lock(&ss->lock);
	for (unsigned i = 0; i < ss->max; i++)
		if (ss->slots[i].used && !expired(ss, &ss->slots[i], now))
			n++;
	pthread_mutex_unlock(&ss->lock);
	return n;
}
