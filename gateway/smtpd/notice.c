/*
 * notice.c - the notice sent in place of a blocked mail (see notice.h).
 *
 * Every value put into it comes from the outside (the reason names an
 * attachment, the subject and the sender are the sender's): each is made
 * valid UTF-8 with control characters replaced, and the body travels in
 * base64, the subject as RFC 2047 encoded words.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <glib.h>
#include <openssl/evp.h>

#include "notice.h"

static const char builtin[] =
	"Subject: [mugai] メールを隔離しました / A message was quarantined\n"
	"\n"
	"あなた宛てのメールを、無害化ゲートウェイ（mugai）が隔離しました。\n"
	"このメールの内容は届けられていません。原本は検疫領域に保管されています。\n"
	"原本が業務に必要な場合は、次の ID を添えて管理者に依頼してください\n"
	"（取り出しには審査と、別の担当者による承認が必要です）。\n"
	"\n"
	"  ID:     {item}\n"
	"  差出人: {sender}\n"
	"  件名:   {subject}\n"
	"  サイズ: {size} バイト\n"
	"  理由:   {reason_ja}\n"
	"          ({reason})\n"
	"  日時:   {date}\n"
	"\n"
	"----------------------------------------------------------------------\n"
	"\n"
	"A message to you was quarantined by the sanitising gateway (mugai).\n"
	"Its content was not delivered; the original is kept in the quarantine.\n"
	"If you need it for your work, ask your administrator and quote the id\n"
	"below (a release needs a review and the approval of a second person).\n"
	"\n"
	"  Id:      {item}\n"
	"  From:    {sender}\n"
	"  Subject: {subject}\n"
	"  Size:    {size} bytes\n"
	"  Reason:  {reason}\n"
	"  Date:    {date}\n"
	"\n"
	"-- \n"
	"mugai on {host}\n";

const char *mg_notice_status_ja(mg_status st, const char *verdict)
{
	if (verdict && strcmp(verdict, "malware") == 0)
		return "マルウェアを検出しました";
	switch (st) {
	case MG_E_TYPE_BLOCKED:
		return "許可されていない形式です";
	case MG_E_ENCRYPTED:
		return "暗号化されていて検査できません";
	case MG_E_MALFORMED:
		return "メールまたは添付ファイルが壊れています";
	case MG_E_LIMIT_SIZE:
	case MG_E_LIMIT_DEPTH:
	case MG_E_LIMIT_COUNT:
	case MG_E_LIMIT_RATIO:
	case MG_E_LIMIT_PAGES:
	case MG_E_LIMIT_PIXELS:
		return "処理できる上限を超えています";
	case MG_E_LIMIT_TIME:
		return "処理時間の上限を超えました";
	case MG_E_MALWARE:
		return "マルウェアを検出しました";
	default:
		return "安全に処理できませんでした";
	}
}

/* g_utf8_next_char() casts const away; the same step without that. */
static const char *next_char(const char *p)
{
	return p + g_utf8_skip[*(const unsigned char *)p];
}

/* Valid UTF-8, no control characters, at most max bytes. */
static void put_clean(GString *g, const char *s, size_t max)
{
	gchar *valid = g_utf8_make_valid(s ? s : "", -1);
	size_t start = g->len;

	for (const char *p = valid; *p; p = next_char(p)) {
		size_t n = (size_t)(next_char(p) - p);

		if (g->len - start + n > max) {
			g_string_append(g, "...");
			break;
		}
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			g_string_append_c(g, ' ');
		else
			g_string_append_len(g, p, (gssize)n);
	}
	g_free(valid);
}

static void rfc5322_date(char *out, size_t cap, long long when)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
		                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t t = (time_t)when;
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(out, cap, "%s, %d %s %d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday,
	         months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* The value of one placeholder; false when name is not one. */
static bool value(GString *g, const mg_notice_info *n, const char *name, size_t len)
{
#define IS(s) (len == strlen(s) && strncmp(name, s, len) == 0)
	char tmp[64];

	if (IS("item"))
		put_clean(g, n->item_id, 64);
	else if (IS("verdict"))
		put_clean(g, n->verdict, 32);
	else if (IS("reason"))
		put_clean(g, n->reason && *n->reason ? n->reason : "-", 600);
	else if (IS("reason_ja"))
		g_string_append(g, mg_notice_status_ja(n->status, n->verdict));
	else if (IS("sender"))
		put_clean(g, n->sender && *n->sender ? n->sender : "<>", 300);
	else if (IS("subject"))
		put_clean(g, n->subject && *n->subject ? n->subject : "-", 300);
	else if (IS("host"))
		put_clean(g, n->host, 200);
	else if (IS("size")) {
		snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long)n->size);
		g_string_append(g, tmp);
	} else if (IS("date")) {
		rfc5322_date(tmp, sizeof(tmp), n->when);
		g_string_append(g, tmp);
	} else if (IS("recipients")) {
		for (size_t i = 0; i < n->nrcpts && i < 100; i++) {
			g_string_append(g, i ? ", " : "");
			put_clean(g, n->rcpts[i], 300);
		}
	} else {
		return false;
	}
	return true;
#undef IS
}

static GString *expand(const mg_notice_info *n, const char *tmpl)
{
	GString *g = g_string_new(NULL);

	for (const char *p = tmpl; *p; p++) {
		const char *close = *p == '{' ? strchr(p, '}') : NULL;

		if (close && close - p <= 16 && value(g, n, p + 1, (size_t)(close - p - 1)))
			p = close;
		else
			g_string_append_c(g, *p);
	}
	return g;
}

static void base64_lines(mg_buf *out, const unsigned char *data, size_t len)
{
	unsigned char enc[80];

	/* 57 bytes make one 76-character line */
	for (size_t off = 0; off < len; off += 57) {
		int n = EVP_EncodeBlock(enc, data + off, (int)(len - off < 57 ? len - off : 57));

		mg_buf_append(out, enc, (size_t)n);
		mg_buf_puts(out, "\r\n");
	}
}

/* A Q word of whole characters, at most 20 bytes (75 columns). */
static const char *q_word(mg_buf *out, const char *p)
{
	const char *end = next_char(p);

	while (*end && (size_t)(next_char(end) - p) <= 20)
		end = next_char(end);
	mg_buf_puts(out, "=?UTF-8?Q?");
	for (const char *c = p; c < end; c++)
		mg_buf_printf(out, "=%02X", (unsigned char)*c);
	mg_buf_puts(out, "?=");
	return end;
}

/* RFC 2047: encoded words of whole UTF-8 characters, folded.  Only the
 * last B word may carry base64 padding: decoders that join adjacent words
 * (gmime) stop at it.  A stretch that cannot end at a multiple of three
 * bytes is written as a Q word. */
static void encoded_subject(mg_buf *out, const char *subject)
{
	const char *p = subject;
	unsigned char enc[80];
	bool first = true;

	mg_buf_puts(out, "Subject:");
	while (*p) {
		const char *end = p, *end3 = NULL;

		while (*end && (size_t)(next_char(end) - p) <= 42) {
			end = next_char(end);
			if ((end - p) % 3 == 0)
				end3 = end;
		}
		mg_buf_puts(out, first ? " " : "\r\n ");
		first = false;
		if (end == p || (*end && !end3)) {
			p = q_word(out, p);
			continue;
		}
		if (*end)
			end = end3;
		int n = EVP_EncodeBlock(enc, (const unsigned char *)p, (int)(end - p));

		mg_buf_printf(out, "=?UTF-8?B?%.*s?=", n, (const char *)enc);
		p = end;
	}
	mg_buf_puts(out, "\r\n");
}

int mg_notice_build(mg_buf *out, const mg_notice_info *n, const char *tmpl)
{
	return mg_notice_build_attached(out, n, tmpl, NULL, 0);
}

/* The boundary of a notice with a message attached: "=_" cannot begin a
 * line of base64 nor of mugai's own rebuilt message. */
static void boundary_of(char *out, size_t cap, const char *item_id)
{
	snprintf(out, cap, "=_mugai-notice-%s", item_id);
}

int mg_notice_build_attached(mg_buf *out, const mg_notice_info *n, const char *tmpl,
                             const unsigned char *msg, size_t msg_len)
{
	char bnd[80];
	bool clash;

	GString *text = expand(n, tmpl ? tmpl : builtin), *body = g_string_new(NULL), *subj;
	const char *b = text->str;
	char date[64], host[200];
	GString *hostg = g_string_new(NULL);

	subj = g_string_new("[mugai] Message quarantined");
	if (g_ascii_strncasecmp(b, "Subject:", 8) == 0) {
		const char *eol = strchr(b, '\n');
		size_t len = eol ? (size_t)(eol - b) : strlen(b);

		g_string_truncate(subj, 0);
		g_string_append_len(subj, b + 8, (gssize)len - 8);
		g_strstrip(subj->str);
		subj->len = strlen(subj->str);
		b = eol ? eol + 1 : b + len;
		if (*b == '\n')
			b++;
		else if (b[0] == '\r' && b[1] == '\n')
			b += 2;
	}
	/* canonical text: CRLF line ends */
	for (; *b; b++) {
		if (*b == '\n' && (body->len == 0 || body->str[body->len - 1] != '\r'))
			g_string_append_c(body, '\r');
		g_string_append_c(body, *b);
	}
	put_clean(hostg, n->host && *n->host ? n->host : "localhost", 190);
	snprintf(host, sizeof(host), "%s", hostg->str);
	for (char *h = host; *h; h++)
		if (*h == ' ' || *h == '<' || *h == '>' || (unsigned char)*h > 126)
			*h = '_';
	rfc5322_date(date, sizeof(date), n->when);
	mg_buf_printf(out, "From: \"mugai\" <postmaster@%s>\r\nTo: undisclosed-recipients:;\r\n", host);
	encoded_subject(out, subj->str);
	mg_buf_printf(out, "Date: %s\r\nMessage-ID: <%s.notice@%s>\r\n", date, n->item_id, host);
	boundary_of(bnd, sizeof(bnd), n->item_id);
	/* cannot happen with our own message: fail, never mangle */
	clash = msg && memmem(msg, msg_len, bnd, strlen(bnd));
	if (msg)
		mg_buf_printf(out, "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; "
		                   "boundary=\"%s\"\r\n", bnd);
	else
		mg_buf_puts(out, "MIME-Version: 1.0\r\n");
	mg_buf_printf(out, "Auto-Submitted: auto-generated\r\nX-Mugai-Id: %s\r\n"
	                   "X-Mugai-Verdict: %s\r\n",
	              n->item_id, n->verdict ? n->verdict : "blocked");
	if (msg)
		mg_buf_printf(out, "\r\n--%s\r\n", bnd);
	mg_buf_puts(out, "Content-Type: text/plain; charset=UTF-8\r\n"
	                 "Content-Transfer-Encoding: base64\r\n\r\n");
	base64_lines(out, (const unsigned char *)body->str, body->len);
	if (msg) {
		mg_buf_printf(out, "\r\n--%s\r\nContent-Type: message/rfc822\r\n"
		                   "Content-Disposition: inline\r\n\r\n", bnd);
		mg_buf_append(out, msg, msg_len);
		mg_buf_printf(out, "%s--%s--\r\n",
		              msg_len && msg[msg_len - 1] == '\n' ? "\r\n" : "\r\n\r\n", bnd);
	}
	g_string_free(text, TRUE);
	g_string_free(body, TRUE);
	g_string_free(subj, TRUE);
	g_string_free(hostg, TRUE);
	/* an out-of-memory anywhere above shows as a buffer past its maximum */
	return !clash && out->data && out->len < out->max ? 0 : -1;
}
