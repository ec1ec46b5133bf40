/*
 * stats.c - counts for the dashboard, made by the database (GROUP BY)
 * rather than by reading every row: a year of items is millions of rows,
 * the answer a few hundred.  The statements are plain SQL both backends
 * run alike: integer division of BIGINT truncates in SQLite and
 * PostgreSQL, so a day is (received + offset) / 86400 in either.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "util.h"

#define MAX_REASONS 100

/* One statement under the store's lock. */
static int query(mq_store *s, const char *sql, const mq_param *p, int np, mq_rows *r, char **err)
{
	int rc;

	pthread_mutex_lock(&s->lock);
	rc = mq_ix_exec(s->ix, sql, p, np, r, err) < 0 ? MQ_E_ERROR : MQ_OK;
	pthread_mutex_unlock(&s->lock);
	return rc;
}

static uint64_t count_of(const char *cell)
{
	int64_t v = mq_atoi64(cell);

	return v > 0 ? (uint64_t)v : 0;
}

int mq_count_by_day(mq_store *s, int64_t since, int64_t tz_offset, mq_day_count **rows, size_t *n,
                    char **err)
{
	static const char sql[] =
		"SELECT (received + $1) / 86400, channel, verdict, count(*) FROM mq_items"
		" WHERE received >= $2 GROUP BY 1, 2, 3 ORDER BY 1, 2, 3";
	mq_param p[] = { MQ_INT(tz_offset), MQ_INT(since) };
	mq_rows r;
	int rc;

	*rows = NULL;
	*n = 0;
	if ((rc = query(s, sql, p, 2, &r, err)) != MQ_OK)
		return rc;
	if (r.nrows > 0 && !(*rows = calloc(r.nrows, sizeof(**rows)))) {
		mq_rows_free(&r);
		return mq_fail(err, MQ_E_ERROR, "out of memory");
	}
	for (size_t i = 0; i < r.nrows; i++) {
		mq_day_count *d = &(*rows)[i];

		d->day = mq_atoi64(mq_cell(&r, i, 0));
		snprintf(d->channel, sizeof(d->channel), "%s", mq_cell(&r, i, 1) ? mq_cell(&r, i, 1) : "");
		snprintf(d->verdict, sizeof(d->verdict), "%s", mq_cell(&r, i, 2) ? mq_cell(&r, i, 2) : "");
		d->n = count_of(mq_cell(&r, i, 3));
	}
	*n = r.nrows;
	mq_rows_free(&r);
	return MQ_OK;
}

int mq_count_by_reason(mq_store *s, int64_t since, unsigned limit, mq_reason_count **rows,
                       size_t *n, char **err)
{
	static const char sql[] =
		"SELECT reasons, count(*) FROM mq_items WHERE received >= $1 AND reasons <> ''"
		" GROUP BY reasons ORDER BY 2 DESC, 1 LIMIT $2";
	mq_param p[] = { MQ_INT(since), MQ_INT(limit == 0 || limit > MAX_REASONS ? MAX_REASONS : limit) };
	mq_rows r;
	int rc;

	*rows = NULL;
	*n = 0;
	if ((rc = query(s, sql, p, 2, &r, err)) != MQ_OK)
		return rc;
	if (r.nrows > 0 && !(*rows = calloc(r.nrows, sizeof(**rows))))
		rc = mq_fail(err, MQ_E_ERROR, "out of memory");
	for (size_t i = 0; rc == MQ_OK && i < r.nrows; i++, (*n)++) {
		(*rows)[i].reasons = strdup(mq_cell(&r, i, 0) ? mq_cell(&r, i, 0) : "");
		(*rows)[i].n = count_of(mq_cell(&r, i, 1));
		if (!(*rows)[i].reasons)
			rc = mq_fail(err, MQ_E_ERROR, "out of memory");
	}
	mq_rows_free(&r);
	if (rc != MQ_OK) {
		mq_reason_counts_free(*rows, *n);
		*rows = NULL;
		*n = 0;
	}
	return rc;
}

void mq_reason_counts_free(mq_reason_count *rows, size_t n)
{
	for (size_t i = 0; rows && i < n; i++)
		free(rows[i].reasons);
	free(rows);
}

int mq_count_by_status(mq_store *s, uint64_t counts[MQ_STATUS_COUNT], char **err)
{
	mq_rows r;
	mq_status st;
	int rc;

	memset(counts, 0, MQ_STATUS_COUNT * sizeof(counts[0]));
	rc = query(s, "SELECT status, count(*) FROM mq_items GROUP BY status", NULL, 0, &r, err);
	if (rc != MQ_OK)
		return rc;
	for (size_t i = 0; i < r.nrows; i++)
		if (mq_status_parse(mq_cell(&r, i, 0), &st) == 0)
			counts[st] += count_of(mq_cell(&r, i, 1));
	mq_rows_free(&r);
	return MQ_OK;
}
