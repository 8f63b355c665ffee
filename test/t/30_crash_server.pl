# Crashes of the whole server under load (issue 10): clients start and resume Log -> Pause ->
# Log and Log -> Pause -> HTTP request executions as fast as they can, recording every commit
# acknowledged; mid-run the server is stopped with pg_ctl stop -m immediate (case A), or its
# postmaster is killed with SIGKILL (case B), and stays down while pause timers fall due.
# After the restart every acknowledged start and resume is there in full, nothing is half done
# or left RUNNING, every committed request reaches the loopback sink (a request sent again
# carries the same Flowpg-Task-Run), and each timer fired exactly once.  The figures are
# printed as a note.  FLOWPG_CRASH_ROUNDS (1) repeats each case, FLOWPG_CRASH_LOAD_SECONDS (3)
# sets the load before each crash: test/bench/run crash runs the long version.

use strict;
use warnings;

use FlowpgCrash;
use FlowpgFlows;
use FlowpgTest;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(sleep);

my $rounds = $ENV{FLOWPG_CRASH_ROUNDS} // 1;
my $http = start_http_sink(max_seconds => 3600);
my $node = flowpg_node('crash_server');
ok(wait_worker($node), 'the worker is connected');
crash_deploy($node, $http);

my ($acks, @timers);

# --- case A: pg_ctl stop -m immediate ----------------------------------------------------
for (1 .. $rounds)
{
	my ($a, $t) = crash_round(
		$node,
		crash => sub { $node->stop('immediate') },
		restart => sub { sleep(3); $node->start });
	$acks = crash_merge($acks, $a);
	push @timers, @$t;
}
ok(wait_worker($node), 'A: the worker is back');
crash_assert('A (stop -m immediate)', crash_check($node, $http, $acks, timers => \@timers));
like(slurp_file($node->logfile), qr/database system was interrupted|was not properly shut down/,
	'A: the server recovered from a crash');

# --- case B: kill -9 of the postmaster -------------------------------------------------------
for (1 .. $rounds)
{
	my ($a, $t) = crash_round(
		$node,
		crash => sub {
			my ($pm, $kids) = crash_children($node);
			$node->kill9;
			# the orphaned children notice the postmaster's death and exit; a new postmaster
			# cannot start while any of them holds the shared memory
			ok(wait_gone([ $pm, @$kids ], 60), 'B: the postmaster and its children are gone');
		},
		restart => sub { sleep(2); $node->start });
	$acks = crash_merge($acks, $a);
	push @timers, @$t;
}
ok(wait_worker($node), 'B: the worker is back');
crash_assert('A and B (after the kill -9 of the postmaster)',
	crash_check($node, $http, $acks, timers => \@timers));

$node->stop;
$http->stop;
done_testing();
