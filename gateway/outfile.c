/* outfile.c - durable, never-overwriting output files (see outfile.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

static int write_all(int fd, const void *data, size_t len)
{
	const unsigned char *p = data;

	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Writes the parts to a fresh temporary file in dir; its path or NULL. */
static char *write_temp(const char *dir, const void *const *parts, const size_t *lens,
                        size_t nparts)
{
	char *tmp = NULL;
	int fd, e;

	if (asprintf(&tmp, "%s/%sXXXXXX", dir, MG_OUTFILE_TMP_PREFIX) < 0)
		return NULL;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		goto fail;
	for (size_t i = 0; i < nparts; i++)
		if (write_all(fd, parts[i], lens[i]) < 0)
			goto fail_fd;
	if (fchmod(fd, 0644) < 0 || fsync(fd) < 0)
		goto fail_fd;
	if (close(fd) < 0) {
		fd = -1;
		goto fail_unlink;
	}
	return tmp;
fail_fd:
	e = errno;
	close(fd);
	errno = e;
fail_unlink:
	e = errno;
	unlink(tmp);
	errno = e;
fail:
	e = errno;
	free(tmp);
	errno = e;
	return NULL;
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

static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

int mg_outfile_write(const char *dir, const char *name, const void *const *parts,
                     const size_t *lens, size_t nparts, char **final)
{
	char *tmp = write_temp(dir, parts, lens, nparts), *cand = NULL, *path = NULL;
	int rc = -1, e;

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
	} else if (fsync_dir(dir) < 0) {
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
