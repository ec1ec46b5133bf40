/*
 * release.h - the default release hook: where an approved original goes.
 *
 * A mail original is written, with a first header line
 *   X-Mugai-Released: <item id>; by <approver>; requested by <requester>
 * as DIR/released-<item id>.eml when relay.next_hop is dir:DIR.  A file
 * original goes to drop.outbox under its own name (its last path
 * component; prefixed with the item id when that name is taken).  Both
 * are written atomically: temp file, fsync, rename, fsync of the
 * directory.  Register it with mq_set_release_hook(store, mg_release_hook,
 * config): ctx is the const mg_config *.
 */
#ifndef MUGAI_RELEASE_H
#define MUGAI_RELEASE_H

#include <stddef.h>

#include "quarantine.h"

int mg_release_hook(void *ctx, const mq_item *item, const unsigned char *original, size_t len,
                    const char *approver, char **err);

/* PPAP: the sanitised contents of an encrypted item, opened with a
 * password, leave the same way: a mail to the item's envelope recipients
 * with the first header line
 *   X-Mugai-Unlocked: <item id>; by <who>; sanitised after opening ...
 * a file into drop.outbox as file_name.  Never the original. */
int mg_release_unlocked(const struct mg_config *c, const mq_item *item,
                        const unsigned char *data, size_t len, const char *unlocked_by,
                        const char *file_name, char **err);

/* A message mugai made (a notice, PPAP's follow-up), with first_line (a
 * header, no line end) put before it, to the item's envelope recipients
 * through relay.next_hop; id_prefix names it in the transport's log. */
int mg_release_mail(const struct mg_config *c, const mq_item *item, const unsigned char *data,
                    size_t len, const char *first_line, const char *id_prefix, char **err);

/* The name a released file gets in the outbox: the last component of
 * name, or "<item id>.bin" when nothing safe is left.  free() it. */
char *mg_release_file_name(const char *name, const char *item_id);

#endif
