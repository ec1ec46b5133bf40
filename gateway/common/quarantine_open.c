/*
 * quarantine_open.c - every program opens the quarantine the same way, so
 * smtpd, dropd, admind and the CLI of one node always agree on where the
 * originals are.
 */
#include <stdio.h>
#include <stdlib.h>

#include "quarantine_open.h"

mq_store *mg_quarantine_open(const mg_config *c, char **err)
{
	mq_options o = { .dir = c->quarantine_dir, .index_uri = c->quarantine_index };

	if (mq_store_kind_parse(c->quarantine_store, &o.store) < 0) {
		if (err && asprintf(err, "quarantine.store: expected dir or postgresql, got '%s'",
		                    c->quarantine_store) < 0)
			*err = NULL;
		return NULL;
	}
	return mq_open_with(&o, err);
}
