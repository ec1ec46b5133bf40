/*
 * office_convert.c - one document through LibreOffice in bubblewrap (see
 * office_convert.h for what the sandbox is and why).
 *
 * The document is written into a private temporary directory, bound
 * read-only into the sandbox as the only file of the host it sees; the
 * PDF comes back through an output directory beside it.  The profile that
 * disables macros is handed to bubblewrap as a descriptor (--file), so it
 * lands in the sandbox's private home without touching the host.
 * LibreOffice's messages go to a log in the temporary directory: its last
 * line is the reason a failure gives.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "office_convert.h"

/* LibreOffice maps far more than it uses; a document needs well under this. */
#define AS_LIMIT (3ull << 30)
/* Processes and threads LibreOffice may start (it uses a few dozen). */
#define NPROC_LIMIT 512
/* The descriptor the profile reaches bubblewrap on. */
#define PROFILE_FD 3
#define HOME "/home/mugai"

/* Macro security "very high" (3: only signed macros from trusted places)
 * and macro execution disabled outright; no update checks, no recovery. */
static const char profile_xcu[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<oor:items xmlns:oor=\"http://openoffice.org/2001/registry\" "
	"xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" "
	"xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n"
	"<item oor:path=\"/org.openoffice.Office.Common/Security/Scripting\">"
	"<prop oor:name=\"MacroSecurityLevel\" oor:op=\"fuse\"><value>3</value></prop></item>\n"
	"<item oor:path=\"/org.openoffice.Office.Common/Security/Scripting\">"
	"<prop oor:name=\"DisableMacrosExecution\" oor:op=\"fuse\"><value>true</value></prop></item>\n"
	"<item oor:path=\"/org.openoffice.Office.Common/Security/Scripting\">"
	"<prop oor:name=\"BlockUntrustedRefererLinks\" oor:op=\"fuse\"><value>true</value></prop></item>\n"
	"<item oor:path=\"/org.openoffice.Office.Common/Misc\">"
	"<prop oor:name=\"UseDocumentSystemFileLocking\" oor:op=\"fuse\"><value>false</value></prop></item>\n"
	"<item oor:path=\"/org.openoffice.Office.Recovery/AutoSave\">"
	"<prop oor:name=\"Enabled\" oor:op=\"fuse\"><value>false</value></prop></item>\n"
	"</oor:items>\n";

struct run {
	char dir[256], in[320], out[320], pdf[352], log[320];
	char bwrap[256], soffice[256];
	char in_dest[64], profile_fd[16]; /* the document's path inside, the profile's fd */
	int profile;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A program from the environment, or the first executable on PATH. */
static int find_program(const char *env, const char *name, char *out, size_t cap)
{
	const char *given = getenv(env), *path = getenv("PATH");
	char *copy, *save = NULL;

	if (given && *given) {
		snprintf(out, cap, "%s", given);
		return access(out, X_OK);
	}
	copy = strdup(path && *path ? path : "/usr/bin:/bin");
	for (char *d = copy ? strtok_r(copy, ":", &save) : NULL; d; d = strtok_r(NULL, ":", &save)) {
		snprintf(out, cap, "%s/%s", d, name);
		if (access(out, X_OK) == 0) {
			free(copy);
			return 0;
		}
	}
	free(copy);
	return -1;
}

static int write_all(const char *path, const unsigned char *d, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	int rc = fd < 0 ? -1 : 0;

	while (rc == 0 && len) {
		ssize_t n = write(fd, d, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			rc = -1;
		else {
			d += n;
			len -= (size_t)n;
		}
	}
	if (fd >= 0 && close(fd) < 0)
		rc = -1;
	return rc;
}

static int unlink_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

/* The temporary directory with the document, an empty output directory
 * and the profile as a sealed memfd. */
static int prepare(struct run *r, const unsigned char *data, size_t len, const char *ext)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(r->dir, sizeof(r->dir), "%s/mugai-office-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(r->dir)) {
		r->dir[0] = 0;
		return -1;
	}
	snprintf(r->in, sizeof(r->in), "%s/document.%s", r->dir, ext);
	snprintf(r->out, sizeof(r->out), "%s/out", r->dir);
	snprintf(r->pdf, sizeof(r->pdf), "%s/document.pdf", r->out);
	snprintf(r->log, sizeof(r->log), "%s/log", r->dir);
	if (write_all(r->in, data, len) < 0 || mkdir(r->out, 0700) < 0)
		return -1;
	r->profile = memfd_create("mugai-office-profile", MFD_CLOEXEC);
	if (r->profile < 0 || write(r->profile, profile_xcu, sizeof(profile_xcu) - 1) !=
	    (ssize_t)(sizeof(profile_xcu) - 1) || lseek(r->profile, 0, SEEK_SET) < 0)
		return -1;
	return 0;
}

static void cleanup(struct run *r)
{
	if (r->profile >= 0)
		close(r->profile);
	if (r->dir[0])
		nftw(r->dir, unlink_one, 8, FTW_DEPTH | FTW_PHYS);
}

static void set_limit(int resource, rlim_t v)
{
	struct rlimit rl = { v, v };

	if (setrlimit(resource, &rl) < 0)
		_exit(126);
}

/* The child: its own process group, the limits, the log as stdout and
 * stderr, the profile on PROFILE_FD and nothing else open, then bwrap. */
static _Noreturn void child(const struct run *r, char *const argv[], double seconds,
                            uint64_t max_out)
{
	int log = open(r->log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	int null = open("/dev/null", O_RDONLY);

	setpgid(0, 0);
	for (int s = 1; s < NSIG; s++)
		signal(s, SIG_DFL);
	if (log < 0 || null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(log, STDOUT_FILENO) < 0 ||
	    dup2(log, STDERR_FILENO) < 0 ||
	    (r->profile != PROFILE_FD && dup2(r->profile, PROFILE_FD) < 0) ||
	    fcntl(PROFILE_FD, F_SETFD, 0) < 0) /* dup2 onto itself keeps FD_CLOEXEC */
		_exit(126);
	close_range(PROFILE_FD + 1, ~0u, 0);
	set_limit(RLIMIT_AS, AS_LIMIT);
	set_limit(RLIMIT_CPU, (rlim_t)seconds + 1);
	set_limit(RLIMIT_FSIZE, (rlim_t)max_out + (16u << 20));
	set_limit(RLIMIT_NPROC, NPROC_LIMIT);
	set_limit(RLIMIT_NOFILE, 1024);
	set_limit(RLIMIT_CORE, 0);
	execv(r->bwrap, argv);
	_exit(127);
}

/* Waits for pid until the deadline, then kills its whole sandbox.  1 when
 * it ended by itself (*status set), 0 when it was killed. */
static int wait_until(pid_t pid, double deadline, int *status)
{
	for (;;) {
		pid_t w = waitpid(pid, status, WNOHANG);

		if (w == pid)
			return 1;
		if (w < 0 && errno != EINTR)
			return 1;
		if (now() >= deadline)
			break;
		nanosleep(&(struct timespec){ 0, 20 * 1000 * 1000 }, NULL);
	}
	/* bwrap, and with it (--die-with-parent, the pid namespace) all of it */
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
	return 0;
}

/* The last non-empty line of the log, as a reason; bwrap's own messages
 * start with "bwrap:". */
static void last_line(const struct run *r, char *why, size_t cap, int *from_bwrap)
{
	char line[512];
	FILE *f = fopen(r->log, "re");

	*from_bwrap = 0;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = 0;
		if (strncmp(line, "bwrap:", 6) == 0)
			*from_bwrap = 1;
		if (line[0] && strstr(line, "javaldx") == NULL)
			snprintf(why, cap, "%s", line);
	}
	fclose(f);
}

static mg_convert_status read_pdf(const struct run *r, uint64_t max_out, unsigned char **pdf,
                                  size_t *pdf_len, char *why, size_t why_len)
{
	struct stat st;
	FILE *f;

	if (stat(r->pdf, &st) < 0 || st.st_size <= 0) {
		if (!why[0])
			snprintf(why, why_len, "no PDF was written");
		return MG_CONVERT_FAILED;
	}
	if ((uint64_t)st.st_size > max_out) {
		snprintf(why, why_len, "the PDF of %lld bytes is larger than max_output",
		         (long long)st.st_size);
		return MG_CONVERT_FAILED;
	}
	*pdf = malloc((size_t)st.st_size + 1);
	f = fopen(r->pdf, "rbe");
	if (!*pdf || !f || fread(*pdf, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
		if (f)
			fclose(f);
		free(*pdf);
		*pdf = NULL;
		snprintf(why, why_len, "the PDF could not be read back");
		return MG_CONVERT_FAILED;
	}
	fclose(f);
	(*pdf)[st.st_size] = 0;
	*pdf_len = (size_t)st.st_size;
	return MG_CONVERT_OK;
}

/* bwrap's command line: see office_convert.h. */
static void build_argv(struct run *r, const char *ext, char **argv, size_t cap)
{
	const char *in_dest = r->in_dest, *profile_fd = r->profile_fd;
	const char *fixed[] = {
		"bwrap", "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
		"--clearenv", "--setenv", "HOME", HOME, "--setenv", "PATH", "/usr/bin:/bin",
		"--setenv", "LANG", "C.UTF-8", "--setenv", "SAL_USE_VCLPLUGIN", "svp",
		"--ro-bind", "/usr", "/usr", "--symlink", "usr/lib", "/lib",
		"--symlink", "usr/lib64", "/lib64", "--symlink", "usr/bin", "/bin",
		"--symlink", "usr/sbin", "/sbin",
		"--ro-bind-try", "/etc/fonts", "/etc/fonts",
		"--ro-bind-try", "/etc/libreoffice", "/etc/libreoffice",
		"--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache",
		"--ro-bind-try", "/etc/alternatives", "/etc/alternatives",
		"--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--tmpfs", "/home",
		"--dir", HOME "/profile/user", "--file", profile_fd,
		HOME "/profile/user/registrymodifications.xcu",
		"--ro-bind", r->in, in_dest, "--bind", r->out, "/out", "--chdir", "/tmp", "--",
		r->soffice, "--headless", "--norestore", "--nolockcheck", "--nodefault", "--nologo",
		"--nofirststartwizard", "-env:UserInstallation=file://" HOME "/profile",
		"--convert-to", "pdf", "--outdir", "/out", in_dest,
	};
	size_t n = sizeof(fixed) / sizeof(fixed[0]);

	snprintf(r->in_dest, sizeof(r->in_dest), "/in/document.%s", ext);
	snprintf(r->profile_fd, sizeof(r->profile_fd), "%d", PROFILE_FD);
	for (size_t i = 0; i < n && i + 1 < cap; i++)
		argv[i] = (char *)(uintptr_t)fixed[i];
	argv[n < cap ? n : cap - 1] = NULL;
}

/* Whether bubblewrap can make a sandbox here at all (user namespaces,
 * a setuid or capable bwrap): a failure then is the host's, and the
 * document becomes text; once it worked it is not asked again. */
static int sandbox_works(const struct run *r, char *why, size_t why_len)
{
	static bool works;
	const char *argv[] = { r->bwrap, "--unshare-all", "--die-with-parent",
		         "--new-session", "--cap-drop", "ALL", "--ro-bind", "/usr", "/usr",
		         "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
		         "--symlink", "usr/bin", "/bin", "--", "/usr/bin/true", NULL };
	int status = 0;
	pid_t pid;

	if (works)
		return 0;
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(null, STDOUT_FILENO) < 0 ||
		    dup2(null, STDERR_FILENO) < 0)
			_exit(126);
		close_range(STDERR_FILENO + 1, ~0u, 0);
		execv(argv[0], (char *const *)(uintptr_t)argv);
		_exit(127);
	}
	if (pid < 0 || !wait_until(pid, now() + 10, &status) || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		snprintf(why, why_len, "bubblewrap cannot make a sandbox here (%s)",
		         pid < 0 ? strerror(errno) : "check user namespaces");
		return -1;
	}
	works = true;
	return 0;
}

static bool ext_ok(const char *ext)
{
	size_t n = strlen(ext);

	return n >= 2 && n <= 5 && strspn(ext, "abcdefghijklmnopqrstuvwxyz") == n;
}

mg_convert_status mg_office_convert(void *user, const unsigned char *data, size_t len,
                                    const char *ext, double seconds, uint64_t max_out,
                                    unsigned char **pdf, size_t *pdf_len, char *why,
                                    size_t why_len)
{
	struct run r = { .profile = -1 };
	char *argv[96];
	double deadline = now() + seconds;
	int status = 0, from_bwrap = 0;
	mg_convert_status cs;
	pid_t pid;

	(void)user;
	*pdf = NULL;
	*pdf_len = 0;
	why[0] = 0;
	if (!ext_ok(ext)) {
		snprintf(why, why_len, "no LibreOffice import for '.%s'", ext);
		return MG_CONVERT_FAILED;
	}
	if (find_program("MUGAI_SOFFICE", "soffice", r.soffice, sizeof(r.soffice)) < 0) {
		snprintf(why, why_len, "LibreOffice (soffice) is not installed");
		return MG_CONVERT_UNAVAILABLE;
	}
	if (find_program("MUGAI_BWRAP", "bwrap", r.bwrap, sizeof(r.bwrap)) < 0) {
		snprintf(why, why_len, "bubblewrap (bwrap) is not installed");
		return MG_CONVERT_UNAVAILABLE;
	}
	if (sandbox_works(&r, why, why_len) < 0)
		return MG_CONVERT_UNAVAILABLE;
	if (prepare(&r, data, len, ext) < 0) {
		snprintf(why, why_len, "temporary directory: %s", strerror(errno));
		cleanup(&r);
		return MG_CONVERT_UNAVAILABLE;
	}
	build_argv(&r, ext, argv, sizeof(argv) / sizeof(argv[0]));
	pid = fork();
	if (pid == 0)
		child(&r, argv, seconds, max_out);
	if (pid < 0) {
		snprintf(why, why_len, "fork: %s", strerror(errno));
		cleanup(&r);
		return MG_CONVERT_UNAVAILABLE;
	}
	if (!wait_until(pid, deadline, &status)) {
		snprintf(why, why_len, "killed after %.0f s", seconds);
		cleanup(&r);
		return MG_CONVERT_TIMEOUT;
	}
	last_line(&r, why, why_len, &from_bwrap);
	if (WIFEXITED(status) && (WEXITSTATUS(status) == 126 || WEXITSTATUS(status) == 127 ||
	                          (WEXITSTATUS(status) == 1 && from_bwrap)))
		cs = MG_CONVERT_UNAVAILABLE; /* the sandbox could not be made */
	else if (WIFSIGNALED(status)) {
		snprintf(why, why_len, "LibreOffice's sandbox ended by signal %d", WTERMSIG(status));
		cs = MG_CONVERT_FAILED;
	} else
		cs = read_pdf(&r, max_out, pdf, pdf_len, why, why_len);
	cleanup(&r);
	return cs;
}
