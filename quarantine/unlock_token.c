/*
 * unlock_token.c - the links that let a recipient unlock a PPAP item: a
 * random token bound to one item and one recipient, valid for a while,
 * dead after its first success.
 *
 * The token is the credential of a page reached without a login, so it
 * is long (192 bits of libsodium's RNG) and the index keeps only its
 * SHA-256: whoever reads the database or a backup of it holds no working
 * link.  The audit chain names a token by the first 8 hex digits of that
 * hash, enough to follow one link from creation to use.
 */
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "blob.h"
#include "originals.h"
#include "store.h"
#include "util.h"

#define TOKEN_BYTES 24 /* 192 bits: 32 characters of URL-safe base64 */
#define TOKEN_CHARS 32
#define B64URL "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

/* Statuses a link may open: kept, or unlocked already by another
 * recipient's link (each recipient gets the contents once). */
static int openable(mq_status st)
{
	return st == MQ_QUARANTINED || st == MQ_AWAITING_PASSWORD || st == MQ_DENIED ||
	       st == MQ_UNLOCKED;
}

/* A malformed token is never looked up: it cannot exist. */
static int well_formed(const char *token)
{
	return token && strlen(token) == TOKEN_CHARS && strspn(token, B64URL) == TOKEN_CHARS;
}

static void token_hash(const char *token, char hex[65])
{
	mq_sha256_hex(token, strlen(token), hex);
}

static void fill(mq_unlock_token *t, const mq_rows *r, const char *hash)
{
	int64_t now = mq_now();

	snprintf(t->item_id, sizeof(t->item_id), "%s", mq_cell(r, 0, 0));
	snprintf(t->recipient, sizeof(t->recipient), "%s", mq_cell(r, 0, 1));
	snprintf(t->tag, sizeof(t->tag), "%.8s", hash);
	t->created = mq_atoi64(mq_cell(r, 0, 2));
	t->expires = mq_atoi64(mq_cell(r, 0, 3));
	t->used_at = mq_atoi64(mq_cell(r, 0, 4));
	t->state = t->used_at ? MQ_TOKEN_USED : now >= t->expires ? MQ_TOKEN_EXPIRED : MQ_TOKEN_LIVE;
}

/* Reads the token's row, under the store's lock: MQ_OK when live. */
static int lookup_locked(mq_store *s, const char *token, mq_unlock_token *out, char **err)
{
	char hash[65];
	mq_param p;
	mq_rows r;
	int rc;

	*out = (mq_unlock_token){ 0 };
	if (!well_formed(token))
		return mq_fail(err, MQ_E_NOTFOUND, "no such unlock link");
	token_hash(token, hash);
	p = MQ_TEXT(hash);
	if (mq_ix_exec(s->ix,
	               "SELECT item_id, recipient, created, expires, used_at FROM mq_unlock_tokens"
	               " WHERE token_sha256 = $1",
	               &p, 1, &r, err) < 0)
		return MQ_E_ERROR;
	if (r.nrows == 0)
		rc = mq_fail(err, MQ_E_NOTFOUND, "no such unlock link");
	else {
		fill(out, &r, hash);
		rc = out->state == MQ_TOKEN_USED ? mq_fail(err, MQ_E_REFUSED, "refused: this unlock "
		                                           "link was used already")
		     : out->state == MQ_TOKEN_EXPIRED
		             ? mq_fail(err, MQ_E_REFUSED, "refused: this unlock link has expired")
		             : MQ_OK;
	}
	mq_rows_free(&r);
	return rc;
}

int mq_unlock_token_lookup(mq_store *s, const char *token, mq_unlock_token *out, char **err)
{
	int rc;

	pthread_mutex_lock(&s->lock);
	rc = lookup_locked(s, token, out, err);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

static int need_openable(const mq_item *it, char **err)
{
	return openable(it->status) ? MQ_OK
	                            : mq_fail(err, MQ_E_REFUSED, "refused: item %s is %s; it "
	                                      "cannot be unlocked", it->item_id,
	                                      mq_status_name(it->status));
}

struct creation {
	const char *user, *item_id, *token;
	char *recipient;
	int64_t ttl;
	mq_item item;
};

/* A link goes to one of the item's own envelope recipients (a mail), or
 * to the outbox (a file): never to an address the item was not for. */
static int need_recipient(const struct creation *c, char **err)
{
	const char *all = c->item.recipients ? c->item.recipients : "";
	size_t n = strlen(c->recipient);

	if (strcmp(c->item.channel, "mail") != 0)
		return strcmp(c->recipient, MQ_UNLOCK_OUTBOX) == 0
		               ? MQ_OK
		               : mq_fail(err, MQ_E_REFUSED, "refused: a file's link goes to the "
		                         "outbox, not to '%.100s'", c->recipient);
	for (const char *p = all; (p = strstr(p, c->recipient)); p += n)
		if ((p == all || p[-1] == ' ' || p[-1] == ',') && (p[n] == 0 || p[n] == ','))
			return MQ_OK;
	return mq_fail(err, MQ_E_REFUSED, "refused: %.100s is not a recipient of item %s",
	               c->recipient, c->item_id);
}

/* Issuing by a person takes an approver or an admin, as unlocking does. */
static int need_issuer(mq_store *s, const char *user, char **err)
{
	mq_role role;
	int rc;

	if (!user)
		return MQ_OK;
	if ((rc = mq_actor_role(s, user, &role, err)) < 0)
		return rc;
	return role == MQ_ROLE_APPROVER || role == MQ_ROLE_ADMIN
	               ? MQ_OK
	               : mq_fail(err, MQ_E_REFUSED, "refused: %s has the %s role; an unlock link "
	                         "needs the approver or admin role", user, mq_role_name(role));
}

static int create_locked(mq_store *s, struct creation *c, char **err)
{
	char hash[65], actor[80], detail[512];
	int64_t now = mq_now();
	int rc;

	if ((rc = need_issuer(s, c->user, err)) < 0 ||
	    (rc = mq_item_load(s, c->item_id, &c->item, err)) < 0 ||
	    (rc = need_openable(&c->item, err)) < 0 || (rc = need_recipient(c, err)) < 0)
		return rc;
	/* a link opens only what a password could */
	if ((rc = mq_item_has_encrypted(s, &c->item, err)) <= 0)
		return rc < 0 ? MQ_E_ERROR
		              : mq_fail(err, MQ_E_REFUSED, "refused: item %s has no encrypted part "
		                        "to unlock", c->item_id);
	token_hash(c->token, hash);
	{
		mq_param p[] = { MQ_TEXT(hash), MQ_TEXT(c->item_id), MQ_TEXT(c->recipient),
			         MQ_INT(now), MQ_INT(now + c->ttl) };

		if (mq_ix_exec(s->ix,
		               "INSERT INTO mq_unlock_tokens (token_sha256, item_id, recipient,"
		               " created, expires) VALUES ($1, $2, $3, $4, $5)",
		               p, 5, NULL, err) < 0)
			return MQ_E_ERROR;
	}
	snprintf(actor, sizeof(actor), "system:%.60s", c->item.channel);
	if (c->user)
		snprintf(actor, sizeof(actor), "%.64s", c->user);
	snprintf(detail, sizeof(detail), "recipient=%.330s link=%.8s expires=%" PRId64,
	         c->recipient, hash, now + c->ttl);
	return mq_audit_append(s->ix, actor, "unlock_link", c->item_id, detail, err) < 0
	               ? MQ_E_ERROR
	               : MQ_OK;
}

static void new_token(char out[MQ_UNLOCK_TOKEN_SIZE])
{
	unsigned char rnd[TOKEN_BYTES];

	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2base64(out, MQ_UNLOCK_TOKEN_SIZE, rnd, sizeof(rnd),
	                  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(rnd, sizeof(rnd));
}

int mq_unlock_token_create(mq_store *s, const char *item_id, const char *recipient,
                           int64_t ttl_seconds, char *token_out, size_t token_out_len,
                           char **err)
{
	return mq_unlock_token_issue(s, NULL, item_id, recipient, ttl_seconds, token_out,
	                             token_out_len, err);
}

int mq_unlock_token_issue(mq_store *s, const char *user, const char *item_id,
                          const char *recipient, int64_t ttl_seconds, char *token_out,
                          size_t token_out_len, char **err)
{
	char token[MQ_UNLOCK_TOKEN_SIZE];
	struct creation c = { .user = user, .item_id = item_id, .token = token,
		              .ttl = ttl_seconds };
	int rc;

	if (!item_id || !recipient || !*recipient || !token_out ||
	    token_out_len < MQ_UNLOCK_TOKEN_SIZE || ttl_seconds <= 0)
		return mq_fail(err, MQ_E_ERROR, "unlock link: bad argument");
	if (!(c.recipient = mq_clean_text(recipient, 320)))
		return mq_fail(err, MQ_E_ERROR, "out of memory");
	new_token(token);
	pthread_mutex_lock(&s->lock);
	rc = s->ix->ops->begin_write(s->ix, err) < 0 ? MQ_E_ERROR : MQ_OK;
	if (rc == MQ_OK)
		rc = mq_finish(s, create_locked(s, &c, err), err);
	pthread_mutex_unlock(&s->lock);
	if (rc == MQ_OK)
		memcpy(token_out, token, MQ_UNLOCK_TOKEN_SIZE);
	sodium_memzero(token, sizeof(token));
	mq_item_free(&c.item);
	free(c.recipient);
	return rc;
}

int mq_unlock_token_check(mq_store *s, const char *token, mq_unlock_token *tok, mq_item *item,
                          unsigned char **original, char **err)
{
	int rc;

	*item = (mq_item){ 0 };
	if (original)
		*original = NULL;
	pthread_mutex_lock(&s->lock);
	rc = lookup_locked(s, token, tok, err);
	if (rc == MQ_OK)
		rc = mq_item_load(s, tok->item_id, item, err);
	if (rc == MQ_OK)
		rc = need_openable(item, err);
	pthread_mutex_unlock(&s->lock);
	if (rc == MQ_OK && original &&
	    mq_orig_read(s, item->sha256, item->size, original, err) < 0)
		rc = MQ_E_ERROR;
	if (rc < 0)
		mq_item_free(item);
	return rc;
}

struct use {
	const char *token, *outcome;
	unsigned candidates;
	int unlocked;
	mq_unlock_token tok;
	mq_item item;
};

/* What every entry about a link's try says: never the password. */
static void describe(const struct use *u, char actor[340], char detail[700])
{
	snprintf(actor, 340, "recipient:%.320s", u->tok.recipient);
	snprintf(detail, 700, "source=recipient:%.320s candidates=%u outcome=%.300s link=%s",
	         u->tok.recipient, u->candidates,
	         u->outcome && *u->outcome ? u->outcome : u->unlocked ? "unlocked" : "failed",
	         u->tok.tag);
}

static int fail_locked(mq_store *s, struct use *u, char **err)
{
	char actor[340], detail[700], *why = NULL;
	int rc = lookup_locked(s, u->token, &u->tok, &why);

	/* a try with a dead link is still a try: recorded */
	if (rc == MQ_E_NOTFOUND || rc == MQ_E_ERROR) {
		rc = mq_fail(err, rc, "%s", why ? why : "unlock link: error");
		free(why);
		return rc;
	}
	free(why);
	describe(u, actor, detail);
	return mq_audit_append(s->ix, actor, "unlock_failed", u->tok.item_id, detail, err) < 0
	               ? MQ_E_ERROR
	               : MQ_OK;
}

static int consume_locked(mq_store *s, struct use *u, char **err)
{
	char actor[340], detail[700], hash[65];
	int64_t now = mq_now();
	int rc;

	if ((rc = lookup_locked(s, u->token, &u->tok, err)) < 0 ||
	    (rc = mq_item_load(s, u->tok.item_id, &u->item, err)) < 0 ||
	    (rc = need_openable(&u->item, err)) < 0)
		return rc;
	describe(u, actor, detail);
	token_hash(u->token, hash);
	{
		mq_param t[] = { MQ_TEXT(hash), MQ_INT(now) };
		mq_param p[] = { MQ_TEXT(u->tok.item_id), MQ_TEXT(actor), MQ_TEXT(detail),
			         MQ_INT(now) };

		/* the row says who opened it last; the chain says every one */
		if (mq_ix_exec(s->ix,
		               "UPDATE mq_unlock_tokens SET used_at = $2 WHERE token_sha256 = $1",
		               t, 2, NULL, err) < 0 ||
		    mq_ix_exec(s->ix,
		               "UPDATE mq_items SET status = 'unlocked', decided_by = $2,"
		               " decision_reason = $3, decided_at = $4, claim_until = 0"
		               " WHERE item_id = $1",
		               p, 4, NULL, err) < 0 ||
		    mq_report_unlocked_by(s, u->tok.item_id, actor, err) < 0 ||
		    mq_audit_append(s->ix, actor, "unlock", u->tok.item_id, detail, err) < 0)
			return MQ_E_ERROR;
	}
	return MQ_OK;
}

static int use_token(mq_store *s, struct use *u, char **err)
{
	int rc;

	pthread_mutex_lock(&s->lock);
	rc = s->ix->ops->begin_write(s->ix, err) < 0 ? MQ_E_ERROR : MQ_OK;
	if (rc == MQ_OK)
		rc = mq_finish(s, (u->unlocked ? consume_locked : fail_locked)(s, u, err), err);
	pthread_mutex_unlock(&s->lock);
	mq_item_free(&u->item);
	return rc;
}

int mq_unlock_token_fail(mq_store *s, const char *token, unsigned candidates,
                         const char *outcome, char **err)
{
	struct use u = { .token = token, .outcome = outcome, .candidates = candidates };

	return use_token(s, &u, err);
}

int mq_unlock_token_consume(mq_store *s, const char *token, unsigned candidates,
                            const char *outcome, char **err)
{
	struct use u = { .token = token, .outcome = outcome, .candidates = candidates,
		         .unlocked = 1 };

	return use_token(s, &u, err);
}
