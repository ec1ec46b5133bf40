/*
 * pdf_image_invariant.h - what a lossless page image made by pdf_image.c
 * must be: its Flate data inflates to whole rows of the image's size, and
 * each pixel of the rendering, rounded to the nearest of 2^bits levels,
 * is in it, as a grey sample, three RGB samples or a palette entry (which
 * holds the 8-bit sample its level stands for).  Shared by the fuzz
 * harness and the unit tests; returns NULL when the image holds, else
 * what is wrong.
 */
#ifndef MUGAI_PDF_IMAGE_INVARIANT_H
#define MUGAI_PDF_IMAGE_INVARIANT_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <zlib.h>

#include "pdf_writer.h"

/* The sample number i of row y in a packed image of bits per sample. */
static inline unsigned pdf_image_sample(const unsigned char *d, size_t row, unsigned bits, unsigned y,
                                        size_t i)
{
	size_t bit = i * bits;

	return (unsigned)(d[(size_t)y * row + bit / 8] >> (8 - bits - bit % 8)) & ((1u << bits) - 1);
}

/* The rendering px (RGB24, stride bytes a row) against img, made at bits
 * per sample. */
static inline const char *pdf_image_invariant(const mg_pdfw_image *img, const unsigned char *px,
                                              size_t stride, unsigned bits)
{
	static char why[160];
	unsigned channels = img->colour == MG_PDFW_RGB ? 3 : 1, top = (1u << bits) - 1;
	size_t row = ((size_t)img->width * channels * img->bits + 7) / 8;
	uLongf n = (uLongf)(row * img->height);
	unsigned char *raw = malloc(n ? n : 1);

	if (!raw || uncompress(raw, &n, img->data, (uLong)img->len) != Z_OK || n != row * img->height) {
		free(raw);
		return "the image does not inflate to its rows";
	}
	for (unsigned y = 0; y < img->height; y++)
		for (unsigned x = 0; x < img->width; x++) {
			uint32_t p = ((const uint32_t *)(const void *)(px + (size_t)y * stride))[x];

			for (unsigned c = 0; c < 3; c++) {
				unsigned want = (((p >> (16 - 8 * c)) & 255) * top + 127) / 255, got;

				if (img->colour == MG_PDFW_INDEXED)
					got = img->palette[pdf_image_sample(raw, row, 8, y, x) * 3 + c] / (255 / top);
				else if (img->colour == MG_PDFW_GRAY)
					got = pdf_image_sample(raw, row, bits, y, x);
				else
					got = pdf_image_sample(raw, row, bits, y, (size_t)x * 3 + c);
				if (got != want) {
					snprintf(why, sizeof(why), "pixel %u,%u sample %u: level %u, not %u", x, y, c,
					         got, want);
					free(raw);
					return why;
				}
			}
		}
	free(raw);
	return NULL;
}

#endif
