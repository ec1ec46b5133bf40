/*
 * report_meta.c - what a report says about the run itself: the policy in
 * force (its bank and a hash of its effective settings) and the version of
 * every library that read or wrote the item.  An auditor holding a signed
 * report can then tell which rules and which code made the artefact, and
 * reproduce it with the same ones.
 *
 * Versions are asked of the libraries at run time where they can say (the
 * loaded copy, not the headers mugai was built against).
 */
#include <archive.h>
#include <cairo.h>
#include <glib.h>
#include <gmime/gmime.h>
#include <gsf/gsf-utils.h>
#include <libxml/parser.h>
#include <libxml/xmlversion.h>
#include <openssl/crypto.h>
#include <png.h>
#include <poppler.h>
#include <pthread.h>
#include <librsvg/rsvg.h>
#include <stdio.h>
#include <string.h>
#include <tiffio.h>
#include <webp/decode.h>
#include <zlib.h>
#include <gif_lib.h>
#include <jpeglib.h>

#include "internal.h"

/* The hash of the last policy seen by this thread: serialising and
 * hashing the settings costs a fifth of a plain mail's time, and a
 * worker's policies never change.  Compared whole, so any change in any
 * field is a miss. */
static _Thread_local struct {
	bool valid;
	mg_policy policy;
	char hex[65];
} last;

json_t *mg_report_policy(const mg_policy *p)
{
	if (!last.valid || memcmp(&last.policy, p, sizeof(*p)) != 0) {
		mg_policy_hash(p, last.hex);
		memcpy(&last.policy, p, sizeof(*p));
		last.valid = true;
	}
	return mg_json_members("bank", json_string(mg_policy_name(p)), "settings_sha256",
	                       json_string(last.hex), "report_part",
	                       json_string(p->report_part ? "attach" : "no"), NULL);
}

static json_t *dotted(unsigned a, unsigned b, unsigned c)
{
	char s[48];

	snprintf(s, sizeof(s), "%u.%u.%u", a, b, c);
	return json_string(s);
}

/* libxml2 and libmagic give a number: 21205 is 2.12.5, 545 is 5.45. */
static json_t *xml_version(void)
{
	unsigned v = 0;

	if (sscanf(xmlParserVersion, "%u", &v) != 1)
		return json_string(xmlParserVersion);
	return dotted(v / 10000, v / 100 % 100, v % 100);
}

static json_t *magic_version_json(void)
{
	char s[24];
	int v = magic_version();

	snprintf(s, sizeof(s), "%d.%02d", v / 100, v % 100);
	return json_string(s);
}

/* The version number in a library's banner ("libarchive 3.7.2"). */
static const char *after(const char *banner, const char *word)
{
	const char *p = strstr(banner, word);

	return p ? p + strlen(word) : banner;
}

static json_t *versions;
static pthread_once_t versions_once = PTHREAD_ONCE_INIT;

static void versions_make(void)
{
	json_t *v = json_object();
	char s[64];

	json_object_set_new(v, "mugai", json_string(MUGAI_VERSION));
	json_object_set_new(v, "gmime",
	                    dotted(gmime_major_version, gmime_minor_version, gmime_micro_version));
	json_object_set_new(v, "glib",
	                    dotted(glib_major_version, glib_minor_version, glib_micro_version));
	json_object_set_new(v, "poppler", json_string(poppler_get_version()));
	json_object_set_new(v, "cairo", json_string(cairo_version_string()));
	json_object_set_new(v, "libarchive", json_string(after(archive_version_string(), "libarchive ")));
	json_object_set_new(v, "libmagic", magic_version_json());
	json_object_set_new(v, "libxml2", xml_version());
	json_object_set_new(v, "libgsf", dotted((unsigned)libgsf_major_version,
	                                        (unsigned)libgsf_minor_version,
	                                        (unsigned)libgsf_micro_version));
	json_object_set_new(v, "librsvg", dotted(rsvg_major_version, rsvg_minor_version,
	                                         rsvg_micro_version));
	json_object_set_new(v, "libytnef", json_string(MUGAI_YTNEF_VERSION));
	json_object_set_new(v, "libpng", json_string(png_get_libpng_ver(NULL)));
	snprintf(s, sizeof(s), "%d", JPEG_LIB_VERSION);
	json_object_set_new(v, "libjpeg", json_string(s));
	snprintf(s, sizeof(s), "%.*s", (int)strcspn(after(TIFFGetVersion(), "Version "), "\n"),
	         after(TIFFGetVersion(), "Version "));
	json_object_set_new(v, "libtiff", json_string(s));
	snprintf(s, sizeof(s), "%d.%d.%d", WebPGetDecoderVersion() >> 16,
	         (WebPGetDecoderVersion() >> 8) & 0xff, WebPGetDecoderVersion() & 0xff);
	json_object_set_new(v, "libwebp", json_string(s));
	json_object_set_new(v, "giflib", dotted(GIFLIB_MAJOR, GIFLIB_MINOR, GIFLIB_RELEASE));
	json_object_set_new(v, "zlib", json_string(zlibVersion()));
	json_object_set_new(v, "openssl", json_string(OpenSSL_version(OPENSSL_VERSION)));
	json_object_set_new(v, "jansson", json_string(jansson_version_str()));
	versions = v;
}

/* Made once: the loaded libraries do not change while the process runs.
 * Every report holds a reference to the same object, not a copy (a deep
 * copy per item showed in every mail's profile): nothing changes a
 * report's versions, and jansson counts references atomically. */
json_t *mg_report_versions(void)
{
	pthread_once(&versions_once, versions_make);
	return versions ? json_incref(versions) : json_null();
}
