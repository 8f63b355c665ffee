
# DROP EXTENSION while the worker works (it surveys its queues, fires timers and records
# results in transactions of their own): the worker takes a share lock on the extension,
# without waiting, before it touches flowpg's tables, so DROP EXTENSION, which locks the
# extension first and then each table, never deadlocks with it. Before that lock, a DROP at
# the end of a regress file now and then died with "deadlock detected".

use strict;
use warnings;

use FlowpgFlows;
use FlowpgTest;
use Test::More;

my $node = flowpg_node('dropper', conf => ['flowpg.naptime = 20ms']);
ok(wait_worker($node), 'the worker is connected');

my $rounds = 25;
my $deadlocks = 0;
for my $round (1 .. $rounds)
{
	$node->safe_psql('postgres', 'CREATE EXTENSION IF NOT EXISTS flowpg');
	# timers falling due all the time keep the worker in its steps
	deploy(
		$node, q{
id: ticking
namespace: drop.test
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
    pauseDuration: PT0.01S
  - id: again
    type: io.kestra.plugin.core.log.Log
    message: tick
});
	$node->safe_psql('postgres',
		"SELECT flow_start('drop.test', 'ticking') FROM generate_series(1, 20)");
	my ($rc, $out, $err) = $node->psql('postgres', 'DROP EXTENSION flowpg CASCADE');
	$deadlocks++ if $err =~ /deadlock/;
	diag("round $round: $err") if $rc != 0;
}
is($deadlocks, 0, "no DROP EXTENSION deadlocked with the worker in $rounds rounds");
ok(worker_pid($node), 'and the worker is still there');

$node->stop;
done_testing();
