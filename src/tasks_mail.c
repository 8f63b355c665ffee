/*-------------------------------------------------------------------------
 *
 * tasks_mail.c
 *	  notifications.mail.MailSend: e-mail over SMTP, SMTPS or STARTTLS, sent
 *	  by the background worker.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "tasks.h"

static const char *const transports[] = {"SMTP", "SMTPS", "SMTP_TLS", NULL};

static const PropSpec mail_props[] = {
	P("host", PROP_STRING),
	P("port", PROP_INT),
	P("username", PROP_STRING),
	P("password", PROP_STRING),
	P("from", PROP_STRING),
	P("to", PROP_STRING_LIST),
	P("cc", PROP_STRING_LIST),
	P("bcc", PROP_STRING_LIST),
	P("subject", PROP_STRING),
	P("htmlTextContent", PROP_STRING),
	P("plainTextContent", PROP_STRING),
	P_ENUM("transportStrategy", transports),
	P_END
};

/* notifications.mail.MailSend */
const TaskType task_mail = {
	.name = "io.kestra.plugin.notifications.mail.MailSend",
	.kind = TASK_EXTERNAL,
	.props = mail_props,
};
