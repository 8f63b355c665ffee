-- The raw-SQL floor of the ForEach benchmarks (test/bench/run foreach): the rows a loop's
-- execution needs at minimum, written by plpgsql one statement per row, as an in-database
-- engine writes them, into plain tables with the indexes an engine must have.  No engine logic:
-- no YAML, no expressions, no state machine, no row security.
drop table if exists ff_exec, ff_taskrun, ff_log, ff_audit;
create table ff_exec(id text primary key, namespace text, flow_id text, revision int, state text,
  inputs jsonb, labels jsonb, history jsonb, created_at timestamptz default now(),
  updated_at timestamptz default now(), ended_at timestamptz);
create table ff_taskrun(id text primary key, execution_id text, parent_id text, task_id text, state text,
  outputs jsonb, attempts jsonb, history jsonb, value text, iteration int,
  created_at timestamptz default now(), ended_at timestamptz);
create index on ff_taskrun(execution_id);
create index on ff_taskrun(execution_id) where state = 'PAUSED';
create table ff_log(id bigserial primary key, execution_id text, task_run_id text, task_id text, level text,
  message text, at timestamptz default now());
create index on ff_log(execution_id);
create table ff_audit(id bigserial primary key, at timestamptz default now(), actor text, action text,
  execution_id text, task_run_id text, detail jsonb);

-- One execution of a ForEach over n values of a Log task, start to end in one call.
create or replace function ff_log_run(eid text, n int) returns text language plpgsql as $$
begin
  insert into ff_exec values (eid, 'bench', 'foreach_log', 1, 'RUNNING', '{}', '{"system.username":"postgres"}',
    '[{"state":"CREATED"},{"state":"RUNNING"}]');
  insert into ff_taskrun values ('f' || eid, eid, null, 'each', 'RUNNING', null, '[{"state":"RUNNING"}]',
    '[{"state":"CREATED"},{"state":"RUNNING"}]', null, null);
  for i in 1 .. n loop
    insert into ff_taskrun values ('t' || i || eid, eid, 'f' || eid, 'log', 'SUCCESS', null,
      '[{"state":"SUCCESS"}]', '[{"state":"CREATED"},{"state":"RUNNING"},{"state":"SUCCESS"}]', i::text, i - 1,
      now(), now());
    insert into ff_log(execution_id, task_run_id, task_id, level, message)
      values (eid, 't' || i || eid, 'log', 'INFO', 'item ' || i);
  end loop;
  update ff_taskrun set state = 'SUCCESS', history = history || '[{"state":"SUCCESS"}]', ended_at = now()
    where id = 'f' || eid;
  update ff_exec set state = 'SUCCESS', history = history || '[{"state":"SUCCESS"}]', ended_at = now(),
    updated_at = now() where id = eid;
  insert into ff_audit(actor, action, execution_id, detail) values (current_user, 'start', eid, '{}');
  return 'SUCCESS';
end $$;

-- The start of a ForEach over n values of a Pause (all at once): n paused task runs.
create or replace function ff_pause_start(eid text, n int) returns text language plpgsql as $$
begin
  insert into ff_exec values (eid, 'bench', 'foreach_pause', 1, 'PAUSED', '{}', '{"system.username":"postgres"}',
    '[{"state":"CREATED"},{"state":"RUNNING"},{"state":"PAUSED"}]');
  insert into ff_taskrun values ('f' || eid, eid, null, 'each', 'RUNNING', null, '[{"state":"RUNNING"}]',
    '[{"state":"CREATED"},{"state":"RUNNING"}]', null, null);
  for i in 1 .. n loop
    insert into ff_taskrun values ('t' || i || eid, eid, 'f' || eid, 'approve', 'PAUSED', null,
      '[{"state":"RUNNING"}]', '[{"state":"CREATED"},{"state":"RUNNING"},{"state":"PAUSED"}]', i::text, i - 1);
  end loop;
  insert into ff_audit(actor, action, execution_id, detail) values (current_user, 'start', eid, '{}');
  return eid;
end $$;

-- Resume every given paused task run (one audit row each); the loop and the execution end
-- with the last one.
create or replace function ff_resume_bulk(ids text[]) returns int language plpgsql as $$
declare eid text; s text; r record; k int := 0;
begin
  select execution_id into eid from ff_taskrun where id = ids[1];
  select state into s from ff_exec where id = eid for update;
  if s is distinct from 'PAUSED' then raise exception 'not paused' using errcode = '55000'; end if;
  for r in select id from ff_taskrun where id = any (ids) and state = 'PAUSED' order by id loop
    update ff_taskrun set state = 'SUCCESS',
      outputs = jsonb_build_object('onResume', '{"ok": true}'::jsonb, 'resumed',
                                   jsonb_build_object('by', current_user, 'on', now(), 'to', 'SUCCESS')),
      attempts = '[{"state":"SUCCESS"}]', history = history || '[{"state":"SUCCESS"}]', ended_at = now()
      where id = r.id;
    insert into ff_audit(actor, action, execution_id, task_run_id, detail)
      values (current_user, 'resume', eid, r.id, '{"ok": true}');
    k := k + 1;
  end loop;
  update ff_taskrun set state = 'SUCCESS', history = history || '[{"state":"SUCCESS"}]', ended_at = now()
    where id = 'f' || eid;
  update ff_exec set state = 'SUCCESS',
    history = history || '[{"state":"RESTARTED"},{"state":"RUNNING"},{"state":"SUCCESS"}]',
    ended_at = now(), updated_at = now() where id = eid;
  return k;
end $$;
