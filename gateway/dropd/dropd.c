/*
 * dropd.c - the drop folder: files put in drop.inbox come out sanitised
 * in drop.outbox, each with NAME.report.json beside it.
 *
 * SECURITY: the inbox is written by people on the internet side, so every
 * name and file in it is hostile.  Nothing is followed (O_NOFOLLOW, lstat,
 * no symbolic links to directories), nothing is read past the policy's
 * max_size, and the bytes are parsed only by the sandboxed worker.  Output
 * names come from mg_output_name() (no path components) below the same
 * relative directory, and never replace an existing file.
 *
 * When a file is taken: inotify says it was closed after writing
 * (IN_CLOSE_WRITE) or renamed in (IN_MOVED_TO); a rescan at start-up and
 * every drop.rescan seconds (NFS, missed events, a full event queue) takes
 * files unchanged for drop.settle seconds.  Names a copy in progress uses
 * are skipped: dotfiles, ~$*, *.part, *.partial, *.tmp, *.crdownload,
 * *.filepart, *.swp, and our *.rejected.
 *
 * Subdirectories are followed (up to 16 deep) and their relative path is
 * kept in the outbox.  The input is removed only after the original is in
 * the quarantine and the output and its report are durably in the outbox;
 * any failure leaves it for the next attempt.  A blocked file leaves only
 * its report.  An encrypted file (PPAP) waits in the quarantine as
 * awaiting_password, its report naming the unlock link (drop_unlock.h).
 * A file that cannot be taken at all (larger than max_size,
 * not a regular file) is renamed NAME.rejected in the inbox, with a report
 * in the outbox: never dropped in silence.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>
#include <jansson.h>

#include "banks.h"
#include "buf.h"
#include "drop_claim.h"
#include "drop_renew.h"
#include "drop_unlock.h"
#include "fileio.h"
#include "item.h"
#include "log.h"
#include "metrics.h"
#include "outfile.h"
#include "quarantine_open.h"
#include "service.h"

#define MAX_DEPTH 16
#define REJECTED ".rejected"

typedef struct watch {
	int wd;
	char *rel; /* "" for the inbox itself */
} watch;

typedef struct dropd {
	const mg_service_ctx *ctx;
	const mg_config *cfg;
	mg_pipeline pipe;
	const char *inbox, *outbox;
	int ino;
	watch *watches;
	size_t nwatches;
	double next_rescan;
	uint64_t waiting;  /* files seen but not yet settled, at the last scan */
	mg_claims claims;  /* inbox/.claims/NODE: the files this node took */
} dropd;

static const char *const skipped_suffixes[] = {
	".part", ".partial", ".tmp", ".crdownload", ".filepart", ".swp", REJECTED,
};

static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcasecmp(s + a - b, suffix) == 0;
}

/* Names a writer in progress or an editor uses: never taken. */
static bool skipped(const char *name)
{
	if (name[0] == '.' || strncmp(name, "~$", 2) == 0)
		return true;
	for (size_t i = 0; i < sizeof(skipped_suffixes) / sizeof(skipped_suffixes[0]); i++)
		if (ends_with(name, skipped_suffixes[i]))
			return true;
	return false;
}

static char *join(const char *a, const char *b)
{
	char *s = NULL;

	if (asprintf(&s, "%s%s%s", a, *a && *b ? "/" : "", b) < 0)
		return NULL;
	return s;
}

static const char *base_name(const char *rel)
{
	const char *slash = strrchr(rel, '/');

	return slash ? slash + 1 : rel;
}

/* The relative directory of rel ("" at the top); free() it. */
static char *dir_of(const char *rel)
{
	const char *slash = strrchr(rel, '/');

	return slash ? strndup(rel, (size_t)(slash - rel)) : strdup("");
}

/* --- output ---------------------------------------------------------------- */

/* The report as written to the outbox: the stored one, plus where the
 * artefact went and, for an encrypted file waiting for its password, the
 * link that opens it (never in the stored report: it is a credential);
 * signed again. */
static char *outbox_report(const mg_pipeline *p, const mg_item *it, const char *rel,
                           const char *artefact, const char *unlock_link)
{
	json_t *r = json_loads(it->report, 0, NULL), *gw;
	char *s;

	if (!json_is_object(r)) {
		json_decref(r);
		return strdup(it->report);
	}
	gw = json_object_get(r, "gateway");
	if (json_is_object(gw)) {
		gchar *v = g_utf8_make_valid(rel, -1);

		json_object_set_new(gw, "inbox_path", json_string(v));
		g_free(v);
		if (artefact) {
			v = g_utf8_make_valid(artefact, -1);
			json_object_set_new(gw, "output_name", json_string(v));
			g_free(v);
		} else {
			json_object_set_new(gw, "output_name", json_null());
		}
		json_object_set_new(gw, "quarantined", json_boolean(it->stored));
		if (unlock_link) {
			json_object_set_new(gw, "awaiting_password", json_true());
			if (*unlock_link)
				json_object_set_new(gw, "unlock_link", json_string(unlock_link));
		}
	}
	s = mg_pipeline_resign(p, r) == 0 ? json_dumps(r, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	json_decref(r);
	return s;
}

/* Writes the artefact (when sanitised) and the report; 0 or -1. *final
 * gets the artefact's name, or the report's for a blocked item. */
static int write_outputs(dropd *d, const mg_item *it, const char *rel, const char *unlock_link,
                         char **final)
{
	char *reldir = dir_of(rel), *outdir = reldir ? join(d->outbox, reldir) : NULL;
	char *name = NULL, *artefact = NULL, *rname = NULL, *report = NULL;
	const void *part[1];
	size_t len[1];
	mg_buf marked;
	int rc = -1;

	*final = NULL;
	mg_buf_init(&marked, SIZE_MAX / 4);
	if (!outdir || mg_mkdirs(outdir, 0755) < 0)
		goto done;
	if (strcmp(it->verdict, "sanitised") == 0) {
		name = mg_output_name(base_name(rel), it->res.out_ext);
		/* with mugai's signed marker when reports are signed */
		if (mg_item_file_out(&d->pipe, it, &marked, &part[0], &len[0]) < 0)
			goto done;
		if (!name || mg_outfile_write(outdir, name, part, len, 1, &artefact) < 0)
			goto done;
	}
	if (asprintf(&rname, "%s.report.json", artefact ? artefact : base_name(rel)) < 0) {
		rname = NULL;
		goto done;
	}
	report = outbox_report(&d->pipe, it, rel, artefact, unlock_link);
	part[0] = report;
	len[0] = report ? strlen(report) : 0;
	if (!report || mg_outfile_write(outdir, rname, part, len, 1, artefact ? NULL : final) < 0)
		goto done;
	if (artefact) {
		*final = artefact;
		artefact = NULL;
	}
	rc = 0;
done:
	if (rc < 0)
		mg_log_error("dropd: outbox %s: %s", outdir ? outdir : d->outbox, strerror(errno));
	free(reldir);
	free(outdir);
	free(name);
	free(artefact);
	free(rname);
	free(report);
	mg_buf_free(&marked);
	return rc;
}

/* Removes the input and makes its removal durable. */
static void remove_input(dropd *d, const char *path)
{
	char *copy = strdup(path), *slash = copy ? strrchr(copy, '/') : NULL;
	int fd;

	if (unlink(path) < 0)
		mg_log_error("dropd: cannot remove %s: %s", path, strerror(errno));
	if (!slash) {
		free(copy);
		return;
	}
	*slash = 0;
	fd = open(copy, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(copy);
	(void)d;
}

/* --- taking one file --------------------------------------------------------- */

/* A file that cannot be taken: a report in the outbox, the input renamed
 * NAME.rejected so that it is neither lost nor taken again. */
/* The policy bank the rules choose for a file by its folder. */
static const mg_policy *folder_bank(const dropd *d, const char *rel)
{
	return mg_banks_policy(d->cfg->banks, mg_item_bank(&d->pipe, NULL, NULL, rel));
}

static void reject(dropd *d, const char *rel, const char *path, mg_status st, const char *why)
{
	char *inbox_path = join(d->inbox, rel);
	mg_item it = { 0 };
	json_t *r;
	char *rejected = NULL, *final = NULL;

	mg_item_init(&it);
	it.name = rel;
	it.verdict = "blocked";
	it.status = st;
	it.bank = mg_policy_name(folder_bank(d, rel));
	snprintf(it.reason, sizeof(it.reason), "%s", why);
	r = json_pack("{s:s,s:s,s:s,s:s,s:{s:s},s:{s:s}}", "item_id", it.id, "verdict", "blocked",
	              "status", mg_status_name(st), "reason", why, "gateway", "channel", "file",
	              "policy", "bank", it.bank);
	it.report = r ? json_dumps(r, JSON_INDENT(2)) : NULL;
	json_decref(r);
	if (!it.report || write_outputs(d, &it, rel, NULL, &final) < 0) {
		mg_item_free(&it);
		free(inbox_path);
		return; /* left as it is: tried again at the next scan */
	}
	/* back in the inbox beside where it was dropped, out of the claims */
	if (!inbox_path || asprintf(&rejected, "%s%s", inbox_path, REJECTED) < 0 ||
	    rename(path, rejected) < 0)
		mg_log_error("dropd: cannot rename %s: %s", path, strerror(errno));
	else
		mg_claim_done(&d->claims, rel);
	mg_item_done(&d->pipe, &it, "reported", final, 0);
	free(inbox_path);
	free(rejected);
	free(final);
	mg_item_free(&it);
}

/* Reads the file behind fd (already checked regular) up to max_size. */
static unsigned char *read_fd(int fd, size_t size, size_t *len)
{
	unsigned char *buf = malloc(size ? size : 1);
	size_t n = 0;

	while (buf && n < size) {
		ssize_t r = read(fd, buf + n, size - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r < 0) {
				free(buf);
				buf = NULL;
			}
			break;
		}
		n += (size_t)r;
	}
	*len = n;
	return buf;
}

/* A file whose directory we may not change would be taken again and
 * again (its outputs written each time): leave it, and say why. */
static bool input_removable(const char *path)
{
	char *copy = strdup(path), *slash = copy ? strrchr(copy, '/') : NULL;
	bool ok = true;

	if (slash) {
		*slash = 0;
		ok = access(copy, W_OK | X_OK) == 0;
		if (!ok)
			mg_log_error("dropd: %s left in place: its folder is not writable by mugai (%s)",
			             path, strerror(errno));
	}
	free(copy);
	return ok;
}

/* Sanitises the claimed file path (inbox/.claims/NODE/REL); the claim is
 * removed once the outputs are durable, kept for the next rescan when not. */
static void process(dropd *d, const char *rel, char *path)
{
	char *final = NULL, link[512] = "";
	mg_claim_renewer renewer;
	mg_item it = { 0 };
	int prepared;
	struct stat st;
	unsigned char *data = NULL;
	size_t len = 0;
	int fd = -1;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 && (errno == ELOOP || errno == ENXIO)) {
		reject(d, rel, path, MG_E_TYPE_BLOCKED, "not a regular file (a link, a device)");
		goto done;
	}
	if (fd < 0 || fstat(fd, &st) < 0)
		goto done; /* gone meanwhile, or renamed: its own event will come */
	if (!S_ISREG(st.st_mode)) {
		reject(d, rel, path, MG_E_TYPE_BLOCKED, "not a regular file");
		goto done;
	}
	/* the folder's bank's limit: another bank may take larger files */
	if ((uint64_t)st.st_size > mg_policy_max_size(folder_bank(d, rel))) {
		char why[160];

		snprintf(why, sizeof(why), "file of %lld bytes is larger than max_size %llu",
		         (long long)st.st_size,
		         (unsigned long long)mg_policy_max_size(folder_bank(d, rel)));
		reject(d, rel, path, MG_E_LIMIT_SIZE, why);
		goto done;
	}
	data = read_fd(fd, (size_t)st.st_size, &len);
	if (!data) {
		mg_log_warn("dropd: %s: %s", path, strerror(errno));
		goto done;
	}
	it.data = data;
	it.len = len;
	it.name = rel;
	mg_item_init(&it);
	mg_log_set_item(it.id);
	mg_metrics_inflight(MG_CHANNEL_FILE, 1);
	/* a live node keeps its claim however long the item runs */
	mg_claim_renew_start(&renewer, &d->claims, rel);
	prepared = mg_item_prepare(&d->pipe, &it);
	mg_claim_renew_stop(&renewer);
	mg_claim_renew(&d->claims, rel);
	if (prepared < 0) {
		mg_log_warn("dropd: %s kept for a later attempt: %s", rel, it.reason);
		mg_item_done(&d->pipe, &it, "deferred", it.reason, 0);
	} else if (write_outputs(d, &it, rel,
	                         mg_drop_await_password(d->pipe.store, d->cfg, &it, link, sizeof(link)),
	                         &final) < 0) {
		mg_metrics_error("outbox");
		mg_item_done(&d->pipe, &it, "deferred", "the outbox could not be written", 0);
	} else {
		remove_input(d, path);
		mg_claim_done(&d->claims, rel);
		mg_item_done(&d->pipe, &it, strcmp(it.verdict, "sanitised") == 0 ? "delivered" : "reported",
		             final, strcmp(it.verdict, "sanitised") == 0 ? it.res.out_len : 0);
	}
	mg_metrics_inflight(MG_CHANNEL_FILE, -1);
	mg_log_set_item(NULL);
done:
	if (fd >= 0)
		close(fd);
	mg_item_free(&it);
	free(data);
	free(final);
}

/* Claims inbox/REL for this node and processes it; a file another node
 * claimed first is theirs. */
static void take(dropd *d, const char *rel)
{
	char *path = join(d->inbox, rel), *claimed = NULL;
	int rc;

	if (!path || !input_removable(path)) {
		free(path);
		return;
	}
	rc = mg_claim(&d->claims, rel, &claimed);
	if (rc < 0)
		mg_log_warn("dropd: cannot claim %s: %s", path, strerror(errno));
	else if (rc > 0)
		process(d, rel, claimed);
	free(claimed);
	free(path);
}

static void resume_own(void *arg, const char *rel)
{
	dropd *d = arg;
	char *path = mg_claim_path(&d->claims, rel);

	if (path)
		process(d, rel, path);
	free(path);
}

/* --- watching ----------------------------------------------------------- */

static void add_watch(dropd *d, const char *rel)
{
	char *path = join(d->inbox, rel);
	watch *grown;
	int wd;

	if (!path)
		return;
	wd = inotify_add_watch(d->ino, path, IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DONT_FOLLOW |
	                                         IN_ONLYDIR);
	free(path);
	if (wd < 0) {
		mg_log_warn("dropd: cannot watch %s/%s: %s (the rescan still finds its files)", d->inbox,
		            rel, strerror(errno));
		return;
	}
	for (size_t i = 0; i < d->nwatches; i++)
		if (d->watches[i].wd == wd)
			return; /* already watched */
	grown = realloc(d->watches, (d->nwatches + 1) * sizeof(*grown));
	if (!grown || !(grown[d->nwatches].rel = strdup(rel))) {
		d->watches = grown ? grown : d->watches;
		return;
	}
	grown[d->nwatches++].wd = wd;
	d->watches = grown;
}

static void drop_watch(dropd *d, int wd)
{
	for (size_t i = 0; i < d->nwatches; i++)
		if (d->watches[i].wd == wd) {
			free(d->watches[i].rel);
			d->watches[i] = d->watches[--d->nwatches];
			return;
		}
}

static const char *watch_rel(const dropd *d, int wd)
{
	for (size_t i = 0; i < d->nwatches; i++)
		if (d->watches[i].wd == wd)
			return d->watches[i].rel;
	return NULL;
}

/* Watches and scans the directory rel: files unchanged for settle seconds
 * are taken (settle 0: all).  Stops early when a drain was asked. */
static void scan(dropd *d, const char *rel, unsigned depth, unsigned settle)
{
	char *path = join(d->inbox, rel);
	DIR *dir = path ? opendir(path) : NULL;
	struct dirent *e;
	time_t now = time(NULL);

	if (!dir) {
		if (path)
			mg_log_warn("dropd: cannot read %s: %s", path, strerror(errno));
		free(path);
		return;
	}
	add_watch(d, rel);
	while ((e = readdir(dir)) && !mg_service_draining(d->ctx)) {
		char *child, *full;
		struct stat st;

		if (skipped(e->d_name))
			continue; /* ".", "..", dotfiles and temporary names */
		child = join(rel, e->d_name);
		full = child ? join(d->inbox, child) : NULL;
		if (full && lstat(full, &st) == 0) {
			if (S_ISDIR(st.st_mode) && depth < MAX_DEPTH)
				scan(d, child, depth + 1, settle);
			else if (S_ISDIR(st.st_mode))
				mg_log_warn("dropd: %s: deeper than %d levels, not followed", full, MAX_DEPTH);
			else if (now - st.st_mtime >= (time_t)settle)
				take(d, child);
			else
				d->waiting++;
		}
		free(child);
		free(full);
	}
	closedir(dir);
	free(path);
}

static void rescan(dropd *d)
{
	unsigned settle = d->cfg->drop_settle;

	d->waiting = 0;
	/* a dead node's old claims first, then ours (a crash, a deferral) */
	mg_claims_adopt(&d->claims, time(NULL));
	mg_claims_each_own(&d->claims, resume_own, d);
	scan(d, "", 0, settle);
	mg_metrics_queue_depth(d->waiting);
	/* files still being written are looked at again once settled */
	d->next_rescan = now_mono() + (d->waiting && settle < d->cfg->drop_rescan
	                                   ? settle + 1
	                                   : (d->cfg->drop_rescan ? d->cfg->drop_rescan : 30));
}

/* How deep rel is below the inbox: "a" 1, "a/b" 2. */
static unsigned depth_of(const char *rel)
{
	unsigned n = 1;

	for (; *rel; rel++)
		n += *rel == '/';
	return n;
}

static void on_event(dropd *d, const struct inotify_event *ev)
{
	const char *dir = watch_rel(d, ev->wd);
	char *rel;

	if (ev->mask & IN_Q_OVERFLOW) {
		d->next_rescan = 0; /* events were lost: look at everything */
		return;
	}
	if (ev->mask & IN_IGNORED) {
		drop_watch(d, ev->wd);
		return;
	}
	if (!dir || !ev->len || skipped(ev->name) || !(rel = join(dir, ev->name)))
		return;
	if (ev->mask & IN_ISDIR) {
		/* a folder moved in is complete; one just made may still fill */
		if (ev->mask & (IN_MOVED_TO | IN_CREATE))
			scan(d, rel, depth_of(rel), ev->mask & IN_MOVED_TO ? 0 : d->cfg->drop_settle);
	} else if (ev->mask & (IN_CLOSE_WRITE | IN_MOVED_TO)) {
		take(d, rel);
	}
	free(rel);
}

static void read_events(dropd *d)
{
	char buf[65536] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;

	while ((n = read(d->ino, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)(void *)p;

			if ((size_t)(buf + n - p) < sizeof(*ev) ||
			    (size_t)(buf + n - p) < sizeof(*ev) + ev->len)
				break;
			on_event(d, ev);
			p += sizeof(*ev) + ev->len;
			if (mg_service_draining(d->ctx))
				return;
		}
	}
}

static void setup(dropd *d, const mg_service_ctx *ctx)
{
	mg_worker_limits lim;
	char *err = NULL;

	d->ctx = ctx;
	d->cfg = ctx->config;
	d->inbox = d->cfg->drop_inbox;
	d->outbox = d->cfg->drop_outbox;
	if (mg_mkdirs(d->inbox, 0750) < 0 || mg_mkdirs(d->outbox, 0755) < 0)
		mg_log_fatal("dropd: %s or %s: %s", d->inbox, d->outbox, strerror(errno));
	d->ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (d->ino < 0)
		mg_log_fatal("dropd: inotify: %s", strerror(errno));
	mg_service_worker_limits(ctx, &lim);
	if (mg_pipeline_open(&d->pipe, d->cfg, MG_CHANNEL_FILE, &lim, &err) < 0)
		mg_log_fatal("dropd: %s", err ? err : "cannot open the quarantine");
	if (mg_claims_open(&d->claims, d->inbox, mg_node_name(d->cfg), d->cfg->drop_claim_timeout,
	                   d->pipe.store) < 0)
		mg_log_fatal("dropd: %s/%s: %s", d->inbox, MG_CLAIMS_DIR, strerror(errno));
}

static void teardown(dropd *d)
{
	mg_claims_close(&d->claims);
	mg_pipeline_close(&d->pipe);
	for (size_t i = 0; i < d->nwatches; i++)
		free(d->watches[i].rel);
	free(d->watches);
	close(d->ino);
}

int mg_dropd_main(const mg_service_ctx *ctx)
{
	dropd d = { 0 };

	setup(&d, ctx);
	mg_log_info("dropd: watching %s, writing to %s", d.inbox, d.outbox);
	while (!mg_service_draining(ctx)) {
		struct pollfd p[2] = { { d.ino, POLLIN, 0 }, { ctx->drain_fd, POLLIN, 0 } };
		double wait = d.next_rescan - now_mono();

		if (wait <= 0) {
			rescan(&d);
			continue;
		}
		if (poll(p, ctx->drain_fd >= 0 ? 2 : 1, (int)(wait * 1000) + 1) > 0 &&
		    (p[0].revents & POLLIN))
			read_events(&d);
	}
	mg_log_info("dropd: drained");
	teardown(&d);
	return 0;
}
