/*
 * api_token.c - the REST API's client tokens (see api_token.h).
 */
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_token.h"
#include "audit.h"
#include "blob.h"
#include "store.h"
#include "util.h"

#define PREFIX "mgk_"
#define RANDOM_BYTES 24 /* 192 bits: 32 characters of URL-safe base64 */
#define B64URL "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

static const struct {
	const char *name;
	unsigned bit;
} scope_names[] = {
	{ "sanitize", MQ_SCOPE_SANITIZE },
	{ "read", MQ_SCOPE_READ },
	{ "request", MQ_SCOPE_REQUEST },
};

#define NSCOPES (sizeof(scope_names) / sizeof(scope_names[0]))

int mq_api_scopes_parse(const char *list, unsigned *out)
{
	const char *p = list;

	*out = 0;
	while (p && *p) {
		size_t len = strcspn(p, ",");
		unsigned bit = 0;

		for (size_t i = 0; i < NSCOPES; i++)
			if (strlen(scope_names[i].name) == len && strncmp(p, scope_names[i].name, len) == 0)
				bit = scope_names[i].bit;
		if (!bit)
			return -1;
		*out |= bit;
		p += len + (p[len] == ',');
	}
	return *out ? 0 : -1;
}

void mq_api_scopes_format(unsigned scopes, char *out, size_t cap)
{
	size_t off = 0;

	out[0] = '\0';
	for (size_t i = 0; i < NSCOPES; i++)
		if (scopes & scope_names[i].bit) {
			int k = snprintf(out + off, cap - off, "%s%s", off ? "," : "", scope_names[i].name);

			if (k < 0 || (size_t)k >= cap - off)
				return;
			off += (size_t)k;
		}
}

int mq_api_name_valid(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	return n >= 1 && n <= MQ_API_NAME_MAX &&
	       strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

/* A malformed token is never looked up: it cannot exist. */
static int well_formed(const char *token)
{
	size_t n = token ? strlen(token) : 0;

	return n == MQ_API_TOKEN_SIZE - 1 && strncmp(token, PREFIX, 4) == 0 &&
	       strspn(token + 4, B64URL) == n - 4;
}

static void new_token(char out[MQ_API_TOKEN_SIZE])
{
	unsigned char rnd[RANDOM_BYTES];

	memcpy(out, PREFIX, 4);
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2base64(out + 4, MQ_API_TOKEN_SIZE - 4, rnd, sizeof(rnd),
	                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(rnd, sizeof(rnd));
}

/* NULL: the operator running the command, as for users. */
static const char *actor_or_none(const char *actor)
{
	return actor && *actor ? actor : mq_local_actor();
}

struct add {
	const char *actor, *name, *token;
	unsigned scopes;
};

static int add_locked(mq_store *s, void *arg, char **err)
{
	struct add *a = arg;
	char hash[65], scopes[32], detail[160];
	mq_param name = MQ_TEXT(a->name);
	mq_rows r;
	int exists;

	if (mq_ix_exec(s->ix, "SELECT name FROM mq_api_tokens WHERE name = $1", &name, 1, &r,
	               err) < 0)
		return MQ_E_ERROR;
	exists = r.nrows > 0;
	mq_rows_free(&r);
	if (exists)
		return mq_fail(err, MQ_E_REFUSED, "refused: an API client named %s exists", a->name);
	mq_sha256_hex(a->token, strlen(a->token), hash);
	{
		mq_param p[] = { MQ_TEXT(a->name), MQ_TEXT(hash), MQ_INT(a->scopes),
			         MQ_TEXT(actor_or_none(a->actor)), MQ_INT(mq_now()) };

		if (mq_ix_exec(s->ix,
		               "INSERT INTO mq_api_tokens (name, token_sha256, scopes, created_by,"
		               " created) VALUES ($1, $2, $3, $4, $5)",
		               p, 5, NULL, err) < 0)
			return MQ_E_ERROR;
	}
	mq_api_scopes_format(a->scopes, scopes, sizeof(scopes));
	snprintf(detail, sizeof(detail), "client=%s scopes=%s token=%.8s", a->name, scopes, hash);
	return mq_audit_append(s->ix, actor_or_none(a->actor), "api_token_add", "", detail, err) < 0
	               ? MQ_E_ERROR
	               : MQ_OK;
}

int mq_api_token_add(mq_store *s, const char *actor, const char *name, unsigned scopes,
                     char *token_out, size_t token_out_len, char **err)
{
	char token[MQ_API_TOKEN_SIZE];
	struct add a = { actor, name, token, scopes };
	int rc;

	if (!mq_api_name_valid(name))
		return mq_fail(err, MQ_E_ERROR, "an API client name is 1-64 of A-Z a-z 0-9 . _ -");
	if (!scopes || (scopes & ~(unsigned)MQ_SCOPE_ALL) || token_out_len < MQ_API_TOKEN_SIZE)
		return mq_fail(err, MQ_E_ERROR, "API token: bad scopes or buffer");
	new_token(token);
	rc = mq_write_tx(s, add_locked, &a, err);
	if (rc == MQ_OK)
		memcpy(token_out, token, MQ_API_TOKEN_SIZE);
	sodium_memzero(token, sizeof(token));
	return rc;
}

static void fill(mq_api_token *t, const mq_rows *r, size_t row)
{
	snprintf(t->name, sizeof(t->name), "%s", mq_cell(r, row, 0));
	t->scopes = (unsigned)mq_atoi64(mq_cell(r, row, 1)) & MQ_SCOPE_ALL;
	snprintf(t->created_by, sizeof(t->created_by), "%s", mq_cell(r, row, 2));
	t->created = mq_atoi64(mq_cell(r, row, 3));
	t->revoked = mq_atoi64(mq_cell(r, row, 4));
}

#define COLUMNS "name, scopes, created_by, created, revoked"

int mq_api_token_check(mq_store *s, const char *token, mq_api_token *out, char **err)
{
	char hash[65];
	mq_param p;
	mq_rows r;
	int rc;

	*out = (mq_api_token){ 0 };
	if (!well_formed(token))
		return mq_fail(err, MQ_E_NOTFOUND, "no such API token");
	mq_sha256_hex(token, strlen(token), hash);
	p = MQ_TEXT(hash);
	pthread_mutex_lock(&s->lock);
	rc = mq_ix_exec(s->ix, "SELECT " COLUMNS " FROM mq_api_tokens WHERE token_sha256 = $1", &p,
	                1, &r, err);
	pthread_mutex_unlock(&s->lock);
	if (rc < 0)
		return MQ_E_ERROR;
	if (r.nrows == 1)
		fill(out, &r, 0);
	mq_rows_free(&r);
	if (!out->name[0] || out->revoked)
		return mq_fail(err, MQ_E_NOTFOUND, "no such API token");
	return MQ_OK;
}

struct revoke {
	const char *actor, *name;
};

static int revoke_locked(mq_store *s, void *arg, char **err)
{
	struct revoke *v = arg;
	mq_param p[] = { MQ_TEXT(v->name), MQ_INT(mq_now()) };
	mq_rows r;
	int live;
	char detail[96];

	if (mq_ix_exec(s->ix, "SELECT revoked FROM mq_api_tokens WHERE name = $1", p, 1, &r, err) < 0)
		return MQ_E_ERROR;
	live = r.nrows == 1 && mq_atoi64(mq_cell(&r, 0, 0)) == 0;
	mq_rows_free(&r);
	if (!live)
		return mq_fail(err, MQ_E_NOTFOUND, "no live API client named %s", v->name);
	if (mq_ix_exec(s->ix, "UPDATE mq_api_tokens SET revoked = $2 WHERE name = $1", p, 2, NULL,
	               err) < 0)
		return MQ_E_ERROR;
	snprintf(detail, sizeof(detail), "client=%s", v->name);
	return mq_audit_append(s->ix, actor_or_none(v->actor), "api_token_revoke", "", detail, err) <
	                       0
	               ? MQ_E_ERROR
	               : MQ_OK;
}

int mq_api_token_revoke(mq_store *s, const char *actor, const char *name, char **err)
{
	struct revoke v = { actor, name };

	if (!mq_api_name_valid(name))
		return mq_fail(err, MQ_E_NOTFOUND, "no live API client named %.64s", name ? name : "");
	return mq_write_tx(s, revoke_locked, &v, err);
}

int mq_api_token_list(mq_store *s, mq_api_token **out, size_t *n, char **err)
{
	mq_rows r;
	int rc;

	*out = NULL;
	*n = 0;
	pthread_mutex_lock(&s->lock);
	rc = mq_ix_exec(s->ix, "SELECT " COLUMNS " FROM mq_api_tokens ORDER BY name", NULL, 0, &r,
	                err);
	pthread_mutex_unlock(&s->lock);
	if (rc < 0)
		return MQ_E_ERROR;
	if (r.nrows && !(*out = calloc(r.nrows, sizeof(**out)))) {
		mq_rows_free(&r);
		return mq_fail(err, MQ_E_ERROR, "out of memory");
	}
	for (size_t i = 0; i < r.nrows; i++)
		fill(&(*out)[i], &r, i);
	*n = r.nrows;
	mq_rows_free(&r);
	return MQ_OK;
}

int mq_api_client_role(mq_store *s, const char *name, mq_role *role, char **err)
{
	mq_param p = MQ_TEXT(name);
	mq_rows r;
	int rc = MQ_OK;

	*role = MQ_ROLE_NONE;
	if (mq_ix_exec(s->ix, "SELECT scopes, revoked FROM mq_api_tokens WHERE name = $1", &p, 1, &r,
	               err) < 0)
		return MQ_E_ERROR;
	if (r.nrows == 1 && mq_atoi64(mq_cell(&r, 0, 1)) == 0 &&
	    (mq_atoi64(mq_cell(&r, 0, 0)) & MQ_SCOPE_REQUEST))
		*role = MQ_ROLE_REVIEWER;
	else
		rc = mq_fail(err, MQ_E_REFUSED, "refused: API client %.64s may not request", name);
	mq_rows_free(&r);
	return rc;
}

struct call {
	const char *actor, *item_id, *detail;
};

static int audit_locked(mq_store *s, void *arg, char **err)
{
	struct call *c = arg;

	return mq_audit_append(s->ix, c->actor, "api_call", c->item_id, c->detail, err) < 0
	               ? MQ_E_ERROR
	               : MQ_OK;
}

int mq_api_audit(mq_store *s, const char *client, const char *item_id, const char *detail,
                 char **err)
{
	char actor[80];
	char *clean = mq_clean_text(detail ? detail : "", 600);
	struct call c = { actor, item_id ? item_id : "", clean };
	int rc;

	if (!clean)
		return mq_fail(err, MQ_E_ERROR, "out of memory");
	snprintf(actor, sizeof(actor), "api:%.64s", client && *client ? client : "(anonymous)");
	rc = mq_write_tx(s, audit_locked, &c, err);
	free(clean);
	return rc;
}
