/*
 * proctitle.c - process titles over the argument area (see proctitle.h).
 *
 * The kernel reports argv from the memory the process started with; the
 * only portable way to change what `ps` shows is to write there.  The
 * strings of argv and of the environment lie end to end: the room is from
 * argv[0] to the end of the last contiguous string.  The environment is
 * copied away first (setenv and getenv then use the copy), and so is the
 * program name glibc keeps for error messages.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proctitle.h"

extern char **environ;

static char *area;
static size_t room;
/* kept for the life of the process, even once setenv replaced environ */
static char **moved_environ;

/* The end of the strings that follow one another from argv[0]. */
static char *contiguous_end(int argc, char **argv)
{
	char *end = argv[0] + strlen(argv[0]) + 1;

	for (int i = 1; i < argc; i++)
		if (argv[i] == end)
			end += strlen(argv[i]) + 1;
	for (size_t i = 0; environ && environ[i]; i++)
		if (environ[i] == end)
			end += strlen(environ[i]) + 1;
	return end;
}

/* The environment on the heap; 0, or -1 when memory ran out (the
 * environment is then left where it is and titles get only argv's room). */
static int move_environ(void)
{
	size_t n = 0;
	char **copy;

	while (environ && environ[n])
		n++;
	copy = calloc(n + 1, sizeof(*copy));
	if (!copy)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!(copy[i] = strdup(environ[i]))) {
			while (i--)
				free(copy[i]);
			free(copy);
			return -1;
		}
	environ = moved_environ = copy;
	return 0;
}

void mg_proctitle_init(int argc, char **argv)
{
	char *start, *end, *name;

	if (argc < 1 || !argv[0] || area)
		return;
	start = argv[0];
	end = contiguous_end(argc, argv);
	if (move_environ() < 0)
		return;
	/* argv stays readable for the caller: its strings move to the heap */
	for (int i = 0; i < argc; i++)
		if (argv[i] && !(argv[i] = strdup(argv[i])))
			return;
	name = strdup(program_invocation_name);
	if (name)
		program_invocation_name = name;
	area = start;
	room = (size_t)(end - start);
}

void mg_proctitle_set(const char *fmt, ...)
{
	va_list ap;

	if (!area || room < 2)
		return;
	/* all NUL after the title: /proc/PID/cmdline then ends at the title */
	memset(area, 0, room);
	va_start(ap, fmt);
	vsnprintf(area, room - 1, fmt, ap);
	va_end(ap);
}
