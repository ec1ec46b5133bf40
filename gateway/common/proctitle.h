/*
 * proctitle.h - what `ps` shows for each of mugaid's processes.
 *
 *   mugaid: master
 *   mugaid: smtpd[0]            one per smtpd slot
 *   mugaid: dropd, mugaid: admind
 *   mugaid: zygote (smtpd[0])   the worker of that service
 *   mugaid: job ITEM-ID         the process parsing that item
 *   mugaid: job (spare)         the next item's, waiting for it
 *
 * The title is written over the process's own argument area (where
 * /proc/PID/cmdline and `ps -o args` read it), as Postfix and PostgreSQL
 * do; the environment that follows it is moved to the heap first so that
 * the title may use its room too.  The short kernel name (comm, what
 * `pgrep -x` matches) is left as each process sets it.
 */
#ifndef MUGAI_PROCTITLE_H
#define MUGAI_PROCTITLE_H

/* Claims argv's area for titles; call once, first thing in main().
 * Without it (the mugai command, the tests) mg_proctitle_set does nothing. */
void mg_proctitle_init(int argc, char **argv);

/* Sets the title, cut to the room there is. */
void mg_proctitle_set(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
