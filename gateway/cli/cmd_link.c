/*
 * cmd_link.c - `mugai quarantine link`: a new unlock link for one
 * recipient of a PPAP item, e.g. when theirs expired or was lost.
 *
 * The link is printed once and never kept: the index holds only its
 * token's hash, and the audit log names the recipient and the hash's
 * first digits.  Anyone holding the link may try passwords on the item
 * (rate-limited, and delivering only to that recipient), so it is given
 * to the recipient alone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "config.h"
#include "quarantine.h"

int mg_cli_link(struct mq_store *s, const struct mg_config *c, const char *id,
                const char *recipient, const char *user, const char *user_pwfile)
{
	char token[MQ_UNLOCK_TOKEN_SIZE], url[512], *err = NULL;
	int rc;

	if (!recipient || !*recipient || !user) {
		fprintf(stderr, "mugai quarantine link: --recipient ADDRESS (or outbox) and --user "
		        "NAME are required\n");
		return 1;
	}
	if (!c->admin_public_url[0]) {
		fprintf(stderr, "mugai quarantine link: admin.public_url is empty: the recipients "
		        "could not reach the link\n");
		return 1;
	}
	if (mg_cli_authenticate(s, user, user_pwfile) < 0)
		return 1;
	/* the store checks the role (approver, admin) and names the user in the log */
	rc = mq_unlock_token_issue(s, user, id, recipient, c->ppap_link_ttl, token, sizeof(token),
	                           &err);
	if (rc != MQ_OK) {
		fprintf(stderr, "mugai quarantine link: %s\n", err ? err : "failed");
		free(err);
		return 1;
	}
	if (mq_unlock_url(c->admin_public_url, token, url, sizeof(url)) < 0) {
		fprintf(stderr, "mugai quarantine link: admin.public_url is not usable\n");
		return 1;
	}
	printf("%s\n", url);
	return 0;
}
