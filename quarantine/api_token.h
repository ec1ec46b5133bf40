/*
 * api_token.h - the REST API's clients: one bearer token a client, with
 * scopes, stored hashed, revocable.
 *
 * A token is "mgk_" and 32 characters of URL-safe base64 (192 random
 * bits), shown once when made (`mugai token add`).  The index keeps its
 * SHA-256 only, so a copy of the database holds no working token.  Every
 * token made or revoked, and every API call, is an entry of the audit
 * chain under the actor "api:NAME".
 */
#ifndef MUGAI_API_TOKEN_H
#define MUGAI_API_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "quarantine.h"

enum {
	MQ_SCOPE_SANITIZE = 1, /* POST /api/v1/sanitize */
	MQ_SCOPE_READ = 2,     /* GET an item and its report */
	MQ_SCOPE_REQUEST = 4,  /* ask for a release (approval stays a human's) */
	MQ_SCOPE_ALL = 7,
};

#define MQ_API_TOKEN_SIZE 37 /* "mgk_" + 32 characters + NUL */
#define MQ_API_NAME_MAX 64

typedef struct mq_api_token {
	char name[MQ_API_NAME_MAX + 1];
	unsigned scopes;
	char created_by[65];
	int64_t created;
	int64_t revoked; /* 0 while live */
} mq_api_token;

/* "sanitize,read" -> bits; 0, or -1 on an unknown or empty scope. */
int mq_api_scopes_parse(const char *list, unsigned *out);
/* Bits -> "sanitize,read,request" into out (at least 32 bytes). */
void mq_api_scopes_format(unsigned scopes, char *out, size_t cap);
/* A client name: 1-64 of [A-Za-z0-9._-]. */
int mq_api_name_valid(const char *name);

/* Makes a token for a new client name (MQ_E_REFUSED when the name exists,
 * revoked or not: names stay unique in the audit).  The token is written
 * to token_out (MQ_API_TOKEN_SIZE) and never stored. */
int mq_api_token_add(mq_store *s, const char *actor, const char *name, unsigned scopes,
                     char *token_out, size_t token_out_len, char **err);
/* The live client a presented token belongs to: MQ_OK, or MQ_E_NOTFOUND
 * (malformed, unknown or revoked: the caller answers 401 alike). */
int mq_api_token_check(mq_store *s, const char *token, mq_api_token *out, char **err);
int mq_api_token_revoke(mq_store *s, const char *actor, const char *name, char **err);
/* Every client, live and revoked, by name; free() *out. */
int mq_api_token_list(mq_store *s, mq_api_token **out, size_t *n, char **err);
/* The role an API client acts with, under the store's lock: a live
 * client with the request scope is a reviewer (it may ask for a release,
 * never approve one); any other is refused. */
int mq_api_client_role(mq_store *s, const char *name, mq_role *role, char **err);
/* One API call into the audit chain (actor "api:NAME"; item_id may be
 * NULL), e.g. "POST /api/v1/sanitize 200 verdict=sanitised". */
int mq_api_audit(mq_store *s, const char *client, const char *item_id, const char *detail,
                 char **err);

#endif
