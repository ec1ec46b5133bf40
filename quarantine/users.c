/*
 * users.c - reviewers, approvers and admins: Argon2id password hashes
 * (libsodium's crypto_pwhash_str), roles, language preference.
 *
 * Hashing is slow on purpose (tens of milliseconds and 64 MiB), so it runs
 * outside the store's lock; the row is read or written under it.  An
 * unknown user costs the same as a wrong password, so a login does not
 * reveal which names exist.
 */
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "store.h"
#include "util.h"

#define PW_MIN 8
#define PW_MAX 1024
#define BAD_LOGIN "refused: unknown user or wrong password"

static int valid_name(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	return n > 0 && n <= 64 && name[0] != '-' &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._@-") == n;
}

static int hash_password(const char *password, char out[crypto_pwhash_STRBYTES], char **err)
{
	size_t n = password ? strlen(password) : 0;

	if (n < PW_MIN || n > PW_MAX)
		return mq_fail(err, MQ_E_REFUSED, "refused: a password has %d to %d characters", PW_MIN,
		               PW_MAX);
	if (crypto_pwhash_str(out, password, n, crypto_pwhash_OPSLIMIT_INTERACTIVE,
	                      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return mq_fail(err, MQ_E_ERROR, "password hashing failed (out of memory)");
	return MQ_OK;
}

/* NULL (local) or an enabled admin; also the user themself when self_ok. */
static int may_manage(mq_store *s, const char *actor, const char *name, int self_ok, char **err)
{
	mq_role role;
	int rc;

	if (!actor)
		return MQ_OK;
	if (self_ok && strcmp(actor, name) == 0)
		return mq_actor_role(s, actor, &role, err);
	if ((rc = mq_actor_role(s, actor, &role, err)) < 0)
		return rc;
	if (role != MQ_ROLE_ADMIN)
		return mq_fail(err, MQ_E_REFUSED, "refused: %s has the %s role; managing users needs "
		               "the admin role", actor, mq_role_name(role));
	return MQ_OK;
}

static int user_exists(mq_store *s, const char *name, char **err)
{
	mq_param p = MQ_TEXT(name);
	mq_rows r;
	int n;

	if (mq_ix_exec(s->ix, "SELECT 1 FROM mq_users WHERE name = $1", &p, 1, &r, err) < 0)
		return MQ_E_ERROR;
	n = (int)r.nrows;
	mq_rows_free(&r);
	return n > 0 ? MQ_OK : mq_fail(err, MQ_E_NOTFOUND, "no user '%s'", name);
}

/* One change to a user, its audit entry, in one write transaction. */
struct change {
	const char *actor, *name, *sql, *action, *detail;
	mq_param value;
	int self_ok, adding;
	mq_role role;
	const char *hash;
};

static int change_locked(mq_store *s, const struct change *c, char **err)
{
	int rc;

	if ((rc = may_manage(s, c->actor, c->name, c->self_ok, err)) < 0)
		return rc;
	if (c->adding) {
		mq_param p[] = { MQ_TEXT(c->name), MQ_TEXT(mq_role_name(c->role)), MQ_TEXT(c->hash),
			         MQ_INT(mq_now()) };

		if (user_exists(s, c->name, NULL) == MQ_OK)
			return mq_fail(err, MQ_E_REFUSED, "refused: user %s already exists", c->name);
		rc = mq_ix_exec(s->ix,
		                "INSERT INTO mq_users (name, role, pwhash, created) VALUES ($1, $2, $3, $4)",
		                p, 4, NULL, err);
	} else {
		mq_param p[] = { MQ_TEXT(c->name), c->value };

		if ((rc = user_exists(s, c->name, err)) < 0)
			return rc;
		rc = mq_ix_exec(s->ix, c->sql, p, 2, NULL, err);
	}
	if (rc < 0 || (c->action && mq_audit_append(s->ix, c->actor ? c->actor : mq_local_actor(),
	                                            c->action, "", c->detail, err) < 0))
		return MQ_E_ERROR;
	return MQ_OK;
}

static int apply(mq_store *s, const struct change *c, char **err)
{
	int rc;

	if (!valid_name(c->name))
		return mq_fail(err, MQ_E_REFUSED,
		               "refused: a user name has 1 to 64 of A-Z a-z 0-9 . _ @ - and does not "
		               "start with -");
	pthread_mutex_lock(&s->lock);
	rc = s->ix->ops->begin_write(s->ix, err) < 0 ? MQ_E_ERROR : MQ_OK;
	if (rc == MQ_OK)
		rc = mq_finish(s, change_locked(s, c, err), err);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

int mq_user_add(mq_store *s, const char *actor, const char *name, mq_role role,
                const char *password, char **err)
{
	char hash[crypto_pwhash_STRBYTES], detail[120];
	struct change c = { .actor = actor, .name = name, .action = "user_add", .adding = 1,
		            .role = role, .hash = hash, .detail = detail };
	int rc;

	if (role < MQ_ROLE_REVIEWER || role > MQ_ROLE_LAST)
		return mq_fail(err, MQ_E_REFUSED, "refused: role must be reviewer, approver or admin");
	if ((rc = hash_password(password, hash, err)) < 0)
		return rc;
	snprintf(detail, sizeof(detail), "%.64s role=%s", name ? name : "", mq_role_name(role));
	rc = apply(s, &c, err);
	sodium_memzero(hash, sizeof(hash));
	return rc;
}

int mq_user_set_password(mq_store *s, const char *actor, const char *name, const char *password,
                         char **err)
{
	char hash[crypto_pwhash_STRBYTES];
	struct change c = { .actor = actor, .name = name, .self_ok = 1, .action = "user_password",
		            .detail = name, .value = MQ_TEXT(hash),
		            .sql = "UPDATE mq_users SET pwhash = $2 WHERE name = $1" };
	int rc;

	if ((rc = hash_password(password, hash, err)) < 0)
		return rc;
	rc = apply(s, &c, err);
	sodium_memzero(hash, sizeof(hash));
	return rc;
}

int mq_user_set_lang(mq_store *s, const char *actor, const char *name, const char *lang, char **err)
{
	/* a display preference: not an event for the audit log */
	struct change c = { .actor = actor, .name = name, .self_ok = 1, .value = MQ_TEXT(lang),
		            .sql = "UPDATE mq_users SET lang = $2 WHERE name = $1" };

	if (!lang || (strcmp(lang, "ja") != 0 && strcmp(lang, "en") != 0))
		return mq_fail(err, MQ_E_REFUSED, "refused: language must be ja or en");
	return apply(s, &c, err);
}

int mq_user_set_role(mq_store *s, const char *actor, const char *name, mq_role role, char **err)
{
	char detail[120];
	struct change c = { .actor = actor, .name = name, .action = "user_role", .detail = detail,
		            .value = MQ_TEXT(mq_role_name(role)),
		            .sql = "UPDATE mq_users SET role = $2 WHERE name = $1" };

	if (role < MQ_ROLE_REVIEWER || role > MQ_ROLE_LAST)
		return mq_fail(err, MQ_E_REFUSED, "refused: role must be reviewer, approver or admin");
	snprintf(detail, sizeof(detail), "%.64s role=%s", name ? name : "", mq_role_name(role));
	return apply(s, &c, err);
}

int mq_user_set_disabled(mq_store *s, const char *actor, const char *name, int disabled, char **err)
{
	struct change c = { .actor = actor, .name = name, .detail = name,
		            .action = disabled ? "user_disable" : "user_enable",
		            .value = MQ_INT(disabled ? 1 : 0),
		            .sql = "UPDATE mq_users SET disabled = $2 WHERE name = $1" };

	return apply(s, &c, err);
}

/* --- reading ------------------------------------------------------------ */

#define USER_COLUMNS "name, role, lang, disabled, created"

static int user_from_row(const mq_rows *r, size_t row, mq_user *u)
{
	*u = (mq_user){ 0 };
	if (!(u->name = mq_strdup0(mq_cell(r, row, 0))))
		return -1;
	if (mq_role_parse(mq_cell(r, row, 1), &u->role) < 0)
		u->role = MQ_ROLE_NONE;
	snprintf(u->lang, sizeof(u->lang), "%s",
	         mq_cell(r, row, 2) && strcmp(mq_cell(r, row, 2), "en") == 0 ? "en" : "ja");
	u->disabled = mq_atoi64(mq_cell(r, row, 3)) != 0;
	u->created = mq_atoi64(mq_cell(r, row, 4));
	return 0;
}

void mq_user_free(mq_user *u)
{
	if (u) {
		free(u->name);
		*u = (mq_user){ 0 };
	}
}

void mq_users_free(mq_user *users, size_t n)
{
	for (size_t i = 0; users && i < n; i++)
		mq_user_free(&users[i]);
	free(users);
}

/* The user's row and password hash (*hash to free), under the lock. */
static int load_user(mq_store *s, const char *name, mq_user *u, char **hash, char **err)
{
	mq_param p = MQ_TEXT(name);
	mq_rows r;
	int rc = MQ_OK;

	if (!valid_name(name))
		return mq_fail(err, MQ_E_NOTFOUND, "no user '%.64s'", name ? name : "");
	pthread_mutex_lock(&s->lock);
	if (mq_ix_exec(s->ix, "SELECT " USER_COLUMNS ", pwhash FROM mq_users WHERE name = $1", &p, 1,
	               &r, err) < 0)
		rc = MQ_E_ERROR;
	pthread_mutex_unlock(&s->lock);
	if (rc < 0)
		return rc;
	if (r.nrows == 0)
		rc = mq_fail(err, MQ_E_NOTFOUND, "no user '%s'", name);
	else if (user_from_row(&r, 0, u) < 0 || (hash && !(*hash = mq_strdup0(mq_cell(&r, 0, 5)))))
		rc = mq_fail(err, MQ_E_ERROR, "out of memory");
	mq_rows_free(&r);
	if (rc < 0)
		mq_user_free(u);
	return rc;
}

int mq_user_get(mq_store *s, const char *name, mq_user *out, char **err)
{
	return load_user(s, name, out, NULL, err);
}

static char dummy_hash[crypto_pwhash_STRBYTES];

static void make_dummy(void)
{
	unsigned char pw[16];

	randombytes_buf(pw, sizeof(pw));
	if (crypto_pwhash_str(dummy_hash, (const char *)pw, sizeof(pw),
	                      crypto_pwhash_OPSLIMIT_INTERACTIVE,
	                      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		dummy_hash[0] = 0;
}

int mq_user_auth(mq_store *s, const char *name, const char *password, mq_user *out, char **err)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	mq_user u = { 0 };
	char *hash = NULL;
	size_t n = password ? strlen(password) : 0;
	int rc = load_user(s, name, &u, &hash, err);

	if (out)
		*out = (mq_user){ 0 };
	if (rc == MQ_E_ERROR)
		return rc;
	if (rc == MQ_E_NOTFOUND) {
		pthread_once(&once, make_dummy);
		if (crypto_pwhash_str_verify(dummy_hash, password ? password : "", n) == 0)
			rc = MQ_E_ERROR; /* cannot happen: the dummy's password is random */
		return mq_fail(err, MQ_E_REFUSED, BAD_LOGIN);
	}
	if (n > PW_MAX || crypto_pwhash_str_verify(hash, password ? password : "", n) != 0 ||
	    u.disabled || u.role == MQ_ROLE_NONE)
		rc = mq_fail(err, MQ_E_REFUSED, BAD_LOGIN);
	free(hash);
	if (rc == MQ_OK && out)
		*out = u;
	else
		mq_user_free(&u);
	return rc;
}

int mq_user_list(mq_store *s, mq_user **users, size_t *n, char **err)
{
	mq_rows r;
	int rc = MQ_OK;

	*users = NULL;
	*n = 0;
	pthread_mutex_lock(&s->lock);
	if (mq_ix_exec(s->ix, "SELECT " USER_COLUMNS " FROM mq_users ORDER BY name", NULL, 0, &r,
	               err) < 0)
		rc = MQ_E_ERROR;
	pthread_mutex_unlock(&s->lock);
	if (rc < 0)
		return rc;
	if (r.nrows && !(*users = calloc(r.nrows, sizeof(**users))))
		rc = mq_fail(err, MQ_E_ERROR, "out of memory");
	for (size_t i = 0; rc == MQ_OK && i < r.nrows; i++, (*n)++)
		if (user_from_row(&r, i, &(*users)[i]) < 0)
			rc = mq_fail(err, MQ_E_ERROR, "out of memory");
	mq_rows_free(&r);
	if (rc < 0) {
		mq_users_free(*users, *n);
		*users = NULL;
		*n = 0;
	}
	return rc;
}
