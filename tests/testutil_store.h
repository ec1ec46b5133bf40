/* testutil_store.h - helpers shared by the quarantine store's Check tests. */
#ifndef MUGAI_TESTUTIL_STORE_H
#define MUGAI_TESTUTIL_STORE_H

#include <stddef.h>

#include "quarantine.h"

/* Stores data as the original of a blocked file item named id; aborts
 * the test on failure. */
void ts_put_file(mq_store *s, const char *id, const void *data, size_t len);
/* An original made here, different on every run: random bytes opening
 * with a marker.  free() it. */
unsigned char *ts_random_original(size_t len);

#endif
