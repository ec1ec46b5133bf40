/*
 * ipc.h - typed, versioned messages between mugai's processes.
 *
 * One message is one datagram on a SOCK_SEQPACKET socketpair: a header
 * (protocol version, type, payload length), a payload written and read
 * field by field, and up to MG_IPC_MAX_FDS file descriptors passed with
 * SCM_RIGHTS.  Bulk data never goes through the socket: it travels in a
 * sealed memfd whose descriptor the message carries.
 *
 * Readers trust nothing (OpenSMTPD's mproc.c): every get checks the bytes
 * left, a failed get makes the message bad, and mg_msg_end() fails when a
 * byte or a descriptor was left over, so a peer that speaks a different
 * layout is caught at the first message.
 */
#ifndef MUGAI_IPC_H
#define MUGAI_IPC_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Bumped whenever a message's layout changes. */
#define MG_IPC_VERSION 2
#define MG_IPC_MAX_MSG 65536
#define MG_IPC_MAX_FDS 4
/* Longest string field (names, types, reasons). */
#define MG_IPC_MAX_STR 4096

/* Message types, one range per channel.  A type is a contract: add new
 * ones, never reuse a number. */
enum mg_msg_type {
	/* service <-> sandboxed worker (worker_proto.h) */
	MG_MSG_WORKER_READY = 100, /* zygote -> parent: sandbox entered, waiting for jobs */
	MG_MSG_WORKER_ERROR,       /* zygote -> parent: setup failed; str reason */
	MG_MSG_WORKER_JOB,         /* parent -> zygote: one item; fd input memfd */
	MG_MSG_WORKER_RESULT,      /* job process -> parent: the outcome; fds report, artefact */
	MG_MSG_WORKER_STARTED,     /* zygote -> parent: the job's process; fd its socket */
	MG_MSG_WORKER_DONE,        /* zygote -> parent: how the job's process ended */
	MG_MSG_WORKER_CONVERT,     /* job process -> parent: a document to PDF; fd its memfd */
	MG_MSG_WORKER_CONVERTED,   /* parent -> job process: the outcome; fd the PDF's memfd */
	MG_MSG_WORKER_PROGRESS,    /* job process -> parent: a page or member begins */
	MG_MSG_WORKER_SETUP,       /* parent -> exec'd zygote: banks and limits; fd the banks */
};

typedef struct mg_msg {
	uint16_t type;
	mg_buf data;          /* payload */
	size_t pos;           /* read position in data */
	int fds[MG_IPC_MAX_FDS];
	unsigned nfds;        /* descriptors attached */
	unsigned fd_pos;      /* descriptors taken by mg_msg_get_fd */
	int bad;              /* a put overflowed or a get ran past the end */
	int received;         /* the descriptors are ours to close */
} mg_msg;

/* A new message of this type to fill with puts. */
void mg_msg_init(mg_msg *m, uint16_t type);
/* Frees the payload; for a received message, also closes every descriptor
 * not taken. */
void mg_msg_free(mg_msg *m);

void mg_msg_put_u32(mg_msg *m, uint32_t v);
void mg_msg_put_u64(mg_msg *m, uint64_t v);
/* A string or NULL (both survive the trip). */
void mg_msg_put_str(mg_msg *m, const char *s);
/* Attaches fd (it stays the caller's; the peer gets a copy). */
void mg_msg_put_fd(mg_msg *m, int fd);

/* Each get returns 0, or -1 (and marks the message bad) past the end. */
int mg_msg_get_u32(mg_msg *m, uint32_t *v);
int mg_msg_get_u64(mg_msg *m, uint64_t *v);
/* *s is malloc'ed (free() it), or NULL when NULL was sent.  Fails on an
 * embedded NUL or a string longer than max. */
int mg_msg_get_str(mg_msg *m, char **s, size_t max);
/* Takes the next descriptor: the caller owns it now. */
int mg_msg_get_fd(mg_msg *m, int *fd);
/* 0 when every field and descriptor was read and nothing went wrong. */
int mg_msg_end(const mg_msg *m);

/* Sends one message (never raises SIGPIPE).  0, or -1 with errno. */
int mg_ipc_send(int sock, const mg_msg *m);
/* Receives one message into *m (initialised here; mg_msg_free it after a
 * return of 1).  timeout_ms < 0 waits for ever.  1 a message, 0 the peer
 * closed, -1 with errno: ETIMEDOUT, EMSGSIZE (too long, too many fds),
 * EPROTO (bad header or version), or the socket's error. */
int mg_ipc_recv(int sock, mg_msg *m, int timeout_ms);

/* A connected SOCK_SEQPACKET pair, close-on-exec.  0 or -1 with errno. */
int mg_ipc_pair(int sv[2]);

#endif
