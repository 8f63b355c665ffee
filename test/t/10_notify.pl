
# NOTIFY flowpg (SPEC section 7): every committed change of an execution's state sends a
# notification with {execution_id, namespace, flow_id, state}; a rolled-back change sends none.

use strict;
use warnings;

use FlowpgTest;
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

# psql prints the notifications it receives; a session hears its own NOTIFYs at commit
sub notifications
{
	my ($sql) = @_;
	my ($stdout, $stderr);
	$node->psql('postgres', "LISTEN flowpg;\n$sql", stdout => \$stdout, stderr => \$stderr);
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
is_deeply([ map { $_->{state} } @$started ], [qw(CREATED RUNNING PAUSED)],
	'start notifies CREATED, RUNNING and PAUSED');
my $id = $started->[0]{execution_id};
like($id, qr/^[0-9A-Za-z]{22}$/, 'payload carries the execution id');
is($started->[0]{namespace}, 'demo', 'payload carries the namespace');
is($started->[0]{flow_id}, 'pause_demo', 'payload carries the flow id');

my $rolled_back = notifications("BEGIN; SELECT flow_resume('$id'); ROLLBACK;");
is_deeply($rolled_back, [], 'a resume that rolls back notifies nothing');

my $savepoint = notifications(
	"BEGIN; SAVEPOINT s; SELECT flow_start('demo', 'pause_demo'); ROLLBACK TO s; COMMIT;");
is_deeply($savepoint, [], 'a start rolled back to a savepoint notifies nothing');

my $resumed = notifications("SELECT flow_resume('$id');");
is_deeply([ map { $_->{state} } @$resumed ], [qw(RESTARTED RUNNING SUCCESS)],
	'resume notifies RESTARTED, RUNNING and SUCCESS');
is(scalar(grep { $_->{execution_id} eq $id } @$resumed), 3, 'all about the resumed execution');

$node->stop;
done_testing();
