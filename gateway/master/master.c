/*
 * master.c - mugaid's master: binds, drops privileges, forks the service
 * processes, restarts the ones that die, reloads on SIGHUP, drains on
 * SIGTERM.  See master.h for the signals and mugaid.c for the security
 * notes.
 *
 * Signals arrive through a signalfd read in the one poll() loop, so no
 * work is done in a handler.  Every process is a `struct proc`: the
 * current generation's slots, and after a reload the retiring ones that
 * finish their item and are never started again.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "log.h"
#include "master.h"
#include "metrics.h"
#include "ppap_wait.h"
#include "proctitle.h"
#include "quarantine_open.h"
#include "sandbox.h"

#define BACKOFF_FIRST 1.0
#define BACKOFF_MAX 60.0
/* A service that ran this long before dying starts its backoff afresh. */
#define STABLE_SECONDS 60.0
/* the directories services write to, at most */
#define MAX_DIRS 7

struct proc {
	const mg_service *svc;
	unsigned index, count;
	pid_t pid;              /* 0 while not running */
	double start_at;        /* when a stopped slot starts (again) */
	double started;         /* when it last started */
	double kill_at;         /* asked to drain: SIGKILL after this; 0 otherwise */
	unsigned failures;      /* deaths in a row, for the backoff */
	unsigned long restarts;
	int retiring;           /* an old generation's: never started again */
};

struct master {
	const mg_master_args *args;
	mg_config *cfg;
	int sigfd;
	int lock_fd;            /* the pid file, locked */
	int fd[MG_LISTEN_COUNT];      /* by mg_listen; -1 when not bound */
	char *addr[MG_LISTEN_COUNT];  /* what each is bound to */
	struct proc *procs;
	size_t nprocs;
	int stopping;
	pid_t self;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

mg_config *mg_master_load_config(const mg_master_args *args, char **err)
{
	mg_config *c = mg_config_new();

	*err = NULL;
	if (!c) {
		*err = strdup("out of memory");
		return NULL;
	}
	if (mg_config_load(c, args->config_path, err) < 0)
		goto fail;
	for (int i = 0; i < args->n_overrides; i++)
		if (mg_config_override(c, args->overrides[i], err) < 0)
			goto fail;
	if (mg_config_check(c, err) < 0)
		goto fail;
	return c;
fail:
	mg_config_free(c);
	return NULL;
}

/* ---- what the services need before they start ------------------------ */

static int service_uses(mg_listen which)
{
	size_t n;
	const mg_service *s = mg_services(&n);

	for (size_t i = 0; i < n; i++)
		if (s[i].listen == which)
			return 1;
	return 0;
}

/* The user to become when root: daemon.user, or nobody when the default
 * user mugai was never created.  NULL (logged) when it cannot be. */
static const char *run_as(const mg_config *c)
{
	const char *user;

	if (getuid() != 0 && geteuid() != 0)
		return "";
	if (!(user = mg_config_run_user(c)))
		mg_log_error("daemon.user: no user '%s'", c->daemon_user);
	else if (strcmp(user, c->daemon_user) != 0)
		mg_log_warn("user mugai does not exist: running as nobody (create mugai, or set daemon.user)");
	return user;
}

static int dirs_same(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* The directories services write to.  path_of returns the part of a
 * value that is a directory ("dir:PATH", "sqlite:PATH"'s directory). */
/* The directory a file is in ("" for none, "." for a bare name). */
static char *parent_of(const char *path)
{
	char *p = strdup(path ? path : ""), *slash = p ? strrchr(p, '/') : NULL;

	if (p && *p && !slash) {
		free(p);
		return strdup(".");
	}
	if (slash && slash != p)
		*slash = 0;
	else if (slash)
		slash[1] = 0;
	return p;
}

static int dir_list(const mg_config *c, char *out[MAX_DIRS])
{
	int n = 0;

	out[n++] = strdup(c->drop_inbox);
	out[n++] = strdup(c->drop_outbox);
	out[n++] = strdup(c->quarantine_dir);
	if (strncmp(c->relay_next_hop, "dir:", 4) == 0)
		out[n++] = strdup(c->relay_next_hop + 4);
	if (strncmp(c->quarantine_index, "sqlite:", 7) == 0) {
		char *p = strdup(c->quarantine_index + 7), *slash = p ? strrchr(p, '/') : NULL;

		if (slash && slash != p) {
			*slash = 0;
		} else {
			free(p);
			p = strdup(".");
		}
		out[n++] = p;
	}
	out[n++] = parent_of(c->audit_checkpoint_file);
	out[n++] = parent_of(c->audit_checkpoint_key);
	/* the index usually lives in the quarantine directory: once is enough */
	for (int i = 0; i < n; i++)
		for (int k = i + 1; k < n; k++)
			if (dirs_same(out[i], out[k])) {
				free(out[k]);
				out[k--] = out[--n];
			}
	return n;
}

/* Creates what is missing (owned by user when root) and checks that user
 * can write each; 0, or -1 after logging which one. */
static int make_dirs(const mg_config *c, const char *user)
{
	struct passwd *pw = user && *user ? getpwnam(user) : NULL;
	char *dirs[MAX_DIRS] = { NULL };
	int n = dir_list(c, dirs), rc = 0;

	for (int i = 0; i < n && rc == 0; i++) {
		struct stat st;
		int existed;

		if (!dirs[i] || !*dirs[i])
			continue;
		existed = stat(dirs[i], &st) == 0;
		/* parents traversable by the user, the directory itself its own */
		if (!existed && (mg_mkdirs(dirs[i], 0755) < 0 || chmod(dirs[i], 0750) < 0)) {
			mg_log_error("cannot create %s: %s", dirs[i], strerror(errno));
			rc = -1;
		} else if (!existed && pw && chown(dirs[i], pw->pw_uid, pw->pw_gid) < 0) {
			mg_log_error("cannot give %s to %s: %s", dirs[i], user, strerror(errno));
			rc = -1;
		} else if (existed && !S_ISDIR(st.st_mode)) {
			mg_log_error("%s is not a directory", dirs[i]);
			rc = -1;
		}
	}
	for (int i = 0; i < n; i++)
		free(dirs[i]);
	return rc;
}

/* After the drop: every directory must be writable, or items would fail. */
static int check_dirs_writable(const mg_config *c)
{
	char *dirs[MAX_DIRS] = { NULL };
	int n = dir_list(c, dirs), rc = 0;

	for (int i = 0; i < n; i++) {
		if (dirs[i] && *dirs[i] && access(dirs[i], W_OK | X_OK) < 0) {
			mg_log_error("%s is not writable by uid %u: %s", dirs[i], (unsigned)getuid(),
			             strerror(errno));
			rc = -1;
		}
		free(dirs[i]);
	}
	return rc;
}

/* The configured address of a listening socket; "" for none. */
static const char *listen_address(const mg_config *c, mg_listen which)
{
	switch (which) {
	case MG_LISTEN_SMTP:
		return c->smtp_listen;
	case MG_LISTEN_ADMIN:
		return c->admin_listen;
	case MG_LISTEN_API:
		return c->api_listen;
	default:
		return "";
	}
}

static const char *const listen_key[MG_LISTEN_COUNT] = {
	[MG_LISTEN_SMTP] = "smtp.listen", [MG_LISTEN_ADMIN] = "admin.listen",
	[MG_LISTEN_API] = "api.listen",
};

/* Binds what the services need; on a reload an unchanged address keeps
 * its socket.  0, or -1 (logged, nothing changed). */
static int bind_sockets(struct master *m, const mg_config *c)
{
	int fd[MG_LISTEN_COUNT];
	char *err = NULL;

	for (int w = 0; w < MG_LISTEN_COUNT; w++) {
		const char *addr = listen_address(c, (mg_listen)w);

		fd[w] = m->fd[w];
		if (w == MG_LISTEN_NONE || !service_uses((mg_listen)w) || !*addr ||
		    (fd[w] >= 0 && strcmp(m->addr[w], addr) == 0))
			continue;
		if ((fd[w] = mg_listen_tcp(addr, &err)) < 0) {
			mg_log_error("%s: %s", listen_key[w], err ? err : "cannot listen");
			free(err);
			for (int k = 0; k < w; k++)
				if (fd[k] != m->fd[k])
					close(fd[k]);
			return -1;
		}
	}
	/* old sockets stay with the old services that still hold them */
	for (int w = 0; w < MG_LISTEN_COUNT; w++) {
		if (fd[w] == m->fd[w])
			continue;
		if (m->fd[w] >= 0)
			close(m->fd[w]);
		m->fd[w] = fd[w];
		free(m->addr[w]);
		m->addr[w] = strdup(listen_address(c, (mg_listen)w));
	}
	return 0;
}

/* Opens and locks the pid file: a second mugaid on it is refused. */
static int lock_pid_file(struct master *m, const char *path)
{
	if (!*path)
		return 0;
	m->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (m->lock_fd < 0) {
		mg_log_error("daemon.pid_file %s: %s", path, strerror(errno));
		return -1;
	}
	if (flock(m->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		char pid[32] = "";

		(void)!read(m->lock_fd, pid, sizeof(pid) - 1);
		pid[strcspn(pid, "\n")] = 0;
		mg_log_error("daemon.pid_file %s is locked: mugaid already runs (pid %s)", path, pid);
		return -1;
	}
	return 0;
}

static void write_pid(struct master *m)
{
	char line[32];
	int n = snprintf(line, sizeof(line), "%ld\n", (long)getpid());

	if (m->lock_fd < 0)
		return;
	if (ftruncate(m->lock_fd, 0) < 0 || pwrite(m->lock_fd, line, (size_t)n, 0) != n)
		mg_log_warn("cannot write the pid file: %s", strerror(errno));
}

/* ---- the service processes ------------------------------------------ */

static unsigned slot_count(const mg_service *s, const mg_config *c)
{
	long cores;

	/* a service on a socket whose address is empty is off (api.listen) */
	if (s->listen != MG_LISTEN_NONE && !*listen_address(c, s->listen))
		return 0;
	if (s->count)
		return s->count;
	if (c->workers_count)
		return c->workers_count;
	/* two per core: each smtpd serves one session and spends much of it
	 * waiting (fsync, the next hop, its job process), which the other
	 * smtpd's mail fills; one per core left cores idle under load */
	cores = sysconf(_SC_NPROCESSORS_ONLN);
	return cores > 0 ? 2 * (unsigned)cores : 2;
}

/* One slot per process of each service, all due to start now. */
static int add_generation(struct master *m)
{
	size_t n, total = 0;
	const mg_service *s = mg_services(&n);
	struct proc *p;

	for (size_t i = 0; i < n; i++)
		total += slot_count(&s[i], m->cfg);
	p = realloc(m->procs, (m->nprocs + total) * sizeof(*p));
	if (!p)
		return -1;
	m->procs = p;
	for (size_t i = 0; i < n; i++) {
		unsigned count = slot_count(&s[i], m->cfg);

		for (unsigned k = 0; k < count; k++)
			m->procs[m->nprocs++] = (struct proc){ .svc = &s[i], .index = k,
			                                       .count = count, .start_at = now() };
	}
	return 0;
}

static _Noreturn void child(struct master *m, struct proc *p)
{
	mg_service_ctx ctx = { p->svc->name, p->index, p->count, m->cfg, -1, -1 };

	/* only the socket this service needs crosses over */
	if (p->svc->listen != MG_LISTEN_NONE)
		ctx.listen_fd = m->fd[p->svc->listen];
	for (int w = 0; w < MG_LISTEN_COUNT; w++)
		if (m->fd[w] >= 0 && m->fd[w] != ctx.listen_fd)
			close(m->fd[w]);
	if (m->lock_fd >= 0)
		close(m->lock_fd);
	close(m->sigfd);
	mg_service_run(p->svc, &ctx, m->self);
}

static void start(struct master *m, struct proc *p)
{
	pid_t pid = fork();

	if (pid < 0) {
		mg_log_error("%s[%u]: fork: %s", p->svc->name, p->index, strerror(errno));
		p->start_at = now() + BACKOFF_MAX / 4;
		return;
	}
	if (pid == 0)
		child(m, p);
	p->pid = pid;
	p->started = now();
	mg_log_item(MG_LOG_INFO, NULL,
	            json_pack("{s:s,s:i,s:i}", "event", "service_started", "service_pid", (int)pid,
	                      "restarts", (int)p->restarts),
	            "started %s[%u] pid %ld", p->svc->name, p->index, (long)pid);
}

static void describe(int status, char *out, size_t len)
{
	if (WIFSIGNALED(status))
		snprintf(out, len, "killed by signal %d (%s)", WTERMSIG(status),
		         strsignal(WTERMSIG(status)));
	else
		snprintf(out, len, "exited with status %d", WEXITSTATUS(status));
}

/* A service died: a retiring one is forgotten, a current one restarted
 * after its backoff (unless the master is stopping). */
static void on_exit_of(struct master *m, struct proc *p, int status)
{
	char how[128];
	double delay, ran = now() - p->started;

	describe(status, how, sizeof(how));
	p->pid = 0;
	if (p->retiring || m->stopping) {
		mg_log_info("%s[%u] %s", p->svc->name, p->index, how);
		p->retiring = 2; /* done: removed by the caller */
		return;
	}
	p->failures = ran >= STABLE_SECONDS ? 1 : p->failures + 1;
	delay = BACKOFF_FIRST;
	for (unsigned i = 1; i < p->failures && delay < BACKOFF_MAX; i++)
		delay *= 2;
	if (delay > BACKOFF_MAX)
		delay = BACKOFF_MAX;
	p->start_at = now() + delay;
	p->restarts++;
	mg_metrics_process_restart();
	mg_log_item(MG_LOG_ERROR, NULL,
	            json_pack("{s:s,s:s,s:i,s:f}", "event", "service_died", "service",
	                      p->svc->name, "restarts", (int)p->restarts, "backoff", delay),
	            "%s[%u] %s; starting it again in %.0f s (restart %lu)", p->svc->name,
	            p->index, how, delay, p->restarts);
}

static void reap(struct master *m)
{
	pid_t pid;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (size_t i = 0; i < m->nprocs; i++)
			if (m->procs[i].pid == pid) {
				on_exit_of(m, &m->procs[i], status);
				break;
			}
	}
	/* drop the retired ones that are gone */
	for (size_t i = 0; i < m->nprocs;)
		if (m->procs[i].retiring == 2)
			m->procs[i] = m->procs[--m->nprocs];
		else
			i++;
}

static void ask_to_drain(struct master *m, struct proc *p)
{
	if (p->pid > 0 && !p->kill_at) {
		kill(p->pid, SIGTERM);
		p->kill_at = now() + m->cfg->daemon_drain_timeout;
	}
}

/* ---- reload and stop ------------------------------------------------- */

static void reload(struct master *m)
{
	char *err = NULL;
	mg_config *c = mg_master_load_config(m->args, &err);

	if (!c) {
		mg_log_error("reload refused, configuration kept: %s", err ? err : "error");
		free(err);
		return;
	}
	if (c->daemon_directory[0] && chdir(c->daemon_directory) < 0) {
		mg_log_error("reload refused: daemon.directory %s: %s", c->daemon_directory,
		             strerror(errno));
		mg_config_free(c);
		return;
	}
	if (make_dirs(c, NULL) < 0 || check_dirs_writable(c) < 0 || bind_sockets(m, c) < 0) {
		mg_log_error("reload refused, configuration kept");
		mg_config_free(c);
		return;
	}
	/* the running services finish their items with what they have */
	for (size_t i = 0; i < m->nprocs; i++) {
		struct proc *p = &m->procs[i];

		if (!p->retiring) {
			p->retiring = 1;
			if (p->pid > 0)
				ask_to_drain(m, p);
			else
				p->retiring = 2;
		}
	}
	reap(m);
	mg_config_free(m->cfg);
	m->cfg = c;
	mg_log_open("mugaid", m->cfg->log_target[0] ? m->cfg->log_target
	                                           : m->args->foreground ? "stderr" : "syslog");
	mg_log_set_node(mg_node_name(m->cfg));
	{
		mg_log_level level = MG_LOG_INFO;

		mg_log_level_parse(c->log_level, &level);
		mg_log_set_level(level);
	}
	if (add_generation(m) < 0)
		mg_log_error("reload: out of memory");
	mg_log_info("reloaded");
}

static void stop(struct master *m)
{
	if (m->stopping)
		return;
	m->stopping = 1;
	mg_log_info("stopping: services finish their items (at most %u s)",
	            m->cfg->daemon_drain_timeout);
	for (size_t i = 0; i < m->nprocs; i++)
		ask_to_drain(m, &m->procs[i]);
}

static size_t running(const struct master *m)
{
	size_t n = 0;

	for (size_t i = 0; i < m->nprocs; i++)
		n += m->procs[i].pid > 0;
	return n;
}

/* ---- the loop -------------------------------------------------------- */

/* Starts what is due, kills what overran its drain; returns how long the
 * loop may sleep (ms). */
static int tick(struct master *m)
{
	double t = now(), next = t + 3600;

	for (size_t i = 0; i < m->nprocs; i++) {
		struct proc *p = &m->procs[i];

		if (p->pid > 0 && p->kill_at) {
			if (t >= p->kill_at) {
				mg_log_warn("%s[%u] pid %ld still busy after %u s: killed", p->svc->name,
				            p->index, (long)p->pid, m->cfg->daemon_drain_timeout);
				kill(p->pid, SIGKILL);
				p->kill_at = t + 3600;
			} else if (p->kill_at < next) {
				next = p->kill_at;
			}
		} else if (p->pid == 0 && !p->retiring && !m->stopping) {
			if (t >= p->start_at)
				start(m, p);
			else if (p->start_at < next)
				next = p->start_at;
		}
	}
	return (int)((next - t) * 1000) + 1;
}

static void handle_signals(struct master *m)
{
	struct signalfd_siginfo si;

	while (read(m->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGCHLD:
			reap(m);
			break;
		case SIGHUP:
			if (!m->stopping)
				reload(m);
			break;
		case SIGTERM:
		case SIGINT:
			stop(m);
			break;
		default:
			break;
		}
	}
}

static void loop(struct master *m)
{
	for (;;) {
		struct pollfd p = { m->sigfd, POLLIN, 0 };
		int wait = tick(m);

		if (m->stopping && running(m) == 0)
			break;
		if (poll(&p, 1, wait) < 0 && errno != EINTR)
			mg_log_panic("poll: %s", strerror(errno));
		handle_signals(m);
	}
}

static int block_signals(struct master *m)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	m->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	return m->sigfd < 0 ? -1 : 0;
}

/* Detaches from the terminal; the parent returns to the shell at once. */
static int daemonise(int keep_stderr)
{
	pid_t pid = fork();
	int null;

	if (pid < 0)
		return -1;
	if (pid > 0)
		_exit(0);
	if (setsid() < 0)
		return -1;
	null = open("/dev/null", O_RDWR);
	if (null < 0)
		return -1;
	dup2(null, STDIN_FILENO);
	dup2(null, STDOUT_FILENO);
	if (!keep_stderr)
		dup2(null, STDERR_FILENO);
	if (null > STDERR_FILENO)
		close(null);
	return 0;
}

static void log_services(const struct master *m)
{
	char line[512] = "";
	size_t n, off = 0;
	const mg_service *s = mg_services(&n);

	for (size_t i = 0; i < n && off < sizeof(line); i++) {
		const char *addr = s[i].listen != MG_LISTEN_NONE ? m->addr[s[i].listen] : NULL;
		int k = snprintf(line + off, sizeof(line) - off, "%s%s x%u%s%s", i ? ", " : "",
		                 s[i].name, slot_count(&s[i], m->cfg), addr ? " on " : "",
		                 addr ? addr : "");

		off += k > 0 ? (size_t)k : 0;
	}
	mg_log_info("mugaid %s ready: %s", MUGAI_VERSION, n ? line : "no services built");
}

static int prepare(struct master *m)
{
	const char *user = run_as(m->cfg);
	char err[256];

	if (!user)
		return -1;
	if (m->cfg->daemon_directory[0] && chdir(m->cfg->daemon_directory) < 0) {
		mg_log_error("daemon.directory %s: %s", m->cfg->daemon_directory, strerror(errno));
		return -1;
	}
	if (lock_pid_file(m, m->cfg->daemon_pid_file) < 0 || make_dirs(m->cfg, user) < 0 ||
	    bind_sockets(m, m->cfg) < 0)
		return -1;
	if (!m->args->foreground && daemonise(strcmp(m->cfg->log_target, "stderr") == 0) < 0) {
		mg_log_error("cannot become a daemon: %s", strerror(errno));
		return -1;
	}
	m->self = getpid();
	write_pid(m);
	if (*user && mg_sandbox_drop_to(user, err, sizeof(err)) < 0) {
		mg_log_error("dropping privileges: %s", err);
		return -1;
	}
	if (*user)
		mg_log_info("running as %s", user);
	if (check_dirs_writable(m->cfg) < 0)
		return -1;
	/* the counters every service updates, shared before the first fork */
	mg_metrics_init();
	/* PPAP candidates wait in memory every smtpd shares, never on disk */
	if (mg_ppap_wait_init() < 0)
		mg_log_warn("ppap: no shared table; each smtpd pairs only its own mails");
	return block_signals(m) < 0 ? -1 : add_generation(m);
}

int mg_master_run(mg_config *cfg, const mg_master_args *args)
{
	struct master m = { .args = args, .cfg = cfg, .sigfd = -1, .lock_fd = -1 };
	mg_log_level level = MG_LOG_INFO;
	int rc = 1;

	for (int w = 0; w < MG_LISTEN_COUNT; w++)
		m.fd[w] = -1;

	mg_log_open("mugaid", cfg->log_target[0] ? cfg->log_target
	                                        : args->foreground ? "stderr" : "syslog");
	mg_log_set_node(mg_node_name(cfg));
	mg_log_level_parse(cfg->log_level, &level);
	mg_log_set_level(level);
	mg_log_capture_libraries();
	mg_proctitle_set("mugaid: master");
	if (prepare(&m) < 0)
		goto done;
	for (size_t i = 0; i < m.nprocs; i++)
		start(&m, &m.procs[i]);
	log_services(&m);
	loop(&m);
	mg_log_info("stopped");
	rc = 0;
done:
	if (m.lock_fd >= 0 && m.self == getpid() && m.cfg->daemon_pid_file[0])
		unlink(m.cfg->daemon_pid_file); /* may fail once unprivileged: harmless */
	if (m.lock_fd >= 0)
		close(m.lock_fd);
	for (int w = 0; w < MG_LISTEN_COUNT; w++)
		if (m.fd[w] >= 0)
			close(m.fd[w]);
	if (m.sigfd >= 0)
		close(m.sigfd);
	for (int w = 0; w < MG_LISTEN_COUNT; w++)
		free(m.addr[w]);
	free(m.procs);
	mg_config_free(m.cfg);
	return rc;
}
