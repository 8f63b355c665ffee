
# A person and a timer on one pause (SPEC section 4 and 11): the execution's row lock serialises
# them.  A resume (or kill) held open in a transaction while the pause's duration elapses wins
# when it commits: the expiry never applies its behavior.  If that transaction rolls back
# instead, the timer applies it as soon as the lock is free.

use strict;
use warnings;

use FlowpgFlows;
use FlowpgTest;
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

$node->stop;
done_testing();
