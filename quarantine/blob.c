/* blob.c - the content-addressed store of originals. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blob.h"
#include "util.h"

void mq_sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, data, len);
	sodium_bin2hex(out, 65, h, sizeof(h));
}

/* Only 64 lowercase hex digits ever become a path. */
static int valid_sha(const char *sha)
{
	size_t i;

	for (i = 0; i < 64; i++)
		if (!((sha[i] >= '0' && sha[i] <= '9') || (sha[i] >= 'a' && sha[i] <= 'f')))
			return 0;
	return sha[i] == 0;
}

static int is_hex2(const char *name)
{
	return strlen(name) == 2 && strspn(name, "0123456789abcdef") == 2;
}

struct paths {
	char top[4096], d1[4096], d2[4096], file[4096];
	int levels; /* 1: d2 is d1 */
};

/*
 * A store made by this version keeps its blobs one level down, DIR/ab/<sha>
 * (256 directories, made once): a new original then costs a file and the
 * fsync of its directory, where DIR/ab/cd/<sha> (65536 directories) made
 * and fsynced a directory for most of a young store's items.  The marker
 * file says so; a store without it that already has fan-out directories
 * is an older one and keeps its two levels.
 */
#define ONE_LEVEL_MARKER ".fanout-1"

static int fsync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* Whether dir has a two-hex-digit entry (an older store's first level). */
static int has_fanout_dirs(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int found = 0;

	if (!d)
		return 0;
	while (!found && (de = readdir(d)))
		found = is_hex2(de->d_name);
	closedir(d);
	return found;
}

static struct {
	pthread_mutex_t lock;
	char dir[4096];
	int levels; /* 0: not known yet */
	int ready;  /* one level: its directories made and durable */
} layout = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* 1 or 2, as the store at dir was made; an empty store is a new one. */
static int fanout_levels(const char *dir)
{
	char marker[4200];
	int levels;

	pthread_mutex_lock(&layout.lock);
	if (strcmp(layout.dir, dir) != 0) {
		snprintf(layout.dir, sizeof(layout.dir), "%s", dir);
		layout.levels = layout.ready = 0;
	}
	levels = layout.levels;
	if (!levels) {
		snprintf(marker, sizeof(marker), "%s/" ONE_LEVEL_MARKER, dir);
		if (access(marker, F_OK) == 0)
			levels = layout.levels = 1;
		else if (has_fanout_dirs(dir))
			levels = layout.levels = 2;
		else
			levels = 1; /* not cached: the marker is made by the first put */
	}
	pthread_mutex_unlock(&layout.lock);
	return levels;
}

static int make_paths(const char *dir, const char *sha, struct paths *p, char **err)
{
	int n2;

	if (!valid_sha(sha))
		return mq_fail(err, -1, "not a SHA-256: '%.80s'", sha);
	p->levels = fanout_levels(dir);
	n2 = p->levels == 1 ? snprintf(p->d2, sizeof(p->d2), "%s/%.2s", dir, sha)
	                    : snprintf(p->d2, sizeof(p->d2), "%s/%.2s/%.2s", dir, sha, sha + 2);
	if ((size_t)snprintf(p->top, sizeof(p->top), "%s", dir) >= sizeof(p->top) ||
	    (size_t)snprintf(p->d1, sizeof(p->d1), "%s/%.2s", dir, sha) >= sizeof(p->d1) ||
	    (size_t)n2 >= sizeof(p->d2) ||
	    (size_t)snprintf(p->file, sizeof(p->file), "%s/%s", p->d2, sha) >= sizeof(p->file))
		return mq_fail(err, -1, "quarantine.dir path too long");
	return 0;
}

/* 1 when mkdir made it, 0 when it was there, -1 on error. */
static int make_dir(const char *path, char **err)
{
	if (mkdir(path, 0750) == 0)
		return 1;
	if (errno != EEXIST)
		return mq_fail(err, -1, "quarantine: cannot create %s: %s", path, strerror(errno));
	return 0;
}

/*
 * Which fan-out directories this process has seen durable in their
 * parents: ab/ (256) and ab/cd/ (65536), one bit each, for one store
 * directory.  Nothing ever removes them, so once their entries were
 * fsynced they stay; a level not yet seen here, or made just now, is
 * fsynced into its parent (even when another writer made it: it may not
 * have fsynced yet).  Only the leaf, which gets the new file's entry, is
 * fsynced every time.
 */
static struct {
	pthread_mutex_t lock;
	char dir[4096];
	unsigned char d1[256 / 8], d2[65536 / 8];
} seen = { .lock = PTHREAD_MUTEX_INITIALIZER };

static unsigned hex_val(char c)
{
	return c <= '9' ? (unsigned)(c - '0') : (unsigned)(c - 'a' + 10);
}

/* Whether bit i of the level is known durable (set: now it is). */
static int seen_bit(const char *dir, int level, unsigned i, int set)
{
	unsigned char *bits;
	int was;

	pthread_mutex_lock(&seen.lock);
	if (strcmp(seen.dir, dir) != 0) {
		snprintf(seen.dir, sizeof(seen.dir), "%s", dir);
		memset(seen.d1, 0, sizeof(seen.d1));
		memset(seen.d2, 0, sizeof(seen.d2));
	}
	bits = level == 1 ? seen.d1 : seen.d2;
	was = bits[i / 8] >> (i % 8) & 1;
	if (set)
		bits[i / 8] |= (unsigned char)(1u << (i % 8));
	pthread_mutex_unlock(&seen.lock);
	return was;
}

/*
 * A one-level store's 256 fan-out directories are made up front, once per
 * process and store: the marker first, durable (so a store with fan-out
 * directories and no marker is always an older one, even after a crash),
 * then every directory and one fsync of the store directory, which also
 * makes durable any a process that died before its fsync had made.  After
 * that an original costs no directory of its own.
 */
static int prepare_one_level(const char *dir, char **err)
{
	char path[4200];
	int fd, cached;

	pthread_mutex_lock(&layout.lock);
	cached = layout.levels == 1 && layout.ready && strcmp(layout.dir, dir) == 0;
	pthread_mutex_unlock(&layout.lock);
	if (cached)
		return 0;
	snprintf(path, sizeof(path), "%s/" ONE_LEVEL_MARKER, dir);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0 || fsync(fd) < 0 || close(fd) < 0 || fsync_dir(dir) < 0)
		return mq_fail(err, -1, "quarantine: cannot create %s: %s", path, strerror(errno));
	for (unsigned i = 0; i < 256; i++) {
		snprintf(path, sizeof(path), "%s/%02x", dir, i);
		if (make_dir(path, err) < 0)
			return -1;
	}
	if (fsync_dir(dir) < 0)
		return mq_fail(err, -1, "quarantine: fsync of %s: %s", dir, strerror(errno));
	pthread_mutex_lock(&layout.lock);
	if (strcmp(layout.dir, dir) == 0) {
		layout.levels = 1;
		layout.ready = 1;
	}
	pthread_mutex_unlock(&layout.lock);
	return 0;
}

/* The fan-out levels of sha exist, their entries durable. */
static int make_fanout(const char *dir, const struct paths *p, const char *sha, char **err)
{
	unsigned i1 = hex_val(sha[0]) << 4 | hex_val(sha[1]);
	unsigned i2 = i1 << 8 | hex_val(sha[2]) << 4 | hex_val(sha[3]);
	int made1, made2;

	if (p->levels == 1 && prepare_one_level(dir, err) < 0)
		return -1;
	if ((made1 = make_dir(p->d1, err)) < 0)
		return -1;
	/* one level: made up front, durable, unless removed since */
	if (made1 || (p->levels == 2 && !seen_bit(dir, 1, i1, 0))) {
		if (fsync_dir(p->top) < 0)
			return mq_fail(err, -1, "quarantine: fsync of %s: %s", p->top, strerror(errno));
		seen_bit(dir, 1, i1, 1);
	}
	if (p->levels == 1)
		return 0;
	if ((made2 = make_dir(p->d2, err)) < 0)
		return -1;
	if (made2 || !seen_bit(dir, 2, i2, 0)) {
		if (fsync_dir(p->d1) < 0)
			return mq_fail(err, -1, "quarantine: fsync of %s: %s", p->d1, strerror(errno));
		seen_bit(dir, 2, i2, 1);
	}
	return 0;
}

int mq_blob_init(const char *dir, char **err)
{
	struct stat st;

	if (!dir || !*dir)
		return mq_fail(err, -1, "quarantine.dir is empty");
	if (make_dir(dir, err) < 0)
		return -1;
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return mq_fail(err, -1, "quarantine: %s is not a directory", dir);
	if (access(dir, W_OK | X_OK) < 0)
		return mq_fail(err, -1, "quarantine: %s: %s", dir, strerror(errno));
	return 0;
}

static int write_all(int fd, const unsigned char *p, size_t len)
{
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

/* Temp file beside the final name, fsync, rename into place. */
static int write_blob(const struct paths *p, const char *sha, const void *data, size_t len,
                      char **err)
{
	char tmp[4200];
	int fd, e;

	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp.XXXXXX", p->d2, sha);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return mq_fail(err, -1, "quarantine: cannot create a file in %s: %s", p->d2,
		               strerror(errno));
	if (write_all(fd, data, len) < 0 || fchmod(fd, 0640) < 0 || fsync(fd) < 0) {
		e = errno;
		close(fd);
		goto fail;
	}
	if (close(fd) < 0 || rename(tmp, p->file) < 0) {
		e = errno;
		goto fail;
	}
	return 0;
fail:
	unlink(tmp);
	return mq_fail(err, -1, "quarantine: cannot store %s: %s", sha, strerror(e));
}

int mq_blob_put(const char *dir, const char *sha, const void *data, size_t len, char **err)
{
	struct paths p;

	if (make_paths(dir, sha, &p, err) < 0 || make_fanout(dir, &p, sha, err) < 0)
		return -1;
	if (!mq_blob_present(dir, sha, len) && write_blob(&p, sha, data, len, err) < 0)
		return -1;
	/* even when another writer stored it: its entry must be durable
	 * before we report the blob stored */
	if (fsync_dir(p.d2) < 0)
		return mq_fail(err, -1, "quarantine: fsync of %s: %s", p.d2, strerror(errno));
	return 0;
}

int mq_blob_present(const char *dir, const char *sha, size_t len)
{
	struct paths p;
	struct stat st;

	if (make_paths(dir, sha, &p, NULL) < 0 || stat(p.file, &st) < 0)
		return 0;
	return S_ISREG(st.st_mode) && (uint64_t)st.st_size == (uint64_t)len;
}

int mq_blob_open(const char *dir, const char *sha, size_t len, char **err)
{
	struct paths p;
	struct stat st;
	int fd;

	if (make_paths(dir, sha, &p, err) < 0)
		return -1;
	fd = open(p.file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return mq_fail(err, -1, "quarantine: original %s: %s", sha, strerror(errno));
	if (fstat(fd, &st) < 0 || (uint64_t)st.st_size != (uint64_t)len) {
		close(fd);
		return mq_fail(err, -1, "quarantine: original %s has the wrong size", sha);
	}
	return fd;
}

int mq_blob_read(const char *dir, const char *sha, size_t len, unsigned char **data, char **err)
{
	struct paths p;
	struct stat st;
	unsigned char *buf = NULL;
	char got[65];
	int fd, rc = -1;

	*data = NULL;
	if (make_paths(dir, sha, &p, err) < 0)
		return -1;
	fd = open(p.file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return mq_fail(err, -1, "quarantine: original %s: %s", sha, strerror(errno));
	if (fstat(fd, &st) < 0 || (uint64_t)st.st_size != (uint64_t)len) {
		mq_fail(err, -1, "quarantine: original %s has the wrong size", sha);
		goto done;
	}
	buf = malloc(len ? len : 1);
	if (!buf || mq_read_exact(fd, buf, len) < 0) {
		mq_fail(err, -1, "quarantine: cannot read original %s", sha);
		goto done;
	}
	mq_sha256_hex(buf, len, got);
	if (strcmp(got, sha) != 0) {
		mq_fail(err, -1, "quarantine: original %s is corrupt (its content hashes to %s)", sha,
		        got);
		goto done;
	}
	*data = buf;
	buf = NULL;
	rc = 0;
done:
	free(buf);
	close(fd);
	return rc;
}

int mq_blob_set_aside(const char *dir, const char *sha, char **aside, char **err)
{
	struct paths p;
	unsigned char rnd[8];
	char hex[17];

	*aside = NULL;
	if (make_paths(dir, sha, &p, err) < 0)
		return -1;
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(hex, sizeof(hex), rnd, sizeof(rnd));
	if (asprintf(aside, "%s/.%s.gone.%s", p.d2, sha, hex) < 0) {
		*aside = NULL;
		return mq_fail(err, -1, "out of memory");
	}
	if (rename(p.file, *aside) == 0)
		return 0;
	free(*aside);
	*aside = NULL;
	if (errno == ENOENT)
		return 0; /* already gone: nothing to undo */
	return mq_fail(err, -1, "quarantine: cannot remove original %s: %s", sha, strerror(errno));
}

void mq_blob_drop(const char *aside)
{
	char *slash;
	char dir[4200];

	if (!aside || unlink(aside) < 0)
		return;
	snprintf(dir, sizeof(dir), "%s", aside);
	slash = strrchr(dir, '/');
	if (slash) {
		*slash = 0;
		fsync_dir(dir);
	}
}

int mq_blob_restore(const char *dir, const char *sha, const char *aside)
{
	struct paths p;

	if (!aside || make_paths(dir, sha, &p, NULL) < 0)
		return -1;
	/* a writer may have stored the same content meanwhile: keep theirs */
	if (link(aside, p.file) < 0 && errno != EEXIST)
		return -1;
	unlink(aside);
	return fsync_dir(p.d2);
}

/* The blobs in path, then, depth allowing, in its fan-out subdirectories:
 * DIR/ab/<sha> (one level) and DIR/ab/cd/<sha> (an older store) alike. */
static int walk_dir(const char *path, int depth, int64_t before,
                    int (*fn)(const char *, void *), void *ctx)
{
	DIR *d = opendir(path);
	struct dirent *de;
	int rc = 0;

	if (!d)
		return 0;
	while (rc == 0 && (de = readdir(d))) {
		char file[4400];
		struct stat st;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if ((size_t)snprintf(file, sizeof(file), "%s/%s", path, de->d_name) >= sizeof(file))
			continue;
		if (lstat(file, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode) && depth > 0 && is_hex2(de->d_name))
			rc = walk_dir(file, depth - 1, before, fn, ctx);
		else if (!S_ISREG(st.st_mode) || (int64_t)st.st_mtime >= before || depth == 2)
			continue; /* the store's own files (the marker) are no blobs */
		else if (valid_sha(de->d_name))
			rc = fn(de->d_name, ctx);
		else if (de->d_name[0] == '.' &&
		         (strstr(de->d_name, ".tmp.") || strstr(de->d_name, ".gone.")))
			unlink(file); /* a crash between write and rename, or after a set-aside */
	}
	closedir(d);
	return rc;
}

int mq_blob_walk(const char *dir, int64_t before, int (*fn)(const char *sha, void *ctx), void *ctx)
{
	return walk_dir(dir, 2, before, fn, ctx);
}
