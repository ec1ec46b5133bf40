/*
 * image_exif.c - the two EXIF facts the image filter needs: the
 * orientation (so that dropping EXIF does not rotate a photo) and whether
 * GPS data is present (so the report can say a location was removed).
 *
 * No EXIF library is linked, and only the first IFD is read: a header,
 * one entry count and 12-byte entries, every read through mg_view.
 */
#include "image_codec.h"

#define TAG_ORIENTATION 0x0112
#define TAG_GPS_IFD 0x8825
#define TYPE_SHORT 3

static unsigned get16(const unsigned char *p, bool big)
{
	return big ? (unsigned)p[0] << 8 | p[1] : (unsigned)p[1] << 8 | p[0];
}

static uint32_t get32(const unsigned char *p, bool big)
{
	return big ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
	           : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

void mg_exif_scan(const unsigned char *tiff, size_t len, mg_exif_info *info)
{
	const unsigned char *hdr = mg_view(tiff, len, 0, 8), *cnt, *e;
	bool big;
	uint32_t ifd;
	unsigned n;

	info->orientation = 1;
	info->has_gps = false;
	if (!hdr || !((hdr[0] == 'I' && hdr[1] == 'I') || (hdr[0] == 'M' && hdr[1] == 'M')))
		return;
	big = hdr[0] == 'M';
	if (get16(hdr + 2, big) != 42)
		return;
	ifd = get32(hdr + 4, big);
	if (!(cnt = mg_view(tiff, len, ifd, 2)))
		return;
	n = get16(cnt, big);
	for (unsigned i = 0; i < n; i++) {
		if (!(e = mg_view(tiff, len, (size_t)ifd + 2 + (size_t)i * 12, 12)))
			return;
		if (get16(e, big) == TAG_ORIENTATION && get16(e + 2, big) == TYPE_SHORT) {
			unsigned o = get16(e + 8, big);

			info->orientation = o >= 1 && o <= 8 ? o : 1;
		} else if (get16(e, big) == TAG_GPS_IFD && get32(e + 8, big) != 0) {
			info->has_gps = true;
		}
	}
}
