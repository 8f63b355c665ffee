
# Flow-level concurrency with the background worker (issue 12): a pause that expires in the
# worker's transaction frees its slot there, and the oldest QUEUED execution starts in that same
# transaction; the worker does not wait behind a person's open transaction that holds the flow's
# slot row (it puts that step off and serves the rest meanwhile).

use strict;
use warnings;

use FlowpgFlows;
use FlowpgTest;
use IPC::Run ();
use PostgreSQL::Test::Utils qw(slurp_file);
use Test::More;

my $node = flowpg_node('concurrency');
wait_worker($node);

deploy(
	$node, q{
id: limited
namespace: t.conc
concurrency:
  limit: 1
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
    pauseDuration: PT1S
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: after
});

sub states
{
	my ($id) = @_;
	return $node->safe_psql('postgres',
		"SELECT string_agg(h ->> 'state', ' ' ORDER BY k) FROM flowpg.executions x,"
		  . " jsonb_array_elements(x.history) WITH ORDINALITY AS a(h, k) WHERE x.id = '$id'");
}

sub slots
{
	return $node->safe_psql('postgres',
		"SELECT used || ' ' || (SELECT count(*) FROM flowpg.flow_queue)"
		  . " FROM flowpg.flow_slots WHERE namespace = 't.conc' AND flow_id = 'limited'");
}

# three at once: each expiry lets the next one in
my @ids = map { start_flow($node, 't.conc', 'limited') } 1 .. 3;
is($node->safe_psql('postgres',
		"SELECT string_agg(state, ' ' ORDER BY created_at) FROM flowpg.executions WHERE flow_id = 'limited'"),
	'PAUSED QUEUED QUEUED', 'one runs, two queue');
is(wait_state($node, $ids[2], 'SUCCESS', TIMEOUT => 60), 'SUCCESS', 'the third ends after the others');
is(states($ids[0]), 'CREATED RUNNING PAUSED RESTARTED RUNNING SUCCESS', 'the first never queued');
for my $n (1, 2)
{
	is(states($ids[$n]), 'CREATED QUEUED RUNNING PAUSED RESTARTED RUNNING SUCCESS',
		"execution " . ($n + 1) . " queued, then ran");
	# it started in the transaction that ended the one before it
	is($node->safe_psql('postgres',
			"SELECT (SELECT xmin FROM flowpg.logs WHERE execution_id = '$ids[$n]'"
			  . "   AND message LIKE 'execution started from the queue%')"
			  . " = (SELECT xmin FROM flowpg.executions WHERE id = '$ids[$n - 1]')"),
		't', "execution " . ($n + 1) . " started in the transaction that ended the one before it");
}
is(slots(), '0 0', 'no slot held, nothing queued');

# A person's transaction holds the slot row (it started an execution that queued): the expiry of
# the running one is put off, not waited for; another flow's expiry goes through meanwhile; once
# the person commits, the expiry ends the first and starts the queued one.
deploy(
	$node, q{
id: other
namespace: t.conc
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
    pauseDuration: PT1S
});
my $first = start_flow($node, 't.conc', 'limited');
my ($out, $err) = ('', '');
my $person = IPC::Run::start(
	[ 'psql', '-X', '-At', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('postgres'),
	  '-c', "BEGIN; SELECT flow_start('t.conc', 'limited'); SELECT pg_sleep(8); COMMIT;" ],
	'>', \$out, '2>', \$err);
poll_until(sub {
	$node->safe_psql('postgres',
		"SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'BEGIN; SELECT flow_start%' AND wait_event = 'PgSleep'") eq '1';
}, 20);
my $other = start_flow($node, 't.conc', 'other');
is(wait_state($node, $other, 'SUCCESS', TIMEOUT => 7), 'SUCCESS',
	'another flow\'s expiry is served while the slot row is held');
sleep(2);						# the first's expiry is due by now, and put off
is($node->safe_psql('postgres', "SELECT state FROM flowpg.executions WHERE id = '$first'"), 'PAUSED',
	'the expiry of the slot holder waits for the person\'s commit');
$person->finish;
is($err, '', 'the person\'s transaction committed');
my ($second) = $out =~ /^([0-9A-Za-z]{22})$/m;
ok(defined $second, 'it started an execution');
is(wait_state($node, $first, 'SUCCESS', TIMEOUT => 30), 'SUCCESS', 'then the expiry ends the first');
is(wait_state($node, $second, 'SUCCESS', TIMEOUT => 30), 'SUCCESS', 'and the queued one runs');
is(states($second), 'CREATED QUEUED RUNNING PAUSED RESTARTED RUNNING SUCCESS', 'after queuing');
is(slots(), '0 0', 'no slot held, nothing queued');
unlike(slurp_file($node->logfile), qr/ERROR|WARNING/,
	'the worker reported no error: a busy slot row only puts its step off');

# Kestra's flow-concurrency-cancel-pause and flow-concurrency-queue-pause (their deprecated Pause
# sub-tasks left out): the paused first execution holds the slot until its delay ends
for my $behavior ('CANCEL', 'QUEUE')
{
	my $id = 'flow-concurrency-' . lc($behavior) . '-pause';
	deploy(
		$node, qq{
id: $id
namespace: io.kestra.tests
concurrency:
  behavior: $behavior
  limit: 1
tasks:
  - id: pause
    type: io.kestra.plugin.core.flow.Pause
    delay: PT1S
});
	my $one = start_flow($node, 'io.kestra.tests', $id);
	my $two = start_flow($node, 'io.kestra.tests', $id);
	is(wait_state($node, $one, 'SUCCESS', TIMEOUT => 30), 'SUCCESS', "$id: the first succeeds");
	my $want = $behavior eq 'CANCEL' ? 'CANCELLED' : 'SUCCESS';
	is(wait_state($node, $two, $want, TIMEOUT => 30), $want, "$id: the second ends $want");
	is((split / /, states($two))[1], $behavior eq 'CANCEL' ? 'CANCELLED' : 'QUEUED',
		"$id: its second state, as Kestra's test asserts");
	is((split / /, states($two))[2], 'RUNNING', "$id: then RUNNING") if $behavior eq 'QUEUE';
}

$node->stop;
done_testing();
