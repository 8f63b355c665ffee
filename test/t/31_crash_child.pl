# Crashes of one process under load (issue 10): as in 30_crash_server.pl, clients start and
# resume executions as fast as they can; mid-run the background worker alone is killed with
# SIGKILL (case C; its pid from flowpg.worker_status), or one client backend while it is inside
# flow_resume_bulk of 5,000 paused executions (case D).  Either makes the postmaster reset every
# backend and recover, with no downtime beyond that.  After it: nothing acknowledged is lost,
# half done or left RUNNING, every committed request reaches the sink (duplicates carry the
# same Flowpg-Task-Run and are counted), each timer fires exactly once, and the bulk resume that
# was never acknowledged left every one of its executions PAUSED, with no audit row.
# FLOWPG_CRASH_ROUNDS and FLOWPG_CRASH_LOAD_SECONDS as in 30_crash_server.pl.

use strict;
use warnings;

use FlowpgCrash;
use FlowpgFlows;
use FlowpgTest;
use IPC::Run ();
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(sleep);

my $rounds = $ENV{FLOWPG_CRASH_ROUNDS} // 1;
my $http = start_http_sink(max_seconds => 3600);
# (the test cluster module turns the reset off; a production server has it on)
my $node = flowpg_node('crash_child', conf => ['restart_after_crash = on']);
ok(wait_worker($node), 'the worker is connected');
crash_deploy($node, $http);

my ($acks, @timers);

# Wait until the postmaster's reset is over and a new worker serves the database.
# LOG_AT is the server log's length before the kill.
sub recovered
{
	my ($what, $old_worker, $log_at) = @_;
	ok( poll_until(
			sub {
				substr(slurp_file($node->logfile), $log_at) =~
				  /reinitializing.*database system is ready to accept connections/s;
			},
			60, 0.1),
		"$what: the postmaster reset every backend and recovered");
	ok(wait_accepting($node, 60), "$what: the server accepts connections again");
	my $pid = poll_until(sub { my $p = worker_pid($node); $p && $p != $old_worker ? $p : undef }, 30);
	ok($pid, "$what: a new worker is connected");
	return;
}

# --- case C: kill -9 of the background worker --------------------------------------------
for (1 .. $rounds)
{
	my ($victim, $log_at);
	my ($a, $t) = crash_round(
		$node,
		crash => sub {
			$log_at = -s $node->logfile;
			$victim = $node->safe_psql('postgres', 'SELECT pid FROM flowpg.worker_status');
			ok($victim > 0, "C: the worker's pid from flowpg.worker_status ($victim)");
			kill 'KILL', $victim;
		},
		restart => sub { recovered('C', $victim, $log_at) });
	$acks = crash_merge($acks, $a);
	push @timers, @$t;
}
like(slurp_file($node->logfile), qr/flowpg worker.*was terminated by signal 9/,
	'C: the postmaster saw the worker killed');
crash_assert('C (kill -9 of the worker)', crash_check($node, $http, $acks, timers => \@timers));

# --- case D: kill -9 of a client backend inside flow_resume_bulk ----------------------------
$node->safe_psql('postgres', 'CREATE TABLE crash_bulk (id text PRIMARY KEY)');
for (1 .. $rounds)
{
	$node->safe_psql('postgres',
		"TRUNCATE crash_bulk; INSERT INTO crash_bulk SELECT flow_start('crash', 'lpl') FROM generate_series(1, 5000)");
	my ($bulk_out, $bulk_err, $bulk, $victim, $worker, $log_at) = ('', '');
	my ($a, $t) = crash_round(
		$node,
		crash => sub {
			$bulk = IPC::Run::start(
				[
					'psql', '-X', '-At', '-d', $node->connstr('postgres'), '-c',
					"SELECT 'B ' || flow_resume_bulk(array(SELECT id FROM crash_bulk ORDER BY id), '{}')"
				],
				'<', \undef, '>', \$bulk_out, '2>', \$bulk_err, IPC::Run::timeout(120));
			$victim = poll_until(
				sub {
					$node->safe_psql('postgres',
						"SELECT pid FROM pg_stat_activity WHERE state = 'active'"
						  . " AND query LIKE '%flow_resume_bulk(array(SELECT id FROM crash_bulk%' AND pid <> pg_backend_pid()");
				},
				30, 0.01);
			ok($victim, "D: the bulk resume is running (backend $victim)");
			sleep(0.2);
			$worker = worker_pid($node);
			$log_at = -s $node->logfile;
			kill 'KILL', $victim;
		},
		restart => sub { recovered('D', $worker, $log_at) });
	eval { $bulk->finish };
	$acks = crash_merge($acks, $a);
	push @timers, @$t;
	unlike($bulk_out, qr/^B /m, 'D: the bulk resume was not acknowledged');
	like($bulk_err, qr/server closed the connection unexpectedly/, 'D: its client lost the connection');
	is( $node->safe_psql(
			'postgres', q{
SELECT count(*) FILTER (WHERE e.state = 'PAUSED') || ' paused, ' ||
       (SELECT count(*) FROM flowpg.audit_log a JOIN crash_bulk b ON b.id = a.execution_id WHERE a.action = 'resume') ||
       ' resume audit rows, ' ||
       (SELECT count(*) FROM flowpg.task_runs t JOIN crash_bulk b ON b.id = t.execution_id WHERE t.task_id = 'after') ||
       ' task runs after the pause'
  FROM crash_bulk b JOIN flowpg.executions e USING (id)}),
		'5000 paused, 0 resume audit rows, 0 task runs after the pause',
		'D: the bulk resume cut short left all of its executions as they were');
}
my $f = crash_check($node, $http, $acks, timers => \@timers);
crash_assert('C and D (after the kill -9 inside flow_resume_bulk)', $f);

# and the bulk resume works after the crash, all of it
is($node->safe_psql('postgres', "SELECT flow_resume_bulk(array(SELECT id FROM crash_bulk), '{}')"),
	'5000', 'D: the same bulk resume, run again, resumes all 5,000');

$node->stop;
$http->stop;
done_testing();
