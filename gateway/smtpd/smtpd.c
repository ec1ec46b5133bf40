/*
 * smtpd.c - the SMTP service: mail in, sanitised mail out, proxy style.
 *
 * SECURITY: this process talks to the internet and to the next hop, but
 * never parses a message: the bytes go to its sandboxed worker, the
 * protocol through smtp_session.c's bounded grammar.  It runs without
 * privileges (the master dropped them), keeps no queue and writes nothing
 * but the quarantine.
 *
 * Several smtpd processes accept on the one listening socket the master
 * bound (Postfix style); each serves one session at a time with its own
 * worker.  A message is answered only after its fate is sealed:
 *
 *   250  the original is in the quarantine (mq_put) and the next hop took
 *        the sanitised message, or, for a message blocked whole (policy,
 *        limits, malware, a crash of the worker), a notice to the
 *        recipients in its place;
 *   451  nothing was accepted: the scan or the quarantine failed, or the
 *        next hop is down or answered 4xx (the sender retries);
 *   554  the next hop refused it for good (5xx).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>

#include "banks.h"
#include "fileio.h"
#include "item.h"
#include "log.h"
#include "metrics.h"
#include "notice.h"
#include "ppap.h"
#include "service.h"
#include "smtp_session.h"
#include "transport.h"

typedef struct smtpd {
	const mg_service_ctx *ctx;
	const mg_config *cfg;
	mg_pipeline pipe;
	mg_transport *transport;
	char hostname[256];
	char *notice_tmpl;   /* smtp.notice's text, NULL: built-in */
	time_t ppap_checked; /* when waiting PPAP items were last looked at */
	SSL_CTX *tls;
	mg_smtp_server srv;
} smtpd;

/* PPAP items whose window passed, every few seconds: when idle, and
 * after a message, so that a busy gateway expires them too. */
static void ppap_tick(smtpd *d)
{
	time_t now = time(NULL);

	if (now - d->ppap_checked >= 5) {
		d->ppap_checked = now;
		mg_ppap_expire(&d->pipe, d->hostname);
	}
}

/* The message that goes out: our Received: line in head, then the
 * sanitised message (the worker's artefact, handed on as it is: parts[1],
 * after X-Mugai-Report in head; with the report attached by policy, built
 * in att), or the notice that replaces a blocked one (in head too).  The
 * number of parts. */
static int outgoing(smtpd *d, const mg_smtp_envelope *env, mg_item *it, mg_buf *head,
                    mg_buf *att, struct iovec parts[2])
{
	mg_smtp_trace tr = { env->helo, env->peer, d->hostname, it->id,
		             env->nrcpts == 1 ? env->rcpts[0] : NULL, env->esmtp, env->tls,
		             (long long)time(NULL) };
	mg_notice_info n;

	if (mg_smtp_received(head, &tr) < 0)
		return -1;
	if (strcmp(it->verdict, "sanitised") == 0) {
		if (mg_item_mail_out(&d->pipe, it, head, att, &parts[1]) < 0)
			return -1;
		parts[0] = (struct iovec){ head->data, head->len };
		return 2;
	}
	n = (mg_notice_info){ it->id, it->verdict, it->status, it->reason, env->sender,
		              (const char *const *)env->rcpts, env->nrcpts,
		              it->subject[0] ? it->subject : NULL, it->len, d->hostname,
		              (long long)time(NULL) };
	if (mg_item_notice_ref(it, head) < 0 || mg_notice_build(head, &n, d->notice_tmpl) < 0)
		return -1;
	parts[0] = (struct iovec){ head->data, head->len };
	return 1;
}

/* One item: the message for recipients of one policy bank. */
static void deliver_group(smtpd *d, const mg_smtp_envelope *env, const unsigned char *msg,
                          size_t len, mg_smtp_reply *reply)
{
	mg_item it = { 0 };
	mg_envelope e = { NULL, env->sender, (const char *const *)env->rcpts, env->nrcpts };
	mg_buf out, att;
	struct iovec parts[2];
	size_t out_len = 0;
	mg_smtp_reply hop;
	const char *outcome = "deferred";
	int rc, nparts;

	it.data = msg;
	it.len = len;
	it.sender = env->sender;
	it.rcpts = (const char *const *)env->rcpts;
	it.nrcpts = env->nrcpts;
	mg_item_init(&it);
	mg_log_set_item(it.id);
	mg_metrics_inflight(MG_CHANNEL_MAIL, 1);
	/* the artefact's size was bounded by the worker (the policy's max_output) */
	mg_buf_init(&out, SIZE_MAX / 4);
	mg_buf_init(&att, SIZE_MAX / 4);
	if (mg_item_prepare(&d->pipe, &it) < 0) {
		mg_smtp_reply_set(reply, 451, "4.3.0 %s: %s, try again later", it.id, it.reason);
		mg_smtp_reply_set(&hop, 451, "%s", it.reason);
		goto done;
	}
	if ((nparts = outgoing(d, env, &it, &out, &att, parts)) < 0) {
		mg_smtp_reply_set(&hop, 451, "4.3.0 cannot build the outgoing message");
		mg_smtp_reply_set(reply, 451, "4.3.0 %s: out of memory, try again later", it.id);
		goto done;
	}
	e.id = it.id;
	for (int k = 0; k < nparts; k++)
		out_len += parts[k].iov_len;
	rc = mg_transport_sendv(d->transport, &e, parts, (size_t)nparts, &hop);
	if (rc == MG_TR_OK) {
		/* the mail is out: now its zip may wait, or its password open one */
		mg_ppap_mail(&d->pipe, &it, d->hostname);
		outcome = strcmp(it.verdict, "sanitised") == 0 ? "delivered" : "notified";
		mg_smtp_reply_set(reply, 250, "2.0.0 Ok: %s %s and %s", it.id, it.verdict,
		                  strcmp(outcome, "delivered") == 0 ? "delivered"
		                                                    : "quarantined, recipients notified");
	} else {
		mg_metrics_error("next_hop");
		outcome = rc == MG_TR_PERMFAIL ? "rejected" : "deferred";
		/* the next hop's own reply, with our item id for the logs */
		mg_smtp_reply_set(reply, rc == MG_TR_PERMFAIL ? 554 : 451, "%s [%s]", hop.text, it.id);
	}
done:
	mg_item_done(&d->pipe, &it, outcome, hop.text, strcmp(outcome, "deferred") == 0 ||
	                                                        strcmp(outcome, "rejected") == 0
	                                                    ? 0
	                                                    : out_len);
	mg_metrics_inflight(MG_CHANNEL_MAIL, -1);
	mg_log_set_item(NULL);
	ppap_tick(d);
	mg_buf_free(&out);
	mg_buf_free(&att);
	mg_item_free(&it);
}

/* The recipients of the bank of rcpts[first], in their order, into out. */
static size_t bank_group(const mg_smtp_envelope *env, const size_t *bank, size_t first,
                         char **out)
{
	size_t n = 0;

	for (size_t i = first; i < env->nrcpts; i++)
		if (bank[i] == bank[first])
			out[n++] = env->rcpts[i];
	return n;
}

/* s after dst, cut to what fits. */
static void append(char *dst, size_t cap, const char *s)
{
	size_t n = strlen(dst), m = strlen(s);

	if (n + m >= cap)
		m = cap - n - 1;
	memcpy(dst + n, s, m);
	dst[n + m] = '\0';
}

/* A message whose recipients' rules choose different banks is split: one
 * item a bank, each sanitised by its own bank and sent to its own
 * recipients, in the order of their first recipient.  The reply is one:
 * 250 when every part went out; at the first part that could not, that
 * part's own 4xx or 5xx, and no later part is tried.  A client that
 * retries after a 4xx sends the earlier banks' recipients the message a
 * second time: a copy twice rather than none. */
/* At MAIL: a quarantine known to be down refuses the mail at once, rather
 * than after its data. */
static int store_reachable(void *vctx, char *why, size_t len)
{
	smtpd *d = vctx;
	char *err = NULL;

	if (mq_reachable(d->pipe.store, &err) == MQ_OK)
		return 0;
	snprintf(why, len, "the quarantine is unreachable (%s)", err ? err : "index down");
	mg_metrics_error("quarantine");
	free(err);
	return -1;
}

static void deliver(void *vctx, const mg_smtp_envelope *env, const unsigned char *msg, size_t len,
                    mg_smtp_reply *reply)
{
	smtpd *d = vctx;
	size_t *bank = calloc(env->nrcpts ? env->nrcpts : 1, sizeof(*bank));
	char **group = calloc(env->nrcpts ? env->nrcpts : 1, sizeof(*group));
	char done[400] = "";
	size_t groups = 0;
	bool split = false;

	if (!bank || !group) {
		mg_smtp_reply_set(reply, 451, "4.3.0 out of memory, try again later");
		goto out;
	}
	for (size_t i = 0; i < env->nrcpts; i++) {
		bank[i] = mg_item_bank(&d->pipe, env->sender, env->rcpts[i], NULL);
		split |= bank[i] != bank[0];
	}
	if (!split) {
		deliver_group(d, env, msg, len, reply);
		goto out;
	}
	for (size_t i = 0; i < env->nrcpts; i++) {
		mg_smtp_envelope part = *env;
		mg_smtp_reply r;
		bool seen = false;

		for (size_t k = 0; k < i && !seen; k++)
			seen = bank[k] == bank[i];
		if (seen)
			continue;
		part.rcpts = group;
		part.nrcpts = bank_group(env, bank, i, group);
		deliver_group(d, &part, msg, len, &r);
		if (r.code >= 300) {
			*reply = r;
			goto out;
		}
		/* "Ok: ID VERDICT and ..." without its "2.0.0 Ok: " */
		if (groups++)
			append(done, sizeof(done), "; ");
		append(done, sizeof(done), strncmp(r.text, "2.0.0 Ok: ", 10) == 0 ? r.text + 10 : r.text);
	}
	mg_smtp_reply_set(reply, 250, "2.0.0 Ok: split by policy bank: %s", done);
out:
	free(bank);
	free(group);
}

static SSL_CTX *server_tls(const mg_config *c)
{
	SSL_CTX *ctx;

	if (!c->smtp_tls_cert || !*c->smtp_tls_cert)
		return NULL;
	ctx = SSL_CTX_new(TLS_server_method());
	if (!ctx)
		mg_log_fatal("smtp: cannot create a TLS context");
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	if (SSL_CTX_use_certificate_chain_file(ctx, c->smtp_tls_cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, c->smtp_tls_key && *c->smtp_tls_key ? c->smtp_tls_key
	                                                                        : c->smtp_tls_cert,
	                                SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		unsigned long e = ERR_get_error();
		char buf[256];

		ERR_error_string_n(e, buf, sizeof(buf));
		mg_log_fatal("smtp.tls_cert %s / smtp.tls_key %s: %s", c->smtp_tls_cert,
		             c->smtp_tls_key ? c->smtp_tls_key : "", buf);
	}
	return ctx;
}

static void setup(smtpd *d, const mg_service_ctx *ctx)
{
	const mg_config *c = ctx->config;
	mg_transport_opts to = { 0 };
	mg_worker_limits lim;
	char *err = NULL;
	size_t len;

	d->ctx = ctx;
	d->cfg = c;
	if (c->smtp_hostname && *c->smtp_hostname)
		snprintf(d->hostname, sizeof(d->hostname), "%s", c->smtp_hostname);
	else if (gethostname(d->hostname, sizeof(d->hostname) - 1) < 0 || !d->hostname[0])
		snprintf(d->hostname, sizeof(d->hostname), "localhost");
	if (c->smtp_notice && *c->smtp_notice) {
		d->notice_tmpl = (char *)mg_read_file(c->smtp_notice, 1 << 16, &len);
		if (!d->notice_tmpl || len > (1 << 16))
			mg_log_fatal("smtp.notice %s: %s", c->smtp_notice,
			             d->notice_tmpl ? "larger than 64K" : strerror(errno));
		d->notice_tmpl[len] = 0;
	}
	to.hostname = d->hostname;
	to.timeout = c->relay_timeout;
	to.data_timeout = c->relay_timeout;
	to.tls = c->relay_tls;
	to.tls_ca = c->relay_tls_ca;
	d->transport = mg_transport_new(c->relay_next_hop, &to, &err);
	if (!d->transport)
		mg_log_fatal("%s", err ? err : "relay.next_hop: invalid");
	/* PPAP pairing: the notice says the held-back attachment will follow
	 * (this process's copy of the policy, before the worker copies it) */
	if (mg_config_ppap(c) &&
	    (mg_policy_set(c->policy, "encrypted_follows", "yes", &err) < 0 ||
	     mg_policy_set(c->policy, "mask_passwords", c->ppap_mask_password, &err) < 0 ||
	     mg_banks_resolve(c->banks, c->policy, &err) < 0))
		mg_log_fatal("ppap: %s", err ? err : "?");
	mg_service_worker_limits(ctx, &lim);
	if (mg_pipeline_open(&d->pipe, c, MG_CHANNEL_MAIL, &lim, &err) < 0)
		mg_log_fatal("smtpd: %s", err ? err : "cannot open the quarantine");
	/* the delivery entry rides on the next item's fsync, or idle_sync's */
	mq_set_lazy_notes(d->pipe.store, 1);
	d->tls = server_tls(c);
	d->srv = (mg_smtp_server){
		.hostname = d->hostname,
		.max_size = c->smtp_max_size,
		.max_rcpts = c->smtp_max_recipients ? c->smtp_max_recipients : 100,
		.timeout = c->smtp_timeout ? c->smtp_timeout : 300,
		.data_timeout = c->smtp_data_timeout ? c->smtp_data_timeout : 600,
		.tls = d->tls,
		.drain_fd = ctx->drain_fd,
		.deliver = deliver,
		.ctx = d,
		.mail_check = store_reachable,
	};
}

/* Delivery entries committed lazily made durable, and a worker that died
 * since the last item counted: when no connection came for a second, and
 * before leaving. */
static void idle_sync(smtpd *d)
{
	char *err = NULL;

	ppap_tick(d);
	mg_pipeline_idle(&d->pipe);

	if (mq_sync(d->pipe.store, &err) != MQ_OK)
		mg_log_warn("quarantine: sync: %s", err ? err : "?");
	free(err);
}

static void teardown(smtpd *d)
{
	idle_sync(d);
	mg_pipeline_close(&d->pipe);
	mg_transport_free(d->transport);
	if (d->tls)
		SSL_CTX_free(d->tls);
	free(d->notice_tmpl);
}

static void peer_name(const struct sockaddr_storage *sa, char *out, size_t cap)
{
	char ip[INET6_ADDRSTRLEN] = "?";

	if (sa->ss_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, ip, sizeof(ip));
	else if (sa->ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, ip, sizeof(ip));
	snprintf(out, cap, "[%s]", ip);
}

/* Waits for a connection or a drain: the new descriptor, -1 to look
 * again, -2 when draining. */
static int next_connection(smtpd *d, char *peer, size_t cap)
{
	struct pollfd p[2] = { { d->ctx->listen_fd, POLLIN, 0 }, { d->ctx->drain_fd, POLLIN, 0 } };
	struct sockaddr_storage sa;
	socklen_t sl = sizeof(sa);
	int fd;

	if (mg_service_draining(d->ctx))
		return -2;
	if (poll(p, d->ctx->drain_fd >= 0 ? 2 : 1, 1000) <= 0) {
		idle_sync(d);
		return -1;
	}
	if (p[1].revents & POLLIN)
		return -2;
	/* the others accept on the same socket: losing the race is normal */
	fd = accept4(d->ctx->listen_fd, (struct sockaddr *)&sa, &sl, SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
			mg_log_warn("smtpd: accept: %s", strerror(errno));
			usleep(100000);
		}
		return -1;
	}
	peer_name(&sa, peer, cap);
	return fd;
}

int mg_smtpd_main(const mg_service_ctx *ctx)
{
	smtpd d = { 0 };

	if (ctx->listen_fd < 0)
		mg_log_fatal("smtpd: no listening socket");
	/* a peer that goes away mid-write is an error to handle, not a signal */
	signal(SIGPIPE, SIG_IGN);
	setup(&d, ctx);
	mg_log_info("smtpd: accepting, next hop %s, clamd %s", mg_transport_name(d.transport),
	            d.pipe.clamd.socket && *d.pipe.clamd.socket ? d.pipe.clamd.socket : "none");
	for (;;) {
		char peer[64];
		mg_smtp_stats st;
		int fd = next_connection(&d, peer, sizeof(peer));

		if (fd == -2)
			break;
		if (fd < 0)
			continue;
		mg_metrics_smtp_connection(1);
		mg_smtp_session(&d.srv, fd, peer, &st);
		mg_metrics_smtp_connection(-1);
		mg_log_debug("smtpd: session from %s: %u messages, %u accepted, %u errors%s", peer,
		             st.messages, st.accepted, st.errors, st.timed_out ? ", timed out" : "");
	}
	mg_log_info("smtpd: drained");
	teardown(&d);
	return 0;
}
