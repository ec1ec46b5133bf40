/*
 * worker_heap_fresh.c - the zygote's free chunks kept from its jobs.
 *
 * Why: a job is a fork of the warm zygote.  Its first mallocs are served
 * from the chunks the warm-up freed, scattered over pages the zygote
 * wrote, so each one it touches is a copy-on-write fault that copies the
 * zygote's page (some 300 of them for a mail with a .docm).  Once the
 * zygote has taken every free chunk for itself, a job's mallocs come from
 * the top of the heap: pages no process has touched, which the kernel
 * hands out zeroed and does not copy.  The chunks stay allocated and
 * unused in the zygote (they are already resident: no memory is added),
 * and nothing of the zygote's is visible to a job that it could not see
 * before: isolation is the fork's, unchanged.
 *
 * The heap is also told not to give memory back (a job ends anyway, and
 * what it gave back it would fault in again) and to serve requests up to
 * 32 MiB from the heap rather than from a mapping of their own each.
 */
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "worker_proto.h"

/* From large to small, so that big free chunks are taken whole rather
 * than cut into thousands of small ones; then every size glibc's
 * per-thread cache keeps apart (16 to 1032 bytes in steps of 16), which a
 * request of another size never takes. */
static const size_t large[] = { 1u << 20, 256u << 10, 64u << 10, 16u << 10, 4096, 2048 };
#define TCACHE_MAX 1032
#define TCACHE_STEP 16
/* A bound on the chunks taken per size, against a heap that never ends. */
#define MAX_TAKEN 1000000ul

/* Takes chunks of one size until one comes from above top. */
static unsigned long take(size_t size, uintptr_t top)
{
	unsigned long taken = 0;

	for (unsigned long k = 0; k < MAX_TAKEN; k++) {
		void *p = malloc(size);

		if (!p)
			break;
		if ((uintptr_t)p >= top) {
			free(p); /* the top reached: no free chunk of this size left */
			break;
		}
		taken++; /* kept, never freed */
	}
	return taken;
}

unsigned long mg_worker_heap_fresh(void)
{
	uintptr_t top;
	unsigned long taken = 0;

	mallopt(M_TRIM_THRESHOLD, 256 << 20);
	mallopt(M_MMAP_THRESHOLD, 32 << 20);
	top = (uintptr_t)sbrk(0);
	for (size_t i = 0; i < sizeof(large) / sizeof(large[0]); i++)
		taken += take(large[i], top);
	for (size_t size = TCACHE_MAX; size >= TCACHE_STEP; size -= TCACHE_STEP)
		taken += take(size, top);
	return taken;
}
