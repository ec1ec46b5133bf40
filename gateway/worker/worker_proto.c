/* worker_proto.c - job and result messages, sealed memfds, fallback reports. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "worker_proto.h"

#define SEALS (F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW)

/* A list of candidates: each present, not empty, within the limits, or
 * the message is bad. */
static void put_passwords(mg_msg *m, char *const *list, uint32_t n)
{
	mg_msg_put_u32(m, n);
	if (n > MG_WORKER_MAX_PASSWORDS || (n && !list))
		m->bad = 1;
	for (uint32_t i = 0; !m->bad && i < n; i++) {
		if (!list[i] || !*list[i] || strlen(list[i]) > MG_WORKER_MAX_PASSWORD_LEN)
			m->bad = 1;
		else
			mg_msg_put_str(m, list[i]);
	}
}

/* The candidates of a message: each present, not empty, within the limits. */
static int get_passwords(mg_msg *m, char ***list, uint32_t *count)
{
	uint32_t n = 0;

	if (mg_msg_get_u32(m, &n) < 0 || n > MG_WORKER_MAX_PASSWORDS)
		return -1;
	if (n == 0)
		return 0;
	*list = calloc(n, sizeof(**list));
	if (!*list)
		return -1;
	for (; *count < n; (*count)++) {
		char **p = &(*list)[*count];

		if (mg_msg_get_str(m, p, MG_WORKER_MAX_PASSWORD_LEN) < 0 || !*p || !**p) {
			*count += *p != NULL;
			return -1;
		}
	}
	return 0;
}

static void wipe_passwords(char **list, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		explicit_bzero(list[i], strlen(list[i]));
		free(list[i]);
	}
	free(list);
}

void mg_job_encode(mg_msg *m, const mg_job *j)
{
	mg_msg_init(m, MG_MSG_WORKER_JOB);
	mg_msg_put_u32(m, j->mode);
	mg_msg_put_u32(m, j->is_mail);
	mg_msg_put_str(m, j->item_id);
	mg_msg_put_str(m, j->name);
	mg_msg_put_str(m, j->declared_type);
	mg_msg_put_u64(m, j->len);
	put_passwords(m, j->passwords, j->n_passwords);
	mg_msg_put_u32(m, j->bank);
	mg_msg_put_fd(m, j->fd);
}

int mg_job_decode(mg_msg *m, mg_job *j)
{
	memset(j, 0, sizeof(*j));
	j->fd = -1;
	if (m->type != MG_MSG_WORKER_JOB)
		return -1;
	mg_msg_get_u32(m, &j->mode);
	mg_msg_get_u32(m, &j->is_mail);
	mg_msg_get_str(m, &j->item_id, 39);
	mg_msg_get_str(m, &j->name, MG_IPC_MAX_STR);
	mg_msg_get_str(m, &j->declared_type, MG_IPC_MAX_STR);
	mg_msg_get_u64(m, &j->len);
	if (get_passwords(m, &j->passwords, &j->n_passwords) < 0)
		m->bad = 1;
	mg_msg_get_u32(m, &j->bank);
	mg_msg_get_fd(m, &j->fd);
	if (mg_msg_end(m) < 0 || !j->item_id || j->mode > MG_MODE_CDR || j->is_mail > 1 ||
	    j->bank >= MG_WORKER_MAX_BANKS)
		return -1;
	return 0;
}

void mg_job_clear(mg_job *j)
{
	free(j->item_id);
	free(j->name);
	free(j->declared_type);
	wipe_passwords(j->passwords, j->n_passwords);
	if (j->fd >= 0)
		close(j->fd);
	memset(j, 0, sizeof(*j));
	j->fd = -1;
}

void mg_started_encode(mg_msg *m, uint32_t pid, const char *error, int fd)
{
	mg_msg_init(m, MG_MSG_WORKER_STARTED);
	mg_msg_put_u32(m, pid);
	mg_msg_put_str(m, error);
	if (pid)
		mg_msg_put_fd(m, fd);
}

int mg_started_decode(mg_msg *m, uint32_t *pid, char **error, int *fd)
{
	*error = NULL;
	*fd = -1;
	if (m->type != MG_MSG_WORKER_STARTED)
		return -1;
	mg_msg_get_u32(m, pid);
	mg_msg_get_str(m, error, MG_IPC_MAX_STR);
	if (*pid)
		mg_msg_get_fd(m, fd);
	return mg_msg_end(m) < 0 || (*pid == 0) != (*error != NULL) ? -1 : 0;
}

void mg_progress_encode(mg_msg *m, uint64_t done, const char *unit)
{
	mg_msg_init(m, MG_MSG_WORKER_PROGRESS);
	mg_msg_put_u64(m, done);
	mg_msg_put_str(m, unit);
}

int mg_progress_decode(mg_msg *m, uint64_t *done, char **unit)
{
	*unit = NULL;
	if (m->type != MG_MSG_WORKER_PROGRESS || mg_msg_get_u64(m, done) < 0 ||
	    mg_msg_get_str(m, unit, MG_WORKER_MAX_UNIT) < 0 || !*unit || mg_msg_end(m) < 0) {
		free(*unit);
		*unit = NULL;
		return -1;
	}
	return 0;
}

void mg_job_progress(void *user, unsigned long done, const char *unit)
{
	mg_msg m;

	/* a lost message only leaves the deadline where it was: the job is
	 * then killed early, never late */
	mg_progress_encode(&m, done, unit);
	(void)mg_ipc_send((int)(intptr_t)user, &m);
	mg_msg_free(&m);
}

void mg_done_encode(mg_msg *m, uint32_t pid, int status)
{
	mg_msg_init(m, MG_MSG_WORKER_DONE);
	mg_msg_put_u32(m, pid);
	mg_msg_put_u32(m, (uint32_t)status);
}

int mg_done_decode(mg_msg *m, uint32_t *pid, int *status)
{
	uint32_t st = 0;

	if (m->type != MG_MSG_WORKER_DONE)
		return -1;
	mg_msg_get_u32(m, pid);
	mg_msg_get_u32(m, &st);
	*status = (int)st;
	return mg_msg_end(m);
}

void mg_reply_encode(mg_msg *m, const mg_reply *r)
{
	mg_msg_init(m, MG_MSG_WORKER_RESULT);
	mg_msg_put_str(m, r->item_id);
	mg_msg_put_u32(m, r->status);
	mg_msg_put_u32(m, r->verdict);
	mg_msg_put_str(m, r->reason);
	mg_msg_put_str(m, r->out_type);
	mg_msg_put_str(m, r->out_ext);
	mg_msg_put_u64(m, r->out_len);
	mg_msg_put_u64(m, r->report_len);
	mg_msg_put_fd(m, r->report_fd);
	if (r->verdict == MG_VERDICT_SANITISED)
		mg_msg_put_fd(m, r->out_fd);
	put_passwords(m, r->candidates, r->n_candidates);
}

int mg_reply_decode(mg_msg *m, mg_reply *r)
{
	memset(r, 0, sizeof(*r));
	r->report_fd = r->out_fd = -1;
	if (m->type != MG_MSG_WORKER_RESULT)
		return -1;
	mg_msg_get_str(m, &r->item_id, 39);
	mg_msg_get_u32(m, &r->status);
	mg_msg_get_u32(m, &r->verdict);
	mg_msg_get_str(m, &r->reason, MG_IPC_MAX_STR);
	mg_msg_get_str(m, &r->out_type, 255);
	mg_msg_get_str(m, &r->out_ext, 15);
	mg_msg_get_u64(m, &r->out_len);
	mg_msg_get_u64(m, &r->report_len);
	mg_msg_get_fd(m, &r->report_fd);
	if (r->verdict == MG_VERDICT_SANITISED)
		mg_msg_get_fd(m, &r->out_fd);
	if (get_passwords(m, &r->candidates, &r->n_candidates) < 0)
		m->bad = 1;
	return mg_msg_end(m);
}

void mg_reply_clear(mg_reply *r)
{
	free(r->item_id);
	free(r->reason);
	free(r->out_type);
	free(r->out_ext);
	wipe_passwords(r->candidates, r->n_candidates);
	if (r->report_fd >= 0)
		close(r->report_fd);
	if (r->out_fd >= 0)
		close(r->out_fd);
	memset(r, 0, sizeof(*r));
	r->report_fd = r->out_fd = -1;
}

int mg_memfd_sealed(const char *name, const void *data, size_t len)
{
	int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	size_t off = 0;

	if (fd < 0)
		return -1;
	while (off < len) {
		ssize_t n = write(fd, (const unsigned char *)data + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail;
		off += (size_t)n;
	}
	if (fcntl(fd, F_ADD_SEALS, SEALS | F_SEAL_SEAL) < 0)
		goto fail;
	return fd;
fail:
	{
		int e = errno ? errno : EIO;

		close(fd);
		errno = e;
	}
	return -1;
}

int mg_memfd_check(int fd, uint64_t len)
{
	struct stat st;
	int seals = fcntl(fd, F_GET_SEALS);

	if (seals < 0 || (seals & SEALS) != SEALS || fstat(fd, &st) < 0) {
		errno = EPERM;
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_size < 0 || (uint64_t)st.st_size != len) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

unsigned char *mg_memfd_read(int fd, uint64_t len, uint64_t max)
{
	unsigned char *buf;
	size_t off = 0;

	if (len > max || len > SIZE_MAX - 1) {
		errno = EFBIG;
		return NULL;
	}
	if (mg_memfd_check(fd, len) < 0 || !(buf = malloc((size_t)len + 1)))
		return NULL;
	while (off < len) {
		ssize_t n = pread(fd, buf + off, (size_t)len - off, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			free(buf);
			errno = n == 0 ? EIO : errno;
			return NULL;
		}
		off += (size_t)n;
	}
	buf[len] = 0;
	return buf;
}

/* Hostile names may not be UTF-8: such bytes become '?'. */
static json_t *text(const char *s)
{
	json_t *j;
	char *copy;

	if (!s)
		return json_null();
	if ((j = json_string(s)))
		return j;
	if (!(copy = strdup(s)))
		return json_null();
	for (char *p = copy; *p; p++)
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	j = json_string(copy);
	free(copy);
	return j ? j : json_null();
}

static json_t *fresh_report(const mg_input *in, const char *item_id, mg_mode mode)
{
	static const char *const modes[] = { "default", "text", "flatten", "cdr" };
	char hex[65], when[32];
	time_t now = time(NULL);
	struct tm tm;

	mg_sha256_hex(in->data ? in->data : (const unsigned char *)"", in->len, hex);
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_pack("{s:s,s:o,s:o,s:{s:I,s:s},s:[],s:[],s:[],s:[],s:s,s:s,s:s}",
	                 "item_id", item_id, "name", text(in->name), "declared_type",
	                 text(in->declared_type), "input", "size", (json_int_t)in->len, "sha256",
	                 hex, "actions", "removed", "findings", "children", "time", when,
	                 "mugai_version", MUGAI_VERSION, "mode",
	                 (unsigned)mode < 4 ? modes[mode] : "default");
}

char *mg_worker_blocked_report(const char *report, const mg_input *in, const char *item_id,
                               mg_mode mode, mg_status status, const char *reason,
                               json_t *extra)
{
	json_t *r = report ? json_loads(report, 0, NULL) : NULL;
	char *out;

	if (!json_is_object(r)) {
		json_decref(r);
		r = fresh_report(in, item_id, mode);
	}
	if (!r) {
		json_decref(extra);
		return strdup("{\"verdict\":\"blocked\",\"status\":\"internal\"}");
	}
	json_object_set_new(r, "verdict", json_string("blocked"));
	json_object_set_new(r, "status", json_string(mg_status_name(status)));
	json_object_set_new(r, "reason", text(reason));
	json_object_set_new(r, "output", json_null());
	if (extra)
		json_object_update(r, extra);
	json_decref(extra);
	out = json_dumps(r, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(r);
	return out ? out : strdup("{\"verdict\":\"blocked\",\"status\":\"internal\"}");
}
