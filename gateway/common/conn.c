/*
 * conn.c - buffered, deadline-bounded connections, plain or TLS.
 *
 * Descriptors are non-blocking; every wait goes through wait_fd(), which
 * polls for at most the timeout and never past the deadline.  So no peer,
 * however slow, holds a process longer than its configured limits.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "conn.h"

double mg_conn_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void mg_conn_init(mg_conn *c, int fd, int timeout_ms)
{
	int fl = fcntl(fd, F_GETFL), on = 1;

	if (fl >= 0)
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	/* Every write here is a whole reply, a whole command batch or a whole
	 * message, flushed only before we wait for the peer: Nagle's algorithm
	 * can then only hold a tail back until the peer's delayed ACK (40 ms a
	 * message).  Fails harmlessly on a unix socket. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	c->fd = fd;
	c->ssl = NULL;
	c->timeout_ms = timeout_ms;
	c->deadline = 0;
	c->drain_fd = -1;
	c->err = 0;
	c->in_pos = c->in_len = 0;
	c->out_len = 0;
}

void mg_conn_close(mg_conn *c)
{
	if (c->ssl) {
		SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

static int fail(mg_conn *c, int err)
{
	if (!c->err)
		c->err = err;
	return err;
}

/* Waits until fd is ready for events; for input also watches drain_fd. */
static int wait_fd(mg_conn *c, short events)
{
	struct pollfd p[2] = { { c->fd, events, 0 }, { c->drain_fd, POLLIN, 0 } };
	nfds_t n = (events & POLLIN) && c->drain_fd >= 0 ? 2 : 1;
	int ms = c->timeout_ms, r;

	if (c->deadline > 0) {
		double left = (c->deadline - mg_conn_now()) * 1000.0;

		if (left <= 0)
			return fail(c, MG_CONN_TIMEOUT);
		if (left < ms)
			ms = (int)left + 1;
	}
	do
		r = poll(p, n, ms);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return fail(c, MG_CONN_IO);
	if (r == 0)
		return fail(c, MG_CONN_TIMEOUT);
	if (n == 2 && (p[1].revents & POLLIN) && !(p[0].revents & (POLLIN | POLLHUP)))
		return fail(c, MG_CONN_DRAIN);
	return 0;
}

/* One TLS call's outcome: 1 retry after waiting, or a MG_CONN_* error. */
static int tls_retry(mg_conn *c, int r)
{
	switch (SSL_get_error(c->ssl, r)) {
	case SSL_ERROR_WANT_READ:
		return wait_fd(c, POLLIN) == 0 ? 1 : c->err;
	case SSL_ERROR_WANT_WRITE:
		return wait_fd(c, POLLOUT) == 0 ? 1 : c->err;
	case SSL_ERROR_ZERO_RETURN:
		return fail(c, MG_CONN_EOF);
	default:
		ERR_clear_error();
		return fail(c, MG_CONN_IO);
	}
}

static long raw_read(mg_conn *c, void *buf, size_t n)
{
	for (;;) {
		if (c->ssl) {
			int r = SSL_read(c->ssl, buf, n > 65536 ? 65536 : (int)n), t;

			if (r > 0)
				return r;
			if ((t = tls_retry(c, r)) != 1)
				return t;
			continue;
		}
		ssize_t r = read(c->fd, buf, n);

		if (r > 0)
			return (long)r;
		if (r == 0)
			return fail(c, MG_CONN_EOF);
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return fail(c, MG_CONN_IO);
		if (wait_fd(c, POLLIN) < 0)
			return c->err;
	}
}

static int raw_write(mg_conn *c, const unsigned char *p, size_t n)
{
	while (n > 0) {
		if (c->ssl) {
			int r = SSL_write(c->ssl, p, n > 65536 ? 65536 : (int)n), t;

			if (r > 0) {
				p += r;
				n -= (size_t)r;
			} else if ((t = tls_retry(c, r)) != 1) {
				return t;
			}
			continue;
		}
		ssize_t r = send(c->fd, p, n, MSG_NOSIGNAL);

		if (r > 0) {
			p += r;
			n -= (size_t)r;
		} else if (r < 0 && errno == EINTR) {
			continue;
		} else if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (wait_fd(c, POLLOUT) < 0)
				return c->err;
		} else {
			return fail(c, MG_CONN_IO);
		}
	}
	return 0;
}

int mg_conn_flush(mg_conn *c)
{
	int rc;

	if (c->err)
		return c->err;
	if (!c->out_len)
		return 0;
	rc = raw_write(c, c->out, c->out_len);
	c->out_len = 0;
	return rc;
}

int mg_conn_fill(mg_conn *c)
{
	long r;

	if (c->in_pos < c->in_len)
		return 0;
	if (c->err)
		return c->err;
	/* replies queued so far go out before we block on the peer */
	if (mg_conn_flush(c) < 0)
		return c->err;
	c->in_pos = c->in_len = 0;
	r = raw_read(c, c->in, sizeof(c->in));
	if (r < 0)
		return (int)r;
	c->in_len = (size_t)r;
	return 0;
}

int mg_conn_read_line(mg_conn *c, char *line, size_t cap, size_t *len, bool *crlf)
{
	size_t n = 0;
	bool toolong = false;

	for (;;) {
		const unsigned char *p, *lf;
		size_t avail, take;
		int rc = mg_conn_fill(c);

		if (rc < 0)
			return rc;
		p = mg_conn_peek(c, &avail);
		lf = memchr(p, '\n', avail);
		take = lf ? (size_t)(lf - p) : avail;
		if (!toolong && take <= cap - 1 - n) {
			memcpy(line + n, p, take);
			n += take;
		} else {
			toolong = true;
		}
		mg_conn_consume(c, lf ? take + 1 : take);
		if (lf)
			break;
	}
	*crlf = !toolong && n > 0 && line[n - 1] == '\r';
	if (*crlf)
		n--;
	line[toolong ? 0 : n] = 0;
	*len = toolong ? 0 : n;
	return toolong ? MG_CONN_TOOLONG : 0;
}

bool mg_conn_pending(const mg_conn *c)
{
	return c->in_pos < c->in_len || (c->ssl && SSL_pending(c->ssl) > 0);
}

void mg_conn_discard_input(mg_conn *c)
{
	c->in_pos = c->in_len = 0;
}

int mg_conn_write(mg_conn *c, const void *data, size_t len)
{
	const unsigned char *p = data;

	if (c->err)
		return c->err;
	/* a message goes to the kernel in one piece, its end of data with its
	 * last line, instead of in buffer-sized slices */
	if (len >= sizeof(c->out) - c->out_len) {
		if (mg_conn_flush(c) < 0)
			return c->err;
		return raw_write(c, p, len);
	}
	memcpy(c->out + c->out_len, p, len);
	c->out_len += len;
	return 0;
}

int mg_conn_printf(mg_conn *c, const char *fmt, ...)
{
	char line[2048];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return fail(c, MG_CONN_IO);
	return mg_conn_write(c, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

/* SNI and the name the certificate must carry: a DNS name, or an
 * address literal (checked against the IP addresses, without SNI). */
static int set_peer_name(SSL *ssl, SSL_CTX *ctx, const char *host)
{
	unsigned char addr[16];
	bool verify = SSL_CTX_get_verify_mode(ctx) != SSL_VERIFY_NONE;

	if (inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1)
		return !verify || X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) ? 0 : -1;
	/* SSL_set_tlsext_host_name() is a macro that casts const away */
	SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, (void *)(uintptr_t)host);
	return !verify || SSL_set1_host(ssl, host) ? 0 : -1;
}

static int tls_handshake(mg_conn *c, SSL_CTX *ctx, const char *host, bool server)
{
	int r, t;

	if (c->err)
		return c->err;
	if (!(c->ssl = SSL_new(ctx)) || !SSL_set_fd(c->ssl, c->fd))
		return fail(c, MG_CONN_IO);
	if (!server && host && set_peer_name(c->ssl, ctx, host) < 0)
		return fail(c, MG_CONN_IO);
	for (;;) {
		r = server ? SSL_accept(c->ssl) : SSL_connect(c->ssl);
		if (r == 1)
			return 0;
		if ((t = tls_retry(c, r)) != 1)
			return t == MG_CONN_EOF ? fail(c, MG_CONN_IO) : t;
	}
}

int mg_conn_tls_accept(mg_conn *c, SSL_CTX *ctx)
{
	return tls_handshake(c, ctx, NULL, true);
}

int mg_conn_tls_connect(mg_conn *c, SSL_CTX *ctx, const char *host)
{
	return tls_handshake(c, ctx, host, false);
}

void mg_conn_tls_info(const mg_conn *c, char *out, size_t cap)
{
	if (!c->ssl) {
		snprintf(out, cap, "%s", "");
		return;
	}
	snprintf(out, cap, "%s %s", SSL_get_version(c->ssl), SSL_get_cipher_name(c->ssl));
}

/* Waits for a non-blocking connect on fd to finish. */
static int finish_connect(int fd, int timeout_ms)
{
	struct pollfd p = { fd, POLLOUT, 0 };
	int r, soerr = 0;
	socklen_t sl = sizeof(soerr);

	do
		r = poll(&p, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	if (r == 0)
		errno = ETIMEDOUT;
	if (r <= 0)
		return -1;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
		return -1;
	if (soerr) {
		errno = soerr;
		return -1;
	}
	return 0;
}

int mg_tcp_connect(const char *host, const char *port, int timeout_ms)
{
	struct addrinfo hints = { 0 }, *res = NULL;
	int fd = -1, e = ECONNREFUSED;

	hints.ai_socktype = SOCK_STREAM;
	hints.ai_family = AF_UNSPEC;
	if (getaddrinfo(host, port, &hints, &res) != 0) {
		errno = EHOSTUNREACH;
		return -1;
	}
	for (struct addrinfo *a = res; a; a = a->ai_next) {
		fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
		if (fd < 0) {
			e = errno;
			continue;
		}
		if (connect(fd, a->ai_addr, a->ai_addrlen) == 0 ||
		    (errno == EINPROGRESS && finish_connect(fd, timeout_ms) == 0))
			break;
		e = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		errno = e;
	return fd;
}

int mg_unix_connect(const char *path, int timeout_ms)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, e;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 ||
	    ((errno == EINPROGRESS || errno == EAGAIN) && finish_connect(fd, timeout_ms) == 0))
		return fd;
	e = errno;
	close(fd);
	errno = e;
	return -1;
}
