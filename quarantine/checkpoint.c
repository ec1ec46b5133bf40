/*
 * checkpoint.c - signed checkpoints of the audit chain.
 *
 * The chain proves that no entry was changed in place, but only relative
 * to its own head: whoever can write the index can cut the tail off, or
 * rewrite an entry and hash every later one again, and the chain is whole
 * once more.  A checkpoint is the head (its sequence number and hash) at
 * a time, signed with Ed25519 and kept elsewhere (a file, syslog).  Later
 * the chain must still hold every checkpointed head: a tail cut off lacks
 * the entry, a rewritten chain has another hash there.
 *
 * The signed message is
 *   "mugai-audit-checkpoint-1\nseq=<seq>\nhead=<hash>\nat=<unix time>\n"
 * and a checkpoint is one JSON line:
 *   {"checkpoint":1,"seq":N,"head":"...","at":T,"time":"...Z","key":"<public key hex>","sig":"..."}
 */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "store.h"
#include "util.h"

#define MAX_LINE 4096

static void message(char *out, size_t size, uint64_t seq, const char *head, int64_t at)
{
	snprintf(out, size, "mugai-audit-checkpoint-1\nseq=%" PRIu64 "\nhead=%s\nat=%" PRId64 "\n",
	         seq, head, at);
}

static int head_of(mq_store *s, uint64_t *seq, char head[65], char **err)
{
	mq_rows r;

	if (mq_ix_exec(s->ix, "SELECT seq, hash FROM mq_audit ORDER BY seq DESC LIMIT 1", NULL, 0,
	               &r, err) < 0)
		return MQ_E_ERROR;
	*seq = r.nrows ? (uint64_t)mq_atoi64(mq_cell(&r, 0, 0)) : 0;
	snprintf(head, 65, "%s", r.nrows && mq_cell(&r, 0, 1) ? mq_cell(&r, 0, 1) : MQ_AUDIT_GENESIS);
	mq_rows_free(&r);
	return MQ_OK;
}

int mq_checkpoint_take(mq_store *s, const unsigned char sk[64], char **line, char **err)
{
	unsigned char sig[crypto_sign_BYTES], pk[crypto_sign_PUBLICKEYBYTES];
	char head[65], msg[256], sig_hex[2 * crypto_sign_BYTES + 1], pk_hex[65], when[32];
	uint64_t seq;
	int64_t at = mq_now();
	time_t t = (time_t)at;
	struct tm tm;
	json_t *o;
	int rc;

	*line = NULL;
	pthread_mutex_lock(&s->lock);
	rc = head_of(s, &seq, head, err);
	pthread_mutex_unlock(&s->lock);
	if (rc < 0)
		return rc;
	message(msg, sizeof(msg), seq, head, at);
	crypto_sign_detached(sig, NULL, (const unsigned char *)msg, strlen(msg), sk);
	crypto_sign_ed25519_sk_to_pk(pk, sk);
	sodium_bin2hex(sig_hex, sizeof(sig_hex), sig, sizeof(sig));
	sodium_bin2hex(pk_hex, sizeof(pk_hex), pk, sizeof(pk));
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	o = json_pack("{s:i,s:I,s:s,s:I,s:s,s:s,s:s}", "checkpoint", 1, "seq", (json_int_t)seq,
	              "head", head, "at", (json_int_t)at, "time", when, "key", pk_hex, "sig", sig_hex);
	*line = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(o);
	return *line ? MQ_OK : mq_fail(err, MQ_E_ERROR, "out of memory");
}

/* One line: well-formed and signed by pk; NULL, or what is wrong. */
static char *check_signature(json_t *o, const unsigned char pk[32], uint64_t *seq, char head[65])
{
	const char *h = json_string_value(json_object_get(o, "head"));
	const char *key = json_string_value(json_object_get(o, "key"));
	const char *sig_hex = json_string_value(json_object_get(o, "sig"));
	json_t *js = json_object_get(o, "seq"), *ja = json_object_get(o, "at");
	unsigned char sig[crypto_sign_BYTES], their[32];
	char msg[256], *problem = NULL;
	size_t n;

	if (!json_is_integer(js) || json_integer_value(js) < 0 || !json_is_integer(ja) || !h ||
	    strlen(h) != 64 || !key || !sig_hex) {
		mq_fail(&problem, -1, "not a checkpoint");
		return problem;
	}
	if (sodium_hex2bin(their, sizeof(their), key, strlen(key), NULL, &n, NULL) != 0 ||
	    n != sizeof(their) || sodium_memcmp(their, pk, sizeof(their)) != 0) {
		mq_fail(&problem, -1, "signed with another key (%.16s...)", key);
		return problem;
	}
	*seq = (uint64_t)json_integer_value(js);
	snprintf(head, 65, "%s", h);
	message(msg, sizeof(msg), *seq, head, (int64_t)json_integer_value(ja));
	if (sodium_hex2bin(sig, sizeof(sig), sig_hex, strlen(sig_hex), NULL, &n, NULL) != 0 ||
	    n != sizeof(sig) ||
	    crypto_sign_verify_detached(sig, (const unsigned char *)msg, strlen(msg), pk) != 0)
		mq_fail(&problem, -1, "bad signature: the checkpoint itself was altered");
	return problem;
}

/* The chain still has entry seq, with hash head; NULL, or what is wrong. */
static char *check_in_chain(mq_store *s, uint64_t seq, const char *head, const char *when)
{
	mq_audit_entry *e = NULL;
	size_t n = 0;
	char *problem = NULL, *err = NULL;

	if (seq == 0)
		return NULL; /* the chain was empty then: anything extends it */
	if (mq_audit_list(s, seq - 1, 1, &e, &n, &err) != MQ_OK) {
		problem = err ? err : strdup("the audit log could not be read");
		return problem;
	}
	if (n == 0 || e[0].seq != seq)
		mq_fail(&problem, -1,
		        "entry %" PRIu64 ", the head signed at %s, is missing: the chain was cut "
		        "short (truncated or its last entries deleted)", seq, when);
	else if (strcmp(e[0].hash, head) != 0)
		mq_fail(&problem, -1,
		        "entry %" PRIu64 " hashes to %.16s..., the head signed at %s was %.16s...: the "
		        "chain was rewritten", seq, e[0].hash, when, head);
	mq_audit_free(e, n);
	return problem;
}

int mq_checkpoint_verify(mq_store *s, const char *path, const unsigned char pk[32],
                         mq_verify_result *res, char **err)
{
	FILE *f = fopen(path, "r");
	char line[MAX_LINE];
	uint64_t lineno = 0;

	*res = (mq_verify_result){ 0 };
	if (!f)
		return mq_fail(err, MQ_E_ERROR, "%s: %s", path, strerror(errno));
	while (!res->problem && fgets(line, sizeof(line), f)) {
		json_t *o;
		uint64_t seq = 0;
		char head[65] = "", *problem;
		const char *when;

		lineno++;
		if (line[strspn(line, " \t\r\n")] == 0)
			continue;
		o = json_loads(line, 0, NULL);
		problem = o ? check_signature(o, pk, &seq, head) : NULL;
		if (!o)
			mq_fail(&problem, -1, "not JSON");
		when = o && json_string_value(json_object_get(o, "time"))
		               ? json_string_value(json_object_get(o, "time")) : "?";
		if (!problem)
			problem = check_in_chain(s, seq, head, when);
		json_decref(o);
		if (problem) {
			mq_fail(&res->problem, -1, "%s:%" PRIu64 ": %s", path, lineno, problem);
			res->bad_seq = seq ? seq : 1;
			free(problem);
		} else {
			res->entries++;
		}
	}
	fclose(f);
	return MQ_OK;
}
