/*
 * audit_note.c - events about no item in the audit chain: sign-ins
 * (successful and refused) and sign-outs of the review UI.  An auditor
 * asks who was in the system when, and who tried to be; the answer must
 * be in the same tamper-evident chain as the releases.
 */
#include <pthread.h>
#include <string.h>

#include "audit.h"
#include "store.h"
#include "util.h"

static int known_action(const char *action)
{
	static const char *const actions[] = { "login", "login_failed", "logout" };

	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (strcmp(action, actions[i]) == 0)
			return 1;
	return 0;
}

int mq_audit_note(mq_store *s, const char *actor, const char *action, const char *detail,
                  char **err)
{
	int rc;

	if (!action || !known_action(action))
		return mq_fail(err, MQ_E_ERROR, "not an audit event: %.32s", action ? action : "");
	pthread_mutex_lock(&s->lock);
	rc = s->ix->ops->begin_write(s->ix, err) < 0 ? MQ_E_ERROR : MQ_OK;
	if (rc == MQ_OK)
		rc = mq_finish(s,
		               mq_audit_append(s->ix, actor && *actor ? actor : "(none)", action, "",
		                               detail ? detail : "", err) < 0 ? MQ_E_ERROR : MQ_OK,
		               err);
	pthread_mutex_unlock(&s->lock);
	return rc;
}
