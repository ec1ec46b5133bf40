/*
 * worker_proto.h - the messages between a service and its worker, and the
 * sealed memfds that carry the bytes.  Internal to worker*.c.
 *
 * The worker is two kinds of process.  The zygote is started by the
 * service as a program of its own (mugai-worker, told its banks and limits
 * by MG_MSG_WORKER_SETUP), loads and warms up everything, enters its
 * sandbox, and then only forks: one job process per item, which confines
 * itself further, parses the item, replies and exits.  Nothing an item
 * does survives it.  (Tests that plant a hook in the job fork the zygote
 * from themselves instead, without SETUP.)
 *
 *   parent -> zygote  MG_MSG_WORKER_SETUP    str version, u64 policy size,
 *   (exec'd zygote,                          u32 n_banks, u32 timeout, u64 memory,
 *   first message)                           u32 cpu_seconds, u64 max_output,
 *                                            str user, u32 page_seconds,
 *                                            u32 max_seconds, str log prog,
 *                                            str log node, u32 log level;
 *                                            fd the banks (n_banks mg_policy)
 *   zygote -> parent  MG_MSG_WORKER_READY    (empty) sandbox entered
 *   zygote -> parent  MG_MSG_WORKER_ERROR    str reason: setup failed
 *   parent -> zygote  MG_MSG_WORKER_JOB      u32 mode, u32 is_mail, str item_id,
 *                                            str name, str declared_type,
 *                                            u64 len, u32 n_passwords,
 *                                            n_passwords x str, u32 bank;
 *                                            fd input
 *   zygote -> parent  MG_MSG_WORKER_STARTED  u32 pid, str error (NULL when
 *                                            started); fd the job's socket
 *   job    -> parent  MG_MSG_WORKER_RESULT   str item_id, u32 status,
 *                     (on the job's socket)  u32 verdict, str reason,
 *                                            str out_type, str out_ext,
 *                                            u64 out_len, u64 report_len;
 *                                            fd report, fd artefact (sanitised only),
 *                                            u32 n_candidates, n_candidates x str
 *   job    -> parent  MG_MSG_WORKER_ERROR    str reason: could not confine itself
 *   zygote -> parent  MG_MSG_WORKER_DONE     u32 pid, u32 wait status
 *   job    -> parent  MG_MSG_WORKER_CONVERT  str ext, u64 len, u64 milliseconds,
 *                     (policy pdf, any number u64 max_out; fd document
 *                     of times before the result)
 *   parent -> job     MG_MSG_WORKER_CONVERTED u32 mg_convert_status, str why,
 *                                            u64 len; fd PDF (converted only)
 *   job    -> parent  MG_MSG_WORKER_PROGRESS u64 units begun before, str unit
 *                     (any number of times   ("PDF page 3 of 500"): the parent
 *                     before the result)     moves the job's deadline (mg_pace)
 *
 * Only the zygote writes on the service's socket and only the job process
 * on its own: a subverted job cannot speak for the zygote.  Every memfd is
 * sealed (no write, grow or shrink) by its writer, and the reader checks
 * the seals and the announced size before reading, so what was checked is
 * what is read.
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
/* Candidate passwords one job may carry, and the longest one in bytes
 * (Office's own limit is 255 characters): enough for a PPAP window and
 * a recipient's attempts, and far inside one message. */
#define MG_WORKER_MAX_PASSWORDS 100
#define MG_WORKER_MAX_PASSWORD_LEN 255
/* The zygote's socket to its service, and in a job process its own. */
#define MG_WORKER_SOCK_FD 3
/* Policy banks a worker holds ("default" and up to 64 [policy:NAME]). */
#define MG_WORKER_MAX_BANKS 65

typedef struct mg_job {
	uint32_t mode;
	uint32_t is_mail;
	char *item_id, *name, *declared_type;
	uint64_t len;
	int fd;
	/* candidates for encrypted content (PPAP); never logged, wiped by
	 * mg_job_clear, nothing but the job process reads them */
	uint32_t n_passwords;
	char **passwords;
	/* the item's policy bank: an index into the banks the zygote was
	 * forked with, so no configuration is read or sent per item */
	uint32_t bank;
} mg_job;

typedef struct mg_reply {
	char *item_id;
	uint32_t status, verdict;
	char *reason, *out_type, *out_ext;
	uint64_t out_len, report_len;
	int report_fd, out_fd;
	/* a mail's candidate passwords (PPAP), for the service's memory */
	uint32_t n_candidates;
	char **candidates;
} mg_reply;

/* A job with more or longer candidates than the limits above makes the
 * message bad (mg_ipc_send refuses it). */
void mg_job_encode(mg_msg *m, const mg_job *j);
/* 0, or -1 when the message is not exactly a job (the candidates too:
 * within the limits, none NULL or empty). */
int mg_job_decode(mg_msg *m, mg_job *j);
void mg_job_clear(mg_job *j);

/* A page or member begins (mg_progress_fn); unit is at most
 * MG_WORKER_MAX_UNIT bytes. */
#define MG_WORKER_MAX_UNIT 127
void mg_progress_encode(mg_msg *m, uint64_t done, const char *unit);
int mg_progress_decode(mg_msg *m, uint64_t *done, char **unit);
/* The job process's progress callback: user is the job socket. */
void mg_job_progress(void *user, unsigned long done, const char *unit);

/* pid 0 with error: the job could not be started (then no descriptor). */
void mg_started_encode(mg_msg *m, uint32_t pid, const char *error, int fd);
int mg_started_decode(mg_msg *m, uint32_t *pid, char **error, int *fd);
void mg_done_encode(mg_msg *m, uint32_t pid, int status);
int mg_done_decode(mg_msg *m, uint32_t *pid, int *status);

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

/* worker_convert.c: the job process's converter (mg_convert_fn, user
 * the job socket as an intptr_t): the document goes to the service, which
 * runs LibreOffice in bubblewrap; the job process waits for the PDF. */
mg_convert_status mg_job_convert(void *user, const unsigned char *data, size_t len,
                                 const char *ext, double seconds, uint64_t max_out,
                                 unsigned char **pdf, size_t *pdf_len, char *why, size_t why_len);
/* The service's side: answers one MG_MSG_WORKER_CONVERT from jsock, the
 * conversion killed at deadline.  0 answered, 1 the conversion overran
 * the deadline (why says so: the item is blocked), -1 a malformed
 * request or a dead job (why says so). */
int mg_worker_serve_convert(mg_msg *req, int jsock, double deadline, char *why, size_t why_len);

/* worker_setup.c: the first message to a zygote started as mugai-worker.
 * Sends banks (nbanks of them) and limits; 0, or -1 with errno. */
int mg_setup_send(int sock, const mg_policy *banks, size_t nbanks, const mg_worker_limits *lim);
/* What the zygote was told; limits.user points into user. */
typedef struct mg_setup {
	mg_policy *banks;
	size_t nbanks;
	mg_worker_limits limits;
	char *user;
} mg_setup;
/* Receives and checks the setup within timeout_ms and applies its log
 * settings; 0, or -1 with why (a constant string). */
int mg_setup_recv(int sock, int timeout_ms, mg_setup *s, const char **why);

/* worker_child.c: mugai-worker's life: the setup from the service on
 * MG_WORKER_SOCK_FD, then the zygote's (a failed setup is told to the
 * service); never returns. */
_Noreturn void mg_worker_program_main(void);
/* worker_child.c: the zygote's life; never returns. */
_Noreturn void mg_worker_child(int sock, mg_policy *banks, size_t nbanks,
                               const mg_worker_limits *limits, mg_worker_hook hook);
/* worker_warmup.c: loads what filters would load lazily, before the sandbox. */
void mg_worker_warm_up(mg_core *core);
/* worker_hugepage.c: the warm heap onto huge pages, so a job's fork and
 * exit copy and free a few page-table entries, not thousands. */
void mg_worker_heap_to_hugepages(void);
/* worker_heap_fresh.c: every free chunk of the zygote's heap taken, so
 * that a job allocates from untouched pages instead of copying the
 * zygote's; returns how many were taken. */
unsigned long mg_worker_heap_fresh(void);

#endif
