/*
 * ipc.c - typed messages over SOCK_SEQPACKET with descriptor passing.
 *
 * Wire layout of one datagram (host byte order: both ends are this
 * program on this machine):
 *   u8 version | u8 reserved (0) | u16 type | u32 payload length | payload
 * Payload fields: u32, u64, and strings as u32 length + bytes, where the
 * length 0xffffffff stands for NULL.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ipc.h"

#define HEADER_LEN 8
#define NULL_STR 0xffffffffu

void mg_msg_init(mg_msg *m, uint16_t type)
{
	memset(m, 0, sizeof(*m));
	m->type = type;
	mg_buf_init(&m->data, MG_IPC_MAX_MSG - HEADER_LEN);
	for (unsigned i = 0; i < MG_IPC_MAX_FDS; i++)
		m->fds[i] = -1;
}

void mg_msg_free(mg_msg *m)
{
	for (unsigned i = m->fd_pos; m->received && i < m->nfds; i++)
		if (m->fds[i] >= 0)
			close(m->fds[i]);
	/* a job may carry candidate passwords: none stays in freed memory */
	if (m->data.data)
		explicit_bzero(m->data.data, m->data.len);
	mg_buf_free(&m->data);
	m->nfds = m->fd_pos = 0;
}

static void put(mg_msg *m, const void *p, size_t n)
{
	if (mg_buf_append(&m->data, p, n) < 0)
		m->bad = 1;
}

void mg_msg_put_u32(mg_msg *m, uint32_t v)
{
	put(m, &v, sizeof(v));
}

void mg_msg_put_u64(mg_msg *m, uint64_t v)
{
	put(m, &v, sizeof(v));
}

void mg_msg_put_str(mg_msg *m, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (s && n > MG_IPC_MAX_STR) {
		m->bad = 1;
		return;
	}
	mg_msg_put_u32(m, s ? (uint32_t)n : NULL_STR);
	if (s)
		put(m, s, n);
}

void mg_msg_put_fd(mg_msg *m, int fd)
{
	if (fd < 0 || m->nfds >= MG_IPC_MAX_FDS) {
		m->bad = 1;
		return;
	}
	m->fds[m->nfds++] = fd;
}

/* The next n payload bytes, or NULL (and the message is bad). */
static const unsigned char *take(mg_msg *m, size_t n)
{
	const unsigned char *p = mg_view(m->data.data, m->data.len, m->pos, n);

	if (!p || m->bad) {
		m->bad = 1;
		return NULL;
	}
	m->pos += n;
	return p;
}

int mg_msg_get_u32(mg_msg *m, uint32_t *v)
{
	const unsigned char *p = take(m, sizeof(*v));

	if (!p)
		return -1;
	memcpy(v, p, sizeof(*v));
	return 0;
}

int mg_msg_get_u64(mg_msg *m, uint64_t *v)
{
	const unsigned char *p = take(m, sizeof(*v));

	if (!p)
		return -1;
	memcpy(v, p, sizeof(*v));
	return 0;
}

int mg_msg_get_str(mg_msg *m, char **s, size_t max)
{
	const unsigned char *p;
	uint32_t n;

	*s = NULL;
	if (mg_msg_get_u32(m, &n) < 0)
		return -1;
	if (n == NULL_STR)
		return 0;
	if (n > max || n > MG_IPC_MAX_STR || !(p = take(m, n)) || memchr(p, 0, n)) {
		m->bad = 1;
		return -1;
	}
	*s = malloc((size_t)n + 1);
	if (!*s) {
		m->bad = 1;
		return -1;
	}
	memcpy(*s, p, n);
	(*s)[n] = 0;
	return 0;
}

int mg_msg_get_fd(mg_msg *m, int *fd)
{
	*fd = -1;
	if (m->bad || m->fd_pos >= m->nfds) {
		m->bad = 1;
		return -1;
	}
	*fd = m->fds[m->fd_pos];
	m->fds[m->fd_pos++] = -1;
	return 0;
}

int mg_msg_end(const mg_msg *m)
{
	return m->bad || m->pos != m->data.len || m->fd_pos != m->nfds ? -1 : 0;
}

int mg_ipc_send(int sock, const mg_msg *m)
{
	unsigned char header[HEADER_LEN] = { MG_IPC_VERSION, 0 };
	uint32_t len = (uint32_t)m->data.len;
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * MG_IPC_MAX_FDS)];
	} control;
	struct iovec iov[2] = {
		{ header, sizeof(header) },
		{ m->data.data, m->data.len },
	};
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = m->data.len ? 2 : 1 };
	ssize_t n;

	if (m->bad) {
		errno = EINVAL;
		return -1;
	}
	memcpy(header + 2, &m->type, sizeof(m->type));
	memcpy(header + 4, &len, sizeof(len));
	if (m->nfds) {
		struct cmsghdr *c;

		memset(&control, 0, sizeof(control));
		mh.msg_control = control.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * m->nfds);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * m->nfds);
		memcpy(CMSG_DATA(c), m->fds, sizeof(int) * m->nfds);
	}
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	if ((size_t)n != sizeof(header) + m->data.len) {
		errno = EMSGSIZE;
		return -1;
	}
	return 0;
}

static int wait_readable(int sock, int timeout_ms)
{
	struct pollfd p = { sock, POLLIN, 0 };
	int rc;

	do
		rc = poll(&p, 1, timeout_ms);
	while (rc < 0 && errno == EINTR);
	if (rc == 0)
		errno = ETIMEDOUT;
	return rc > 0 ? 0 : -1;
}

/* Moves the descriptors of the control data into m; -1 on anything but
 * one SCM_RIGHTS record (what was received is closed then). */
static int take_fds(struct msghdr *mh, mg_msg *m)
{
	int rc = 0;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		size_t n;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
		    c->cmsg_len < CMSG_LEN(0)) {
			rc = -1;
			continue;
		}
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
			if (m->nfds < MG_IPC_MAX_FDS)
				m->fds[m->nfds++] = fd;
			else
				close(fd);
		}
	}
	return rc;
}

int mg_ipc_recv(int sock, mg_msg *m, int timeout_ms)
{
	unsigned char *buf = malloc(MG_IPC_MAX_MSG);
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * MG_IPC_MAX_FDS)];
	} control;
	struct iovec iov = { buf, MG_IPC_MAX_MSG };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
	                     .msg_controllen = sizeof(control.buf) };
	uint32_t len;
	ssize_t n = 0;
	int rc = -1, err = 0;

	mg_msg_init(m, 0);
	m->received = 1;
	if (!buf)
		return -1;
	if (timeout_ms >= 0 && wait_readable(sock, timeout_ms) < 0) {
		err = errno;
		goto done;
	}
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n <= 0) {
		err = n == 0 ? 0 : errno;
		rc = n == 0 ? 0 : -1;
		goto done;
	}
	if (take_fds(&mh, m) < 0) {
		err = EPROTO;
		goto done;
	}
	if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
		err = EMSGSIZE;
		goto done;
	}
	if ((size_t)n < HEADER_LEN) {
		err = EPROTO;
		goto done;
	}
	memcpy(&len, buf + 4, sizeof(len));
	if (buf[0] != MG_IPC_VERSION || buf[1] != 0 || len != (size_t)n - HEADER_LEN) {
		err = EPROTO;
		goto done;
	}
	memcpy(&m->type, buf + 2, sizeof(m->type));
	if (mg_buf_append(&m->data, buf + HEADER_LEN, len) < 0) {
		err = ENOMEM;
		goto done;
	}
	rc = 1;
done:
	if (n > 0)
		explicit_bzero(buf, (size_t)n);
	free(buf);
	if (rc != 1) {
		mg_msg_free(m);
		errno = err;
	}
	return rc;
}

int mg_ipc_pair(int sv[2])
{
	return socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv);
}
