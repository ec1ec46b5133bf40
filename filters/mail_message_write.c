/*
 * mail_message_write.c - the rebuilt message written from its fields and
 * its body, without a GMimeMessage.
 *
 * A GMimeMessage parses every field it is given back into structures of
 * its own (an address field into a new address list, the date, the
 * message id, the subject) and holds six address lists from the start:
 * a fifth of the header copy, for a message mugai only writes.  The
 * fields are kept as names and raw values instead (mail_fields.c), set
 * as the message's own setters set them (mail_headers.c), and written
 * here as gmime's message writes them when its body's fields have no
 * place in the input (they never have: the body is made by the
 * rebuild): every field of the message, then the body's own
 * (Content-Type and the others), a blank line and the body's content,
 * ending on a newline.  check_mail compares the bytes with those of a
 * GMimeMessage.
 */
#include "mail_priv.h"

int mail_message_write(const mail_fields *fields, GMimeObject *body, GMimeStream *s)
{
	int rc = 0;

	if (mail_fields_write(fields, s) < 0)
		return -1;
	/* what the message sets on its body while it writes it */
	body->ensure_newline = TRUE;
	if (g_mime_object_write_to_stream(body, fields->fopts, s) < 0)
		rc = -1;
	body->ensure_newline = FALSE;
	return rc;
}

int mail_message_write_text(const mail_fields *fields, GMimeContentEncoding enc,
                            const GByteArray *content, GMimeStream *s)
{
	if (mail_fields_write(fields, s) < 0 || mail_text_body_write(s, enc, content) < 0)
		return -1;
	return 0;
}
