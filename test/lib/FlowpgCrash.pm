# Copyright: the flowpg authors.

=pod

=head1 NAME

FlowpgCrash - load, crash and check helpers for flowpg's crash and failover tests

=head1 SYNOPSIS

  use FlowpgCrash;

  crash_deploy($node, $http);                     # flows lpl, lph, tmr in namespace crash
  my $load = crash_load($node, clients => 3);     # psql clients starting and resuming
  ... crash the server ...
  my $acks = crash_collect($load);                # what each client saw acknowledged
  my $f = crash_check($node, $http, $acks);       # figures: acknowledged, lost, sent, ...

=head1 DESCRIPTION

A client is one psql process running a generated script: each iteration
starts a Log -> Pause -> Log (lpl) and resumes it, then starts a Log ->
Pause -> HTTP request (lph, to the loopback sink) and resumes it, each
statement in its own (autocommit) transaction.  After every start psql
echoes "S flow id", after every resume "R id state": a line is printed only
once the server acknowledged that commit.  When the server goes away psql
exits (ON_ERROR_STOP) and flushes what it printed.

crash_check waits (bounded) until nothing of namespace crash is RUNNING,
then compares the database with the acknowledgements and the sink's
records.  Nothing is written by the checks.

=cut

package FlowpgCrash;

use strict;
use warnings;

use Exporter 'import';
use IPC::Run ();
use Test::More ();
use Time::HiRes ();

use FlowpgFlows;
use FlowpgTest;
use PostgreSQL::Test::Utils;

our @EXPORT = qw(
  crash_deploy crash_load crash_collect crash_check crash_timers
  crash_figures_line crash_children wait_gone crash_round crash_merge
  wait_accepting crash_assert crash_note
);

=pod

=head1 FUNCTIONS

=over

=item crash_deploy(NODE, SINK)

Deploy lpl, lph (its request goes to SINK's /hook/EXECUTION_ID) and tmr (a
Pause whose pauseDuration is the input d, then a Log) in namespace crash.

=cut

sub crash_deploy
{
	my ($node, $sink) = @_;
	my $base = $sink->url('');
	deploy(
		$node, q{
id: lpl
namespace: crash
tasks:
  - id: before
    type: io.kestra.plugin.core.log.Log
    message: "starting {{ execution.id }}"
  - id: approve
    type: io.kestra.plugin.core.flow.Pause
    onResume:
      - id: ok
        type: BOOLEAN
        defaults: true
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: "approved: {{ outputs.approve.onResume.ok }}"
});
	deploy(
		$node, qq{
id: lph
namespace: crash
tasks:
  - id: before
    type: io.kestra.plugin.core.log.Log
    message: "starting {{ execution.id }}"
  - id: approve
    type: io.kestra.plugin.core.flow.Pause
  - id: after
    type: io.kestra.plugin.core.http.Request
    uri: "$base/hook/{{ execution.id }}"
    method: POST
    body: "{{ execution.id }}"
});
	deploy(
		$node, q{
id: tmr
namespace: crash
inputs:
  - id: d
    type: STRING
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
    pauseDuration: "{{ inputs.d }}"
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: expired
});
	return;
}

=pod

=item crash_load(NODE, clients => 3, iterations => 5000)

Start CLIENTS psql processes (see DESCRIPTION) against NODE's postgres
database; each stops after ITERATIONS or when the server goes away.  Returns
a handle for crash_collect.

=cut

sub crash_load
{
	my ($node, %o) = @_;
	my $clients = $o{clients} // 3;
	my $iterations = $o{iterations} // 5000;
	my $dir = PostgreSQL::Test::Utils::tempdir('crash_load');
	my $script = "$dir/client.sql";
	open(my $fh, '>', $script) or die "cannot write $script: $!";
	for (1 .. $iterations)
	{
		for my $flow (qw(lpl lph))
		{
			print $fh "SELECT flow_start('crash', '$flow') AS id \\gset\n",
			  "\\echo S $flow :id\n",
			  "SELECT 'R ' || :'id' || ' ' || flow_resume(:'id', '{}');\n";
		}
	}
	close $fh;
	my @h;
	for my $c (1 .. $clients)
	{
		my $out = "$dir/client$c.out";
		push @h,
		  {
			out => $out,
			run => IPC::Run::start(
				[
					'psql', '-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1',
					'-d', $node->connstr('postgres'), '-f', $script
				],
				'<', \undef, '>', $out, '2>', "$out.err",
				IPC::Run::timeout(600))
		  };
	}
	return { clients => \@h, dir => $dir };
}

=pod

=item crash_collect(LOAD, TIMEOUT = 60)

Wait (at most TIMEOUT seconds, then kill by pid) for LOAD's clients to exit
and read what they printed: { started => {id => flow}, resumed => {id =>
state}, errors => [client stderr texts] }.

=cut

sub crash_collect
{
	my ($load, $timeout) = @_;
	my $deadline = Time::HiRes::time() + ($timeout // 60);
	my (%started, %resumed, @errors);
	for my $c (@{ $load->{clients} })
	{
		my $h = $c->{run};
		# (IPC::Run notices an exit only while pumping)
		poll_until(sub { eval { $h->pump_nb } if $h->pumpable; !$h->pumpable },
			$deadline - Time::HiRes::time());
		$h->kill_kill if $h->pumpable;
		eval { $h->finish };
		open(my $fh, '<', $c->{out}) or die "cannot read $c->{out}: $!";
		while (my $line = <$fh>)
		{
			# a line cut short by the exit is not an acknowledgement
			last unless $line =~ /\n\z/;
			if ($line =~ /^S (\w+) (\S+)$/) { $started{$2} = $1; }
			elsif ($line =~ /^R (\S+) (\w+)$/) { $resumed{$1} = $2; }
		}
		close $fh;
		push @errors, slurp_file("$c->{out}.err");
	}
	return { started => \%started, resumed => \%resumed, errors => \@errors };
}

=pod

=item crash_timers(NODE, N, DURATION)

Start N tmr executions pausing for DURATION (ISO 8601); returns their ids.

=cut

sub crash_timers
{
	my ($node, $n, $d) = @_;
	my $ids = $node->safe_psql('postgres',
		"SELECT flow_start('crash', 'tmr', '{\"d\": \"$d\"}') FROM generate_series(1, $n)");
	return [ split /\n/, $ids ];
}

=pod

=item crash_children(NODE)

The pids of the postmaster's children now (pgrep -P), to wait for after a
kill -9 of the postmaster.

=cut

sub crash_children
{
	my ($node) = @_;
	open(my $f, '<', $node->data_dir . '/postmaster.pid') or die "no postmaster.pid: $!";
	my $pid = <$f>;
	close $f;
	chomp $pid;
	my $out = `pgrep -P $pid`;
	return ($pid, [ grep { /^\d+$/ } split /\s+/, $out ]);
}

=pod

=item wait_gone(PIDS, TIMEOUT = 30)

Wait until none of PIDS exists; true if so.

=cut

sub wait_gone
{
	my ($pids, $timeout) = @_;
	return poll_until(sub { !grep { kill(0, $_) } @$pids }, $timeout // 30);
}

# Rows of a query as lists of fields (psql's unaligned output, | separated).
sub _rows
{
	my ($node, $sql) = @_;
	my $out = $node->safe_psql('postgres', $sql);
	return [ map { [ split /\|/, $_, -1 ] } grep { $_ ne '' } split /\n/, $out ];
}

=pod

=item crash_check(NODE, SINK, ACKS, timers => [IDS], settle => 60)

Wait at most SETTLE seconds for every execution of namespace crash to be
PAUSED or finished and for the timers IDS to have fired, then return the figures: acknowledged (starts and
resumes acknowledged), resumes (of those, resumes), lost (an acknowledged
start missing, or an acknowledged resume not recorded in full), half (an
execution whose state, task runs, outputs, logs and audit rows do not
agree), stuck (still not PAUSED or finished), sent (lph executions whose
request reached the sink), unsent (lph executions that ended with no
request at the sink), duplicated (requests received more than once),
badheader (duplicates whose Flowpg-Task-Run differs), phantom (requests
for no committed execution), timers_bad (timers that did not fire exactly
once), and details (a list of texts saying what is wrong, for diag).

=cut

sub crash_check
{
	my ($node, $sink, $acks, %o) = @_;
	my $settle = $o{settle} // 60;
	my $timer_list = join(',', map { "'$_'" } @{ $o{timers} // [] }) || "''";
	# (the timers given are due by now or soon: wait for them to fire as well)
	poll_until(
		sub {
			$node->safe_psql('postgres',
				"SELECT count(*) FROM flowpg.executions WHERE namespace = 'crash'"
				  . " AND (state NOT IN ('PAUSED', 'SUCCESS', 'WARNING', 'FAILED', 'KILLED', 'CANCELLED')"
				  . " OR (state = 'PAUSED' AND id IN ($timer_list)))") eq '0';
		},
		$settle, 0.2);

	# one row per execution: what each of its parts says
	my $rows = _rows(
		$node, q{
SELECT e.id, e.flow_id, e.state,
       (SELECT count(*) FROM flowpg.task_runs t WHERE t.execution_id = e.id),
       (SELECT count(*) FROM flowpg.task_runs t WHERE t.execution_id = e.id AND t.state = 'SUCCESS'),
       coalesce((SELECT t.state FROM flowpg.task_runs t WHERE t.execution_id = e.id AND t.task_id IN ('approve', 'wait')), '-'),
       coalesce((SELECT coalesce(t.outputs ? 'resumed', false)::text FROM flowpg.task_runs t
                  WHERE t.execution_id = e.id AND t.task_id = 'approve'), '-'),
       (SELECT count(*) FROM flowpg.audit_log a WHERE a.execution_id = e.id AND a.action = 'resume'),
       (SELECT count(*) FROM flowpg.audit_log a WHERE a.execution_id = e.id AND a.action = 'expire'),
       (SELECT count(*) FROM flowpg.logs l WHERE l.execution_id = e.id AND l.task_id = 'after'),
       coalesce((SELECT t.id || '|' || coalesce(t.outputs->>'code', '-') FROM flowpg.task_runs t
                  WHERE t.execution_id = e.id AND t.task_id = 'after' AND e.flow_id = 'lph'), '-|-')
  FROM flowpg.executions e WHERE e.namespace = 'crash'});
	my %ex;
	for my $r (@$rows)
	{
		my %x;
		@x{qw(id flow state runs ok pause resumed resumes expires logs after code)} = @$r;
		$ex{ $x{id} } = \%x;
	}

	# the sink's records by execution id
	my %got;
	for my $rec (@{ $sink->records })
	{
		next unless $rec->{path} =~ m{^/hook/(\S+)$};
		push @{ $got{$1} }, header($rec, 'Flowpg-Task-Run') // '';
	}

	my %f = (
		acknowledged => scalar(keys %{ $acks->{started} }) + scalar(keys %{ $acks->{resumed} }),
		resumes => scalar(keys %{ $acks->{resumed} }),
		map { $_ => 0 } qw(lost half stuck sent unsent duplicated badheader phantom timers_bad));
	my @why;
	for my $id (sort keys %{ $acks->{started} })
	{
		next if $ex{$id};
		$f{lost}++;
		push @why, "acknowledged start $id is missing";
	}
	for my $id (sort keys %{ $acks->{resumed} })
	{
		my $x = $ex{$id};
		next if $x && $x->{state} ne 'PAUSED' && $x->{resumed} eq 'true' && $x->{resumes} == 1;
		$f{lost}++;
		push @why, "acknowledged resume $id: " . ($x ? "state $x->{state}, resumed $x->{resumed}, $x->{resumes} audit rows" : 'missing');
	}
	my %timer = map { $_ => 1 } @{ $o{timers} // [] };
	for my $x (values %ex)
	{
		my $s = $x->{state};
		if ($s ne 'PAUSED' && $s ne 'SUCCESS')
		{
			$f{stuck}++;
			push @why, "$x->{id} ($x->{flow}) is $s";
			next;
		}
		my $ok;
		if ($x->{flow} eq 'tmr')
		{
			$ok = $s eq 'PAUSED'
			  ? ($x->{runs} == 1 && $x->{expires} == 0 && $x->{logs} == 0)
			  : ($x->{runs} == 2 && $x->{ok} == 2 && $x->{expires} == 1 && $x->{logs} == 1);
			if ($timer{ $x->{id} } && !($ok && $s eq 'SUCCESS'))
			{
				$f{timers_bad}++;
				push @why, "timer $x->{id}: $s, $x->{expires} expire rows, $x->{logs} log lines";
			}
		}
		elsif ($s eq 'PAUSED')
		{
			$ok = $x->{runs} == 2 && $x->{ok} == 1 && $x->{pause} eq 'PAUSED'
			  && $x->{resumed} eq 'false' && $x->{resumes} == 0 && $x->{logs} == 0;
		}
		else
		{
			$ok = $x->{runs} == 3 && $x->{ok} == 3 && $x->{resumed} eq 'true' && $x->{resumes} == 1
			  && ($x->{flow} eq 'lph' ? $x->{code} eq '200' : $x->{logs} == 1);
		}
		if (!$ok)
		{
			$f{half}++;
			push @why, "half done: " . join(' ', map { "$_=$x->{$_}" } sort keys %$x);
		}
		next unless $x->{flow} eq 'lph' && $s eq 'SUCCESS';
		my $h = $got{ $x->{id} } // [];
		if (!@$h)
		{
			$f{unsent}++;
			push @why, "$x->{id} ended without its request reaching the sink";
			next;
		}
		$f{sent}++;
		$f{duplicated} += @$h - 1;
		my @bad = grep { $_ ne "$x->{after}/1" } @$h;
		$f{badheader} += @bad;
		push @why, "$x->{id}: Flowpg-Task-Run @$h, expected $x->{after}/1" if @bad;
	}
	for my $id (sort keys %got)
	{
		next if $ex{$id} && $ex{$id}{flow} eq 'lph' && $ex{$id}{resumed} eq 'true';
		$f{phantom}++;
		push @why, "the sink got a request for $id, which no committed resume queued";
	}
	$f{details} = \@why;
	return \%f;
}

=pod

=item crash_round(NODE, crash => CODE, restart => CODE, clients => 3, load_seconds => 3, timers => 10)

One round: start the clients, let them work LOAD_SECONDS (FLOWPG_CRASH_LOAD_SECONDS
overrides), start TIMERS tmr executions pausing 2 s (due while the server is down, when
RESTART waits longer than that), call CRASH, then RESTART, and collect the
clients.  Returns (acks, timer ids).

=cut

sub crash_round
{
	my ($node, %o) = @_;
	my $seconds = $ENV{FLOWPG_CRASH_LOAD_SECONDS} // $o{load_seconds} // 3;
	# enough iterations that no client ends before the crash (about 400 a second each here)
	my $load = crash_load($node, clients => $o{clients} // 3, iterations => 2000 + 2000 * $seconds);
	Time::HiRes::sleep($seconds);
	my $timers = crash_timers($node, $o{timers} // 10, 'PT2S');
	$o{crash}->();
	$o{restart}->();
	return (crash_collect($load), $timers);
}

=pod

=item crash_merge(INTO, ACKS)

Add ACKS (of crash_collect) to INTO (created if undef); returns INTO.

=cut

sub crash_merge
{
	my ($into, $acks) = @_;
	$into //= { started => {}, resumed => {}, errors => [] };
	%{ $into->{started} } = (%{ $into->{started} }, %{ $acks->{started} });
	%{ $into->{resumed} } = (%{ $into->{resumed} }, %{ $acks->{resumed} });
	push @{ $into->{errors} }, @{ $acks->{errors} };
	return $into;
}

=pod

=item wait_accepting(NODE, TIMEOUT = 60)

Wait until NODE answers a query again (after a crash and its recovery).

=cut

sub wait_accepting
{
	my ($node, $timeout) = @_;
	return poll_until(
		sub { $node->psql('postgres', 'SELECT 1', stderr => \my $e) == 0 },
		$timeout // 60, 0.1);
}

=pod

=item crash_assert(NAME, FIGURES, may_lose => 1)

The figures as a note line (crash_note), and the tests: something was
acknowledged and sent, and nothing lost (unless MAY_LOSE: a failover to an
asynchronous standby), stuck, half done, unsent, sent for nothing, with
another Flowpg-Task-Run, nor a timer wrong.  What is wrong is shown with
diag.

=cut

sub crash_assert
{
	my ($name, $f, %o) = @_;
	crash_note(crash_figures_line($name, $f));
	Test::More::ok($f->{resumes} > 0, "$name: resumes were acknowledged ($f->{resumes})");
	Test::More::ok($f->{sent} > 0, "$name: requests were sent ($f->{sent})");
	Test::More::is($f->{$_->[0]}, 0, "$name: $_->[1]")
	  for ($o{may_lose} ? () : [ lost => 'no acknowledged start or resume is lost' ]),
	  [ stuck => 'nothing stays RUNNING' ],
	  [ half => 'nothing is half done: state, task runs, outputs, logs and audit rows agree' ],
	  [ unsent => 'every committed send reached the sink' ],
	  [ badheader => 'a request sent again carries the same Flowpg-Task-Run' ],
	  [ phantom => 'nothing was sent that no committed resume queued' ],
	  [ timers_bad => 'every pause timer due fired exactly once' ];
	my @d = @{ $f->{details} };
	Test::More::diag(join("\n", @d[ 0 .. ($#d < 19 ? $#d : 19) ])) if @d;
	return;
}

=pod

=item crash_figures_line(NAME, FIGURES)

One line: "NAME: acknowledged N (R resumes), lost N, sent N, duplicated N, stuck N, ..."

=cut

sub crash_figures_line
{
	my ($name, $f) = @_;
	my $line = sprintf(
		'%s: acknowledged %d (%d resumes), lost %d, sent %d, duplicated %d, stuck %d, half done %d, unsent %d, timers wrong %d',
		$name, @$f{qw(acknowledged resumes lost sent duplicated stuck half unsent timers_bad)});
	return $line;
}

=pod

=item crash_note(TEXT)

Test::More::note(TEXT), and TEXT appended as a line to the file
FLOWPG_CRASH_FIGURES names, if any (test/bench/run crash prints it).

=cut

sub crash_note
{
	my ($text) = @_;
	Test::More::note($text);
	if (my $file = $ENV{FLOWPG_CRASH_FIGURES})
	{
		open(my $fh, '>>', $file) or die "cannot append to $file: $!";
		print $fh "$text\n";
		close $fh;
	}
	return;
}

=pod

=back

=cut

1;
