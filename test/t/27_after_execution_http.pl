
# afterExecution and Pause errors/finally holding external tasks, which the
# background worker sends after the step that queued them: a notification in
# afterExecution is sent once the execution has ended, its result is recorded
# on its task run, the tasks after it run, and the execution's state and end
# time never change; a failed notification does not change them either.  A
# Pause whose timeout (fired by the worker) fails it sends the request of its
# errors block, and the tasks after the pause never run.

use strict;
use warnings;

use FlowpgFlows;
use FlowpgTest;
use JSON::PP ();
use PostgreSQL::Test::Utils;
use Test::More;

my $node = flowpg_node('after_http');
my $http = start_http_sink();
my $base = $http->url('');
my $json = JSON::PP->new->canonical;
ok(wait_worker($node), 'the worker is connected');

# The sink records whose path starts with prefix, once there are count of them.
sub records_for
{
	my ($prefix, $count) = @_;
	my $recs;
	poll_until(
		sub {
			$recs = [ grep { index($_->{path}, $prefix) == 0 } @{ $http->records } ];
			return @$recs >= $count;
		},
		20);
	return $recs;
}

deploy(
	$node, qq{
id: notify_after
namespace: web
inputs:
  - id: fail
    type: BOOLEAN
tasks:
  - id: work
    type: io.kestra.plugin.core.execution.Fail
    condition: "{{ inputs.fail }}"
afterExecution:
  - id: notify
    type: io.kestra.plugin.core.http.Request
    uri: "$base/after/{{ execution.state }}"
    method: POST
    body: '{"state": "{{ execution.state }}"}'
  - id: logged
    type: io.kestra.plugin.core.log.Log
    message: "notified {{ outputs.notify.code }}"
});

my $id = start_flow($node, 'web', 'notify_after', { fail => JSON::PP::true });
is(wait_state($node, $id, 'FAILED'), 'FAILED', 'the execution ends FAILED at once');
my $ended = execution($node, $id)->{ended_at};
my ($rec) = @{ records_for('/after/FAILED', 1) };
ok($rec, 'the afterExecution request is sent after the end, with the final state');
is_deeply($json->decode($rec->{body}), { state => 'FAILED' }, 'its body rendered with execution.state');
poll_until(sub { (task_runs($node, $id)->{logged}{state} // '') eq 'SUCCESS' }, 20);
my $runs = task_runs($node, $id);
is($runs->{notify}{state}, 'SUCCESS', 'the notification task run records its result');
is($runs->{notify}{outputs}{code}, 200, 'with its output code');
is($runs->{logged}{state}, 'SUCCESS', 'the task after it runs when the result is in');
ok((grep { $_ eq 'INFO logged: notified 200' } logs($node, $id)), 'and sees its outputs');
my $e = execution($node, $id);
is($e->{state}, 'FAILED', 'the execution stays FAILED');
is($e->{ended_at}, $ended, 'its end time is unchanged');
is_deeply([ map { $_->{state} } @{ $e->{history} } ], [qw(CREATED RUNNING FAILED)],
	'its history has no state after the end');

# a notification that fails (connection refused) changes nothing either
deploy(
	$node, q{
id: notify_refused
namespace: web
tasks:
  - id: work
    type: io.kestra.plugin.core.log.Log
    message: work
afterExecution:
  - id: notify
    type: io.kestra.plugin.core.http.Request
    uri: "http://127.0.0.1:9/refused"
  - id: never
    type: io.kestra.plugin.core.log.Log
    message: never
});
$id = start_flow($node, 'web', 'notify_refused', {});
is(wait_state($node, $id, 'SUCCESS'), 'SUCCESS', 'the execution ends SUCCESS');
poll_until(sub { (task_runs($node, $id)->{notify}{state} // '') eq 'FAILED' }, 20);
$runs = task_runs($node, $id);
is($runs->{notify}{state}, 'FAILED', 'the refused notification fails its task run');
ok(!exists $runs->{never}, 'the afterExecution tasks after it do not run');
is(execution($node, $id)->{state}, 'SUCCESS', 'the execution stays SUCCESS');

# Pause errors with an HTTP task, the pause failed by its timeout (the worker's timer)
deploy(
	$node, qq{
id: pause_errors_http
namespace: web
tasks:
  - id: approve
    type: io.kestra.plugin.core.flow.Pause
    timeout: PT0.3S
    errors:
      - id: alert
        type: io.kestra.plugin.core.http.Request
        uri: "$base/timed-out/{{ outputs.approve.resumed.to }}"
    finally:
      - id: cleanup
        type: io.kestra.plugin.core.log.Log
        message: "cleanup after {{ outputs.alert.code }}"
  - id: next
    type: io.kestra.plugin.core.log.Log
    message: next
});
$id = start_flow($node, 'web', 'pause_errors_http', {});
is(wait_state($node, $id, 'FAILED', TIMEOUT => 20), 'FAILED', 'the timed-out pause fails the execution');
ok(records_for('/timed-out/FAILED', 1)->[0], 'its errors block sent the alert');
$runs = task_runs($node, $id);
is($runs->{approve}{state}, 'FAILED', 'the pause stays FAILED');
is($runs->{alert}{state}, 'SUCCESS', 'the alert task run is SUCCESS');
is($runs->{cleanup}{state}, 'SUCCESS', 'finally ran after the alert');
ok(!exists $runs->{next}, 'the task after the pause never runs');

$http->stop;
$node->stop;
done_testing();
