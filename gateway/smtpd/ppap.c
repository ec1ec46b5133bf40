/*
 * ppap.c - PPAP pairing in smtpd (see ppap.h).
 *
 * The order keeps every guarantee: the zip mail was delivered sanitised
 * and its original stored before anything here runs; a candidate is tried
 * only in the sandbox; the follow-up carries only what the worker
 * rebuilt; the item becomes unlocked only once the follow-up was handed
 * to the next hop.  One pairing runs at a time across the processes
 * (mg_ppap_pairing_lock), so an attachment is never delivered twice.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <glib.h>
#include <jansson.h>

#include "log.h"
#include "metrics.h"
#include "notice.h"
#include "ppap.h"
#include "ppap_wait.h"
#include "release.h"

#define MAX_OFFERS 16     /* password mails tried on one zip */
#define MAX_PENDING 200   /* zips one password mail is tried on */

static const char followup_tmpl[] =
	"Subject: [mugai] パスワード付き添付ファイルを開きました / "
	"Password-protected attachment opened: {subject}\n"
	"\n"
	"先にお届けしたメール（ID {item}）のパスワード付き添付ファイルを、\n"
	"同じ差出人から届いたパスワードのメールで開き、無害化しました。\n"
	"無害化したメールをこのメールに添付してお届けします。\n"
	"\n"
	"  ID:                   {item}\n"
	"  差出人:               {sender}\n"
	"  件名:                 {subject}\n"
	"  パスワードのメール:   {reason}\n"
	"\n"
	"----------------------------------------------------------------------\n"
	"\n"
	"The password-protected attachment of the mail delivered earlier (id\n"
	"{item}) was opened with the password from a later or earlier mail of\n"
	"the same sender, and sanitised.  The sanitised mail is attached.\n"
	"\n"
	"  Id:             {item}\n"
	"  From:           {sender}\n"
	"  Subject:        {subject}\n"
	"  Password mail:  {reason}\n"
	"\n"
	"-- \n"
	"mugai on {host}\n";

static const char expired_tmpl[] =
	"Subject: [mugai] パスワードが届きませんでした / "
	"The password did not arrive: {subject}\n"
	"\n"
	"先にお届けしたメール（ID {item}）のパスワード付き添付ファイルは、\n"
	"待ち時間の間にパスワードが届かなかったか、届いたパスワードで開けません\n"
	"でした。原本は検疫領域に保管され、管理者が確認できます。必要な場合は\n"
	"次の ID を添えて管理者に依頼してください。\n"
	"\n"
	"  ID:     {item}\n"
	"  差出人: {sender}\n"
	"  件名:   {subject}\n"
	"  理由:   {reason}\n"
	"\n"
	"----------------------------------------------------------------------\n"
	"\n"
	"No password that opens the password-protected attachment of the mail\n"
	"delivered earlier (id {item}) arrived in time.  The original is kept\n"
	"in the quarantine for review; if you need it, ask your administrator\n"
	"and quote the id.\n"
	"\n"
	"  Id:      {item}\n"
	"  From:    {sender}\n"
	"  Subject: {subject}\n"
	"  Reason:  {reason}\n"
	"\n"
	"-- \n"
	"mugai on {host}\n";

static const char link_tmpl[] =
	"Subject: [mugai] パスワード付き添付ファイルを開くリンク / "
	"Link to open a password-protected attachment: {subject}\n"
	"\n"
	"先にお届けしたメール（ID {item}）のパスワード付き添付ファイルは、\n"
	"パスワードのメールが届きしだい、開いて無害化したものをお届けします。\n"
	"パスワードをご存じの場合は、次のリンクで入力して開くこともできます\n"
	"（このリンクはあなた専用です。他の人に転送しないでください）。\n"
	"\n"
	"  {reason}\n"
	"\n"
	"  ID:     {item}\n"
	"  差出人: {sender}\n"
	"  件名:   {subject}\n"
	"\n"
	"----------------------------------------------------------------------\n"
	"\n"
	"The password-protected attachment of the mail delivered earlier (id\n"
	"{item}) will follow, opened and sanitised, once its password mail\n"
	"arrives.  If you know the password you may also type it at this link\n"
	"(it is yours alone: do not forward it):\n"
	"\n"
	"  {reason}\n"
	"\n"
	"  Id:      {item}\n"
	"  From:    {sender}\n"
	"  Subject: {subject}\n"
	"\n"
	"-- \n"
	"mugai on {host}\n";

static int64_t now_s(void)
{
	return (int64_t)time(NULL);
}

/* The report says a part (or the whole) was left encrypted: the zip of
 * a PPAP mail. */
static bool has_encrypted_part(const mg_item *it)
{
	if (!it->report || !it->verdict)
		return false;
	if (strcmp(it->verdict, "encrypted") == 0)
		return true;
	return strcmp(it->verdict, "sanitised") == 0 &&
	       (strstr(it->report, "\"status\": \"encrypted\"") ||
	        strstr(it->report, "\"status\":\"encrypted\""));
}

static char *join_rcpts(const char *const *rcpts, size_t n)
{
	GString *g = g_string_new(NULL);

	for (size_t i = 0; i < n; i++)
		g_string_append_printf(g, "%s%s", i ? ", " : "", rcpts[i]);
	return g_string_free(g, FALSE);
}

/* Whether two recipient lists joined by ", " share an address. */
static bool overlap(const char *a, const char *b)
{
	char **x = g_strsplit(a, ", ", 0), **y = g_strsplit(b, ", ", 0);
	bool yes = false;

	for (size_t i = 0; x[i] && !yes; i++)
		for (size_t k = 0; y[k] && !yes; k++)
			yes = *x[i] && g_ascii_strcasecmp(x[i], y[k]) == 0;
	g_strfreev(x);
	g_strfreev(y);
	return yes;
}

/* Did a candidate open the item, and is all of it sanitised? */
static bool opened(const mg_result *res)
{
	json_t *r;
	bool yes;

	if (res->verdict != MG_VERDICT_SANITISED || !res->report_json)
		return false;
	r = json_loads(res->report_json, 0, NULL);
	yes = json_is_true(json_object_get(r, "unlocked"));
	json_decref(r);
	return yes;
}

/* The first part of a report still blocked for a reason other than its
 * encryption (a bomb behind a password): "limit_ratio: why". */
static bool still_blocked(json_t *r, char *out, size_t cap)
{
	const char *st = json_string_value(json_object_get(r, "status"));
	json_t *kids = json_object_get(r, "children"), *k;
	size_t i;

	if (st && strcmp(st, "ok") != 0 && strcmp(st, "encrypted") != 0) {
		snprintf(out, cap, "%s: %.300s", st,
		         json_string_value(json_object_get(r, "reason"))
		                 ? json_string_value(json_object_get(r, "reason"))
		                 : "-");
		return true;
	}
	json_array_foreach(kids, i, k)
		if (still_blocked(k, out, cap))
			return true;
	return false;
}

static void why_not(const mg_result *res, char *out, size_t cap)
{
	json_t *r = res->report_json ? json_loads(res->report_json, 0, NULL) : NULL;

	out[0] = 0;
	if (res->verdict == MG_VERDICT_BLOCKED)
		snprintf(out, cap, "%s: %.300s", mg_status_name(res->status),
		         res->reason ? res->reason : "-");
	else if (r)
		still_blocked(r, out, cap);
	json_decref(r);
}

/* "<id> (<date>) "<subject>"": the password mail, as the notice names it. */
static char *describe_source(mg_pipeline *p, const mg_ppap_offer *o)
{
	mq_item src = { 0 };
	char when[40], *err = NULL, *s;
	struct tm tm;
	time_t t = (time_t)o->at;

	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	if (mq_get(p->store, o->item_id, &src, &err) == MQ_OK)
		s = g_strdup_printf("%s (%s) \"%s\"", o->item_id, when, src.subject ? src.subject : "");
	else
		s = g_strdup_printf("%s (%s)", o->item_id, when);
	mq_item_free(&src);
	free(err);
	return s;
}

/* A notice from mugai about item to its recipients, with msg attached
 * when not NULL. */
static int send_notice(mg_pipeline *p, const mq_item *item, const char *tmpl, const char *reason,
                       const unsigned char *msg, size_t msg_len, const char *host,
                       const char *prefix, char **err)
{
	mg_notice_info n = { item->item_id, item->verdict, MG_E_ENCRYPTED, reason, item->sender,
		             NULL, 0, item->subject, item->size, host, (long long)time(NULL) };
	mg_buf out;
	char line[120];
	int rc;

	mg_buf_init(&out, SIZE_MAX / 4);
	if (mg_notice_build_attached(&out, &n, tmpl, msg, msg_len) < 0) {
		mg_buf_free(&out);
		if (err)
			*err = strdup("cannot build the notice");
		return -1;
	}
	snprintf(line, sizeof(line), "X-Mugai-PPAP: %s; %s", item->item_id, prefix);
	rc = mg_release_mail(p->config, item, out.data, out.len, line, prefix, err);
	mg_buf_free(&out);
	return rc;
}

static void note(mg_pipeline *p, const char *item_id, const char *source, size_t n, int unlocked,
                 const char *outcome)
{
	char *err = NULL;

	if (mq_unlock_note(p->store, NULL, item_id, source, (unsigned)n, unlocked, outcome, &err) !=
	    MQ_OK)
		mg_log_warn("ppap: %s: the attempt was not recorded: %s", item_id, err ? err : "?");
	free(err);
}

/* One password mail's candidates on one waiting item: true when it
 * opened and the follow-up went out. */
static bool try_offer(mg_pipeline *p, const char *item_id, const mg_ppap_offer *o,
                      const char *host)
{
	mq_item item = { 0 };
	unsigned char *original = NULL;
	const char *cands[MG_PPAP_CANDIDATES];
	char source[48], outcome[600], *err = NULL, *why = NULL;
	mg_result res = { 0 };
	bool ok = false;

	if (mq_unlock_check(p->store, NULL, item_id, &item, &original, &err) != MQ_OK ||
	    item.status != MQ_AWAITING_PASSWORD) {
		free(err);
		mq_item_free(&item);
		free(original);
		return false;
	}
	for (size_t i = 0; i < o->n; i++)
		cands[i] = o->cand[i];
	snprintf(source, sizeof(source), "mail:%s", o->item_id);
	{
		mg_input in = { original, (size_t)item.size, NULL, NULL, item.item_id, 1 };
		char *first = g_strndup(item.recipients ? item.recipients : "",
		                        strcspn(item.recipients ? item.recipients : "", ", "));
		/* the bank it came through, chosen again: never a laxer policy */
		size_t bank = mg_item_bank(p, item.sender, *first ? first : NULL, NULL);

		mg_worker_sanitize_bank(p->worker, &in, (unsigned)bank, cands, o->n, MG_MODE_DEFAULT,
		                        &res);
		g_free(first);
	}
	if (!opened(&res)) {
		char blocked[400];

		why_not(&res, blocked, sizeof(blocked));
		snprintf(outcome, sizeof(outcome), "no candidate of mail %s opened it%s%s", o->item_id,
		         blocked[0] ? "; still blocked: " : "", blocked);
		note(p, item_id, source, o->n, 0, outcome);
		mg_metrics_ppap("failed");
		goto done;
	}
	why = describe_source(p, o);
	if (send_notice(p, &item, followup_tmpl, why, res.out, res.out_len, host, "unlocked",
	                &err) < 0) {
		snprintf(outcome, sizeof(outcome), "opened with a candidate of mail %s, but the "
		         "follow-up was not delivered: %s", o->item_id, err ? err : "?");
		note(p, item_id, source, o->n, 0, outcome);
		mg_metrics_ppap("failed");
		goto done;
	}
	snprintf(outcome, sizeof(outcome), "opened with a candidate of mail %s; sanitised contents "
	         "delivered to %s", o->item_id, item.recipients);
	note(p, item_id, source, o->n, 1, outcome);
	mg_metrics_ppap("unlocked");
	mg_log_info("ppap: %s unlocked with the password of mail %s", item_id, o->item_id);
	ok = true;
done:
	g_free(why);
	free(err);
	mg_result_free(&res);
	if (original)
		explicit_bzero(original, (size_t)item.size);
	free(original);
	mq_item_free(&item);
	explicit_bzero(cands, sizeof(cands));
	return ok;
}

/* With admin.public_url: each recipient's own unlock link (the review
 * UI's /unlock/<token>, bound to the item and that recipient). */
static void send_links(mg_pipeline *p, const char *item_id, const char *host)
{
	mq_item item = { 0 };
	char *err = NULL, **rcpts = NULL;

	if (!p->config->admin_public_url || !*p->config->admin_public_url ||
	    mq_get(p->store, item_id, &item, &err) != MQ_OK) {
		free(err);
		mq_item_free(&item);
		return;
	}
	rcpts = g_strsplit(item.recipients ? item.recipients : "", ", ", 0);
	for (size_t i = 0; rcpts[i]; i++) {
		char token[MQ_UNLOCK_TOKEN_SIZE], url[1200];
		mq_item one = item;

		if (!*rcpts[i])
			continue;
		if (mq_unlock_token_create(p->store, item_id, rcpts[i], p->config->ppap_link_ttl,
		                           token, sizeof(token), &err) != MQ_OK ||
		    mq_unlock_url(p->config->admin_public_url, token, url, sizeof(url)) < 0) {
			mg_log_warn("ppap: %s: no unlock link for a recipient: %s", item_id,
			            err ? err : "admin.public_url is not usable");
			free(err);
			err = NULL;
			continue;
		}
		one.recipients = rcpts[i];
		if (send_notice(p, &one, link_tmpl, url, NULL, 0, host, "link", &err) < 0) {
			mg_log_warn("ppap: %s: the unlock link was not delivered: %s", item_id,
			            err ? err : "?");
			free(err);
			err = NULL;
		}
		explicit_bzero(token, sizeof(token));
		explicit_bzero(url, sizeof(url));
	}
	g_strfreev(rcpts);
	mq_item_free(&item);
}

/* A new zip: waits for its password, tried with the window's offers. */
static void pair_zip(mg_pipeline *p, const mg_item *it, const char *rcpts, const char *host)
{
	mg_ppap_offer *offers = calloc(MAX_OFFERS, sizeof(*offers));
	char *err = NULL;
	bool opened_now = false;
	size_t n;

	if (mq_await_password(p->store, it->id, "ppap: password-protected attachment waits for "
	                      "its password mail", &err) != MQ_OK) {
		mg_log_warn("ppap: %s cannot wait for its password: %s", it->id, err ? err : "?");
		free(err);
		free(offers);
		return;
	}
	mg_metrics_ppap("paired");
	if (!offers)
		return;
	n = mg_ppap_wait_find(it->sender, rcpts, now_s() - (int64_t)p->config->ppap_window, NULL,
	                      offers, MAX_OFFERS);
	for (size_t i = 0; i < n && !opened_now; i++)
		opened_now = try_offer(p, it->id, &offers[i], host);
	/* still waiting: the recipients may type the password themselves */
	if (!opened_now)
		send_links(p, it->id, host);
	mg_ppap_offer_wipe(offers, MAX_OFFERS);
	free(offers);
}

/* A password mail: its candidates on every item waiting for them. */
static void pair_password(mg_pipeline *p, const mg_item *it, const char *rcpts, const char *host)
{
	mq_filter f = { .status = "awaiting_password", .channel = "mail",
		        .since = now_s() - (int64_t)p->config->ppap_window, .search = it->sender,
		        .limit = MAX_PENDING };
	mg_ppap_offer o = { 0 };
	mq_item *items = NULL;
	size_t n = 0;
	char *err = NULL;

	if (mq_list(p->store, &f, &items, &n, &err) != MQ_OK) {
		mg_log_warn("ppap: waiting items not listed: %s", err ? err : "?");
		free(err);
		return;
	}
	snprintf(o.item_id, sizeof(o.item_id), "%s", it->id);
	o.at = now_s();
	for (size_t i = 0; i < it->res.n_candidates && o.n < MG_PPAP_CANDIDATES; i++)
		if (strlen(it->res.candidates[i]) <= MG_PPAP_CAND_LEN)
			snprintf(o.cand[o.n++], sizeof(o.cand[0]), "%s", it->res.candidates[i]);
	/* oldest first: the zip that has waited longest */
	for (size_t i = n; i-- > 0;) {
		const mq_item *z = &items[i];

		if (strcmp(z->item_id, it->id) == 0 || !z->sender ||
		    strcasecmp(z->sender, it->sender) != 0 || !overlap(z->recipients, rcpts))
			continue;
		try_offer(p, z->item_id, &o, host);
	}
	mg_ppap_offer_wipe(&o, 1);
	mq_items_free(items, n);
}

void mg_ppap_mail(mg_pipeline *p, const mg_item *it, const char *host)
{
	bool zip, offers;
	char *rcpts;

	if (!mg_config_ppap(p->config) || !it->stored || !it->sender || !*it->sender)
		return;
	zip = has_encrypted_part(it);
	offers = it->have_res && it->res.n_candidates > 0;
	if (!zip && !offers)
		return;
	rcpts = join_rcpts(it->rcpts, it->nrcpts);
	if (offers)
		mg_ppap_wait_put(it->id, it->sender, it->rcpts, it->nrcpts, it->res.candidates,
		                 it->res.n_candidates, now_s());
	mg_ppap_pairing_lock();
	if (zip)
		pair_zip(p, it, rcpts, host);
	if (offers)
		pair_password(p, it, rcpts, host);
	mg_ppap_pairing_unlock();
	g_free(rcpts);
}

void mg_ppap_expire(mg_pipeline *p, const char *host)
{
	mq_filter f = { .status = "awaiting_password", .channel = "mail", .limit = 1000 };
	int64_t cutoff = now_s() - (int64_t)p->config->ppap_window;
	mq_item *items = NULL;
	size_t n = 0;
	char *err = NULL, reason[200];

	if (!mg_config_ppap(p->config) || mq_list(p->store, &f, &items, &n, &err) != MQ_OK) {
		free(err);
		return;
	}
	snprintf(reason, sizeof(reason), "no password opened it within ppap.window (%u s)",
	         p->config->ppap_window);
	for (size_t i = 0; i < n; i++) {
		const mq_item *z = &items[i];

		if (z->received >= cutoff)
			continue;
		/* only the process that moves it tells the recipients */
		if (mq_password_expired(p->store, z->item_id, reason, &err) != MQ_OK) {
			free(err);
			err = NULL;
			continue;
		}
		mg_metrics_ppap("expired");
		if (send_notice(p, z, expired_tmpl, reason, NULL, 0, host, "expired", &err) < 0)
			mg_log_warn("ppap: %s: the last notice was not delivered: %s", z->item_id,
			            err ? err : "?");
		else
			mg_log_info("ppap: %s: no password within the window; recipients told, the "
			            "original stays quarantined", z->item_id);
		free(err);
		err = NULL;
	}
	mq_items_free(items, n);
}
