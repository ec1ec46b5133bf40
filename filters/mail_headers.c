/*
 * mail_headers.c - the header fields that cross, rebuilt from their values.
 *
 * Only the whitelist below crosses.  Each value is decoded to UTF-8
 * (RFC 2047 words through gmime; raw 8-bit or ISO-2022-JP bytes, which
 * Japanese senders still write, through charset.c), parsed where it has a
 * structure (addresses, dates, message ids), and written again as UTF-8
 * encoded-words where it is not ASCII (mail_words.c: folded words are
 * decoded and written so that none is lost).  A value larger than
 * policy max_header_bytes, or one that does not parse, is dropped and
 * reported; every field outside the whitelist is dropped and reported.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "charset.h"
#include "mail_priv.h"

#define MAX_REFERENCES 40   /* the most recent ids of References are kept */
#define MAX_ID_LEN 250
#define MAX_ADDR_LEN 320
#define MAX_DROPPED_NAMES 40

enum field { F_FROM, F_TO, F_CC, F_REPLY_TO, F_DATE, F_SUBJECT, F_MESSAGE_ID, F_IN_REPLY_TO,
	     F_REFERENCES, F_MIME_VERSION, F_COUNT };

static const char *const whitelist[F_COUNT] = {
	[F_FROM] = "From", [F_TO] = "To", [F_CC] = "Cc", [F_REPLY_TO] = "Reply-To",
	[F_DATE] = "Date", [F_SUBJECT] = "Subject", [F_MESSAGE_ID] = "Message-ID",
	[F_IN_REPLY_TO] = "In-Reply-To", [F_REFERENCES] = "References",
	[F_MIME_VERSION] = "MIME-Version",
};

char *mail_clean_line(const char *s, size_t len)
{
	mg_buf b;
	GString *out;
	bool space = false;

	mg_buf_init(&b, len * 4 + 16);
	if (mg_charset_decode((const unsigned char *)s, len, "UTF-8", &b, NULL) < 0 || !b.data) {
		mg_buf_free(&b);
		return g_strdup("");
	}
	mg_utf8_clean(&b);
	out = g_string_sized_new(b.len);
	for (size_t i = 0; i < b.len; i++) {
		unsigned char c = b.data[i];

		if (c == ' ' || c == '\t' || c == '\n') {
			space = out->len > 0;
			continue;
		}
		if (space)
			g_string_append_c(out, ' ');
		g_string_append_c(out, (char)c);
		space = false;
	}
	mg_buf_free(&b);
	return g_string_free(out, FALSE);
}

/* A raw header value as UTF-8, still with its RFC 2047 words. */
static char *raw_to_utf8(const char *raw)
{
	size_t n = strlen(raw);
	bool esc = memchr(raw, 0x1b, n) != NULL;
	mg_buf b;
	char *s;

	if (!esc && g_utf8_validate(raw, (gssize)n, NULL))
		return g_strdup(raw);
	mg_buf_init(&b, n * 4 + 16);
	if (mg_charset_decode((const unsigned char *)raw, n, esc ? "ISO-2022-JP" : NULL, &b, NULL) < 0
	    || !b.data)
		s = g_strdup("");
	else
		s = g_strndup((const char *)b.data, b.len);
	mg_buf_free(&b);
	return s;
}

char *mail_header_text(mail_job *j, const char *raw)
{
	char *utf8 = raw_to_utf8(raw);
	char *safe = mail_words_unpad(utf8);
	char *dec = g_mime_utils_header_decode_text(j->popts, safe);
	char *clean = mail_clean_line(dec ? dec : "", dec ? strlen(dec) : 0);

	g_free(utf8);
	g_free(safe);
	g_free(dec);
	return clean;
}

/* An address as it may be written: printable ASCII or UTF-8, no blanks,
 * no brackets or quotes that would change how the field parses. */
static bool addr_ok(const char *a)
{
	size_t n = a ? strlen(a) : 0;

	if (n == 0 || n > MAX_ADDR_LEN || !g_utf8_validate(a, (gssize)n, NULL))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)a[i];

		if (c <= ' ' || c == 0x7F || c == '<' || c == '>' || c == '"' || c == ',' || c == ';' ||
		    c == '(' || c == ')' || c == '\\')
			return false;
	}
	return true;
}

/* gmime looks up the IDN form of an address's domain with libidn2 when
 * it writes the address (a fifth of the header copy), and keeps it in the
 * mailbox.  A domain of ASCII letters, digits and hyphens in labels of 1
 * to 63 (no "xn--" one, no trailing dot, one '@') is its own IDN form: libidn2
 * gives it back, gmime writes it as it is when the two differ in case
 * only.  check_mail holds gmime to that for the addresses this accepts. */
bool mail_addr_is_own_idn(const char *addr)
{
	const char *at = addr ? strchr(addr, '@') : NULL, *label;
	size_t n = 0;

	if (!at || at == addr || strchr(at + 1, '@') || strlen(at + 1) > 253)
		return false;
	for (const char *p = addr; p < at; p++)
		if ((unsigned char)*p >= 0x80)
			return false;
	for (label = at + 1;; label += n + 1) {
		n = strspn(label, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-");
		if (n == 0 || n > 63 || g_ascii_strncasecmp(label, "xn--", 4) == 0 ||
		    (label[n] != '.' && label[n] != 0))
			return false;
		if (label[n] == 0)
			return true;
	}
}

static void ascii_is_idn(InternetAddressMailbox *mb)
{
	if (!mb->idn_addr && mail_addr_is_own_idn(mb->addr))
		mb->idn_addr = g_strdup(mb->addr);
}

static InternetAddress *new_mailbox(InternetAddress *src)
{
	const char *addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(src));
	const char *name = internet_address_get_name(src);
	char *clean = name ? mail_clean_line(name, strlen(name)) : NULL;
	InternetAddress *ia = NULL;

	if (addr_ok(addr)) {
		ia = internet_address_mailbox_new(clean && *clean ? clean : NULL, addr);
		internet_address_set_charset(ia, "utf-8");
		ascii_is_idn(INTERNET_ADDRESS_MAILBOX(ia));
	}
	g_free(clean);
	return ia;
}

/* Rebuilds every address of src into dst; returns how many were dropped. */
static unsigned rebuild_list(InternetAddressList *src, InternetAddressList *dst, int level)
{
	unsigned dropped = 0;

	for (int i = 0; i < internet_address_list_length(src); i++) {
		InternetAddress *ia = internet_address_list_get_address(src, i), *copy = NULL;

		if (INTERNET_ADDRESS_IS_MAILBOX(ia)) {
			copy = new_mailbox(ia);
		} else if (INTERNET_ADDRESS_IS_GROUP(ia) && level == 0) {
			const char *name = internet_address_get_name(ia);
			char *clean = mail_clean_line(name ? name : "", name ? strlen(name) : 0);
			InternetAddressList *members = internet_address_list_new();

			dropped += rebuild_list(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(ia)),
			                        members, level + 1);
			copy = internet_address_group_new(*clean ? clean : "undisclosed-recipients");
			internet_address_set_charset(copy, "utf-8");
			internet_address_group_set_members(INTERNET_ADDRESS_GROUP(copy), members);
			g_object_unref(members);
			g_free(clean);
		}
		if (copy) {
			internet_address_list_add(dst, copy);
			g_object_unref(copy);
		} else {
			dropped++;
		}
	}
	return dropped;
}

static bool has_8bit(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return true;
	return false;
}

/* One address as written: a non-ASCII display name through our encoder,
 * the rest as gmime writes it. */
static void address_raw(mail_job *j, InternetAddress *ia, size_t used, GString *g)
{
	const char *name = internet_address_get_name(ia);
	bool group = INTERNET_ADDRESS_IS_GROUP(ia);

	if (!group && (!name || !has_8bit(name))) {
		char *s = internet_address_to_string(ia, j->fopts, FALSE);

		g_string_append(g, s);
		g_free(s);
		return;
	}
	{
		/* a group's members may have non-ASCII names under an ASCII one */
		char *enc = has_8bit(name) ? mail_words_encode(name, used) : g_mime_utils_quote_string(name);

		g_string_append(g, enc);
		g_free(enc);
	}
	if (!group) {
		g_string_append_printf(g, "\n <%s>",
		                       internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia)));
	} else {
		InternetAddressList *m = internet_address_group_get_members(INTERNET_ADDRESS_GROUP(ia));

		g_string_append_c(g, ':');
		for (int i = 0; i < internet_address_list_length(m); i++) {
			g_string_append(g, i ? ",\n " : "\n ");
			address_raw(j, internet_address_list_get_address(m, i), 1, g);
		}
		g_string_append_c(g, ';');
	}
}

static bool any_8bit_name(InternetAddressList *l)
{
	for (int i = 0; i < internet_address_list_length(l); i++) {
		InternetAddress *ia = internet_address_list_get_address(l, i);
		const char *name = internet_address_get_name(ia);

		if ((name && has_8bit(name)) ||
		    (INTERNET_ADDRESS_IS_GROUP(ia) &&
		     any_8bit_name(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(ia)))))
			return true;
	}
	return false;
}

/* The field written from the rebuilt list by mugai's encoder, so that
 * long display names are encoded as words every decoder reads whole. */
static void set_addresses_raw(mail_job *j, const char *field, InternetAddressList *l)
{
	GString *g = g_string_new(NULL);

	for (int i = 0; i < internet_address_list_length(l); i++) {
		g_string_append(g, i ? ",\n " : "");
		address_raw(j, internet_address_list_get_address(l, i), i ? 1 : strlen(field) + 2, g);
	}
	mail_header_set_raw(&j->fields, field, g->str);
	g_string_free(g, TRUE);
}

/* What a message's address list writes into its field when addresses
 * are added to it (gmime's sync of the list to the header): encoded
 * after "Name: ", which counts towards the first line's fold. */
static void set_addresses_encoded(mail_job *j, const char *field, InternetAddressList *l)
{
	GString *g = g_string_new(field);
	size_t n;

	g_string_append_c(g, ':');
	n = g->len;
	g_string_append_c(g, ' ');
	internet_address_list_encode(l, NULL, g);
	mail_fields_set_raw(&j->fields, field, g->str + n);
	g_string_free(g, TRUE);
}

/* A display name mail_clean_line gives back as it is: printable ASCII
 * words, one space apart. */
static bool name_is_clean(const char *name)
{
	if (!*name || *name == ' ')
		return false;
	for (const char *p = name; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == ' ' ? (p[1] == ' ' || p[1] == 0) : (c < 0x21 || c > 0x7E))
			return false;
	}
	return true;
}

/* Whether the parsed list is what rebuild_list would make of it: mailboxes
 * only, each address as it may be written, each name (ASCII, so its
 * charset is never used) already clean or empty (written as none, as a
 * copy writes it).  Such a list is written as it came, without a copy of
 * every address; its mailboxes get the IDN form a copy would
 * (ascii_is_idn). */
static bool kept_as_parsed(InternetAddressList *l)
{
	int n = internet_address_list_length(l);

	for (int i = 0; i < n; i++) {
		InternetAddress *ia = internet_address_list_get_address(l, i);
		const char *name = internet_address_get_name(ia);

		if (!INTERNET_ADDRESS_IS_MAILBOX(ia) || INTERNET_ADDRESS_MAILBOX(ia)->idn_addr ||
		    !addr_ok(internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia))) ||
		    (name && *name && !name_is_clean(name)))
			return false;
	}
	for (int i = 0; i < n; i++)
		ascii_is_idn(INTERNET_ADDRESS_MAILBOX(internet_address_list_get_address(l, i)));
	return n > 0;
}

/* The field's value parsed as it may be written (RFC 2047 words B-encoded
 * with padding unpadded first); NULL when no address parses. */
static InternetAddressList *parse_addresses(mail_job *j, const char *raw)
{
	char *utf8 = raw_to_utf8(raw), *safe = mail_words_unpad(utf8);
	InternetAddressList *l = internet_address_list_parse(j->popts, safe);

	g_free(safe);
	g_free(utf8);
	return l;
}

/* parsed: the source message's own list of the field, when it is what
 * parse_addresses would give (see message_list_stands_for). */
static void addresses(mail_job *j, const char *field, const char *raw, InternetAddressList *parsed)
{
	InternetAddressList *l, *built;
	unsigned dropped;

	if (parsed)
		l = internet_address_list_length(parsed) > 0 ? g_object_ref(parsed) : NULL;
	else
		l = parse_addresses(j, raw);
	if (!l) {
		mg_report_removed(j->ctx, field, "no address could be parsed");
		return;
	}
	if (kept_as_parsed(l)) {
		set_addresses_encoded(j, field, l);
		g_object_unref(l);
		return;
	}
	/* an empty list writes no field, as a message's list never changed */
	built = internet_address_list_new();
	dropped = rebuild_list(l, built, 0);
	if (any_8bit_name(built))
		set_addresses_raw(j, field, built); /* not encoded by gmime first */
	else if (internet_address_list_length(built) > 0)
		set_addresses_encoded(j, field, built);
	g_object_unref(built);
	if (dropped)
		mg_report_removed(j->ctx, field, "%u malformed addresses dropped", dropped);
	g_object_unref(l);
}

static bool msgid_ok(const char *id)
{
	size_t n = id ? strlen(id) : 0;

	if (n == 0 || n > MAX_ID_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)id[i] <= ' ' || (unsigned char)id[i] >= 0x7F || id[i] == '<' ||
		    id[i] == '>')
			return false;
	return true;
}

static void references(mail_job *j, const char *field, const char *raw)
{
	GMimeReferences *refs = g_mime_references_parse(j->popts, raw);
	GString *v = g_string_new(NULL);
	int n = refs ? g_mime_references_length(refs) : 0;

	for (int i = n > MAX_REFERENCES ? n - MAX_REFERENCES : 0; i < n; i++) {
		const char *id = g_mime_references_get_message_id(refs, i);

		if (msgid_ok(id))
			g_string_append_printf(v, "%s<%s>", v->len ? " " : "", id);
	}
	if (v->len)
		mail_fields_set(&j->fields, field, v->str, NULL);
	else
		mg_report_removed(j->ctx, field, "no valid message id");
	if (refs)
		g_mime_references_free(refs);
	g_string_free(v, TRUE);
}

/* An ASCII subject as gmime writes it (set raw where that is the value
 * itself); any other as encoded-words that every decoder reads whole
 * (gmime's own encoder writes padded B words that gmime then cuts),
 * without gmime encoding it first. */
static void set_subject(mail_fields *dst, const char *utf8)
{
	char *enc;

	if (!has_8bit(utf8)) {
		if (!mail_header_set_as_is(dst, "Subject", utf8))
			mail_fields_set(dst, "Subject", utf8, "utf-8");
		return;
	}
	enc = mail_words_encode(utf8, strlen("Subject") + 2);
	mail_header_set_raw(dst, "Subject", enc);
	g_free(enc);
}

static void copy_field(mail_job *j, enum field f, const char *raw, InternetAddressList *parsed)
{
	char *s = NULL, *id;
	GDateTime *dt;

	switch (f) {
	case F_FROM:
	case F_TO:
	case F_CC:
	case F_REPLY_TO:
		addresses(j, whitelist[f], raw, parsed);
		break;
	case F_DATE:
		dt = g_mime_utils_header_decode_date(raw);
		if (dt) {
			/* what g_mime_message_set_date() sets */
			s = g_mime_utils_header_format_date(dt);
			mail_header_set(&j->fields, "Date", s);
			g_date_time_unref(dt);
		} else {
			mg_report_removed(j->ctx, "Date", "not a date");
		}
		break;
	case F_SUBJECT:
		s = mail_header_text(j, raw);
		set_subject(&j->fields, s);
		/* the quarantine and the notices show it without parsing the mail */
		json_object_set_new(j->ctx->report, "subject", mg_json_text(s));
		break;
	case F_MESSAGE_ID:
		s = g_mime_utils_decode_message_id(raw);
		if (msgid_ok(s)) {
			/* what g_mime_message_set_message_id() sets, its name too;
			 * gmime's Message-Id formatter writes " <id>" and the
			 * newline, and an id here has no blank to trim */
			id = g_strconcat("<", s, ">", NULL);
			mail_header_set_raw(&j->fields, "Message-Id", id);
			g_free(id);
		} else
			mg_report_removed(j->ctx, "Message-ID", "not a message id");
		break;
	case F_IN_REPLY_TO:
	case F_REFERENCES:
		references(j, whitelist[f], raw);
		break;
	case F_MIME_VERSION:
	case F_COUNT:
		break; /* gmime writes MIME-Version: 1.0 itself */
	}
	g_free(s);
}

static int field_of(const char *name)
{
	for (int f = 0; f < F_COUNT; f++)
		if (strcasecmp(name, whitelist[f]) == 0)
			return f;
	return -1;
}

static void note_dropped(GString *names, unsigned *count, const char *name)
{
	char *clean = mail_clean_line(name, strlen(name));

	if (*count < MAX_DROPPED_NAMES && !strstr(names->str, clean))
		g_string_append_printf(names, "%s%s", names->len ? ", " : "", clean);
	(*count)++;
	g_free(clean);
}

/* The fields gmime's pretty order puts first, in that order (what
 * g_mime_message_new (TRUE) gave by making nine empty fields up front, at
 * a twentieth of the header copy); the others follow as they come. */
static const enum field pretty_first[] = { F_DATE, F_FROM, F_REPLY_TO, F_SUBJECT, F_TO, F_CC };

static bool is_pretty_first(enum field f)
{
	for (size_t i = 0; i < G_N_ELEMENTS(pretty_first); i++)
		if (pretty_first[i] == f)
			return true;
	return false;
}

/* Whether the source message's own list of an address field (gmime parses
 * it with the same options while it parses the message) is what
 * parse_addresses gives for its value: the field came once (with two, the
 * message keeps the last, the copy the first), and the value is ASCII
 * with no RFC 2047 word (so neither decoded nor unpadded first) and no
 * comment (an unclosed one fails a parse that the message's list
 * survives with the addresses before it). */
static InternetAddressList *message_list_stands_for(GMimeMessage *src, enum field f,
                                                    const char *raw, unsigned seen)
{
	static const GMimeAddressType types[F_COUNT] = {
		[F_FROM] = GMIME_ADDRESS_TYPE_FROM, [F_TO] = GMIME_ADDRESS_TYPE_TO,
		[F_CC] = GMIME_ADDRESS_TYPE_CC, [F_REPLY_TO] = GMIME_ADDRESS_TYPE_REPLY_TO,
	};

	if (seen != 1 || (f != F_FROM && f != F_TO && f != F_CC && f != F_REPLY_TO))
		return NULL;
	for (const char *p = raw; *p; p++)
		if ((unsigned char)*p >= 0x80 || *p == 0x1b || *p == '(' || (p[0] == '=' && p[1] == '?'))
			return NULL;
	return g_mime_message_get_addresses(src, types[f]);
}

mg_status mail_copy_headers(mail_job *j, GMimeMessage *src)
{
	GMimeHeaderList *list = g_mime_object_get_header_list(GMIME_OBJECT(src));
	int n = list ? g_mime_header_list_get_count(list) : 0;
	const char *raw_of[F_COUNT] = { NULL };
	unsigned seen[F_COUNT] = { 0 };
	enum field rest[F_COUNT];
	size_t nrest = 0;
	GString *dropped = g_string_new(NULL);
	unsigned ndropped = 0;

	for (int i = 0; i < n; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(list, i);
		const char *name = g_mime_header_get_name(h);
		const char *raw = g_mime_header_get_raw_value(h);
		int f = name ? field_of(name) : -1;

		if ((i & 255) == 255 && mg_check_deadline(j->ctx) != MG_OK)
			break;
		if (f >= 0)
			seen[f]++;
		if (!name || !raw)
			continue;
		if (g_ascii_strncasecmp(name, "Content-", 8) == 0)
			continue; /* the MIME structure is rebuilt, not copied */
		if (f < 0) {
			note_dropped(dropped, &ndropped, name);
		} else if (strlen(raw) > j->ctx->policy->max_header_bytes) {
			mg_report_removed(j->ctx, whitelist[f], "%zu bytes, larger than max_header_bytes %llu",
			                  strlen(raw), (unsigned long long)j->ctx->policy->max_header_bytes);
		} else if (raw_of[f]) {
			mg_report_finding(j->ctx, "repeated %s field dropped", whitelist[f]);
		} else {
			raw_of[f] = raw;
			if (!is_pretty_first((enum field)f))
				rest[nrest++] = (enum field)f;
		}
	}
	for (size_t i = 0; i < G_N_ELEMENTS(pretty_first); i++) {
		enum field f = pretty_first[i];

		if (raw_of[f])
			copy_field(j, f, raw_of[f], message_list_stands_for(src, f, raw_of[f], seen[f]));
	}
	for (size_t i = 0; i < nrest; i++)
		copy_field(j, rest[i], raw_of[rest[i]],
		           message_list_stands_for(src, rest[i], raw_of[rest[i]], seen[rest[i]]));
	if (ndropped)
		mg_report_removed(j->ctx, "header fields", "%u fields outside the whitelist: %s%s",
		                  ndropped, dropped->str, ndropped > MAX_DROPPED_NAMES ? ", ..." : "");
	g_string_free(dropped, TRUE);
	return j->ctx->status;
}
