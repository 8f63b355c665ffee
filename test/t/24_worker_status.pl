
# The worker's health (issue 10) and nothing silent (issue 13): flowpg.worker_status with a live
# worker and a loopback sink (sends completed and failed, the last error, requests in flight,
# the queue while paused, a restart), and the WARNING of a start or resume that queues a send
# no worker will send: a cluster whose flowpg.database_name names another database, one
# without shared_preload_libraries, and one whose worker cannot start.

use strict;
use warnings;

use FlowpgFlows;
use FlowpgTest;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $http = start_http_sink();
my $base = $http->url('');
my $refused = free_port();

# The one row of flowpg.worker_status as a hash.
sub status
{
	my ($node) = @_;
	return sql_json($node, 'SELECT row_to_json(s) FROM flowpg.worker_status s');
}

# Run SQL in postgres; return (stdout, stderr).
sub psql_err
{
	my ($node, $sql) = @_;
	my ($out, $err) = ('', '');
	$node->psql('postgres', $sql, stdout => \$out, stderr => \$err, on_error_die => 1);
	return ($out, $err);
}

# Count the WARNINGs about unsent work in stderr.
sub unsent_warnings
{
	my ($err) = @_;
	my @w = ($err =~ /WARNING:  nothing will send the HTTP, webhook and mail tasks queued in database "postgres"/g);
	return scalar @w;
}

my $hooks = qq{
id: hook
namespace: ops
inputs:
  - id: path
    type: STRING
tasks:
  - id: send
    type: io.kestra.plugin.core.http.Request
    uri: "{{ inputs.path }}"
    options:
      allowFailed: true
};
my $ask_then_hook = qq{
id: ask_then_hook
namespace: ops
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
  - id: send
    type: io.kestra.plugin.notifications.slack.SlackIncomingWebhook
    url: "$base/slack"
    messageText: hi
};
my $quiet = qq{
id: quiet
namespace: ops
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: hello
};

# --- a live worker serving this database -------------------------------------
my $node = flowpg_node('live');
ok(wait_worker($node), 'the worker is connected');
deploy($node, $_) for ($hooks, $ask_then_hook, $quiet);
ok(poll_until(sub { status($node)->{state} eq 'running' }, 30), 'worker_status says running');
my $s = status($node);
ok($s->{running}, 'running');
is($s->{database}, 'postgres', 'the database it serves');
ok($s->{serves_this_database}, 'serves this database');
is($s->{warning}, undef, 'no warning');
is($s->{sends_completed} + $s->{sends_failed}, 0, 'no send yet');

my (undef, $err) = psql_err($node, "SELECT flow_start('ops', 'hook', '{\"path\": \"$base/ok\"}')");
is(unsent_warnings($err), 0, 'a send queued where the worker serves warns of nothing');

my $ok = start_flow($node, 'ops', 'hook', { path => "$base/ok" });
my $bad = start_flow($node, 'ops', 'hook', { path => "$base/status/500" });
is(wait_state($node, $ok), 'SUCCESS', 'a send succeeds');
is(wait_state($node, $bad), 'SUCCESS', 'a 500 (allowed) ends the execution');
ok(poll_until(sub { status($node)->{sends_completed} >= 2 && status($node)->{sends_failed} >= 1 }, 10),
	'completed and failed sends are counted');
$s = status($node);
is($s->{sends_failed}, 1, 'one send failed');
my $bad_run = task_runs($node, $bad)->{send}{id};
is($s->{last_error}, "the request of task run $bad_run answered with an error code (500)",
	'the last error names the task run and the failure, nothing of the response');
ok($s->{last_error_at}, 'and when');

my $gone = start_flow($node, 'ops', 'hook', { path => "http://127.0.0.1:$refused/x" });
is(wait_state($node, $gone), 'SUCCESS', 'a refused connection (allowed) ends the execution');
ok(poll_until(sub { status($node)->{sends_failed} >= 2 }, 10), 'a refused connection counts as failed');
my $gone_run = task_runs($node, $gone)->{send}{id};
is(status($node)->{last_error}, "the request of task run $gone_run could not connect",
	'its last error');

# requests in flight: a slow answer
my $slow = start_flow($node, 'ops', 'hook', { path => "$base/delay/3000" });
ok(poll_until(sub { status($node)->{in_flight} >= 1 }, 10), 'a slow request is in flight');
is(wait_state($node, $slow), 'SUCCESS', 'it ends');
ok(poll_until(sub { status($node)->{in_flight} == 0 }, 10), 'and is in flight no more');

# the queue: paused, sends wait and age
$node->safe_psql('postgres', "ALTER SYSTEM SET flowpg.enabled = off; SELECT pg_reload_conf()");
ok(poll_until(sub { status($node)->{state} eq 'paused' }, 15), 'flowpg.enabled off: paused');
my $waiting = start_flow($node, 'ops', 'hook', { path => "$base/queued" });
sleep 1.2;
$s = status($node);
is($s->{queued_sends}, 1, 'the send waits in the queue');
ok(defined $s->{oldest_queued_age} && $s->{oldest_queued_age} ne '00:00:00',
	"the oldest queued item's age ($s->{oldest_queued_age})");
$node->safe_psql('postgres', "ALTER SYSTEM RESET flowpg.enabled; SELECT pg_reload_conf()");
is(wait_state($node, $waiting), 'SUCCESS', 'on again, it is sent');
$s = status($node);
is($s->{queued_sends}, 0, 'nothing queued');
is($s->{oldest_queued_age}, undef, 'nothing overdue');

# readable as pg_monitor, not as a plain role
$node->safe_psql('postgres', 'CREATE ROLE mon IN ROLE pg_monitor; CREATE ROLE plain');
is($node->safe_psql('postgres', 'SET ROLE mon; SELECT running FROM flowpg.worker_status'), 't',
	'a pg_monitor member reads it');
my ($rc, $o, $e) = $node->psql('postgres', 'SET ROLE plain; SELECT running FROM flowpg.worker_status');
like($e, qr/permission denied to read the status of the flowpg worker/, 'a plain role may not');

# a restarted worker: a new pid, counters from zero, the last error kept
my $old_pid = status($node)->{pid};
$node->safe_psql('postgres', "SELECT pg_terminate_backend($old_pid)");
ok(poll_until(sub { my $x = status($node); $x->{running} && $x->{pid} != $old_pid && $x->{state} eq 'running' }, 30),
	'after a SIGTERM the worker is back, with a new pid');
$s = status($node);
is($s->{sends_completed} + $s->{sends_failed}, 0, 'its counters start again');
is($s->{last_error}, "the request of task run $gone_run could not connect", 'the last error stays');
$node->stop;

# --- flowpg.database_name names another database -----------------------------
my $other = flowpg_node('other', conf => ["flowpg.database_name = 'elsewhere'"]);
deploy($other, $_) for ($hooks, $ask_then_hook, $quiet);
(undef, $err) = psql_err($other, "SELECT flow_start('ops', 'hook', '{\"path\": \"$base/never\"}')");
is(unsent_warnings($err), 1, 'a start that queues a send warns');
like($err, qr/DETAIL:  The flowpg worker serves database "elsewhere" \(flowpg.database_name\), not this one\./,
	'the detail says which database the worker serves');
like($err, qr/HINT:  Set flowpg.database_name to this database and restart the server/, 'the hint says what to do');
(undef, $err) = psql_err($other, "SELECT flow_start('ops', 'quiet')");
is(unsent_warnings($err), 0, 'a start that queues no send does not');
my @ids = map { start_flow($other, 'ops', 'ask_then_hook') } 1 .. 3;
(undef, $err) = psql_err($other, "SELECT flow_resume('$ids[0]')");
is(unsent_warnings($err), 1, 'a resume that queues a send warns');
(undef, $err) = psql_err($other, "SELECT flow_resume_bulk(ARRAY['$ids[1]', '$ids[2]'])");
is(unsent_warnings($err), 1, 'a bulk resume warns once');
$s = status($other);
ok($s->{running}, 'the worker runs ...');
ok(!$s->{serves_this_database}, '... for another database');
is($s->{state}, 'waiting for database', 'waiting for its database to exist');
is($s->{queued_sends}, 4, 'the sends wait in the queue');
like($s->{warning}, qr/serves database "elsewhere"/, 'worker_status says why');
$other->stop;

# --- no shared_preload_libraries ---------------------------------------------
my $bare = PostgreSQL::Test::Cluster->new('bare');
$bare->init;
$bare->start;
$bare->safe_psql('postgres', 'CREATE EXTENSION flowpg');
deploy($bare, $hooks);
(undef, $err) = psql_err($bare, "SELECT flow_start('ops', 'hook', '{\"path\": \"$base/never\"}')");
is(unsent_warnings($err), 1, 'without preload, a start that queues a send warns');
like($err, qr/DETAIL:  flowpg is not in shared_preload_libraries, so no background worker runs\./,
	'the detail says why');
like($err, qr/HINT:  Add flowpg to shared_preload_libraries and restart the server/, 'and the hint what to do');
$s = status($bare);
ok(!$s->{running}, 'worker_status: not running');
is($s->{state}, 'not preloaded', 'not preloaded');
is($s->{queued_sends}, 1, 'the send waits');
like($s->{warning}, qr/not in shared_preload_libraries/, 'worker_status says why');
$bare->stop;

# --- preloaded, but the worker cannot start (no background worker slot) -----
my $noslot = flowpg_node('noslot', conf => ['max_worker_processes = 0']);
deploy($noslot, $hooks);
# a worker that is only restarting is given 10 seconds before this counts as not running
sleep 11;
(undef, $err) = psql_err($noslot, "SELECT flow_start('ops', 'hook', '{\"path\": \"$base/never\"}')");
is(unsent_warnings($err), 1, 'no worker process: a start that queues a send warns');
like($err, qr/DETAIL:  The flowpg background worker is not running\./, 'the detail says so');
$s = status($noslot);
is($s->{state}, 'not running', 'worker_status: not running');
ok(!$s->{running}, 'running is false');
$noslot->stop;

done_testing();
