/*
 * fuzz_ipc.c - the IPC reader on hostile datagrams: what a compromised
 * worker could send its parent.  Each input goes through a real
 * SOCK_SEQPACKET pair (header, version and length checks of
 * mg_ipc_recv) with two descriptors attached, then is decoded as each
 * worker message (reply, job, started, done); every field is
 * bounds-checked and leftovers fail, a job's candidate passwords too.
 *
 * The harnesses link only the core, so the two gateway files are compiled
 * in here.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../gateway/common/ipc.c"
#include "../gateway/worker/worker_proto.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int sv[2] = { -1, -1 };
static int devnull = -1;

static int send_with_fds(const uint8_t *data, size_t size)
{
	char control[CMSG_SPACE(sizeof(int) * 2)];
	struct iovec iov = { (void *)(uintptr_t)data, size };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
	                     .msg_controllen = sizeof(control) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	int fds[2] = { devnull, devnull };

	memset(control, 0, sizeof(control));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(fds));
	memcpy(CMSG_DATA(c), fds, sizeof(fds));
	return sendmsg(sv[0], &mh, MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)size ? 0 : -1;
}

/* Whatever a job decodes to, its candidates are within the limits:
 * counted, each present, not empty, not too long. */
static void check_passwords(const mg_job *j)
{
	if (j->n_passwords > MG_WORKER_MAX_PASSWORDS || (j->n_passwords && !j->passwords))
		abort();
	for (uint32_t i = 0; i < j->n_passwords; i++)
		if (!j->passwords[i] || strlen(j->passwords[i]) > MG_WORKER_MAX_PASSWORD_LEN)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mg_msg m;
	mg_reply r;
	mg_job j;

	if (sv[0] < 0) {
		if (mg_ipc_pair(sv) < 0)
			abort();
		devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	}
	if (size == 0 || size > MG_IPC_MAX_MSG + 16)
		return 0;
	/* as each message a reader expects: each decode consumes its message */
	for (int pass = 0; pass < 5; pass++) {
		uint32_t pid;
		char *error;
		int fd, status;

		if (send_with_fds(data, size) < 0)
			return 0;
		if (mg_ipc_recv(sv[1], &m, 0) != 1)
			continue;
		switch (pass) {
		case 0:
			if (mg_reply_decode(&m, &r) == 0 && r.verdict == MG_VERDICT_SANITISED &&
			    (r.out_fd < 0 || r.report_fd < 0))
				abort(); /* a decoded sanitised reply always has both descriptors */
			mg_reply_clear(&r);
			break;
		case 1:
			if (mg_job_decode(&m, &j) == 0 && (!j.item_id || strlen(j.item_id) > 39))
				abort();
			check_passwords(&j);
			mg_job_clear(&j);
			break;
		case 2:
			if (mg_started_decode(&m, &pid, &error, &fd) == 0 && pid && fd < 0)
				abort(); /* a started job always comes with its socket */
			if (fd >= 0)
				close(fd);
			free(error);
			break;
		case 3: {
			uint64_t done;
			char *unit;

			/* a decoded progress message names its unit, within the limit */
			if (mg_progress_decode(&m, &done, &unit) == 0 &&
			    (!unit || strlen(unit) > MG_WORKER_MAX_UNIT))
				abort();
			free(unit);
			break;
		}
		default:
			mg_done_decode(&m, &pid, &status);
			break;
		}
		mg_msg_free(&m);
	}
	return 0;
}
