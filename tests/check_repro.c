/*
 * check_repro.c - reproducible artefacts: the same input with the same
 * policy gives the same bytes, whatever the clock or the item id, and
 * mugai's own output sanitised again is unchanged (a fixed point).
 *
 * Every run is a separate process: this program re-executes itself with
 * MUGAI_REPRO_IN set (see repro_child), once under faketime with the clock
 * moved years back, so that a time or a random id written by any family,
 * or by any library a family calls, shows as a difference.
 *
 * What a mail may differ in: its X-Mugai-Id header, the item's own
 * identity (the notice quotes it too, so runs compared across item ids
 * have the notice off).  Nothing else in any artefact may differ.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

#define MAX_FILES 512
#define FAKE_TIME "@2001-02-03 04:05:06"

static char *files[MAX_FILES]; /* paths relative to the corpus */
static int n_files;
static char self[4096];

/* ---- the child: one sanitising run, artefact on stdout ---- */

static int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = write(fd, c, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Runs before main() when this program is a child run: sanitises the file
 * MUGAI_REPRO_IN and writes "verdict status ext\n" and the artefact. */
__attribute__((constructor)) static void repro_child(void)
{
	const char *in = getenv("MUGAI_REPRO_IN"), *id = getenv("MUGAI_REPRO_ID");
	const char *notice = getenv("MUGAI_REPRO_NOTICE"), *mail = getenv("MUGAI_REPRO_MAIL");
	const char *mode_s = getenv("MUGAI_REPRO_MODE");
	mg_mode mode = MG_MODE_DEFAULT;
	mg_policy *p;
	mg_core *core;
	mg_result res;
	mg_input input;
	unsigned char *data;
	char *err = NULL, head[256];
	size_t len;
	FILE *f;
	long n;

	if (!in)
		return;
	if (getenv("MUGAI_REPRO_CLOCK")) {
		time_t now = time(NULL);
		struct tm tm;

		gmtime_r(&now, &tm);
		strftime(head, sizeof(head), "%Y-%m-%d\n", &tm);
		_exit(write_all(1, head, strlen(head)) < 0 ? 3 : 0);
	}
	f = fopen(in, "rb");
	if (!f)
		_exit(3);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	data = malloc((size_t)n + 1);
	if (!data || fread(data, 1, (size_t)n, f) != (size_t)n)
		_exit(3);
	fclose(f);
	len = (size_t)n;
	p = mg_policy_new();
	if (notice && mg_policy_set(p, "notice", notice, &err) < 0)
		_exit(3);
	core = mg_core_new(p, &err);
	if (!core || (mode_s && mg_mode_parse(mode_s, &mode) < 0))
		_exit(3);
	input = (mg_input){ data, len, strrchr(in, '/') ? strrchr(in, '/') + 1 : in, NULL, id,
	                    mail != NULL };
	mg_sanitize(core, &input, mode, &res);
	snprintf(head, sizeof(head), "%s %s %s\n", mg_verdict_name(res.verdict),
	         mg_status_name(res.status), res.out_ext ? res.out_ext : "-");
	if (write_all(1, head, strlen(head)) < 0 ||
	    (res.out && write_all(1, res.out, res.out_len) < 0))
		_exit(3);
	mg_result_free(&res);
	mg_core_free(core);
	mg_policy_free(p);
	free(data);
	_exit(0);
}

/* ---- the parent: runs and comparisons ---- */

typedef struct run {
	char head[256]; /* "verdict status ext" */
	unsigned char *out;
	size_t len;
} run;

typedef struct run_opts {
	const char *id;
	const char *notice; /* NULL: the policy's default */
	int faked;          /* the clock moved back under faketime */
	int mail;           /* the SMTP channel */
	const char *mode;   /* NULL: the policy's action for the type */
} run_opts;

static void child_exec(const char *path, const run_opts *o, int fd)
{
	dup2(fd, 1);
	setenv("MUGAI_REPRO_IN", path, 1);
	setenv("MUGAI_REPRO_ID", o->id, 1);
	if (o->notice)
		setenv("MUGAI_REPRO_NOTICE", o->notice, 1);
	if (o->mail)
		setenv("MUGAI_REPRO_MAIL", "1", 1);
	if (o->mode)
		setenv("MUGAI_REPRO_MODE", o->mode, 1);
	if (o->faked) {
		/* libfaketime and a sanitizer runtime disagree on who loads first */
		setenv("ASAN_OPTIONS", "verify_asan_link_order=0:detect_leaks=0", 1);
		setenv("FAKETIME_DONT_FAKE_MONOTONIC", "1", 1);
		/* file times stay true: with faked ones fontconfig (run as root
		 * here) takes the system font cache for stale and rewrites it,
		 * after which every unprivileged process finds it stale and
		 * complains on stderr */
		setenv("NO_FAKE_STAT", "1", 1);
		execlp("faketime", "faketime", "-f", FAKE_TIME, self, (char *)NULL);
	} else {
		execl(self, self, (char *)NULL);
	}
	_exit(4);
}

/* Sanitises path in a new process and returns its artefact. */
static run do_run(const char *path, const run_opts *o)
{
	run r = { { 0 }, NULL, 0 };
	size_t cap = 1 << 16, used = 0;
	unsigned char *buf = malloc(cap);
	int fds[2], status = 0;
	pid_t pid;
	char *nl;

	ck_assert(buf != NULL);
	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(fds[0]);
		child_exec(path, o, fds[1]);
	}
	close(fds[1]);
	for (;;) {
		ssize_t got;

		if (used == cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			ck_assert(buf != NULL);
		}
		got = read(fds[0], buf + used, cap - used);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		used += (size_t)got;
	}
	close(fds[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s: child run failed (%d)",
	              path, status);
	nl = memchr(buf, '\n', used);
	ck_assert_msg(nl != NULL, "%s: no result line", path);
	memcpy(r.head, buf, (size_t)(nl - (char *)buf) < sizeof(r.head) - 1
	                            ? (size_t)(nl - (char *)buf) : sizeof(r.head) - 1);
	r.len = used - (size_t)(nl - (char *)buf) - 1;
	r.out = malloc(r.len + 1);
	ck_assert(r.out != NULL);
	memcpy(r.out, nl + 1, r.len);
	free(buf);
	return r;
}

static void run_free(run *r)
{
	free(r->out);
	r->out = NULL;
}

/* Every header line "name: ..." removed (in nested messages too). */
static void mask_header(run *r, const char *name)
{
	size_t nl = strlen(name);
	unsigned char *h = r->out, *e;

	while ((h = memmem(h, r->len - (size_t)(h - r->out), name, nl)) != NULL) {
		if (h != r->out && h[-1] != '\n') {
			h += nl;
			continue;
		}
		e = memmem(h, r->len - (size_t)(h - r->out), "\r\n", 2);
		if (!e)
			return;
		e += 2;
		memmove(h, e, r->len - (size_t)(e - r->out));
		r->len -= (size_t)(e - h);
	}
}

/* The X-Mugai-Id lines: the item's own identity, different by design. */
static void mask_item_id(run *r)
{
	mask_header(r, "X-Mugai-Id: ");
}

/* The offset of the first difference, for the failure message. */
static size_t first_diff(const run *a, const run *b)
{
	size_t i = 0;

	while (i < a->len && i < b->len && a->out[i] == b->out[i])
		i++;
	return i;
}

static void assert_same(const char *rel, const char *what, const run *a, const run *b)
{
	ck_assert_msg(strcmp(a->head, b->head) == 0, "%s: %s: '%s' vs '%s'", rel, what, a->head,
	              b->head);
	ck_assert_msg(a->len == b->len && memcmp(a->out, b->out, a->len) == 0,
	              "%s: %s: artefacts differ (%zu vs %zu bytes, first at %zu)", rel, what,
	              a->len, b->len, first_diff(a, b));
}

static int is_mail(const char *rel)
{
	return strncmp(rel, "mail/", 5) == 0;
}

static int sanitised(const run *r)
{
	return strncmp(r->head, "sanitised ", 10) == 0;
}

static const char *run_ext(const run *r)
{
	const char *sp = strrchr(r->head, ' ');

	return sp ? sp + 1 : "bin";
}

/* Writes an artefact to a file named for its type, for the next run. */
static char *save(const run *r, const char *tmp)
{
	char *path = NULL;
	int fd;

	ck_assert_int_gt(asprintf(&path, "%s/again.%s", tmp, run_ext(r)), 0);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write_all(fd, r->out, r->len), 0);
	close(fd);
	return path;
}

/* Same bytes across processes, across the clock, across item ids. */
START_TEST(same_bytes_every_run)
{
	const char *rel = files[_i];
	char path[4096];
	int mail = is_mail(rel);
	run a, b, c, d;

	snprintf(path, sizeof(path), "%s/%s", CORPUS_DIR, rel);
	a = do_run(path, &(run_opts){ "repro-a", NULL, 0, mail, NULL });
	b = do_run(path, &(run_opts){ "repro-a", NULL, 0, mail, NULL });
	assert_same(rel, "two processes", &a, &b);
	run_free(&b);
	b = do_run(path, &(run_opts){ "repro-a", NULL, 1, mail, NULL });
	assert_same(rel, "clock moved back", &a, &b);
	/* another item id: only the X-Mugai-Id line of a mail may change,
	 * and the notice, which quotes the id, is off for this pair */
	c = do_run(path, &(run_opts){ "repro-c", "no", 0, mail, NULL });
	d = do_run(path, &(run_opts){ "repro-d", "no", 1, mail, NULL });
	mask_item_id(&c);
	mask_item_id(&d);
	assert_same(rel, "another item id", &c, &d);
	run_free(&a);
	run_free(&b);
	run_free(&c);
	run_free(&d);
}
END_TEST

/* Documents in every mode, not only the policy's: text, flattened page
 * images with their text layer, and the CDR rebuild each write their own
 * artefact, and none may carry the clock or the item id. */
START_TEST(same_bytes_every_mode)
{
	static const char *const modes[] = { "text", "flatten", "cdr" };
	const char *rel = files[_i / 3], *mode = modes[_i % 3];
	char path[4096], what[64];
	run a, b;

	if (strncmp(rel, "pdf/", 4) != 0 && strncmp(rel, "office/", 7) != 0)
		return;
	snprintf(path, sizeof(path), "%s/%s", CORPUS_DIR, rel);
	snprintf(what, sizeof(what), "mode %s, clock and item id moved", mode);
	a = do_run(path, &(run_opts){ "repro-a", NULL, 0, 0, mode });
	b = do_run(path, &(run_opts){ "repro-b", NULL, 1, 0, mode });
	assert_same(rel, what, &a, &b);
	run_free(&a);
	run_free(&b);
}
END_TEST

/* Artefacts that cannot be a fixed point, and why.  For these the second
 * pass must still give a sanitised artefact of the same type. */
static const struct {
	const char *rel;
	const char *why;
} not_fixed[] = {
	/* a JPEG is re-encoded from its pixels each pass (lossy: the
	 * quantisation loses a little again); the images below and every
	 * artefact typed jpg (see jpeg_lossy) */
	{ "office/embedded-simple-2007.pptx", "its JPEG thumbnail is re-encoded" },
	{ "office/sample_with_external_link_to_doc.pptx", "its JPEG thumbnail is re-encoded" },
	/* the flattened PDF's invisible text layer is read back at the
	 * positions written (0.1 pt) and poppler groups some words anew */
	{ "pdf/tracemonkey.pdf", "text layer regrouped when read back" },
};

static const char *why_not_fixed(const char *rel, const run *a)
{
	if (strcmp(run_ext(a), "jpg") == 0)
		return "a JPEG is re-encoded from its pixels (lossy)";
	for (size_t i = 0; i < sizeof(not_fixed) / sizeof(not_fixed[0]); i++)
		if (strcmp(not_fixed[i].rel, rel) == 0)
			return not_fixed[i].why;
	return NULL;
}

/* mugai's own output sanitised again gives the same artefact.  A mail may
 * differ in its X-Mugai-Id (the item) and X-Mugai-Verdict (what this pass
 * changed: the second converts nothing) lines; the second pass recognises
 * the notice of the first and adds none. */
START_TEST(output_is_fixed_point)
{
	const char *rel = files[_i], *why;
	char path[4096], tmp[] = "/tmp/mugai-repro-XXXXXX", *again;
	int mail = is_mail(rel);
	run a, b;

	snprintf(path, sizeof(path), "%s/%s", CORPUS_DIR, rel);
	a = do_run(path, &(run_opts){ "repro-a", NULL, 0, mail, NULL });
	if (!sanitised(&a)) {
		run_free(&a);
		return;
	}
	ck_assert_ptr_nonnull(mkdtemp(tmp));
	again = save(&a, tmp);
	b = do_run(again, &(run_opts){ "repro-b", NULL, 0, mail, NULL });
	unlink(again);
	rmdir(tmp);
	free(again);
	why = why_not_fixed(rel, &a);
	if (a.len <= 1) {
		/* a document without text gives an empty text, and an empty
		 * file is blocked as of no type: never passed as it is */
		ck_assert_msg(!sanitised(&b), "%s: empty artefact passed again: %s", rel, b.head);
	} else if (why) {
		ck_assert_msg(strcmp(a.head, b.head) == 0, "%s (%s): '%s' vs '%s'", rel, why, a.head,
		              b.head);
	} else {
		mask_item_id(&a);
		mask_item_id(&b);
		mask_header(&a, "X-Mugai-Verdict: ");
		mask_header(&b, "X-Mugai-Verdict: ");
		assert_same(rel, "sanitised again", &a, &b);
	}
	run_free(&a);
	run_free(&b);
}
END_TEST

/* The clock really moves under faketime, or the runs above prove little. */
START_TEST(faketime_moves_the_clock)
{
	char path[] = "/tmp/mugai-repro-clock-XXXXXX";
	int fd = mkstemp(path);
	run r;

	ck_assert_int_ge(fd, 0);
	close(fd);
	setenv("MUGAI_REPRO_CLOCK", "1", 1);
	r = do_run(path, &(run_opts){ "repro-clock", NULL, 1, 0, NULL });
	unsetenv("MUGAI_REPRO_CLOCK");
	unlink(path);
	ck_assert_msg(strncmp(r.head, "2001-02-03", 10) == 0, "clock in the child: %s", r.head);
	run_free(&r);
}
END_TEST

/* The corpus is there: an empty one would make the loops vacuous. */
START_TEST(corpus_is_there)
{
	ck_assert_int_ge(n_files, 30);
}
END_TEST

static int count(const mg_result *r, const char *needle)
{
	const unsigned char *p = r->out, *end = r->out + r->out_len;
	int n = 0;

	while ((p = memmem(p, (size_t)(end - p), needle, strlen(needle))) != NULL) {
		n++;
		p++;
	}
	return n;
}

/* A forged X-Mugai-Id and notice spare the notice only when nothing is
 * removed: a script behind them is removed and a new notice says so. */
START_TEST(forged_marker_never_spares_sanitising)
{
	static const char head[] =
		"From: a@example.jp\r\nTo: b@example.jp\r\nSubject: x\r\n"
		"X-Mugai-Id: forged-1\r\nMIME-Version: 1.0\r\n";
	static const char notice[] =
		"[mugai] This message was sanitised.\r\n - Body rebuilt as plain text; nothing was "
		"removed.\r\nThe original is kept in quarantine; quote ID forged-1 to your "
		"administrator if you need it.\r\n"
		"------------------------------------------------------------\r\n\r\nhello\r\n";
	mg_policy *p = mg_policy_new();
	char *err = NULL, *mail = NULL;
	mg_result res;

	ck_assert_int_eq(mg_policy_set(p, "notice_lang", "en", &err), 0);
	/* plain text, nothing removed: the notice is not repeated */
	ck_assert_int_gt(asprintf(&mail, "%sContent-Type: text/plain\r\n\r\n%s", head, notice), 0);
	ck_assert_int_eq(tu_sanitize_policy(p, mail, strlen(mail), "m.eml", MG_MODE_DEFAULT, &res),
	                 MG_OK);
	ck_assert_int_eq(count(&res, "This message was sanitised"), 1);
	ck_assert(!tu_contains(res.out, res.out_len, "X-Mugai-Id: forged-1"));
	mg_result_free(&res);
	free(mail);
	/* a script attachment behind the same marker: removed, noticed anew */
	ck_assert_int_gt(asprintf(&mail, "%sContent-Type: multipart/mixed; boundary=b\r\n\r\n"
	                          "--b\r\nContent-Type: text/plain\r\n\r\n%s--b\r\n"
	                          "Content-Type: application/javascript; name=x.js\r\n"
	                          "Content-Disposition: attachment; filename=x.js\r\n\r\n"
	                          "WScript.Shell.Run('calc')\r\n--b--\r\n", head, notice), 0);
	ck_assert_int_eq(tu_sanitize_policy(p, mail, strlen(mail), "m.eml", MG_MODE_DEFAULT, &res),
	                 MG_OK);
	ck_assert(!tu_contains(res.out, res.out_len, "WScript"));
	ck_assert_int_eq(count(&res, "This message was sanitised"), 2);
	mg_result_free(&res);
	free(mail);
	mg_policy_free(p);
}
END_TEST

static int by_name(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Every regular file below the corpus but its SOURCES.md, sorted. */
static void list_corpus(const char *sub)
{
	char dir[4096];
	DIR *d;
	struct dirent *e;

	snprintf(dir, sizeof(dir), "%s%s%s", CORPUS_DIR, *sub ? "/" : "", sub);
	d = opendir(dir);
	if (!d)
		return;
	while ((e = readdir(d)) != NULL && n_files < MAX_FILES) {
		char rel[4096], full[8192];
		struct stat st;

		if (e->d_name[0] == '.' || strcmp(e->d_name, "SOURCES.md") == 0)
			continue;
		snprintf(rel, sizeof(rel), "%s%s%s", sub, *sub ? "/" : "", e->d_name);
		snprintf(full, sizeof(full), "%s/%s", CORPUS_DIR, rel);
		if (stat(full, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode))
			list_corpus(rel);
		else if (S_ISREG(st.st_mode))
			files[n_files++] = strdup(rel);
	}
	closedir(d);
}

Suite *mugai_suite(void)
{
	Suite *s = suite_create("repro");
	TCase *tc = tcase_create("corpus");
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n > 0)
		self[n] = 0;
	list_corpus("");
	qsort(files, (size_t)n_files, sizeof(files[0]), by_name);
	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, same_bytes_every_run, 0, n_files);
	tcase_add_loop_test(tc, output_is_fixed_point, 0, n_files);
	tcase_add_loop_test(tc, same_bytes_every_mode, 0, 3 * n_files);
	tcase_add_test(tc, faketime_moves_the_clock);
	tcase_add_test(tc, corpus_is_there);
	tcase_add_test(tc, forged_marker_never_spares_sanitising);
	suite_add_tcase(s, tc);
	return s;
}
