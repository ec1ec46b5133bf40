/*
 * cmd_report.c - `mugai report verify R.json [ARTEFACT]`: an item's
 * signed report checked offline.  The signature must be the trusted key's
 * over the report's canonical form (report_sign.h), so a report with any
 * byte of its content changed fails; an artefact must hash to the output
 * SHA-256 the report signs.  A delivered mail is accepted as the artefact
 * too: its X-Mugai-Report must name this report, and what it carries
 * after that field, the attached report taken out, must be the artefact
 * (report_mail.h).
 *
 * Exit 0 verified, 2 not verified (the reason on stderr), 1 usage or
 * error.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "config.h"
#include "fileio.h"
#include "mugai.h"
#include "report_file.h"
#include "report_mail.h"
#include "report_sign.h"
#include "sign_key.h"

#define MAX_ARTEFACT ((size_t)4 << 30)
#define EXIT_BAD 2

static void usage(FILE *to)
{
	fprintf(to, "usage: mugai report verify [-c FILE] [--public-key KEY] REPORT.json [ARTEFACT]\n\n"
	            "Checks a report's Ed25519 signature, and that ARTEFACT (the sanitised file,\n"
	            "or the delivered mail with its X-Mugai-Report field) is the one it signs.\n"
	            "KEY: the public key in hex, or a file holding it (FILE.pub made by mugai\n"
	            "keygen); default: report.signing_key's .pub.\n"
	            "Exit 0 verified, 2 not verified, 1 usage or error.\n");
}

static int bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int bad(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "mugai report verify: NOT VERIFIED: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_BAD;
}

/* The trusted public key: given, else report.signing_key's .pub, else
 * its secret half. */
static int trusted_key(const mg_config *c, const char *given, unsigned char pk[32])
{
	char *err = NULL, *path, *pub = NULL;
	int rc = -1;

	if (given) {
		rc = mg_sign_public_load(given, pk, &err);
	} else if (!c->report_signing_key[0]) {
		fprintf(stderr, "mugai report verify: give --public-key or set report.signing_key\n");
		return -1;
	} else if ((path = mg_cli_daemon_path(c, c->report_signing_key)) != NULL) {
		if (asprintf(&pub, "%s.pub", path) >= 0 && mg_sign_public_load(pub, pk, &err) == 0) {
			rc = 0;
		} else {
			free(err);
			err = NULL;
			rc = mg_sign_public_load(path, pk, &err);
		}
		free(pub);
		free(path);
	}
	if (rc < 0)
		fprintf(stderr, "mugai report verify: %s\n", err ? err : "no public key");
	free(err);
	return rc;
}

/* A delivered mail: its reference must name this report, and the
 * artefact it carries must be the signed one. */
static int check_delivered(json_t *r, const unsigned char *d, size_t len, const char *signed_hex,
                           const unsigned char pk[32])
{
	mg_report_ref ref;
	const char *id = json_string_value(json_object_get(r, "item_id")), *why = NULL;
	char hex[65], rhash[65];
	unsigned char *a;
	size_t alen = 0;

	if (mg_report_ref_find(d, len, &ref) < 0)
		return bad("the artefact's SHA-256 is not the one the report signs (%s)", signed_hex);
	if (mg_report_hash(r, rhash) < 0 || strcmp(ref.report_sha256, rhash) != 0 || !id ||
	    strcmp(ref.item_id, id) != 0)
		return bad("%s", "the mail's X-Mugai-Report names another report");
	if (!(a = mg_report_artefact(d, len, &ref, &alen)))
		return bad("%s", "the mail is not in the form its X-Mugai-Report names");
	mg_sha256_hex(a, alen, hex);
	free(a);
	if (strcmp(hex, signed_hex) != 0)
		return bad("the mail's content is not the artefact the report signs (%s)", signed_hex);
	if (ref.has_sig && mg_report_marker_verify(d, len, pk, &ref, &why) < 0)
		return bad("marker: %s", why);
	printf("artefact: the mail carries the signed artefact (sha256 %s)%s\n", signed_hex,
	       ref.has_sig ? "; its marker verifies" : "");
	return 0;
}

/* A file with mugai's marker: without it, the signed artefact; the
 * marker itself signed by the trusted key for this item. */
static int check_marked(json_t *r, const unsigned char *d, size_t len, const char *signed_hex,
                        const unsigned char pk[32])
{
	const char *id = json_string_value(json_object_get(r, "item_id")), *why = NULL;
	mg_report_ref ref;
	unsigned char *a;
	size_t alen = 0;
	char hex[65];

	if (!(a = mg_report_file_unmark(d, len, &alen)))
		return bad("%s", "out of memory");
	mg_sha256_hex(a, alen, hex);
	free(a);
	if (strcmp(hex, signed_hex) != 0)
		return bad("the file without its marker is not the artefact the report signs (%s)",
		           signed_hex);
	if (mg_report_file_verify(d, len, pk, &ref, &why) < 0)
		return bad("marker: %s", why);
	if (!id || strcmp(ref.item_id, id) != 0)
		return bad("%s", "the file's marker names another item");
	printf("artefact: sha256 %s without mugai's marker, the one the report signs; its marker "
	       "verifies\n", signed_hex);
	return 0;
}

static int check_artefact(json_t *r, const char *path, const unsigned char pk[32])
{
	const char *signed_hex = json_string_value(json_object_get(json_object_get(r, "output"),
	                                                           "sha256"));
	unsigned char *d;
	size_t len = 0;
	char hex[65];
	mg_report_ref ref;
	int rc;

	if (!signed_hex)
		return bad("%s", "the report records no artefact (the item was blocked)");
	if (!(d = mg_read_file(path, MAX_ARTEFACT, &len))) {
		perror(path);
		return 1;
	}
	mg_sha256_hex(d, len, hex);
	if (strcmp(hex, signed_hex) == 0) {
		printf("artefact: sha256 %s, the one the report signs\n", hex);
		rc = 0;
	} else if (mg_report_file_find(d, len, &ref) == 0) {
		rc = check_marked(r, d, len, signed_hex, pk);
	} else {
		rc = check_delivered(r, d, len, signed_hex, pk);
	}
	free(d);
	return rc;
}

static int verify(const mg_config *c, const char *key, const char *report, const char *artefact)
{
	unsigned char pk[32];
	json_error_t jerr;
	json_t *r;
	const char *why = NULL;
	int rc;

	if (trusted_key(c, key, pk) < 0)
		return 1;
	r = json_load_file(report, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(r)) {
		json_decref(r);
		return bad("the report is not a JSON object: %s", jerr.text);
	}
	if (mg_report_verify(r, pk, &why) < 0) {
		json_decref(r);
		return bad("%s", why);
	}
	printf("report: %s, signature valid (ed25519)\n",
	       json_string_value(json_object_get(r, "item_id")) ?
	       json_string_value(json_object_get(r, "item_id")) : "(no item id)");
	rc = artefact ? check_artefact(r, artefact, pk) : 0;
	json_decref(r);
	return rc;
}

int mg_cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "public-key", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *key = NULL;
	mg_config *c;
	int o, rc;

	if (argc < 2 || strcmp(argv[1], "verify") != 0) {
		usage(argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) ? stdout
		                                                                          : stderr);
		return argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) ? 0 : 1;
	}
	argc--;
	argv++;
	if (!(c = mg_config_from_args(&argc, argv)))
		return 1;
	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (o == 'k') {
			key = optarg;
		} else {
			usage(o == 'h' ? stdout : stderr);
			mg_config_free(c);
			return o == 'h' ? 0 : 1;
		}
	}
	if (argc - optind < 1 || argc - optind > 2) {
		usage(stderr);
		mg_config_free(c);
		return 1;
	}
	rc = verify(c, key, argv[optind], argc - optind == 2 ? argv[optind + 1] : NULL);
	mg_config_free(c);
	return rc;
}
