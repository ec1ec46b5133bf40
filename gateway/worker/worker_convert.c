/*
 * worker_convert.c - policy pdf across the sandbox: a job process may
 * start no program, so it hands the document (scripts already removed) to
 * its service on its own socket and waits; the service runs LibreOffice
 * in bubblewrap (office_convert.c) and hands the PDF back, which the job
 * then flattens.  The service trusts nothing of the request but its
 * shape, and kills LibreOffice at the item's deadline: a crash or a hang
 * blocks that item only.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "office_convert.h"
#include "worker_proto.h"

/* The longest extension a request may name. */
#define MAX_EXT 8

mg_convert_status mg_job_convert(void *user, const unsigned char *data, size_t len,
                                 const char *ext, double seconds, uint64_t max_out,
                                 unsigned char **pdf, size_t *pdf_len, char *why, size_t why_len)
{
	int sock = (int)(intptr_t)user, fd = mg_memfd_sealed("mugai-convert", data, len), pfd = -1;
	uint32_t status = MG_CONVERT_FAILED;
	uint64_t n = 0;
	char *said = NULL;
	mg_msg m;

	*pdf = NULL;
	*pdf_len = 0;
	if (fd < 0) {
		snprintf(why, why_len, "document not handed over: %s", strerror(errno));
		return MG_CONVERT_FAILED;
	}
	mg_msg_init(&m, MG_MSG_WORKER_CONVERT);
	mg_msg_put_str(&m, ext);
	mg_msg_put_u64(&m, len);
	mg_msg_put_u64(&m, (uint64_t)(seconds * 1000.0));
	mg_msg_put_u64(&m, max_out);
	mg_msg_put_fd(&m, fd);
	n = (uint64_t)mg_ipc_send(sock, &m);
	mg_msg_free(&m);
	close(fd);
	if (n != 0 || mg_ipc_recv(sock, &m, -1) != 1) {
		snprintf(why, why_len, "the service did not answer");
		return MG_CONVERT_FAILED;
	}
	if (m.type != MG_MSG_WORKER_CONVERTED || mg_msg_get_u32(&m, &status) < 0 ||
	    mg_msg_get_str(&m, &said, MG_IPC_MAX_STR) < 0 || mg_msg_get_u64(&m, &n) < 0 ||
	    (status == MG_CONVERT_OK && mg_msg_get_fd(&m, &pfd) < 0) || mg_msg_end(&m) < 0 ||
	    status > MG_CONVERT_TIMEOUT)
		status = MG_CONVERT_FAILED;
	snprintf(why, why_len, "%s", said ? said : "");
	if (status == MG_CONVERT_OK &&
	    (n > max_out || !(*pdf = mg_memfd_read(pfd, n, max_out)))) {
		snprintf(why, why_len, "the PDF could not be read");
		status = MG_CONVERT_FAILED;
	}
	if (status == MG_CONVERT_OK)
		*pdf_len = (size_t)n;
	if (pfd >= 0)
		close(pfd);
	free(said);
	mg_msg_free(&m);
	return (mg_convert_status)status;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int reply(int jsock, mg_convert_status cs, const char *why, const unsigned char *pdf,
                 size_t len)
{
	int fd = cs == MG_CONVERT_OK ? mg_memfd_sealed("mugai-pdf", pdf, len) : -1;
	mg_msg m;
	int rc;

	if (cs == MG_CONVERT_OK && fd < 0) {
		cs = MG_CONVERT_FAILED;
		why = "the PDF could not be handed over";
	}
	mg_msg_init(&m, MG_MSG_WORKER_CONVERTED);
	mg_msg_put_u32(&m, (uint32_t)cs);
	mg_msg_put_str(&m, why);
	mg_msg_put_u64(&m, cs == MG_CONVERT_OK ? len : 0);
	if (fd >= 0)
		mg_msg_put_fd(&m, fd);
	rc = mg_ipc_send(jsock, &m);
	mg_msg_free(&m);
	if (fd >= 0)
		close(fd);
	return rc;
}

int mg_worker_serve_convert(mg_msg *req, int jsock, double deadline, char *why, size_t why_len)
{
	char *ext = NULL, said[512] = "";
	uint64_t len = 0, ms = 0, max_out = 0;
	unsigned char *doc = NULL, *pdf = NULL;
	size_t pdf_len = 0;
	int fd = -1, rc = -1;
	double left = deadline - now();
	mg_convert_status cs;

	if (mg_msg_get_str(req, &ext, MAX_EXT) < 0 || !ext || mg_msg_get_u64(req, &len) < 0 ||
	    mg_msg_get_u64(req, &ms) < 0 || mg_msg_get_u64(req, &max_out) < 0 ||
	    mg_msg_get_fd(req, &fd) < 0 || mg_msg_end(req) < 0 ||
	    !(doc = mg_memfd_read(fd, len, max_out))) {
		snprintf(why, why_len, "worker sent a malformed conversion request");
		goto done;
	}
	if ((double)ms / 1000.0 < left)
		left = (double)ms / 1000.0;
	cs = left > 0 ? mg_office_convert(NULL, doc, (size_t)len, ext, left, max_out, &pdf,
	                                  &pdf_len, said, sizeof(said)) : MG_CONVERT_TIMEOUT;
	if (cs == MG_CONVERT_TIMEOUT) {
		snprintf(why, why_len, "LibreOffice did not convert the %s document within the "
		         "item's time limit and was killed", ext);
		rc = 1;
	} else if (reply(jsock, cs, said, pdf, pdf_len) < 0) {
		snprintf(why, why_len, "job process gone during its conversion: %s", strerror(errno));
	} else {
		rc = 0;
	}
done:
	if (fd >= 0)
		close(fd);
	free(ext);
	free(doc);
	free(pdf);
	return rc;
}
