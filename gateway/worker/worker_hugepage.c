/*
 * worker_hugepage.c - the zygote's warm heap moved onto huge pages.
 *
 * Why: the warm-up leaves the zygote with some 60 MB of anonymous memory
 * (Tesseract's language data, libmagic's database, fontconfig's caches).
 * Every job process is a fork of it, and a fork copies, and an exit
 * frees, one page-table entry per 4 KiB page: under load that was the
 * largest cost of an item after the parsing itself (clone, exit_group
 * and copy-on-write faults, a third of the job's CPU).  On 2 MiB pages
 * the same memory is some thirty entries.  The job still gets a private
 * copy of whatever it writes (copy on write splits the huge page), so
 * nothing of one item is visible to the next: the isolation is the
 * fork's, unchanged.
 *
 * Best effort: a kernel without transparent huge pages or MADV_COLLAPSE
 * (Linux 6.1) leaves the heap as it was, and the jobs as they were.
 */
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "worker_proto.h"

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif

#define HUGE_PAGE ((unsigned long)2 << 20)

/* One writable private anonymous range (the heap, large mallocs) made
 * eligible for huge pages and collapsed onto them now. */
static void collapse_range(unsigned long start, unsigned long end)
{
	start = (start + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
	end &= ~(HUGE_PAGE - 1);
	if (end <= start)
		return;
	if (madvise((void *)start, end - start, MADV_HUGEPAGE) == 0)
		(void)madvise((void *)start, end - start, MADV_COLLAPSE);
}

void mg_worker_heap_to_hugepages(void)
{
	FILE *maps;
	char line[512];

	/* what the warm-up freed goes back first, not copied into huge pages */
	malloc_trim(0);
	maps = fopen("/proc/self/maps", "re");
	if (!maps)
		return;
	while (fgets(line, sizeof(line), maps)) {
		unsigned long start, end, off;
		char perms[5], path[256] = "";
		int n = sscanf(line, "%lx-%lx %4s %lx %*s %*s %255s", &start, &end, perms, &off, path);

		if (n < 4 || strcmp(perms, "rw-p") != 0 || end - start < HUGE_PAGE)
			continue;
		/* anonymous memory only: no file, no stack */
		if (path[0] && strcmp(path, "[heap]") != 0)
			continue;
		collapse_range(start, end);
	}
	fclose(maps);
}
