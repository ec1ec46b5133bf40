/* quarantine_open.h - the quarantine opened as the configuration says. */
#ifndef MUGAI_QUARANTINE_OPEN_H
#define MUGAI_QUARANTINE_OPEN_H

#include "config.h"
#include "quarantine.h"

/* quarantine.dir, quarantine.index and quarantine.store; NULL with *err. */
mq_store *mg_quarantine_open(const mg_config *c, char **err);

#endif
