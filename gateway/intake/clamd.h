/*
 * clamd.h - malware scan of an original through clamd's INSTREAM command.
 *
 * The bytes are streamed in chunks over clamd's unix socket (clamd.socket)
 * and the verdict read back: "stream: OK" is clean, "stream: NAME FOUND"
 * is malware.  Everything else (no socket, a timeout, an unknown reply)
 * is an error: the caller fails closed (a mail is temp-failed, a file is
 * retried later), it never treats "could not scan" as clean.  An item
 * larger than max_size, or larger than clamd's own StreamMaxLength, is
 * MG_CLAMD_TOO_LARGE: it cannot be scanned and must not pass.
 */
#ifndef MUGAI_CLAMD_H
#define MUGAI_CLAMD_H

#include <stddef.h>
#include <stdint.h>

typedef enum mg_clamd_result {
	MG_CLAMD_CLEAN = 0,
	MG_CLAMD_FOUND,
	MG_CLAMD_TOO_LARGE,
	MG_CLAMD_ERROR,
} mg_clamd_result;

typedef struct mg_clamd_opts {
	const char *socket;  /* path of clamd's LocalSocket */
	unsigned timeout;    /* seconds for the whole exchange */
	uint64_t max_size;   /* largest item sent; 0: no limit of ours */
} mg_clamd_opts;

/* Scans data.  With MG_CLAMD_FOUND, what (cap bytes) gets the signature
 * name; with MG_CLAMD_ERROR or TOO_LARGE, why. */
mg_clamd_result mg_clamd_scan(const mg_clamd_opts *o, const void *data, size_t len, char *what,
                              size_t cap);

/* Asks clamd "PING"; 0 when it answered PONG. */
int mg_clamd_ping(const mg_clamd_opts *o);

#endif
