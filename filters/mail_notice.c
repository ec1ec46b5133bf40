/*
 * mail_notice.c - the notice at the top of a sanitised mail.
 *
 * It tells the reader, in Japanese, English or both (policy notice_lang),
 * that the mail was sanitised, what was converted or removed and why, and
 * which id to quote to the administrator to have an original released.
 * Reasons from the filters are English; the Japanese line names the kind
 * of reason and quotes the English detail.
 */
#include <stdio.h>
#include <string.h>

#include "mail_priv.h"

#define MAX_LISTED 50 /* notes past this are counted, the report has them all */

static const char *status_ja(mg_status st)
{
	switch (st) {
	case MG_E_TYPE_BLOCKED:
		return "許可されていない形式";
	case MG_E_ENCRYPTED:
		return "暗号化されていて検査できない";
	case MG_E_MALFORMED:
		return "ファイルが壊れている";
	case MG_E_LIMIT_SIZE:
	case MG_E_LIMIT_DEPTH:
	case MG_E_LIMIT_COUNT:
	case MG_E_LIMIT_RATIO:
	case MG_E_LIMIT_PAGES:
	case MG_E_LIMIT_PIXELS:
		return "上限を超えている";
	case MG_E_LIMIT_TIME:
		return "処理時間の上限を超えた";
	case MG_E_MALWARE:
		return "マルウェアを検出";
	default:
		return "処理できない";
	}
}

static const char *nz(const char *s)
{
	return s && *s ? s : "?";
}

static void line_ja(GString *g, const mail_note *n)
{
	switch (n->kind) {
	case NOTE_HTML:
		if (g_strcmp0(n->detail, "remove") == 0)
			g_string_append(g, "HTML形式の本文をテキストに変換しました");
		else if (g_strcmp0(n->detail, "defang") == 0)
			g_string_append(g, "HTML形式の本文をテキストに変換しました（リンク先は "
			                   "<hxxps://example[.]jp/> のようにクリックできない形で表示）");
		else
			g_string_append(g, "HTML形式の本文をテキストに変換しました（リンク先は <URL> で表示）");
		break;
	case NOTE_LINKS:
		if (g_strcmp0(n->detail, "defang") == 0)
			g_string_append_printf(g, "本文中のリンク（%u件）をクリックできない形に変更しました",
			                       n->count);
		else
			g_string_append_printf(g, "本文中のリンク（%u件）を削除しました", n->count);
		break;
	case NOTE_ALTERNATIVE:
		g_string_append_printf(g, "本文の別形式（%u件）を削除しました", n->count);
		break;
	case NOTE_ACTIVE:
		g_string_append_printf(g, "スクリプト等の動的な要素（%u件）を削除しました", n->count);
		break;
	case NOTE_REMOTE_IMAGES:
		g_string_append_printf(g, "外部から読み込まれる画像（%u件、追跡用の可能性）を削除しました",
		                       n->count);
		break;
	case NOTE_ATTACHMENT_KEPT:
		g_string_append_printf(g, "添付ファイル「%s」を無害化し「%s」としました（%s）", nz(n->name),
		                       nz(n->name2), nz(n->detail));
		break;
	case NOTE_ATTACHMENT_REMOVED:
		g_string_append_printf(g, "添付ファイル「%s」を削除しました（理由: %s - %s）", nz(n->name),
		                       status_ja(n->status), nz(n->detail));
		break;
	case NOTE_MESSAGE_KEPT:
		g_string_append_printf(g, "添付されたメール「%s」を個別に無害化しました", nz(n->name));
		break;
	case NOTE_SIGNATURE:
		g_string_append(g, "電子署名は無害化により無効になるため削除しました");
		break;
	case NOTE_ENCRYPTED:
		g_string_append_printf(g, "暗号化された内容「%s」は検査できないため削除しました",
		                       nz(n->name));
		break;
	case NOTE_PARTIAL:
		g_string_append(g, "分割されたメールの断片（message/partial）は検査できないため削除しました");
		break;
	case NOTE_TNEF:
		g_string_append_printf(g, "Outlook独自形式の添付「%s」（TNEF）を削除しました（理由: %s - %s）",
		                       nz(n->name), status_ja(n->status), nz(n->detail));
		break;
	case NOTE_TNEF_OPENED:
		g_string_append_printf(g, "Outlook独自形式の添付「%s」（TNEF）を展開しました（中のファイル %u件は"
		                          "上記のとおり個別に処理）", nz(n->name), n->count);
		break;
	case NOTE_CHARSET:
		g_string_append_printf(g, "本文の文字コード指定が誤っていたため %s として読みました",
		                       nz(n->detail));
		break;
	case NOTE_HTML_SAFE:
		if (g_strcmp0(n->detail, "remove") == 0)
			g_string_append(g, "HTML形式の本文を無害化して残しました（リンクは削除）");
		else if (g_strcmp0(n->detail, "defang") == 0)
			g_string_append(g, "HTML形式の本文を無害化して残しました（リンク先は "
			                   "<hxxps://example[.]jp/> のようにクリックできない形で表示）");
		else
			g_string_append(g, "HTML形式の本文を無害化して残しました（http・https・mailto のリンクのみ有効）");
		break;
	case NOTE_HTML_CUT:
		g_string_append_printf(g, "HTMLから%s（%u件）を削除しました", nz(n->name), n->count);
		break;
	}
}

static void line_en(GString *g, const mail_note *n)
{
	switch (n->kind) {
	case NOTE_HTML:
		if (g_strcmp0(n->detail, "remove") == 0)
			g_string_append(g, "HTML body converted to text");
		else if (g_strcmp0(n->detail, "defang") == 0)
			g_string_append(g, "HTML body converted to text (links shown unclickable, as "
			                   "<hxxps://example[.]jp/>)");
		else
			g_string_append(g, "HTML body converted to text (links shown as <URL>)");
		break;
	case NOTE_LINKS:
		g_string_append_printf(g, "%u links in the body %s", n->count,
		                       g_strcmp0(n->detail, "defang") == 0 ? "made unclickable"
		                                                           : "removed");
		break;
	case NOTE_ALTERNATIVE:
		g_string_append_printf(g, "%u alternative versions of the body removed", n->count);
		break;
	case NOTE_ACTIVE:
		g_string_append_printf(g, "%u scripts or other active elements removed", n->count);
		break;
	case NOTE_REMOTE_IMAGES:
		g_string_append_printf(g, "%u remote images (possible tracking) removed", n->count);
		break;
	case NOTE_ATTACHMENT_KEPT:
		g_string_append_printf(g, "Attachment \"%s\" sanitised as \"%s\" (%s)", nz(n->name),
		                       nz(n->name2), nz(n->detail));
		break;
	case NOTE_ATTACHMENT_REMOVED:
		g_string_append_printf(g, "Attachment \"%s\" removed: %s", nz(n->name), nz(n->detail));
		break;
	case NOTE_MESSAGE_KEPT:
		g_string_append_printf(g, "Attached message \"%s\" sanitised on its own", nz(n->name));
		break;
	case NOTE_SIGNATURE:
		g_string_append(g, "Digital signature removed: it cannot survive sanitising");
		break;
	case NOTE_ENCRYPTED:
		g_string_append_printf(g, "Encrypted content \"%s\" removed: it cannot be inspected",
		                       nz(n->name));
		break;
	case NOTE_PARTIAL:
		g_string_append(g, "Fragment of a split message (message/partial) removed: it cannot "
		                   "be inspected alone");
		break;
	case NOTE_TNEF:
		g_string_append_printf(g, "Outlook TNEF attachment \"%s\" removed: %s", nz(n->name),
		                       nz(n->detail));
		break;
	case NOTE_TNEF_OPENED:
		g_string_append_printf(g, "Outlook TNEF attachment \"%s\" opened: its %u files are "
		                          "listed above", nz(n->name), n->count);
		break;
	case NOTE_CHARSET:
		g_string_append_printf(g, "Body charset was wrong or missing; read as %s", nz(n->detail));
		break;
	case NOTE_HTML_SAFE:
		if (g_strcmp0(n->detail, "remove") == 0)
			g_string_append(g, "HTML body kept, disarmed (links removed)");
		else if (g_strcmp0(n->detail, "defang") == 0)
			g_string_append(g, "HTML body kept, disarmed (links shown unclickable, as "
			                   "<hxxps://example[.]jp/>)");
		else
			g_string_append(g, "HTML body kept, disarmed (only http, https and mailto links kept)");
		break;
	case NOTE_HTML_CUT:
		g_string_append_printf(g, "%u %s removed from the HTML", n->count, nz(n->detail));
		break;
	}
}

/* PPAP (policy encrypted_follows, set by mugaid when it pairs): a
 * password-protected attachment is not gone for good, it follows once its
 * password arrives. */
static bool follows(const mail_job *j, const mail_note *n)
{
	return j->ctx->policy->encrypted_follows && n->kind == NOTE_ATTACHMENT_REMOVED &&
	       n->status == MG_E_ENCRYPTED;
}

static void line_follows(GString *g, const mail_note *n, bool ja, bool en)
{
	if (ja)
		g_string_append_printf(g, " - 添付ファイル「%s」はパスワード付きのため、いったん取り除き"
		                          "ました。パスワードのメールが届きしだい、開いて無害化したものを"
		                          "別のメールでお届けします\n", nz(n->name));
	if (en)
		g_string_append_printf(g, "%sAttachment \"%s\" is password-protected and was held back: "
		                          "it will follow, opened and sanitised, in a separate mail once "
		                          "its password arrives\n", ja ? "   " : " - ", nz(n->name));
}

static void list_notes(GString *g, const mail_job *j, bool ja, bool en)
{
	for (unsigned i = 0; i < j->notes->len && i < MAX_LISTED; i++) {
		const mail_note *n = g_ptr_array_index(j->notes, i);

		if (follows(j, n)) {
			line_follows(g, n, ja, en);
			continue;
		}
		if (ja) {
			g_string_append(g, " - ");
			line_ja(g, n);
			g_string_append_c(g, '\n');
		}
		if (en) {
			g_string_append(g, ja ? "   " : " - ");
			line_en(g, n);
			g_string_append_c(g, '\n');
		}
	}
	if (j->notes->len > MAX_LISTED) {
		unsigned more = j->notes->len - MAX_LISTED;

		if (ja)
			g_string_append_printf(g, " - ほか %u 件（詳細は報告書を参照）\n", more);
		if (en)
			g_string_append_printf(g, "%s... and %u more (see the report)\n", ja ? "   " : " - ",
			                       more);
	}
}

/* The first line of a notice, and the line that ends it. */
#define HEAD_JA "【無害化通知】このメールは mugai により無害化されました。\n"
#define HEAD_EN "[mugai] This message was sanitised.\n"
#define NOTICE_END "------------------------------------------------------------"
/* How far into the body a notice of ours may end (MAX_LISTED lines). */
#define NOTICE_MAX 16384

char *mail_notice(const mail_job *j, const char *item_id)
{
	const char *lang = j->ctx->policy->notice_lang;
	bool ja = strncmp(lang, "ja", 2) == 0, en = strstr(lang, "en") != NULL;
	GString *g = g_string_new(NULL);

	if (ja)
		g_string_append(g, HEAD_JA);
	if (en)
		g_string_append(g, HEAD_EN);
	if (j->notes->len == 0) {
		if (ja)
			g_string_append(g, " - 本文をテキストとして再構成しました（削除した内容はありません）\n");
		if (en)
			g_string_append_printf(g, "%sBody rebuilt as plain text; nothing was removed.\n",
			                       ja ? "   " : " - ");
	} else {
		list_notes(g, j, ja, en);
	}
	if (ja)
		g_string_append_printf(g, "原本は隔離保管されています。必要な場合は ID %s を添えて"
		                          "管理者にお問い合わせください。\n", item_id);
	if (en)
		g_string_append_printf(g, "The original is kept in quarantine; quote ID %s to your "
		                          "administrator if you need it.\n", item_id);
	g_string_append(g, NOTICE_END "\n\n");
	return g_string_free(g, FALSE);
}

char *mail_verdict(const mail_job *j)
{
	return g_strdup_printf("sanitised; converted=%u; removed=%u", j->converted, j->removed);
}

bool mail_notice_present(const mail_job *j, const char *prev_id)
{
	const char *head = strncmp(j->ctx->policy->notice_lang, "ja", 2) == 0 ? HEAD_JA : HEAD_EN;
	const char *b = (const char *)j->body.data, *end;
	size_t n = j->body.len < NOTICE_MAX ? j->body.len : NOTICE_MAX;
	char *quote;
	bool found;

	/* the head without its newline: the body may have CRLF */
	if (!prev_id || !*prev_id || j->removed > 0 || n < strlen(head) ||
	    memcmp(b, head, strlen(head) - 1) != 0)
		return false;
	end = memmem(b, n, NOTICE_END, strlen(NOTICE_END));
	if (!end)
		return false;
	quote = g_strdup_printf("ID %s ", prev_id);
	found = memmem(b, (size_t)(end - b), quote, strlen(quote)) != NULL;
	g_free(quote);
	return found;
}
