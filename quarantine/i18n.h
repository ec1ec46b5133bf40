/*
 * i18n.h - the review UI's message catalog, Japanese and English.
 *
 * Every string the UI shows is one entry of MW_MESSAGES below, written
 * once with both languages side by side, so a string cannot exist in one
 * language only.  Values are inserted with numbered placeholders {1}, {2}
 * (Japanese word order differs from English), never with printf formats:
 * a catalog entry is data, not a format string.
 */
#ifndef MUGAI_I18N_H
#define MUGAI_I18N_H

#include <stddef.h>

typedef enum mw_lang { MW_JA = 0, MW_EN, MW_LANG_COUNT } mw_lang;

/* X(KEY, Japanese, English) */
#define MW_MESSAGES(X) \
	X(APP_NAME, "mugai 無害化ゲートウェイ", "mugai sanitising gateway") \
	X(APP_AREA, "隔離・審査", "Quarantine review") \
	X(NAV_ITEMS, "隔離アイテム", "Items") \
	X(NAV_AUDIT, "監査ログ", "Audit log") \
	X(NAV_DASHBOARD, "ダッシュボード", "Dashboard") \
	X(NAV_ACCOUNT, "アカウント", "Account") \
	X(LOGOUT, "ログアウト", "Log out") \
	X(SIGNED_IN_AS, "{1}（{2}）", "{1} ({2})") \
	X(LANG_NAME_JA, "日本語", "日本語") \
	X(LANG_NAME_EN, "English", "English") \
	X(LANG_SWITCH, "表示言語", "Language") \
	X(NONE, "—", "—") \
	\
	X(LOGIN_TITLE, "ログイン", "Log in") \
	X(USERNAME, "ユーザー名", "User name") \
	X(PASSWORD, "パスワード", "Password") \
	X(LOGIN_BUTTON, "ログイン", "Log in") \
	X(LOGIN_NOTE, "許可された審査担当者のみ利用できます。操作はすべて監査ログに記録されます。", \
	  "For authorised reviewers only. Every action is recorded in the audit log.") \
	X(LOGIN_FAILED, "ユーザー名またはパスワードが正しくありません。", \
	  "Wrong user name or password.") \
	X(LOGIN_RATE_LIMITED, "ログインの失敗が続いたため、一時的にログインを制限しています。{1} 分後に再度お試しください。", \
	  "Too many failed logins. Try again in {1} minutes.") \
	X(LOGIN_EXPIRED, "セッションの有効期限が切れました。再度ログインしてください。", \
	  "Your session has expired. Please log in again.") \
	X(LOGGED_OUT, "ログアウトしました。", "You have been logged out.") \
	\
	X(LIST_TITLE, "隔離アイテム一覧", "Quarantined items") \
	X(FILTER_STATUS, "状態", "Status") \
	X(FILTER_CHANNEL, "経路", "Channel") \
	X(FILTER_VERDICT, "判定", "Verdict") \
	X(FILTER_SEARCH, "キーワード", "Search") \
	X(FILTER_SEARCH_HINT, "件名・ファイル名・送信者・宛先・ID", "Subject, file name, sender, recipient, ID") \
	X(FILTER_ANY, "すべて", "All") \
	X(FILTER_APPLY, "検索", "Search") \
	X(FILTER_RESET, "条件をクリア", "Clear") \
	X(COL_RECEIVED, "受信日時", "Received") \
	X(COL_CHANNEL, "経路", "Channel") \
	X(COL_SENDER, "送信者", "Sender") \
	X(COL_SUBJECT, "件名／ファイル名", "Subject / file name") \
	X(COL_VERDICT, "判定", "Verdict") \
	X(COL_STATUS, "状態", "Status") \
	X(COL_ID, "アイテムID", "Item ID") \
	X(COL_SIZE, "サイズ", "Size") \
	X(COL_NODE, "ノード", "Node") \
	X(LIST_EMPTY, "条件に一致するアイテムはありません。", "No items match.") \
	X(LIST_COUNT, "{1} 件", "{1} items") \
	X(PAGE_OF, "{1} / {2} ページ", "Page {1} of {2}") \
	X(PAGE_PREV, "前へ", "Previous") \
	X(PAGE_NEXT, "次へ", "Next") \
	X(NO_SUBJECT, "（件名なし）", "(no subject)") \
	\
	X(STATUS_QUARANTINED, "隔離中", "Quarantined") \
	X(STATUS_RELEASE_REQUESTED, "解放申請中", "Release requested") \
	X(STATUS_RELEASED, "解放済み", "Released") \
	X(STATUS_DENIED, "却下", "Denied") \
	X(STATUS_DELETED, "削除済み", "Deleted") \
	X(STATUS_AWAITING_PASSWORD, "パスワード待ち", "Awaiting password") \
	X(STATUS_UNLOCKED, "解凍済み", "Unlocked") \
	X(CHANNEL_MAIL, "メール", "Mail") \
	X(CHANNEL_FILE, "ファイル", "File") \
	X(CHANNEL_API, "API 連携", "API") \
	X(VERDICT_SANITISED, "無害化済み", "Sanitised") \
	X(VERDICT_BLOCKED, "遮断", "Blocked") \
	X(VERDICT_ENCRYPTED, "暗号化", "Encrypted") \
	X(VERDICT_MALWARE, "マルウェア", "Malware") \
	X(VERDICT_ERROR, "処理エラー", "Error") \
	X(ACTION_TEXT, "テキスト化", "Converted to text") \
	X(ACTION_FLATTEN, "画像化（平坦化）", "Flattened to images") \
	X(ACTION_CDR, "無害化再構成（CDR）", "Rebuilt without active content (CDR)") \
	X(ACTION_REENCODE, "再エンコード", "Re-encoded") \
	X(ACTION_RECURSE, "展開して個別に処理", "Unpacked, members handled one by one") \
	X(ACTION_REBUILD, "再構築", "Rebuilt") \
	X(ACTION_NORMALISE, "正規化", "Normalised") \
	X(ACTION_SAFE, "HTMLを無害化して保持", "HTML kept, disarmed") \
	X(ACTION_BLOCK, "遮断", "Blocked") \
	X(ROLE_REVIEWER, "審査者", "Reviewer") \
	X(ROLE_APPROVER, "承認者", "Approver") \
	X(ROLE_ADMIN, "管理者", "Administrator") \
	X(ROLE_AUDITOR, "監査者", "Auditor") \
	\
	X(ITEM_TITLE, "アイテム {1}", "Item {1}") \
	X(BACK_TO_LIST, "一覧に戻る", "Back to the list") \
	X(SEC_SUMMARY, "概要", "Summary") \
	X(SEC_REPORT, "無害化レポート", "Sanitisation report") \
	X(SEC_AUDIT, "監査証跡", "Audit trail") \
	X(SEC_ACTIONS, "操作", "Actions") \
	X(F_ITEM_ID, "アイテムID", "Item ID") \
	X(F_RECEIVED, "受信日時", "Received") \
	X(F_NODE, "受信ノード", "Stored by node") \
	X(F_CHANNEL, "経路", "Channel") \
	X(F_SENDER, "送信者", "Sender") \
	X(F_RECIPIENTS, "宛先", "Recipients") \
	X(F_SUBJECT, "件名／ファイル名", "Subject / file name") \
	X(F_SIZE, "サイズ", "Size") \
	X(F_SHA256, "SHA-256", "SHA-256") \
	X(F_VERDICT, "判定", "Verdict") \
	X(F_REASONS, "判定理由", "Reasons") \
	X(F_STATUS, "状態", "Status") \
	X(F_REQUESTED, "解放申請", "Release request") \
	X(F_DECIDED, "判断", "Decision") \
	X(BY_AT, "{1}（{2}）", "{1} ({2})") \
	X(BYTES, "{1} バイト", "{1} bytes") \
	\
	X(REPORT_DETECTED, "検出された形式", "Detected type") \
	X(REPORT_ACTION, "処理方法", "Action") \
	X(REPORT_OUTCOME, "結果", "Outcome") \
	X(REPORT_OUTPUT, "出力", "Output") \
	X(REPORT_REMOVED, "除去した要素", "Removed") \
	X(REPORT_FINDINGS, "検出事項", "Findings") \
	X(REPORT_ACTIONS, "実施した処理", "Actions taken") \
	X(REPORT_CHILDREN, "含まれる要素", "Contained items") \
	X(REPORT_NOTHING_REMOVED, "除去した要素はありません。", "Nothing was removed.") \
	X(REPORT_WHAT, "要素", "Element") \
	X(REPORT_WHY, "理由", "Reason") \
	X(REPORT_RAW, "レポート（JSON）を表示", "Show the report (JSON)") \
	X(REPORT_UNREADABLE, "レポートを読み取れません。", "The report could not be read.") \
	X(REPORT_TRUNCATED, "要素が多すぎるため、以降は省略しました（JSON を参照してください）。", \
	  "Too many elements; the rest is in the JSON report.") \
	X(REPORT_NONE, "レポートはありません。", "There is no report.") \
	X(REPORT_UNNAMED, "（名前なし）", "(unnamed)") \
	\
	X(ACT_REQUEST, "解放を申請", "Request release") \
	X(ACT_REQUEST_HINT, "業務上の必要性を記入してください（必須）。承認は別の担当者が行います。", \
	  "State the business need (required). Another person must approve.") \
	X(ACT_APPROVE, "解放を承認", "Approve release") \
	X(ACT_APPROVE_HINT, "承認すると原本が本来の宛先へ配送されます。申請者本人は承認できません。", \
	  "Approving delivers the original to its destination. The requester cannot approve.") \
	X(ACT_APPROVE_SELF, "例外として自分の申請を承認", "Approve my own request (exception)") \
	X(ACT_APPROVE_SELF_HINT, "他に承認者がいない場合に限る例外です（北海道 情報セキュリティ対策基準 第6条第2項）。" \
	  "理由（必須）とともに例外として監査ログに記録されます。", \
	  "Only where no other approver exists (Hokkaido security standard, article 6, " \
	  "paragraph 2). " \
	  "Recorded in the audit log as an exception, with the reason (required).") \
	X(ACT_DENY, "解放を却下", "Deny release") \
	X(ACT_DELETE, "アイテムを削除", "Delete item") \
	X(ACT_DELETE_HINT, "原本と索引を削除します。監査ログは残ります。", \
	  "Removes the original and its index entry. The audit log keeps the record.") \
	X(ACT_DOWNLOAD, "原本をダウンロード", "Download the original") \
	X(ACT_DOWNLOAD_HINT, "原本は無害化されていません。隔離された環境でのみ開いてください。", \
	  "The original is not sanitised. Open it only in an isolated environment.") \
	X(REASON, "理由", "Reason") \
	X(ACT_NONE, "現在の状態とあなたの権限で行える操作はありません。", \
	  "No action is open to your role in this state.") \
	X(DONE_REQUEST, "解放を申請しました。承認者による承認を待っています。", \
	  "Release requested; waiting for an approver.") \
	X(DONE_APPROVE, "解放を承認し、原本を配送しました。", "Release approved; the original was delivered.") \
	X(DONE_DENY, "解放を却下しました。", "Release denied.") \
	X(DONE_DELETE, "アイテムを削除しました。", "Item deleted.") \
	X(REFUSED, "操作は拒否されました：{1}", "Refused: {1}") \
	X(FAILED, "操作に失敗しました：{1}", "Failed: {1}") \
	X(TWO_PERSON, "申請者本人は承認できません。別の承認者による承認が必要です（二者承認）。", \
	  "You requested this release, so you cannot approve it: another approver must (two-person rule).") \
	X(REASON_REQUIRED, "理由を入力してください。", "A reason is required.") \
	X(ITEM_NOT_FOUND, "指定されたアイテムは見つかりません。", "No such item.") \
	\
	X(AUDIT_TITLE, "監査ログ", "Audit log") \
	X(AUDIT_OK, "監査チェーンは正常です（{1} 件を検証しました）。", \
	  "The audit chain is intact ({1} entries verified).") \
	X(AUDIT_BROKEN, "監査チェーンの改ざんまたは破損を検出しました。エントリ {1}：{2}", \
	  "The audit chain is broken at entry {1}: {2}") \
	X(AUDIT_VERIFY_FAILED, "監査チェーンを検証できませんでした：{1}", \
	  "The audit chain could not be verified: {1}") \
	X(AUDIT_EMPTY, "監査ログにエントリはありません。", "The audit log is empty.") \
	X(COL_SEQ, "番号", "No.") \
	X(COL_TIME, "日時", "Time") \
	X(COL_ACTOR, "実行者", "Actor") \
	X(COL_ACTION, "操作", "Action") \
	X(COL_ITEM, "アイテム", "Item") \
	X(COL_DETAIL, "詳細", "Details") \
	X(COL_HASH, "ハッシュ", "Hash") \
	X(AUDIT_OLDER, "古いエントリ", "Older") \
	X(AUDIT_NEWER, "新しいエントリ", "Newer") \
	X(AUDIT_RANGE, "エントリ {1}〜{2}", "Entries {1} to {2}") \
	X(AUD_STORE, "隔離保存", "Stored") \
	X(AUD_REQUEST, "解放申請", "Release requested") \
	X(AUD_APPROVE, "解放承認", "Release approved") \
	X(AUD_APPROVE_SELF, "自己承認（例外）", "Self-approved (exception)") \
	X(AUD_RELEASE, "原本配送", "Original delivered") \
	X(AUD_RELEASE_FAILED, "配送失敗", "Delivery failed") \
	X(AUD_DENY, "解放却下", "Release denied") \
	X(AUD_DELETE, "削除", "Deleted") \
	X(AUD_DOWNLOAD, "原本取得", "Original downloaded") \
	X(AUD_AWAIT_PASSWORD, "パスワード待ち", "Awaiting password") \
	X(AUD_UNLOCK, "パスワードで解凍", "Unlocked with a password") \
	X(AUD_UNLOCK_FAILED, "解凍失敗", "Unlock failed") \
	X(AUD_UNLOCK_LINK, "解除リンク発行", "Unlock link issued") \
	X(AUD_PURGE, "保存期間切れ削除", "Purged") \
	X(AUD_USER_ADD, "ユーザー追加", "User added") \
	X(AUD_USER_ROLE, "権限変更", "Role changed") \
	X(AUD_LOGIN, "ログイン", "Signed in") \
	X(AUD_LOGIN_FAILED, "ログイン失敗", "Sign-in refused") \
	X(AUD_LOGOUT, "ログアウト", "Signed out") \
	X(AUD_API_CALL, "API 呼び出し", "API call") \
	X(AUD_API_TOKEN_ADD, "API トークン発行", "API token issued") \
	X(AUD_API_TOKEN_REVOKE, "API トークン失効", "API token revoked") \
	\
	X(ACCOUNT_TITLE, "アカウント設定", "Account") \
	X(ACCOUNT_ROLE, "権限", "Role") \
	X(LANG_TITLE, "表示言語", "Language") \
	X(SAVE, "保存", "Save") \
	X(LANG_SAVED, "表示言語を変更しました。", "Language changed.") \
	X(PW_TITLE, "パスワードの変更", "Change password") \
	X(PW_CURRENT, "現在のパスワード", "Current password") \
	X(PW_NEW, "新しいパスワード", "New password") \
	X(PW_AGAIN, "新しいパスワード（確認）", "New password again") \
	X(PW_RULE, "8 文字以上で設定してください。", "At least 8 characters.") \
	X(PW_CHANGE, "変更する", "Change") \
	X(PW_MISMATCH, "新しいパスワードが一致しません。", "The new passwords do not match.") \
	X(PW_WRONG, "現在のパスワードが正しくありません。", "The current password is wrong.") \
	X(PW_CHANGED, "パスワードを変更しました。", "Password changed.") \
	\
	X(ERROR_TITLE, "エラー", "Error") \
	X(ERR_CSRF, "フォームの確認トークンが無効です。ページを再読み込みしてからやり直してください。", \
	  "The form token is missing or invalid. Reload the page and try again.") \
	X(DASH_TITLE, "集計ダッシュボード", "Dashboard") \
	X(DASH_PENDING, "解放申請（承認待ち）", "Release requests pending") \
	X(DASH_AWAITING, "対応待ちアイテム", "Items awaiting action") \
	X(DASH_AWAITING_NOTE, "隔離中・解放申請中・パスワード待ちの合計", \
	  "Quarantined, release requested or awaiting a password") \
	X(DASH_DAYS_VERDICT, "日別件数（過去30日・判定別）", "Items per day, last 30 days, by verdict") \
	X(DASH_DAYS_CHANNEL, "日別件数（過去30日・経路別）", "Items per day, last 30 days, by channel") \
	X(DASH_MONTHS_VERDICT, "月別件数（過去12か月・判定別）", "Items per month, last 12 months, by verdict") \
	X(DASH_MONTHS_CHANNEL, "月別件数（過去12か月・経路別）", "Items per month, last 12 months, by channel") \
	X(DASH_MONTH_TABLE, "月別件数の内訳", "Items per month in detail") \
	X(DASH_REASONS, "主な理由（過去30日）", "Most frequent reasons, last 30 days") \
	X(DASH_NO_REASONS, "この期間に記録された理由はありません。", "No reasons recorded in this period.") \
	X(DASH_COL_MONTH, "月", "Month") \
	X(DASH_COL_TOTAL, "合計", "Total") \
	X(DASH_COL_REASON, "理由", "Reason") \
	X(DASH_COL_COUNT, "件数", "Count") \
	X(DASH_BAR, "{1} {2}：{3} 件", "{1} {2}: {3} items") \
	X(EXPORT_CSV, "CSV出力", "Export CSV") \
	X(ERR_NOT_FOUND, "ページが見つかりません。", "Page not found.") \
	X(ERR_BAD_REQUEST, "リクエストが正しくありません。", "Bad request.") \
	X(ERR_METHOD, "このメソッドは使用できません。", "Method not allowed.") \
	X(ERR_TOO_LARGE, "送信された内容が大きすぎます。", "The request is too large.") \
	X(ERR_INTERNAL, "内部エラーが発生しました。管理者に連絡してください。", \
	  "Internal error. Please contact the administrator.") \
	X(ERR_NEED_LOGIN, "ログインしてください。", "Please log in.") \
	X(ERR_FORBIDDEN, "この操作を行う権限がありません。", "Your role does not allow this.") \
	X(GO_HOME, "トップページへ", "Go to the start page") \
	\
	X(LINKS_TITLE, "解除リンク", "Unlock links") \
	X(LINKS_NONE, "このアイテムの解除リンクはまだありません。", "No unlock link for this item yet.") \
	X(LINKS_COL_TO, "宛先", "For") \
	X(LINKS_COL_ISSUED, "発行", "Issued") \
	X(LINKS_COL_EXPIRES, "有効期限", "Expires") \
	X(LINKS_COL_STATE, "状態", "State") \
	X(LINKS_LIVE, "有効", "Live") \
	X(LINKS_USED, "使用済み", "Used") \
	X(LINKS_EXPIRED, "期限切れ", "Expired") \
	X(LINKS_HINT, "受信者がパスワードを入力してファイルを受け取れるリンクを発行します。リンクはこの一度だけ表示されます。", \
	  "Issue a link on which the recipient types the password and receives the file. The link is shown this once.") \
	X(LINKS_ISSUE, "解除リンクを発行", "Issue an unlock link") \
	X(LINKS_ISSUED, "{1} 宛ての解除リンクを発行しました。受信者に伝えてください（この一度だけ表示されます）：{2}", \
	  "Unlock link for {1} issued. Give it to the recipient (it is shown this once): {2}") \
	X(UNLOCK_TITLE, "パスワード付きファイルの受け取り", "Receive a password-protected file") \
	X(UNLOCK_INTRO, "このファイルはパスワードで保護されているため、無害化できずに保留されています。送信者から知らされたパスワードを入力してください。ファイルは隔離された環境の中で開かれ、無害化されてからお届けします。", \
	  "This file is protected by a password, so it was held back instead of being sanitised. Type the password the sender gave you: the file is opened inside an isolated sandbox, sanitised, and then delivered.") \
	X(UNLOCK_DELIVER_TO, "届け先", "Delivered to") \
	X(UNLOCK_OUTBOX, "ファイル受け渡しフォルダ（outbox）", "The drop folder's outbox") \
	X(UNLOCK_PASSWORD, "ファイルのパスワード", "Password of the file") \
	X(UNLOCK_BUTTON, "開いて無害化する", "Open and sanitise") \
	X(UNLOCK_NOTE, "入力したパスワードは保存されず、ログにも残りません。試行はすべて監査ログに記録されます。", \
	  "The password is neither stored nor logged. Every attempt is recorded in the audit log.") \
	X(UNLOCK_WRONG, "パスワードが違います。ファイルを開けませんでした。", \
	  "Wrong password: the file could not be opened.") \
	X(UNLOCK_EMPTY, "パスワードを入力してください。", "Please type the password.") \
	X(UNLOCK_RATE_LIMITED, "パスワードの誤りが続いたため、一時的に受け付けを制限しています。{1} 分後に再度お試しください。", \
	  "Too many wrong passwords. Try again in {1} minutes.") \
	X(UNLOCK_DONE_TITLE, "無害化してお届けしました", "Opened, sanitised and delivered") \
	X(UNLOCK_DONE_MAIL, "ファイルを開いて無害化し、{1} 宛てにメールでお届けしました。", \
	  "The file was opened, sanitised and mailed to {1}.") \
	X(UNLOCK_DONE_OUTBOX, "ファイルを開いて無害化し、ファイル受け渡しフォルダ（outbox）に置きました。", \
	  "The file was opened, sanitised and put in the drop folder's outbox.") \
	X(UNLOCK_DOWNLOAD, "無害化したファイルをダウンロード", "Download the sanitised file") \
	X(UNLOCK_DOWNLOAD_NOTE, "ダウンロードは {1} 分間だけ有効です。このリンクは使用済みになりました。", \
	  "The download works for {1} minutes. This link is now used up.") \
	X(UNLOCK_EXPIRED, "このリンクは有効期限が切れています。元のファイルは隔離されたまま保管されています。システム管理者に連絡してください。", \
	  "This link has expired. The original is still kept in quarantine: please contact the administrator.") \
	X(UNLOCK_USED, "このリンクは使用済みです。ファイルはすでに開かれ、届けられています。", \
	  "This link was used already: the file was opened and delivered.") \
	X(UNLOCK_UNKNOWN, "このリンクは無効です。メールに記載されたリンクをそのまま開いてください。", \
	  "This link is not valid. Open the link exactly as it appears in the mail.") \
	X(UNLOCK_GONE, "このファイルはもう開けません（審査担当者が削除または解放しました）。", \
	  "This file can no longer be opened: a reviewer deleted or released it.") \
	X(UNLOCK_FAILED, "ファイルを開いて届けることができませんでした。時間をおいて再度お試しいただくか、システム管理者に連絡してください。", \
	  "The file could not be opened and delivered. Try again later or contact the administrator.") \
	X(UNLOCK_UNAVAILABLE, "ここではパスワードによる受け取りを利用できません。システム管理者に連絡してください。", \
	  "Unlocking is not available here. Please contact the administrator.") \
	X(UNLOCK_FILE_GONE, "ダウンロードの有効期限が切れています。ファイルは届け先にお届け済みです。", \
	  "This download has expired; the file was delivered.")

typedef enum mw_msg {
#define MW_ENUM(key, ja, en) MW_##key,
	MW_MESSAGES(MW_ENUM)
#undef MW_ENUM
	MW_MSG_COUNT
} mw_msg;

/* The message in that language; never NULL. */
const char *mw_t(mw_lang lang, mw_msg m);
/* The entry's key ("LOGIN_TITLE"), for tests and diagnostics. */
const char *mw_msg_key(mw_msg m);

/* "ja" / "en" */
const char *mw_lang_code(mw_lang lang);
/* 0 and *out for "ja" or "en" (case-insensitive), -1 otherwise. */
int mw_lang_parse(const char *s, mw_lang *out);
/* The best language for an Accept-Language header (RFC 9110 weights,
 * "ja-JP" counts as "ja"); fallback when none of ours is acceptable or the
 * header is absent or malformed. */
mw_lang mw_lang_negotiate(const char *accept_language, mw_lang fallback);

/* Catalog names of the store's vocabulary (statuses, channels, verdicts,
 * roles, audit actions); NULL when the word is not one we know, so the
 * caller shows it as it is. */
const char *mw_t_word(mw_lang lang, const char *kind, const char *word);

#endif
