
# Issue 11, finding 6 (the worker's part): one namespace's slow requests cannot starve another's,
# and killing their executions frees their slots at once.  A loopback sink accepts connections
# and never answers; namespace team_a starts 80 executions that each send it a request with
# timeout: PT1H (cut to flowpg.max_request_timeout, 300 s: far longer than this test), with
# flowpg.max_in_flight = 8.  team_a alone may use all 8 slots; a send of
# team_b to a normal sink must still arrive within seconds (slots are shared by namespace, and a
# namespace over its share gives slots back).  Killing team_a's executions must abort their
# transfers (flowpg.worker_status.in_flight drops to 0, the stuck sink sees every connection
# closed) and record nothing against them; a work row deleted under the worker is aborted too.
# When team_b has slow sends as well, the two share the slots: 4 each.

use strict;
use warnings;

use FlowpgFlows;
use FlowpgTest;
use IO::Select;
use IO::Socket::INET;
use POSIX ();
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes ();

# --- the stuck sink: accepts, reads, never answers; counts accepts and closes ----------
my $stuck_dir = PostgreSQL::Test::Utils::tempdir('stuck_sink');
my $stats_file = "$stuck_dir/stats";
my $listener = IO::Socket::INET->new(
	LocalAddr => '127.0.0.1',
	LocalPort => 0,
	Listen => 256,
	ReuseAddr => 1,
	Proto => 'tcp') or die "cannot listen: $!";
my $stuck_port = $listener->sockport;
my $parent = $$;
my $stuck_pid = fork();
die "fork failed: $!" unless defined $stuck_pid;
if ($stuck_pid == 0)
{
	my $sel = IO::Select->new($listener);
	my ($accepted, $closed, $written) = (0, 0, '');
	my $until = time + 600;
	# bounded: ten minutes at most, and not a moment after the test is gone
	while (time < $until && kill(0, $parent))
	{
		for my $fh ($sel->can_read(0.05))
		{
			if ($fh == $listener)
			{
				my $c = $listener->accept or next;
				$sel->add($c);
				$accepted++;
				next;
			}
			my $buf;
			my $n = sysread($fh, $buf, 65536);
			next if defined $n && $n > 0;
			$sel->remove($fh);
			close $fh;
			$closed++;
		}
		my $line = "$accepted $closed\n";
		next if $line eq $written;
		open(my $out, '>', "$stats_file.tmp") or next;
		print $out $line;
		close $out;
		rename("$stats_file.tmp", $stats_file);
		$written = $line;
	}
	POSIX::_exit(0);
}
close $listener;

# (accepted, closed) connections of the stuck sink so far
sub stuck_stats
{
	open(my $fh, '<', $stats_file) or return (0, 0);
	my $line = <$fh> // '0 0';
	close $fh;
	return split(' ', $line);
}

my $http = start_http_sink();
my $node = flowpg_node('fair', conf => [ 'flowpg.max_in_flight = 8' ]);
wait_worker($node);

deploy($node, qq{
id: stuck
namespace: team_a
tasks:
  - id: call
    type: io.kestra.plugin.core.http.Request
    uri: "http://127.0.0.1:$stuck_port/never"
    timeout: PT1H
});
deploy($node, qq{
id: stuck
namespace: team_b
tasks:
  - id: call
    type: io.kestra.plugin.core.http.Request
    uri: "http://127.0.0.1:$stuck_port/never"
    timeout: PT1H
});
deploy($node, qq{
id: quick
namespace: team_b
tasks:
  - id: call
    type: io.kestra.plugin.core.http.Request
    uri: "@{[ $http->url('/team-b') ]}"
});

sub in_flight
{
	return $node->safe_psql('postgres', 'SELECT in_flight FROM flowpg.worker_status');
}

# --- team_a alone uses every slot --------------------------------------------------------
$node->safe_psql('postgres',
	"SELECT count(flow_start('team_a', 'stuck')) FROM generate_series(1, 80)");
ok(poll_until(sub { (stuck_stats())[0] >= 8 && in_flight() eq '8' }, 20),
	'team_a alone has all 8 slots in flight');
Time::HiRes::sleep(0.5);
is((stuck_stats())[0], 8, 'and no more than flowpg.max_in_flight');

# --- team_b's send is not kept waiting -----------------------------------------------------
my $t0 = Time::HiRes::time();
my $b = start_flow($node, 'team_b', 'quick', {});
is(wait_state($node, $b, 'SUCCESS', 15), 'SUCCESS', 'team_b\'s send completes');
my $took = Time::HiRes::time() - $t0;
ok($took < 5, sprintf('within seconds, while team_a has 80 sends to a sink that never answers (%.2f s)', $took));
is(scalar(@{ $http->records }), 1, 'the normal sink got team_b\'s request');
ok(poll_until(sub { in_flight() eq '8' }, 10),
	'team_b done, team_a has all 8 slots again (work-conserving)');

# --- two namespaces with slow sends each hold their fair share: 8 / 2 = 4 -------------------
sub claimed_by_namespace
{
	return $node->safe_psql('postgres',
		"SELECT string_agg(namespace || '=' || n, ' ' ORDER BY namespace) FROM"
		  . " (SELECT namespace, count(*) AS n FROM flowpg.work WHERE claimed_at IS NOT NULL"
		  . " GROUP BY namespace) c");
}
$node->safe_psql('postgres',
	"SELECT count(flow_start('team_b', 'stuck')) FROM generate_series(1, 20)");
ok(poll_until(sub { claimed_by_namespace() eq 'team_a=4 team_b=4' && in_flight() eq '8' }, 15),
	'team_a gives back what is above its share: 4 slots each');
Time::HiRes::sleep(2.5);
is(claimed_by_namespace(), 'team_a=4 team_b=4', 'and it stays so (no slot moves back and forth)');

# --- killing the executions aborts their transfers -----------------------------------------
my ($accepted_before) = stuck_stats();
$t0 = Time::HiRes::time();
is($node->safe_psql('postgres',
		"SELECT count(flow_kill(id)) FROM flowpg.executions WHERE namespace = 'team_a'"),
	'80', 'team_a\'s 80 executions are killed');
ok(poll_until(sub { claimed_by_namespace() eq 'team_b=8' }, 10),
	'their 4 transfers are aborted, and team_b, alone now, takes every slot');
$took = Time::HiRes::time() - $t0;
ok($took < 5, sprintf('promptly, not at the requests\' timeout (%.2f s)', $took));
$t0 = Time::HiRes::time();
is($node->safe_psql('postgres',
		"SELECT count(flow_kill(id)) FROM flowpg.executions WHERE namespace = 'team_b' AND state = 'RUNNING'"),
	'20', 'team_b\'s 20 slow executions are killed');
ok(poll_until(sub { in_flight() eq '0' }, 10), 'flowpg.worker_status.in_flight drops to 0');
$took = Time::HiRes::time() - $t0;
ok($took < 5, sprintf('promptly (%.2f s)', $took));
ok(poll_until(sub { my ($a, $c) = stuck_stats(); $a > 0 && $a == $c }, 10),
	'the stuck sink sees every connection it accepted closed');
my ($accepted, $closed) = stuck_stats();
note("stuck sink: $accepted accepted, $closed closed (before the kill: $accepted_before)");
is($node->safe_psql('postgres',
		"SELECT count(*) FROM flowpg.executions WHERE flow_id = 'stuck' AND state <> 'KILLED'"),
	'0', 'every killed execution stays KILLED');
is($node->safe_psql('postgres',
		"SELECT count(*) FROM flowpg.task_runs r JOIN flowpg.executions e ON e.id = r.execution_id"
		  . " WHERE e.flow_id = 'stuck' AND (r.state <> 'KILLED' OR r.outputs IS NOT NULL AND r.outputs <> '{}')"),
	'0', 'and no result of an aborted transfer was recorded against them');
is($node->safe_psql('postgres', 'SELECT count(*) FROM flowpg.work'), '0', 'no work is left');

# --- a work row deleted under the worker is aborted as well -------------------------------
my $one = start_flow($node, 'team_a', 'stuck', {});
ok(poll_until(sub { in_flight() eq '1' }, 10), 'a new team_a send is in flight');
$t0 = Time::HiRes::time();
$node->safe_psql('postgres', "DELETE FROM flowpg.work WHERE execution_id = '$one'");
ok(poll_until(sub { in_flight() eq '0' }, 10), 'deleting its work row aborts it');
$took = Time::HiRes::time() - $t0;
ok($took < 5, sprintf('within seconds (%.2f s)', $took));
ok(poll_until(sub { my ($a, $c) = stuck_stats(); $a == $c }, 10), 'and closes its connection');
is($node->safe_psql('postgres', "SELECT state FROM flowpg.executions WHERE id = '$one'"), 'RUNNING',
	'nothing is recorded for it');

$node->stop;
$http->stop;
kill('TERM', $stuck_pid);
waitpid($stuck_pid, 0);
done_testing();
