/*
 * archive.c - archives: every member through its own family, the
 * sanitised results packed again as a new zip.
 *
 * libarchive reads zip, 7z, tar, cpio, LHA, CAB and RAR from memory; a
 * plain compressed stream (gzip, bzip2, xz, zstd, lzip) is opened with
 * that one filter named explicitly, so libarchive never bids again on its
 * own output.  What the stream holds is a tar or cpio (members as usual)
 * or a single file, which becomes the rebuilt zip's one member under the
 * stream's name without the compression suffix ("notes.csv.gz" ->
 * "notes.csv"): the family's artefact is always a zip.
 *
 * Each member is read into a buffer bounded by max_size, counted against
 * max_total (shared by all nesting levels), max_parts and the ratio limit
 * while it is read, then handed to mg_sanitize_child(), which handles
 * depth.  A member its family blocks is left out and reported; an
 * encrypted member, or any limit hit below, blocks the whole archive with
 * that status.  Links, devices and fifos are dropped and reported;
 * directories are implied by the members' paths.  Names are decoded to
 * UTF-8, made safe and unique (archive_names.c).
 */
#include <archive_entry.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "archive_priv.h"

#define READ_BLOCK (64u * 1024u)
/* Below this many bytes a ratio says nothing: no bomb is that small. */
#define RATIO_FLOOR (1u << 20)
#define MAX_MTIME 0x7fffffffLL
/* Local headers looked at to tell an encrypted zip from a damaged one. */
#define ZIP_PROBE_HEADERS 16u

/* Quoted by the mail notice: plain words for the recipient. */
static const char encrypted_archive[] =
	"password-protected (encrypted) archive: its contents cannot be checked, so it was not "
	"delivered and is kept for review; please ask the sender to send the files without a "
	"password";
static const char encrypted_no_password[] =
	"password-protected 7z or RAR archive: mugai opens password-protected zip archives only, "
	"so its contents cannot be checked and it is kept for review; please ask the sender to "
	"send the files without a password";
#define ENCRYPTED_MEMBER \
	"the archive contains a password-protected (encrypted) file, '%s': its contents cannot " \
	"be checked, so the archive was not delivered and is kept for review; please ask the " \
	"sender to send the files without a password"

typedef struct arc {
	mg_ctx *ctx;
	const mg_item *item;
	struct archive *a;
	mg_gz_source *gz;
	int format;             /* libarchive's code, known after the first header */
	bool raw;               /* a single compressed stream */
	bool member_ratio;      /* members compressed one by one: a ratio each */
	bool told_charset;
	const char *legacy;     /* charset of names that are not UTF-8 */
	unsigned entries, kept, removed;
	mg_status removed_status;
	char removed_reason[384];
	uint64_t unpacked;      /* bytes of this archive's members */
	uint64_t own_total;
	uint64_t *total;        /* bytes of all levels: max_total */
	bool outermost;
	const char *passphrase; /* the candidate that opens it (archive_crypt.c) */
	mg_buf member;
	unsigned char *block;
	mg_names *names;
	mg_zip_writer *zip;
	locale_t utf8, saved;
} arc;

/* libarchive converts names to the thread's locale: make that UTF-8 while
 * it works, whatever the process's locale is, and give the members'
 * filters the process's own. */
static void enter_utf8(arc *r)
{
	if (r->utf8)
		uselocale(r->utf8);
}

static void leave_utf8(arc *r)
{
	if (r->utf8)
		uselocale(r->saved);
}

static mg_status encrypted(arc *r)
{
	if (mg_password_count(r->ctx) > 0 && mg_archive_undecryptable(r->item->data, r->item->len))
		return mg_fail(r->ctx, MG_E_ENCRYPTED, "%s", encrypted_no_password);
	return mg_fail(r->ctx, MG_E_ENCRYPTED, "%s", encrypted_archive);
}

/* A read error: an encrypted entry explains it better than the message.
 * (libarchive may be asked about encryption only once it opened.) */
static mg_status read_failed(arc *r, struct archive_entry *e, const char *what, bool opened)
{
	const char *err = mg_gz_source_error(r->gz);

	if ((e && archive_entry_is_encrypted(e)) ||
	    (opened && archive_read_has_encrypted_entries(r->a) > 0))
		return encrypted(r);
	if (!err)
		err = archive_error_string(r->a);
	return mg_fail(r->ctx, MG_E_MALFORMED, "damaged or unreadable archive: %s: %s", what,
	               err ? err : "unknown error");
}

/* A zip whose central directory cannot be read is refused; its local
 * headers, read as a stream, still tell whether it was encrypted, which
 * is what the recipient needs to hear. */
static bool zip_stream_encrypted(arc *r)
{
	struct archive *a;
	struct archive_entry *e;
	bool enc = false;

	if (!mg_view(r->item->data, r->item->len, 0, 4) || memcmp(r->item->data, "PK\3\4", 4) != 0)
		return false;
	a = archive_read_new();
	if (!a)
		return false;
	archive_read_support_format_zip_streamable(a);
	if (archive_read_open_memory(a, r->item->data, r->item->len) == ARCHIVE_OK) {
		for (unsigned i = 0; i < ZIP_PROBE_HEADERS && !enc; i++) {
			int rc = archive_read_next_header(a, &e);

			if (rc == ARCHIVE_EOF || mg_check_deadline(r->ctx) != MG_OK)
				break;
			if (rc < ARCHIVE_WARN) {
				enc = archive_read_has_encrypted_entries(a) > 0;
				break;
			}
			enc = archive_entry_is_encrypted(e);
		}
	}
	archive_read_free(a);
	return enc;
}

static mg_status open_reader(arc *r)
{
	const unsigned char *d = r->item->data;
	size_t len = r->item->len;
	int filter = mg_archive_outer_filter(d, len);
	int rc;

	r->a = archive_read_new();
	if (!r->a)
		return mg_fail(r->ctx, MG_E_INTERNAL, "out of memory");
	if (filter != ARCHIVE_FILTER_NONE) {
		archive_read_support_format_tar(r->a);
		archive_read_support_format_cpio(r->a);
		archive_read_support_format_raw(r->a);
		if (filter == ARCHIVE_FILTER_GZIP) {
			r->gz = mg_gz_source_new(d, len);
			rc = r->gz ? mg_gz_source_open(r->gz, r->a) : ARCHIVE_FATAL;
		} else {
			rc = archive_read_append_filter(r->a, filter);
			if (rc == ARCHIVE_OK)
				rc = archive_read_open_memory(r->a, d, len);
		}
	} else {
		archive_read_support_format_zip_seekable(r->a);
		archive_read_support_format_7zip(r->a);
		archive_read_support_format_tar(r->a);
		archive_read_support_format_cpio(r->a);
		archive_read_support_format_lha(r->a);
		archive_read_support_format_cab(r->a);
		archive_read_support_format_rar(r->a);
		archive_read_support_format_rar5(r->a);
		if (r->passphrase)
			archive_read_add_passphrase(r->a, r->passphrase);
		rc = archive_read_open_memory(r->a, d, len);
	}
	if (rc != ARCHIVE_OK)
		return zip_stream_encrypted(r) ? encrypted(r) :
		                                 read_failed(r, NULL, "it cannot be opened", false);
	return MG_OK;
}

/* Settled by the first header: the format, and what follows from it. */
static mg_status learn_format(arc *r)
{
	int base;

	r->format = archive_format(r->a);
	base = r->format & ARCHIVE_FORMAT_BASE_MASK;
	if (!mg_archive_starts_at_zero(r->format, r->item->data, r->item->len))
		return mg_fail(r->ctx, MG_E_TYPE_BLOCKED,
		               "%s archive behind other data (a self-extracting program or a "
		               "disguised file)", archive_format_name(r->a));
	r->raw = base == ARCHIVE_FORMAT_RAW;
	r->member_ratio = base == ARCHIVE_FORMAT_ZIP || base == ARCHIVE_FORMAT_LHA;
	/* Windows tools write CP932 into these; Unix tar and cpio wrote EUC-JP */
	r->legacy = base == ARCHIVE_FORMAT_TAR || base == ARCHIVE_FORMAT_CPIO ? "EUC-JP" :
	                                                                         "Shift_JIS";
	return MG_OK;
}

static void describe_fixes(unsigned fixes, char *buf, size_t len)
{
	static const struct { unsigned bit; const char *what; } names[] = {
		{ MG_NAME_ABSOLUTE, "absolute path" },
		{ MG_NAME_DOTDOT, "'..' or dot-only components" },
		{ MG_NAME_CONTROL, "control or bidirectional characters" },
		{ MG_NAME_RESERVED, "characters or device names Windows reserves" },
		{ MG_NAME_LENGTH, "overlong name" },
		{ MG_NAME_EMPTY, "empty name" },
	};
	size_t used = 0;

	buf[0] = 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if ((fixes & names[i].bit) && used < len)
			used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? ", " : "",
			                         names[i].what);
}

/* The name of a plain compressed stream's content: the stream's own name
 * without the compression suffix. */
static char *stream_member_name(const char *name)
{
	static const struct { const char *suffix, *becomes; } sfx[] = {
		{ ".gz", "" }, { ".gzip", "" }, { ".bz2", "" }, { ".xz", "" }, { ".zst", "" },
		{ ".lz", "" }, { ".tgz", ".tar" }, { ".tbz", ".tar" }, { ".tbz2", ".tar" },
		{ ".txz", ".tar" }, { ".tzst", ".tar" },
	};
	const char *base = name ? name : "";
	size_t n;

	if (strrchr(base, '/'))
		base = strrchr(base, '/') + 1;
	if (strrchr(base, '\\'))
		base = strrchr(base, '\\') + 1;
	n = strlen(base);
	for (size_t i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		size_t k = strlen(sfx[i].suffix);
		char *out = NULL;

		if (n > k && strcasecmp(base + n - k, sfx[i].suffix) == 0)
			return asprintf(&out, "%.*s%s", (int)(n - k), base, sfx[i].becomes) < 0 ? NULL
			                                                                          : out;
	}
	return strdup(n ? base : "data");
}

/* The member's name as it will be judged and stored: UTF-8, safe. */
static char *member_path(arc *r, struct archive_entry *e)
{
	const char *raw = archive_entry_pathname(e), *used = "UTF-8";
	char *stream = NULL, *utf8, *safe;
	unsigned fixes = 0;
	char what[256];

	if (r->raw)
		raw = stream = stream_member_name(r->item->name);
	if (!raw)
		raw = archive_entry_pathname_utf8(e);
	utf8 = mg_archive_name_utf8(raw ? raw : "", r->legacy, &used);
	safe = utf8 ? mg_archive_safe_path(utf8, &fixes) : NULL;
	if (safe && strcmp(used, "UTF-8") != 0 && !r->told_charset) {
		mg_report_action(r->ctx, "member names decoded from %s to UTF-8", used);
		r->told_charset = true;
	}
	if (safe && fixes) {
		describe_fixes(fixes, what, sizeof(what));
		mg_report_finding(r->ctx, "member name '%s' stored as '%s' (%s)", utf8, safe, what);
	}
	free(stream);
	free(utf8);
	return safe;
}

static void note_removed(arc *r, const char *path, mg_status st, const char *why)
{
	mg_report_removed(r->ctx, path, "%s", why);
	if (r->removed++ == 0) {
		r->removed_status = st;
		/* cut when long: the full reason is in the removed list */
		if (snprintf(r->removed_reason, sizeof(r->removed_reason), "'%s': %s", path, why) < 0)
			r->removed_reason[0] = 0;
	}
}

/* Limits checked after every block read, so a bomb stops early.  size is
 * what the member gave so far, start where its compressed bytes began. */
static mg_status check_limits(arc *r, int64_t start, uint64_t size, const char *path)
{
	const mg_policy *p = r->ctx->policy;
	int64_t used = archive_filter_bytes(r->a, -1) - start;

	if (*r->total > p->max_total)
		return mg_fail(r->ctx, MG_E_LIMIT_SIZE,
		               "the archive unpacks to more than max_total %llu bytes (all nesting "
		               "levels together)", (unsigned long long)p->max_total);
	if (r->member_ratio && size > RATIO_FLOOR &&
	    size > (uint64_t)p->max_ratio * (uint64_t)(used > 0 ? used : 1))
		return mg_fail(r->ctx, MG_E_LIMIT_RATIO,
		               "member '%s' expands more than max_ratio %u times (a compression "
		               "bomb)", path, p->max_ratio);
	/* members that share compressed bytes (solid archives, overlapping
	 * entries) are judged together against the archive's size */
	if (r->unpacked > RATIO_FLOOR &&
	    r->unpacked > (uint64_t)p->max_ratio * (uint64_t)(r->item->len ? r->item->len : 1))
		return mg_fail(r->ctx, MG_E_LIMIT_RATIO,
		               "the archive expands to more than max_ratio %u times its size (a "
		               "compression bomb)", p->max_ratio);
	return mg_check_deadline(r->ctx);
}

/* Reads the member's data into r->member, or only counts it (an entry
 * that is dropped still costs what libarchive decompresses to skip it). */
static mg_status read_member(arc *r, struct archive_entry *e, const char *path, bool keep)
{
	int64_t start = archive_filter_bytes(r->a, -1);
	uint64_t size = 0;
	char what[600];

	mg_buf_reset(&r->member);
	for (;;) {
		la_ssize_t n = archive_read_data(r->a, r->block, READ_BLOCK);
		mg_status st;

		if (n == 0)
			return MG_OK;
		if (n < 0) {
			snprintf(what, sizeof(what), "member '%s'", path);
			return read_failed(r, e, what, true);
		}
		if (keep && mg_buf_append(&r->member, r->block, (size_t)n) < 0)
			return mg_fail(r->ctx, MG_E_LIMIT_SIZE, "member '%s' is larger than max_size %llu",
			               path, (unsigned long long)r->ctx->policy->max_size);
		size += (uint64_t)n;
		r->unpacked += (uint64_t)n;
		*r->total += (uint64_t)n;
		st = check_limits(r, start, size, path);
		if (st != MG_OK)
			return st;
	}
}

/* Artefacts that are compressed already go in stored. */
static bool store_as_is(const char *ext)
{
	static const char *const exts[] = { "jpg", "jpeg", "png", "gif", "webp", "zip", "pdf",
		                            "docx", "xlsx", "pptx", "odt", "ods", "odp" };

	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++)
		if (strcasecmp(ext, exts[i]) == 0)
			return true;
	return false;
}

/* The member's path with the leaf renamed for what the artefact now is. */
static char *artefact_path(const char *path, const char *ext)
{
	const char *slash = strrchr(path, '/');
	char *leaf = mg_output_name(slash ? slash + 1 : path, ext), *out = NULL;

	if (!leaf)
		return NULL;
	if (!slash)
		return leaf;
	if (asprintf(&out, "%.*s/%s", (int)(slash - path), path, leaf) < 0)
		out = NULL;
	free(leaf);
	return out;
}

static mg_status pack_member(arc *r, struct archive_entry *e, const char *path,
                             const mg_out *out, json_t *child)
{
	char *renamed = artefact_path(path, out->ext), *final = NULL;
	time_t mtime = archive_entry_mtime_is_set(e) ? archive_entry_mtime(e) : 0;
	mg_status st = MG_OK;

	if (mtime < 0 || mtime > MAX_MTIME)
		mtime = 0; /* outside what zip stores: a neutral date */
	final = renamed ? mg_names_claim(r->names, renamed) : NULL;
	if (!final) {
		st = mg_fail(r->ctx, MG_E_INTERNAL, "no name left for member '%s'", path);
		goto done;
	}
	if (mg_zip_writer_add(r->zip, final, mtime, store_as_is(out->ext), out->data.data,
	                      out->data.len) < 0) {
		st = mg_fail(r->ctx, mg_zip_writer_overflow(r->zip) ? MG_E_LIMIT_SIZE : MG_E_INTERNAL,
		             "%s", mg_zip_writer_error(r->zip));
		goto done;
	}
	if (child)
		json_object_set_new(child, "stored_as", mg_json_text(final));
	r->kept++;
done:
	free(renamed);
	free(final);
	return st;
}

static bool is_limit(mg_status st)
{
	return st >= MG_E_LIMIT_SIZE && st <= MG_E_LIMIT_TIME;
}

/* A member its family refused: left out, unless what stopped it must stop
 * the whole archive. */
static mg_status member_refused(arc *r, const char *path, mg_status st, json_t *child)
{
	const char *why = json_string_value(json_object_get(child, "reason"));

	if (!why)
		why = mg_status_name(st);
	if (st == MG_E_ENCRYPTED)
		return mg_fail(r->ctx, st, ENCRYPTED_MEMBER, path);
	if (is_limit(st) || st == MG_E_INTERNAL)
		return mg_fail(r->ctx, st, "member '%s': %s", path, why);
	if (r->raw) /* the stream's only content: its verdict is the archive's */
		return mg_fail(r->ctx, st, "%s", why);
	note_removed(r, path, st, why);
	return MG_OK;
}

static mg_status sanitize_member(arc *r, struct archive_entry *e, const char *path)
{
	static const unsigned char empty[1];
	json_t *child = NULL;
	mg_out out;
	mg_status st;

	leave_utf8(r);
	st = mg_sanitize_child(r->ctx, r->member.data ? r->member.data : empty, r->member.len,
	                       path, NULL, &out, &child);
	enter_utf8(r);
	if (st == MG_OK)
		st = pack_member(r, e, path, &out, child);
	else
		st = member_refused(r, path, st, child);
	mg_out_free(&out);
	return st;
}

/* Why an entry that is not a regular file is dropped, NULL for a directory. */
static const char *not_a_file(struct archive_entry *e, mode_t type, char *why, size_t len)
{
	const char *link = type == AE_IFLNK ? archive_entry_symlink(e) : archive_entry_hardlink(e);

	if (type == AE_IFDIR)
		return NULL;
	if (type == AE_IFLNK || archive_entry_hardlink(e))
		snprintf(why, len, "%s link to '%s': links are never unpacked",
		         type == AE_IFLNK ? "symbolic" : "hard", link ? link : "");
	else
		snprintf(why, len, "device file, fifo or socket: only regular files are unpacked");
	return why;
}

static mg_status handle_entry(arc *r, struct archive_entry *e)
{
	char *path = member_path(r, e);
	mode_t type = archive_entry_filetype(e);
	bool regular = (type == AE_IFREG || type == 0) && !archive_entry_hardlink(e);
	mg_status st;
	char why[512];

	if (!path)
		return mg_fail(r->ctx, MG_E_INTERNAL, "out of memory");
	/* whatever is dropped is still read through the limits */
	st = read_member(r, e, path, regular);
	if (st == MG_OK && regular)
		st = sanitize_member(r, e, path);
	else if (st == MG_OK && not_a_file(e, type, why, sizeof(why)))
		note_removed(r, path, MG_E_TYPE_BLOCKED, why);
	/* directories: implied by the members' paths */
	free(path);
	return st;
}

static mg_status unpack(arc *r)
{
	const mg_policy *p = r->ctx->policy;
	struct archive_entry *e;
	mg_status st;

	for (;;) {
		int rc = archive_read_next_header(r->a, &e);

		if (rc == ARCHIVE_EOF)
			return MG_OK;
		if (rc < ARCHIVE_WARN)
			return read_failed(r, NULL, r->entries ? "a member header" : "the first header",
			                   true);
		if (r->entries == 0 && (st = learn_format(r)) != MG_OK)
			return st;
		if (++r->entries > p->max_parts)
			return mg_fail(r->ctx, MG_E_LIMIT_COUNT, "more than max_parts %u members",
			               p->max_parts);
		mg_progress(r->ctx, "archive member %u", r->entries);
		if ((st = mg_check_deadline(r->ctx)) != MG_OK)
			return st;
		if (archive_entry_is_encrypted(e) && !r->passphrase)
			return encrypted(r);
		if ((st = handle_entry(r, e)) != MG_OK)
			return st;
	}
}

/* After the last member: the whole archive's checks, then the new zip. */
static mg_status finish(arc *r, mg_out *out)
{
	int64_t listed = -1;

	if ((r->format & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_ZIP)
		listed = mg_zip_directory_count(r->item->data, r->item->len);
	if (listed > (int64_t)r->entries)
		return mg_fail(r->ctx, MG_E_MALFORMED,
		               "the zip directory lists %lld members but only %u can be told apart: "
		               "members overlap (a zip bomb) or the directory is damaged",
		               (long long)listed, r->entries);
	if (r->kept == 0 && r->removed > 0)
		return mg_fail(r->ctx, r->removed_status, "nothing in the archive could be kept: %s",
		               r->removed_reason);
	if (mg_zip_writer_finish(r->zip) < 0)
		return mg_fail(r->ctx, mg_zip_writer_overflow(r->zip) ? MG_E_LIMIT_SIZE : MG_E_INTERNAL,
		               "%s", mg_zip_writer_error(r->zip));
	mg_out_set_type(out, "application/zip", "zip");
	mg_report_action(r->ctx, "unpacked %u entries (%s); %u members sanitised and packed again "
	                 "as a zip, %u removed", r->entries,
	                 r->a && r->entries ? archive_format_name(r->a) : "empty", r->kept,
	                 r->removed);
	return MG_OK;
}

static bool arc_init(arc *r, mg_ctx *ctx, const mg_item *item, mg_out *out)
{
	memset(r, 0, sizeof(*r));
	r->ctx = ctx;
	r->item = item;
	r->legacy = "Shift_JIS";
	r->utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	if (r->utf8)
		r->saved = uselocale(r->utf8);
	if (!ctx->unpacked) {
		ctx->unpacked = &r->own_total;
		r->outermost = true;
	}
	r->total = ctx->unpacked;
	mg_buf_init(&r->member, ctx->policy->max_size);
	r->block = malloc(READ_BLOCK);
	r->names = mg_names_new();
	r->zip = mg_zip_writer_new(&out->data);
	return r->block && r->names && r->zip;
}

static void arc_free(arc *r)
{
	if (r->a)
		archive_read_free(r->a);
	mg_gz_source_free(r->gz);
	mg_zip_writer_free(r->zip);
	mg_names_free(r->names);
	mg_buf_free(&r->member);
	free(r->block);
	if (r->outermost)
		r->ctx->unpacked = NULL;
	if (r->utf8) {
		uselocale(r->saved);
		freelocale(r->utf8);
	}
}

/* A candidate password that opens the archive, if one is needed. */
static mg_status use_password(arc *r)
{
	long picked = -1;
	mg_status st = mg_archive_pick_password(r->ctx, r->item, &picked);

	if (st == MG_OK && picked >= 0) {
		r->passphrase = r->ctx->passwords[picked];
		mg_report_unlocked(r->ctx, (size_t)picked, "password-protected zip archive");
	}
	return st;
}

/* 7-Zip's largest preset dictionary is 64 MiB; a member asking for more
 * than four times that is refused before libarchive allocates it. */
#define LZMA_DICT_MAX (256u << 20)

static mg_status lzma_memory_ok(arc *r)
{
	uint64_t dict = mg_zip_lzma_dict_max(r->item->data, r->item->len);

	if (dict <= LZMA_DICT_MAX)
		return MG_OK;
	return mg_fail(r->ctx, MG_E_LIMIT_SIZE,
	               "a zip member's LZMA dictionary of %llu MiB is over the %u MiB allowed",
	               (unsigned long long)(dict >> 20), LZMA_DICT_MAX >> 20);
}

static mg_status archive_run(mg_ctx *ctx, const mg_item *item, mg_action action, mg_out *out)
{
	mg_status st = MG_OK;
	arc r;

	(void)action;
	if (!arc_init(&r, ctx, item, out))
		st = mg_fail(ctx, MG_E_INTERNAL, "out of memory");
	else if (mg_rar5_encrypted(item->data, item->len))
		st = encrypted(&r);
	else
		st = lzma_memory_ok(&r);
	if (st == MG_OK)
		st = use_password(&r);
	/* an empty zip, its end record alone, is nothing libarchive would open */
	if (st == MG_OK && !(mg_view(item->data, item->len, 0, 4) &&
	                     memcmp(item->data, "PK\5\6", 4) == 0 &&
	                     mg_zip_directory_count(item->data, item->len) == 0)) {
		st = open_reader(&r);
		if (st == MG_OK)
			st = unpack(&r);
	}
	if (st == MG_OK)
		st = finish(&r, out);
	arc_free(&r);
	return st;
}

const mg_filter mg_filter_archive = {
	.family = MG_FAM_ARCHIVE,
	.name = "archive",
	.actions = 1u << MG_ACT_RECURSE,
	.default_action = MG_ACT_RECURSE,
	.run = archive_run,
};
