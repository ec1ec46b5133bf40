/*
 * drop_claim.c - claiming inbox files by rename, taking over a dead
 * node's claims (see drop_claim.h).
 *
 * Only this node writes into its own claim folder (one dropd a node), so
 * a name taken there means a pending claim of the same name: the new
 * file waits in the inbox until that one is done, never replaces it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "drop_claim.h"
#include "drop_lease.h"
#include "fileio.h"
#include "log.h"

#define MAX_DEPTH 17 /* the inbox's 16 levels and the file */

static char *join(const char *a, const char *b)
{
	char *s = NULL;

	if (asprintf(&s, "%s%s%s", a, *a && *b ? "/" : "", b) < 0)
		return NULL;
	return s;
}

/* The parent folder of path (free() it). */
static char *parent_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? strndup(path, (size_t)(slash - path)) : strdup(".");
}

/* rename(2) that never replaces: the kernel's RENAME_NOREPLACE, or where
 * the file system lacks it a check first (safe: only this process
 * writes into its claim folder). */
static int rename_noreplace(const char *from, const char *to)
{
	struct stat st;
	char *dir = parent_of(to);
	int rc = dir ? mg_mkdirs(dir, 0750) : -1;

	free(dir);
	if (rc < 0)
		return -1;
	if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	if (lstat(to, &st) == 0) {
		errno = EEXIST;
		return -1;
	}
	return rename(from, to);
}

int mg_claims_open(mg_claims *c, const char *inbox, const char *node, unsigned timeout,
                   mq_store *store)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->node, sizeof(c->node), "%s", node);
	c->timeout = timeout;
	c->store = store;
	c->inbox = strdup(inbox);
	c->root = join(inbox, MG_CLAIMS_DIR);
	c->mine = c->root ? join(c->root, node) : NULL;
	if (!c->inbox || !c->mine) {
		errno = ENOMEM;
		return -1;
	}
	return mg_mkdirs(c->mine, 0750);
}

void mg_claims_close(mg_claims *c)
{
	free(c->inbox);
	free(c->root);
	free(c->mine);
	memset(c, 0, sizeof(*c));
}

char *mg_claim_path(const mg_claims *c, const char *rel)
{
	return join(c->mine, rel);
}

/* The lease key: the claim's path below .claims. */
static char *lease_key(const char *node, const char *rel)
{
	return join(node, rel);
}

void mg_claim_renew(const mg_claims *c, const char *rel)
{
	char *key = c->store ? lease_key(c->node, rel) : NULL, *err = NULL;

	/* a lease not written only lets another node take the claim over
	 * after the timeout: at least once, never lost */
	if (key && mq_drop_lease_hold(c->store, key, c->node, (int64_t)time(NULL) + c->timeout,
	                              &err) < 0)
		mg_log_warn("dropd: lease on %s: %s", key, err ? err : "failed");
	free(err);
	free(key);
}

int mg_claim(const mg_claims *c, const char *rel, char **path)
{
	char *from = join(c->inbox, rel), *to = mg_claim_path(c, rel);
	int rc = -1;

	*path = NULL;
	if (from && to && rename_noreplace(from, to) == 0) {
		rc = 1;
		*path = to;
		to = NULL;
		mg_claim_renew(c, rel);
	} else if (from && to && (errno == ENOENT || errno == EEXIST)) {
		rc = 0; /* another node won, or our pending claim of that name first */
	}
	free(from);
	free(to);
	return rc;
}

/* Removes the claim's folders left empty, up to (not including) mine. */
static void prune_dirs(const char *top, const char *path)
{
	char *dir = parent_of(path);

	while (dir && strlen(dir) > strlen(top) && rmdir(dir) == 0) {
		char *up = parent_of(dir);

		free(dir);
		dir = up;
	}
	free(dir);
}

void mg_claim_done(const mg_claims *c, const char *rel)
{
	char *key = c->store ? lease_key(c->node, rel) : NULL, *path = mg_claim_path(c, rel);
	char *err = NULL;

	if (key && mq_drop_lease_release(c->store, key, &err) < 0)
		mg_log_warn("dropd: lease on %s: %s", key, err ? err : "failed");
	if (path)
		prune_dirs(c->mine, path);
	free(err);
	free(key);
	free(path);
}

/* Calls fn(arg, rel) for every non-folder below base/rel. */
static void walk(const char *base, const char *rel, unsigned depth,
                 void (*fn)(void *, const char *, const struct stat *), void *arg)
{
	char *path = join(base, rel);
	DIR *dir = path ? opendir(path) : NULL;
	struct dirent *e;

	while (dir && (e = readdir(dir))) {
		char *child, *full;
		struct stat st;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		child = join(rel, e->d_name);
		full = child ? join(base, child) : NULL;
		if (full && lstat(full, &st) == 0) {
			if (!S_ISDIR(st.st_mode))
				fn(arg, child, &st);
			else if (depth < MAX_DEPTH)
				walk(base, child, depth + 1, fn, arg);
		}
		free(child);
		free(full);
	}
	if (dir)
		closedir(dir);
	free(path);
}

struct adopt {
	const mg_claims *c;
	const char *from_node, *from_dir;
	time_t now;
	unsigned taken;
};

/* Takes one claim of a dead node: the lease first (under the index's
 * write lock, so one node wins it), then the rename. */
static void adopt_one(void *arg, const char *rel, const struct stat *st)
{
	struct adopt *a = arg;
	const mg_claims *c = a->c;
	char *from_key = lease_key(a->from_node, rel), *to_key = lease_key(c->node, rel);
	char *from = join(a->from_dir, rel), *to = mg_claim_path(c, rel), *err = NULL;
	int leased = 1;

	if (a->now - st->st_ctime < (time_t)c->timeout || !from_key || !to_key || !from || !to)
		goto done; /* young: its node may be working on it */
	if (c->store)
		leased = mq_drop_lease_takeover(c->store, from_key, to_key, c->node,
		                                (int64_t)a->now + c->timeout, &err);
	if (leased < 0)
		mg_log_warn("dropd: takeover of %s: %s", from_key, err ? err : "failed");
	if (leased != 1)
		goto done;
	if (rename_noreplace(from, to) < 0) {
		if (c->store)
			mq_drop_lease_release(c->store, to_key, NULL);
		if (errno != ENOENT && errno != EEXIST)
			mg_log_warn("dropd: takeover of %s: %s", from, strerror(errno));
		goto done;
	}
	mg_log_info("dropd: took over %s from node %s (claimed %lds ago)", rel, a->from_node,
	            (long)(a->now - st->st_ctime));
	prune_dirs(a->from_dir, from);
	a->taken++;
done:
	free(err);
	free(from_key);
	free(to_key);
	free(from);
	free(to);
}

unsigned mg_claims_adopt(const mg_claims *c, time_t now)
{
	DIR *dir = opendir(c->root);
	struct dirent *e;
	unsigned taken = 0;

	while (dir && (e = readdir(dir))) {
		struct adopt a = { c, e->d_name, NULL, now, 0 };
		char *from_dir;

		if (e->d_name[0] == '.' || strcmp(e->d_name, c->node) == 0)
			continue;
		from_dir = join(c->root, e->d_name);
		a.from_dir = from_dir;
		if (from_dir)
			walk(from_dir, "", 0, adopt_one, &a);
		free(from_dir);
		taken += a.taken;
	}
	if (dir)
		closedir(dir);
	return taken;
}

struct each_own {
	void (*fn)(void *, const char *);
	void *arg;
};

static void own_one(void *arg, const char *rel, const struct stat *st)
{
	struct each_own *o = arg;

	(void)st;
	o->fn(o->arg, rel);
}

void mg_claims_each_own(const mg_claims *c, void (*fn)(void *arg, const char *rel), void *arg)
{
	struct each_own o = { fn, arg };

	walk(c->mine, "", 0, own_one, &o);
}
