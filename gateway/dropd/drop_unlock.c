/*
 * drop_unlock.c - a dropped file with a password (a PPAP zip, a PDF or
 * Office document) is not only blocked: it waits in the quarantine as
 * awaiting_password, and the report written to the outbox carries the
 * link (admin.public_url/unlock/TOKEN) where whoever receives the outbox
 * types the password; the review UI then opens it in the sandbox and
 * puts its sanitised contents into the outbox.
 *
 * The link is a credential: it goes into the outbox report only, never
 * into the stored report, the index (which keeps its hash) or a log line.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drop_unlock.h"
#include "log.h"

const char *mg_drop_await_password(mq_store *s, const mg_config *c, const mg_item *it, char *link,
                                   size_t size)
{
	char token[MQ_UNLOCK_TOKEN_SIZE], *err = NULL;
	uint64_t on = 0;
	int rc;

	link[0] = 0;
	/* ppap.enabled = no: an encrypted file is kept as before, for review */
	if (!it->stored || !it->verdict || strcmp(it->verdict, "encrypted") != 0 ||
	    mg_parse_bool(c->ppap_enabled, &on) < 0 || !on)
		return NULL;
	rc = mq_await_password(s, it->id, "drop folder: waiting for its password", &err);
	/* refused: it waits already */
	if (rc != MQ_OK && rc != MQ_E_REFUSED) {
		mg_log_warn("dropd: %s stays quarantined, not awaiting its password: %s", it->id,
		            err ? err : "?");
		free(err);
		return NULL;
	}
	free(err);
	err = NULL;
	if (!c->admin_public_url[0])
		return link;
	if (mq_unlock_token_create(s, it->id, MQ_UNLOCK_OUTBOX, c->ppap_link_ttl, token,
	                           sizeof(token), &err) != MQ_OK ||
	    mq_unlock_url(c->admin_public_url, token, link, size) < 0) {
		mg_log_warn("dropd: %s: no unlock link: %s", it->id, err ? err : "admin.public_url");
		link[0] = 0;
	}
	free(err);
	return link;
}
