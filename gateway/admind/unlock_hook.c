/*
 * unlock_hook.c - a recipient's password tried in the sandbox, and the
 * opened item's sanitised contents delivered to that recipient only.
 *
 * One worker, one job at a time: unlocks arriving together queue on the
 * lock, while the UI's other threads keep answering the reviewers.  No password is logged or kept:
 * it is in this process only while the job is handed over.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "banks.h"
#include "config.h"
#include "metrics.h"
#include "release.h"
#include "unlock_hook.h"

struct mg_unlock_hook {
	const mg_config *config;
	mg_worker *worker;
	pthread_mutex_t lock;
};

mg_unlock_hook *mg_unlock_hook_new(const mg_config *c, const mg_worker_limits *limits,
                                   char **err)
{
	mg_unlock_hook *h = calloc(1, sizeof(*h));

	if (!h || !(h->worker = mg_worker_new(c->policy, limits))) {
		free(h);
		*err = strdup("out of memory");
		return NULL;
	}
	h->config = c;
	pthread_mutex_init(&h->lock, NULL);
	if (mg_worker_set_banks(h->worker, mg_banks_all(c->banks), mg_banks_count(c->banks)) < 0) {
		*err = strdup("out of memory");
		mg_unlock_hook_free(h);
		return NULL;
	}
	if (mg_worker_start(h->worker, err) < 0) {
		mg_unlock_hook_free(h);
		return NULL;
	}
	return h;
}

void mg_unlock_hook_free(mg_unlock_hook *h)
{
	if (!h)
		return;
	mg_worker_free(h->worker);
	pthread_mutex_destroy(&h->lock);
	free(h);
}

/* The password opened the item and all of it came out sanitised. */
static int opened(const mg_result *r)
{
	json_t *rep;
	int yes;

	if (r->verdict != MG_VERDICT_SANITISED || !r->report_json)
		return 0;
	rep = json_loads(r->report_json, 0, NULL);
	yes = json_is_true(json_object_get(rep, "unlocked"));
	json_decref(rep);
	return yes;
}

/* To the link's recipient only: the item as stored, its recipients
 * narrowed to that one address. */
static int deliver(const mg_config *c, const mq_item *item, const mg_result *r,
                   const char *recipient, mw_unlock_result *res)
{
	mq_item one = *item;
	char *name = mg_output_name(item->subject, r->out_ext), by[360], *err = NULL;
	char *to = strdup(recipient);
	int mail = strcmp(item->channel, "mail") == 0, rc;

	if (!name || !to || (mail && strcmp(recipient, MQ_UNLOCK_OUTBOX) == 0)) {
		free(name);
		free(to);
		snprintf(res->outcome, sizeof(res->outcome), "a mail's link names no recipient");
		return -1;
	}
	one.recipients = to;
	snprintf(by, sizeof(by), "recipient:%.320s", recipient);
	rc = mg_release_unlocked(c, &one, r->out, r->out_len, by, name, &err);
	if (rc == 0 && mail)
		snprintf(res->outcome, sizeof(res->outcome), "sanitised contents delivered to %.200s",
		         recipient);
	else if (rc == 0)
		snprintf(res->outcome, sizeof(res->outcome), "sanitised file written to drop.outbox");
	else
		snprintf(res->outcome, sizeof(res->outcome), "opened, but delivery failed: %.200s",
		         err ? err : "?");
	free(err);
	free(name);
	free(to);
	return rc;
}

/* The sanitised artefact for the success page's download, under a name
 * of ours: the item id and the artefact's type. */
static void offer(const mq_item *item, mg_result *r, mw_unlock_result *res)
{
	snprintf(res->file_name, sizeof(res->file_name), "%.39s-sanitised.%.16s", item->item_id,
	         r->out_ext && *r->out_ext ? r->out_ext : "bin");
	res->file = r->out;
	res->file_len = r->out_len;
	r->out = NULL;
	r->out_len = 0;
}

/* The bank the item was sanitised by when it came, chosen again by the
 * same rules (its first recipient, as `mugai quarantine unlock` does): an
 * unlocked item gets no laxer policy than its bank's. */
static unsigned item_bank(const mg_config *c, const mq_item *item)
{
	const char *all = item->recipients ? item->recipients : "";
	char first[512];

	all += strspn(all, " ,<");
	snprintf(first, sizeof(first), "%.*s", (int)strcspn(all, " ,>"), all);
	return (unsigned)mg_banks_for_item(c->banks, strcmp(item->channel, "mail") == 0,
	                                   item->sender, first, item->subject);
}

int mg_unlock_hook_run(void *ctx, const mq_item *item, const unsigned char *original, size_t len,
                       const char *password, const char *recipient, mw_unlock_result *res)
{
	mg_unlock_hook *h = ctx;
	int mail = strcmp(item->channel, "mail") == 0, rc;
	mg_input in = { original, len, mail ? NULL : item->subject, NULL, item->item_id, mail };
	const char *cands[1] = { password };
	mg_result r = { 0 };

	pthread_mutex_lock(&h->lock);
	mg_worker_sanitize_bank(h->worker, &in, item_bank(h->config, item), cands, 1,
	                        MG_MODE_DEFAULT, &r);
	pthread_mutex_unlock(&h->lock);
	if (opened(&r)) {
		rc = deliver(h->config, item, &r, recipient, res) == 0 ? 1 : -1;
		if (rc > 0)
			offer(item, &r, res);
	} else if (r.status == MG_E_ENCRYPTED || r.verdict == MG_VERDICT_SANITISED) {
		/* a mail without its encrypted part comes out sanitised, not unlocked */
		snprintf(res->outcome, sizeof(res->outcome), "wrong password");
		rc = 0;
	} else {
		snprintf(res->outcome, sizeof(res->outcome), "still blocked: %s: %.200s",
		         mg_status_name(r.status), r.reason ? r.reason : "-");
		rc = -1;
	}
	mg_result_free(&r);
	mg_metrics_ppap(rc > 0 ? "unlocked" : "failed");
	return rc;
}
