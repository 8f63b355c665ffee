
# The guide's vacation_approval flow (seed/000_f920223d63a53797.txt), unchanged,
# end to end against loopback sinks: the Slack message rendered with the
# employee and the dates, the pause, a manager's resume with approved and
# reason, the HR system's multipart POST with the decision and who made it,
# and the final log line.  The secret SLACK_HR_WEBHOOK and the kv
# HR_API_ENDPOINT point at the HTTP sink.

use strict;
use warnings;

use FlowpgFlows;
use FlowpgTest;
use JSON::PP ();
use PostgreSQL::Test::Utils;
use Test::More;

my $node = flowpg_node('vacation');
wait_worker($node);
my $http = start_http_sink();
my $json = JSON::PP->new->canonical;    # sink records are decoded already

# The flow exactly as the guide prints it.
my $flow = slurp_file(flowpg_src() . '/test/flows/guide/vacation_approval.yml');

my $webhook = $http->url('/services/T0HR/B0VAC/webhooksecret');
my $hr = $http->url('/hr-api');
$node->safe_psql(
	'postgres', qq{
SELECT flow_secret_set('hr.operations', 'SLACK_HR_WEBHOOK', '$webhook');
SELECT flow_kv_set('hr.operations', 'HR_API_ENDPOINT', '"$hr"');
CREATE ROLE hr_manager LOGIN;
CREATE ROLE jdoe LOGIN;
SELECT flow_grant('hr.operations', 'jdoe', 'EXECUTE');
SELECT flow_grant('hr.operations', 'hr_manager', 'RESUME');
});
is(deploy($node, $flow), '1', 'the guide\'s flow deploys unchanged');

# Run one request through: start as jdoe, resume as hr_manager with a decision.
sub request_vacation
{
	my ($inputs, $decision) = @_;
	my $in = $json->encode($inputs);
	my $id = $node->safe_psql('postgres',
		"SET ROLE jdoe; SELECT flow_start('hr.operations', 'vacation_approval', '$in')");
	my $state = wait_state($node, $id, 'PAUSED');
	my $inbox = $node->safe_psql('postgres',
		"SET ROLE hr_manager; SELECT task_id FROM flowpg.inbox WHERE execution_id = '$id'");
	my ($slack) = grep { $_->{path} =~ m{^/services/} && index($_->{body}, $id) >= 0 }
	  @{ poll_until(sub { my $r = $http->records; (grep { index($_->{body}, $id) >= 0 } @$r) ? $r : undef }, 20) // [] };
	my $runs = task_runs($node, $id);
	my $d = $json->encode($decision);
	my $after = $node->safe_psql('postgres',
		"SET ROLE hr_manager; SELECT flow_resume('$id', '$d')");
	my $final = wait_state($node, $id, 'SUCCESS', 'FAILED');
	my ($post) = grep { $_->{path} eq '/hr-api/approvals' && header($_, 'Flowpg-Task-Run') =~ /^\Q${\ task_runs($node, $id)->{update_hr_system}{id} }\E\// }
	  @{ poll_until(sub { my $r = $http->records; (grep { $_->{path} eq '/hr-api/approvals' } @$r) ? $r : undef }, 20) // [] };
	return { id => $id, paused => $state, inbox => $inbox, runs_paused => $runs, slack => $slack,
		after_resume => $after, final => $final, post => $post };
}

my $r = request_vacation({ employee => 'alice', start_date => '2026-07-01', end_date => '2026-07-14' },
	{ approved => JSON::PP::true, reason => 'Within policy limits' });
my $id = $r->{id};

# before the decision
is($r->{paused}, 'PAUSED', 'the execution pauses for the decision');
is($r->{inbox}, 'await_decision', 'the decision is in the manager\'s inbox');
is($r->{runs_paused}{notify_manager}{state}, 'SUCCESS', 'the Slack message was sent first');
is($r->{runs_paused}{await_decision}{state}, 'PAUSED', 'await_decision is PAUSED');
ok(!exists $r->{runs_paused}{update_hr_system}, 'nothing after the pause ran yet');
ok($r->{slack}, 'the Slack webhook (the secret URL) received the message');
is($r->{slack}{method}, 'POST', 'Slack: POST');
is(header($r->{slack}, 'Content-Type'), 'application/json', 'Slack: JSON');
my $payload = $json->decode($r->{slack}{body});
is($payload->{channel}, '#vacation-approvals', 'Slack payload: channel');
like( $payload->{text},
	qr{\AReview request from alice\n\*Dates\*: 2026-07-01 \x{2192} 2026-07-14\nApprove: http://localhost:8080/appId/\Q$id\E\?token=[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}\z},
	'Slack payload: employee, dates and the approval link rendered, signed for the pause that follows');

# the decision and what followed
is($r->{after_resume}, 'RUNNING', 'after the resume the execution runs (the HR request is queued)');
is($r->{final}, 'SUCCESS', 'the execution succeeds');
my $runs = task_runs($node, $id);
is_deeply($runs->{await_decision}{outputs}{onResume},
	{ approved => JSON::PP::true, reason => 'Within policy limits' }, 'onResume outputs');
is($runs->{await_decision}{outputs}{resumed}{by}, 'hr_manager', 'resumed.by is the acting role');
ok($r->{post}, 'the HR system received the decision');
is($r->{post}{method}, 'POST', 'HR: POST');
like(header($r->{post}, 'Content-Type'), qr{^multipart/form-data; boundary=}, 'HR: multipart/form-data');
my %form = map { $_->{name} => $_->{value} } @{ $r->{post}{parts} };
my $resumed_on = $runs->{await_decision}{outputs}{resumed}{on};
like($resumed_on, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/, 'resumed.on is an ISO-8601 UTC time');
is_deeply(
	\%form,
	{
		employee => 'alice',
		approvalStatus => 'APPROVED',
		notes => 'Within policy limits',
		resumedBy => 'hr_manager',
		resumedOn => $resumed_on,
		resumedStatus => 'SUCCESS'
	},
	'HR form: employee, approvalStatus, notes, resumedBy, resumedOn, resumedStatus');
is(scalar(@{ $r->{post}{parts} }), 6, 'HR form: each field once');
is( join(' ', map { $_->{name} } @{ $r->{post}{parts} }),
	'employee approvalStatus notes resumedBy resumedOn resumedStatus',
	'HR form: the fields in the flow\'s order');
my @log = logs($node, $id);
is(scalar(@log), 1, 'one log line');
my ($decision) = $log[0] =~ /^INFO log_result: Decision: (\{.*\})\n\z/;
is_deeply($decision ? $json->decode($decision) : undef,
	{ approved => JSON::PP::true, reason => 'Within policy limits' },
	'the final Log prints the decision');
is($decision, '{"approved":true,"reason":"Within policy limits"}',
	'the decision prints as the guide shows it, in the order onResume declares');
is( $node->safe_psql(
		'postgres',
		"SELECT string_agg(action || ':' || actor, ' ' ORDER BY id) FROM flowpg.audit_log WHERE execution_id = '$id'"),
	'start:jdoe resume:hr_manager',
	'audit: who started and who decided');
my $stored = $node->safe_psql('postgres',
	"SELECT string_agg(coalesce(outputs::text, ''), ' ') FROM flowpg.task_runs WHERE execution_id = '$id'");
unlike($stored, qr/webhooksecret/, 'the webhook URL (a secret) is in no output');

# a rejection, with the employee left out: the starter's role stands in for it
$r = request_vacation({ start_date => '2026-08-03', end_date => '2026-08-07' },
	{ approved => JSON::PP::false, reason => 'Team is short that week' });
is($r->{final}, 'SUCCESS', 'a rejected request also runs to its end');
like($json->decode($r->{slack}{body})->{text}, qr/^Review request from jdoe\n/,
	'without an employee the Slack message names the starting role (labels.system.username)');
%form = map { $_->{name} => $_->{value} } @{ $r->{post}{parts} };
is($form{approvalStatus}, 'REJECTED', 'HR form: REJECTED');
is($form{employee}, 'jdoe', 'HR form: employee from labels.system.username');
is($form{notes}, 'Team is short that week', 'HR form: notes');

$http->stop;
$node->stop;
done_testing();
