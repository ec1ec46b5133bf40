/*
 * detect.c - the real type of an item, from its bytes.
 *
 * libmagic gives a MIME type; exact checks then settle what libmagic
 * leaves open (a zip that is really an Office package, a text file that is
 * really a message, an HTML file that is an HTA).  The name is consulted
 * only to be stricter: a script or program extension blocks.
 *
 * libmagic is most of the cost of a small item, so it is asked once per
 * item, for the MIME type; only content that is blocked as unknown or as a
 * program is asked again, for the description an administrator reads.  It
 * is not asked at all about text that detect_text.c proves plain, nor on
 * the mail channel about a message whose header block parses.
 */
#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "internal.h"
#include "text.h"

/* libmagic reads this much at most; enough for every rule we rely on. */
#define MAGIC_WINDOW (1u << 20)

/* Checks whose answer never changes a family: OS/2 application types, ELF
 * details (the soft magic names ELF itself), compressed contents (only
 * looked into with MAGIC_COMPRESS, never set: archives are ours to open)
 * and the retired token list. */
#define MAGIC_SKIP (MAGIC_NO_CHECK_APPTYPE | MAGIC_NO_CHECK_ELF | MAGIC_NO_CHECK_COMPRESS | \
                    MAGIC_NO_CHECK_TOKENS)

static const struct {
	const char *mime;
	mg_family family;
} mime_families[] = {
	{ "message/rfc822", MG_FAM_MAIL },
	{ "message/news", MG_FAM_MAIL },
	{ "text/plain", MG_FAM_TEXT },
	{ "text/csv", MG_FAM_TEXT },
	{ "text/tab-separated-values", MG_FAM_TEXT },
	{ "text/html", MG_FAM_HTML },
	{ "application/xhtml+xml", MG_FAM_HTML },
	{ "text/xml", MG_FAM_XML },
	{ "application/xml", MG_FAM_XML },
	{ "application/pdf", MG_FAM_PDF },
	{ "application/vnd.openxmlformats-officedocument.", MG_FAM_OOXML },
	{ "application/vnd.ms-word.", MG_FAM_OOXML },
	{ "application/vnd.ms-excel.", MG_FAM_OOXML },
	{ "application/vnd.ms-powerpoint.", MG_FAM_OOXML },
	{ "application/vnd.oasis.opendocument.", MG_FAM_ODF },
	{ "application/vnd.sun.xml.", MG_FAM_STAROFFICE },
	{ "application/msword", MG_FAM_OLE2 },
	{ "application/vnd.ms-excel", MG_FAM_OLE2 },
	{ "application/vnd.ms-powerpoint", MG_FAM_OLE2 },
	{ "application/vnd.ms-office", MG_FAM_OLE2 },
	{ "application/vnd.ms-outlook", MG_FAM_OLE2 },
	{ "application/x-ole-storage", MG_FAM_OLE2 },
	{ "application/CDFV2", MG_FAM_OLE2 },
	{ "application/encrypted", MG_FAM_OLE2 }, /* CDFV2 Encrypted: the ole2 filter says why */
	{ "text/rtf", MG_FAM_RTF },
	{ "application/rtf", MG_FAM_RTF },
	{ "image/png", MG_FAM_IMAGE },
	{ "image/jpeg", MG_FAM_IMAGE },
	{ "image/gif", MG_FAM_IMAGE },
	{ "image/bmp", MG_FAM_IMAGE },
	{ "image/x-ms-bmp", MG_FAM_IMAGE },
	{ "image/tiff", MG_FAM_IMAGE },
	{ "image/webp", MG_FAM_IMAGE },
	{ "image/svg+xml", MG_FAM_IMAGE }, /* the image filter refuses it until it can rasterise */
	{ "application/zip", MG_FAM_ARCHIVE },
	{ "application/x-7z-compressed", MG_FAM_ARCHIVE },
	{ "application/x-tar", MG_FAM_ARCHIVE },
	{ "application/gzip", MG_FAM_ARCHIVE },
	{ "application/x-gzip", MG_FAM_ARCHIVE },
	{ "application/x-bzip2", MG_FAM_ARCHIVE },
	{ "application/x-xz", MG_FAM_ARCHIVE },
	{ "application/zstd", MG_FAM_ARCHIVE },
	{ "application/x-lzh-compressed", MG_FAM_ARCHIVE },
	{ "application/x-lha", MG_FAM_ARCHIVE },
	{ "application/vnd.ms-cab-compressed", MG_FAM_ARCHIVE },
	{ "application/x-rar", MG_FAM_ARCHIVE },
	{ "application/vnd.rar", MG_FAM_ARCHIVE },
	{ "application/x-cpio", MG_FAM_ARCHIVE },
	{ "application/x-lzip", MG_FAM_ARCHIVE },
	{ "application/x-dosexec", MG_FAM_EXECUTABLE },
	{ "application/x-msdownload", MG_FAM_EXECUTABLE },
	{ "application/x-executable", MG_FAM_EXECUTABLE },
	{ "application/x-pie-executable", MG_FAM_EXECUTABLE },
	{ "application/x-sharedlib", MG_FAM_EXECUTABLE },
	{ "application/x-mach-binary", MG_FAM_EXECUTABLE },
	{ "application/x-msi", MG_FAM_EXECUTABLE },
	{ "application/x-ms-shortcut", MG_FAM_EXECUTABLE },
	{ "application/x-iso9660-image", MG_FAM_EXECUTABLE },
	{ "application/x-apple-diskimage", MG_FAM_EXECUTABLE },
	{ "application/java-archive", MG_FAM_EXECUTABLE },
	{ "application/x-java-applet", MG_FAM_EXECUTABLE },
	{ "application/javascript", MG_FAM_EXECUTABLE },
	{ "application/x-shellscript", MG_FAM_EXECUTABLE },
	{ "text/x-shellscript", MG_FAM_EXECUTABLE },
	{ "text/javascript", MG_FAM_EXECUTABLE },
	{ "text/x-python", MG_FAM_EXECUTABLE },
	{ "text/x-script.", MG_FAM_EXECUTABLE },
	{ "text/x-perl", MG_FAM_EXECUTABLE },
	{ "text/x-ruby", MG_FAM_EXECUTABLE },
	{ "text/x-php", MG_FAM_EXECUTABLE },
	{ "text/x-msdos-batch", MG_FAM_EXECUTABLE },
	{ "text/x-tcl", MG_FAM_EXECUTABLE },
	{ "text/x-lua", MG_FAM_EXECUTABLE },
	{ "text/x-awk", MG_FAM_EXECUTABLE },
	{ "application/hta", MG_FAM_EXECUTABLE },
	{ "application/onenote", MG_FAM_EXECUTABLE },
};

/* Extensions of programs, scripts, shortcuts, installers, disk images and
 * add-ins: a file so named is blocked whatever its bytes look like. */
static const char *const active_exts[] = {
	"exe", "com", "scr", "pif", "bat", "cmd", "ps1", "psm1", "psd1", "vbs", "vbe", "js",
	"jse", "mjs", "wsf", "wsh", "wsc", "hta", "msi", "msp", "mst", "lnk", "url", "jar",
	"dll", "cpl", "sys", "drv", "ocx", "reg", "inf", "scf", "sct", "sh", "bash", "zsh",
	"csh", "ksh", "py", "pyw", "pl", "rb", "php", "lua", "tcl", "iso", "img", "vhd",
	"vhdx", "vmdk", "dmg", "one", "onepkg", "appx", "appxbundle", "msix", "apk", "app",
	"gadget", "chm", "xll", "xla", "xlam", "ppam", "application", "appref-ms", "settingcontent-ms",
	"library-ms", "search-ms", "slk", "iqy", "website", "desktop", "jnlp", "class", "elf",
};

mg_family mg_family_of_mime(const char *mime)
{
	if (!mime)
		return MG_FAM_UNKNOWN;
	for (size_t i = 0; i < sizeof(mime_families) / sizeof(mime_families[0]); i++) {
		const char *m = mime_families[i].mime;
		size_t n = strlen(m);

		/* entries ending in '.' are prefixes, the others exact */
		if (m[n - 1] == '.' ? strncasecmp(mime, m, n) == 0 : strcasecmp(mime, m) == 0)
			return mime_families[i].family;
	}
	return MG_FAM_UNKNOWN;
}

static const char *name_ext(const char *name)
{
	const char *slash, *dot;

	if (!name)
		return NULL;
	slash = strrchr(name, '/');
	if (slash)
		name = slash + 1;
	dot = strrchr(name, '.');
	return dot && dot[1] ? dot + 1 : NULL;
}

static bool ext_is_active(const char *ext)
{
	for (size_t i = 0; ext && i < sizeof(active_exts) / sizeof(active_exts[0]); i++)
		if (strcasecmp(ext, active_exts[i]) == 0)
			return true;
	return false;
}

mg_family mg_family_of_name(const char *name)
{
	static const struct {
		const char *ext;
		mg_family family;
	} exts[] = {
		{ "eml", MG_FAM_MAIL }, { "msg", MG_FAM_OLE2 }, { "txt", MG_FAM_TEXT },
		{ "csv", MG_FAM_TEXT }, { "tsv", MG_FAM_TEXT }, { "htm", MG_FAM_HTML },
		{ "html", MG_FAM_HTML }, { "xml", MG_FAM_XML }, { "pdf", MG_FAM_PDF },
		{ "docx", MG_FAM_OOXML }, { "docm", MG_FAM_OOXML }, { "dotx", MG_FAM_OOXML },
		{ "dotm", MG_FAM_OOXML }, { "xlsx", MG_FAM_OOXML }, { "xlsm", MG_FAM_OOXML },
		{ "xltx", MG_FAM_OOXML }, { "xltm", MG_FAM_OOXML }, { "xlsb", MG_FAM_OOXML },
		{ "pptx", MG_FAM_OOXML }, { "pptm", MG_FAM_OOXML }, { "potx", MG_FAM_OOXML },
		{ "potm", MG_FAM_OOXML }, { "ppsx", MG_FAM_OOXML }, { "ppsm", MG_FAM_OOXML },
		{ "odt", MG_FAM_ODF }, { "ods", MG_FAM_ODF }, { "odp", MG_FAM_ODF },
		{ "sxw", MG_FAM_STAROFFICE }, { "sxc", MG_FAM_STAROFFICE }, { "sxi", MG_FAM_STAROFFICE },
		{ "doc", MG_FAM_OLE2 }, { "xls", MG_FAM_OLE2 }, { "ppt", MG_FAM_OLE2 },
		{ "dot", MG_FAM_OLE2 }, { "xlt", MG_FAM_OLE2 }, { "pps", MG_FAM_OLE2 },
		{ "rtf", MG_FAM_RTF }, { "png", MG_FAM_IMAGE }, { "jpg", MG_FAM_IMAGE },
		{ "jpeg", MG_FAM_IMAGE }, { "gif", MG_FAM_IMAGE }, { "bmp", MG_FAM_IMAGE },
		{ "tif", MG_FAM_IMAGE }, { "tiff", MG_FAM_IMAGE }, { "webp", MG_FAM_IMAGE },
		{ "svg", MG_FAM_IMAGE },
		{ "zip", MG_FAM_ARCHIVE }, { "7z", MG_FAM_ARCHIVE }, { "tar", MG_FAM_ARCHIVE },
		{ "gz", MG_FAM_ARCHIVE }, { "tgz", MG_FAM_ARCHIVE }, { "bz2", MG_FAM_ARCHIVE },
		{ "xz", MG_FAM_ARCHIVE }, { "lzh", MG_FAM_ARCHIVE }, { "lha", MG_FAM_ARCHIVE },
		{ "cab", MG_FAM_ARCHIVE }, { "rar", MG_FAM_ARCHIVE },
	};
	const char *ext = name_ext(name);

	if (!ext)
		return MG_FAM_UNKNOWN;
	if (ext_is_active(ext))
		return MG_FAM_EXECUTABLE;
	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++)
		if (strcasecmp(ext, exts[i].ext) == 0)
			return exts[i].family;
	return MG_FAM_UNKNOWN;
}

static bool has_prefix(const unsigned char *d, size_t len, const char *p)
{
	size_t n = strlen(p);

	return len >= n && memcmp(d, p, n) == 0;
}

static const unsigned char *find_bytes(const unsigned char *d, size_t len, const char *needle,
                                       size_t window)
{
	return memmem(d, len < window ? len : window, needle, strlen(needle));
}

/* "hta:application" in any case, as mshta reads it ("<HTA:Application"
 * in Microsoft's own samples): one memchr pass over the colons instead of
 * a pass for each of two spellings. */
static bool hta_tag(const unsigned char *d, size_t n)
{
	const unsigned char *p = d, *end = d + n;

	while (n >= 15 && (p = memchr(p, ':', (size_t)(end - p))) != NULL) {
		if (p - d >= 3 && end - p >= 12 &&
		    strncasecmp((const char *)p - 3, "hta", 3) == 0 &&
		    strncasecmp((const char *)p + 1, "application", 11) == 0)
			return true;
		p++;
	}
	return false;
}

/* An RFC 5322 header block: field lines (with folding) up to a blank line,
 * naming at least one field every message has. */
static bool looks_like_mail(const unsigned char *d, size_t len)
{
	static const char *const fields[] = { "from:", "to:", "subject:", "date:",
		                              "message-id:", "mime-version:", "received:",
		                              "return-path:", "delivered-to:" };
	size_t pos = 0, lines = 0;
	bool known = false;

	while (pos < len && lines < 200) {
		const unsigned char *nl = memchr(d + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - d) : len, n = end - pos, colon;

		if (n == 0 || (n == 1 && d[pos] == '\r'))
			return known && lines >= 2;
		if (d[pos] == ' ' || d[pos] == '\t') {
			if (lines == 0)
				return false;
		} else {
			for (colon = 0; colon < n && d[pos + colon] > 32 && d[pos + colon] < 127 &&
			                d[pos + colon] != ':'; colon++)
				;
			if (colon == 0 || colon == n || d[pos + colon] != ':') {
				if (lines == 0 && has_prefix(d, len, "From ")) {
					pos = end + 1; /* mbox separator line */
					continue;
				}
				return false;
			}
			for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
				if (colon + 1 == strlen(fields[i]) &&
				    strncasecmp((const char *)d + pos, fields[i], colon + 1) == 0)
					known = true;
		}
		lines++;
		pos = end + 1;
	}
	return known && lines >= 2;
}

/* StarOffice and OpenOffice.org 1.x packages (sxw, sxc, sxi, sxd) look
 * like ODF but name their type application/vnd.sun.xml.*: the mimetype
 * entry's own bytes tell. */
static bool staroffice_mimetype(struct archive *a, mg_type *type)
{
	static const char prefix[] = "application/vnd.sun.xml.";
	char buf[80];
	la_ssize_t n = archive_read_data(a, buf, sizeof(buf) - 1);
	size_t len;

	if (n <= 0)
		return false;
	len = (size_t)n;
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r' || buf[len - 1] == ' '))
		len--;
	buf[len] = 0;
	if (strncmp(buf, prefix, sizeof(prefix) - 1) != 0 || strspn(buf + sizeof(prefix) - 1,
	    "abcdefghijklmnopqrstuvwxyz.-") != len - (sizeof(prefix) - 1))
		return false;
	snprintf(type->mime, sizeof(type->mime), "%s", buf);
	return true;
}

/* Names inside a zip settle what the package is. */
static mg_family classify_zip(const unsigned char *d, size_t len, mg_type *type)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	mg_family fam = MG_FAM_ARCHIVE;
	unsigned seen = 0;

	archive_read_support_format_zip_seekable(a);
	if (archive_read_open_memory(a, d, len) != ARCHIVE_OK) {
		archive_read_free(a);
		return fam;
	}
	while (seen++ < 100000 && archive_read_next_header(a, &e) == ARCHIVE_OK) {
		const char *n = archive_entry_pathname(e);

		if (!n)
			continue;
		if (strcmp(n, "[Content_Types].xml") == 0) {
			fam = MG_FAM_OOXML;
			snprintf(type->mime, sizeof(type->mime), "%s",
			         "application/vnd.openxmlformats-officedocument");
		} else if (strcmp(n, "mimetype") == 0 && fam == MG_FAM_ARCHIVE) {
			fam = MG_FAM_ODF;
			snprintf(type->mime, sizeof(type->mime), "%s", "application/vnd.oasis.opendocument");
			if (staroffice_mimetype(a, type))
				fam = MG_FAM_STAROFFICE;
		} else if (strcmp(n, "META-INF/MANIFEST.MF") == 0 || strcmp(n, "AndroidManifest.xml") == 0 ||
		           strcmp(n, "classes.dex") == 0) {
			fam = MG_FAM_EXECUTABLE;
			snprintf(type->mime, sizeof(type->mime), "%s", "application/java-archive");
			break;
		}
	}
	archive_read_free(a);
	return fam;
}

static void magic_into(magic_t magic, int flags, const unsigned char *d, size_t len,
                       char *out, size_t outlen)
{
	const char *r;

	magic_setflags(magic, flags);
	r = magic_buffer(magic, d, len < MAGIC_WINDOW ? len : MAGIC_WINDOW);
	snprintf(out, outlen, "%s", r ? r : "application/octet-stream");
}

static void set_type(mg_type *t, mg_family family, const char *mime, const char *desc)
{
	t->family = family;
	snprintf(t->mime, sizeof(t->mime), "%s", mime);
	snprintf(t->desc, sizeof(t->desc), "%s", desc);
}

/* Exact checks that override or refine libmagic; zip_done: the central
 * directory was read already (package_settles). */
static void refine(const unsigned char *d, size_t len, mg_type *t, bool zip_done)
{
	if (!zip_done && (t->family == MG_FAM_ARCHIVE || t->family == MG_FAM_OOXML ||
	                  t->family == MG_FAM_ODF || has_prefix(d, len, "PK\003\004"))) {
		if (has_prefix(d, len, "PK\003\004") || strcmp(t->mime, "application/zip") == 0)
			t->family = classify_zip(d, len, t);
	}
	if (find_bytes(d, len, "%PDF-", 1024) && t->family != MG_FAM_PDF) {
		/* a PDF behind a prefix (polyglot): still a PDF to the readers */
		t->family = MG_FAM_PDF;
		snprintf(t->mime, sizeof(t->mime), "%s", "application/pdf");
	}
	if (t->family == MG_FAM_HTML && looks_like_mail(d, len)) {
		/* libmagic sees the HTML body of a message behind its header block */
		t->family = MG_FAM_MAIL;
		snprintf(t->mime, sizeof(t->mime), "%s", "message/rfc822");
	}
	if (t->family == MG_FAM_TEXT || t->family == MG_FAM_UNKNOWN) {
		if (has_prefix(d, len, "ID;P") || has_prefix(d, len, "ID;")) {
			t->family = MG_FAM_EXECUTABLE; /* SYLK: Excel 4 macros ride in it */
			snprintf(t->mime, sizeof(t->mime), "%s", "application/x-sylk");
		} else if (t->family == MG_FAM_TEXT && looks_like_mail(d, len)) {
			t->family = MG_FAM_MAIL;
			snprintf(t->mime, sizeof(t->mime), "%s", "message/rfc822");
		}
	}
	if (t->family != MG_FAM_PDF && t->family != MG_FAM_EXECUTABLE && mg_rtf_opens(d, len, NULL)) {
		/* Word opens it as RTF whatever libmagic, the name or the header's
		 * tail say: "{\rt" is all Word looks for */
		t->family = MG_FAM_RTF;
		snprintf(t->mime, sizeof(t->mime), "%s", "text/rtf");
	}
	if ((t->family == MG_FAM_TEXT || t->family == MG_FAM_XML || t->family == MG_FAM_HTML ||
	     t->family == MG_FAM_UNKNOWN) && mg_svg_sniff(d, len)) {
		/* an SVG libmagic calls text or XML (a prefix, a long prolog) */
		t->family = MG_FAM_IMAGE;
		snprintf(t->mime, sizeof(t->mime), "%s", "image/svg+xml");
	}
	if (t->family == MG_FAM_HTML || t->family == MG_FAM_TEXT || t->family == MG_FAM_XML) {
		if (hta_tag(d, len < (1u << 20) ? len : (1u << 20))) {
			t->family = MG_FAM_EXECUTABLE;
			snprintf(t->mime, sizeof(t->mime), "%s", "application/hta");
		}
	}
	if (has_prefix(d, len, "\xE4\x52\x5C\x7B\x8C\xD8\xA7\x4D\xAE\xB1\x53\x78\xD0\x29\x96\xD3")) {
		t->family = MG_FAM_EXECUTABLE;
		snprintf(t->mime, sizeof(t->mime), "%s", "application/onenote");
	}
	/* the shell link header: size 0x4C then the LinkCLSID; NULs inside, so a length */
	if (len >= 8 && memcmp(d, "L\0\0\0\x01\x14\x02\0", 8) == 0) {
		t->family = MG_FAM_EXECUTABLE;
		snprintf(t->mime, sizeof(t->mime), "%s", "application/x-ms-shortcut");
	}
	if (has_prefix(d, len, "MZ") || has_prefix(d, len, "\x7f" "ELF") ||
	    has_prefix(d, len, "\xca\xfe\xba\xbe") || has_prefix(d, len, "#!")) {
		t->family = MG_FAM_EXECUTABLE; /* DOS/PE, ELF, Mach-O/Java class, scripts */
		if (!strstr(t->mime, "exec") && !strstr(t->mime, "script"))
			snprintf(t->mime, sizeof(t->mime), "%s", "application/x-executable");
	}
}

/* What only libmagic's description tells, asked for blocked content only. */
static void settle_blocked(magic_t magic, const unsigned char *d, size_t len, mg_type *t)
{
	magic_into(magic, MAGIC_SKIP, d, len, t->desc, sizeof(t->desc));
	if (t->family == MG_FAM_UNKNOWN && strstr(t->desc, "executable"))
		t->family = MG_FAM_EXECUTABLE;
	if ((t->family == MG_FAM_UNKNOWN || strncmp(t->desc, "DOS executable (COM)", 20) == 0) &&
	    mg_text_utf16_order(d, len)) {
		/* UTF-16 without a byte order mark is "data" to libmagic, or a COM
		 * program when its first byte is an opcode (a guess: a COM file has
		 * no magic); bytes that are all text units with line ends are text */
		t->family = MG_FAM_TEXT;
		snprintf(t->mime, sizeof(t->mime), "%s", "text/plain");
	}
}

/* A zip whose central directory names an office package or a Java/Android
 * program: refine() would overrule whatever libmagic said (family and
 * type both), so libmagic is not asked.  A plain zip is typed in full. */
static bool package_settles(const unsigned char *d, size_t len, mg_type *t)
{
	mg_family fam;

	if (!has_prefix(d, len, "PK\003\004"))
		return false;
	fam = classify_zip(d, len, t);
	if (fam == MG_FAM_ARCHIVE)
		return false;
	t->family = fam;
	return true;
}

void mg_detect(magic_t magic, const unsigned char *data, size_t len, const char *name,
               mg_type *type)
{
	bool zip_done = false;

	memset(type, 0, sizeof(*type));
	if (len == 0) {
		snprintf(type->mime, sizeof(type->mime), "%s", "application/x-empty");
		snprintf(type->desc, sizeof(type->desc), "%s", "empty");
		type->family = MG_FAM_TEXT;
		return;
	}
	if (mg_detect_plain_text(data, len)) {
		set_type(type, MG_FAM_TEXT, "text/plain", "plain text");
	} else if (package_settles(data, len, type)) {
		zip_done = true;
	} else {
		magic_into(magic, MAGIC_MIME_TYPE | MAGIC_SKIP, data, len, type->mime,
		           sizeof(type->mime));
		type->family = mg_family_of_mime(type->mime);
		/* a plain zip, its directory read already: libmagic's type stands */
		zip_done = has_prefix(data, len, "PK\003\004");
		if (zip_done)
			type->family = MG_FAM_ARCHIVE;
	}
	refine(data, len, type, zip_done);
	if (type->family == MG_FAM_UNKNOWN || type->family == MG_FAM_EXECUTABLE)
		settle_blocked(magic, data, len, type); /* the administrator reads why */
	if (ext_is_active(name_ext(name)) && type->family != MG_FAM_EXECUTABLE) {
		/* the name says "run me": never let a reader of the name do so */
		type->family = MG_FAM_EXECUTABLE;
	}
}

void mg_detect_message(magic_t magic, const unsigned char *data, size_t len, const char *name,
                       mg_type *type)
{
	/* The channel already makes it a message: a header block settles the
	 * type for the report without libmagic; a PDF behind one (a polyglot)
	 * and anything else is typed in full, and the core reports it. */
	if (looks_like_mail(data, len) && !find_bytes(data, len, "%PDF-", 1024)) {
		memset(type, 0, sizeof(*type));
		set_type(type, MG_FAM_MAIL, "message/rfc822", "message (RFC 5322 header block)");
		return;
	}
	mg_detect(magic, data, len, name, type);
}

void mg_detect_mismatch(mg_ctx *ctx, const mg_item *item)
{
	mg_family by_name = mg_family_of_name(item->name);
	mg_family by_type = mg_family_of_mime(item->declared_type);
	mg_family real = item->type.family;

	if (by_name == MG_FAM_EXECUTABLE)
		mg_report_finding(ctx, "file name '%s' has a program or script extension",
		                  item->name);
	else if (by_name != MG_FAM_UNKNOWN && by_name != real)
		mg_report_finding(ctx, "name '%s' suggests %s but the content is %s (%s)", item->name,
		                  mg_family_name(by_name), mg_family_name(real), item->type.mime);
	if (by_type != MG_FAM_UNKNOWN && by_type != real)
		mg_report_finding(ctx, "declared type %s but the content is %s (%s)",
		                  item->declared_type, mg_family_name(real), item->type.mime);
}
