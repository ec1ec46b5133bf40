/*
 * mail_fields.c - the new message's own header fields: each name with the
 * raw value written after it, in order, written as gmime writes a header
 * list.
 *
 * A GMimeHeaderList makes an object of each field and a hash table of
 * them, and to write them a filter stream and a newline filter; the
 * rebuild sets some ten fields a mail and only writes them.  Here a field
 * is two strings.  A value gmime must format (an ASCII subject it folds,
 * references, a masked subject) is formatted by gmime itself, in a header
 * list kept for that alone, and the bytes its header writes are kept:
 * the same formatter with the same options, as a list formats a field
 * when it writes it.  check_mail compares the bytes with a
 * GMimeHeaderList's and a GMimeMessage's.
 */
#include <string.h>

#include "mail_priv.h"

typedef struct mail_field {
	char *name;
	char *raw;   /* what follows "Name:", its newline included */
	char *value; /* as a message reads it; NULL until asked for */
} mail_field;

static void field_free(gpointer p)
{
	mail_field *f = p;

	g_free(f->name);
	g_free(f->raw);
	g_free(f->value);
	g_free(f);
}

void mail_fields_init(mail_fields *f, GMimeFormatOptions *fopts)
{
	f->all = g_ptr_array_new_with_free_func(field_free);
	f->format = NULL;
	f->fopts = fopts;
}

void mail_fields_free(mail_fields *f)
{
	g_ptr_array_free(f->all, TRUE);
	if (f->format)
		g_object_unref(f->format);
	f->all = NULL;
	f->format = NULL;
}

/* The field of that name (case aside, as a header list finds it), or
 * NULL. */
static mail_field *field_find(const mail_fields *f, const char *name)
{
	for (guint i = 0; i < f->all->len; i++) {
		mail_field *m = g_ptr_array_index(f->all, i);

		if (g_ascii_strcasecmp(m->name, name) == 0)
			return m;
	}
	return NULL;
}

/* The field of that name, made at the end when there is none. */
static mail_field *field_of(mail_fields *f, const char *name)
{
	mail_field *m = field_find(f, name);

	if (m)
		return m;
	m = g_new0(mail_field, 1);
	m->name = g_strdup(name);
	g_ptr_array_add(f->all, m);
	return m;
}

static void field_set(mail_field *m, char *raw, char *value)
{
	g_free(m->raw);
	g_free(m->value);
	m->raw = raw;
	m->value = value;
}

void mail_fields_set_raw(mail_fields *f, const char *name, const char *raw)
{
	field_set(field_of(f, name), g_strdup(raw), NULL);
}

void mail_fields_set(mail_fields *f, const char *name, const char *value, const char *charset)
{
	mail_field *m = field_of(f, name);
	GMimeStream *mem = g_mime_stream_mem_new();
	GMimeHeader *h;
	GByteArray *a;
	const char *colon;

	if (!f->format)
		f->format = g_mime_header_list_new(g_mime_parser_options_get_default());
	g_mime_header_list_set(f->format, m->name, value, charset);
	h = g_mime_header_list_get_header(f->format, m->name);
	g_mime_header_write_to_stream(h, f->fopts, mem);
	a = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	colon = a->len ? memchr(a->data, ':', a->len) : NULL;
	field_set(m, colon ? g_strndup(colon + 1, a->len - (gsize)(colon + 1 - (const char *)a->data))
	                   : g_strdup("\n"),
	          g_strdup(g_mime_header_get_value(h)));
	g_object_unref(mem);
}

const char *mail_fields_value(mail_fields *f, const char *name)
{
	mail_field *m = field_find(f, name);
	char *unfolded;

	if (m && !m->value) {
		unfolded = g_mime_utils_header_unfold(m->raw);
		m->value = g_mime_utils_header_decode_text(g_mime_parser_options_get_default(), unfolded);
		g_free(unfolded);
	}
	return m ? m->value : NULL;
}

int mail_fields_write(const mail_fields *f, GMimeStream *s)
{
	GString *g = g_string_sized_new(1024);
	int rc;

	for (guint i = 0; i < f->all->len; i++) {
		const mail_field *m = g_ptr_array_index(f->all, i);

		g_string_append(g, m->name);
		g_string_append_c(g, ':');
		g_string_append(g, m->raw);
	}
	rc = mail_write_newlines(s, f->fopts, (const guchar *)g->str, g->len, false) < 0 ? -1 : 0;
	g_string_free(g, TRUE);
	return rc;
}
