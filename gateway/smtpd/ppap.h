/*
 * ppap.h - PPAP pairing in smtpd: a password-protected attachment and the
 * mail from the same sender that carries its password.
 *
 * A mail with an encrypted attachment has been delivered already,
 * sanitised, without it; its original is in the quarantine.  Here it
 * becomes awaiting_password and is tried with the candidates of every
 * password mail of the window before it (ppap_wait.h).  A mail that offers
 * candidates waits in that table and is tried on every item awaiting its
 * password from the same envelope sender to an overlapping set of
 * recipients (the quarantine index, shared by every process).  Each try
 * runs in the sandboxed worker, as `mugai quarantine unlock` does; when
 * one opens the attachment the recipients get a follow-up mail with the
 * opened, sanitised message and a notice naming the mail that supplied
 * the password, and the item becomes unlocked.  Every try is one audit
 * entry (which mail, how many candidates, the outcome; never a password).
 * When the window passes, the recipients get a last notice and the
 * original stays quarantined for review.
 */
#ifndef MUGAI_PPAP_H
#define MUGAI_PPAP_H

#include "item.h"

/* After a mail was stored and delivered: pairs it, as a zip or as a
 * password mail, or both. */
void mg_ppap_mail(mg_pipeline *p, const mg_item *it, const char *host);

/* Items whose window passed: a last notice to the recipients, and the
 * item back to quarantined for review.  Called when idle. */
void mg_ppap_expire(mg_pipeline *p, const char *host);

#endif
