/* quarantine_open.h - the quarantine opened as the configuration says. */
#ifndef MUGAI_QUARANTINE_OPEN_H
#define MUGAI_QUARANTINE_OPEN_H

#include "config.h"
#include "quarantine.h"

/* This node's name: daemon.node, or the host name when that is empty
 * (cut to 64 bytes; "localhost" if even that is unknown). */
const char *mg_node_name(const mg_config *c);
/* quarantine.dir, quarantine.index and quarantine.store, writing as
 * mg_node_name; NULL with *err. */
mq_store *mg_quarantine_open(const mg_config *c, char **err);

#endif
