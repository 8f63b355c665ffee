
# The README is a tutorial that runs: every ```sql and ```yaml block of README.md, in order, in one
# psql session against a fresh cluster (flowpg preloaded, no extension yet: the README creates it;
# the worker is switched off, so that nothing leaves the machine).
#
# How blocks are read:
# - A ```sql block is split into statements (on ';' outside quotes, comments and dollar quotes; a
#   backslash command such as \gset or \set ends one too) and run as psql would run them: psql
#   variables set by \gset or \set carry over to later blocks, and so do SET ROLE and open
#   transactions.  psql runs in a temporary directory holding a link to the tree's test/ (so
#   `cat test/flows/...` works as it does from a checkout) and with -q and footers off.
# - Shown output: the "--" comment lines right below a statement (no blank line between) are what
#   it must print.  Lines starting with ERROR:, DETAIL:, HINT:, WARNING: or NOTICE: are compared with
#   its messages, the others with its rows.  When they show no "----+----" separator, the rows are
#   compared without psql's header; runs of spaces count as one, "..." stands for any text (a line
#   of just "..." for any number of lines).  A trailing comment "-- ERROR:  message" on the
#   statement's own line also expects that error.  Any other trailing comment is commentary.
# - A statement that shows no error must raise none.
# - A ```yaml block is a flow: it is deployed with flow_deploy.
# - A block that is a fragment (part of a flow, a placeholder token, a command needing something
#   the test cluster lacks) is skipped on purpose: put the line <!-- fragment --> right above its
#   opening fence (blank lines between are allowed).  Keep such blocks few; the test prints how
#   many ran and how many were skipped.

use strict;
use warnings;

use File::Temp ();
use FlowpgTest;
use IPC::Run ();
use Test::More;

my $src = flowpg_src();
open(my $fh, '<:encoding(UTF-8)', "$src/README.md") or die "README.md: $!";
my @lines = <$fh>;
close($fh);
chomp(@lines);

# The blocks of the README: {lang, start (1-based line of its first content line), lines, skip}.
my @blocks;
{
	my ($in, $lang, $indent, $start, @body, $skip);
	my $last_nonblank = '';
	for my $i (0 .. $#lines)
	{
		my $l = $lines[$i];
		if (!$in)
		{
			if ($l =~ /^(\s*)```(\w*)\s*$/)
			{
				($in, $indent, $lang, $start, @body) = (1, $1, $2, $i + 2);
				$skip = $last_nonblank =~ /^\s*<!--\s*fragment\s*-->\s*$/;
			}
			$last_nonblank = $l if $l =~ /\S/;
			next;
		}
		if ($l =~ /^\s*```\s*$/)
		{
			push @blocks, { lang => $lang, start => $start, lines => [@body], skip => $skip }
			  if $lang eq 'sql' || $lang eq 'yaml';
			$in = 0;
			$last_nonblank = $l;
			next;
		}
		$l =~ s/^\Q$indent\E//;
		push @body, $l;
	}
	die "README.md: an unclosed ``` block" if $in;
}

# Split a sql block into statements: {text, line, expect_out => [..], expect_msg => [..]}.
sub split_sql
{
	my ($block) = @_;
	my @stmts;
	my ($buf, $first, $dollar, $quote) = ('', undef, undef, undef);
	my $body = $block->{lines};
	my $i = 0;
	while ($i < @$body)
	{
		my $l = $body->[$i];
		my $lineno = $block->{start} + $i;
		$i++;
		if ($buf eq '' && !defined $dollar && !defined $quote)
		{
			next if $l =~ /^\s*$/ || $l =~ /^\s*--/;
		}
		$first //= $lineno;
		my $end = $buf eq '' && !defined $dollar && !defined $quote && $l =~ /^\s*\\/;  # a psql command
		my $pos = $end ? length($l) : 0;
		while ($pos < length($l))
		{
			my $rest = substr($l, $pos);
			if (defined $dollar)
			{
				if ($rest =~ /^\Q$dollar\E/) { $pos += length($dollar); $dollar = undef; }
				else { $pos++; }
				next;
			}
			if (defined $quote)
			{
				$quote = undef if substr($rest, 0, 1) eq $quote;
				$pos++;
				next;
			}
			last if $rest =~ /^--/;
			if ($rest =~ /^(\$[A-Za-z_]*\$)/) { $dollar = $1; $pos += length($1); next; }
			my $c = substr($rest, 0, 1);
			if ($c eq "'" || $c eq '"') { $quote = $c; $pos++; next; }
			if ($c eq ';' || $c eq '\\') { $end = 1; last; }
			$pos++;
		}
		$buf .= "$l\n";
		next unless $end;
		my $st = { text => $buf, line => $first, expect_out => [], expect_msg => [] };
		if ($l =~ /--\s*((?:ERROR|WARNING|NOTICE):.*)$/) { push @{ $st->{expect_msg} }, $1; }
		while ($i < @$body && $body->[$i] =~ /^--(.*)$/)
		{
			my $shown = $1;
			$i++;
			if ($shown =~ /^\s*((?:ERROR|DETAIL|HINT|WARNING|NOTICE):.*)$/) { push @{ $st->{expect_msg} }, $1; }
			else { push @{ $st->{expect_out} }, $shown; }
		}
		push @stmts, $st;
		($buf, $first) = ('', undef);
	}
	die "README.md line $block->{start}: a statement without its end: $buf" if $buf =~ /\S/;
	return @stmts;
}

# The statements to run, and the script that runs them, each behind a marker on stdout and stderr.
my (@stmts, $ran, $skipped);
my $script = "\\set ON_ERROR_STOP 0\n\\pset footer off\n";
for my $b (@blocks)
{
	if ($b->{skip}) { $skipped++; next; }
	$ran++;
	my @these;
	if ($b->{lang} eq 'yaml')
	{
		my $yaml = join("\n", @{ $b->{lines} }) . "\n";
		@these = ({ text => "SELECT * FROM flow_deploy(\$readme_yaml\$$yaml\$readme_yaml\$);\n",
			line => $b->{start}, expect_out => [], expect_msg => [] });
	}
	else
	{
		@these = split_sql($b);
	}
	for my $st (@these)
	{
		my $n = scalar @stmts;
		push @stmts, $st;
		$script .= "\\echo \@\@S $n\n\\warn \@\@S $n\n$st->{text}";
		$script .= "\n" unless $script =~ /\n$/;
	}
}
$script .= "\\echo \@\@END\n\\warn \@\@END\n";

# flowpg.enabled = off: the worker sends nothing, so an example that queues a request to a real
# host (hooks.slack.com) never reaches the network.
my $node = flowpg_node('readme', no_extension => 1, conf => ["flowpg.enabled = off"]);
my $dir = File::Temp->newdir("$ENV{TESTDIR}/readme.XXXX");
symlink("$src/test", "$dir/test") or die "symlink: $!";
open(my $sf, '>:encoding(UTF-8)', "$dir/readme.sql") or die;
print $sf $script;
close($sf);

my ($out, $err) = ('', '');
{
	my $here = File::Spec->rel2abs('.');
	chdir($dir) or die;
	IPC::Run::run([ 'psql', '-X', '-q', '-d', $node->connstr('postgres'), '-f', "$dir/readme.sql" ],
		'<', \undef, '>', \$out, '2>', \$err, IPC::Run::timeout(300));
	chdir($here);
}
utf8::decode($out);
utf8::decode($err);

# Cut psql's output into the parts of each statement.
sub parts
{
	my ($text) = @_;
	my (%p, $cur);
	for my $l (split /\n/, $text)
	{
		if ($l =~ /^\@\@S (\d+)$/) { $cur = $1; $p{$cur} = []; next; }
		if ($l eq '@@END') { $cur = undef; next; }
		push @{ $p{$cur} }, $l if defined $cur;
	}
	return \%p;
}
my $outs = parts($out);
my $errs = parts($err);
ok($out =~ /^\@\@END$/m, 'psql ran the README to its end') or diag($err);

sub norm
{
	my ($s) = @_;
	$s =~ s/^psql:[^:]*:\d+: //;
	$s =~ s/\s*\|\s*/|/g;
	$s =~ s/\s+/ /g;
	$s =~ s/^ //;
	$s =~ s/ $//;
	return $s;
}

# Does the list of actual lines match the expected ones ("..." as wildcards)?
sub lines_match
{
	my ($exp, $act) = @_;
	return @$act == 0 if @$exp == 0;
	my ($e, @erest) = @$exp;
	return 1 if $e eq '...' && @erest == 0;
	if ($e eq '...')
	{
		for my $k (0 .. scalar @$act)
		{
			return 1 if lines_match(\@erest, [ @$act[ $k .. $#$act ] ]);
		}
		return 0;
	}
	return 0 unless @$act;
	my $re = join('.*', map { quotemeta } split(/\.\.\./, $e, -1));
	return 0 unless $act->[0] =~ /^$re$/;
	return lines_match(\@erest, [ @$act[ 1 .. $#$act ] ]);
}

my $failures = 0;
for my $n (0 .. $#stmts)
{
	my $st = $stmts[$n];
	my $what = "README.md line $st->{line}";
	my @o = @{ $outs->{$n} // [] };
	my @e = map { norm($_) } @{ $errs->{$n} // [] };
	my @exp_msg = map { norm($_) } @{ $st->{expect_msg} };
	my $wants_error = grep { /^ERROR:/ } @exp_msg;
	my $got_error = grep { /^ERROR:/ } @e;
	my $ok = 1;
	my $why = '';
	if ($got_error && !$wants_error) { $ok = 0; $why = "an error nobody shows"; }
	elsif ($wants_error && !$got_error) { $ok = 0; $why = "no error, where the README shows one"; }
	# each shown message matches one of the messages, in order
	my @pool = @e;
	for my $m (@exp_msg)
	{
		my $re = join('.*', map { quotemeta } split(/\.\.\./, $m, -1));
		shift @pool while @pool && $pool[0] !~ /^$re$/;
		if (!@pool) { $ok = 0; $why ||= "message not shown by psql: $m"; last; }
		shift @pool;
	}
	if (@{ $st->{expect_out} })
	{
		my @exp = grep { $_ ne '' } map { norm($_) } @{ $st->{expect_out} };
		my $has_sep = grep { /^-+(\+-+)*$/ } @exp;
		my @act = map { norm($_) } @o;
		@act = @act[ 2 .. $#act ] if !$has_sep && @act >= 2 && $act[1] =~ /^-+(\+-+)*$/;
		if ($has_sep)
		{
			@exp = grep { !/^-+(\+-+)*$/ } @exp;
			@act = grep { !/^-+(\+-+)*$/ } @act;
		}
		@act = grep { $_ ne '' } @act;
		if (!lines_match(\@exp, \@act)) { $ok = 0; $why ||= "shown output differs"; }
	}
	if (!$ok)
	{
		$failures++;
		fail("$what: $why");
		diag("statement:\n$st->{text}shown:\n"
			  . join("\n", @{ $st->{expect_out} }, @{ $st->{expect_msg} })
			  . "\npsql printed:\n"
			  . join("\n", @o, @{ $errs->{$n} // [] }));
	}
}
$skipped //= 0;
is($failures, 0, "README: $ran blocks ran (" . scalar(@stmts) . " statements) as shown, $skipped skipped as fragments");
diag("README blocks: $ran ran, $skipped skipped as fragments, " . scalar(@stmts) . " statements");

# The install section's shell forms of deploying a flow from a file: psql's input substitutes
# :'src', a -c command does not.
{
	my $yaml = do { local $/; open(my $y, '<', "$src/test/flows/guide/pause_demo.yml") or die; <$y> };
	my ($o, $e) = ('', '');
	IPC::Run::run([ 'psql', '-X', '-At', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('postgres'), '-v', "src=$yaml" ],
		'<', \"SELECT count(*) FROM flow_validate(:'src');\n", '>', \$o, '2>', \$e);
	is($o, "0\n", "psql -v src=\"\$(cat flow.yaml)\" reads :'src' in its input") or diag($e);
	($o, $e) = ('', '');
	IPC::Run::run([ 'psql', '-X', '-At', '-d', $node->connstr('postgres'), '-v', "src=$yaml",
		'-c', "SELECT count(*) FROM flow_validate(:'src')" ], '<', \undef, '>', \$o, '2>', \$e);
	like($e, qr/syntax error at or near ":"/, 'and a -c command does not substitute it, as the README says');
}

$node->stop;
done_testing();
