
# Copyright: the flowpg authors.

=pod

=head1 NAME

FlowpgFlows - deploying, starting and inspecting flows from TAP tests

=head1 SYNOPSIS

  use FlowpgTest;
  use FlowpgFlows;

  my $node = flowpg_node('main');
  deploy($node, $yaml);
  my $id = start_flow($node, 'ns', 'flow', { name => 'x' });
  is(wait_state($node, $id, 'SUCCESS'), 'SUCCESS', 'finished');
  my $runs = task_runs($node, $id);      # task_id => {state, outputs, attempts}
  my $h = header($http_record, 'Flowpg-Task-Run');

=head1 DESCRIPTION

Small helpers shared by the worker's TAP tests (test/t/1*_*.pl).  Every wait
is bounded.

=cut

package FlowpgFlows;

use strict;
use warnings;

use Exporter 'import';
use JSON::PP ();
use Time::HiRes ();

use FlowpgTest;

our @EXPORT = qw(
  deploy start_flow wait_state execution task_runs logs header sql_json
  worker_pid wait_worker
);

my $json = JSON::PP->new->utf8->canonical;

=pod

=head1 FUNCTIONS

=over

=item deploy(NODE, YAML)

flow_deploy the source in the postgres database; returns the revision.

=cut

sub deploy
{
	my ($node, $yaml) = @_;
	die "YAML holds the dollar-quote tag" if $yaml =~ /\$flow\$/;
	return $node->safe_psql('postgres',
		"SELECT revision FROM flow_deploy(\$flow\$$yaml\$flow\$)");
}

=pod

=item start_flow(NODE, NAMESPACE, ID, INPUTS_HASHREF)

flow_start; returns the execution id.

=cut

sub start_flow
{
	my ($node, $ns, $id, $inputs) = @_;
	my $in = $json->encode($inputs // {});
	$in =~ s/'/''/g;
	return $node->safe_psql('postgres',
		"SELECT flow_start('$ns', '$id', '$in')");
}

=pod

=item sql_json(NODE, SQL)

Run a query whose single value is JSON; return it decoded (undef for NULL).

=cut

sub sql_json
{
	my ($node, $sql) = @_;
	my $out = $node->safe_psql('postgres', $sql);
	return undef if $out eq '';
	return $json->decode($out);
}

=pod

=item execution(NODE, ID)

The execution's row as a hash (state, trigger, history, ...).

=cut

sub execution
{
	my ($node, $id) = @_;
	return sql_json($node,
		"SELECT row_to_json(e) FROM flowpg.executions e WHERE id = '$id'");
}

=pod

=item wait_state(NODE, ID, STATES..., TIMEOUT => SECONDS)

Poll until the execution's state is one of STATES (default: any end state
or PAUSED), at most TIMEOUT seconds (default 20).  Returns the last state
seen.

=cut

sub wait_state
{
	my ($node, $id, @states) = @_;
	my $timeout = 20;
	if (@states >= 2 && $states[-2] eq 'TIMEOUT')
	{
		$timeout = pop @states;
		pop @states;
	}
	@states = qw(SUCCESS WARNING FAILED KILLED CANCELLED PAUSED) unless @states;
	my %want = map { $_ => 1 } @states;
	my $state = '';
	poll_until(
		sub {
			$state = $node->safe_psql('postgres',
				"SELECT state FROM flowpg.executions WHERE id = '$id'");
			return $want{$state};
		},
		$timeout);
	return $state;
}

=pod

=item task_runs(NODE, ID)

The execution's task runs: task_id => {id, state, outputs, attempts, history}.

=cut

sub task_runs
{
	my ($node, $id) = @_;
	my $rows = sql_json($node,
		"SELECT coalesce(json_object_agg(task_id, json_build_object('id', id, 'state', state,"
		  . " 'outputs', outputs, 'attempts', attempts, 'history', history)), '{}')"
		  . " FROM flowpg.task_runs WHERE execution_id = '$id'");
	return $rows;
}

=pod

=item logs(NODE, ID)

The execution's log lines, oldest first, as "LEVEL task_id: message" strings.

=cut

sub logs
{
	my ($node, $id) = @_;
	my $rows = sql_json($node,
		"SELECT coalesce(json_agg(level || ' ' || coalesce(task_id, '-') || ': ' || message"
		  . " ORDER BY at), '[]') FROM flowpg.logs WHERE execution_id = '$id'");
	return @$rows;
}

=pod

=item header(RECORD, NAME)

The value of a header (case-insensitive) in an HTTP sink record, or undef.

=cut

sub header
{
	my ($rec, $name) = @_;
	for my $h (@{ $rec->{headers} })
	{
		return $h->[1] if lc($h->[0]) eq lc($name);
	}
	return undef;
}

=pod

=item worker_pid(NODE)

The pid of the connected flowpg worker (pg_stat_activity), or ''.

=cut

sub worker_pid
{
	my ($node) = @_;
	return $node->safe_psql('postgres',
		"SELECT coalesce(max(pid), 0) FROM pg_stat_activity"
		  . " WHERE backend_type = 'flowpg worker' AND datname = current_database()");
}

=pod

=item wait_worker(NODE, TIMEOUT = 30)

Wait until the worker is connected to the postgres database; returns its pid.

=cut

sub wait_worker
{
	my ($node, $timeout) = @_;
	return poll_until(sub { my $p = worker_pid($node); $p ? $p : undef },
		$timeout // 30);
}

=pod

=back

=cut

1;
