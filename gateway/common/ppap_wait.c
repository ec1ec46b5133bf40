/*
 * ppap_wait.c - the shared table of waiting candidate passwords (see
 * ppap_wait.h for why it is a shared anonymous mapping).
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>

#include "ppap_wait.h"

typedef struct slot {
	int64_t at; /* 0: free */
	char item_id[40];
	char sender[321];
	char rcpts[MG_PPAP_RCPTS]; /* joined by ", " */
	size_t n;
	char cand[MG_PPAP_CANDIDATES][MG_PPAP_CAND_LEN + 1];
} slot;

typedef struct table {
	pthread_mutex_t lock, pairing;
	slot slots[MG_PPAP_SLOTS];
} table;

static table *t;

static void mutex_init(pthread_mutex_t *m)
{
	pthread_mutexattr_t a;

	pthread_mutexattr_init(&a);
	pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	/* a process killed while holding it does not stop the others */
	pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_init(m, &a);
	pthread_mutexattr_destroy(&a);
}

int mg_ppap_wait_init(void)
{
	void *p;

	if (t)
		return 0;
	p = mmap(NULL, sizeof(table), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	/* passwords never go into a core dump or to swap, where we can help it */
	madvise(p, sizeof(table), MADV_DONTDUMP);
	(void)mlock(p, sizeof(table));
	t = p;
	mutex_init(&t->lock);
	mutex_init(&t->pairing);
	return 0;
}

static void lock(pthread_mutex_t *m)
{
	if (pthread_mutex_lock(m) == EOWNERDEAD)
		pthread_mutex_consistent(m);
}

static void wipe(slot *s)
{
	explicit_bzero(s, sizeof(*s));
}

void mg_ppap_offer_wipe(mg_ppap_offer *o, size_t n)
{
	explicit_bzero(o, n * sizeof(*o));
}

static void join(char *out, size_t cap, const char *const *rcpts, size_t n)
{
	size_t used = 0;

	out[0] = 0;
	for (size_t i = 0; i < n && used < cap; i++) {
		int w = snprintf(out + used, cap - used, "%s%s", i ? ", " : "", rcpts[i]);

		if (w < 0 || (size_t)w >= cap - used) {
			out[used] = 0; /* a recipient cut in half is not kept */
			break;
		}
		used += (size_t)w;
	}
}

/* Whether addr (len bytes) is one of the joined recipients. */
static bool listed(const char *joined, const char *addr, size_t len)
{
	for (const char *p = joined; *p;) {
		size_t n = strcspn(p, ", ");

		if (n == len && strncasecmp(p, addr, len) == 0)
			return true;
		p += n;
		p += strspn(p, ", ");
	}
	return false;
}

/* Whether two joined recipient lists share an address. */
static bool overlap(const char *a, const char *b)
{
	for (const char *p = a; *p;) {
		size_t n = strcspn(p, ", ");

		if (n && listed(b, p, n))
			return true;
		p += n;
		p += strspn(p, ", ");
	}
	return false;
}

void mg_ppap_wait_put(const char *item_id, const char *sender, const char *const *rcpts,
                      size_t nrcpts, char *const *cands, size_t n, int64_t now)
{
	slot *s = NULL;

	if (!t && mg_ppap_wait_init() < 0)
		return;
	if (!n || !sender || !*sender)
		return;
	lock(&t->lock);
	for (size_t i = 0; i < MG_PPAP_SLOTS; i++) {
		slot *c = &t->slots[i];

		/* a free slot, else the oldest offer gives way */
		if (!s || c->at < s->at)
			s = c;
		if (c->at == 0)
			break;
	}
	wipe(s);
	s->at = now;
	snprintf(s->item_id, sizeof(s->item_id), "%s", item_id);
	snprintf(s->sender, sizeof(s->sender), "%s", sender);
	join(s->rcpts, sizeof(s->rcpts), rcpts, nrcpts);
	for (size_t i = 0; i < n && s->n < MG_PPAP_CANDIDATES; i++)
		if (strlen(cands[i]) <= MG_PPAP_CAND_LEN)
			snprintf(s->cand[s->n++], MG_PPAP_CAND_LEN + 1, "%s", cands[i]);
	pthread_mutex_unlock(&t->lock);
}

size_t mg_ppap_wait_find(const char *sender, const char *recipients, int64_t since,
                         const char *not_item, mg_ppap_offer *out, size_t max)
{
	size_t found = 0;

	if (!t || !sender || !*sender)
		return 0;
	lock(&t->lock);
	for (size_t i = 0; i < MG_PPAP_SLOTS; i++) {
		slot *s = &t->slots[i];

		if (s->at && s->at < since)
			wipe(s);
		if (!s->at || strcasecmp(s->sender, sender) != 0 || !overlap(s->rcpts, recipients) ||
		    (not_item && strcmp(s->item_id, not_item) == 0))
			continue;
		/* newest first: insertion into the sorted copy */
		size_t k = found < max ? found++ : max;

		while (k > 0 && out[k - 1].at < s->at) {
			if (k < max)
				out[k] = out[k - 1];
			k--;
		}
		if (k >= max)
			continue;
		memset(&out[k], 0, sizeof(out[k]));
		snprintf(out[k].item_id, sizeof(out[k].item_id), "%s", s->item_id);
		out[k].at = s->at;
		out[k].n = s->n;
		memcpy(out[k].cand, s->cand, sizeof(s->cand));
	}
	pthread_mutex_unlock(&t->lock);
	return found;
}

void mg_ppap_pairing_lock(void)
{
	if (t || mg_ppap_wait_init() == 0)
		lock(&t->pairing);
}

void mg_ppap_pairing_unlock(void)
{
	if (t)
		pthread_mutex_unlock(&t->pairing);
}
