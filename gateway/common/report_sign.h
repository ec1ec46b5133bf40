/*
 * report_sign.h - signed reports.
 *
 * What is signed: the report's canonical form, that is the report JSON
 * object without its "signature" member, serialised by jansson with keys
 * sorted (by their UTF-8 bytes, which is code point order), no
 * whitespace, text as UTF-8 with only '"', backslash and control
 * characters escaped (JSON_COMPACT | JSON_SORT_KEYS).  Any member may be
 * added or changed without touching this code, and a verifier needs only
 * a JSON parser and the same serialisation: Python's json.dumps(r,
 * sort_keys=True, separators=(",", ":"), ensure_ascii=False) gives the
 * same bytes for a report without control characters in its text.  The
 * signature member:
 *
 *   "signature": {"algorithm": "ed25519", "canonical": "json-sorted-compact-utf8",
 *                 "public_key": HEX, "value": HEX}
 *
 * public_key only names the key; a report is verified with the key the
 * verifier trusts, never with the one it carries.  The report's hash
 * (the X-Mugai-Report header quotes it) is the SHA-256 of the canonical
 * form, so the same bytes are hashed and signed.
 */
#ifndef MUGAI_REPORT_SIGN_H
#define MUGAI_REPORT_SIGN_H

#include <jansson.h>

#include "sign_key.h"

/* The canonical form of report (object), without "signature"; free(). */
char *mg_report_canonical(const json_t *report);
/* Lowercase hex SHA-256 of the canonical form into hex[65]; 0 or -1. */
int mg_report_hash(const json_t *report, char hex[65]);
/* Replaces report's "signature" with one made by k; 0 or -1. */
int mg_report_sign(json_t *report, const mg_sign_key *k);
/* 0 when report carries an Ed25519 signature by pk over its canonical
 * form; -1 with *why (a static string) otherwise. */
int mg_report_verify(const json_t *report, const unsigned char pk[32], const char **why);

#endif
