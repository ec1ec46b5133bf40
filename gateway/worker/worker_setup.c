/*
 * worker_setup.c - what a zygote is told when it starts as a program of
 * its own (mugai-worker): the policy banks, the job limits and the
 * service's log settings, in one MG_MSG_WORKER_SETUP.
 *
 * The banks are the service's mg_policy structures as they lie in memory,
 * carried in a sealed memfd: the program is the same build as the service
 * (the version and the structure's size are checked first, so a worker
 * program replaced by an upgrade while the old service runs refuses to
 * start instead of reading another layout).  The one pointer in a policy,
 * its loaded allow-list, is cleared: the zygote loads the list again.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h" /* struct mg_policy */
#include "log.h"
#include "worker_proto.h"

/* A NUL inside each of a policy's fixed strings. */
static int terminated(const mg_policy *p)
{
	return memchr(p->notice_lang, 0, sizeof(p->notice_lang)) &&
	       memchr(p->name, 0, sizeof(p->name)) &&
	       memchr(p->allow_sha256, 0, sizeof(p->allow_sha256)) &&
	       memchr(p->ocr_languages, 0, sizeof(p->ocr_languages));
}

int mg_setup_send(int sock, const mg_policy *banks, size_t nbanks, const mg_worker_limits *lim)
{
	size_t len = nbanks * sizeof(*banks);
	mg_policy *copy = malloc(len);
	mg_msg m;
	int fd, rc;

	if (!copy)
		return -1;
	memcpy(copy, banks, len);
	for (size_t i = 0; i < nbanks; i++)
		copy[i].allow = NULL;
	fd = mg_memfd_sealed("mugai-policy", copy, len);
	free(copy);
	if (fd < 0)
		return -1;
	mg_msg_init(&m, MG_MSG_WORKER_SETUP);
	mg_msg_put_str(&m, MUGAI_VERSION);
	mg_msg_put_u64(&m, sizeof(*banks));
	mg_msg_put_u32(&m, (uint32_t)nbanks);
	mg_msg_put_u32(&m, lim->timeout);
	mg_msg_put_u64(&m, lim->memory);
	mg_msg_put_u32(&m, lim->cpu_seconds);
	mg_msg_put_u64(&m, lim->max_output);
	mg_msg_put_str(&m, lim->user);
	mg_msg_put_u32(&m, lim->page_seconds);
	mg_msg_put_u32(&m, lim->max_seconds);
	mg_msg_put_str(&m, mg_log_prog());
	mg_msg_put_str(&m, mg_log_node());
	mg_msg_put_u32(&m, (uint32_t)mg_log_level_get());
	mg_msg_put_fd(&m, fd);
	rc = mg_ipc_send(sock, &m);
	mg_msg_free(&m);
	close(fd);
	return rc;
}

/* The banks from their memfd, checked: NULL with why. */
static mg_policy *read_banks(mg_msg *m, uint64_t size, uint32_t n, const char **why)
{
	mg_policy *banks;
	int fd = -1;

	if (size != sizeof(mg_policy)) {
		*why = "the service's policy has another layout (a different build)";
		return NULL;
	}
	if (n == 0 || n > MG_WORKER_MAX_BANKS || mg_msg_get_fd(m, &fd) < 0 || mg_msg_end(m) < 0) {
		if (fd >= 0)
			close(fd);
		*why = "malformed setup message";
		return NULL;
	}
	banks = (mg_policy *)mg_memfd_read(fd, (uint64_t)n * size, (uint64_t)n * size);
	close(fd);
	if (!banks) {
		*why = "the policy banks could not be read";
		return NULL;
	}
	for (uint32_t i = 0; i < n; i++) {
		banks[i].allow = NULL;
		if (!terminated(&banks[i])) {
			free(banks);
			*why = "malformed policy bank";
			return NULL;
		}
	}
	return banks;
}

int mg_setup_recv(int sock, int timeout_ms, mg_setup *s, const char **why)
{
	char *version = NULL, *prog = NULL, *node = NULL;
	uint64_t size = 0, memory = 0, max_output = 0;
	uint32_t n = 0, timeout = 0, cpu = 0, page = 0, max_seconds = 0, level = 0;
	mg_msg m;
	int rc = mg_ipc_recv(sock, &m, timeout_ms);

	memset(s, 0, sizeof(*s));
	*why = rc == 0 ? "the service closed the socket" : "no setup message from the service";
	if (rc != 1)
		return -1;
	if (m.type != MG_MSG_WORKER_SETUP || mg_msg_get_str(&m, &version, 64) < 0) {
		*why = "malformed setup message";
		goto out;
	}
	if (!version || strcmp(version, MUGAI_VERSION) != 0) {
		*why = "the worker program is another version than the service: restart mugaid";
		goto out;
	}
	if (mg_msg_get_u64(&m, &size) < 0 || mg_msg_get_u32(&m, &n) < 0 ||
	    mg_msg_get_u32(&m, &timeout) < 0 || mg_msg_get_u64(&m, &memory) < 0 ||
	    mg_msg_get_u32(&m, &cpu) < 0 || mg_msg_get_u64(&m, &max_output) < 0 ||
	    mg_msg_get_str(&m, &s->user, 256) < 0 || mg_msg_get_u32(&m, &page) < 0 ||
	    mg_msg_get_u32(&m, &max_seconds) < 0 || mg_msg_get_str(&m, &prog, 64) < 0 ||
	    mg_msg_get_str(&m, &node, 256) < 0 || mg_msg_get_u32(&m, &level) < 0 ||
	    level > MG_LOG_ERROR) {
		*why = "malformed setup message";
		goto out;
	}
	if (!(s->banks = read_banks(&m, size, n, why)))
		goto out;
	s->nbanks = n;
	s->limits = (mg_worker_limits){ timeout, memory, cpu, max_output, s->user, page,
		                        max_seconds };
	mg_log_set_prog(prog);
	mg_log_set_node(node);
	mg_log_set_level((mg_log_level)level);
	rc = 0;
out:
	if (rc != 0) {
		free(s->user);
		s->user = NULL;
		rc = -1;
	}
	free(version);
	free(prog);
	free(node);
	mg_msg_free(&m);
	return rc;
}
