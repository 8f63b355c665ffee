/*-------------------------------------------------------------------------
 *
 * guc.c
 *	  The flowpg.* settings of SPEC section 9, all defined in one place.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/guc.h"

#include "flowpg.h"

char	   *flowpg_database_name = NULL;
int			flowpg_max_in_flight = 64;
int			flowpg_http_timeout_ms = 30000;
int			flowpg_naptime_ms = 10000;
bool		flowpg_enabled = true;
char	   *flowpg_app_url = NULL;
char	   *flowpg_ca_file = NULL;
int			flowpg_link_ttl_s = 7 * 24 * 3600;
int			flowpg_max_flow_size_kb = 1024;
int			flowpg_min_schedule_interval_s = 60;
bool		flowpg_allow_local_targets = false;
int			flowpg_max_request_timeout_s = 300;

/* secrets at rest (issue 13, src/core/secret_crypt.c) */
char	   *flowpg_secret_key_file = NULL;
char	   *flowpg_secret_key_file_previous = NULL;

/* Define every flowpg.* setting and reserve the prefix against typos. */
void
guc_init(void)
{
	/*
	 * Read by the worker at its start.  PostgreSQL allows a postmaster-level
	 * setting only from shared_preload_libraries; loaded later (no worker),
	 * the setting is there but means nothing.
	 */
	DefineCustomStringVariable("flowpg.database_name",
							   "Database the flowpg background worker connects to.",
							   NULL,
							   &flowpg_database_name,
							   "postgres",
							   process_shared_preload_libraries_in_progress ? PGC_POSTMASTER : PGC_SIGHUP,
							   0,
							   NULL, NULL, NULL);

	DefineCustomIntVariable("flowpg.max_in_flight",
							"Most requests the worker sends at once.",
							NULL,
							&flowpg_max_in_flight,
							64, 1, 10000,
							PGC_SIGHUP,
							0,
							NULL, NULL, NULL);

	DefineCustomIntVariable("flowpg.http_timeout",
							"Default timeout of an HTTP, webhook or mail request.",
							"Tasks may set a shorter or longer one in their options.",
							&flowpg_http_timeout_ms,
							30000, 1, 3600 * 1000,
							PGC_SIGHUP,
							GUC_UNIT_MS,
							NULL, NULL, NULL);

	DefineCustomIntVariable("flowpg.naptime",
							"Longest time the worker sleeps when nothing wakes it.",
							"The worker also wakes at every commit that queued work and when the next timer falls due.",
							&flowpg_naptime_ms,
							10000, 10, 3600 * 1000,
							PGC_SIGHUP,
							GUC_UNIT_MS,
							NULL, NULL, NULL);

	DefineCustomBoolVariable("flowpg.enabled",
							 "Whether the worker sends work and fires timers.",
							 "When off, the worker keeps running but leaves all work queued.",
							 &flowpg_enabled,
							 true,
							 PGC_SIGHUP,
							 0,
							 NULL, NULL, NULL);

	DefineCustomStringVariable("flowpg.app_url",
							   "Base URL that appLink() renders links under.",
							   NULL,
							   &flowpg_app_url,
							   "http://localhost:8080",
							   PGC_SUSET,	/* links in approval mails: not for any caller to point elsewhere */
							   0,
							   NULL, NULL, NULL);

	DefineCustomIntVariable("flowpg.link_ttl",
							"How long a signed approval link of appLink() stays valid.",
							"A link also expires when its pause does, whichever comes first.",
							&flowpg_link_ttl_s,
							7 * 24 * 3600, 1, PG_INT32_MAX,
							PGC_SUSET,	/* like app_url: no session mints longer-lived links */
							GUC_UNIT_S,
							NULL, NULL, NULL);

	DefineCustomStringVariable("flowpg.ca_file",
							   "Certificates the worker trusts for HTTPS, SMTPS and STARTTLS.",
							   "A PEM file used instead of the system's certificate store (for a private CA); empty uses the system's.",
							   &flowpg_ca_file,
							   "",
							   PGC_SIGHUP,
							   GUC_SUPERUSER_ONLY,
							   NULL, NULL, NULL);

	/* bounds on what a DEPLOY holder may ask of the server (issue 11) */
	DefineCustomIntVariable("flowpg.max_flow_size",
							"Largest flow source flow_deploy and flow_validate take.",
							"A larger source is refused before it is parsed.",
							&flowpg_max_flow_size_kb,
							1024, 1, 1024 * 1024,
							PGC_SUSET,
							GUC_UNIT_KB,
							NULL, NULL, NULL);

	DefineCustomIntVariable("flowpg.min_schedule_interval",
							"Shortest time between two fires of a Schedule trigger that a deploy accepts.",
							"A cron expression that fires more often is refused at deploy.",
							&flowpg_min_schedule_interval_s,
							60, 1, 24 * 3600,
							PGC_SUSET,
							GUC_UNIT_S,
							NULL, NULL, NULL);

	/* where and for how long a DEPLOY holder may make the worker connect */
	DefineCustomBoolVariable("flowpg.allow_local_targets",
							 "Whether the worker may send requests, webhooks and mail to loopback, link-local and unspecified addresses.",
							 "When off, a connection to 127.0.0.0/8, ::1, 169.254.0.0/16, fe80::/10, 0.0.0.0/8 or :: (also IPv4-mapped) is refused, whatever name led to it.",
							 &flowpg_allow_local_targets,
							 false,
							 PGC_SIGHUP,
							 0,
							 NULL, NULL, NULL);

	DefineCustomIntVariable("flowpg.max_request_timeout",
							"Longest time one HTTP, webhook or mail request may take.",
							"A task's timeout above it, and flowpg.http_timeout, are cut to it.",
							&flowpg_max_request_timeout_s,
							300, 1, 24 * 3600,
							PGC_SIGHUP,
							GUC_UNIT_S,
							NULL, NULL, NULL);

	/* secrets at rest (issue 13): the key files of src/core/secret_crypt.c, read at use */
	DefineCustomStringVariable("flowpg.secret_key_file",
							   "File holding the key that secrets and SECRET inputs are stored encrypted with.",
							   "64 hexadecimal digits (openssl rand -hex 32), readable only by the server; empty stores them in clear.",
							   &flowpg_secret_key_file,
							   "",
							   PGC_SIGHUP,
							   GUC_SUPERUSER_ONLY,
							   NULL, NULL, NULL);

	DefineCustomStringVariable("flowpg.secret_key_file_previous",
							   "File holding the key before flowpg.secret_key_file, during a key rotation.",
							   "Values encrypted with it still open; flow_secret_key_rotate() re-encrypts them with the current key.",
							   &flowpg_secret_key_file_previous,
							   "",
							   PGC_SIGHUP,
							   GUC_SUPERUSER_ONLY,
							   NULL, NULL, NULL);

	MarkGUCPrefixReserved("flowpg");
}
