/*
 * api_limits.c - per-client rate and concurrency of the REST API (see
 * api_limits.h).
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_limits.h"
#include "api_token.h"

#define SLOTS 256

struct slot {
	char client[MQ_API_NAME_MAX + 1];
	double tokens, at; /* the bucket and when it was last filled */
	unsigned running;
};

struct mg_api_limits {
	pthread_mutex_t lock;
	unsigned per_minute, concurrency;
	struct slot slots[SLOTS];
};

mg_api_limits *mg_api_limits_new(unsigned per_minute, unsigned concurrency)
{
	mg_api_limits *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	pthread_mutex_init(&l->lock, NULL);
	l->per_minute = per_minute ? per_minute : 1;
	l->concurrency = concurrency ? concurrency : 1;
	return l;
}

void mg_api_limits_free(mg_api_limits *l)
{
	if (!l)
		return;
	pthread_mutex_destroy(&l->lock);
	free(l);
}

/* The client's slot, made on first sight (with a full bucket). */
static struct slot *slot_of(mg_api_limits *l, const char *client, double now)
{
	for (size_t i = 0; i < SLOTS; i++) {
		struct slot *s = &l->slots[i];

		if (s->client[0] && strcmp(s->client, client) == 0)
			return s;
		if (!s->client[0] || i == SLOTS - 1) {
			if (!s->client[0]) {
				snprintf(s->client, sizeof(s->client), "%s", client);
				s->tokens = l->per_minute;
				s->at = now;
			}
			return s;
		}
	}
	return &l->slots[SLOTS - 1];
}

int mg_api_limits_enter(mg_api_limits *l, const char *client, double now, unsigned *retry_after)
{
	double rate = l->per_minute / 60.0;
	struct slot *s;
	int rc = 0;

	pthread_mutex_lock(&l->lock);
	s = slot_of(l, client, now);
	if (now > s->at) {
		s->tokens = fmin(l->per_minute, s->tokens + (now - s->at) * rate);
		s->at = now;
	}
	if (s->running >= l->concurrency) {
		*retry_after = 1;
		rc = -1;
	} else if (s->tokens < 1.0) {
		*retry_after = (unsigned)ceil((1.0 - s->tokens) / rate);
		if (*retry_after < 1)
			*retry_after = 1;
		rc = -1;
	} else {
		s->tokens -= 1.0;
		s->running++;
	}
	pthread_mutex_unlock(&l->lock);
	return rc;
}

void mg_api_limits_leave(mg_api_limits *l, const char *client)
{
	struct slot *s;

	pthread_mutex_lock(&l->lock);
	s = slot_of(l, client, 0);
	if (s->running)
		s->running--;
	pthread_mutex_unlock(&l->lock);
}
