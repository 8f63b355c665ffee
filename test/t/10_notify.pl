
# NOTIFY flowpg (SPEC section 7): every committed step that changes an execution's state sends
# one notification, {"execution_id": ...} and nothing else (every role may LISTEN, so the payload
# carries nothing row security would hide; the listener reads the rest from flowpg.executions);
# a rolled-back change sends none.

use strict;
use warnings;

use FlowpgTest;
use IPC::Run ();
use JSON::PP ();
use Test::More;

my $node = flowpg_node('notify');
$node->safe_psql('postgres', q{SELECT flow_deploy($$
id: pause_demo
namespace: demo
tasks:
  - id: initial_logic
    type: io.kestra.plugin.core.log.Log
    message: before
  - id: wait_for_manual_resume
    type: io.kestra.plugin.core.flow.Pause
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: after
$$)});

# psql prints the notifications it receives.  The worker relays them a few milliseconds
# after the commit (notify_relay.c), so the session waits a little for them.
sub notifications
{
	my ($sql) = @_;
	my ($stdout, $stderr);
	$node->psql('postgres', "LISTEN flowpg;\n$sql\nSELECT pg_sleep(0.5);",
		stdout => \$stdout, stderr => \$stderr);
	my @got;
	while ($stdout =~ /Asynchronous notification "flowpg" with payload "(.*?)" received/g)
	{
		my $payload = $1;
		$payload =~ s/\\"/"/g;
		push @got, JSON::PP::decode_json($payload);
	}
	return \@got;
}

my $started = notifications(q{SELECT flow_start('demo', 'pause_demo') AS id \gset
SELECT :'id' AS started_id;});
is(scalar(@$started), 1, 'a start (CREATED, RUNNING, PAUSED in one step) notifies once');
my $id = $started->[0]{execution_id};
like($id, qr/^[0-9A-Za-z]{22}$/, 'payload carries the execution id');
is_deeply([ keys %{ $started->[0] } ], ['execution_id'], 'and nothing else');
is($node->safe_psql('postgres', "SELECT state FROM flowpg.executions WHERE id = '$id'"), 'PAUSED',
	'the listener reads the state from flowpg.executions');

# A role with no permission at all may LISTEN (PostgreSQL lets every role): it learns ids only,
# and row security hides the execution behind each one.
$node->safe_psql('postgres', 'CREATE ROLE nobody_special LOGIN');
my ($o_out, $o_err) = ('', '');
my $o_listener = IPC::Run::start(
	[ 'psql', '-X', '-At', '-d', $node->connstr('postgres') . ' user=nobody_special',
	  '-c', 'LISTEN flowpg', '-c', 'SELECT pg_sleep(2)' ],
	'>', \$o_out, '2>', \$o_err);
sleep(1);
my $o_id = $node->safe_psql('postgres', "SELECT flow_start('demo', 'pause_demo')");
$o_listener->finish;
is($o_err, '', 'a role without permissions listens');
my @o_got;
while ($o_out =~ /Asynchronous notification "flowpg" with payload "(.*?)" received/g)
{
	my $payload = $1;
	$payload =~ s/\\"/"/g;
	push @o_got, JSON::PP::decode_json($payload);
}
is_deeply(\@o_got, [ { execution_id => $o_id } ], 'it gets the id and nothing else');
is($node->safe_psql('postgres',
		"SET ROLE nobody_special; SELECT count(*) FROM flowpg.executions WHERE id = '$o_id'"),
	'0', 'and reading flowpg.executions by that id shows it no row');
unlike($o_out, qr/demo|pause_demo|PAUSED/, 'no namespace, flow or state reached it');

my $rolled_back = notifications("BEGIN; SELECT flow_resume('$id'); ROLLBACK;");
is_deeply($rolled_back, [], 'a resume that rolls back notifies nothing');

my $savepoint = notifications(
	"BEGIN; SAVEPOINT s; SELECT flow_start('demo', 'pause_demo'); ROLLBACK TO s; COMMIT;");
is_deeply($savepoint, [], 'a start rolled back to a savepoint notifies nothing');

my $resumed = notifications("SELECT flow_resume('$id');");
is_deeply($resumed, [ { execution_id => $id } ], 'a resume notifies once, with the id');
is($node->safe_psql('postgres', "SELECT state FROM flowpg.executions WHERE id = '$id'"), 'SUCCESS',
	'which reads SUCCESS');

# A transaction whose commit waits (here for a synchronous standby that never answers) holds
# the notifications committed after it back, however long it waits, and none is lost: when it
# ends, everything arrives in commit order.  Only that one session asks for the standby; the
# others, the worker included, commit locally.
$node->append_conf('postgresql.conf',
	"wal_level = replica\nmax_wal_senders = 2\nmax_prepared_transactions = 2\n"
	  . "synchronous_standby_names = 'nobody'\nsynchronous_commit = local");
$node->restart;
poll_until(sub {
	$node->safe_psql('postgres',
		"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'flowpg worker'") eq '1';
}, 20);
my ($listen_out, $listen_err, $slow_out, $slow_err) = ('', '', '', '');
my $listener = IPC::Run::start(
	[ 'psql', '-X', '-d', $node->connstr('postgres'), '-c', 'LISTEN flowpg', '-c', 'SELECT pg_sleep(70)' ],
	'>', \$listen_out, '2>', \$listen_err);
sleep(1);
my $slow = IPC::Run::start(
	[
		'psql', '-X', '-d', $node->connstr('postgres'), '-c', 'SET synchronous_commit = on',
		'-c', "SELECT flow_start('demo', 'pause_demo')"
	],
	'>', \$slow_out, '2>', \$slow_err);
my $slow_pid;
poll_until(sub {
	$slow_pid = $node->safe_psql('postgres',
		"SELECT pid FROM pg_stat_activity WHERE wait_event = 'SyncRep'");
	return $slow_pid ne '';
}, 20);
ok($slow_pid, 'the slow commit waits for the standby');
my $fast = $node->safe_psql('postgres', "SELECT flow_start('demo', 'pause_demo')");
sleep(62);    # longer than any time-out a relay might give a commit that is taking long
$node->safe_psql('postgres', "SELECT pg_cancel_backend($slow_pid)");
$slow->finish;
$listener->finish;
my @relayed;
while ($listen_out =~ /Asynchronous notification "flowpg" with payload "(.*?)" received/g)
{
	my $payload = $1;
	$payload =~ s/\\"/"/g;
	push @relayed, JSON::PP::decode_json($payload);
}
my $slow_id = $relayed[0]{execution_id};
is(scalar(@relayed), 2, 'the notification of each commit arrived');
isnt($slow_id, $fast, 'the slow commit\'s first');
is_deeply([ map { $_->{execution_id} eq $fast ? 'fast' : 'slow' } @relayed ],
	[qw(slow fast)], 'in commit order, the fast one held back meanwhile');

# A transaction that changes an execution's state notifies, so, as after a NOTIFY, it cannot be
# prepared for two-phase commit (and leaves nothing behind); a deploy can.
my $before = $node->safe_psql('postgres', 'SELECT count(*) FROM flowpg.executions');
my ($rc, $out, $err) = $node->psql('postgres',
	"BEGIN; SELECT flow_start('demo', 'pause_demo'); PREPARE TRANSACTION 'with_a_start';");
like($err, qr/cannot PREPARE a transaction that has executed LISTEN, UNLISTEN, or NOTIFY/,
	'PREPARE TRANSACTION after a start is refused');
is($node->safe_psql('postgres', 'SELECT count(*) FROM flowpg.executions'), $before, 'and started nothing');
$node->safe_psql('postgres', q{BEGIN; SELECT flow_deploy($$
id: prepared
namespace: demo
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: hi
$$); PREPARE TRANSACTION 'with_a_deploy'; COMMIT PREPARED 'with_a_deploy';});
is($node->safe_psql('postgres', "SELECT count(*) FROM flowpg.flows WHERE id = 'prepared'"), '1',
	'a deploy can be prepared and committed');

$node->stop;
done_testing();
