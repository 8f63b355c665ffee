
# The worker's survey of its queues (issue 15): every committed state change wakes the worker
# to relay its NOTIFY, but the queues are surveyed only when a commit queued work, when what
# the last survey saw falls due, or every flowpg.naptime: a stream of executions that queue
# no work (Log -> Pause -> Log started and resumed) costs the worker no survey, while every
# notification is still relayed and a queued send still goes at once.  The surveys are
# counted by the scans of flowpg.work, which only the worker reads here.

use strict;
use warnings;

use FlowpgFlows;
use FlowpgTest;
use Test::More;
use Time::HiRes qw(sleep);

my $node = flowpg_node('idle', conf => ['flowpg.naptime = 2s']);
ok(wait_worker($node), 'worker connected');
my $http = start_http_sink();
deploy(
	$node, q{
id: lpl
namespace: idle
tasks:
  - id: before
    type: io.kestra.plugin.core.log.Log
    message: before
  - id: approve
    type: io.kestra.plugin.core.flow.Pause
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: after
});
deploy(
	$node, q{
id: hook
namespace: idle
tasks:
  - id: call
    type: io.kestra.plugin.core.http.Request
    uri: "} . $http->url('/after-idle') . q{"
    method: POST
});

# Scans of flowpg.work so far (the worker flushes its statistics at most once a second).
sub work_scans
{
	return $node->safe_psql('postgres',
		"SELECT coalesce(seq_scan, 0) + coalesce(idx_scan, 0) FROM pg_stat_user_tables"
		  . " WHERE relid = 'flowpg.work'::regclass");
}

sleep(3);
my $before = work_scans();
my $n = 300;
my ($stdout, $stderr);
my $t0 = Time::HiRes::time();
$node->psql(
	'postgres', qq{LISTEN flowpg;
DO \$\$
DECLARE id text;
BEGIN
    FOR i IN 1 .. $n LOOP
        id := flow_start('idle', 'lpl');
        COMMIT;
        PERFORM flow_resume(id);
        COMMIT;
    END LOOP;
END
\$\$;
SELECT pg_sleep(1);
SELECT pg_sleep(0.2);},
	stdout => \$stdout,
	stderr => \$stderr);
my $took = Time::HiRes::time() - $t0;
is($stderr, '', 'the executions ran');
# (distinct payloads: a payload is the execution's id only, and NOTIFY folds the same payload
# sent twice in one transaction, as the relay may send the start's and the resume's in one)
my %payloads = map { $_ => 1 } $stdout =~ /Asynchronous notification "flowpg" with payload "(.*?)" received/g;
is(scalar(keys %payloads), $n, "every one of the $n executions was relayed (its id)");
is( $node->safe_psql('postgres',
		"SELECT count(*) FROM flowpg.executions WHERE state = 'SUCCESS'"),
	$n, 'all ended');

# two naptimes and more: the surveys of the period, flushed
sleep(5);
my $surveys = work_scans() - $before;
# one survey reads flowpg.work three or four times; at most one survey per naptime
my $bound = 4 * (int(($took + 5) / 2) + 2);
cmp_ok($surveys, '<=', $bound,
	sprintf('%d executions in %.1f s: %d scans of flowpg.work, not one survey per commit',
		$n, $took, $surveys));

# after all those turns that only relayed, work queued by a commit is still seen at once
$t0 = Time::HiRes::time();
my $id = start_flow($node, 'idle', 'hook');
is(wait_state($node, $id, 'SUCCESS'), 'SUCCESS', 'a queued request is sent');
cmp_ok(Time::HiRes::time() - $t0, '<', 1.5, 'at once, woken by the commit, not after the naptime');

done_testing();
