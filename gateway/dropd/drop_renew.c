/*
 * drop_renew.c - the lease renewal thread (see drop_renew.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "drop_renew.h"
#include "log.h"

static void *renew_loop(void *arg)
{
	mg_claim_renewer *r = arg;
	struct timespec until;

	pthread_mutex_lock(&r->mu);
	while (!r->stop) {
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += r->every;
		while (!r->stop && pthread_cond_timedwait(&r->cv, &r->mu, &until) != ETIMEDOUT)
			;
		if (r->stop)
			break;
		/* the store serialises its callers: the item's own writes wait */
		pthread_mutex_unlock(&r->mu);
		mg_claim_renew(r->claims, r->rel);
		pthread_mutex_lock(&r->mu);
		r->renewals++;
	}
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

void mg_claim_renew_start(mg_claim_renewer *r, const mg_claims *c, const char *rel)
{
	pthread_condattr_t ca;

	memset(r, 0, sizeof(*r));
	if (!c->store)
		return;
	r->claims = c;
	r->every = c->timeout / 3 ? c->timeout / 3 : 1;
	r->rel = strdup(rel);
	pthread_mutex_init(&r->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&r->cv, &ca);
	pthread_condattr_destroy(&ca);
	r->running = r->rel && pthread_create(&r->thread, NULL, renew_loop, r) == 0;
	if (!r->running)
		mg_log_warn("dropd: lease on %s not renewed: cannot start its thread", rel);
}

unsigned mg_claim_renew_stop(mg_claim_renewer *r)
{
	unsigned n = 0;

	if (!r->claims)
		return 0;
	if (r->running) {
		pthread_mutex_lock(&r->mu);
		r->stop = true;
		pthread_cond_signal(&r->cv);
		pthread_mutex_unlock(&r->mu);
		pthread_join(r->thread, NULL);
	}
	n = r->renewals;
	pthread_cond_destroy(&r->cv);
	pthread_mutex_destroy(&r->mu);
	free(r->rel);
	memset(r, 0, sizeof(*r));
	return n;
}
