/*
 * pace.c - the item's deadline follows its progress (mg_pace, mugai.h):
 * the arithmetic, the core's side of it (mg_deadline, mg_progress) and
 * the per-stage timings of the report.
 */
#include <stdio.h>

#include "internal.h"

void mg_pace_init(mg_pace *p, double start, double base, double unit, double cap)
{
	p->start = start;
	p->base = base > 0 ? base : 0;
	p->unit = unit > 0 ? unit : 0;
	p->cap = cap > p->base ? cap : p->base;
	p->last = start;
	p->done = 0;
	p->what[0] = 0;
}

void mg_pace_begin(mg_pace *p, double at, const char *what)
{
	p->last = at;
	p->done++;
	snprintf(p->what, sizeof(p->what), "%s", what ? what : "");
}

double mg_pace_deadline(const mg_pace *p)
{
	double base_end = p->start + p->base, cap_end = p->start + p->cap, d;

	/* nothing begun, or no budget per unit: the base alone, as before */
	if (!p->done || p->unit <= 0)
		return base_end;
	d = (p->last > base_end ? p->last : base_end) + p->unit;
	return d < cap_end ? d : cap_end;
}

double mg_deadline(const mg_ctx *ctx)
{
	return ctx->pace ? mg_pace_deadline(ctx->pace) : ctx->deadline;
}

void mg_progress(mg_ctx *ctx, const char *fmt, ...)
{
	char unit[128];
	unsigned long before;
	va_list ap;

	if (!ctx->pace)
		return;
	before = ctx->pace->done;
	va_start(ap, fmt);
	vsnprintf(unit, sizeof(unit), fmt, ap);
	va_end(ap);
	mg_pace_begin(ctx->pace, mg_now(), unit);
	if (ctx->progress)
		ctx->progress(ctx->progress_user, before, unit);
	mg_test_unit_delay(before + 1);
}

mg_status mg_check_deadline(mg_ctx *ctx)
{
	const mg_pace *p = ctx->pace;

	if (mg_now() <= mg_deadline(ctx))
		return MG_OK;
	if (!p)
		return mg_fail(ctx, MG_E_LIMIT_TIME, "time limit of %u s reached",
		               ctx->policy->time_limit);
	if (p->done && p->unit > 0 && mg_pace_deadline(p) < p->start + p->cap)
		return mg_fail(ctx, MG_E_LIMIT_TIME, "time limit reached: %s took over its %g s "
		               "(policy page_seconds)", p->what, p->unit);
	if (p->done && p->unit > 0)
		return mg_fail(ctx, MG_E_LIMIT_TIME, "time limit of %g s reached at %s (policy max_time)",
		               p->cap, p->what);
	return mg_fail(ctx, MG_E_LIMIT_TIME, "time limit of %u s reached", ctx->policy->time_limit);
}

/* The stages' sums as whole milliseconds, for the report. */
json_t *mg_timings_report(json_t *timings)
{
	json_t *r = json_object(), *v;
	const char *k;

	json_object_foreach(timings, k, v)
		json_object_set_new(r, k, json_integer((json_int_t)(json_real_value(v) + 0.5)));
	return r;
}

void mg_timing_add(mg_ctx *ctx, const char *stage, double *since)
{
	double t = mg_now();
	json_t *ms = json_object_get(ctx->timings, stage);
	double sum = (ms ? json_real_value(ms) : 0) + (t - *since) * 1000.0;

	if (ctx->timings)
		json_object_set_new(ctx->timings, stage, json_real(sum));
	*since = t;
}
