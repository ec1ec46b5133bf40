/*
 * web_unlock_files.c - the sanitised file a recipient just unlocked, kept
 * in memory for a while so the success page can offer it for download.
 *
 * The unlock link is dead once it worked, so the download has its own
 * name: a fresh random id, given only in that success page.  Entries are
 * few and short-lived (MW_UNLOCK_FILES, MW_UNLOCK_FILE_TTL), the oldest
 * evicted first: a restart of the UI loses them, and the contents were
 * delivered anyway (mail, or the outbox).
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web_internal.h"

struct unlocked_file {
	char id[MW_TOKEN_HEX + 1];
	unsigned char *data;
	size_t len;
	char name[256];
	int64_t at;
};

struct mw_unlock_files {
	pthread_mutex_t lock;
	struct unlocked_file e[MW_UNLOCK_FILES];
};

struct mw_unlock_files *mw_unlock_files_new(void)
{
	struct mw_unlock_files *f = calloc(1, sizeof(*f));

	if (f)
		pthread_mutex_init(&f->lock, NULL);
	return f;
}

static void drop(struct unlocked_file *e)
{
	free(e->data);
	memset(e, 0, sizeof(*e));
}

void mw_unlock_files_free(struct mw_unlock_files *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < MW_UNLOCK_FILES; i++)
		drop(&f->e[i]);
	pthread_mutex_destroy(&f->lock);
	free(f);
}

static void expire(struct mw_unlock_files *f, int64_t now)
{
	for (size_t i = 0; i < MW_UNLOCK_FILES; i++)
		if (f->e[i].data && now - f->e[i].at >= MW_UNLOCK_FILE_TTL)
			drop(&f->e[i]);
}

int mw_unlock_files_put(struct mw_unlock_files *f, unsigned char *data, size_t len,
                        const char *name, int64_t now, char id[MW_TOKEN_HEX + 1])
{
	struct unlocked_file *e;

	if (!data)
		return -1;
	pthread_mutex_lock(&f->lock);
	expire(f, now);
	e = &f->e[0];
	for (size_t i = 0; i < MW_UNLOCK_FILES; i++) {
		if (!f->e[i].data) {
			e = &f->e[i];
			break;
		}
		if (f->e[i].at < e->at)
			e = &f->e[i];
	}
	drop(e);
	mw_token_new(e->id);
	e->data = data;
	e->len = len;
	e->at = now;
	snprintf(e->name, sizeof(e->name), "%s", name ? name : "unlocked.bin");
	memcpy(id, e->id, sizeof(e->id));
	pthread_mutex_unlock(&f->lock);
	return 0;
}

int mw_unlock_files_get(struct mw_unlock_files *f, const char *id, int64_t now,
                        unsigned char **data, size_t *len, char *name, size_t name_size)
{
	int rc = -1;

	*data = NULL;
	*len = 0;
	pthread_mutex_lock(&f->lock);
	expire(f, now);
	for (size_t i = 0; i < MW_UNLOCK_FILES && rc < 0; i++) {
		struct unlocked_file *e = &f->e[i];

		if (!e->data || !mw_token_equal(e->id, id))
			continue;
		*data = malloc(e->len ? e->len : 1);
		if (*data) {
			memcpy(*data, e->data, e->len);
			*len = e->len;
			snprintf(name, name_size, "%s", e->name);
			rc = 0;
		}
		break;
	}
	pthread_mutex_unlock(&f->lock);
	return rc;
}
