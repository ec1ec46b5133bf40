/*
 * cmd_web.c - `mugai web`: the review UI alone, without the daemon, on
 * admin.listen (or the address given), until SIGINT or SIGTERM.
 *
 * Useful where the quarantine is reviewed on another host than the one
 * that sanitises (a shared PostgreSQL and blob directory), and for
 * trying the UI.  Approved originals go out through the default release
 * hook (release.h), as with `mugai quarantine approve`.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "admind.h"
#include "commands.h"
#include "quarantine_open.h"
#include "log.h"
#include "release.h"
#include "unlock_hook.h"

static void usage(FILE *to)
{
	fprintf(to,
	        "usage: mugai web [-c mugai.conf] [-o section.key=value ...]\n\n"
	        "Serves the quarantine review UI (Japanese and English) and /metrics on\n"
	        "admin.listen, without the rest of the gateway, until interrupted.  Port 0\n"
	        "picks a free port; the address is printed on standard output.\n\n"
	        "Keys: admin.listen, admin.secure_cookies (yes behind a TLS proxy),\n"
	        "admin.metrics_public, admin.session_idle, admin.session_max,\n"
	        "quarantine.dir, quarantine.index; relay.next_hop and drop.outbox receive\n"
	        "released originals.  Users are managed with 'mugai user'.\n");
}

static int parse_bool(const char *key, const char *v, bool *out, char **err)
{
	uint64_t b;

	if (mg_parse_bool(v, &b) < 0) {
		if (asprintf(err, "%s: expected yes or no, not '%s'", key, v) < 0)
			*err = NULL;
		return -1;
	}
	*out = b != 0;
	return 0;
}

int mg_web_options(const mg_config *c, mw_options *opt, char **err)
{
	memset(opt, 0, sizeof(*opt));
	*err = NULL;
	if (parse_bool("admin.secure_cookies", c->admin_secure_cookies, &opt->secure_cookies, err) < 0 ||
	    parse_bool("admin.metrics_public", c->admin_metrics_public, &opt->metrics_public, err) < 0)
		return -1;
	opt->session_idle = c->admin_session_idle;
	opt->session_max = c->admin_session_max;
	opt->allowed_hosts = c->admin_allowed_hosts;
	opt->self_approval = mg_config_self_approval(c);
	opt->listen = c->admin_listen;
	opt->public_url = c->admin_public_url;
	opt->link_ttl = c->ppap_link_ttl;
	opt->node = mg_node_name(c);
	opt->log = mg_web_log;
	return 0;
}

void mg_web_log(void *ctx, bool warning, const char *item_id, const char *msg)
{
	mg_log_item(warning ? MG_LOG_WARN : MG_LOG_INFO, item_id, NULL, "%s", msg);
}

mq_store *mg_web_open_store(const mg_config *c, char **err)
{
	mq_store *s = mg_quarantine_open(c, err);

	if (s) {
		mq_set_release_hook(s, mg_release_hook, (void *)(uintptr_t)c);
		mq_set_self_approval(s, mg_config_self_approval(c));
	}
	return s;
}

/* "host:port" or "[v6]:port" into its parts. */
static int split_listen(const char *spec, char *host, size_t hsize, char *port, size_t psize)
{
	const char *colon = strrchr(spec, ':');
	const char *h = spec;
	size_t hl;

	if (!colon || !colon[1] || strlen(colon + 1) >= psize)
		return -1;
	hl = (size_t)(colon - spec);
	if (hl >= 2 && spec[0] == '[' && spec[hl - 1] == ']') {
		h++;
		hl -= 2;
	}
	if (hl >= hsize)
		return -1;
	memcpy(host, h, hl);
	host[hl] = '\0';
	snprintf(port, psize, "%s", colon + 1);
	return 0;
}

/* A listening socket on spec; the address really bound in shown. */
static int listen_on(const char *spec, char *shown, size_t size)
{
	struct addrinfo hints = { 0 }, *ai = NULL;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[256], port[16], h[NI_MAXHOST], p[NI_MAXSERV];
	int fd = -1, one = 1;

	if (split_listen(spec, host, sizeof(host), port, sizeof(port)) < 0) {
		fprintf(stderr, "mugai web: admin.listen: expected HOST:PORT, not '%s'\n", spec);
		return -1;
	}
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if (getaddrinfo(host[0] ? host : NULL, port, &hints, &ai) != 0 || !ai) {
		fprintf(stderr, "mugai web: cannot resolve '%s'\n", spec);
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 64) < 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl) < 0 ||
	    getnameinfo((struct sockaddr *)&ss, sl, h, sizeof(h), p, sizeof(p),
	                NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		fprintf(stderr, "mugai web: %s: %s\n", spec, strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return -1;
	}
	snprintf(shown, size, ss.ss_family == AF_INET6 ? "[%s]:%s" : "%s:%s", h, p);
	freeaddrinfo(ai);
	return fd;
}

/* The unlock page's worker, with the daemons' limits and user (mugai
 * falls back to nobody when it was never created); without one the page
 * says unlocking is unavailable. */
static mg_unlock_hook *start_unlock_hook(const mg_config *c)
{
	const char *user = mg_config_run_user(c);
	mg_worker_limits lim = { c->workers_timeout, c->workers_memory, c->workers_cpu, 0,
		                 user ? user : c->daemon_user, 0, 0 };
	char *err = NULL;
	mg_unlock_hook *h = mg_unlock_hook_new(c, &lim, &err);

	if (!h)
		fprintf(stderr, "mugai web: no worker for the unlock page: %s\n", err ? err : "?");
	free(err);
	return h;
}

static int serve(const mg_config *c)
{
	mw_options opt;
	mg_unlock_hook *unlock = NULL;
	mw_server *srv = NULL;
	mq_store *store = NULL;
	char *err = NULL, shown[300];
	sigset_t stop;
	int fd, sig = 0, rc = 1;

	mg_log_open("mugai-web", "stderr");
	if (mg_web_options(c, &opt, &err) < 0)
		goto done;
	if ((unlock = start_unlock_hook(c))) {
		opt.unlock = mg_unlock_hook_run;
		opt.unlock_ctx = unlock;
	}
	if (!(store = mg_web_open_store(c, &err)) || !(srv = mw_server_new(store, &opt, &err)))
		goto done;
	if ((fd = listen_on(c->admin_listen, shown, sizeof(shown))) < 0)
		goto done;
	/* blocked before the server's thread starts, so only sigwait() sees them */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (mw_server_start(srv, fd, &err) < 0)
		goto done;
	printf("mugai web: review UI on http://%s/\n", shown);
	fflush(stdout);
	sigwait(&stop, &sig);
	fprintf(stderr, "mugai web: %s, stopping\n", strsignal(sig));
	mw_server_drain(srv, 2);
	rc = 0;
done:
	if (err)
		fprintf(stderr, "mugai web: %s\n", err);
	free(err);
	mw_server_free(srv);
	mg_unlock_hook_free(unlock);
	mq_close(store);
	return rc;
}

int mg_cmd_web(int argc, char **argv)
{
	mg_config *c;
	int rc;

	if (mg_cli_asks_help(argc, argv)) {
		usage(stdout);
		return 0;
	}
	c = mg_config_from_args(&argc, argv);
	if (!c)
		return 1;
	if (argc > 1) {
		fprintf(stderr, "mugai web: unexpected argument '%s'\n\n", argv[1]);
		usage(stderr);
		mg_config_free(c);
		return 1;
	}
	rc = serve(c);
	mg_config_free(c);
	return rc;
}
