/* testutil_store.c - originals put into a quarantine store by the tests. */
#include <check.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil_store.h"

void ts_put_file(mq_store *s, const char *id, const void *data, size_t len)
{
	mq_meta m = { .channel = "file", .subject = id, .verdict = "blocked", .reasons = "test" };
	char *err = NULL;
	int rc;

	snprintf(m.item_id, sizeof(m.item_id), "%s", id);
	rc = mq_put(s, &m, data, len, "{}", &err);
	ck_assert_msg(rc == MQ_OK, "put %s: %s", id, err ? err : "?");
}

unsigned char *ts_random_original(size_t len)
{
	unsigned char *b = malloc(len ? len : 1);

	ck_assert_ptr_nonnull(b);
	randombytes_buf(b, len);
	if (len >= 8)
		memcpy(b, "MZ\x90\0orig", 8);
	return b;
}
