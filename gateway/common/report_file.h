/*
 * report_file.h - mugai's signed marker in a sanitised file: the
 * counterpart of X-Mugai-Report (report_mail.h) for what the drop folder
 * writes.  The artefact's bytes are the core's (reproducible, their
 * SHA-256 in the report); the marker is added after them where the format
 * lets a reader ignore it, and taken off exactly:
 *
 *   zip (OOXML, ODF, rebuilt archives): the archive comment, which the
 *       core always leaves empty (the end record's comment length set,
 *       the marker after it);
 *   PDF: a comment line after the final %%EOF.
 *
 * The marker is one line of text:
 *
 *   mugai-marker-v1 ITEM-ID REPORT-HEX ARTEFACT-HEX SIG-HEX
 *
 * SIG an Ed25519 signature by report.signing_key over the same text as a
 * mail's marker (mg_report_marker_text).  Other families (text, images)
 * carry no marker: it would show, or change what a viewer decodes.
 */
#ifndef MUGAI_REPORT_FILE_H
#define MUGAI_REPORT_FILE_H

#include <stddef.h>

#include "buf.h"
#include "report_mail.h"
#include "sign_key.h"

/* The artefact with the marker for ref (ref->part unused) into out: 1
 * marked, 0 a family without a marker (out holds the artefact as it is),
 * -1 out of memory. */
int mg_report_file_mark(const unsigned char *art, size_t len, const mg_report_ref *ref,
                        const mg_sign_key *k, mg_buf *out);

/* The marker of a file: 0 with ref filled and *art_len the length of the
 * artefact before it (the zip's comment length is the one byte pair that
 * differs: mg_report_file_unmark gives the artefact back), -1 none. */
int mg_report_file_find(const unsigned char *d, size_t len, mg_report_ref *ref);
/* The artefact a marked file carries (malloc()ed), NULL when unmarked. */
unsigned char *mg_report_file_unmark(const unsigned char *d, size_t len, size_t *out_len);

/* Whether d carries a marker signed by pk over the artefact it still
 * carries: 0 (ref filled), or -1 with *why (static). */
int mg_report_file_verify(const unsigned char *d, size_t len, const unsigned char pk[32],
                          mg_report_ref *ref, const char **why);

#endif
