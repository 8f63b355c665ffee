
# Pause expiry fired by the background worker (SPEC section 6): every
# behavior, HumanTask's default FAIL, timeout without pauseDuration, the
# onResume defaults and resumed {by: null} an expiry records, one audit row
# per expiry, onPause sent as the pause begins, and a manual resume or a
# kill before the expiry voiding it; retries of an internal task.

use strict;
use warnings;

use FlowpgFlows;
use FlowpgTest;
use JSON::PP ();
use Test::More;

my $node = flowpg_node('pause');
wait_worker($node);
my $http = start_http_sink();
my $base = $http->url('');

deploy(
	$node, qq{
id: expiring
namespace: hr
inputs:
  - id: behavior
    type: STRING
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
    pauseDuration: PT1S
    behavior: "{{ inputs.behavior }}"
    onPause:
      - id: tell
        type: io.kestra.plugin.core.http.Request
        uri: "$base/on-pause/{{ inputs.behavior }}"
        method: POST
    onResume:
      - id: approved
        type: BOOLEAN
        defaults: false
      - id: reason
        type: STRING
        required: false
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: "after {{ outputs.wait.resumed.to }} approved={{ outputs.wait.onResume.approved }}"
errors:
  - id: on_error
    type: io.kestra.plugin.core.log.Log
    message: errors ran
});

my %want = (
	RESUME => [ 'SUCCESS', 'SUCCESS', 'INFO after: after SUCCESS approved=false' ],
	WARN => [ 'WARNING', 'WARNING', 'INFO after: after WARNING approved=false' ],
	FAIL => [ 'FAILED', 'FAILED', 'INFO on_error: errors ran' ],
	CANCEL => [ 'CANCELLED', 'CANCELLED', undef ],
);
my %ids = map { $_ => start_flow($node, 'hr', 'expiring', { behavior => $_ }) } sort keys %want;
for my $b (sort keys %want)
{
	is(wait_state($node, $ids{$b}, 'PAUSED'), 'PAUSED', "$b: paused first");
}
for my $b (sort keys %want)
{
	my ($exec_state, $run_state, $log) = @{ $want{$b} };
	is(wait_state($node, $ids{$b}, $exec_state), $exec_state,
		"$b: the execution ends $exec_state when the pause expires");
	my $runs = task_runs($node, $ids{$b});
	is($runs->{wait}{state}, $run_state, "$b: the pause task run is $run_state");
	is($runs->{wait}{outputs}{resumed}{by}, undef, "$b: resumed.by is null");
	is($runs->{wait}{outputs}{resumed}{to}, $run_state, "$b: resumed.to is $run_state");
	is_deeply($runs->{wait}{outputs}{onResume}, { approved => JSON::PP::false },
		"$b: onResume holds the defaults");
	my @info = grep { /^INFO/ } logs($node, $ids{$b});
	is_deeply(\@info, [ defined $log ? ($log) : () ], "$b: what ran after");
	ok(!exists $runs->{after}, "$b: nothing after the pause ran") if $b eq 'CANCEL' || $b eq 'FAIL';
	is( $node->safe_psql(
			'postgres',
			"SELECT count(*) || ' ' || min(actor) || ' ' || min(detail->>'behavior') FROM flowpg.audit_log"
			  . " WHERE execution_id = '$ids{$b}' AND action = 'expire'"),
		"1 flowpg $b",
		"$b: one audit row for the expiry");
}
my %sent = map { $_->{path} => 1 } @{ $http->records };
is_deeply([ sort grep { m{^/on-pause/} } keys %sent ],
	[ map { "/on-pause/$_" } sort keys %want ], 'onPause was sent as each pause began');
is($node->safe_psql('postgres', 'SELECT count(*) FROM flowpg.work'), '0', 'no work left behind');

# --- CANCEL ends a running subflow too: it is killed, with its audit row -------------
deploy(
	$node, q{
id: held
namespace: hr
tasks:
  - id: hold
    type: io.kestra.plugin.core.flow.Pause
});
deploy(
	$node, q{
id: cancels_child
namespace: hr
tasks:
  - id: both
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - id: call
        type: io.kestra.plugin.core.flow.Subflow
        namespace: hr
        flowId: held
      - id: wait
        type: io.kestra.plugin.core.flow.Pause
        pauseDuration: PT1S
        behavior: CANCEL
});
my $parent = start_flow($node, 'hr', 'cancels_child', {});
my $child = $node->safe_psql('postgres', "SELECT id FROM flowpg.executions WHERE parent_id = '$parent'");
is(wait_state($node, $parent, qw(CANCELLED SUCCESS FAILED KILLED)), 'CANCELLED', 'CANCEL: the parent is CANCELLED');
is($node->safe_psql('postgres', "SELECT state FROM flowpg.executions WHERE id = '$child'"),
	'KILLED', 'its running subflow is killed, not left PAUSED');
is($node->safe_psql('postgres',
		"SELECT actor || ' ' || (detail->>'parent' = '$parent') FROM flowpg.audit_log WHERE execution_id = '$child' AND action = 'kill'"),
	'flowpg true', 'one kill audit row, by the system, naming the parent');

# --- HumanTask: FAIL by default; timeout without pauseDuration fails -----------------
deploy(
	$node, q{
id: human
namespace: hr
tasks:
  - id: approve
    type: io.kestra.plugin.ee.flow.HumanTask
    pauseDuration: PT1S
    assignment:
      users: [postgres]
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: never
});
my $id = start_flow($node, 'hr', 'human');
is(wait_state($node, $id, 'FAILED'), 'FAILED', 'HumanTask: FAIL is the default behavior');
is(task_runs($node, $id)->{approve}{state}, 'FAILED', 'HumanTask: its task run FAILED');

deploy(
	$node, q{
id: timeout
namespace: hr
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
    timeout: PT1S
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: never
});
$id = start_flow($node, 'hr', 'timeout');
is(wait_state($node, $id, 'FAILED'), 'FAILED', 'timeout without pauseDuration fails the execution');
my $runs = task_runs($node, $id);
is($runs->{wait}{state}, 'FAILED', 'the pause task run FAILED');
like(join("\n", logs($node, $id)), qr/the pause timed out/, 'the log says it timed out');
is( $node->safe_psql(
		'postgres',
		"SELECT detail->>'timeout' FROM flowpg.audit_log WHERE execution_id = '$id' AND action = 'expire'"),
	'true',
	'the audit row says it was a timeout');

# --- a manual resume or a kill before the expiry voids it -----------------------------
deploy(
	$node, q{
id: slow
namespace: hr
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
    pauseDuration: PT2S
    behavior: CANCEL
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: "resumed by {{ outputs.wait.resumed.by }}"
});
my $resumed = start_flow($node, 'hr', 'slow');
my $killed = start_flow($node, 'hr', 'slow');
is($node->safe_psql('postgres', "SELECT count(*) FROM flowpg.work WHERE execution_id IN ('$resumed', '$killed')"),
	'2', 'each pause has its expiry queued');
is($node->safe_psql('postgres', "SELECT flow_resume('$resumed')"), 'SUCCESS',
	'resumed by hand before the expiry');
is($node->safe_psql('postgres', "SELECT flow_kill('$killed')"), 'KILLED', 'killed before the expiry');
is($node->safe_psql('postgres', "SELECT count(*) FROM flowpg.work WHERE execution_id IN ('$resumed', '$killed')"),
	'0', 'the resume and the kill deleted the pending expiries');
sleep(3);
is(wait_state($node, $resumed), 'SUCCESS', 'the resumed execution stays SUCCESS after the due time');
is(task_runs($node, $resumed)->{wait}{outputs}{resumed}{to}, 'SUCCESS',
	'behavior CANCEL did not apply to the manual resume');
is(wait_state($node, $killed), 'KILLED', 'the killed execution stays KILLED');
is( $node->safe_psql(
		'postgres',
		"SELECT count(*) FROM flowpg.audit_log WHERE execution_id IN ('$resumed', '$killed') AND action = 'expire'"),
	'0',
	'no expiry was recorded for them');

# --- retries of an internal task are timers too ---------------------------------------
deploy(
	$node, q{
id: fails_thrice
namespace: hr
tasks:
  - id: boom
    type: io.kestra.plugin.core.execution.Fail
    errorMessage: "attempt {{ taskrun.attemptsCount }}"
    retry:
      type: exponential
      interval: PT0.2S
      maxInterval: PT1S
      maxAttempts: 3
});
$id = start_flow($node, 'hr', 'fails_thrice');
is(wait_state($node, $id, 'FAILED'), 'FAILED', 'an internal task retried by the worker fails in the end');
$runs = task_runs($node, $id);
is(scalar(@{ $runs->{boom}{attempts} }), 3, 'after three attempts');
is_deeply([ grep { /^ERROR/ } logs($node, $id) ],
	[ 'ERROR boom: attempt 0', 'ERROR boom: attempt 1', 'ERROR boom: attempt 2' ],
	'each attempt ran again (taskrun.attemptsCount counts the earlier ones)');

$http->stop;
$node->stop;
done_testing();
