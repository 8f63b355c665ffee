
# A person and a timer on one pause (SPEC section 4 and 11): the execution's row lock serialises
# them.  A resume (or kill) held open in a transaction while the pause's duration elapses wins
# when it commits: the expiry never applies its behavior.  If that transaction rolls back
# instead, the timer applies it as soon as the lock is free.

use strict;
use warnings;

use FlowpgFlows;
use FlowpgTest;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(sleep);

my $node = flowpg_node('race');
wait_worker($node);

deploy(
	$node, q{
id: gate
namespace: race
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
    pauseDuration: PT1S
    behavior: FAIL
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: went on
});

# Run SQL in a second session that holds its transaction open across the due time.
sub held_open
{
	my ($sql, $end) = @_;
	my $bg = $node->background_psql('postgres');
	$bg->query_safe('BEGIN');
	$bg->query_safe($sql);
	sleep(2.5);    # the pause is due after 1 s; the worker keeps finding the row locked
	$bg->query_safe($end);
	$bg->quit;
}

sub expire_rows
{
	my ($id) = @_;
	return $node->safe_psql('postgres',
		"SELECT count(*) FROM flowpg.audit_log WHERE execution_id = '$id' AND action = 'expire'");
}

# resume held open across the due time, then committed: the resume wins
my $id = start_flow($node, 'race', 'gate');
held_open("SELECT flow_resume('$id')", 'COMMIT');
is(wait_state($node, $id), 'SUCCESS', 'a committed resume wins over the timer that fell due meanwhile');
my $runs = task_runs($node, $id);
is($runs->{wait}{state}, 'SUCCESS', 'the pause succeeded (its FAIL behavior never applied)');
is($runs->{wait}{outputs}{resumed}{by}, 'postgres', 'resumed by the person, not the timer');
sleep(1.5);    # give a wrongful expiry every chance to show
is(expire_rows($id), 0, 'no expiry was recorded');
is($node->safe_psql('postgres', "SELECT count(*) FROM flowpg.work WHERE execution_id = '$id'"),
	0, 'no timer is left behind');

# the same resume rolled back: the timer applies FAIL once the lock is free
$id = start_flow($node, 'race', 'gate');
held_open("SELECT flow_resume('$id')", 'ROLLBACK');
is(wait_state($node, $id, 'FAILED', TIMEOUT => 20), 'FAILED', 'after a rolled-back resume the timer fires');
$runs = task_runs($node, $id);
ok(!defined $runs->{wait}{outputs}{resumed}{by}, 'the expiry is by nobody');
is($runs->{wait}{outputs}{resumed}{to}, 'FAILED', 'the behavior decided the end state');
is(expire_rows($id), 1, 'one expiry was recorded');

# a kill held open across the due time: the kill wins
$id = start_flow($node, 'race', 'gate');
held_open("SELECT flow_kill('$id')", 'COMMIT');
is(wait_state($node, $id), 'KILLED', 'a committed kill wins over the timer');
sleep(1.5);
is(expire_rows($id), 0, 'no expiry after the kill');
is(task_runs($node, $id)->{wait}{state}, 'KILLED', 'the pause is KILLED, not FAILED');

# A person holding a parent's row (its own pause resumed, not yet committed) while the request of
# a subflow it started (without waiting for it) comes back: the worker cannot end the child (that
# wakes the parent) and puts the step off, without waiting on the lock, so other executions go
# on meanwhile; once the person commits, the child's result is taken in.
my $http = start_http_sink();
my $base = $http->url('');
deploy(
	$node, qq{
id: call
namespace: race
inputs:
  - id: path
    type: STRING
tasks:
  - id: request
    type: io.kestra.plugin.core.http.Request
    uri: "$base/{{ inputs.path }}"
});
deploy(
	$node, q{
id: parent
namespace: race
tasks:
  - id: both
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - id: child
        type: io.kestra.plugin.core.flow.Subflow
        namespace: race
        flowId: call
        wait: false
        inputs:
          path: delay/1000
      - id: approve
        type: io.kestra.plugin.core.flow.Pause
});
my $parent = start_flow($node, 'race', 'parent');
my $bg = $node->background_psql('postgres');
$bg->query_safe('BEGIN');
$bg->query_safe("SELECT flow_resume('$parent')");
my $child = $node->safe_psql('postgres', "SELECT id FROM flowpg.executions WHERE parent_id = '$parent'");
poll_until(sub { grep { $_->{path} eq '/delay/1000' } @{ $http->records } }, 10);
sleep(1.5);    # the child's result is back; the worker finds the parent's row held
my $other = start_flow($node, 'race', 'call', { path => 'meanwhile' });
is(wait_state($node, $other, 'SUCCESS', TIMEOUT => 10), 'SUCCESS',
	'another execution goes on while the parent is held');
is($node->safe_psql('postgres', "SELECT state FROM flowpg.executions WHERE id = '$child'"),
	'RUNNING', 'the child waits for the parent, its result not yet taken in');
$bg->query_safe('COMMIT');
$bg->quit;
is(wait_state($node, $child, qw(SUCCESS FAILED KILLED)), 'SUCCESS',
	'once the person commits, the child\'s result is taken in');
is(wait_state($node, $parent), 'SUCCESS', 'the parent ended with the person\'s resume');
is(scalar(grep { $_->{path} eq '/delay/1000' } @{ $http->records }), 1, 'it was sent once');
unlike(slurp_file($node->logfile), qr/could not obtain lock/, 'a held row is no error in the log');

$node->stop;
done_testing();
