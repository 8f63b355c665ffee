
# The background worker's life (SPEC section 9, DESIGN.md section 4): woken
# at commit (never by polling: naptime is a minute here), nothing sent for a
# rolled-back transaction, flowpg.enabled, a SIGHUP resizing the requests in
# flight, NOTIFY relayed, a poisoned work row that neither stops the worker
# nor holds the others up, a restart with paused and queued work and an
# expiry due while the server was down, a crash with a request in flight
# (sent again with the same Flowpg-Task-Run), the extension dropped and
# created again under a running worker, a fast shutdown with a request in
# flight, a database that does not exist yet, and no worker at all (not
# preloaded).

use strict;
use warnings;

use FlowpgFlows;
use FlowpgTest;
use PostgreSQL::Test::Utils;
use IPC::Run ();
use Test::More;
use Time::HiRes qw(sleep);
use PostgreSQL::Test::Cluster;

my $node = flowpg_node('recovery', conf => ['flowpg.naptime = 60s']);
my $pid = wait_worker($node);
ok($pid, 'worker connected');
my $http = start_http_sink();
my $base = $http->url('');

deploy(
	$node, qq{
id: hook
namespace: rec
inputs:
  - id: path
    type: STRING
tasks:
  - id: call
    type: io.kestra.plugin.core.http.Request
    uri: "$base/{{ inputs.path }}"
    method: POST
    body: "{{ inputs.path }}"
});
deploy(
	$node, q{
id: waits
namespace: rec
inputs:
  - id: duration
    type: STRING
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
    pauseDuration: "{{ inputs.duration }}"
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: expired
});

# Requests the sink got on a path.
sub got
{
	my ($path) = @_;
	return [ grep { $_->{path} eq "/$path" } @{ $http->records } ];
}

sub wait_got
{
	my ($path, $n, $timeout) = @_;
	my $r;
	poll_until(sub { $r = got($path); @$r >= $n }, $timeout // 20);
	return $r;
}

# --- woken at commit; a rollback sends nothing --------------------------------------
my $t0 = Time::HiRes::time();
my $id = start_flow($node, 'rec', 'hook', { path => 'wake' });
is(wait_state($node, $id, 'SUCCESS'), 'SUCCESS', 'a queued request is sent');
my $took = Time::HiRes::time() - $t0;
ok($took < 5, sprintf('at once, woken by the commit, not the minute of naptime (%.2f s)', $took));
$node->safe_psql('postgres',
	"BEGIN; SELECT flow_start('rec', 'hook', '{\"path\": \"rolled-back\"}'); ROLLBACK;");
$id = start_flow($node, 'rec', 'hook', { path => 'after-rollback' });
wait_state($node, $id, 'SUCCESS');
is(scalar(@{ got('rolled-back') }), 0, 'a rolled-back transaction sent nothing');

# --- NOTIFY is relayed by the worker --------------------------------------------------
my ($stdout, $stderr);
$node->psql('postgres',
	"LISTEN flowpg; SELECT flow_start('rec', 'waits', '{\"duration\": \"PT1H\"}'); SELECT pg_sleep(0.5);",
	stdout => \$stdout, stderr => \$stderr);
my @from = $stdout =~ /Asynchronous notification "flowpg" .* received from server process with PID (\d+)/g;
ok(@from >= 3, 'state changes are notified');
is_deeply([ keys %{ { map { $_ => 1 } @from } } ], [$pid], 'relayed by the worker');

# --- flowpg.enabled -------------------------------------------------------------------
$node->safe_psql('postgres', "ALTER SYSTEM SET flowpg.enabled = off; SELECT pg_reload_conf()");
ok(poll_until(sub { slurp_file($node->logfile) =~ /flowpg worker: paused \(flowpg.enabled is off\)/ }, 10),
	'the worker pauses when flowpg.enabled is off');
$id = start_flow($node, 'rec', 'hook', { path => 'while-off' });
sleep(1.5);
is(scalar(@{ got('while-off') }), 0, 'nothing is sent while it is off');
is($node->safe_psql('postgres', "SELECT state FROM flowpg.executions WHERE id = '$id'"), 'RUNNING',
	'the execution waits');
$node->safe_psql('postgres', "ALTER SYSTEM SET flowpg.enabled = on; SELECT pg_reload_conf()");
is(wait_state($node, $id, 'SUCCESS'), 'SUCCESS', 'sent once flowpg.enabled is on again');
is(worker_pid($node), $pid, 'the same worker process throughout');

# --- SIGHUP: max_in_flight bounds the requests at once ---------------------------------
$node->safe_psql('postgres', "ALTER SYSTEM SET flowpg.max_in_flight = 3; SELECT pg_reload_conf()");
ok(poll_until(sub { slurp_file($node->logfile) =~ /flowpg worker: sending at most 3 requests at once/ }, 10),
	'a reload resizes the engine');
$t0 = Time::HiRes::time();
my @slow = map { start_flow($node, 'rec', 'hook', { path => 'delay/600' }) } 1 .. 6;
is(wait_state($node, $_, 'SUCCESS'), 'SUCCESS', 'slow request done') for @slow;
$took = Time::HiRes::time() - $t0;
my $slow = got('delay/600');
my ($max) = sort { $b <=> $a } map { $_->{in_flight} } @$slow;
is($max, 3, 'three requests overlapped, never more');
ok($took >= 1.1 && $took < 4, sprintf('6 requests of 0.6 s, 3 at a time, took %.1f s', $took));
$node->safe_psql('postgres', "ALTER SYSTEM RESET flowpg.max_in_flight; SELECT pg_reload_conf()");

# --- an execution someone holds locked does not hold the others up -----------------------
$id = start_flow($node, 'rec', 'hook', { path => 'delay/300' });
my $locker = IPC::Run::start(
	[
		'psql', '-X', '-q', '-d', $node->connstr('postgres'), '-c',
		"BEGIN; SELECT 1 FROM flowpg.executions WHERE id = '$id' FOR UPDATE; SELECT pg_sleep(3); COMMIT;"
	],
	'>', \my $lock_out, '2>', \my $lock_err);
sleep(0.5);
my $other = start_flow($node, 'rec', 'hook', { path => 'not-held-up' });
is(wait_state($node, $other, 'SUCCESS', TIMEOUT => 2), 'SUCCESS',
	'another execution completes while the first is locked');
is($node->safe_psql('postgres', "SELECT state FROM flowpg.executions WHERE id = '$id'"), 'RUNNING',
	'the locked one waits for its lock');
$locker->finish;
is(wait_state($node, $id, 'SUCCESS'), 'SUCCESS', 'and completes once the lock is released');

# --- a subflow's external task wakes its parent --------------------------------------------
deploy(
	$node, q{
id: parent
namespace: rec
tasks:
  - id: child
    type: io.kestra.plugin.core.flow.Subflow
    namespace: rec
    flowId: hook
    inputs:
      path: from-subflow
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: "child {{ outputs.child.state }}"
});
$id = start_flow($node, 'rec', 'parent');
is(wait_state($node, $id, 'SUCCESS'), 'SUCCESS', 'the parent ends when its child\'s request is done');
is_deeply([ logs($node, $id) ], ['INFO after: child SUCCESS'], 'and sees the child\'s state');

# --- a poisoned row neither stops the worker nor holds the others up --------------------
# an execution whose flow revision is missing: loading it raises every time
$node->safe_psql(
	'postgres', qq{
INSERT INTO flowpg.executions (id, namespace, flow_id, flow_revision, state, created_by, created_at, updated_at)
VALUES ('poisonpoisonpoisonpois', 'rec', 'hook', 99, 'RUNNING', 'postgres', now(), now());
INSERT INTO flowpg.task_runs (id, execution_id, namespace, task_id, state, created_at)
VALUES ('poisonrunpoisonrunpois', 'poisonpoisonpoisonpois', 'rec', 'call', 'CREATED', now());
INSERT INTO flowpg.work (kind, execution_id, task_run_id, due_at, detail) VALUES
 ('send', 'poisonpoisonpoisonpois', 'poisonrunpoisonrunpois', now(),
  '{"request": {"protocol": "http", "url": "$base/poison", "method": "POST", "headers": {}}}'),
 ('expire', 'poisonpoisonpoisonpois', 'poisonrunpoisonrunpois', now(), '{"behavior": "RESUME"}'),
 ('send', 'nosuchexecutionnosuchx', 'nosuchrun', now(), '{"request": 42}');
});
$id = start_flow($node, 'rec', 'hook', { path => 'beside-poison' });
is(wait_state($node, $id, 'SUCCESS'), 'SUCCESS', 'work beside the poisoned rows is done');
ok( poll_until(
		sub {
			$node->safe_psql('postgres',
				"SELECT count(*) FROM flowpg.work WHERE execution_id = 'poisonpoisonpoisonpois'"
				  . " AND (detail->>'workerFailures')::int >= 1 AND due_at > now() AND claimed_at IS NULL") eq '2';
		},
		20),
	'both poisoned rows were put off (with a growing delay), not retried in a loop');
is($node->safe_psql('postgres', "SELECT count(*) FROM flowpg.work WHERE execution_id = 'nosuchexecutionnosuchx'"),
	'0', 'work for an execution that does not exist is dropped');
like(slurp_file($node->logfile), qr/flowpg worker: work \d+ put off after 1 failures/,
	'the server log says so');
is(worker_pid($node), $pid, 'the worker kept its pid through the failures');
$id = start_flow($node, 'rec', 'hook', { path => 'after-poison' });
is(wait_state($node, $id, 'SUCCESS'), 'SUCCESS', 'and still works');
$node->safe_psql('postgres',
	"DELETE FROM flowpg.work WHERE execution_id = 'poisonpoisonpoisonpois';"
	  . " DELETE FROM flowpg.task_runs WHERE execution_id = 'poisonpoisonpoisonpois';"
	  . " DELETE FROM flowpg.executions WHERE id = 'poisonpoisonpoisonpois'");

# --- a restart: PAUSED stays PAUSED, queued work is sent, an expiry due meanwhile fires ----
$node->safe_psql('postgres', "ALTER SYSTEM SET flowpg.enabled = off; SELECT pg_reload_conf()");
ok( poll_until(
		sub { my $n = () = slurp_file($node->logfile) =~ /paused \(flowpg.enabled is off\)/g; $n >= 2 }, 10),
	'paused again, so that work stays queued');
my $paused = start_flow($node, 'rec', 'waits', { duration => 'PT1H' });
my $expiring = start_flow($node, 'rec', 'waits', { duration => 'PT2S' });
my $queued = start_flow($node, 'rec', 'hook', { path => 'queued-over-restart' });
is(wait_state($node, $paused, 'PAUSED'), 'PAUSED', 'a long pause');
is(wait_state($node, $expiring, 'PAUSED'), 'PAUSED', 'a short pause');
# on again at the next start (this server keeps it off until it stops)
$node->safe_psql('postgres', 'ALTER SYSTEM RESET flowpg.enabled');
$node->stop('fast');
sleep(3);    # the short pause falls due while the server is down
$node->start;
is(wait_state($node, $queued, 'SUCCESS'), 'SUCCESS', 'work queued before the restart is sent after it');
is(scalar(@{ got('queued-over-restart') }), 1, 'once');
is(wait_state($node, $expiring, 'SUCCESS'), 'SUCCESS', 'the expiry that fell due during the downtime fired');
is(wait_state($node, $paused), 'PAUSED', 'the long pause is still PAUSED');
is($node->safe_psql('postgres', "SELECT count(*) FROM flowpg.work WHERE execution_id = '$paused'"),
	'1', 'with its expiry still queued');

# --- a crash with a request in flight: sent again, same Flowpg-Task-Run -------------------
$id = start_flow($node, 'rec', 'hook', { path => 'delay/1500' });
my $first = wait_got('delay/1500', 1);
is(scalar(@$first), 1, 'the request is in flight');
$node->stop('immediate');
$node->start;
is(wait_state($node, $id, 'SUCCESS'), 'SUCCESS', 'after the crash the execution completes');
my $twice = got('delay/1500');
is(scalar(@$twice), 2, 'the request in flight at the crash was sent again');
is(header($twice->[1], 'Flowpg-Task-Run'), header($twice->[0], 'Flowpg-Task-Run'),
	'with the same Flowpg-Task-Run, so the receiver can tell');
is(header($twice->[0], 'Flowpg-Task-Run'), task_runs($node, $id)->{call}{id} . '/1', 'attempt 1 both times');
like(slurp_file($node->logfile), qr/flowpg worker: sending again 1 requests that were in flight/,
	'the new worker said it sends it again');
is(scalar(@{ task_runs($node, $id)->{call}{attempts} }), 1, 'one attempt recorded');
$pid = wait_worker($node);

# --- the extension dropped and created again under a running worker -------------------------
$node->safe_psql('postgres', 'DROP EXTENSION flowpg CASCADE');
sleep(0.5);
is(worker_pid($node), $pid, 'the worker survives DROP EXTENSION');
$node->safe_psql('postgres', 'CREATE EXTENSION flowpg');
deploy(
	$node, qq{
id: again
namespace: rec
tasks:
  - id: call
    type: io.kestra.plugin.notifications.teams.TeamsIncomingWebhook
    url: "$base/recreated"
    payload: '{"text": "hi"}'
});
$id = start_flow($node, 'rec', 'again');
is(wait_state($node, $id, 'SUCCESS'), 'SUCCESS', 'and runs the new extension\'s flows');
is(worker_pid($node), $pid, 'still the same worker');

# --- a fast shutdown does not wait for a request in flight -----------------------------------
deploy(
	$node, qq{
id: hang
namespace: rec
tasks:
  - id: call
    type: io.kestra.plugin.core.http.Request
    uri: "$base/delay/60000"
});
start_flow($node, 'rec', 'hang');
wait_got('delay/60000', 1);
$t0 = Time::HiRes::time();
$node->stop('fast');
$took = Time::HiRes::time() - $t0;
ok($took < 10, sprintf('a fast shutdown with a request in flight took %.1f s', $took));

# --- a database that does not exist yet -----------------------------------------------------
my $later = PostgreSQL::Test::Cluster->new('later');
$later->init;
$later->append_conf('postgresql.conf',
	"shared_preload_libraries = 'flowpg'\nflowpg.database_name = 'later'\n"
	  . "flowpg.allow_local_targets = on\n");
$later->start;
ok(poll_until(sub { slurp_file($later->logfile) =~ /flowpg worker: waiting for database "later" to exist/ }, 20),
	'without its database the worker waits');
is( $later->safe_psql(
		'postgres',
		"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'flowpg worker' AND datname IS NULL"),
	'1',
	'it waits connected to no database');
sleep(1);
unlike(slurp_file($later->logfile), qr/FATAL/, 'without FATAL errors or restarts');
$later->safe_psql('postgres', 'CREATE DATABASE later');
ok( poll_until(
		sub {
			$later->safe_psql('postgres',
				"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'flowpg worker' AND datname = 'later'") eq '1';
		},
		20),
	'once the database exists the worker connects to it');
$later->safe_psql('later', 'CREATE EXTENSION flowpg');
$later->safe_psql('later', qq{SELECT flow_deploy(\$f\$
id: late
namespace: rec
tasks:
  - id: call
    type: io.kestra.plugin.core.http.Request
    uri: "$base/late"
\$f\$)});
$id = $later->safe_psql('later', "SELECT flow_start('rec', 'late')");
ok(poll_until(sub { $later->safe_psql('later', "SELECT state FROM flowpg.executions WHERE id = '$id'") eq 'SUCCESS' }, 20),
	'and runs its flows');
$later->stop;

# --- without shared_preload_libraries: no worker, and nothing breaks -----------------------
my $plain = PostgreSQL::Test::Cluster->new('nopreload');
$plain->init;
$plain->start;
$plain->safe_psql('postgres', 'CREATE EXTENSION flowpg');
deploy(
	$plain, qq{
id: queued
namespace: rec
tasks:
  - id: call
    type: io.kestra.plugin.core.http.Request
    uri: "$base/never-sent"
});
($stdout, $stderr) = ('', '');
$plain->psql('postgres', "LISTEN flowpg; SELECT flow_start('rec', 'queued') AS id;",
	stdout => \$stdout, stderr => \$stderr);
like($stderr, qr/^psql:<stdin>:1: WARNING:  nothing will send the HTTP, webhook and mail tasks queued in database "postgres"\nDETAIL:  flowpg is not in shared_preload_libraries, so no background worker runs\.\nHINT:  Add flowpg to shared_preload_libraries/,
	'flow_start works without the worker, and warns that nothing will send its request');
unlike($stderr, qr/ERROR/, 'with no error');
like($stdout, qr/Asynchronous notification "flowpg"/, 'NOTIFY is sent by the transaction itself');
is($plain->safe_psql('postgres', 'SELECT count(*) FROM flowpg.work'), '1', 'the request stays queued');
sleep(1);
is(scalar(@{ got('never-sent') }), 0, 'and nothing sends it');
$plain->stop;

$http->stop;
done_testing();
