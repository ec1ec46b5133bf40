/*
 * web_item.c - one item: its metadata, its report, its audit trail, the
 * review actions and the download of the original.
 *
 * Buttons are shown by role and status for convenience only: the store
 * decides (role, two-person rule, status) and its refusal is shown as it
 * gave it.  Every action is a POST with the session's CSRF token, then a
 * redirect back to the item (so a reload never repeats it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web_internal.h"

#define MAX_REASON 2000

static void field(mw_out *o, mw_lang l, mw_msg label, const char *id)
{
	mw_rawf(o, "<dt>");
	mw_tr(o, l, label);
	mw_rawf(o, "</dt><dd id=\"%s\">", id);
}

static void text_or_none(mw_out *o, mw_lang l, const char *s)
{
	mw_esc(o, s && *s ? s : mw_t(l, MW_NONE));
}

/* "alice (2024-05-01 09:00:00)" and the reason below it. */
static void who_when(mw_out *o, mw_lang l, const char *who, int64_t at, const char *reason)
{
	mw_out when;
	const char *args[2];

	if (!who || !*who) {
		mw_tr(o, l, MW_NONE);
		return;
	}
	mw_out_init(&when);
	mw_time(&when, l, at);
	args[0] = who;
	args[1] = when.failed || !when.b.data ? "" : (const char *)when.b.data;
	mw_trf(o, l, MW_BY_AT, args, 2);
	mg_buf_free(&when.b);
	if (reason && *reason) {
		mw_raw(o, "<div class=\"reason\">");
		mw_esc(o, reason);
		mw_raw(o, "</div>");
	}
}

static void summary(mw_out *o, mw_lang l, const mq_item *it)
{
	char bytes[24];
	const char *args[1] = { bytes };

	snprintf(bytes, sizeof(bytes), "%llu", (unsigned long long)it->size);
	mw_raw(o, "<section class=\"panel\"><h2>");
	mw_tr(o, l, MW_SEC_SUMMARY);
	mw_raw(o, "</h2><dl class=\"kv wide\">");
	field(o, l, MW_F_ITEM_ID, "f-id");
	mw_raw(o, "<span class=\"mono\">");
	mw_esc(o, it->item_id);
	mw_raw(o, "</span></dd>");
	field(o, l, MW_F_STATUS, "f-status");
	mw_badge(o, l, "status", mq_status_name(it->status));
	mw_raw(o, "</dd>");
	field(o, l, MW_F_VERDICT, "f-verdict");
	mw_badge(o, l, "verdict", it->verdict);
	mw_raw(o, "</dd>");
	field(o, l, MW_F_REASONS, "f-reasons");
	text_or_none(o, l, it->reasons);
	mw_raw(o, "</dd>");
	field(o, l, MW_F_RECEIVED, "f-received");
	mw_time(o, l, it->received);
	mw_raw(o, "</dd>");
	field(o, l, MW_F_NODE, "f-node");
	text_or_none(o, l, it->node);
	mw_raw(o, "</dd>");
	field(o, l, MW_F_CHANNEL, "f-channel");
	mw_word(o, l, "channel", it->channel);
	mw_raw(o, "</dd>");
	field(o, l, MW_F_SENDER, "f-sender");
	text_or_none(o, l, it->sender);
	mw_raw(o, "</dd>");
	field(o, l, MW_F_RECIPIENTS, "f-recipients");
	text_or_none(o, l, it->recipients);
	mw_raw(o, "</dd>");
	field(o, l, MW_F_SUBJECT, "f-subject");
	text_or_none(o, l, it->subject);
	mw_raw(o, "</dd>");
	field(o, l, MW_F_SIZE, "f-size");
	mw_size(o, it->size);
	mw_raw(o, " <span class=\"muted\">(");
	mw_trf(o, l, MW_BYTES, args, 1);
	mw_raw(o, ")</span></dd>");
	field(o, l, MW_F_SHA256, "f-sha256");
	mw_raw(o, "<span class=\"mono small\">");
	mw_esc(o, it->sha256);
	mw_raw(o, "</span></dd>");
	field(o, l, MW_F_REQUESTED, "f-requested");
	who_when(o, l, it->requested_by, it->requested_at, it->request_reason);
	mw_raw(o, "</dd>");
	field(o, l, MW_F_DECIDED, "f-decided");
	who_when(o, l, it->decided_by, it->decided_at, it->decision_reason);
	mw_raw(o, "</dd></dl></section>");
}

static void action_form(mw_out *o, const mw_request *req, const mq_item *it, const char *action,
                        mw_msg button, mw_msg hint, bool reason, const char *cls)
{
	mw_lang l = req->lang;

	mw_rawf(o, "<form method=\"post\" class=\"action %s\" id=\"form-%s\" action=\"/items/", cls,
	        action);
	mw_esc(o, it->item_id);
	mw_rawf(o, "/%s\">", action);
	mw_csrf_field(o, req);
	if (hint != MW_MSG_COUNT) {
		mw_raw(o, "<p class=\"hint\">");
		mw_tr(o, l, hint);
		mw_raw(o, "</p>");
	}
	if (reason) {
		mw_rawf(o, "<label for=\"reason-%s\">", action);
		mw_tr(o, l, MW_REASON);
		mw_rawf(o, "</label><textarea id=\"reason-%s\" name=\"reason\" rows=\"2\" required "
		           "maxlength=\"%d\"></textarea>", action, MAX_REASON);
	}
	mw_rawf(o, "<button type=\"submit\" class=\"%s\" id=\"do-%s\">", cls, action);
	mw_tr(o, l, button);
	mw_raw(o, "</button></form>");
}

static bool can(mq_role role, mq_role a, mq_role b)
{
	return role == a || role == b;
}

static void actions(mw_server *srv, mw_out *o, const mw_request *req, const mq_item *it)
{
	mq_role role = req->sess.role;
	mw_lang l = req->lang;
	bool any = false;

	mw_raw(o, "<section class=\"panel actions\" id=\"actions\"><h2>");
	mw_tr(o, l, MW_SEC_ACTIONS);
	mw_raw(o, "</h2>");
	if (can(role, MQ_ROLE_REVIEWER, MQ_ROLE_ADMIN) &&
	    (it->status == MQ_QUARANTINED || it->status == MQ_DENIED)) {
		action_form(o, req, it, "request", MW_ACT_REQUEST, MW_ACT_REQUEST_HINT, true, "primary");
		any = true;
	}
	if (can(role, MQ_ROLE_APPROVER, MQ_ROLE_ADMIN) && it->status == MQ_RELEASE_REQUESTED) {
		action_form(o, req, it, "approve", MW_ACT_APPROVE, MW_ACT_APPROVE_HINT, false, "primary");
		action_form(o, req, it, "deny", MW_ACT_DENY, MW_MSG_COUNT, true, "secondary");
		/* the exception, only where configured and only on one's own request */
		if (srv->opt.self_approval && it->requested_by &&
		    strcmp(it->requested_by, req->sess.user) == 0)
			action_form(o, req, it, "approve_self", MW_ACT_APPROVE_SELF,
			            MW_ACT_APPROVE_SELF_HINT, true, "danger");
		any = true;
	}
	if (can(role, MQ_ROLE_APPROVER, MQ_ROLE_ADMIN) && it->status != MQ_DELETED) {
		mw_raw(o, "<div class=\"action\"><p class=\"hint\">");
		mw_tr(o, l, MW_ACT_DOWNLOAD_HINT);
		mw_raw(o, "</p><a class=\"button\" id=\"download\" href=\"/items/");
		mw_esc(o, it->item_id);
		mw_raw(o, "/original\">");
		mw_tr(o, l, MW_ACT_DOWNLOAD);
		mw_raw(o, "</a></div>");
		any = true;
	}
	if (role == MQ_ROLE_ADMIN && it->status != MQ_DELETED) {
		action_form(o, req, it, "delete", MW_ACT_DELETE, MW_ACT_DELETE_HINT, true, "danger");
		any = true;
	}
	if (!any) {
		mw_raw(o, "<p class=\"muted\" id=\"no-actions\">");
		mw_tr(o, l, MW_ACT_NONE);
		mw_raw(o, "</p>");
	}
	mw_raw(o, "</section>");
}

/* The audit entries, shared with the audit log page. */
void mw_audit_table(mw_out *o, mw_lang l, const mq_audit_entry *e, size_t n, bool item_column)
{
	mw_raw(o, "<div class=\"table-wrap\"><table class=\"list audit\"><thead><tr><th>");
	mw_tr(o, l, MW_COL_SEQ);
	mw_raw(o, "</th><th>");
	mw_tr(o, l, MW_COL_TIME);
	mw_raw(o, "</th><th>");
	mw_tr(o, l, MW_COL_ACTOR);
	mw_raw(o, "</th><th>");
	mw_tr(o, l, MW_COL_ACTION);
	if (item_column) {
		mw_raw(o, "</th><th>");
		mw_tr(o, l, MW_COL_ITEM);
	}
	mw_raw(o, "</th><th>");
	mw_tr(o, l, MW_COL_DETAIL);
	mw_raw(o, "</th></tr></thead><tbody>");
	for (size_t i = 0; i < n; i++) {
		mw_rawf(o, "<tr><td class=\"num\">%llu</td><td class=\"nowrap\">",
		        (unsigned long long)e[i].seq);
		mw_time(o, l, e[i].at);
		mw_raw(o, "</td><td>");
		mw_esc(o, e[i].actor);
		mw_rawf(o, "</td><td class=\"act-%s\">",
		        mw_t_word(l, "audit", e[i].action) ? e[i].action : "other");
		mw_word(o, l, "audit", e[i].action);
		if (item_column) {
			mw_raw(o, "</td><td class=\"mono\">");
			if (e[i].item_id && mw_item_id_valid(e[i].item_id)) {
				mw_raw(o, "<a href=\"/items/");
				mw_esc(o, e[i].item_id);
				mw_raw(o, "\">");
				mw_esc(o, e[i].item_id);
				mw_raw(o, "</a>");
			} else {
				mw_esc(o, e[i].item_id);
			}
		}
		mw_raw(o, "</td><td class=\"detail\">");
		mw_esc(o, e[i].detail);
		mw_raw(o, "</td></tr>");
	}
	mw_raw(o, "</tbody></table></div>");
}

void mw_page_item(mw_server *srv, mw_request *req, mw_response *resp, const char *id)
{
	mq_item it;
	mw_out *o = &resp->body;
	mw_lang l = req->lang;
	const char *args[1] = { id };
	char title[128];
	int rc;

	memset(&it, 0, sizeof(it));
	rc = mq_get(srv->store, id, &it, NULL);
	if (rc == MQ_E_NOTFOUND) {
		mw_error_page(srv, req, resp, 404, MW_ITEM_NOT_FOUND);
		return;
	}
	if (rc != MQ_OK) {
		mw_error_page(srv, req, resp, 500, MW_ERR_INTERNAL);
		return;
	}
	mw_text(title, sizeof(title), l, MW_ITEM_TITLE, args, 1);
	mw_page_begin(srv, req, resp, title);
	mw_raw(o, "<div class=\"crumbs\"><a href=\"/items\">&larr; ");
	mw_tr(o, l, MW_BACK_TO_LIST);
	mw_raw(o, "</a></div><div class=\"title-row\"><h1 class=\"subject\" id=\"subject\">");
	text_or_none(o, l, it.subject && *it.subject ? it.subject : mw_t(l, MW_NO_SUBJECT));
	mw_raw(o, "</h1>");
	mw_badge(o, l, "verdict", it.verdict);
	mw_badge(o, l, "status", mq_status_name(it.status));
	/* what it is and what may be done beside it; then the long parts */
	mw_raw(o, "</div><div class=\"columns\"><div class=\"main\">");
	summary(o, l, &it);
	mw_raw(o, "</div><div class=\"side\">");
	actions(srv, o, req, &it);
	mw_item_links(srv, o, req, &it);
	mw_raw(o, "</div></div><section class=\"panel\" id=\"report\"><h2>");
	mw_tr(o, l, MW_SEC_REPORT);
	mw_raw(o, "</h2>");
	mw_render_report(o, l, it.report_json);
	mw_raw(o, "</section><section class=\"panel\" id=\"trail\"><h2>");
	mw_tr(o, l, MW_SEC_AUDIT);
	mw_raw(o, "</h2>");
	mw_audit_table(o, l, it.audit, it.naudit, false);
	mw_raw(o, "</section>");
	mw_page_end(resp);
	mq_item_free(&it);
}

/* --- actions -------------------------------------------------------------- */

/* The reason field, trimmed, copied into buf; NULL when empty or too long. */
static const char *reason_of(const mw_request *req, char *buf, size_t size)
{
	const char *r = mw_arg(&req->form, "reason");
	size_t n;

	if (!r)
		return NULL;
	while (*r == ' ' || *r == '\t' || *r == '\r' || *r == '\n')
		r++;
	n = strlen(r);
	while (n > 0 && (r[n - 1] == ' ' || r[n - 1] == '\t' || r[n - 1] == '\r' || r[n - 1] == '\n'))
		n--;
	if (n == 0 || n >= size)
		return NULL;
	memcpy(buf, r, n);
	buf[n] = '\0';
	return buf;
}

static void back_to(mw_response *resp, const char *id)
{
	char loc[96];

	snprintf(loc, sizeof(loc), "/items/%s", id);
	mw_redirect(resp, loc);
}

/* Whether user is the one who requested the item's release: the store
 * refused the approval, and this says why in the user's language. */
static bool own_request(mw_server *srv, const char *id, const char *user)
{
	mq_item it;
	bool own;

	memset(&it, 0, sizeof(it));
	own = mq_get(srv->store, id, &it, NULL) == MQ_OK && it.status == MQ_RELEASE_REQUESTED &&
	      it.requested_by && strcmp(it.requested_by, user) == 0;
	mq_item_free(&it);
	return own;
}

void mw_do_item_action(mw_server *srv, mw_request *req, mw_response *resp, const char *id,
                       const char *action)
{
	char buf[MAX_REASON + 1];
	const char *user = req->sess.user, *reason = reason_of(req, buf, sizeof(buf));
	bool needs_reason = strcmp(action, "approve") != 0;
	char *err = NULL;
	mw_msg done;
	int rc;

	if (needs_reason && !reason) {
		mw_session_flash_set(srv->sessions, req->sess.id, MW_FLASH_ERR,
		                     mw_t(req->lang, MW_REASON_REQUIRED));
		back_to(resp, id);
		return;
	}
	if (strcmp(action, "request") == 0) {
		rc = mq_request(srv->store, user, id, reason, &err);
		done = MW_DONE_REQUEST;
	} else if (strcmp(action, "approve") == 0) {
		rc = mq_approve(srv->store, user, id, &err);
		done = MW_DONE_APPROVE;
	} else if (strcmp(action, "approve_self") == 0) {
		/* the store refuses it unless quarantine.self_approval is on */
		rc = mq_approve_own(srv->store, user, id, reason, &err);
		done = MW_DONE_APPROVE;
	} else if (strcmp(action, "deny") == 0) {
		rc = mq_deny(srv->store, user, id, reason, &err);
		done = MW_DONE_DENY;
	} else {
		rc = mq_delete(srv->store, user, id, reason, &err);
		done = MW_DONE_DELETE;
	}
	mw_log(srv, rc != MQ_OK, id, "%s: %s by %s through the web UI%s%s", action,
	       rc == MQ_OK ? "done" : "not done", user, err ? ": " : "", err ? err : "");
	if (rc == MQ_OK)
		mw_session_flash_set(srv->sessions, req->sess.id, MW_FLASH_OK, mw_t(req->lang, done));
	else if (rc == MQ_E_REFUSED && done == MW_DONE_APPROVE &&
	         can(req->sess.role, MQ_ROLE_APPROVER, MQ_ROLE_ADMIN) && own_request(srv, id, user))
		mw_session_flash_set(srv->sessions, req->sess.id, MW_FLASH_ERR,
		                     mw_t(req->lang, MW_TWO_PERSON));
	else if (rc == MQ_E_NOTFOUND)
		mw_session_flash_set(srv->sessions, req->sess.id, MW_FLASH_ERR,
		                     mw_t(req->lang, MW_ITEM_NOT_FOUND));
	else
		mw_flash_store(srv, req, rc, err);
	free(err);
	if (rc == MQ_E_NOTFOUND)
		mw_redirect(resp, "/items");
	else
		back_to(resp, id);
}

void mw_do_download(mw_server *srv, mw_request *req, mw_response *resp, const char *id)
{
	mq_item it;
	unsigned char *data = NULL;
	size_t len = 0;
	char *err = NULL;
	int rc;

	memset(&it, 0, sizeof(it));
	rc = mq_get(srv->store, id, &it, NULL);
	if (rc == MQ_OK)
		rc = mq_read_original(srv->store, req->sess.user, id, &data, &len, &err);
	if (rc == MQ_E_NOTFOUND) {
		mw_error_page(srv, req, resp, 404, MW_ITEM_NOT_FOUND);
	} else if (rc != MQ_OK) {
		mw_log(srv, true, id, "download by %s refused: %s", req->sess.user, err ? err : "");
		mw_flash_store(srv, req, rc, err);
		back_to(resp, id);
	} else {
		/* the name is ours (the id), never the sender's */
		snprintf(resp->disposition, sizeof(resp->disposition),
		         "attachment; filename=\"%s.%s\"", it.item_id,
		         it.channel && strcmp(it.channel, "mail") == 0 ? "eml" : "bin");
		resp->content_type = "application/octet-stream";
		mw_log(srv, false, id, "original downloaded by %s (%zu bytes)", req->sess.user, len);
		resp->blob = data;
		resp->blob_len = len;
		data = NULL;
	}
	free(data);
	free(err);
	mq_item_free(&it);
}
