# Failover to a streaming standby (issue 10).  On the standby the worker sends and fires
# nothing (it does not run there; flowpg.worker_status says why), and the read model is
# readable under the same row-level security for a non-superuser role; flow_wait there is a
# clear error (25006 with a HINT) instead of a recovery conflict.  With
# synchronous_standby_names set, clients start and resume as fast as they can while the
# primary's worker is paused (so that sends and timers stay queued); the primary is crashed
# mid-run and the standby promoted: every acknowledged start and resume is there, its worker
# takes over (queued sends go out once each, timers fire once), new starts and resumes work.
# The takeover time is printed as a note.  FLOWPG_FAILOVER_SYNC=0 (test/bench/run crash) runs the
# failover without synchronous replication and reports what it lost instead of failing on it.

use strict;
use warnings;

use FlowpgCrash;
use FlowpgFlows;
use FlowpgTest;
use IPC::Run ();
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(sleep);

my $http = start_http_sink(max_seconds => 3600);
my $primary = flowpg_node(
	'primary',
	init => { allows_streaming => 1 },
	conf => [ 'max_connections = 40', 'shared_buffers = 32MB', 'max_wal_size = 256MB' ]);
ok(wait_worker($primary), 'the primary\'s worker is connected');
crash_deploy($primary, $http);
deploy(
	$primary, q{
id: hidden
namespace: elsewhere
tasks:
  - id: approve
    type: io.kestra.plugin.core.flow.Pause
});
deploy(
	$primary, qq{
id: slow
namespace: crash.slow
tasks:
  - id: call
    type: io.kestra.plugin.core.http.Request
    uri: "@{[ $http->url('/delay/4000') ]}"
});
$primary->safe_psql(
	'postgres', q{
CREATE ROLE reader LOGIN;
SELECT flow_grant('crash', 'reader', 'VIEW');
SELECT flow_grant('crash', 'reader', 'RESUME');
SELECT flow_start('elsewhere', 'hidden');
SELECT flow_start('crash', 'lpl') FROM generate_series(1, 3);
});

# lph executions started and resumed on the primary, sent by its worker
sub start_resume_lph
{
	my ($node, $n) = @_;
	return [
		split /\n/,
		$node->safe_psql('postgres',
			"CREATE TEMP TABLE ids AS SELECT flow_start('crash', 'lph') AS id FROM generate_series(1, $n);"
			  . " SELECT id FROM ids, LATERAL flow_resume(id, '{}')")
	];
}

# Requests the sink got for each of IDS, in order.
sub hooks
{
	my %n;
	$n{ $_->{path} }++ for @{ $http->records };
	return map { $n{"/hook/$_"} // 0 } @_;
}

my $sent_by_primary = start_resume_lph($primary, 5);
is(wait_state($primary, $_, 'SUCCESS'), 'SUCCESS', 'sent by the primary') for @$sent_by_primary;

# --- the standby -----------------------------------------------------------------------------
$primary->backup('b');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'b', has_streaming => 1);
# replay cancels a query in its way after 1 s (30 s by default)
$standby->append_conf('postgresql.conf', "max_standby_streaming_delay = 1s\n");
$standby->start;
$primary->wait_for_catchup($standby);

is( $standby->safe_psql('postgres',
		"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'flowpg worker'"),
	'0', 'no worker runs on the standby');
is( $standby->safe_psql('postgres', 'SELECT running, state, queued_sends FROM flowpg.worker_status'),
	'f|standby|0', 'worker_status on the standby: not running, because it is a standby');
like($standby->safe_psql('postgres', 'SELECT warning FROM flowpg.worker_status'),
	qr/^This server is a standby/, 'and its warning says so');

my $more = start_resume_lph($primary, 5);
is(wait_state($primary, $_, 'SUCCESS'), 'SUCCESS', 'sent by the primary with a standby') for @$more;
$primary->wait_for_catchup($standby);
sleep(1);
is_deeply([ hooks(@$sent_by_primary, @$more) ], [ (1) x 10 ],
	'each request went out once: the standby sent none again');

# the read model, as a role that sees only namespace crash
my $read = q{SELECT (SELECT count(*) FROM flowpg.executions) || ' ' ||
  (SELECT count(*) FROM flowpg.executions WHERE namespace = 'elsewhere') || ' ' ||
  (SELECT count(*) FROM flowpg.task_runs) || ' ' || (SELECT count(*) FROM flowpg.inbox) || ' ' ||
  (SELECT count(*) FROM flowpg.logs) || ' ' || (SELECT count(*) FROM flowpg.audit_log) || ' ' ||
  (SELECT count(*) FROM flowpg.audit_log WHERE namespace = 'elsewhere')};
my $on_primary = $primary->safe_psql('postgres', $read, extra_params => [ '-U', 'reader' ]);
is($standby->safe_psql('postgres', $read, extra_params => [ '-U', 'reader' ]), $on_primary,
	"the standby shows a reader what the primary does ($on_primary: executions, others', task runs,"
	  . " inbox, logs, audit rows, others')");
like($on_primary, qr/^13 0 \d+ 3 \d+ \d+ 0$/, 'its own namespace only, with three items in its inbox');
isnt($standby->safe_psql('postgres', $read), $on_primary, 'a superuser sees more there');
my ($rc, $wout, $werr) = (0, '', '');
$rc = $standby->psql('postgres', "\\set VERBOSITY verbose\nSELECT flow_resume(execution_id, '{}') FROM flowpg.inbox LIMIT 1",
	stdout => \$wout, stderr => \$werr, extra_params => [ '-U', 'reader' ]);
like($werr, qr/ERROR:  25006: cannot execute .+ in a read-only transaction/,
	'a resume on the standby fails as every write there does (25006)');

# flow_wait on the standby
my $slow = start_flow($primary, 'crash.slow', 'slow');
$primary->wait_for_catchup($standby);
my ($out, $err) = ('', '');
my $t0 = Time::HiRes::time();
my $waiter = IPC::Run::start(
	[ 'psql', '-X', '-At', '-d', $standby->connstr('postgres') . ' user=reader', '-c',
	  '\\set VERBOSITY verbose', '-c', "SELECT flow_wait('$slow', '20s')" ],
	'<', \undef, '>', \$out, '2>', \$err, IPC::Run::timeout(60));
# meanwhile the primary cleans up row versions the waiting statement's snapshot may still see
for (1 .. 20)
{
	$primary->safe_psql('postgres',
		"SELECT flow_start('crash', 'lpl') AS id \\gset\nSELECT flow_resume(:'id', '{}');\n"
		  . "VACUUM flowpg.executions, flowpg.task_runs, flowpg.work");
	sleep(0.2);
}
$waiter->finish;
note(sprintf('flow_wait on the standby: %.1f s, out "%s", err "%s"', Time::HiRes::time() - $t0, $out, $err));
like($err, qr/ERROR:  25006: cannot wait for an execution on a standby/, 'flow_wait on a standby is refused: 25006');
like($err, qr/DETAIL:  .*recovery conflict/, 'the detail says why');
like($err, qr/HINT:  Call flow_wait\(\) on the primary/, 'with a hint');

# --- failover, with synchronous replication (FLOWPG_FAILOVER_SYNC=0: without) ---------------------
my $sync = $ENV{FLOWPG_FAILOVER_SYNC} // 1;
if ($sync)
{
	$primary->append_conf('postgresql.conf', "synchronous_standby_names = 'standby'\n");
	$primary->reload;
	ok( poll_until(
			sub {
				$primary->safe_psql('postgres',
					"SELECT sync_state FROM pg_stat_replication WHERE application_name = 'standby'") eq 'sync';
			},
			30),
		'the standby is synchronous');
}
$primary->safe_psql('postgres', 'ALTER SYSTEM SET flowpg.enabled = off; SELECT pg_reload_conf()');
ok(poll_until(sub { slurp_file($primary->logfile) =~ /flowpg worker: paused \(flowpg.enabled is off\)/ }, 10),
	'the primary\'s worker is paused, so that work stays queued');
my $queued = start_resume_lph($primary, 20);
my $queued_timers = crash_timers($primary, 10, 'PT3S');

my ($takeover_worker, $takeover_sent);
my ($acks, $round_timers) = crash_round(
	$primary,
	crash => sub { $primary->stop('immediate') },
	restart => sub {
		my $t = Time::HiRes::time();
		$standby->promote;
		ok(wait_worker($standby, 60), 'after the promotion the worker starts');
		$takeover_worker = Time::HiRes::time() - $t;
		ok(poll_until(sub { !grep { !$_ } hooks(@$queued) }, 60, 0.02), 'the queued requests went out');
		$takeover_sent = Time::HiRes::time() - $t;
	});
$acks->{started}{$_} = 'lph', $acks->{resumed}{$_} = 'RUNNING' for @$queued;
crash_note(sprintf('takeover: worker connected %.2f s after the promotion began, the 20 queued requests sent after %.2f s',
		$takeover_worker, $takeover_sent));
my $f = crash_check($standby, $http, $acks, timers => [ @$queued_timers, @$round_timers ]);
crash_assert($sync ? 'failover (synchronous standby)' : 'failover (asynchronous standby)', $f, may_lose => !$sync);
is($f->{duplicated}, 0, 'nothing was sent twice (the primary\'s worker sent none of them)');
is_deeply([ hooks(@$sent_by_primary, @$more) ], [ (1) x 10 ],
	'what the primary sent was not sent again by the new primary');
is( $standby->safe_psql('postgres', 'SELECT running, state, warning IS NULL FROM flowpg.worker_status'),
	't|running|t', 'worker_status on the new primary');

# new starts and resumes work
my $new = start_resume_lph($standby, 3);
is(wait_state($standby, $_, 'SUCCESS'), 'SUCCESS', 'a new start and resume on the new primary') for @$new;
is_deeply([ hooks(@$new) ], [ 1, 1, 1 ], 'sent once each');
my $tmr = crash_timers($standby, 1, 'PT1S');
is(wait_state($standby, $tmr->[0], 'SUCCESS'), 'SUCCESS', 'a new timer fires');

$standby->stop;
$http->stop;
done_testing();
