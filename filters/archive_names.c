/*
 * archive_names.c - member names a recipient can extract without surprise.
 *
 * A name inside an archive is hostile text: it may climb out of the
 * extraction folder ("../", "/etc", "C:\"), hide its extension behind a
 * right-to-left override, carry control characters, name a Windows
 * device, or be in a legacy charset (Japanese zips made on Windows store
 * CP932 without saying so; old Unix tar and cpio used EUC-JP).  Every
 * name leaves as safe, NFC-normalised UTF-8, unique within its archive.
 */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "archive_priv.h"
#include "charset.h"

#define MAX_COMPONENT 255u  /* bytes: what file systems accept */
#define MAX_PATH_BYTES 1024u
#define MAX_NAME_TRIES 10000u

/* Code points that valid UTF-8 produces when the bytes were really a
 * legacy Japanese charset (EUC-JP kanji land in IPA letters and spacing
 * modifiers) and that no real file name uses. */
static bool implausible(gunichar c)
{
	return (c >= 0x80 && c <= 0x9F) || (c >= 0x250 && c <= 0x2FF) ||
	       (c >= 0xE000 && c <= 0xF8FF) || c == 0xFFFD;
}

/* g_utf8_next_char() without its cast away from const. */
static const char *next_char(const char *p)
{
	return p + g_utf8_skip[*(const unsigned char *)p];
}

static bool plausible_utf8(const char *s)
{
	if (!g_utf8_validate(s, -1, NULL))
		return false;
	for (const char *p = s; *p; p = next_char(p))
		if (implausible(g_utf8_get_char(p)))
			return false;
	return true;
}

char *mg_archive_name_utf8(const char *raw, const char *legacy, const char **used)
{
	mg_charset_info info;
	mg_buf out;
	size_t len = strlen(raw);

	*used = "UTF-8";
	if (plausible_utf8(raw))
		return strdup(raw);
	memset(&info, 0, sizeof(info));
	mg_buf_init(&out, len * 4 + 16);
	if (mg_charset_decode((const unsigned char *)raw, len, legacy, &out, &info) < 0 ||
	    !out.data) {
		mg_buf_free(&out);
		return strdup(""); /* cannot happen with 4x room; an empty name gets a neutral one */
	}
	*used = strcmp(info.used, "Shift_JIS") == 0 ? "Shift_JIS (CP932)" :
	        strcmp(info.used, "EUC-JP") == 0 ? "EUC-JP" :
	        strcmp(info.used, "UTF-8") == 0 ? "UTF-8" :
	        strcmp(info.used, "windows-1252") == 0 ? "windows-1252" : "a legacy charset";
	return (char *)mg_buf_steal(&out, &len);
}

/* Characters a name must not carry at all. */
static bool invisible(gunichar c)
{
	return c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F) || c == 0x200E || c == 0x200F ||
	       (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) || c == 0xFEFF;
}

/* Characters Windows refuses in a name (':' also opens an alternate stream). */
static bool reserved_char(gunichar c)
{
	return c == '<' || c == '>' || c == ':' || c == '"' || c == '|' || c == '?' || c == '*' ||
	       c == 0xFFFD;
}

/* One pass over the characters: separators unified, the invisible dropped,
 * the reserved replaced. */
static char *clean_chars(const char *nfc, unsigned *fixes)
{
	GString *s = g_string_sized_new(strlen(nfc));

	for (const char *p = nfc; *p; p = next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (c == '\\')
			c = '/';
		if (invisible(c)) {
			*fixes |= MG_NAME_CONTROL;
			continue;
		}
		if (reserved_char(c)) {
			*fixes |= MG_NAME_RESERVED;
			c = '_';
		}
		g_string_append_unichar(s, c);
	}
	return g_string_free(s, FALSE);
}

static bool is_device_name(const char *comp)
{
	static const char *const devices[] = { "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$" };
	size_t stem = strcspn(comp, ".");

	for (size_t i = 0; i < sizeof(devices) / sizeof(devices[0]); i++)
		if (stem == strlen(devices[i]) && strncasecmp(comp, devices[i], stem) == 0)
			return true;
	return stem == 4 && (strncasecmp(comp, "COM", 3) == 0 || strncasecmp(comp, "LPT", 3) == 0) &&
	       comp[3] >= '0' && comp[3] <= '9';
}

/* Cuts a UTF-8 string to at most max bytes without splitting a character. */
static void utf8_truncate(char *s, size_t max)
{
	size_t n = strlen(s);

	if (n <= max)
		return;
	while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
		max--;
	s[max] = 0;
}

/* One path component, or NULL when it is to be dropped. */
static char *clean_component(const char *comp, unsigned *fixes)
{
	char *c;
	size_t n;

	if (strcmp(comp, "..") == 0) {
		*fixes |= MG_NAME_DOTDOT;
		return NULL;
	}
	if (!*comp || strcmp(comp, ".") == 0)
		return NULL;
	c = g_strdup(comp + strspn(comp, " "));
	n = strlen(c);
	while (n > 0 && (c[n - 1] == '.' || c[n - 1] == ' ')) {
		c[--n] = 0; /* Windows drops them: "a.exe." would become "a.exe" */
		*fixes |= MG_NAME_RESERVED;
	}
	if (n == 0) {
		*fixes |= MG_NAME_DOTDOT; /* "...", ". ." and the like */
		g_free(c);
		return NULL;
	}
	if (is_device_name(c)) {
		char *d = g_strconcat("_", c, NULL);

		g_free(c);
		c = d;
		*fixes |= MG_NAME_RESERVED;
	}
	if (strlen(c) > MAX_COMPONENT) {
		utf8_truncate(c, MAX_COMPONENT);
		*fixes |= MG_NAME_LENGTH;
	}
	return c;
}

/* "C:", "C:/..." and "//server/share" prefixes. */
static const char *skip_absolute(const char *s, unsigned *fixes)
{
	if (g_ascii_isalpha(s[0]) && s[1] == ':') {
		*fixes |= MG_NAME_ABSOLUTE;
		s += 2;
	}
	if (*s == '/') {
		*fixes |= MG_NAME_ABSOLUTE;
		s += strspn(s, "/");
	}
	return s;
}

char *mg_archive_safe_path(const char *utf8, unsigned *fixes)
{
	char *nfc = g_utf8_normalize(utf8, -1, G_NORMALIZE_NFC);
	char *chars, **parts, *out;
	GString *path = g_string_new(NULL);

	*fixes = 0;
	if (!nfc)
		nfc = g_utf8_make_valid(utf8, -1);
	/* the drive test sees ':' before it becomes '_' */
	chars = clean_chars(skip_absolute(nfc, fixes), fixes);
	parts = g_strsplit(chars, "/", -1);
	for (char **p = parts; *p; p++) {
		char *comp = clean_component(*p, fixes);

		if (!comp)
			continue;
		if (path->len + 1 + strlen(comp) > MAX_PATH_BYTES) {
			*fixes |= MG_NAME_LENGTH;
			g_free(comp);
			break;
		}
		if (path->len)
			g_string_append_c(path, '/');
		g_string_append(path, comp);
		g_free(comp);
	}
	if (path->len == 0) {
		*fixes |= MG_NAME_EMPTY;
		g_string_assign(path, "item");
	}
	g_strfreev(parts);
	g_free(chars);
	g_free(nfc);
	out = strdup(path->str);
	g_string_free(path, TRUE);
	return out;
}

struct mg_names {
	GHashTable *files; /* case-folded path -> itself */
	GHashTable *dirs;
};

mg_names *mg_names_new(void)
{
	mg_names *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->files = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	n->dirs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	return n;
}

void mg_names_free(mg_names *n)
{
	if (!n)
		return;
	g_hash_table_destroy(n->files);
	g_hash_table_destroy(n->dirs);
	free(n);
}

static bool taken(GHashTable *t, const char *prefix, const char *comp)
{
	char *full = *prefix ? g_strconcat(prefix, "/", comp, NULL) : g_strdup(comp);
	char *key = g_utf8_casefold(full, -1);
	bool hit = g_hash_table_contains(t, key);

	g_free(key);
	g_free(full);
	return hit;
}

/* "name.ext" -> "name (k).ext"; a leading dot is not an extension. */
static char *numbered(const char *comp, unsigned k)
{
	const char *dot = strrchr(comp, '.');

	if (!dot || dot == comp)
		return g_strdup_printf("%s (%u)", comp, k);
	return g_strdup_printf("%.*s (%u)%s", (int)(dot - comp), comp, k, dot);
}

/* The first variant of comp under prefix that none of the tables hold. */
static char *free_variant(const char *prefix, const char *comp, GHashTable *a, GHashTable *b)
{
	if (!taken(a, prefix, comp) && (!b || !taken(b, prefix, comp)))
		return g_strdup(comp);
	for (unsigned k = 2; k < MAX_NAME_TRIES; k++) {
		char *v = numbered(comp, k);

		if (!taken(a, prefix, v) && (!b || !taken(b, prefix, v)))
			return v;
		g_free(v);
	}
	return NULL;
}

/* Names that would make the rebuilt zip read as another kind of package
 * (detect.c looks for them): an Office, OpenDocument or Java archive. */
static bool package_marker(const char *path)
{
	static const char *const markers[] = { "[Content_Types].xml", "mimetype",
		                               "META-INF/MANIFEST.MF", "AndroidManifest.xml",
		                               "classes.dex" };

	for (size_t i = 0; i < sizeof(markers) / sizeof(markers[0]); i++)
		if (strcasecmp(path, markers[i]) == 0)
			return true;
	return false;
}

static void remember(GHashTable *t, const char *path)
{
	g_hash_table_add(t, g_utf8_casefold(path, -1));
}

char *mg_names_claim(mg_names *n, const char *path)
{
	char **parts = g_strsplit(path, "/", -1);
	GString *prefix = g_string_new(NULL);
	char *out = NULL;
	guint count = g_strv_length(parts);

	if (package_marker(path)) {
		char *d = g_strconcat("_", parts[0], NULL);

		g_free(parts[0]);
		parts[0] = d;
	}
	for (guint i = 0; i < count; i++) {
		bool leaf = i + 1 == count;
		/* a directory may not be a file's name; a file may be neither */
		char *comp = leaf ? free_variant(prefix->str, parts[i], n->files, n->dirs) :
		                    free_variant(prefix->str, parts[i], n->files, NULL);

		if (!comp)
			goto done;
		if (prefix->len)
			g_string_append_c(prefix, '/');
		g_string_append(prefix, comp);
		g_free(comp);
		remember(leaf ? n->files : n->dirs, prefix->str);
	}
	out = strdup(prefix->str);
done:
	g_string_free(prefix, TRUE);
	g_strfreev(parts);
	return out;
}
