/* check_image.c - the image family: decode, limits, re-encode, metadata and trailing data gone. */
#include <check.h>
#include <gif_lib.h>
#include <jansson.h>
#include <jpeglib.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <webp/encode.h>

#include "internal.h"
#include "testutil.h"

extern const mg_filter mg_filter_image;

/* ---- helpers: fixtures made at run time, outputs decoded back ---- */

typedef struct img {
	unsigned w, h;
	unsigned char *rgba; /* 4 bytes per pixel */
} img;

static mg_status run_bytes(const void *d, size_t len, const char *name, mg_result *res)
{
	return tu_sanitize(d, len, name, MG_MODE_DEFAULT, res);
}

static mg_status run_policy(const char *key, const char *value, const void *d, size_t len,
                            mg_result *res)
{
	mg_policy *p = mg_policy_new();
	char *err = NULL;
	mg_status st;

	ck_assert_msg(mg_policy_set(p, key, value, &err) == 0, "%s", err);
	st = tu_sanitize_policy(p, d, len, "policy-test", MG_MODE_DEFAULT, res);
	mg_policy_free(p);
	return st;
}

static img png_decode_test(const unsigned char *d, size_t len)
{
	png_image pi;
	img out;

	memset(&pi, 0, sizeof(pi));
	pi.version = PNG_IMAGE_VERSION;
	ck_assert_msg(png_image_begin_read_from_memory(&pi, d, len), "output is not a PNG");
	pi.format = PNG_FORMAT_RGBA;
	out.w = pi.width;
	out.h = pi.height;
	out.rgba = malloc(PNG_IMAGE_SIZE(pi));
	ck_assert(png_image_finish_read(&pi, NULL, out.rgba, 0, NULL));
	return out;
}

/* A JPEG's dimensions and component count, through libjpeg. */
static void jpeg_info_test(const unsigned char *d, size_t len, unsigned *w, unsigned *h,
                           int *comps)
{
	struct jpeg_decompress_struct c;
	struct jpeg_error_mgr e;

	c.err = jpeg_std_error(&e);
	jpeg_create_decompress(&c);
	jpeg_mem_src(&c, d, (unsigned long)len);
	ck_assert_int_eq(jpeg_read_header(&c, TRUE), JPEG_HEADER_OK);
	jpeg_start_decompress(&c);
	*w = c.output_width;
	*h = c.output_height;
	*comps = c.output_components;
	jpeg_abort_decompress(&c);
	jpeg_destroy_decompress(&c);
}

struct membuf {
	unsigned char *d;
	size_t len, cap;
};

static void mem_put(struct membuf *m, const void *p, size_t n)
{
	if (m->len + n > m->cap) {
		m->cap = (m->len + n) * 2 + 64;
		m->d = realloc(m->d, m->cap);
		ck_assert_ptr_nonnull(m->d);
	}
	memcpy(m->d + m->len, p, n);
	m->len += n;
}

static void png_mem_write(png_structp png, png_bytep data, size_t n)
{
	mem_put(png_get_io_ptr(png), data, n);
}

static void png_mem_flush(png_structp png)
{
}

/* An RGBA PNG with tEXt, zTXt and iTXt chunks; pixel (x,y) = (x*16, y*16, 77, 255). */
static struct membuf make_png_with_text(unsigned w, unsigned h)
{
	struct membuf m = { 0 };
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	png_infop info = png_create_info_struct(png);
	png_text text[3];
	unsigned char *row = malloc(w * 4);

	memset(text, 0, sizeof(text));
	text[0].compression = PNG_TEXT_COMPRESSION_NONE;
	text[0].key = (char *)(uintptr_t)"Comment";
	text[0].text = (char *)(uintptr_t)"secret-comment-text";
	text[1].compression = PNG_TEXT_COMPRESSION_zTXt;
	text[1].key = (char *)(uintptr_t)"Author";
	text[1].text = (char *)(uintptr_t)"compressed-author-name";
	text[2].compression = PNG_ITXT_COMPRESSION_NONE;
	text[2].key = (char *)(uintptr_t)"XML:com.adobe.xmp";
	text[2].text = (char *)(uintptr_t)"<x:xmpmeta>gps-location</x:xmpmeta>";
	png_set_write_fn(png, &m, png_mem_write, png_mem_flush);
	png_set_IHDR(png, info, w, h, 8, PNG_COLOR_TYPE_RGB_ALPHA, PNG_INTERLACE_NONE,
	             PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_set_text(png, info, text, 3);
	png_write_info(png, info);
	for (unsigned y = 0; y < h; y++) {
		for (unsigned x = 0; x < w; x++) {
			unsigned char *p = row + x * 4;

			p[0] = (unsigned char)(x * 16);
			p[1] = (unsigned char)(y * 16);
			p[2] = 77;
			p[3] = 255;
		}
		png_write_row(png, row);
	}
	png_write_end(png, NULL);
	png_destroy_write_struct(&png, &info);
	free(row);
	return m;
}

static void jpeg_mem_term(j_compress_ptr c)
{
}

/* A gray-gradient RGB JPEG of w x h, with an optional APP1 Exif segment
 * carrying an orientation and a GPS pointer. */
static struct membuf make_jpeg(unsigned w, unsigned h, unsigned orientation, int quality)
{
	struct jpeg_compress_struct c;
	struct jpeg_error_mgr e;
	unsigned char *out = NULL;
	unsigned long outlen = 0;
	unsigned char *row = malloc(w * 3);
	struct membuf m = { 0 };
	/* little-endian TIFF: IFD0 with Orientation (SHORT) and GPS IFD pointer */
	unsigned char exif[] = "Exif\0\0II*\0\x08\0\0\0\x02\0"
	                       "\x12\x01\x03\0\x01\0\0\0\x01\0\0\0"
	                       "\x25\x88\x04\0\x01\0\0\0\x26\0\0\0"
	                       "\0\0\0\0" "\0\0";

	(void)jpeg_mem_term;
	c.err = jpeg_std_error(&e);
	jpeg_create_compress(&c);
	jpeg_mem_dest(&c, &out, &outlen);
	c.image_width = w;
	c.image_height = h;
	c.input_components = 3;
	c.in_color_space = JCS_RGB;
	jpeg_set_defaults(&c);
	jpeg_set_quality(&c, quality, TRUE);
	jpeg_start_compress(&c, TRUE);
	if (orientation) {
		exif[6 + 8 + 2 + 8] = (unsigned char)orientation;
		jpeg_write_marker(&c, JPEG_APP0 + 1, exif, sizeof(exif) - 1);
	}
	jpeg_write_marker(&c, JPEG_COM, (const JOCTET *)"private comment", 15);
	while (c.next_scanline < h) {
		for (unsigned x = 0; x < w; x++) {
			row[x * 3] = (unsigned char)(x * 255 / (w > 1 ? w - 1 : 1));
			row[x * 3 + 1] = (unsigned char)(c.next_scanline * 255 / (h > 1 ? h - 1 : 1));
			row[x * 3 + 2] = 128;
		}
		jpeg_write_scanlines(&c, &row, 1);
	}
	jpeg_finish_compress(&c);
	jpeg_destroy_compress(&c);
	mem_put(&m, out, outlen);
	free(out);
	free(row);
	return m;
}

static int gif_mem_write(GifFileType *gif, const GifByteType *d, int n)
{
	mem_put(gif->UserData, d, (size_t)n);
	return n;
}

/* A w x h GIF of `frames` frames, frame f filled with palette colour f + 1;
 * palette index 0 is transparent in the first frame's top-left pixel. */
static struct membuf make_gif(int w, int h, int frames)
{
	static const GifColorType colours[4] = {
		{ 0, 0, 0 }, { 200, 10, 20 }, { 10, 200, 20 }, { 10, 20, 200 },
	};
	struct membuf m = { 0 };
	int err = 0;
	GifFileType *gif = EGifOpen(&m, gif_mem_write, &err);
	ColorMapObject *map = GifMakeMapObject(4, colours);
	GifByteType *line = malloc((size_t)w);

	ck_assert_ptr_nonnull(gif);
	EGifSetGifVersion(gif, true);
	ck_assert_int_eq(EGifPutScreenDesc(gif, w, h, 2, 0, map), GIF_OK);
	for (int f = 0; f < frames; f++) {
		GraphicsControlBlock gcb = { 0, false, 10, f == 0 ? 0 : NO_TRANSPARENT_COLOR };
		GifByteType ext[4];
		size_t n = EGifGCBToExtension(&gcb, ext);

		ck_assert_int_eq(EGifPutExtension(gif, GRAPHICS_EXT_FUNC_CODE, (int)n, ext), GIF_OK);
		ck_assert_int_eq(EGifPutImageDesc(gif, 0, 0, w, h, false, NULL), GIF_OK);
		for (int y = 0; y < h; y++) {
			memset(line, f + 1, (size_t)w);
			if (f == 0 && y == 0)
				line[0] = 0;
			ck_assert_int_eq(EGifPutLine(gif, line, w), GIF_OK);
		}
	}
	EGifPutComment(gif, "gif comment text");
	ck_assert_int_eq(EGifCloseFile(gif, &err), GIF_OK);
	GifFreeMapObject(map);
	free(line);
	return m;
}

static void put_le(unsigned char *p, uint32_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* A bottom-up 24-bit BMP of 3 x 2: row 0 (top) red green blue, row 1 white black gray. */
static struct membuf make_bmp24(void)
{
	static const unsigned char top[9] = { 0, 0, 255, 0, 255, 0, 255, 0, 0 };      /* BGR */
	static const unsigned char bottom[9] = { 255, 255, 255, 0, 0, 0, 128, 128, 128 };
	unsigned char hdr[54] = { 'B', 'M' };
	struct membuf m = { 0 };
	unsigned char pad[3] = { 0, 0, 0 };

	put_le(hdr + 2, 54 + 24, 4);
	put_le(hdr + 10, 54, 4);
	put_le(hdr + 14, 40, 4);
	put_le(hdr + 18, 3, 4);
	put_le(hdr + 22, 2, 4);
	put_le(hdr + 26, 1, 2);
	put_le(hdr + 28, 24, 2);
	mem_put(&m, hdr, sizeof(hdr));
	mem_put(&m, bottom, 9); /* stored bottom row first, rows padded to 12 bytes */
	mem_put(&m, pad, 3);
	mem_put(&m, top, 9);
	mem_put(&m, pad, 3);
	return m;
}

static uint32_t crc32_bytes(const unsigned char *p, size_t n)
{
	uint32_t c = 0xffffffffu;

	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
	}
	return c ^ 0xffffffffu;
}

static void put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* ---- tests ---- */

START_TEST(filter_is_registered)
{
	ck_assert_ptr_eq(mg_filter_for(MG_FAM_IMAGE), &mg_filter_image);
}
END_TEST

START_TEST(jpeg_exif_gps_removed)
{
	mg_result res;
	unsigned w, h;
	int comps;

	ck_assert_int_eq(tu_sanitize_corpus("image/exif_gps_DSCN0010.jpg", MG_MODE_DEFAULT, &res), MG_OK);
	ck_assert_str_eq(res.out_type, "image/jpeg");
	ck_assert_str_eq(res.out_ext, "jpg");
	ck_assert(res.out_len > 2 && res.out[0] == 0xff && res.out[1] == 0xd8);
	ck_assert(!tu_contains(res.out, res.out_len, "Exif"));
	ck_assert(!tu_contains(res.out, res.out_len, "http://ns.adobe.com"));
	ck_assert(!tu_contains(res.out, res.out_len, "NIKON"));
	jpeg_info_test(res.out, res.out_len, &w, &h, &comps);
	ck_assert_uint_eq(w, 640);
	ck_assert_uint_eq(h, 480);
	ck_assert_int_eq(comps, 3);
	ck_assert(tu_report_has(&res, "removed", "GPS location"));
	ck_assert(tu_report_has(&res, "removed", "XMP"));
	mg_result_free(&res);
}
END_TEST

START_TEST(jpeg_named_png_is_reencoded_as_jpeg)
{
	mg_result res;
	unsigned w, h;
	int comps;

	ck_assert_int_eq(tu_sanitize_corpus("image/gmime_raptors.png", MG_MODE_DEFAULT, &res), MG_OK);
	ck_assert_str_eq(res.out_type, "image/jpeg");
	ck_assert_str_eq(res.out_ext, "jpg");
	jpeg_info_test(res.out, res.out_len, &w, &h, &comps);
	ck_assert_uint_eq(w, 1518);
	ck_assert_uint_eq(h, 1194);
	ck_assert(!tu_contains(res.out, res.out_len, "Photoshop 3.0"));
	ck_assert(!tu_contains(res.out, res.out_len, "Exif"));
	/* the two bytes after EOI in the input are gone: the output ends at EOI */
	ck_assert(res.out[res.out_len - 2] == 0xff && res.out[res.out_len - 1] == 0xd9);
	ck_assert(tu_report_has(&res, "removed", "2 bytes after the end"));
	mg_result_free(&res);
}
END_TEST

START_TEST(corpus_images_all_sanitised_without_metadata)
{
	static const char *const files[] = {
		"image/exif_Arbitro.tiff", "image/exif_Canon_40D.jpg",
		"image/exif_Canon_40D_photoshop_import.jpg", "image/exif_gps_DSCN0010.jpg",
		"image/gmime_photo.jpg", "image/gmime_raptors.png",
	};
	static const char *const markers[] = { "Exif", "http://ns.adobe.com", "ICC_PROFILE",
		                               "Photoshop 3.0", "8BIM", "xmpmeta" };

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		mg_result res;

		ck_assert_msg(tu_sanitize_corpus(files[i], MG_MODE_DEFAULT, &res) == MG_OK, "%s: %s",
		              files[i], res.reason);
		ck_assert_int_eq(res.verdict, MG_VERDICT_SANITISED);
		for (size_t k = 0; k < sizeof(markers) / sizeof(markers[0]); k++)
			ck_assert_msg(!tu_contains(res.out, res.out_len, markers[k]), "%s keeps %s",
			              files[i], markers[k]);
		ck_assert_msg(tu_report_has(&res, "removed", "metadata"), "%s: nothing reported", files[i]);
		mg_result_free(&res);
	}
}
END_TEST

START_TEST(tiff_becomes_png)
{
	mg_result res;
	img out;

	ck_assert_int_eq(tu_sanitize_corpus("image/exif_Arbitro.tiff", MG_MODE_DEFAULT, &res), MG_OK);
	ck_assert_str_eq(res.out_type, "image/png");
	out = png_decode_test(res.out, res.out_len);
	ck_assert_uint_eq(out.w, 174);
	ck_assert_uint_eq(out.h, 38);
	ck_assert(tu_report_has(&res, "removed", "TIFF XMP metadata"));
	ck_assert(!tu_contains(res.out, res.out_len, "xpacket"));
	free(out.rgba);
	mg_result_free(&res);
}
END_TEST

START_TEST(png_text_chunks_and_trailing_bytes_removed)
{
	struct membuf m = make_png_with_text(16, 8);
	mg_result res;
	img out;

	mem_put(&m, "TRAILING-PAYLOAD<script>", 24);
	ck_assert(tu_contains(m.d, m.len, "secret-comment-text"));
	ck_assert_int_eq(run_bytes(m.d, m.len, "a.png", &res), MG_OK);
	ck_assert_str_eq(res.out_type, "image/png");
	ck_assert(!tu_contains(res.out, res.out_len, "tEXt"));
	ck_assert(!tu_contains(res.out, res.out_len, "zTXt"));
	ck_assert(!tu_contains(res.out, res.out_len, "iTXt"));
	ck_assert(!tu_contains(res.out, res.out_len, "secret-comment"));
	ck_assert(!tu_contains(res.out, res.out_len, "TRAILING"));
	/* the file ends with the IEND chunk */
	ck_assert(res.out_len > 12);
	ck_assert(memcmp(res.out + res.out_len - 12, "\0\0\0\0IEND\xae\x42\x60\x82", 12) == 0);
	out = png_decode_test(res.out, res.out_len);
	ck_assert_uint_eq(out.w, 16);
	ck_assert_uint_eq(out.h, 8);
	for (unsigned y = 0; y < 8; y++)
		for (unsigned x = 0; x < 16; x++) {
			const unsigned char *p = out.rgba + (y * 16 + x) * 4;

			ck_assert_uint_eq(p[0], x * 16);
			ck_assert_uint_eq(p[1], y * 16);
			ck_assert_uint_eq(p[2], 77);
			ck_assert_uint_eq(p[3], 255);
		}
	ck_assert(tu_report_has(&res, "removed", "tEXt 'Comment'"));
	ck_assert(tu_report_has(&res, "removed", "zTXt 'Author'"));
	ck_assert(tu_report_has(&res, "removed", "iTXt 'XML:com.adobe.xmp'"));
	ck_assert(tu_report_has(&res, "removed", "24 bytes after the end of the PNG"));
	free(out.rgba);
	free(m.d);
	mg_result_free(&res);
}
END_TEST

START_TEST(truncated_png_is_blocked)
{
	struct membuf m = make_png_with_text(64, 64);
	mg_result res;
	/* cut inside the pixel data, then just before IEND */
	size_t cuts[2] = { m.len / 2, m.len - 12 };

	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(run_bytes(m.d, cuts[i], "t.png", &res), MG_E_MALFORMED);
		ck_assert_int_eq(res.verdict, MG_VERDICT_BLOCKED);
		ck_assert_ptr_null(res.out);
		ck_assert_ptr_nonnull(strstr(res.reason, "PNG"));
		mg_result_free(&res);
	}
	free(m.d);
}
END_TEST

/* A PNG header declaring w x h, with valid CRCs and a token IDAT. */
static struct membuf make_png_header(uint32_t w, uint32_t h)
{
	struct membuf m = { 0 };
	unsigned char ihdr[25] = { 0, 0, 0, 13, 'I', 'H', 'D', 'R' };
	unsigned char idat[] = { 0, 0, 0, 0, 'I', 'D', 'A', 'T', 0, 0, 0, 0 };

	put_be32(ihdr + 8, w);
	put_be32(ihdr + 12, h);
	ihdr[16] = 8;  /* bit depth */
	ihdr[17] = 6;  /* RGBA */
	put_be32(ihdr + 21, crc32_bytes(ihdr + 4, 17));
	put_be32(idat + 8, crc32_bytes(idat + 4, 4));
	mem_put(&m, "\x89PNG\r\n\x1a\n", 8);
	mem_put(&m, ihdr, sizeof(ihdr));
	mem_put(&m, idat, sizeof(idat));
	return m;
}

START_TEST(pixel_bombs_blocked_from_the_header)
{
	struct membuf png = make_png_header(100000, 100000);
	struct membuf gif = { 0 }, bmp = make_bmp24(), jpg = make_jpeg(8, 8, 0, 90);
	unsigned char gifhdr[] = "GIF89a\xff\xff\xff\xff\x80\0\0\0\0\0\xff\xff\xff";
	unsigned char webp[] = "RIFF\x16\0\0\0WEBPVP8X\x0a\0\0\0\0\0\0\0\xfe\x3f\0\xfe\x3f\0";
	mg_result res;

	mem_put(&gif, gifhdr, sizeof(gifhdr) - 1);
	put_le(bmp.d + 18, 100000, 4);
	put_le(bmp.d + 22, 100000, 4);
	/* the JPEG's SOF0 holds height then width, big-endian, 5 bytes in */
	for (size_t i = 0; i + 9 < jpg.len; i++)
		if (jpg.d[i] == 0xff && jpg.d[i + 1] == 0xc0) {
			jpg.d[i + 5] = 0xfd; jpg.d[i + 6] = 0xe8; /* 65000 */
			jpg.d[i + 7] = 0xfd; jpg.d[i + 8] = 0xe8;
			break;
		}
	const struct { struct membuf *m; const char *name; } cases[] = {
		{ &png, "bomb.png" }, { &gif, "bomb.gif" }, { &bmp, "bomb.bmp" }, { &jpg, "bomb.jpg" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_msg(run_bytes(cases[i].m->d, cases[i].m->len, cases[i].name, &res) ==
		              MG_E_LIMIT_PIXELS, "%s: %s", cases[i].name, res.reason);
		ck_assert_ptr_null(res.out);
		mg_result_free(&res);
	}
	/* 16383 x 16383 WebP: within max_dimension, over max_pixels */
	ck_assert_int_eq(run_bytes(webp, sizeof(webp) - 1, "bomb.webp", &res), MG_E_LIMIT_PIXELS);
	ck_assert_ptr_nonnull(strstr(res.reason, "max_pixels"));
	mg_result_free(&res);
	free(png.d);
	free(gif.d);
	free(bmp.d);
	free(jpg.d);
}
END_TEST

START_TEST(policy_limits_apply)
{
	struct membuf m = make_png_with_text(200, 10);
	mg_result res;

	ck_assert_int_eq(run_policy("max_dimension", "100", m.d, m.len, &res), MG_E_LIMIT_PIXELS);
	ck_assert_ptr_nonnull(strstr(res.reason, "max_dimension 100"));
	mg_result_free(&res);
	ck_assert_int_eq(run_policy("max_pixels", "1999", m.d, m.len, &res), MG_E_LIMIT_PIXELS);
	mg_result_free(&res);
	ck_assert_int_eq(run_policy("max_pixels", "2000", m.d, m.len, &res), MG_OK);
	mg_result_free(&res);
	free(m.d);
}
END_TEST

START_TEST(output_over_max_output_is_blocked)
{
	struct membuf m = make_jpeg(300, 300, 0, 95);
	mg_result res;

	ck_assert_int_eq(run_policy("max_output", "1K", m.d, m.len, &res), MG_E_LIMIT_SIZE);
	ck_assert_ptr_null(res.out);
	mg_result_free(&res);
	free(m.d);
}
END_TEST

START_TEST(jpeg_quality_follows_policy)
{
	struct membuf m = make_jpeg(256, 256, 0, 95);
	mg_result lo, hi;

	ck_assert_int_eq(run_policy("image_jpeg_quality", "20", m.d, m.len, &lo), MG_OK);
	ck_assert_int_eq(run_policy("image_jpeg_quality", "98", m.d, m.len, &hi), MG_OK);
	ck_assert_msg(lo.out_len < hi.out_len, "q20 %zu bytes, q98 %zu bytes", lo.out_len, hi.out_len);
	mg_result_free(&lo);
	mg_result_free(&hi);
	free(m.d);
}
END_TEST

START_TEST(jpeg_exif_orientation_applied)
{
	struct membuf m = make_jpeg(40, 20, 6, 90);
	mg_result res;
	unsigned w, h;
	int comps;

	ck_assert_int_eq(run_bytes(m.d, m.len, "o.jpg", &res), MG_OK);
	jpeg_info_test(res.out, res.out_len, &w, &h, &comps);
	/* orientation 6: stored landscape, shown rotated a quarter turn clockwise */
	ck_assert_uint_eq(w, 20);
	ck_assert_uint_eq(h, 40);
	ck_assert(!tu_contains(res.out, res.out_len, "Exif"));
	ck_assert(!tu_contains(res.out, res.out_len, "private comment"));
	ck_assert(tu_report_has(&res, "actions", "orientation 6"));
	ck_assert(tu_report_has(&res, "removed", "GPS location"));
	ck_assert(tu_report_has(&res, "removed", "JPEG comment"));
	mg_result_free(&res);
	free(m.d);
}
END_TEST

START_TEST(truncated_jpeg_is_blocked)
{
	struct membuf m = make_jpeg(128, 128, 0, 90);
	mg_result res;

	ck_assert_int_eq(run_bytes(m.d, m.len * 2 / 3, "cut.jpg", &res), MG_E_MALFORMED);
	ck_assert_ptr_null(res.out);
	ck_assert_ptr_nonnull(strstr(res.reason, "JPEG"));
	mg_result_free(&res);
	/* a header alone */
	ck_assert_int_eq(run_bytes(m.d, 200, "cut.jpg", &res), MG_E_MALFORMED);
	mg_result_free(&res);
	free(m.d);
}
END_TEST

START_TEST(jpeg_polyglot_tail_removed)
{
	struct membuf m = make_jpeg(32, 32, 0, 90);
	mg_result res;

	mem_put(&m, "PK\003\004hidden.exe", 14);
	ck_assert_int_eq(run_bytes(m.d, m.len, "p.jpg", &res), MG_OK);
	ck_assert(!tu_contains(res.out, res.out_len, "PK\003\004"));
	ck_assert(!tu_contains(res.out, res.out_len, "hidden.exe"));
	ck_assert(tu_report_has(&res, "removed", "14 bytes after the end of the JPEG"));
	mg_result_free(&res);
	free(m.d);
}
END_TEST

START_TEST(animated_gif_keeps_first_frame)
{
	struct membuf m = make_gif(6, 4, 3);
	mg_result res;
	img out;

	ck_assert_int_eq(run_bytes(m.d, m.len, "anim.gif", &res), MG_OK);
	ck_assert_str_eq(res.out_type, "image/png");
	ck_assert_str_eq(res.out_ext, "png");
	out = png_decode_test(res.out, res.out_len);
	ck_assert_uint_eq(out.w, 6);
	ck_assert_uint_eq(out.h, 4);
	/* frame 1 is colour 1 (200,10,20) with a transparent top-left pixel */
	ck_assert_uint_eq(out.rgba[3], 0);
	for (unsigned i = 1; i < 6 * 4; i++) {
		const unsigned char *p = out.rgba + i * 4;

		ck_assert(p[0] == 200 && p[1] == 10 && p[2] == 20 && p[3] == 255);
	}
	ck_assert(tu_report_has(&res, "removed", "only the first frame"));
	ck_assert(!tu_contains(res.out, res.out_len, "NETSCAPE"));
	free(out.rgba);
	mg_result_free(&res);
	free(m.d);
}
END_TEST

START_TEST(gif_comment_removed_and_truncation_blocked)
{
	struct membuf m = make_gif(5, 5, 1);
	mg_result res;

	ck_assert_int_eq(run_bytes(m.d, m.len, "c.gif", &res), MG_OK);
	ck_assert(!tu_contains(res.out, res.out_len, "gif comment"));
	ck_assert(tu_report_has(&res, "removed", "GIF comment"));
	mg_result_free(&res);
	ck_assert_int_eq(run_bytes(m.d, 30, "c.gif", &res), MG_E_MALFORMED);
	mg_result_free(&res);
	free(m.d);
}
END_TEST

START_TEST(bmp_pixels_exact)
{
	static const unsigned char want[6][3] = {
		{ 255, 0, 0 }, { 0, 255, 0 }, { 0, 0, 255 },
		{ 255, 255, 255 }, { 0, 0, 0 }, { 128, 128, 128 },
	};
	struct membuf m = make_bmp24();
	mg_result res;
	img out;

	mem_put(&m, "appended", 8);
	ck_assert_int_eq(run_bytes(m.d, m.len, "a.bmp", &res), MG_OK);
	ck_assert_str_eq(res.out_type, "image/png");
	out = png_decode_test(res.out, res.out_len);
	ck_assert_uint_eq(out.w, 3);
	ck_assert_uint_eq(out.h, 2);
	for (int i = 0; i < 6; i++)
		ck_assert_msg(memcmp(out.rgba + i * 4, want[i], 3) == 0 && out.rgba[i * 4 + 3] == 255,
		              "pixel %d", i);
	ck_assert(tu_report_has(&res, "removed", "8 bytes after the end of the BMP"));
	free(out.rgba);
	mg_result_free(&res);
	free(m.d);
}
END_TEST

START_TEST(bmp_unsupported_or_truncated_blocked)
{
	struct membuf m = make_bmp24();
	mg_result res;

	ck_assert_int_eq(run_bytes(m.d, m.len - 5, "t.bmp", &res), MG_E_MALFORMED);
	ck_assert_ptr_nonnull(strstr(res.reason, "truncated"));
	mg_result_free(&res);
	put_le(m.d + 30, 1, 4); /* BI_RLE8 */
	ck_assert_int_eq(run_bytes(m.d, m.len, "r.bmp", &res), MG_E_TYPE_BLOCKED);
	mg_result_free(&res);
	put_le(m.d + 30, 0, 4);
	put_le(m.d + 28, 7, 2); /* 7 bits per pixel */
	ck_assert_int_eq(run_bytes(m.d, m.len, "b.bmp", &res), MG_E_MALFORMED);
	mg_result_free(&res);
	free(m.d);
}
END_TEST

START_TEST(webp_lossless_round_trip)
{
	unsigned char rgba[8 * 4 * 4];
	uint8_t *webp = NULL;
	size_t len;
	mg_result res;
	img out;

	for (int i = 0; i < 32; i++) {
		rgba[i * 4] = (unsigned char)(i * 7);
		rgba[i * 4 + 1] = 50;
		rgba[i * 4 + 2] = (unsigned char)(255 - i);
		rgba[i * 4 + 3] = i == 0 ? 0 : 255;
	}
	len = WebPEncodeLosslessRGBA(rgba, 8, 4, 8 * 4, &webp);
	ck_assert(len > 0);
	ck_assert_int_eq(run_bytes(webp, len, "w.webp", &res), MG_OK);
	ck_assert_str_eq(res.out_type, "image/png");
	out = png_decode_test(res.out, res.out_len);
	ck_assert_uint_eq(out.w, 8);
	ck_assert_uint_eq(out.h, 4);
	ck_assert_uint_eq(out.rgba[3], 0);
	ck_assert(memcmp(out.rgba + 4, rgba + 4, 31 * 4) == 0);
	free(out.rgba);
	mg_result_free(&res);
	ck_assert_int_eq(run_bytes(webp, len - 6, "w.webp", &res), MG_E_MALFORMED);
	mg_result_free(&res);
	WebPFree(webp);
}
END_TEST

START_TEST(animated_webp_refused_with_reason)
{
	unsigned char anim[] = "RIFF\x16\0\0\0WEBPVP8X\x0a\0\0\0\x02\0\0\0\x0f\0\0\x0f\0\0";
	mg_result res;

	ck_assert_int_eq(run_bytes(anim, sizeof(anim) - 1, "a.webp", &res), MG_E_TYPE_BLOCKED);
	ck_assert_ptr_nonnull(strstr(res.reason, "animated WebP"));
	mg_result_free(&res);
}
END_TEST

#define LIT(s) { s, sizeof(s) - 1 }

START_TEST(garbage_after_signature_is_malformed)
{
	static const struct { const char *d; size_t n; } inputs[] = {
		LIT("\x89PNG\r\n\x1a\n garbage garbage garbage"),
		LIT("GIF89a\x02\0\x02\0\x80\0\0 garbage garbage garbage"),
		LIT("\xff\xd8\xff\xe0 garbage garbage garbage"),
		LIT("II*\0garbage garbage garbage garbage"),
		LIT("BM\x36\0\0\0\0\0\0\0\x36\0\0\0 garbage \x01\x02 garbage"),
		LIT("RIFF\x10\0\0\0WEBPVP8 garbage garbage"),
	};

	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		mg_result res;
		mg_status st = run_bytes(inputs[i].d, inputs[i].n, "garbage", &res);

		/* libmagic may not call some of these images at all: then the type blocks them */
		ck_assert_msg(st == MG_E_MALFORMED || st == MG_E_TYPE_BLOCKED, "input %zu: %s", i,
		              mg_status_name(st));
		ck_assert_ptr_null(res.out);
		mg_result_free(&res);
	}
}
END_TEST

Suite *mugai_suite(void)
{
	Suite *s = suite_create("image");
	TCase *tc = tcase_create("image");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, filter_is_registered);
	tcase_add_test(tc, jpeg_exif_gps_removed);
	tcase_add_test(tc, jpeg_named_png_is_reencoded_as_jpeg);
	tcase_add_test(tc, corpus_images_all_sanitised_without_metadata);
	tcase_add_test(tc, tiff_becomes_png);
	tcase_add_test(tc, png_text_chunks_and_trailing_bytes_removed);
	tcase_add_test(tc, truncated_png_is_blocked);
	tcase_add_test(tc, pixel_bombs_blocked_from_the_header);
	tcase_add_test(tc, policy_limits_apply);
	tcase_add_test(tc, output_over_max_output_is_blocked);
	tcase_add_test(tc, jpeg_quality_follows_policy);
	tcase_add_test(tc, jpeg_exif_orientation_applied);
	tcase_add_test(tc, truncated_jpeg_is_blocked);
	tcase_add_test(tc, jpeg_polyglot_tail_removed);
	tcase_add_test(tc, animated_gif_keeps_first_frame);
	tcase_add_test(tc, gif_comment_removed_and_truncation_blocked);
	tcase_add_test(tc, bmp_pixels_exact);
	tcase_add_test(tc, bmp_unsupported_or_truncated_blocked);
	tcase_add_test(tc, webp_lossless_round_trip);
	tcase_add_test(tc, animated_webp_refused_with_reason);
	tcase_add_test(tc, garbage_after_signature_is_malformed);
	suite_add_tcase(s, tc);
	return s;
}
