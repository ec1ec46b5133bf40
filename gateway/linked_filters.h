/* linked_filters.h - every filter of the core, linked into the services. */
#ifndef MUGAI_LINKED_FILTERS_H
#define MUGAI_LINKED_FILTERS_H

#include <stddef.h>

/* The filters this build has, NULL-terminated. */
extern const void *const mg_linked_filters[];
/* How many (logged at start-up: a service without filters blocks all). */
size_t mg_linked_filter_count(void);

#endif
