/*
 * ppap_wait.h - where the candidate passwords of PPAP password mails wait
 * for their zip, shared by every smtpd process.
 *
 * A mail's candidates (found by the core in its subject and bodies) wait
 * here for ppap.window, with the mail's item id, envelope sender and
 * recipients, so that a zip arriving later in any smtpd process finds
 * them.  The table is one anonymous shared mapping the master makes before
 * its first fork (mg_ppap_wait_init): it never has a name in the file
 * system, is never written to disk (not even into a core dump:
 * MADV_DONTDUMP, and locked into memory where the limit allows), dies with
 * the daemon, and its entries are wiped once their window is over.  The
 * pending zips themselves are in the quarantine index (awaiting_password),
 * which every process already shares.
 *
 * A process-shared mutex guards the table; a second one makes one
 * pairing at a time, so that two processes never deliver the same
 * attachment twice.
 */
#ifndef MUGAI_PPAP_WAIT_H
#define MUGAI_PPAP_WAIT_H

#include <stddef.h>
#include <stdint.h>

#define MG_PPAP_SLOTS 256      /* password mails waiting at once */
#define MG_PPAP_CANDIDATES 20  /* candidates kept per mail */
#define MG_PPAP_CAND_LEN 64    /* the finder's longest */
#define MG_PPAP_RCPTS 1024     /* recipients, joined, of one mail */

/* One password mail's offer, as read back. */
typedef struct mg_ppap_offer {
	char item_id[40];
	int64_t at;                /* unix seconds of its arrival */
	size_t n;
	char cand[MG_PPAP_CANDIDATES][MG_PPAP_CAND_LEN + 1];
} mg_ppap_offer;

/* Makes the shared table; the master calls it before forking.  A process
 * that finds none makes its own (one smtpd, the tests).  0 or -1. */
int mg_ppap_wait_init(void);

/* A mail's candidates, from sender to the recipients, arrived at now. */
void mg_ppap_wait_put(const char *item_id, const char *sender, const char *const *rcpts,
                      size_t nrcpts, char *const *cands, size_t n, int64_t now);

/* The offers from sender to at least one of recipients (joined by ", ",
 * as the index keeps them) that arrived at or after since, other than
 * from the mail not_item, newest first, at most max into out.  Entries
 * older than since are wiped on the way.  Returns how many. */
size_t mg_ppap_wait_find(const char *sender, const char *recipients, int64_t since,
                         const char *not_item, mg_ppap_offer *out, size_t max);

/* Wipes a copy of offers. */
void mg_ppap_offer_wipe(mg_ppap_offer *o, size_t n);

/* One pairing at a time across the processes. */
void mg_ppap_pairing_lock(void);
void mg_ppap_pairing_unlock(void);

#endif
