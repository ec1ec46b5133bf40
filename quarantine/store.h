/* store.h - the store's state, shared by the quarantine's source files. */
#ifndef MUGAI_QUARANTINE_STORE_H
#define MUGAI_QUARANTINE_STORE_H

#include <pthread.h>

#include "index.h"
#include "quarantine.h"

struct mq_store {
	char *dir;
	mq_index *ix;
	pthread_mutex_t lock; /* one call at a time per store */
	mq_release_fn release;
	void *release_ctx;
	int lazy_notes;       /* mq_note_delivery commits without waiting for the disk */
	int self_approval;    /* mq_approve_own allowed (an exception, off by default) */
	int db_blobs;         /* originals in the index's database (quarantine.store = index) */
	int dir_too;          /* with db_blobs: older originals may be files under dir */
};

/* The columns an mq_item is read from, in this order. */
#define MQ_ITEM_COLUMNS                                                                   \
	"item_id, sha256, channel, sender, recipients, subject, verdict, reasons, size, "  \
	"received, status, requested_by, request_reason, requested_at, decided_by, "       \
	"decision_reason, decided_at, node"

int mq_item_from_row(const mq_rows *r, size_t row, mq_item *it);
/* Reads one item inside or outside a transaction: MQ_OK, MQ_E_NOTFOUND. */
int mq_item_load(mq_store *s, const char *item_id, mq_item *it, char **err);
/* The acting user's role: MQ_E_REFUSED for an unknown or disabled user. */
int mq_actor_role(mq_store *s, const char *user, mq_role *role, char **err);
/* unlock.c: the report of an unlocked item says who or what supplied its
 * password ("mail:<item id>", "recipient:<address>", "cli"); inside a
 * write transaction. */
int mq_report_unlocked_by(mq_store *s, const char *item_id, const char *by, char **err);
/* 1 when the item, or a part of it, was encrypted (its verdict or its
 * report say so), 0 when not, MQ_E_ERROR (unlock.c). */
int mq_item_has_encrypted(mq_store *s, const mq_item *it, char **err);
/* Runs a write transaction's end: commit, or roll back when rc < 0. */
int mq_finish(mq_store *s, int rc, char **err);
/* Runs fn(s, arg, err) under the store's lock in one write transaction,
 * committed when fn returns >= 0 and rolled back otherwise. */
int mq_write_tx(mq_store *s, int (*fn)(mq_store *, void *, char **), void *arg, char **err);

#endif
