
# Upgrades (ALTER EXTENSION flowpg UPDATE): a database filled under version 0.1 (its install
# script as it was released, kept in test/upgrade/) with flows, paused executions (Pause and
# HumanTask), a send queued for the worker, grants, secrets, kv values, a schedule and a Flow
# trigger is updated to the current version; everything resumes, sends and reads as before,
# and the upgraded catalog is the same as a fresh install's (the extension's objects, every
# table, column, index, constraint, trigger, policy, grant, comment, view and function).

use strict;
use warnings;

use File::Copy qw(copy);
use FlowpgFlows;
use FlowpgTest;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = flowpg_node('upgrade', no_extension => 1, conf => ['flowpg.enabled = off']);
my $http = start_http_sink();
my $base = $http->url('');

# the released 0.1 install script goes beside the current one, in the private installation
my ($share) = run_command([ 'pg_config', '--sharedir' ]);
chomp($share);
copy(flowpg_src() . '/test/upgrade/flowpg--0.1.sql', "$share/extension/flowpg--0.1.sql")
  or die "cannot copy the 0.1 install script: $!";

sub sql { return $node->safe_psql('postgres', shift); }

sql("CREATE EXTENSION flowpg VERSION '0.1'");
is(sql("SELECT extversion FROM pg_extension WHERE extname = 'flowpg'"), '0.1', 'version 0.1 installed');

# --- fill it, as a 0.1 user would ---------------------------------------------------------
sql(q{
CREATE ROLE up_dev LOGIN;
CREATE ROLE up_boss LOGIN;
CREATE ROLE up_viewer LOGIN;
SELECT flow_grant('shop', 'up_dev', 'DEPLOY');
SELECT flow_grant('shop', 'up_dev', 'EXECUTE');
SELECT flow_grant('shop', 'up_boss', 'RESUME');
SELECT flow_grant('shop', 'up_viewer', 'VIEW');
SELECT flow_secret_set('shop', 'TOKEN', 'tok-upgrade-7');
});
sql("SELECT flow_kv_set('shop', 'ENDPOINT', '\"$base\"')");
sql(q{SET ROLE up_dev; SELECT revision FROM flow_deploy($$
id: approve
namespace: shop
tasks:
  - id: ask
    type: io.kestra.plugin.core.flow.Pause
    onResume:
      - id: ok
        type: BOOLEAN
  - id: tell
    type: io.kestra.plugin.core.http.Request
    uri: "{{ kv('ENDPOINT') }}/decided/{{ execution.id }}"
    method: POST
    headers:
      Authorization: "Bearer {{ secret('TOKEN') }}"
    body: "{{ outputs.ask.onResume.ok }}"
$$)});
sql(q{SET ROLE up_dev; SELECT revision FROM flow_deploy($$
id: human
namespace: shop
tasks:
  - id: decide
    type: io.kestra.plugin.ee.flow.HumanTask
    assignment:
      users: [up_boss]
  - id: done
    type: io.kestra.plugin.core.log.Log
    message: decided by {{ outputs.decide.resumed.by }}
$$)});
sql(q{SET ROLE up_dev; SELECT revision FROM flow_deploy($$
id: ping_first
namespace: shop
tasks:
  - id: ping
    type: io.kestra.plugin.core.http.Request
    uri: "{{ kv('ENDPOINT') }}/queued"
triggers:
  - id: nightly
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 3 * * *"
$$)});
sql(q{SET ROLE up_dev; SELECT revision FROM flow_deploy($$
id: follow
namespace: shop
tasks:
  - id: note
    type: io.kestra.plugin.core.log.Log
    message: "after {{ trigger.flowId }}"
triggers:
  - id: after_human
    type: io.kestra.plugin.core.trigger.Flow
    conditions:
      - type: io.kestra.plugin.core.condition.ExecutionFlow
        namespace: shop
        flowId: human
$$)});
my $paused = sql("SET ROLE up_dev; SELECT flow_start('shop', 'approve')");
my $human = sql("SET ROLE up_dev; SELECT flow_start('shop', 'human')");
my $queued = sql("SET ROLE up_dev; SELECT flow_start('shop', 'ping_first')");
is(sql("SELECT string_agg(state, ',' ORDER BY flow_id) FROM flowpg.executions"),
	'PAUSED,PAUSED,RUNNING', 'under 0.1: two paused executions, one waiting for its send')
  or diag(sql("SELECT flow_id, state FROM flowpg.executions"));
my $before = sql("SELECT count(*) FROM flowpg.audit_log");
# flow-level concurrency needs 0.2's tables: under 0.1 such a flow is refused, and nothing is stored
my ($conc_rc, $conc_out, $conc_err) = $node->psql('postgres', q{SELECT flow_deploy($$
id: one_at_a_time
namespace: shop
concurrency: {limit: 1}
tasks:
  - id: note
    type: io.kestra.plugin.core.log.Log
    message: one
$$)});
like($conc_err, qr/flow-level concurrency needs the extension's version 0\.2/,
	'under 0.1: a flow with concurrency is refused until the update');
is(sql("SELECT count(*) FROM flowpg.flow_revisions WHERE id = 'one_at_a_time'"), '0', 'and not stored');

# --- the library is newer than the extension: the worker waits for the update -------------
sql("ALTER SYSTEM SET flowpg.enabled = on; SELECT pg_reload_conf()");
ok(wait_worker($node), 'the worker runs');
ok( poll_until(
		sub { slurp_file($node->logfile) =~ /waiting for ALTER EXTENSION flowpg UPDATE/ }, 20),
	'the worker says it waits for ALTER EXTENSION flowpg UPDATE');
sleep(1);
is(scalar(grep { $_->{path} eq '/queued' } @{ $http->records }), 0,
	'and sends nothing meanwhile');

# --- the update ---------------------------------------------------------------------------
sql("ALTER EXTENSION flowpg UPDATE");
is(sql("SELECT extversion FROM pg_extension WHERE extname = 'flowpg'"), '0.2', 'updated to 0.2');
is(sql("SELECT count(*) FROM flowpg.audit_log"), $before, 'the audit log is kept whole');

# --- everything goes on as before ---------------------------------------------------------
is(wait_state($node, $queued, 'SUCCESS'), 'SUCCESS', 'the send queued under 0.1 goes out');
ok(poll_until(sub { grep { $_->{path} eq '/queued' } @{ $http->records } }, 20),
	'and reaches the sink');

is(sql("SET ROLE up_viewer; SELECT count(*) FROM flowpg.executions"), '3',
	'a viewer reads the executions under row-level security');
is(sql("SET ROLE up_boss; SELECT string_agg(task_id, ',' ORDER BY task_id) FROM flowpg.inbox"),
	'ask,decide', 'the assignee and the RESUME holder find both pauses in the inbox');
is(sql("SET ROLE up_boss; SELECT flow_resume('$paused', '{\"ok\": true}')"), 'RUNNING',
	'a Pause paused under 0.1 resumes (its HTTP task is queued)');
is(wait_state($node, $paused, 'SUCCESS'), 'SUCCESS', 'and its request is sent');
my ($rec) = grep { $_->{path} eq "/decided/$paused" } @{ $http->records };
ok($rec, 'the request after the pause reached the sink');
is(header($rec, 'Authorization'), 'Bearer tok-upgrade-7', 'with the secret set under 0.1');
unlike(sql("SELECT outputs::text FROM flowpg.task_runs WHERE execution_id = '$paused'"),
	qr/tok-upgrade-7/, 'which stays masked');
is(sql("SET ROLE up_boss; SELECT flow_resume('$human')"), 'SUCCESS',
	'a HumanTask paused under 0.1 is decided by its assignee');
is(sql("SELECT state FROM flowpg.executions WHERE flow_id = 'follow'"), 'SUCCESS',
	'the Flow trigger deployed under 0.1 fires');
is(sql("SELECT count(*) FROM flowpg.trigger_state WHERE schedule IS NOT NULL"), '1',
	'the schedule deployed under 0.1 is kept');
is(sql("SET ROLE up_dev; SELECT flow_start('shop', 'human') IS NOT NULL"), 't',
	'new executions start');

# --- secrets at rest: 0.1's values stay in clear until a key file and a rotation -----------
is(sql("SELECT count(*) FROM flowpg.secrets WHERE key_id IS NULL AND value = 'tok-upgrade-7'"), '1',
	'the secret set under 0.1 is kept as it was, marked as in clear');
my $key = $node->basedir . '/secret.key';
open(my $kfh, '>', $key) or die "$key: $!";
print $kfh ('7d' x 32) . "\n";
close($kfh);
chmod(0600, $key);
sql("ALTER SYSTEM SET flowpg.secret_key_file = '$key'");
sql("SELECT pg_reload_conf()");
ok(poll_until(sub { sql("SHOW flowpg.secret_key_file") eq $key }), 'a key file is configured');
cmp_ok(sql("SELECT flow_secret_key_rotate()"), '>=', 1, 'rotation encrypts the values of 0.1');
is(sql("SELECT count(*) FROM flowpg.secrets WHERE key_id IS NULL OR strpos(value, 'tok-upgrade') > 0"), '0',
	'no secret is left in clear');
my $again = sql("SET ROLE up_dev; SELECT flow_start('shop', 'approve')");
is(sql("SET ROLE up_boss; SELECT flow_resume('$again', '{\"ok\": true}')"), 'RUNNING',
	'a new execution of the flow using it resumes');
is(wait_state($node, $again, 'SUCCESS'), 'SUCCESS', 'and sends its request');
($rec) = grep { $_->{path} eq "/decided/$again" } @{ $http->records };
is($rec && header($rec, 'Authorization'), 'Bearer tok-upgrade-7', 'with the secret, now decrypted');

# --- the same catalog as a fresh install --------------------------------------------------
sql("CREATE DATABASE fresh");
$node->safe_psql('fresh', 'CREATE EXTENSION flowpg');

# Every object of the extension and what defines it, one line each, sorted.
my $catalog = q{
WITH ext AS (SELECT oid, extconfig, extcondition FROM pg_extension WHERE extname = 'flowpg'),
members AS (
  SELECT d.classid, d.objid FROM pg_depend d, ext
  WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = ext.oid AND d.deptype = 'e'),
rels AS (SELECT c.oid, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'flowpg')
SELECT line FROM (
  SELECT 'member ' || pg_describe_object(classid, objid, 0) AS line FROM members
  UNION ALL
  SELECT 'config ' || c::regclass::text || ' ' || coalesce(w, '')
  FROM ext, unnest(extconfig, extcondition) AS u(c, w)
  UNION ALL
  SELECT format('relation %s kind=%s rls=%s force=%s acl=%s options=%s comment=%s', r.relname,
                c.relkind, c.relrowsecurity, c.relforcerowsecurity, c.relacl, c.reloptions,
                obj_description(c.oid, 'pg_class'))
  FROM rels r JOIN pg_class c ON c.oid = r.oid
  UNION ALL
  SELECT format('column %s.%s %s notnull=%s default=%s identity=%s generated=%s acl=%s comment=%s',
                r.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated,
                -- flow_grant's markers on namespace_grants.grantee follow the data, not the schema
                CASE WHEN (r.relname, a.attname) = ('namespace_grants', 'grantee') THEN 'markers'
                     ELSE a.attacl::text END,
                col_description(a.attrelid, a.attnum))
  FROM rels r JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
  UNION ALL
  SELECT 'index ' || pg_get_indexdef(i.indexrelid) || ' comment=' || coalesce(obj_description(i.indexrelid, 'pg_class'), '')
  FROM rels r JOIN pg_index i ON i.indrelid = r.oid
  UNION ALL
  SELECT format('constraint %s %s %s', r.relname, co.conname, pg_get_constraintdef(co.oid))
  FROM rels r JOIN pg_constraint co ON co.conrelid = r.oid
  UNION ALL
  SELECT format('trigger %s enabled=%s', pg_get_triggerdef(t.oid), t.tgenabled)
  FROM rels r JOIN pg_trigger t ON t.tgrelid = r.oid AND NOT t.tgisinternal
  UNION ALL
  SELECT format('policy %s %s %s roles=%s using=%s check=%s', p.tablename, p.policyname, p.cmd,
                p.roles, p.qual, p.with_check)
  FROM pg_policies p WHERE p.schemaname = 'flowpg'
  UNION ALL
  SELECT 'view ' || r.relname || ' ' || pg_get_viewdef(r.oid)
  FROM rels r JOIN pg_class c ON c.oid = r.oid AND c.relkind IN ('v', 'm')
  UNION ALL
  SELECT format('function %s acl=%s comment=%s', pg_get_functiondef(p.oid), p.proacl,
                obj_description(p.oid, 'pg_proc'))
  FROM members m JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid
  UNION ALL
  SELECT format('schema %s acl=%s comment=%s', n.nspname, n.nspacl, obj_description(n.oid, 'pg_namespace'))
  FROM pg_namespace n WHERE n.nspname = 'flowpg'
) AS all_lines ORDER BY line
};
my $upgraded = $node->safe_psql('postgres', $catalog);
my $fresh = $node->safe_psql('fresh', $catalog);
cmp_ok(length($fresh), '>', 10000, 'the catalog description describes something');
if ($upgraded eq $fresh)
{
	pass('the upgraded catalog is the same as a fresh install\'s');
}
else
{
	my %u = map { $_ => 1 } split /\n/, $upgraded;
	my %f = map { $_ => 1 } split /\n/, $fresh;
	diag("only after the upgrade: $_") for grep { !$f{$_} } sort keys %u;
	diag("only in a fresh install: $_") for grep { !$u{$_} } sort keys %f;
	fail('the upgraded catalog is the same as a fresh install\'s');
}

$node->stop;
done_testing();
