/*
 * report_mail.h - a delivered mail's reference to its signed report, the
 * report attached as a JSON part, and mugai's signed marker.
 *
 * The artefact (the worker's rebuilt message) never changes: it must not
 * depend on the time or the item id (reproducible output), and its
 * SHA-256 is in the report.  What names the item goes in front of it, as
 * the last header field before the artefact's own:
 *
 *   X-Mugai-Report: ITEM-ID;
 *   	report-sha256=HEX; artefact-sha256=HEX; part=none|added|wrapped;
 *   	sig=HEX
 *
 * A notice sent for a blocked mail names its report too, with no artefact
 * and no marker ("X-Mugai-Report: ITEM-ID; report-sha256=HEX;
 * part=notice").
 *
 * report-sha256 is the report's hash (report_sign.h), artefact-sha256
 * the artefact's.  sig, the marker, is an Ed25519 signature by
 * report.signing_key over "mugai-artefact-v1 ITEM-ID REPORT-HEX
 * ARTEFACT-HEX": a mail that comes back to mugai is recognised as its
 * own output when the signature verifies with the configured key and the
 * artefact still hashes to ARTEFACT-HEX.  A forged or altered one is
 * simply not recognised.
 *
 * With policy report_part = attach the signed report goes with the mail
 * as mugai-report-ITEM-ID.json (application/json), inserted so that the
 * artefact's bytes can be recovered exactly: added as the last part of a
 * multipart/mixed artefact (part=added), or, for any other artefact,
 * the artefact's content fields and body made the first part of a new
 * multipart/mixed (part=wrapped).  mg_report_artefact() undoes either.
 */
#ifndef MUGAI_REPORT_MAIL_H
#define MUGAI_REPORT_MAIL_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "sign_key.h"

typedef struct mg_report_ref {
	char item_id[40];
	char report_sha256[65];
	char artefact_sha256[65];
	char part[8];               /* "none", "added", "wrapped", "notice" */
	unsigned char sig[64];
	bool has_sig;
	size_t body_off;            /* where what follows the field starts */
} mg_report_ref;

/* Appends the X-Mugai-Report field (CRLF-terminated) to head; k NULL: no
 * sig (a notice never has one).  0 or -1. */
int mg_report_header(mg_buf *head, const mg_report_ref *ref, const mg_sign_key *k);

/* Writes the artefact with report_json attached into out; *part gets
 * "added" or "wrapped".  0, or -1 when the artefact is not a message
 * this can attach to so that it can be taken out exactly (no header
 * block, a report part already in it). */
int mg_report_attach(const unsigned char *art, size_t len, const char *report_json,
                     const char *item_id, mg_buf *out, const char **part);

/* Finds the first X-Mugai-Report field in msg's header block; 0, or -1
 * when there is none or it does not parse. */
int mg_report_ref_find(const unsigned char *msg, size_t len, mg_report_ref *ref);

/* The artefact a delivered message carries (ref from mg_report_ref_find),
 * the report part taken out; malloc()ed, or NULL when the message is not
 * in the form ref says. */
unsigned char *mg_report_artefact(const unsigned char *msg, size_t len, const mg_report_ref *ref,
                                  size_t *out_len);

/* What the marker signs: "mugai-artefact-v1 ITEM-ID REPORT-HEX
 * ARTEFACT-HEX" (also for files, report_file.h). */
void mg_report_marker_text(const mg_report_ref *r, char *out, size_t size);

/* Whether msg carries mugai's marker signed by pk over the artefact it
 * still carries: 0 (ref filled), or -1 with *why (static). */
int mg_report_marker_verify(const unsigned char *msg, size_t len, const unsigned char pk[32],
                            mg_report_ref *ref, const char **why);

#endif
