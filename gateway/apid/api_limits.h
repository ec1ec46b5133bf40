/*
 * api_limits.h - what one API client may do at once and per minute.
 *
 * Each client (token name) gets a token bucket of api.rate calls a minute
 * (a full minute's worth may come at once) and at most api.concurrency
 * calls in progress.  A call over either gets 429 with the seconds after
 * which it would pass.  Clients beyond the table's size share the last
 * slot, which only makes them stricter.  Thread-safe.
 */
#ifndef MUGAI_API_LIMITS_H
#define MUGAI_API_LIMITS_H

typedef struct mg_api_limits mg_api_limits;

mg_api_limits *mg_api_limits_new(unsigned per_minute, unsigned concurrency);
void mg_api_limits_free(mg_api_limits *l);
/* Takes a call for client at time now (seconds): 0, or -1 with
 * *retry_after (seconds, at least 1) when over a limit. */
int mg_api_limits_enter(mg_api_limits *l, const char *client, double now, unsigned *retry_after);
/* The end of a call that entered. */
void mg_api_limits_leave(mg_api_limits *l, const char *client);

#endif
