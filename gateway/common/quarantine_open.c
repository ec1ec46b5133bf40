/*
 * quarantine_open.c - every program opens the quarantine the same way, so
 * smtpd, dropd, admind and the CLI of one node always agree on where the
 * originals are.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "quarantine_open.h"

const char *mg_node_name(const mg_config *c)
{
	static char host[65];

	if (c->daemon_node && *c->daemon_node)
		return c->daemon_node;
	if (!host[0] && (gethostname(host, sizeof(host) - 1) < 0 || !host[0]))
		snprintf(host, sizeof(host), "localhost");
	return host;
}

mq_store *mg_quarantine_open(const mg_config *c, char **err)
{
	mq_options o = { .dir = c->quarantine_dir, .index_uri = c->quarantine_index,
		         .node = mg_node_name(c) };

	if (mq_store_kind_parse(c->quarantine_store, &o.store) < 0) {
		if (err && asprintf(err, "quarantine.store: expected index, dir or postgresql, got '%s'",
		                    c->quarantine_store) < 0)
			*err = NULL;
		return NULL;
	}
	return mq_open_with(&o, err);
}
