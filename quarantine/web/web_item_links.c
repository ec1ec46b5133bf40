/*
 * web_item_links.c - an encrypted item's unlock links on its page: for
 * whom, issued and expiring when, live, used or expired; and, for an
 * approver or an admin, a new link for one of the item's recipients (the
 * one whose link was lost or expired), shown once in the flash.
 *
 * The index keeps no token, so a link can never be shown again: only
 * issued anew.  The store checks the role and that the address is one
 * the item was sent to.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web_internal.h"

static bool encrypted(const mq_item *it)
{
	const char *r = it->report_json ? it->report_json : "";

	return strcmp(it->verdict, "encrypted") == 0 || strstr(r, "\"status\": \"encrypted\"") ||
	       strstr(r, "\"status\":\"encrypted\"");
}

static bool issuer(const mw_request *req)
{
	return req->sess.role == MQ_ROLE_APPROVER || req->sess.role == MQ_ROLE_ADMIN;
}

static bool openable(mq_status st)
{
	return st == MQ_QUARANTINED || st == MQ_AWAITING_PASSWORD || st == MQ_DENIED ||
	       st == MQ_UNLOCKED;
}

static void table(mw_out *o, mw_lang l, const mq_unlock_token *t, size_t n)
{
	static const mw_msg cols[] = { MW_LINKS_COL_TO, MW_LINKS_COL_ISSUED, MW_LINKS_COL_EXPIRES,
		                       MW_LINKS_COL_STATE };
	static const mw_msg states[] = { MW_LINKS_LIVE, MW_LINKS_USED, MW_LINKS_EXPIRED };

	if (n == 0) {
		mw_raw(o, "<p class=\"muted\">");
		mw_tr(o, l, MW_LINKS_NONE);
		mw_raw(o, "</p>");
		return;
	}
	mw_raw(o, "<div class=\"table-wrap\"><table class=\"list\" id=\"links-table\"><thead><tr>");
	for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++) {
		mw_raw(o, "<th>");
		mw_tr(o, l, cols[i]);
		mw_raw(o, "</th>");
	}
	mw_raw(o, "</tr></thead><tbody>");
	for (size_t i = 0; i < n; i++) {
		mw_raw(o, "<tr><td>");
		mw_esc(o, strcmp(t[i].recipient, MQ_UNLOCK_OUTBOX) == 0 ? mw_t(l, MW_UNLOCK_OUTBOX)
		                                                         : t[i].recipient);
		mw_raw(o, "</td><td class=\"nowrap\">");
		mw_time(o, l, t[i].created);
		mw_raw(o, "</td><td class=\"nowrap\">");
		mw_time(o, l, t[i].expires);
		mw_rawf(o, "</td><td class=\"link-%u\">", (unsigned)t[i].state);
		mw_tr(o, l, states[t[i].state <= MQ_TOKEN_EXPIRED ? t[i].state : MQ_TOKEN_EXPIRED]);
		mw_raw(o, "</td></tr>");
	}
	mw_raw(o, "</tbody></table></div>");
}

/* One option per envelope recipient of a mail ("a, b" in the index), the
 * outbox for a file. */
static void recipients(mw_out *o, mw_lang l, const mq_item *it)
{
	char *all, *save = NULL;

	if (strcmp(it->channel, "mail") != 0) {
		mw_raw(o, "<option value=\"" MQ_UNLOCK_OUTBOX "\">");
		mw_tr(o, l, MW_UNLOCK_OUTBOX);
		mw_raw(o, "</option>");
		return;
	}
	if (!(all = strdup(it->recipients ? it->recipients : "")))
		return;
	for (char *r = strtok_r(all, ", ", &save); r; r = strtok_r(NULL, ", ", &save)) {
		mw_raw(o, "<option value=\"");
		mw_esc(o, r);
		mw_raw(o, "\">");
		mw_esc(o, r);
		mw_raw(o, "</option>");
	}
	free(all);
}

static void issue_form(mw_out *o, const mw_request *req, const mq_item *it)
{
	mw_lang l = req->lang;

	mw_raw(o, "<form method=\"post\" class=\"action\" id=\"form-link\" action=\"/items/");
	mw_esc(o, it->item_id);
	mw_raw(o, "/link\">");
	mw_csrf_field(o, req);
	mw_raw(o, "<p class=\"hint\">");
	mw_tr(o, l, MW_LINKS_HINT);
	mw_raw(o, "</p><label for=\"link-recipient\">");
	mw_tr(o, l, MW_LINKS_COL_TO);
	mw_raw(o, "</label><select id=\"link-recipient\" name=\"recipient\">");
	recipients(o, l, it);
	mw_raw(o, "</select><button type=\"submit\" id=\"do-link\">");
	mw_tr(o, l, MW_LINKS_ISSUE);
	mw_raw(o, "</button></form>");
}

void mw_item_links(mw_server *srv, mw_out *o, const mw_request *req, const mq_item *it)
{
	mq_unlock_token *links = NULL;
	size_t n = 0;

	if (!encrypted(it) || mq_unlock_token_list(srv->store, it->item_id, &links, &n, NULL) < 0)
		return;
	mw_raw(o, "<section class=\"panel\" id=\"links\"><h2>");
	mw_tr(o, req->lang, MW_LINKS_TITLE);
	mw_raw(o, "</h2>");
	table(o, req->lang, links, n);
	if (issuer(req) && srv->public_url && openable(it->status))
		issue_form(o, req, it);
	mw_raw(o, "</section>");
	free(links);
}

void mw_do_item_link(mw_server *srv, mw_request *req, mw_response *resp, const char *id)
{
	const char *rcpt = mw_arg(&req->form, "recipient");
	char token[MQ_UNLOCK_TOKEN_SIZE], url[512], text[1024], location[64], *err = NULL;
	const char *args[2] = { rcpt, url };
	int rc = MQ_E_REFUSED;

	if (!srv->public_url)
		err = strdup("refused: admin.public_url is not set, the recipients could not reach "
		             "a link");
	else
		rc = mq_unlock_token_issue(srv->store, req->sess.user, id, rcpt ? rcpt : "",
		                           srv->opt.link_ttl ? srv->opt.link_ttl : MQ_UNLOCK_TTL_DEFAULT,
		                           token, sizeof(token), &err);
	if (rc == MQ_OK && mq_unlock_url(srv->public_url, token, url, sizeof(url)) == 0) {
		mw_log(srv, false, id, "unlock link for %s issued by %s through the web UI", rcpt,
		       req->sess.user);
		mw_text(text, sizeof(text), req->lang, MW_LINKS_ISSUED, args, 2);
		mw_session_flash_set(srv->sessions, req->sess.id, MW_FLASH_OK, text);
	} else {
		mw_log(srv, true, id, "unlock link not issued by %s: %s", req->sess.user,
		       err ? err : "?");
		mw_flash_store(srv, req, rc == MQ_OK ? MQ_E_ERROR : rc, err);
	}
	free(err);
	snprintf(location, sizeof(location), "/items/%s", id);
	mw_redirect(resp, location);
}
