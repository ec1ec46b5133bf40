/*
 * worker_proto.h - the messages between a service and its worker child,
 * and the sealed memfds that carry the bytes.  Internal to worker*.c.
 *
 *   child  -> parent  MG_MSG_WORKER_READY   (empty) sandbox entered
 *   child  -> parent  MG_MSG_WORKER_ERROR   str reason: setup failed
 *   parent -> child   MG_MSG_WORKER_JOB     u32 mode, u32 is_mail, str item_id,
 *                                           str name, str declared_type,
 *                                           u64 len; fd input
 *   child  -> parent  MG_MSG_WORKER_RESULT  str item_id, u32 status,
 *                                           u32 verdict, str reason,
 *                                           str out_type, str out_ext,
 *                                           u64 out_len, u64 report_len;
 *                                           fd report, fd artefact (sanitised only)
 *
 * Every memfd is sealed (no write, grow or shrink) by its writer, and the
 * reader checks the seals and the announced size before reading, so what
 * was checked is what is read.
 */
#ifndef MUGAI_WORKER_PROTO_H
#define MUGAI_WORKER_PROTO_H

#include <jansson.h>
#include <stdint.h>

#include "ipc.h"
#include "mugai.h"
#include "worker.h"

/* The largest report JSON a worker may send back. */
#define MG_WORKER_MAX_REPORT (16u << 20)

typedef struct mg_job {
	uint32_t mode;
	uint32_t is_mail;
	char *item_id, *name, *declared_type;
	uint64_t len;
	int fd;
} mg_job;

typedef struct mg_reply {
	char *item_id;
	uint32_t status, verdict;
	char *reason, *out_type, *out_ext;
	uint64_t out_len, report_len;
	int report_fd, out_fd;
} mg_reply;

void mg_job_encode(mg_msg *m, const mg_job *j);
/* 0, or -1 when the message is not exactly a job. */
int mg_job_decode(mg_msg *m, mg_job *j);
void mg_job_clear(mg_job *j);

void mg_reply_encode(mg_msg *m, const mg_reply *r);
int mg_reply_decode(mg_msg *m, mg_reply *r);
void mg_reply_clear(mg_reply *r);

/* A sealed memfd holding a copy of data; -1 with errno. */
int mg_memfd_sealed(const char *name, const void *data, size_t len);
/* Checks fd is a memfd sealed against writes, of exactly len bytes. */
int mg_memfd_check(int fd, uint64_t len);
/* Reads a checked memfd of len bytes (len <= max) into a NUL-terminated
 * malloc'ed buffer; NULL with errno. */
unsigned char *mg_memfd_read(int fd, uint64_t len, uint64_t max);

/* The report of an item that a worker could not finish: amends report
 * (a worker's JSON, may be NULL) or builds one from the input, with the
 * status and reason, and the extra members (taken over, may be NULL). */
char *mg_worker_blocked_report(const char *report, const mg_input *in, const char *item_id,
                               mg_mode mode, mg_status status, const char *reason,
                               json_t *extra);

/* worker_child.c: the child's life; never returns. */
_Noreturn void mg_worker_child(int sock, const mg_policy *policy, const mg_worker_limits *limits,
                               mg_worker_hook hook);
/* worker_warmup.c: loads what filters would load lazily, before the sandbox. */
void mg_worker_warm_up(mg_core *core);

#endif
