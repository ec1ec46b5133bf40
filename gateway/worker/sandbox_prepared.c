/*
 * sandbox_prepared.c - the job filter as a ready BPF program.
 *
 * libseccomp builds a filter from its rules in every job process: about
 * 2 % of a small mail's CPU, spent to produce the same program each time
 * but for one constant, the job's own pid (the only process it may
 * signal).  The zygote builds it once for a pid no process can have and
 * keeps the instructions; a job copies them, writes its pid where that
 * constant stands and loads them with seccomp(2), as seccomp_load would
 * (no-new-privs is already set: the zygote's confinement did it).
 */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox_prepared.h"

#define MAX_INSNS 4096

static struct sock_filter *prog;
static size_t prog_len;
static int prog_sock = -1;

static int fail(char *err, size_t errlen, const char *what, int e)
{
	snprintf(err, errlen, "%s: %s", what, strerror(e));
	return -1;
}

static bool names_self(const struct sock_filter *insn, __u32 self)
{
	return BPF_CLASS(insn->code) == BPF_JMP && BPF_SRC(insn->code) == BPF_K &&
	       insn->k == self;
}

/* The program of ctx, exported into a memfd and read back: malloc'ed, its
 * length in *len, or NULL. */
static struct sock_filter *export(const scmp_filter_ctx ctx, size_t *len)
{
	int fd = memfd_create("mugai-seccomp", MFD_CLOEXEC);
	struct sock_filter *p = NULL;
	off_t size;

	if (fd < 0)
		return NULL;
	if (seccomp_export_bpf(ctx, fd) == 0 && (size = lseek(fd, 0, SEEK_END)) > 0 &&
	    size % (off_t)sizeof(*p) == 0 && size <= (off_t)(MAX_INSNS * sizeof(*p)) &&
	    (p = malloc((size_t)size)) && pread(fd, p, (size_t)size, 0) != (ssize_t)size) {
		free(p);
		p = NULL;
	}
	close(fd);
	if (p)
		*len = (size_t)size / sizeof(*p);
	return p;
}

/* The two programs, built for MG_JOB_FILTER_SELF and for another pid, are
 * the same but where the pid stands, and it stands somewhere: proof that
 * writing a pid there gives the program built for that pid. */
static bool differ_only_in_pid(const struct sock_filter *a, size_t na,
                               const struct sock_filter *b, size_t nb, __u32 other)
{
	size_t found = 0;

	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++) {
		if (names_self(&a[i], MG_JOB_FILTER_SELF) && names_self(&b[i], other) &&
		    a[i].code == b[i].code && a[i].jt == b[i].jt && a[i].jf == b[i].jf) {
			found++;
			continue;
		}
		if (memcmp(&a[i], &b[i], sizeof(a[i])) != 0)
			return false;
	}
	return found > 0;
}

int mg_job_filter_keep(const scmp_filter_ctx ctx, const scmp_filter_ctx check, __u32 check_pid,
                       int sock, char *err, size_t errlen)
{
	size_t n, n_check;
	struct sock_filter *p = export(ctx, &n), *q = export(check, &n_check);
	bool same = p && q && differ_only_in_pid(p, n, q, n_check, check_pid);

	free(q);
	if (!same) {
		free(p);
		return fail(err, errlen, "job filter: the pid is not where expected", EINVAL);
	}
	free(prog);
	prog = p;
	prog_len = n;
	prog_sock = sock;
	return 0;
}

bool mg_job_filter_ready(int sock)
{
	return prog && sock == prog_sock;
}

int mg_job_filter_load(char *err, size_t errlen)
{
	struct sock_filter *mine = malloc(prog_len * sizeof(*prog));
	struct sock_fprog fp;
	long rc;

	if (!mine)
		return fail(err, errlen, "job filter", ENOMEM);
	memcpy(mine, prog, prog_len * sizeof(*prog));
	for (size_t i = 0; i < prog_len; i++)
		if (names_self(&mine[i], MG_JOB_FILTER_SELF))
			mine[i].k = (__u32)getpid();
	fp.len = (unsigned short)prog_len;
	fp.filter = mine;
	rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fp);
	free(mine);
	return rc == 0 ? 0 : fail(err, errlen, "seccomp", errno);
}
