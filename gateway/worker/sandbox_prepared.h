/*
 * sandbox_prepared.h - the job stage's seccomp program, compiled once in
 * the zygote (sandbox_prepared.c) instead of by libseccomp in every job.
 */
#ifndef MUGAI_SANDBOX_PREPARED_H
#define MUGAI_SANDBOX_PREPARED_H

#include <seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

/* The pid the program is built for: no process has it (pid_max is at
 * most 2^22), and each job writes its own in its place. */
#define MG_JOB_FILTER_SELF 0x7ffffff1u

/* Keeps the program of ctx, a job filter built for socket sock and pid
 * MG_JOB_FILTER_SELF, once check, the same filter built for check_pid,
 * shows where the pid stands.  0, or -1 with err filled (nothing kept). */
int mg_job_filter_keep(const scmp_filter_ctx ctx, const scmp_filter_ctx check, __u32 check_pid,
                       int sock, char *err, size_t errlen);
/* A program is kept for a job whose socket is sock. */
bool mg_job_filter_ready(int sock);
/* Loads the kept program with this process's pid: 0, or -1 with err. */
int mg_job_filter_load(char *err, size_t errlen);

#endif
