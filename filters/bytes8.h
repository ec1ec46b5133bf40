/*
 * bytes8.h - eight bytes of text looked at in one 64-bit word, for the
 * loops that would otherwise test each byte (the word tests of "Bit
 * Twiddling Hacks"): the high bit of each byte carries the answer.
 */
#ifndef MUGAI_BYTES8_H
#define MUGAI_BYTES8_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define MG_ONES8 0x0101010101010101ull  /* 1 in each byte */
#define MG_HIGHS8 0x8080808080808080ull /* the high bit of each byte */

/* The eight bytes at p, in any alignment. */
static inline uint64_t mg_bytes8(const void *p)
{
	uint64_t w;

	memcpy(&w, p, sizeof(w));
	return w;
}

/* Whether a byte of w is 0x80 or above. */
static inline bool mg_any_high8(uint64_t w)
{
	return (w & MG_HIGHS8) != 0;
}

/* Whether a byte of w is below n (n at most 0x80): the lowest such byte
 * borrows into its own high bit, which it did not have. */
static inline bool mg_any_below8(uint64_t w, unsigned n)
{
	return ((w - n * MG_ONES8) & ~w & MG_HIGHS8) != 0;
}

/* How many bytes of w are 0x80 or above: their high bits, moved to the
 * low bit of each byte, summed into the top byte by one multiply. */
static inline unsigned mg_count_high8(uint64_t w)
{
	return (unsigned)((((w & MG_HIGHS8) >> 7) * MG_ONES8) >> 56);
}

#endif
