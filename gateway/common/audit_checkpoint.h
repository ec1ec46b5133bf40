/*
 * audit_checkpoint.h - signed checkpoints of the audit chain, written to
 * audit.checkpoint_file and syslog (see audit_checkpoint.c, and
 * mq_checkpoint_take for what is signed).
 */
#ifndef MUGAI_AUDIT_CHECKPOINT_H
#define MUGAI_AUDIT_CHECKPOINT_H

#include "config.h"
#include "quarantine.h"

/* Takes one checkpoint now: signed, appended and fsynced to
 * audit.checkpoint_file, sent to syslog (authpriv.notice) and logged.  The
 * key is made when missing.  0 (*line: the checkpoint, free(), if line is
 * not NULL), or -1 with *err (free()). */
int mg_audit_checkpoint(const mg_config *c, mq_store *s, char **line, char **err);

/* The secret key of audit.checkpoint_key; made when missing and create. */
int mg_checkpoint_secret(const mg_config *c, int create, unsigned char sk[64], char **err);

/* The public key to verify with: given (hex, or a file holding the hex),
 * else audit.checkpoint_key's .pub, else derived from the secret key. */
int mg_checkpoint_public(const mg_config *c, const char *given, unsigned char pk[32], char **err);

#endif
