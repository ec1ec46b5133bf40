/*
 * office_convert.h - LibreOffice headless, inside bubblewrap, turns one
 * legacy Office, RTF or StarOffice document into a PDF for the core to
 * flatten (policy pdf).
 *
 * Run by the service (for its worker's job processes, which may not start
 * programs) or by the `mugai` command itself, never inside the seccomp
 * sandbox.  The confinement is bubblewrap's: every namespace unshared (so
 * no network at all), the system read-only, a private tmpfs home and
 * /tmp, only the input file and an output directory bound in, killed with
 * its parent, in a new session, and rlimits (address space, CPU, file
 * size, processes); LibreOffice runs with a fresh profile in that home
 * that sets its macro security to the highest level and disables macros.
 * At the deadline the whole sandbox is killed.
 */
#ifndef MUGAI_OFFICE_CONVERT_H
#define MUGAI_OFFICE_CONVERT_H

#include "mugai.h"

/* mg_convert_fn's shape, user unused: MG_CONVERT_UNAVAILABLE when
 * LibreOffice or bubblewrap is missing or the sandbox cannot be made,
 * MG_CONVERT_TIMEOUT when it was killed after seconds, MG_CONVERT_FAILED
 * when LibreOffice ended without a PDF.  The programs are soffice and
 * bwrap on PATH, or MUGAI_SOFFICE and MUGAI_BWRAP from the environment. */
mg_convert_status mg_office_convert(void *user, const unsigned char *data, size_t len,
                                    const char *ext, double seconds, uint64_t max_out,
                                    unsigned char **pdf, size_t *pdf_len, char *why,
                                    size_t why_len);

#endif
