/* outfile.c - durable, never-overwriting output files (see outfile.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "outfile.h"

#define REPORT_SUFFIX ".report.json"
/* Past this many variants something is wrong: give up rather than loop. */
#define MAX_VARIANTS 10000

char *mg_outfile_variant(const char *name, unsigned n)
{
	size_t len = strlen(name), slen = strlen(REPORT_SUFFIX), stem;
	const char *suffix = "", *dot;
	char *out = NULL;

	if (len > slen && strcmp(name + len - slen, REPORT_SUFFIX) == 0) {
		suffix = REPORT_SUFFIX;
		len -= slen;
	}
	/* the extension: the last dot that is not the first character */
	dot = NULL;
	for (const char *p = name + 1; p < name + len; p++)
		if (*p == '.')
			dot = p;
	stem = dot ? (size_t)(dot - name) : len;
	if (asprintf(&out, "%.*s (%u)%.*s%s", (int)stem, name, n, (int)(len - stem), name + stem,
	             suffix) < 0)
		return NULL;
	return out;
}

/* Moves tmp to target unless target exists: 0, 1 when taken, -1. */
static int place(const char *tmp, const char *target)
{
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, target, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno == EEXIST)
		return 1;
	if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP)
		return -1;
	/* no RENAME_NOREPLACE here: link(2) refuses to replace too */
	if (link(tmp, target) < 0)
		return errno == EEXIST ? 1 : -1;
	unlink(tmp);
	return 0;
}

int mg_outfile_write(const char *dir, const char *name, const void *const *parts,
                     const size_t *lens, size_t nparts, char **final)
{
	char *tmp, *cand = NULL, *path = NULL;
	int rc = -1, e;

	if (asprintf(&path, "%s/%s", dir, MG_OUTFILE_TMP_PREFIX) < 0)
		return -1;
	tmp = mg_write_temp(path, parts, lens, nparts);
	free(path);
	path = NULL;
	if (!tmp)
		return -1;
	for (unsigned n = 1; n <= MAX_VARIANTS; n++) {
		int r;

		cand = n == 1 ? strdup(name) : mg_outfile_variant(name, n);
		if (!cand || asprintf(&path, "%s/%s", dir, cand) < 0) {
			path = NULL;
			break;
		}
		r = place(tmp, path);
		free(path);
		path = NULL;
		if (r == 0) {
			rc = 0;
			break;
		}
		free(cand);
		cand = NULL;
		if (r < 0)
			break;
		errno = EEXIST;
	}
	e = errno;
	if (rc < 0) {
		unlink(tmp);
	} else if (mg_fsync_dir(dir) < 0) {
		e = errno;
		rc = -1;
	}
	if (rc == 0 && final)
		*final = cand;
	else
		free(cand);
	free(tmp);
	errno = e;
	return rc;
}
