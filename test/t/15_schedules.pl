
# Schedule triggers fired by the background worker (SPEC section 10): cron
# times in the trigger's time zone, trigger.date / next / previous, inputs
# rendered from them, disabled triggers and flows, deleted flows, redeploys
# keeping or resetting the next fire time, and recoverMissedSchedules LAST,
# ALL and NONE for the times that fell due while the worker was not
# processing (here: flowpg.enabled off).

use strict;
use warnings;

use FlowpgFlows;
use FlowpgTest;
use POSIX qw(ceil);
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(sleep time);

# sub-minute schedules keep the test short; deploys refuse them by default
my $node = flowpg_node('schedules', conf => ['flowpg.min_schedule_interval = 1s']);
wait_worker($node);

# --- a schedule fires, in its time zone, with trigger.* ---------------------------------
deploy(
	$node, q{
id: tick
namespace: sched
inputs:
  - id: when
    type: STRING
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: "at {{ trigger.date }} after {{ trigger.previous }} before {{ trigger.next }}"
triggers:
  - id: every2s
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "*/2 * * * * *"
    withSeconds: true
    timezone: Asia/Kolkata
    inputs:
      when: "{{ trigger.date }}"
  - id: off
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "* * * * * *"
    withSeconds: true
    disabled: true
});
is( $node->safe_psql(
		'postgres', "SELECT string_agg(trigger_id, ',') FROM flowpg.trigger_state WHERE flow_id = 'tick'"),
	'every2s',
	'the deploy stored the enabled schedule, not the disabled one');
ok( poll_until(
		sub {
			$node->safe_psql('postgres',
				"SELECT count(*) FROM flowpg.executions WHERE flow_id = 'tick' AND state = 'SUCCESS'") >= 2;
		},
		15),
	'it fires every two seconds');
my $ex = sql_json($node,
	"SELECT json_agg(json_build_object('id', id, 'trigger', trigger, 'inputs', inputs,"
	  . " 'late', extract(epoch FROM created_at - (trigger->>'date')::timestamptz)) ORDER BY created_at)"
	  . " FROM flowpg.executions WHERE flow_id = 'tick'");
my $t = $ex->[0]{trigger};
is($t->{type}, 'io.kestra.plugin.core.trigger.Schedule', 'trigger.type');
is($t->{id}, 'every2s', 'trigger.id');
like($t->{date}, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d[02468]\+05:30$/,
	'trigger.date: an even second, in the trigger\'s time zone');
is($ex->[0]{inputs}{when}, $t->{date}, 'inputs rendered from trigger.date');
is( $node->safe_psql(
		'postgres',
		"SELECT extract(epoch FROM '$t->{next}'::timestamptz - '$t->{date}'::timestamptz) || ' '"
		  . " || extract(epoch FROM '$t->{date}'::timestamptz - '$t->{previous}'::timestamptz)"),
	'2.000000 2.000000',
	'trigger.next and trigger.previous are the times around it');
ok($ex->[0]{late} >= 0 && $ex->[0]{late} < 1, sprintf('fired on time (%.3f s after its date)', $ex->[0]{late}));
is_deeply([ logs($node, $ex->[0]{id}) ],
	["INFO log: at $t->{date} after $t->{previous} before $t->{next}"], 'the flow sees trigger.*');
is( $node->safe_psql(
		'postgres',
		"SELECT actor || ' ' || (detail->'trigger'->>'id') FROM flowpg.audit_log"
		  . " WHERE execution_id = '$ex->[0]{id}' AND action = 'start'"),
	'flowpg every2s',
	'the start is audited, by the system, with the trigger');

# deleting the flow stops it
$node->safe_psql('postgres', "SELECT flow_delete('sched', 'tick')");
is($node->safe_psql('postgres', "SELECT count(*) FROM flowpg.trigger_state WHERE flow_id = 'tick'"),
	'0', 'a deleted flow has no schedule');
my $n = $node->safe_psql('postgres', "SELECT count(*) FROM flowpg.executions WHERE flow_id = 'tick'");
sleep(2.5);
is($node->safe_psql('postgres', "SELECT count(*) FROM flowpg.executions WHERE flow_id = 'tick'"),
	$n, 'and it fires no more');

# a disabled flow does not fire; enabling it schedules it again
my $every = q{
id: flag
namespace: sched
disabled: DISABLED
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: hi
triggers:
  - id: each
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "* * * * * *"
    withSeconds: true
};
(my $disabled = $every) =~ s/DISABLED/true/;
deploy($node, $disabled);
sleep(2);
is($node->safe_psql('postgres', "SELECT count(*) FROM flowpg.executions WHERE flow_id = 'flag'"),
	'0', 'a disabled flow does not fire');
(my $enabled = $every) =~ s/DISABLED/false/;
deploy($node, $enabled);
ok( poll_until(
		sub { $node->safe_psql('postgres', "SELECT count(*) FROM flowpg.executions WHERE flow_id = 'flag'") > 0 },
		10),
	'enabled again, it fires');
$node->safe_psql('postgres', "SELECT flow_delete('sched', 'flag')");

# --- redeploys keep the next time unless the times change; a zone with DST ------------------
my $yearly = q{
id: yearly
namespace: sched
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: MESSAGE
triggers:
  - id: new_year
    type: io.kestra.plugin.core.trigger.Schedule
    cron: CRON
    timezone: Europe/Paris
};
sub yearly
{
	my ($msg, $cron) = @_;
	(my $y = $yearly) =~ s/MESSAGE/$msg/;
	$y =~ s/CRON/"$cron"/;
	deploy($node, $y);
	return $node->safe_psql('postgres',
		"SELECT next_at AT TIME ZONE 'Europe/Paris' FROM flowpg.trigger_state WHERE flow_id = 'yearly'");
}
my $first = yearly('one', '0 9 1 7 *');
like($first, qr/^\d{4}-07-01 09:00:00$/, 'next time at 09:00 Paris time, summer time');
# (moved a year on by hand, so that keeping it shows)
$node->safe_psql('postgres',
	"UPDATE flowpg.trigger_state SET next_at = next_at + interval '1 year' WHERE flow_id = 'yearly'");
my $kept = yearly('two', '0 9 1 7 *');
isnt($kept, $first, 'a redeploy with the same times keeps the stored next time');
like(yearly('two', '0 9 1 1 *'), qr/^\d{4}-01-01 09:00:00$/,
	'a changed cron gets a new next time (09:00 Paris time, winter time)');
$node->safe_psql('postgres', "SELECT flow_delete('sched', 'yearly')");

# --- recoverMissedSchedules -----------------------------------------------------------------
my $recover = q{
id: rec_MODE
namespace: sched
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: "{{ trigger.date }}"
triggers:
  - id: every3s
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "*/3 * * * * *"
    withSeconds: true
    recoverMissedSchedules: MODE
};
for my $mode (qw(LAST ALL NONE))
{
	(my $f = $recover) =~ s/MODE/$mode/g;
	deploy($node, $f);
}
ok( poll_until(
		sub {
			$node->safe_psql('postgres',
				"SELECT count(DISTINCT flow_id) FROM flowpg.executions WHERE flow_id LIKE 'rec_%'") == 3;
		},
		10),
	'the three schedules fire');

# stop processing for a while: the times in between are missed
my $logs_before = () = slurp_file($node->logfile) =~ /paused \(flowpg.enabled is off\)/g;
$node->safe_psql('postgres', "ALTER SYSTEM SET flowpg.enabled = off; SELECT pg_reload_conf()");
poll_until(sub { my $c = () = slurp_file($node->logfile) =~ /paused \(flowpg.enabled is off\)/g; $c > $logs_before }, 10);
my $off = time();
# back on 0.3 s after a fire time at least 7 s later: the last missed time is that one
my $on_at = 3 * ceil(($off + 7) / 3) + 0.3;
sleep($on_at - time());
my $on = time();
$node->safe_psql('postgres', "ALTER SYSTEM RESET flowpg.enabled; SELECT pg_reload_conf()");
sleep(3.5);    # past the next fire time

my @missed = grep { $_ > $off + 0.5 && $_ < $on } map { 3 * $_ } (int($off / 3) .. int($on / 3) + 1);
ok(@missed >= 2, scalar(@missed) . ' fire times were missed');
for my $mode (qw(LAST ALL NONE))
{
	my $dates = sql_json($node,
		"SELECT json_agg(extract(epoch FROM (trigger->>'date')::timestamptz)::bigint ORDER BY 1)"
		  . " FROM flowpg.executions WHERE flow_id = 'rec_$mode'");
	my @in = grep { $_ > $off + 0.5 && $_ < $on } @$dates;
	my @want = $mode eq 'ALL' ? @missed : $mode eq 'LAST' ? ($missed[-1]) : ();
	is_deeply(\@in, \@want, "$mode: the missed times that ran: " . scalar(@want));
	ok((grep { $_ > $on } @$dates) > 0, "$mode: and it goes on firing on time");
}

# --- a schedule acts for its deployer, who must still hold EXECUTE ----------------------------
$node->safe_psql('postgres', q{
CREATE ROLE sched_owner;
SELECT flow_grant('sched.team', 'sched_owner', 'DEPLOY');
SELECT flow_grant('sched.team', 'sched_owner', 'EXECUTE');
SET ROLE sched_owner;
SELECT flow_deploy($$
id: team_tick
namespace: sched.team
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: tick
triggers:
  - id: every1s
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "* * * * * *"
    withSeconds: true
$$);
});
ok( poll_until(
		sub {
			$node->safe_psql('postgres', "SELECT count(*) FROM flowpg.executions WHERE flow_id = 'team_tick'")
			  >= 1;
		},
		10),
	'a schedule deployed by a role with EXECUTE fires');
$node->safe_psql('postgres', "SELECT flow_revoke('sched.team', 'sched_owner', 'EXECUTE')");
my $runs_then = $node->safe_psql('postgres', "SELECT count(*) FROM flowpg.executions WHERE flow_id = 'team_tick'");
ok( poll_until(
		sub {
			$node->safe_psql('postgres',
				"SELECT count(*) FROM flowpg.audit_log WHERE flow_id = 'team_tick' AND action = 'trigger_failed'")
			  >= 2;
		},
		10),
	'once its deployer lost EXECUTE, each time it is due leaves a trigger_failed row');
like(
	$node->safe_psql('postgres',
		"SELECT detail->>'error' FROM flowpg.audit_log WHERE flow_id = 'team_tick' AND action = 'trigger_failed' LIMIT 1"),
	qr/role "sched_owner", which deployed revision 1 of flow "team_tick", may not start executions in namespace "sched.team": it needs the EXECUTE permission there/,
	'saying why');
cmp_ok($node->safe_psql('postgres', "SELECT count(*) FROM flowpg.executions WHERE flow_id = 'team_tick'"),
	'<=', $runs_then + 1, 'and starts nothing (but one that was already firing)');

$node->stop;
done_testing();
