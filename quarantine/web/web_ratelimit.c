/*
 * web_ratelimit.c - failed logins counted per key ("ip:..." or
 * "user:...") in a sliding window.  The table is bounded: when it is
 * full, the key whose last failure is oldest is forgotten first, so a
 * flood of new keys cannot grow memory and an active attacker's keys stay.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web_internal.h"

#define RL_KEY 96
#define RL_MAX_FAILURES 32

struct rl_entry {
	char key[RL_KEY];
	unsigned n;                     /* failures recorded, at most max */
	int64_t at[RL_MAX_FAILURES];    /* ring of failure times */
	unsigned head;
	int64_t last;
};

struct mw_ratelimit {
	pthread_mutex_t lock;
	unsigned max, window;
	size_t slots;
	struct rl_entry *e;
};

mw_ratelimit *mw_ratelimit_new(unsigned max_failures, unsigned window, size_t slots)
{
	mw_ratelimit *rl;

	if (max_failures == 0 || max_failures > RL_MAX_FAILURES || slots == 0)
		return NULL;
	rl = calloc(1, sizeof(*rl));
	if (!rl || !(rl->e = calloc(slots, sizeof(*rl->e)))) {
		free(rl);
		return NULL;
	}
	rl->max = max_failures;
	rl->window = window;
	rl->slots = slots;
	pthread_mutex_init(&rl->lock, NULL);
	return rl;
}

void mw_ratelimit_free(mw_ratelimit *rl)
{
	if (!rl)
		return;
	pthread_mutex_destroy(&rl->lock);
	free(rl->e);
	free(rl);
}

/* Keys longer than the slot are cut: the limit then covers all names
 * sharing that prefix, which errs on the side of limiting. */
static struct rl_entry *lookup(mw_ratelimit *rl, const char *key)
{
	for (size_t i = 0; i < rl->slots; i++)
		if (rl->e[i].key[0] && strncmp(rl->e[i].key, key, RL_KEY - 1) == 0)
			return &rl->e[i];
	return NULL;
}

/* Failures still inside the window; the oldest of them in *oldest. */
static unsigned recent(const mw_ratelimit *rl, const struct rl_entry *e, int64_t now,
                       int64_t *oldest)
{
	unsigned n = 0;

	*oldest = now;
	for (unsigned i = 0; i < e->n; i++) {
		int64_t t = e->at[i];

		if (t <= now && now - t < (int64_t)rl->window) {
			n++;
			if (t < *oldest)
				*oldest = t;
		}
	}
	return n;
}

unsigned mw_ratelimit_check(mw_ratelimit *rl, const char *key, int64_t now)
{
	struct rl_entry *e;
	unsigned wait = 0;
	int64_t oldest;

	pthread_mutex_lock(&rl->lock);
	e = lookup(rl, key);
	if (e && recent(rl, e, now, &oldest) >= rl->max)
		wait = (unsigned)(oldest + rl->window - now);
	pthread_mutex_unlock(&rl->lock);
	return wait;
}

void mw_ratelimit_fail(mw_ratelimit *rl, const char *key, int64_t now)
{
	struct rl_entry *e;

	pthread_mutex_lock(&rl->lock);
	e = lookup(rl, key);
	if (!e) {
		e = &rl->e[0];
		for (size_t i = 0; i < rl->slots; i++) {
			if (!rl->e[i].key[0]) {
				e = &rl->e[i];
				break;
			}
			if (rl->e[i].last < e->last)
				e = &rl->e[i];
		}
		memset(e, 0, sizeof(*e));
		snprintf(e->key, sizeof(e->key), "%s", key);
	}
	e->at[e->head] = now;
	e->head = (e->head + 1) % rl->max;
	if (e->n < rl->max)
		e->n++;
	e->last = now;
	pthread_mutex_unlock(&rl->lock);
}

void mw_ratelimit_clear(mw_ratelimit *rl, const char *key)
{
	struct rl_entry *e;

	pthread_mutex_lock(&rl->lock);
	if ((e = lookup(rl, key)))
		memset(e, 0, sizeof(*e));
	pthread_mutex_unlock(&rl->lock);
}
