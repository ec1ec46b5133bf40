/*
 * links.c - the policy's links (text, defang, remove) applied to text.
 *
 * A URL in a text body is clickable in every mail client, so the policy
 * that turns HTML links into text must reach the bare URLs of text too.
 * They are found the way clients find them: "http://", "https://",
 * "ftp://" or "www." at the start of a word, up to a blank, a quote, an
 * angle bracket or a non-ASCII character, trailing punctuation left out.
 * defang writes the scheme as hxxp/hxxps/fxp and every dot of the host as
 * "[.]"; remove writes a short marker in its place.  Each URL changed is
 * listed in the item's report ("links"), up to MAX_LISTED.
 */
#include <string.h>
#include <strings.h>

#include <glib.h>

#include "text.h"

#define MAX_LISTED 1000 /* URLs listed in one report; the rest are counted */
#define MAX_URL 4096    /* longer runs are cut there: still defanged, never kept whole */

static const struct scheme {
	const char *in;
	const char *out;
} schemes[] = {
	{ "https://", "hxxps://" },
	{ "http://", "hxxp://" },
	{ "ftp://", "fxp://" },
	{ "www.", "" },
};

/* The scheme a URL starts with at d, NULL when none. */
static const struct scheme *scheme_at(const unsigned char *d, size_t n)
{
	for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		size_t k = strlen(schemes[i].in);

		if (n > k && g_ascii_strncasecmp((const char *)d, schemes[i].in, k) == 0 &&
		    (g_ascii_isalnum(d[k]) || d[k] >= 0x80 || d[k] == '['))
			return &schemes[i];
	}
	return NULL;
}

static bool url_char(unsigned char c)
{
	return c > ' ' && c < 0x7F && c != '<' && c != '>' && c != '"' && c != '`';
}

/* The length of the URL starting at d, without trailing punctuation. */
static size_t url_len(const unsigned char *d, size_t n)
{
	size_t len = 0;
	unsigned open = 0, close = 0;

	while (len < n && len < MAX_URL && url_char(d[len])) {
		open += d[len] == '(';
		close += d[len] == ')';
		len++;
	}
	while (len > 0) {
		unsigned char c = d[len - 1];

		if (strchr(".,;:!?'*", c) || (c == ')' && close > open)) {
			close -= c == ')';
			len--;
		} else {
			break;
		}
	}
	return len;
}

int mg_link_defang(const char *url, size_t len, mg_buf *out)
{
	const struct scheme *sc = scheme_at((const unsigned char *)url, len);
	size_t i = 0;
	bool host = true;
	int rc = 0;

	if (sc) {
		rc |= mg_buf_puts(out, sc->out);
		if (sc->out[0])
			i = strlen(sc->in);
	} else {
		const char *p = memmem(url, len, "://", 3);

		if (p)
			i = (size_t)(p - url) + 3;
		rc |= mg_buf_append(out, url, i);
	}
	for (; i < len; i++) {
		if (url[i] == '/' || url[i] == '?' || url[i] == '#')
			host = false;
		if (host && url[i] == '.')
			rc |= mg_buf_puts(out, "[.]");
		else
			rc |= mg_buf_putc(out, url[i]);
	}
	return rc < 0 ? -1 : 0;
}

void mg_link_record(mg_ctx *ctx, const char *url, size_t len, const char *action)
{
	json_t *list = json_object_get(ctx->report, "links");
	char *copy;

	if (!list) {
		list = json_array();
		json_object_set_new(ctx->report, "links", list);
	}
	if (json_array_size(list) >= MAX_LISTED) {
		json_int_t more = json_integer_value(json_object_get(ctx->report, "links_not_listed"));

		json_object_set_new(ctx->report, "links_not_listed", json_integer(more + 1));
		return;
	}
	copy = g_strndup(url, len);
	json_array_append_new(list, json_pack("{s:o,s:s}", "url", mg_json_text(copy),
	                                      "action", action));
	g_free(copy);
}

static const char *removed_marker(const mg_ctx *ctx)
{
	return strncmp(ctx->policy->notice_lang, "ja", 2) == 0 ? "[リンク削除]" : "[link removed]";
}

mg_status mg_links_apply(mg_ctx *ctx, mg_buf *text, unsigned *changed)
{
	mg_links mode = (mg_links)ctx->policy->links;
	const unsigned char *d = text->data;
	size_t n = text->len, i = 0, copied = 0;
	mg_buf out;
	int rc = 0;

	*changed = 0;
	if (mode == MG_LINKS_TEXT || n == 0)
		return MG_OK;
	mg_buf_init(&out, text->max);
	while (i < n) {
		size_t len;

		if ((i > 0 && d[i - 1] < 0x80 && (g_ascii_isalnum(d[i - 1]) || d[i - 1] == '.' ||
		                                  d[i - 1] == '/' || d[i - 1] == '@')) ||
		    !scheme_at(d + i, n - i)) {
			i++;
			continue;
		}
		len = url_len(d + i, n - i);
		rc |= mg_buf_append(&out, d + copied, i - copied);
		if (mode == MG_LINKS_DEFANG)
			rc |= mg_link_defang((const char *)d + i, len, &out);
		else
			rc |= mg_buf_puts(&out, removed_marker(ctx));
		mg_link_record(ctx, (const char *)d + i, len,
		               mode == MG_LINKS_DEFANG ? "defanged" : "removed");
		(*changed)++;
		i += len;
		copied = i;
	}
	if (*changed > 0)
		rc |= mg_buf_append(&out, d + copied, n - copied);
	if (*changed == 0 || rc < 0) {
		mg_buf_free(&out);
		return rc < 0 ? mg_fail(ctx, MG_E_LIMIT_SIZE, "text with its links changed larger "
		                        "than max_output") : MG_OK;
	}
	mg_buf_free(text);
	*text = out;
	return MG_OK;
}
