/*
 * cmd_unlock.c - `mugai quarantine unlock`: an encrypted item (a PPAP zip,
 * a PDF or Office document with a password) opened with candidate
 * passwords and its sanitised contents delivered.
 *
 * The candidates go to the sandboxed worker with the original, as for the
 * daemons: the CLI never parses the item itself.  The worker is started
 * before the user's password is asked for, so that the process that
 * parses hostile bytes never held it.  No candidate is printed, logged or
 * stored: the audit entry says where they came from and how many.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "banks.h"
#include "commands.h"
#include "config.h"
#include "mugai.h"
#include "password_file.h"
#include "quarantine.h"
#include "release.h"
#include "worker.h"

struct unlock {
	mq_store *s;
	const mg_config *c;
	const char *id, *user;
	mg_worker *worker;
	char **cands;
	size_t ncands;
	mq_item item;
	unsigned char *original;
	mg_result res;
};

/* The daemons' limits and user (the default user mugai falls back to
 * nobody, as for mugaid, when it was never created). */
static mg_worker *start_worker(const mg_config *c)
{
	const char *user = mg_config_run_user(c);
	mg_worker_limits lim = { c->workers_timeout, c->workers_memory, c->workers_cpu, 0,
		                 user ? user : c->daemon_user, 0, 0 };
	mg_worker *w = mg_worker_new(c->policy, &lim);
	char *err = NULL;

	if (w && mg_worker_set_banks(w, mg_banks_all(c->banks), mg_banks_count(c->banks)) == 0 &&
	    mg_worker_start(w, &err) == 0)
		return w;
	fprintf(stderr, "mugai quarantine unlock: no worker: %s\n", err ? err : "out of memory");
	free(err);
	mg_worker_free(w);
	return NULL;
}

/* Did a candidate open the item, and is all of it sanitised? */
static int opened(const mg_result *res)
{
	json_t *r;
	int yes;

	if (res->verdict != MG_VERDICT_SANITISED || !res->report_json)
		return 0;
	r = json_loads(res->report_json, 0, NULL);
	yes = json_is_true(json_object_get(r, "unlocked"));
	json_decref(r);
	return yes;
}

/* The bank the item was sanitised by when it came, chosen again by the
 * same rules: an unlocked item gets no laxer policy than its bank's. */
static unsigned item_bank(const struct unlock *u)
{
	int is_mail = strcmp(u->item.channel, "mail") == 0;
	const char *all = u->item.recipients ? u->item.recipients : "";
	char first[512];

	all += strspn(all, " ,<");
	snprintf(first, sizeof(first), "%.*s", (int)strcspn(all, " ,>"), all);
	return (unsigned)mg_banks_for_item(u->c->banks, is_mail, u->item.sender, first,
	                                   u->item.subject);
}

/* Tries the candidates in the sandbox: 1 opened, 0 not (why in outcome). */
static int try_candidates(struct unlock *u, char *outcome, size_t cap)
{
	int is_mail = strcmp(u->item.channel, "mail") == 0;
	mg_input in = { u->original, (size_t)u->item.size, is_mail ? NULL : u->item.subject, NULL,
		        u->item.item_id, is_mail };

	mg_worker_sanitize_bank(u->worker, &in, item_bank(u), (const char *const *)u->cands,
	                        u->ncands, MG_MODE_DEFAULT, &u->res);
	if (opened(&u->res))
		return 1;
	/* a mail without its encrypted part is sanitised, but not unlocked */
	if (u->res.status == MG_E_ENCRYPTED || u->res.verdict == MG_VERDICT_SANITISED)
		snprintf(outcome, cap, "no candidate opened it");
	else
		snprintf(outcome, cap, "still blocked: %s: %s", mg_status_name(u->res.status),
		         u->res.reason ? u->res.reason : "-");
	return 0;
}

static int record(struct unlock *u, int unlocked, const char *outcome)
{
	char *err = NULL;
	int rc = mq_unlock_note(u->s, u->user, u->id, "cli", (unsigned)u->ncands, unlocked, outcome,
	                        &err);

	if (rc != MQ_OK)
		fprintf(stderr, "mugai quarantine unlock: recording the attempt failed: %s\n",
		        err ? err : "?");
	free(err);
	return rc;
}

static int deliver(struct unlock *u, char *outcome, size_t cap)
{
	char *name = mg_output_name(u->item.subject, u->res.out_ext), *err = NULL;
	int rc = mg_release_unlocked(u->c, &u->item, u->res.out, u->res.out_len, u->user, name,
	                             &err);

	if (rc == 0 && strcmp(u->item.channel, "mail") == 0)
		snprintf(outcome, cap, "sanitised contents delivered to %s", u->item.recipients);
	else if (rc == 0)
		snprintf(outcome, cap, "sanitised file written to drop.outbox");
	else
		snprintf(outcome, cap, "opened, but delivery failed: %s", err ? err : "?");
	free(err);
	free(name);
	return rc;
}

static int run_unlock(struct unlock *u, const char *user_pwfile, const char *cand_file)
{
	char *err = NULL, outcome[600];
	int rc;

	if (mg_cli_authenticate(u->s, u->user, user_pwfile) < 0)
		return 1;
	u->cands = mg_password_file_read(cand_file, &u->ncands, &err);
	if (!u->cands || u->ncands == 0) {
		fprintf(stderr, "mugai quarantine unlock: %s\n",
		        err ? err : "no candidate password in the file");
		free(err);
		return 1;
	}
	rc = mq_unlock_check(u->s, u->user, u->id, &u->item, &u->original, &err);
	if (rc != MQ_OK) {
		fprintf(stderr, "mugai quarantine unlock: %s\n", err ? err : "refused");
		free(err);
		return 1;
	}
	if (!try_candidates(u, outcome, sizeof(outcome))) {
		record(u, 0, outcome);
		fprintf(stderr, "mugai quarantine unlock: %s: %s; it stays %s\n", u->id, outcome,
		        mq_status_name(u->item.status));
		return 1;
	}
	if (deliver(u, outcome, sizeof(outcome)) < 0) {
		record(u, 0, outcome);
		fprintf(stderr, "mugai quarantine unlock: %s: %s\n", u->id, outcome);
		return 1;
	}
	if (record(u, 1, outcome) != MQ_OK)
		return 1;
	printf("%s: unlocked; %s\n", u->id, outcome);
	return 0;
}

int mg_cli_unlock(struct mq_store *s, const struct mg_config *c, const char *id,
                  const char *user, const char *user_pwfile, const char *cand_file)
{
	struct unlock u = { .s = s, .c = c, .id = id, .user = user };
	int rc = 1;

	if (!user || !cand_file) {
		fprintf(stderr, "mugai quarantine unlock: --user NAME and --candidates FILE are "
		        "required\n");
		return 1;
	}
	u.worker = start_worker(c);
	if (u.worker)
		rc = run_unlock(&u, user_pwfile, cand_file);
	mg_worker_free(u.worker);
	mg_password_found_free(u.cands, u.ncands);
	free(u.original);
	mq_item_free(&u.item);
	mg_result_free(&u.res);
	return rc;
}
