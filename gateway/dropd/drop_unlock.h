/*
 * drop_unlock.h - a dropped encrypted file (PPAP) waits for its password.
 */
#ifndef MUGAI_DROP_UNLOCK_H
#define MUGAI_DROP_UNLOCK_H

#include <stddef.h>

#include "config.h"
#include "item.h"
#include "quarantine.h"

/* With ppap.enabled, for an item stored as encrypted: marks it awaiting_password and, when
 * admin.public_url is set, makes an unlock link for the outbox (valid
 * ppap.link_ttl) into link.  Returns link ("" when no link could be
 * made: the report then says only that it waits), or NULL for any other
 * item.  Failures are logged; the file is kept in the quarantine anyway. */
const char *mg_drop_await_password(mq_store *s, const mg_config *c, const mg_item *it, char *link,
                                   size_t size);

#endif
