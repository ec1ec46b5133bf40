/*
 * cmd_quarantine.c - `mugai quarantine`: review from the command line.
 *
 * The separation of duties holds here as in the web UI: request, approve,
 * deny, delete and download name the acting user with --user and prove it
 * with that user's password; the store checks the role and refuses an
 * approval by the requester.  Exit status: 0 done, 1 refused or failed
 * (the reason on stderr).
 */
#include <errno.h>
#include <getopt.h>
#include <gmime/gmime.h>
#include <inttypes.h>
#include <jansson.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit_checkpoint.h"
#include "commands.h"
#include "config.h"
#include "fileio.h"
#include "mugai.h"
#include "office_convert.h"
#include "quarantine.h"

struct opts {
	mq_filter filter;
	const char *reason, *user, *pwfile, *older_than, *out, *channel, *name;
	const char *checkpoints, *key, *candidates, *to, *recipient;
	uint64_t after;
	int json, blobs, self;
};

static void usage(FILE *to)
{
	fprintf(to,
	        "usage: mugai quarantine [-c FILE] [-o section.key=value] ACTION ...\n\n"
	        "  list [--status S] [--channel mail|file] [--verdict V] [--since DATE]\n"
	        "       [--search TEXT] [--limit N] [--offset N] [--json]\n"
	        "  show ID [--json]                      the item, its report, its audit trail\n"
	        "  request ID --reason R --user NAME     ask for the original to be released\n"
	        "  approve ID --user NAME                release it (not by the requester)\n"
	        "  approve ID --user NAME --self --reason R\n"
	        "                                        the requester approves alone: only with\n"
	        "                                        quarantine.self_approval = yes (北海道 対策基準\n"
	        "                                        第6条第2項, no other approver), marked in the log\n"
	        "  deny ID --reason R --user NAME        refuse the release\n"
	        "  delete ID --reason R --user NAME      delete the item (admin)\n"
	        "  download ID --out FILE --user NAME    the original (approver, admin)\n"
	        "  unlock ID --candidates FILE --user NAME\n"
	        "                                        open an encrypted item (PPAP) with the\n"
	        "                                        candidate passwords of FILE, one a line,\n"
	        "                                        in the sandbox, and deliver its sanitised\n"
	        "                                        contents (approver, admin); never the\n"
	        "                                        original, never a password on record\n"
	        "  link ID --recipient ADDR|outbox --user NAME\n"
	        "                                        a new unlock link (admin.public_url/unlock/\n"
	        "                                        TOKEN, valid ppap.link_ttl) with which ADDR,\n"
	        "                                        a recipient of the item, opens it with its\n"
	        "                                        password (outbox: a dropped file, into\n"
	        "                                        drop.outbox); approver, admin\n"
	        "  verify [--blobs] [--checkpoints FILE [--key KEY]]\n"
	        "                                        walk the audit chain, check the index\n"
	        "                                        against it (--blobs: and every original;\n"
	        "                                        --checkpoints: the chain still holds every\n"
	        "                                        signed head in FILE, KEY the public key or\n"
	        "                                        its file, default audit.checkpoint_key.pub)\n"
	        "  migrate-store --to index|postgresql   copy the originals of quarantine.dir into\n"
	        "                                        the index's database and check each one;\n"
	        "                                        run it again once quarantine.store is\n"
	        "                                        index (or postgresql) on every node\n"
	        "  checkpoint                            sign the chain's head now (Ed25519) into\n"
	        "                                        audit.checkpoint_file and syslog\n"
	        "  audit [--after SEQ] [--limit N] [--json]   the audit log\n"
	        "  purge --older-than AGE [--user NAME]  remove items older than AGE (90d, 12h)\n"
	        "  import FILE --channel mail|file [--name NAME]\n"
	        "                                        sanitise FILE by the policy and keep it\n\n"
	        "DATE: YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS] (local time), or an age like 7d.\n"
	        "Statuses: quarantined, release_requested, released, denied, deleted,\n"
	        "awaiting_password (PPAP: waiting for its password), unlocked.\n"
	        "Verdicts: sanitised, blocked, encrypted, malware, error.\n"
	        "The password of --user comes from --password-file FILE, the MUGAI_PASSWORD\n"
	        "environment variable, or the terminal.  Approved mail goes to relay.next_hop\n"
	        "(dir:PATH), approved files to drop.outbox.\n");
}

/* --- parsing ------------------------------------------------------------ */

/* "90d", "12h", "30m", "45s"; a bare number is days. */
static int parse_age(const char *s, int64_t *secs)
{
	char *end;
	unsigned long long n;
	int64_t unit = 86400;

	errno = 0;
	if (!s || *s < '0' || *s > '9')
		return -1;
	n = strtoull(s, &end, 10);
	if (errno || n > (1ull << 32))
		return -1;
	if (strcmp(end, "s") == 0)
		unit = 1;
	else if (strcmp(end, "m") == 0)
		unit = 60;
	else if (strcmp(end, "h") == 0)
		unit = 3600;
	else if (*end && strcmp(end, "d") != 0)
		return -1;
	*secs = (int64_t)n * unit;
	return 0;
}

static int parse_since(const char *s, int64_t *out)
{
	static const char *const formats[] = { "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M",
		                               "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d" };
	int64_t age;

	if (parse_age(s, &age) == 0) {
		*out = (int64_t)time(NULL) - age;
		return 0;
	}
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		struct tm tm = { .tm_isdst = -1 };
		const char *end = strptime(s, formats[i], &tm);

		if (end && *end == 0) {
			*out = (int64_t)mktime(&tm);
			return 0;
		}
	}
	return -1;
}

static int parse_uint(const char *s, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || end == s || v > 1000000)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longs[] = {
		{ "status", required_argument, NULL, 'S' },
		{ "channel", required_argument, NULL, 'C' },
		{ "verdict", required_argument, NULL, 'V' },
		{ "since", required_argument, NULL, 's' },
		{ "search", required_argument, NULL, 'q' },
		{ "limit", required_argument, NULL, 'l' },
		{ "offset", required_argument, NULL, 'O' },
		{ "after", required_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ "blobs", no_argument, NULL, 'b' },
		{ "reason", required_argument, NULL, 'r' },
		{ "user", required_argument, NULL, 'u' },
		{ "password-file", required_argument, NULL, 'p' },
		{ "older-than", required_argument, NULL, 'A' },
		{ "out", required_argument, NULL, 'w' },
		{ "name", required_argument, NULL, 'n' },
		{ "checkpoints", required_argument, NULL, 'k' },
		{ "self", no_argument, NULL, 'E' },
		{ "key", required_argument, NULL, 'K' },
		{ "candidates", required_argument, NULL, 'P' },
		{ "to", required_argument, NULL, 'T' },
		{ "recipient", required_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	mq_status st;
	unsigned v;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "", longs, NULL)) != -1) {
		switch (opt) {
		case 'S':
			if (mq_status_parse(optarg, &st) < 0)
				return fprintf(stderr, "mugai quarantine: unknown status '%s'\n", optarg), -1;
			o->filter.status = optarg;
			break;
		case 'C':
			o->filter.channel = o->channel = optarg;
			break;
		case 'V':
			o->filter.verdict = optarg;
			break;
		case 's':
			if (parse_since(optarg, &o->filter.since) < 0)
				return fprintf(stderr, "mugai quarantine: bad date '%s'\n", optarg), -1;
			break;
		case 'q':
			o->filter.search = optarg;
			break;
		case 'l':
		case 'O':
		case 'a':
			if (parse_uint(optarg, &v) < 0)
				return fprintf(stderr, "mugai quarantine: bad number '%s'\n", optarg), -1;
			if (opt == 'l')
				o->filter.limit = v;
			else if (opt == 'O')
				o->filter.offset = v;
			else
				o->after = v;
			break;
		case 'j':
			o->json = 1;
			break;
		case 'b':
			o->blobs = 1;
			break;
		case 'r':
			o->reason = optarg;
			break;
		case 'u':
			o->user = optarg;
			break;
		case 'p':
			o->pwfile = optarg;
			break;
		case 'A':
			o->older_than = optarg;
			break;
		case 'k':
			o->checkpoints = optarg;
			break;
		case 'E':
			o->self = 1;
			break;
		case 'K':
			o->key = optarg;
			break;
		case 'P':
			o->candidates = optarg;
			break;
		case 'T':
			o->to = optarg;
			break;
		case 'R':
			o->recipient = optarg;
			break;
		case 'w':
			o->out = optarg;
			break;
		case 'n':
			o->name = optarg;
			break;
		default:
			return -1;
		}
	}
	return 0;
}

/* --- printing ----------------------------------------------------------- */

static const char *when(int64_t t, char buf[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t == 0)
		return "-";
	strftime(buf, 32, "%Y-%m-%d %H:%M:%S", localtime_r(&tt, &tm));
	return buf;
}

/* One line: no newlines or tabs from the fields (they are stored cleaned
 * of other control characters). */
static void put_flat(const char *s)
{
	for (; s && *s; s++)
		putchar(*s == '\n' || *s == '\t' || *s == '\r' ? ' ' : *s);
}

static json_t *item_json(const mq_item *it)
{
	json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:s}", "item_id", it->item_id,
	                      "sha256", it->sha256, "channel", it->channel, "sender", it->sender,
	                      "recipients", it->recipients, "subject", it->subject, "verdict",
	                      it->verdict, "reasons", it->reasons, "size", (json_int_t)it->size,
	                      "received", (json_int_t)it->received, "status",
	                      mq_status_name(it->status));

	if (o)
		json_object_set_new(o, "node", json_string(it->node ? it->node : ""));

	if (o && *it->requested_by)
		json_object_set_new(o, "request",
		                    json_pack("{s:s,s:s,s:I}", "by", it->requested_by, "reason",
		                              it->request_reason, "at", (json_int_t)it->requested_at));
	if (o && *it->decided_by)
		json_object_set_new(o, "decision",
		                    json_pack("{s:s,s:s,s:I}", "by", it->decided_by, "reason",
		                              it->decision_reason, "at", (json_int_t)it->decided_at));
	return o;
}

static json_t *audit_json(const mq_audit_entry *e)
{
	return json_pack("{s:I,s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "seq", (json_int_t)e->seq, "at",
	                 (json_int_t)e->at, "actor", e->actor, "action", e->action, "item_id",
	                 e->item_id, "detail", e->detail, "prev", e->prev, "hash", e->hash, "node",
	                 e->node ? e->node : "");
}

static void print_json(json_t *j)
{
	char *s = j ? json_dumps(j, JSON_INDENT(2) | JSON_ENSURE_ASCII) : NULL;

	puts(s ? s : "null");
	free(s);
	json_decref(j);
}

static void print_audit_line(const mq_audit_entry *e)
{
	char t[32];

	printf("  #%-6" PRIu64 " %s  %-16s %-15s %s  ", e->seq, when(e->at, t), e->actor, e->action,
	       *e->item_id ? e->item_id : "-");
	put_flat(e->detail);
	if (e->node && *e->node)
		printf("  (node %s)", e->node);
	putchar('\n');
}

static int fail(const char *what, int rc, char *err)
{
	fprintf(stderr, "mugai quarantine %s: %s\n", what, err ? err : "failed");
	free(err);
	return rc == MQ_OK ? 0 : 1;
}

/* --- actions ------------------------------------------------------------ */

static int do_list(mq_store *s, const struct opts *o)
{
	mq_item *items;
	size_t n;
	char *err = NULL, t[32];

	if (mq_list(s, &o->filter, &items, &n, &err) != MQ_OK)
		return fail("list", MQ_E_ERROR, err);
	if (o->json) {
		json_t *a = json_array();

		for (size_t i = 0; i < n; i++)
			json_array_append_new(a, item_json(&items[i]));
		print_json(a);
	} else {
		printf("%-28s %-19s %-4s %-9s %-17s %9s %-12s %s\n", "ITEM", "RECEIVED", "CHAN",
		       "VERDICT", "STATUS", "SIZE", "NODE", "FROM / SUBJECT OR FILE NAME");
		for (size_t i = 0; i < n; i++) {
			printf("%-28s %-19s %-4s %-9s %-17s %9" PRIu64 " %-12s ", items[i].item_id,
			       when(items[i].received, t), items[i].channel, items[i].verdict,
			       mq_status_name(items[i].status), items[i].size,
			       *items[i].node ? items[i].node : "-");
			if (*items[i].sender) {
				put_flat(items[i].sender);
				fputs(" / ", stdout);
			}
			put_flat(items[i].subject);
			putchar('\n');
		}
	}
	mq_items_free(items, n);
	return 0;
}

static void field(const char *name, const char *value)
{
	printf("%-12s ", name);
	put_flat(value && *value ? value : "-");
	putchar('\n');
}

static int do_show(mq_store *s, const char *id, const struct opts *o)
{
	mq_item it;
	char *err = NULL, t[32], line[512];
	int rc = mq_get(s, id, &it, &err);

	if (rc != MQ_OK)
		return fail("show", rc, err);
	if (o->json) {
		json_t *j = item_json(&it), *a = json_array();
		json_t *report = json_loads(it.report_json ? it.report_json : "", 0, NULL);

		json_object_set_new(j, "report", report ? report : json_string(it.report_json));
		for (size_t i = 0; i < it.naudit; i++)
			json_array_append_new(a, audit_json(&it.audit[i]));
		json_object_set_new(j, "audit", a);
		print_json(j);
		mq_item_free(&it);
		return 0;
	}
	field("item", it.item_id);
	field("channel", it.channel);
	field("received", when(it.received, t));
	field("node", it.node);
	field("from", it.sender);
	field("to", it.recipients);
	field(strcmp(it.channel, "mail") == 0 ? "subject" : "file name", it.subject);
	field("verdict", it.verdict);
	field("reasons", it.reasons);
	snprintf(line, sizeof(line), "%" PRIu64 " bytes, sha256 %s", it.size, it.sha256);
	field("original", line);
	field("status", mq_status_name(it.status));
	if (*it.requested_by) {
		snprintf(line, sizeof(line), "by %.64s at %s: %.300s", it.requested_by,
		         when(it.requested_at, t), it.request_reason);
		field("requested", line);
	}
	if (*it.decided_by) {
		snprintf(line, sizeof(line), "%s by %.64s at %s%s%.300s", mq_status_name(it.status),
		         it.decided_by, when(it.decided_at, t), *it.decision_reason ? ": " : "",
		         it.decision_reason);
		field("decided", line);
	}
	printf("audit trail:\n");
	for (size_t i = 0; i < it.naudit; i++)
		print_audit_line(&it.audit[i]);
	printf("report:\n%s\n", it.report_json ? it.report_json : "");
	mq_item_free(&it);
	return 0;
}

static int do_review(mq_store *s, const char *action, const char *id, const struct opts *o)
{
	char *err = NULL;
	int rc;

	if ((strcmp(action, "approve") != 0 || o->self) && strcmp(action, "download") != 0 &&
	    !o->reason) {
		fprintf(stderr, "mugai quarantine %s: --reason is required\n", action);
		return 1;
	}
	if (strcmp(action, "download") == 0 && !o->out) {
		fprintf(stderr, "mugai quarantine download: --out FILE is required\n");
		return 1;
	}
	if (mg_cli_authenticate(s, o->user, o->pwfile) < 0)
		return 1;
	if (strcmp(action, "request") == 0)
		rc = mq_request(s, o->user, id, o->reason, &err);
	else if (strcmp(action, "approve") == 0 && o->self)
		rc = mq_approve_own(s, o->user, id, o->reason, &err);
	else if (strcmp(action, "approve") == 0)
		rc = mq_approve(s, o->user, id, &err);
	else if (strcmp(action, "deny") == 0)
		rc = mq_deny(s, o->user, id, o->reason, &err);
	else if (strcmp(action, "delete") == 0)
		rc = mq_delete(s, o->user, id, o->reason, &err);
	else {
		unsigned char *data;
		size_t len;

		rc = mq_read_original(s, o->user, id, &data, &len, &err);
		if (rc == MQ_OK && mg_write_file_atomic(o->out, data, len) < 0) {
			fprintf(stderr, "mugai quarantine download: %s: %s\n", o->out, strerror(errno));
			rc = MQ_E_ERROR;
		}
		free(data);
		if (rc != MQ_OK)
			return err ? fail(action, rc, err) : 1;
		printf("original of %s written to %s (%zu bytes)\n", id, o->out, len);
		return 0;
	}
	if (rc != MQ_OK)
		return fail(action, rc, err);
	printf("%s: %s\n", id,
	       strcmp(action, "request") == 0   ? "release requested"
	       : strcmp(action, "approve") == 0 ? "approved and released"
	       : strcmp(action, "deny") == 0    ? "release denied"
	                                        : "deleted");
	return 0;
}

/* Every signed head in the checkpoint file is still in the chain. */
static int verify_checkpoints(mq_store *s, const mg_config *c, const struct opts *o)
{
	unsigned char pk[32];
	mq_verify_result v;
	char *err = NULL;

	if (mg_checkpoint_public(c, o->key, pk, &err) < 0)
		return fail("verify", MQ_E_ERROR, err);
	if (mq_checkpoint_verify(s, o->checkpoints, pk, &v, &err) != MQ_OK)
		return fail("verify", MQ_E_ERROR, err);
	if (v.problem) {
		printf("audit chain does NOT hold a signed checkpoint: %s\n", v.problem);
		printf("%" PRIu64 " checkpoints before it are held\n", v.entries);
		free(v.problem);
		return 1;
	}
	if (v.entries == 0) {
		printf("no checkpoint in %s: nothing proved\n", o->checkpoints);
		return 1;
	}
	printf("audit chain holds all %" PRIu64 " signed checkpoints of %s\n", v.entries,
	       o->checkpoints);
	return 0;
}

static int do_checkpoint(mq_store *s, const mg_config *c)
{
	char *line = NULL, *err = NULL;

	if (mg_audit_checkpoint(c, s, &line, &err) < 0)
		return fail("checkpoint", MQ_E_ERROR, err);
	printf("%s\n", line);
	free(line);
	return 0;
}

static int do_verify(mq_store *s, const mg_config *c, const struct opts *o)
{
	mq_verify_result v;
	mq_items_check ic;
	mq_audit_entry *last = NULL;
	size_t n = 0;
	char *err = NULL;

	if (mq_verify(s, &v, &err) != MQ_OK)
		return fail("verify", MQ_E_ERROR, err);
	if (v.bad_seq) {
		printf("audit chain BROKEN at entry %" PRIu64 ": %s\n", v.bad_seq, v.problem);
		printf("%" PRIu64 " entries before it are intact\n", v.entries);
		free(v.problem);
		return 1;
	}
	if (v.entries > 0 && mq_audit_list(s, v.entries - 1, 1, &last, &n, &err) != MQ_OK)
		return fail("verify", MQ_E_ERROR, err);
	printf("audit chain intact: %" PRIu64 " entries", v.entries);
	if (n == 1)
		printf("; head #%" PRIu64 " %s", last[0].seq, last[0].hash);
	printf("\n");
	mq_audit_free(last, n);
	if (mq_verify_items(s, o->blobs, &ic, &err) != MQ_OK)
		return fail("verify", MQ_E_ERROR, err);
	if (ic.problem) {
		printf("index DISAGREES with the audit log: %s\n", ic.problem);
		free(ic.problem);
		return 1;
	}
	printf("index agrees with the audit log: %" PRIu64 " items%s\n", ic.items,
	       o->blobs ? ", every original present and unchanged" : "");
	return o->checkpoints ? verify_checkpoints(s, c, o) : 0;
}

static int do_migrate(mq_store *s, const mg_config *c, const struct opts *o)
{
	uint64_t moved, skipped;
	char *err = NULL;

	if (!o->to || (strcmp(o->to, "postgresql") != 0 && strcmp(o->to, "index") != 0)) {
		fprintf(stderr, "mugai quarantine migrate-store: --to index (or postgresql) is the one "
		        "target\n");
		return 1;
	}
	if (mq_migrate_store(s, c->quarantine_dir, &moved, &skipped, &err) != MQ_OK)
		return fail("migrate-store", MQ_E_ERROR, err);
	printf("%" PRIu64 " originals copied into the index's database and checked, %" PRIu64
	       " already there; set quarantine.store = %s on every node\n",
	       moved, skipped, o->to);
	return 0;
}

static int do_audit(mq_store *s, const struct opts *o)
{
	mq_audit_entry *e;
	size_t n;
	char *err = NULL;

	if (mq_audit_list(s, o->after, o->filter.limit ? o->filter.limit : 1000, &e, &n, &err) !=
	    MQ_OK)
		return fail("audit", MQ_E_ERROR, err);
	if (o->json) {
		json_t *a = json_array();

		for (size_t i = 0; i < n; i++)
			json_array_append_new(a, audit_json(&e[i]));
		print_json(a);
	} else {
		for (size_t i = 0; i < n; i++)
			print_audit_line(&e[i]);
	}
	mq_audit_free(e, n);
	return 0;
}

static int do_purge(mq_store *s, const struct opts *o)
{
	int64_t age;
	uint64_t purged = 0;
	char *err = NULL;
	int rc;

	if (!o->older_than || parse_age(o->older_than, &age) < 0) {
		fprintf(stderr, "mugai quarantine purge: --older-than AGE is required (e.g. 90d)\n");
		return 1;
	}
	if (o->user && mg_cli_authenticate(s, o->user, o->pwfile) < 0)
		return 1;
	rc = mq_purge(s, o->user, (int64_t)time(NULL) - age, &purged, &err);
	if (rc != MQ_OK) {
		fprintf(stderr, "mugai quarantine purge: %s (%" PRIu64 " purged before the error)\n",
		        err ? err : "failed", purged);
		free(err);
		return 1;
	}
	printf("purged %" PRIu64 " items older than %s\n", purged, o->older_than);
	return 0;
}

/* --- import ------------------------------------------------------------- */

/* The bare addresses of a list (groups flattened), as an envelope has them. */
static void collect(InternetAddressList *l, GPtrArray *out, unsigned depth)
{
	for (int i = 0; l && depth < 4 && i < internet_address_list_length(l); i++) {
		InternetAddress *a = internet_address_list_get_address(l, i);

		if (INTERNET_ADDRESS_IS_MAILBOX(a))
			g_ptr_array_add(out, g_strdup(internet_address_mailbox_get_addr(
			                             INTERNET_ADDRESS_MAILBOX(a))));
		else if (INTERNET_ADDRESS_IS_GROUP(a))
			collect(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(a)), out,
			        depth + 1);
	}
}

/* The subject as the core decoded it (folded words whole), from its report. */
static char *report_subject(const mg_result *res)
{
	json_t *r = res->report_json ? json_loads(res->report_json, 0, NULL) : NULL;
	const char *s = json_string_value(json_object_get(r, "subject"));
	char *v = s ? g_strdup(s) : NULL;

	json_decref(r);
	return v;
}

/* From, To/Cc and the decoded Subject, read by gmime. */
static void mail_fields(const unsigned char *data, size_t len, GPtrArray *from, GPtrArray *to,
                        char **subject)
{
	GMimeStream *st;
	GMimeParser *p;
	GMimeMessage *m;

	g_mime_init();
	st = g_mime_stream_mem_new_with_buffer((const char *)data, len);
	p = g_mime_parser_new_with_stream(st);
	m = g_mime_parser_construct_message(p, NULL);
	if (m) {
		const char *subj = g_mime_message_get_subject(m);
		InternetAddressList *all = g_mime_message_get_all_recipients(m);

		collect(g_mime_message_get_from(m), from, 0);
		collect(all, to, 0);
		if (all)
			g_object_unref(all);
		*subject = subj ? g_strdup(subj) : NULL;
		g_object_unref(m);
	}
	g_object_unref(p);
	g_object_unref(st);
}

static const char *verdict_of(const mg_result *r)
{
	if (r->verdict == MG_VERDICT_SANITISED)
		return "sanitised";
	return r->status == MG_E_ENCRYPTED ? "encrypted"
	       : r->status == MG_E_MALWARE ? "malware"
	       : r->status == MG_E_INTERNAL ? "error"
	                                   : "blocked";
}

static char *local_actor(void)
{
	struct passwd *pw = getpwuid(geteuid());
	char *s = NULL;

	if (asprintf(&s, "local:%s", pw ? pw->pw_name : "unknown") < 0)
		s = NULL;
	return s;
}

static int do_import(mq_store *s, const mg_config *c, const char *path, const struct opts *o)
{
	uint64_t max = mg_policy_max_size(c->policy);
	size_t len;
	unsigned char *data = mg_read_file(path, max, &len);
	const char *name = o->name ? o->name : strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	int is_mail = o->channel && strcmp(o->channel, "mail") == 0;
	char *err = NULL, *subject = NULL, *actor = local_actor();
	GPtrArray *from = g_ptr_array_new_with_free_func(g_free);
	GPtrArray *to = g_ptr_array_new_with_free_func(g_free);
	mg_result res = { 0 };
	mg_core *core = NULL;
	int rc = 1;

	if (!o->channel || (!is_mail && strcmp(o->channel, "file") != 0)) {
		fprintf(stderr, "mugai quarantine import: --channel mail|file is required\n");
		goto done;
	}
	if (!data || len > max) {
		fprintf(stderr, "mugai quarantine import: %s: %s\n", path,
		        data ? "larger than policy.max_size" : strerror(errno));
		goto done;
	}
	core = mg_core_new(c->policy, &err);
	if (!core) {
		fprintf(stderr, "mugai quarantine import: %s\n", err ? err : "core failed");
		goto done;
	}
	mg_core_set_converter(core, mg_office_convert, NULL);
	{
		mg_input in = { data, len, name, NULL, NULL, is_mail };
		mq_meta m = { .channel = o->channel, .actor = actor };
		char *decoded;

		mg_sanitize(core, &in, MG_MODE_DEFAULT, &res);
		if (is_mail) {
			mail_fields(data, len, from, to, &subject);
			decoded = report_subject(&res);
			if (decoded) {
				g_free(subject);
				subject = decoded;
			}
		}
		snprintf(m.item_id, sizeof(m.item_id), "%s", res.item_id);
		m.sender = from->len ? g_ptr_array_index(from, 0) : NULL;
		m.recipients = (const char *const *)to->pdata;
		m.nrecipients = to->len;
		m.subject = is_mail ? subject : name;
		m.verdict = verdict_of(&res);
		m.reasons = res.reason;
		if (mq_put(s, &m, data, len, res.report_json, &err) != MQ_OK) {
			fprintf(stderr, "mugai quarantine import: %s\n", err ? err : "failed");
			goto done;
		}
		printf("%s %s %s\n", m.item_id, m.verdict, name);
	}
	rc = 0;
done:
	g_ptr_array_free(from, TRUE);
	g_ptr_array_free(to, TRUE);
	g_free(subject);
	free(actor);
	free(err);
	free(data);
	mg_result_free(&res);
	mg_core_free(core);
	return rc;
}

/* --- dispatch ----------------------------------------------------------- */

static int run(mq_store *s, const mg_config *c, int argc, char **argv, const struct opts *o)
{
	const char *action = argv[0];
	const char *id = argc > 1 ? argv[1] : NULL;

	if (strcmp(action, "list") == 0 && argc == 1)
		return do_list(s, o);
	if (strcmp(action, "verify") == 0 && argc == 1)
		return do_verify(s, c, o);
	if (strcmp(action, "checkpoint") == 0 && argc == 1)
		return do_checkpoint(s, c);
	if (strcmp(action, "migrate-store") == 0 && argc == 1)
		return do_migrate(s, c, o);
	if (strcmp(action, "audit") == 0 && argc == 1)
		return do_audit(s, o);
	if (strcmp(action, "purge") == 0 && argc == 1)
		return do_purge(s, o);
	if (argc != 2)
		goto bad;
	if (strcmp(action, "show") == 0)
		return do_show(s, id, o);
	if (strcmp(action, "import") == 0)
		return do_import(s, c, id, o);
	if (strcmp(action, "unlock") == 0)
		return mg_cli_unlock(s, c, id, o->user, o->pwfile, o->candidates);
	if (strcmp(action, "link") == 0)
		return mg_cli_link(s, c, id, o->recipient, o->user, o->pwfile);
	if (strcmp(action, "request") == 0 || strcmp(action, "approve") == 0 ||
	    strcmp(action, "deny") == 0 || strcmp(action, "delete") == 0 ||
	    strcmp(action, "download") == 0)
		return do_review(s, action, id, o);
bad:
	usage(stderr);
	return 1;
}

int mg_cmd_quarantine(int argc, char **argv)
{
	struct opts o = { 0 };
	mg_config *c;
	mq_store *s;
	int rc;

	if (mg_cli_asks_help(argc, argv)) {
		usage(stdout);
		return 0;
	}
	c = mg_config_from_args(&argc, argv);
	if (!c)
		return 1;
	if (parse_opts(argc, argv, &o) < 0 || optind >= argc) {
		usage(stderr);
		mg_config_free(c);
		return 1;
	}
	s = mg_cli_open_quarantine(c, "quarantine");
	if (s)
		mq_set_self_approval(s, mg_config_self_approval(c));
	rc = s ? run(s, c, argc - optind, argv + optind, &o) : 1;
	mq_close(s);
	mg_config_free(c);
	return rc;
}
