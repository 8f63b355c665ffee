-- flowpg install script, last part: what every relation and column of schema flowpg holds, for
-- \d+ and for the DBA who reads the read model directly.  Kept apart from the definitions so the
-- upgrade script carries the same text (it is appended to every upgrade script by the Makefile).

COMMENT ON TABLE flowpg.flow_revisions IS
    'every deployed revision of every flow, immutable; readable with VIEW on the namespace';
COMMENT ON COLUMN flowpg.flow_revisions.namespace IS 'the flow''s namespace (dotted, lower case)';
COMMENT ON COLUMN flowpg.flow_revisions.id IS 'the flow''s id, unique within its namespace';
COMMENT ON COLUMN flowpg.flow_revisions.revision IS 'revision number, 1 for the first deploy; a changed source makes the next one';
COMMENT ON COLUMN flowpg.flow_revisions.source IS 'the YAML as deployed';
COMMENT ON COLUMN flowpg.flow_revisions.definition IS 'the YAML as JSON, after checking';
COMMENT ON COLUMN flowpg.flow_revisions.disabled IS 'the flow''s disabled: true; a disabled flow does not start';
COMMENT ON COLUMN flowpg.flow_revisions.deleted IS 'set on the latest revision by flow_delete; a deleted flow does not start';
COMMENT ON COLUMN flowpg.flow_revisions.created_at IS 'when this revision was stored';
COMMENT ON COLUMN flowpg.flow_revisions.created_by IS 'the role that wrote the source (for a rollback, the author of the restored revision): its Query, Subflow and trigger steps act for it';

COMMENT ON VIEW flowpg.flows IS 'the latest revision of each flow (deleted ones included, with deleted = true)';

COMMENT ON TABLE flowpg.executions IS
    'one row per execution of a flow revision; readable with VIEW on the namespace, or by an assignee of one of its HumanTasks';
COMMENT ON COLUMN flowpg.executions.id IS 'the execution id: 22 random base-62 characters';
COMMENT ON COLUMN flowpg.executions.namespace IS 'the flow''s namespace';
COMMENT ON COLUMN flowpg.executions.flow_id IS 'the flow''s id';
COMMENT ON COLUMN flowpg.executions.flow_revision IS 'the revision it runs';
COMMENT ON COLUMN flowpg.executions.state IS 'CREATED, RUNNING, PAUSED, RESTARTED, KILLING, SUCCESS, WARNING, FAILED, KILLED, CANCELLED, RETRIED';
COMMENT ON COLUMN flowpg.executions.inputs IS 'the validated inputs, SECRET ones shown as ******';
COMMENT ON COLUMN flowpg.executions.labels IS 'labels (flat keys such as system.username)';
COMMENT ON COLUMN flowpg.executions.outputs IS 'the flow''s outputs, once it ends (secrets masked)';
COMMENT ON COLUMN flowpg.executions.history IS 'every state change, [{state, date}], oldest first';
COMMENT ON COLUMN flowpg.executions.parent_id IS 'the execution whose Subflow task started this one, or NULL';
COMMENT ON COLUMN flowpg.executions.trigger IS 'what started it (a Subflow, a Flow or Schedule trigger), or NULL for flow_start';
COMMENT ON COLUMN flowpg.executions.created_by IS 'the role that started it (the deployer of the flow for a trigger)';
COMMENT ON COLUMN flowpg.executions.created_at IS 'when it was started';
COMMENT ON COLUMN flowpg.executions.updated_at IS 'when it last changed';
COMMENT ON COLUMN flowpg.executions.ended_at IS 'when it reached an end state, or NULL';
COMMENT ON COLUMN flowpg.executions.metadata IS 'for an execution started by a retry with behavior CREATE_NEW_EXECUTION: {attemptNumber, originalId, originalCreatedDate}; NULL for a first attempt';

COMMENT ON TABLE flowpg.task_runs IS
    'one row per task of an execution that started; readable as its execution is';
COMMENT ON COLUMN flowpg.task_runs.id IS 'the task run id (22 characters), sent as Flowpg-Task-Run with HTTP requests';
COMMENT ON COLUMN flowpg.task_runs.execution_id IS 'its execution';
COMMENT ON COLUMN flowpg.task_runs.namespace IS 'its execution''s namespace (copied, for row-level security without a join)';
COMMENT ON COLUMN flowpg.task_runs.task_id IS 'the task''s id in the flow';
COMMENT ON COLUMN flowpg.task_runs.parent_id IS 'the task run of the flowable task (If, Sequential, ...) it runs in, or NULL';
COMMENT ON COLUMN flowpg.task_runs.state IS 'CREATED, RUNNING, PAUSED, RESTARTED, RETRYING, SUCCESS, WARNING, FAILED, KILLED, CANCELLED, SKIPPED';
COMMENT ON COLUMN flowpg.task_runs.outputs IS 'the task''s outputs (onResume and resumed for a pause), secrets masked';
COMMENT ON COLUMN flowpg.task_runs.attempts IS 'one {state, startDate, endDate} per try';
COMMENT ON COLUMN flowpg.task_runs.history IS 'every state change, [{state, date}], oldest first';
COMMENT ON COLUMN flowpg.task_runs.assigned_users IS 'a HumanTask''s rendered assignment.users, or NULL';
COMMENT ON COLUMN flowpg.task_runs.assigned_groups IS 'a HumanTask''s rendered assignment.groups, or NULL';
COMMENT ON COLUMN flowpg.task_runs.due_at IS 'when a pause expires or a retry falls due, or NULL';
COMMENT ON COLUMN flowpg.task_runs.created_at IS 'when the task run was created';
COMMENT ON COLUMN flowpg.task_runs.ended_at IS 'when it reached an end state, or NULL';
COMMENT ON COLUMN flowpg.task_runs.value IS 'the ForEach value of its iteration (taskrun.value), for the direct children of a ForEach; else NULL';
COMMENT ON COLUMN flowpg.task_runs.iteration IS 'the 0-based index of that value among the ForEach''s distinct values, or of a WaitFor''s iteration (taskrun.iteration); else NULL';

COMMENT ON TABLE flowpg.logs IS
    'log lines of executions (Log tasks, task errors), secrets masked; readable as their execution is';
COMMENT ON COLUMN flowpg.logs.execution_id IS 'its execution';
COMMENT ON COLUMN flowpg.logs.task_run_id IS 'the task run that wrote it, or NULL for the flow itself';
COMMENT ON COLUMN flowpg.logs.task_id IS 'that task run''s task id';
COMMENT ON COLUMN flowpg.logs.namespace IS 'its execution''s namespace (copied, for row-level security)';
COMMENT ON COLUMN flowpg.logs.level IS 'TRACE, DEBUG, INFO, WARN or ERROR';
COMMENT ON COLUMN flowpg.logs.message IS 'the line, secrets masked';
COMMENT ON COLUMN flowpg.logs.at IS 'when it was written';

COMMENT ON TABLE flowpg.audit_log IS
    'append-only: one row per deploy, delete, rollback, start, resume, expiry, kill, restart, grant, revoke and secret or kv change';
COMMENT ON COLUMN flowpg.audit_log.id IS 'order of writing';
COMMENT ON COLUMN flowpg.audit_log.at IS 'when it happened';
COMMENT ON COLUMN flowpg.audit_log.actor IS 'the role that acted (flowpg for the worker''s expiries)';
COMMENT ON COLUMN flowpg.audit_log.action IS 'deploy, delete, rollback, start, resume, expire, kill, restart, grant, revoke, secret_set, ...';
COMMENT ON COLUMN flowpg.audit_log.namespace IS 'the namespace acted on (NULL for actions on no namespace)';
COMMENT ON COLUMN flowpg.audit_log.flow_id IS 'the flow, when there is one';
COMMENT ON COLUMN flowpg.audit_log.execution_id IS 'the execution, when there is one';
COMMENT ON COLUMN flowpg.audit_log.task_run_id IS 'the task run (a resume''s pause), when there is one';
COMMENT ON COLUMN flowpg.audit_log.detail IS 'what was given (inputs with SECRET ones masked, revision, grantee, secret name; never a secret''s value)';

COMMENT ON TABLE flowpg.secrets IS 'secrets by namespace; readable by no role (used only while rendering)';
COMMENT ON COLUMN flowpg.secrets.namespace IS 'its namespace ('''' is the global one)';
COMMENT ON COLUMN flowpg.secrets.name IS 'the name secret() looks up';
COMMENT ON COLUMN flowpg.secrets.value IS 'the value: in clear when key_id is NULL, else sealed (base64 of AES-256-GCM nonce, ciphertext and tag)';
COMMENT ON COLUMN flowpg.secrets.key_id IS 'id of the key (flowpg.secret_key_file) the value is encrypted with; NULL: stored in clear';
COMMENT ON COLUMN flowpg.secrets.updated_at IS 'when it was last set';
COMMENT ON COLUMN flowpg.secrets.updated_by IS 'who set it';

COMMENT ON TABLE flowpg.kv IS 'the key-value store by namespace (kv(), flow_kv_*); read through flow_kv_get only';
COMMENT ON COLUMN flowpg.kv.namespace IS 'its namespace ('''' is the global one)';
COMMENT ON COLUMN flowpg.kv.key IS 'the key kv() looks up';
COMMENT ON COLUMN flowpg.kv.value IS 'the value, any JSON';
COMMENT ON COLUMN flowpg.kv.updated_at IS 'when it was last set';
COMMENT ON COLUMN flowpg.kv.updated_by IS 'who set it';

COMMENT ON TABLE flowpg.namespace_grants IS
    'permissions given with flow_grant; readable by the namespace''s admins and the roles a grant reaches';
COMMENT ON COLUMN flowpg.namespace_grants.namespace IS 'the namespace (and every one below it; '''' is all)';
COMMENT ON COLUMN flowpg.namespace_grants.grantee IS 'the role (and every role with its privileges)';
COMMENT ON COLUMN flowpg.namespace_grants.permission IS 'VIEW, EXECUTE, RESUME, DEPLOY or ADMIN';
COMMENT ON COLUMN flowpg.namespace_grants.granted_by IS 'who granted it';
COMMENT ON COLUMN flowpg.namespace_grants.granted_at IS 'when';
COMMENT ON TYPE flowpg.grantee_role IS
    'a role''s oid, written as its name (as regrole); its input warns about a name that is no role and gives oid 0, so that a restore into a cluster without that role skips its grants instead of failing';
COMMENT ON FUNCTION flowpg.grantee_role_in(cstring) IS
    'input of grantee_role: a role name; one that is no role gives oid 0 with a WARNING naming it';
COMMENT ON FUNCTION flowpg.grantee_role_out(flowpg.grantee_role) IS
    'output of grantee_role: the role''s name, quoted if it needs to be (as regrole)';
COMMENT ON FUNCTION flowpg.namespace_grants_skip_missing() IS
    'trigger function: leaves out a grant row whose role a restore did not find (grantee oid 0)';
COMMENT ON TRIGGER namespace_grants_skip_missing ON flowpg.namespace_grants IS
    'a restore into a cluster that lacks a grantee role restores the other grants';
COMMENT ON CAST (flowpg.grantee_role AS oid) IS 'a grantee is a role oid';
COMMENT ON CAST (oid AS flowpg.grantee_role) IS 'a role oid as a grantee';
COMMENT ON CAST (regrole AS flowpg.grantee_role) IS 'flow_grant''s regrole as a grantee';
COMMENT ON CAST (flowpg.grantee_role AS regrole) IS 'a grantee as a regrole';

COMMENT ON TABLE flowpg.execution_secrets IS 'the real values of SECRET inputs of executions; readable by no role';
COMMENT ON COLUMN flowpg.execution_secrets.execution_id IS 'the execution';
COMMENT ON COLUMN flowpg.execution_secrets.inputs IS 'the real values (flow inputs, onResume inputs, secrets inherited from a parent); when key_id is set, a JSON string holding them sealed';
COMMENT ON COLUMN flowpg.execution_secrets.key_id IS 'id of the key (flowpg.secret_key_file) the values are encrypted with; NULL: stored in clear';

COMMENT ON TABLE flowpg.work IS
    'the background worker''s queue: sends (HTTP, webhooks, mail) and timers (expiries, timeouts, retries); readable by no role';
COMMENT ON COLUMN flowpg.work.id IS 'order of queueing';
COMMENT ON COLUMN flowpg.work.kind IS 'send, expire, timeout or retry';
COMMENT ON COLUMN flowpg.work.execution_id IS 'the execution it belongs to';
COMMENT ON COLUMN flowpg.work.task_run_id IS 'the task run it belongs to';
COMMENT ON COLUMN flowpg.work.due_at IS 'when it is due';
COMMENT ON COLUMN flowpg.work.claimed_at IS 'when the worker claimed a send (committed before it goes out), or NULL';
COMMENT ON COLUMN flowpg.work.detail IS 'the rendered request ({request, secrets}; with a key file and secrets, {request: sealed text, key_id}) or the pause''s {behavior}, with workerFailures after errors';
COMMENT ON COLUMN flowpg.work.namespace IS 'the namespace of its execution: the worker shares its in-flight slots among namespaces';

COMMENT ON TABLE flowpg.trigger_state IS 'the state of triggers: schedules and their next fire, Flow trigger windows; readable by no role';
COMMENT ON COLUMN flowpg.trigger_state.namespace IS 'the listening flow''s namespace';
COMMENT ON COLUMN flowpg.trigger_state.flow_id IS 'the listening flow''s id';
COMMENT ON COLUMN flowpg.trigger_state.trigger_id IS 'the trigger''s id';
COMMENT ON COLUMN flowpg.trigger_state.schedule IS 'a Schedule trigger as deployed, or NULL';
COMMENT ON COLUMN flowpg.trigger_state.next_at IS 'its next fire time, or NULL when it never fires again';
COMMENT ON COLUMN flowpg.trigger_state.window_state IS 'the executions a Flow trigger''s preconditions saw within their time window';
COMMENT ON COLUMN flowpg.trigger_state.updated_at IS 'when it last changed';

COMMENT ON TABLE flowpg.flow_listeners IS 'the Flow triggers of the latest revision of every flow that has some; readable by no role';
COMMENT ON COLUMN flowpg.flow_listeners.namespace IS 'the listening flow''s namespace';
COMMENT ON COLUMN flowpg.flow_listeners.flow_id IS 'the listening flow''s id';
COMMENT ON COLUMN flowpg.flow_listeners.trigger_id IS 'the trigger''s id';
COMMENT ON COLUMN flowpg.flow_listeners.trigger IS 'the trigger as deployed';

COMMENT ON COLUMN flowpg.flows.namespace IS 'the flow''s namespace';
COMMENT ON COLUMN flowpg.flows.id IS 'the flow''s id';
COMMENT ON COLUMN flowpg.flows.revision IS 'its latest revision';
COMMENT ON COLUMN flowpg.flows.source IS 'the YAML as deployed';
COMMENT ON COLUMN flowpg.flows.definition IS 'the YAML as JSON, after checking';
COMMENT ON COLUMN flowpg.flows.disabled IS 'disabled: true in the flow';
COMMENT ON COLUMN flowpg.flows.deleted IS 'deleted with flow_delete';
COMMENT ON COLUMN flowpg.flows.created_at IS 'when the latest revision was stored';
COMMENT ON COLUMN flowpg.flows.created_by IS 'the role the latest revision acts for';

COMMENT ON COLUMN flowpg.inbox.execution_id IS 'the paused execution';
COMMENT ON COLUMN flowpg.inbox.namespace IS 'its namespace';
COMMENT ON COLUMN flowpg.inbox.flow_id IS 'its flow';
COMMENT ON COLUMN flowpg.inbox.flow_revision IS 'the revision it runs';
COMMENT ON COLUMN flowpg.inbox.task_run_id IS 'the paused task run';
COMMENT ON COLUMN flowpg.inbox.task_id IS 'its task id (flow_resume''s task_id)';
COMMENT ON COLUMN flowpg.inbox.task_type IS 'io.kestra.plugin.core.flow.Pause or io.kestra.plugin.ee.flow.HumanTask';
COMMENT ON COLUMN flowpg.inbox.description IS 'the task''s description';
COMMENT ON COLUMN flowpg.inbox.on_resume IS 'the onResume input declarations: what flow_resume expects';
COMMENT ON COLUMN flowpg.inbox.assigned_users IS 'a HumanTask''s rendered users, or NULL';
COMMENT ON COLUMN flowpg.inbox.assigned_groups IS 'a HumanTask''s rendered groups, or NULL';
COMMENT ON COLUMN flowpg.inbox.paused_at IS 'when it paused';
COMMENT ON COLUMN flowpg.inbox.expires_at IS 'when pauseDuration or timeout runs out, or NULL';
COMMENT ON COLUMN flowpg.inbox.started_by IS 'who started the execution';
COMMENT ON COLUMN flowpg.inbox.labels IS 'the execution''s labels';
COMMENT ON COLUMN flowpg.inbox.inputs IS 'the execution''s inputs, SECRET ones masked';
COMMENT ON COLUMN flowpg.inbox.value IS 'inside a ForEach: the value of the iteration it pauses (its own, or that of the nearest task run holding it); else NULL';
COMMENT ON COLUMN flowpg.inbox.iteration IS 'inside a ForEach: that iteration''s 0-based index; else NULL';

COMMENT ON TABLE flowpg.link_keys IS 'the key that signs approval links (appLink()); readable by no role, replaced by flow_link_key_rotate()';
COMMENT ON COLUMN flowpg.link_keys.singleton IS 'always true: there is one key';
COMMENT ON COLUMN flowpg.link_keys.tag IS 'a random tag of this database, kept across rotations: a link of another database is told apart from a forged one';
COMMENT ON COLUMN flowpg.link_keys.generation IS 'how many keys there have been; a link names the generation it was signed with';
COMMENT ON COLUMN flowpg.link_keys.key IS 'the HMAC-SHA256 key: its 64 hex digits in clear, or sealed with AES-256-GCM under the key of flowpg.secret_key_file (base64)';
COMMENT ON COLUMN flowpg.link_keys.key_id IS 'the id of the secret key that sealed key; NULL: stored in clear (no flowpg.secret_key_file when it was made)';
COMMENT ON COLUMN flowpg.link_keys.created_at IS 'when this key was made';
COMMENT ON COLUMN flowpg.link_keys.created_by IS 'who made it (the first link, or a rotation)';

COMMENT ON VIEW flowpg.worker_status IS
    'the background worker''s health, one row: for members of pg_monitor and holders of ADMIN on ''''; alert on running, warning, oldest_queued_age and sends_failed';
COMMENT ON COLUMN flowpg.worker_status.running IS 'whether a worker process exists (connected or looking for its database)';
COMMENT ON COLUMN flowpg.worker_status.pid IS 'the worker''s process id, or NULL';
COMMENT ON COLUMN flowpg.worker_status.state IS 'running, paused (flowpg.enabled off), waiting for extension, waiting for database, not running, standby (a server in recovery runs no worker until promoted), or not preloaded';
COMMENT ON COLUMN flowpg.worker_status.database IS 'the database the worker serves (flowpg.database_name)';
COMMENT ON COLUMN flowpg.worker_status.serves_this_database IS 'whether that is the database this row was read in';
COMMENT ON COLUMN flowpg.worker_status.started_at IS 'when the worker process started, or NULL';
COMMENT ON COLUMN flowpg.worker_status.in_flight IS 'requests the worker''s engine holds now (sending, or waiting for a slot of flowpg.max_in_flight)';
COMMENT ON COLUMN flowpg.worker_status.queued_sends IS 'HTTP, webhook and mail requests of this database waiting to be claimed (due now or retrying later)';
COMMENT ON COLUMN flowpg.worker_status.queued_timers IS 'timers of this database waiting (pause expiries and timeouts, retries of internal tasks), due or not';
COMMENT ON COLUMN flowpg.worker_status.oldest_queued_age IS 'how long the longest-waiting due item (send or timer) of this database has been due, or NULL when nothing is overdue';
COMMENT ON COLUMN flowpg.worker_status.last_error IS 'the last error the worker met (a step that raised, or a failed send: its task run and the kind of failure), since the server started';
COMMENT ON COLUMN flowpg.worker_status.last_error_at IS 'when last_error happened, or NULL';
COMMENT ON COLUMN flowpg.worker_status.sends_completed IS 'sends recorded with an answer (HTTP codes below 400, mail accepted) since the worker started';
COMMENT ON COLUMN flowpg.worker_status.sends_failed IS 'sends recorded without an answer (timeout, connection, TLS) or with an HTTP code of 400 or more, since the worker started';
COMMENT ON COLUMN flowpg.worker_status.warning IS 'why nothing queued in this database will be sent (no preload, another database, no worker process), or NULL';

COMMENT ON TABLE flowpg.flow_slots IS 'flow-level concurrency: per flow that declares a limit, the limit of its latest revision and the slots its executions hold; readable by no role';
COMMENT ON COLUMN flowpg.flow_slots.namespace IS 'the flow''s namespace';
COMMENT ON COLUMN flowpg.flow_slots.flow_id IS 'the flow''s id';
COMMENT ON COLUMN flowpg.flow_slots.slot_limit IS 'concurrency.limit of the latest revision; NULL when that revision declares none';
COMMENT ON COLUMN flowpg.flow_slots.used IS 'how many executions of the flow hold a slot (from their start to their end, PAUSED included)';
COMMENT ON TABLE flowpg.flow_queue IS 'the QUEUED executions of flows with concurrency behavior QUEUE, waiting for a slot; readable by no role';
COMMENT ON COLUMN flowpg.flow_queue.seq IS 'order of queueing: the lowest starts first';
COMMENT ON COLUMN flowpg.flow_queue.execution_id IS 'the QUEUED execution';
COMMENT ON COLUMN flowpg.flow_queue.namespace IS 'its flow''s namespace';
COMMENT ON COLUMN flowpg.flow_queue.flow_id IS 'its flow''s id';
