
# Copyright: the flowpg authors.

=pod

=head1 NAME

FlowpgTest - helpers for flowpg's TAP tests (test/t/*.pl)

=head1 SYNOPSIS

  use lib ...;   # test/run puts test/lib on PERL5LIB
  use FlowpgTest;
  use Test::More;

  my $node = flowpg_node('main');                  # flowpg preloaded, extension created
  my $http = start_http_sink();                    # loopback HTTP sink
  my $smtp = start_smtp_sink(auth_user => 'alice', auth_pass => 'pw');
  ... $http->url('/status/500') ...
  ok(poll_until(sub { @{ $http->records } >= 1 }, 10), 'request arrived');
  my ($req) = @{ $http->records };
  is($req->{method}, 'POST', 'method');
  $http->stop;                                      # also done at exit

=head1 DESCRIPTION

Built on PostgreSQL::Test::Cluster and PostgreSQL::Test::Utils, run the way
test/run runs TAP files: PATH with the private PostgreSQL copy first, TESTDIR
for temporary files and logs, FLOWPG_SRC pointing at the source tree.

Every sink is started with a bounded lifetime (--max-seconds) and the test's
pid as --parent-pid, so it stops by itself if the test dies; sinks still
running when the test ends are stopped by pid in an END block.

=cut

package FlowpgTest;

use strict;
use warnings;

use Encode ();
use Exporter 'import';
use File::Basename qw(dirname);
use File::Spec;
use IPC::Run ();
use JSON::PP ();
use POSIX ();
use Time::HiRes qw(usleep);

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;

our @EXPORT = qw(
  flowpg_src flowpg_node
  start_http_sink start_smtp_sink
  poll_until read_jsonl make_tls_cert
  build_http_driver run_driver free_port
);

# sinks started and not yet stopped, by pid
my %running_sinks;

=pod

=head1 FUNCTIONS

=over

=item flowpg_src()

The flowpg source tree: FLOWPG_SRC (set by test/run), else two levels above
this module.

=cut

sub flowpg_src
{
	return $ENV{FLOWPG_SRC}
	  // File::Spec->rel2abs(dirname(__FILE__) . '/../..');
}

=pod

=item flowpg_node(NAME, conf => [LINES], no_extension => 1, init => {OPTIONS})

Create and start a node with shared_preload_libraries = 'flowpg',
flowpg.database_name = 'postgres' and flowpg.allow_local_targets = on (the
test sinks are on loopback), plus any extra postgresql.conf lines (later
lines win: conf => ['flowpg.allow_local_targets = off'] turns it off),
and run CREATE EXTENSION flowpg in the postgres database unless told not to.
INIT is passed to PostgreSQL::Test::Cluster's init (allows_streaming => 1
for a primary with standbys).

=cut

sub flowpg_node
{
	my ($name, %opts) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name);
	$node->init(%{ $opts{init} // {} });
	$node->append_conf('postgresql.conf',
		join("\n",
			"shared_preload_libraries = 'flowpg'",
			"flowpg.database_name = 'postgres'",
			# the sinks are on loopback, which the worker refuses by default
			"flowpg.allow_local_targets = on",
			@{ $opts{conf} // [] })
		  . "\n");
	$node->start;
	$node->safe_psql('postgres', 'CREATE EXTENSION flowpg')
	  unless $opts{no_extension};
	return $node;
}

=pod

=item poll_until(CODE, TIMEOUT_SECONDS = 10, INTERVAL_SECONDS = 0.05)

Call CODE until it returns a true value, at most TIMEOUT_SECONDS; return
that value, or undef on timeout.

=cut

sub poll_until
{
	my ($code, $timeout, $interval) = @_;
	$timeout //= 10;
	$interval //= 0.05;
	my $deadline = Time::HiRes::time() + $timeout;
	while (1)
	{
		my $v = $code->();
		return $v if $v;
		return undef if Time::HiRes::time() >= $deadline;
		usleep(int($interval * 1e6));
	}
}

=pod

=item read_jsonl(PATH)

The complete JSON lines of a file, decoded (UTF-8), as a list reference.
A last line without its newline (being written) is left out.

=cut

sub read_jsonl
{
	my ($path) = @_;
	my @out;
	open(my $fh, '<:raw', $path) or return \@out;
	my $json = JSON::PP->new->utf8;
	while (my $line = <$fh>)
	{
		last unless $line =~ /\n\z/;
		push @out, $json->decode($line);
	}
	close $fh;
	return \@out;
}

=pod

=item free_port()

A loopback TCP port that nothing listens on (bound, then closed): for
connection-refused tests.

=cut

sub free_port
{
	require IO::Socket::INET;
	my $s = IO::Socket::INET->new(
		LocalAddr => '127.0.0.1',
		LocalPort => 0,
		Proto => 'tcp',
		Listen => 1) or die "cannot bind: $!";
	my $port = $s->sockport;
	close $s;
	return $port;
}

=pod

=item make_tls_cert(DIR)

A self-signed certificate for 127.0.0.1 and localhost, made with the openssl
command: returns (cert path, key path).  The certificate is its own CA, so a
client trusts it with --ca / CURLOPT_CAINFO.

=cut

sub make_tls_cert
{
	my ($dir) = @_;
	my $cert = "$dir/cert.pem";
	my $key = "$dir/key.pem";
	my ($out, $err);
	IPC::Run::run(
		[
			'openssl', 'req', '-x509', '-newkey', 'ec',
			'-pkeyopt', 'ec_paramgen_curve:prime256v1',
			'-nodes', '-keyout', $key, '-out', $cert, '-days', '2',
			'-subj', '/CN=127.0.0.1',
			'-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'
		],
		'>', \$out, '2>', \$err, IPC::Run::timeout(60))
	  or die "openssl req failed: $err";
	return ($cert, $key);
}

# Start a sink script with the common options; wait for its port file.
sub _start_sink
{
	my ($kind, @args) = @_;
	my $script = flowpg_src() . "/test/fixtures/${kind}_sink.py";
	my $dir = PostgreSQL::Test::Utils::tempdir("${kind}_sink");
	my $port_file = "$dir/port";
	my $log = "$dir/log.jsonl";
	my $out = "$dir/sink.out";
	my $parent = $$;

	my $pid = fork();
	die "fork failed: $!" unless defined $pid;
	if ($pid == 0)
	{
		open(STDIN, '<', '/dev/null');
		open(STDOUT, '>', $out);
		open(STDERR, '>&', \*STDOUT);
		exec('python3', $script, '--port-file', $port_file, '--log', $log,
			'--parent-pid', $parent, @args);
		# never run the parent's END blocks (they stop nodes and sinks)
		POSIX::_exit(127);
	}
	my $sink = FlowpgTest::Sink->_new(
		kind => $kind,
		pid => $pid,
		dir => $dir,
		log => $log,
		out => $out);
	$running_sinks{$pid} = $sink;
	my $ok = poll_until(
		sub {
			return 1 if -s $port_file;
			# gone before writing its port: report, do not wait
			return -1 if waitpid($pid, POSIX::WNOHANG()) == $pid;
			return 0;
		},
		30);
	if (!$ok || $ok == -1)
	{
		delete $running_sinks{$pid} if $ok && $ok == -1;
		my $text = slurp_file($out);
		$sink->stop;
		die "$kind sink did not start: $text";
	}
	open(my $fh, '<', $port_file) or die "cannot read $port_file: $!";
	my $port = <$fh>;
	close $fh;
	chomp $port;
	$sink->{port} = $port;
	return $sink;
}

=pod

=item start_http_sink(max_seconds => 300, tls_cert => PATH, tls_key => PATH)

Start test/fixtures/http_sink.py.  Returns a FlowpgTest::Sink.

=cut

sub start_http_sink
{
	my (%o) = @_;
	my @args = ('--max-seconds', $o{max_seconds} // 300);
	push @args, '--tls-cert', $o{tls_cert}, '--tls-key', $o{tls_key}
	  if $o{tls_cert};
	return _start_sink('http', @args);
}

=pod

=item start_smtp_sink(max_seconds => 300, tls_cert, tls_key, starttls => 1, require_tls => 1, smtps => 1, auth_user, auth_pass, auth_mechs => 'PLAIN LOGIN', require_auth => 1, reject_rcpt => SUBSTR)

Start test/fixtures/smtp_sink.py.  Returns a FlowpgTest::Sink.

=cut

sub start_smtp_sink
{
	my (%o) = @_;
	my @args = ('--max-seconds', $o{max_seconds} // 300);
	push @args, '--tls-cert', $o{tls_cert}, '--tls-key', $o{tls_key}
	  if $o{tls_cert};
	push @args, '--starttls' if $o{starttls};
	push @args, '--require-tls' if $o{require_tls};
	push @args, '--smtps' if $o{smtps};
	push @args, '--auth-user', $o{auth_user}, '--auth-pass', $o{auth_pass} // ''
	  if defined $o{auth_user};
	push @args, '--auth-mechs', $o{auth_mechs} if $o{auth_mechs};
	push @args, '--require-auth' if $o{require_auth};
	push @args, '--reject-rcpt', $o{reject_rcpt} if $o{reject_rcpt};
	return _start_sink('smtp', @args);
}

=pod

=item build_http_driver(sanitize => 1)

Compile test/unit/http_driver.c with src/base/http.c, src/base/http_local.c, src/base/mail.c and src/base/fpmem.c
(outside the extension) into a temporary directory and return its path.
With sanitize, AddressSanitizer and UndefinedBehaviorSanitizer are on; when
that build or a trial run fails (some sandboxes forbid LeakSanitizer), the
plain build is returned and the second value says why.

=cut

sub build_http_driver
{
	my (%o) = @_;
	my $src = flowpg_src();
	my $dir = PostgreSQL::Test::Utils::tempdir('http_driver');
	my @files = map { "$src/$_" }
	  qw(test/unit/http_driver.c src/base/http.c src/base/http_local.c src/base/mail.c src/base/fpmem.c);
	my @base = ($ENV{CC} // 'cc', '-std=gnu99', '-Wall', '-Wextra', '-Werror',
		map { "-I$_" } glob("$src/src/*/"));
	my ($out, $err);
	if ($o{sanitize})
	{
		my $bin = "$dir/http_driver_asan";
		my $built = IPC::Run::run(
			[
				@base, '-g', '-O1', '-fsanitize=address,undefined',
				'-fno-omit-frame-pointer', @files, '-lcurl', '-o', $bin
			],
			'>', \$out, '2>', \$err, IPC::Run::timeout(300));
		if ($built)
		{
			# a trial that allocates and frees: LeakSanitizer must be able to run
			local $ENV{ASAN_OPTIONS} = 'detect_leaks=1';
			my ($tout, $terr);
			return ($bin, undef)
			  if IPC::Run::run([ $bin, 'addresses', 'a@b.org' ],
				'>', \$tout, '2>', \$terr, IPC::Run::timeout(60));
			$err = $terr;
		}
		my $why = "sanitizer build unusable: $err";
		my $plain = build_http_driver();
		return ($plain, $why);
	}
	my $bin = "$dir/http_driver";
	IPC::Run::run([ @base, '-O2', @files, '-lcurl', '-o', $bin ],
		'>', \$out, '2>', \$err, IPC::Run::timeout(300))
	  or die "cannot build the HTTP driver:\n$err";
	return $bin;
}

=pod

=item run_driver(BIN, ARGS...)

Run the driver (arguments given as Perl character strings are passed as
UTF-8) with a 180 s limit.  Returns a hash reference: exit (status),
lines (decoded JSON output lines), summary (the summary line, if any),
results (result lines sorted by tag), stdout, stderr.

=cut

sub run_driver
{
	my ($bin, @args) = @_;
	my @argv = map { utf8::is_utf8($_) ? Encode::encode_utf8($_) : $_ } @args;
	my ($out, $err) = ('', '');
	local $ENV{ASAN_OPTIONS} = 'detect_leaks=1';
	IPC::Run::run([ $bin, @argv ], '>', \$out, '2>', \$err,
		IPC::Run::timeout(180));
	my $status = $? >> 8;
	my $json = JSON::PP->new;
	my (@lines, $summary, @results);
	for my $line (split /\n/, $out)
	{
		next unless $line =~ /^\{/;
		my $v = eval { $json->decode($line) };
		next unless $v;
		push @lines, $v;
		if ($v->{summary}) { $summary = $v; }
		elsif (exists $v->{outcome}) { push @results, $v; }
	}
	@results = sort { $a->{tag} <=> $b->{tag} } @results;
	return {
		exit => $status,
		lines => \@lines,
		summary => $summary,
		results => \@results,
		stdout => $out,
		stderr => $err
	};
}

# Stop every sink still running, by pid, keeping the test's exit status.
END
{
	local $?;
	$_->stop for values %running_sinks;
}

=pod

=back

=cut

package FlowpgTest::Sink;

use strict;
use warnings;

use POSIX ();
use Time::HiRes qw(usleep);

=pod

=head1 FlowpgTest::Sink

Fields: kind, pid, port, dir, log.  Methods:

=over

=item url(PATH)

"http://127.0.0.1:PORT" followed by PATH.

=item records()

The JSON lines recorded so far (requests, or messages and auth events),
decoded.

=item messages()

For an SMTP sink: the recorded messages only.

=item stop()

SIGTERM, then SIGKILL after 5 seconds; waits for the process.  Idempotent.

=back

=cut

sub _new
{
	my ($class, %f) = @_;
	return bless {%f}, $class;
}

sub port { return $_[0]{port} }
sub pid { return $_[0]{pid} }
sub log { return $_[0]{log} }
sub dir { return $_[0]{dir} }

sub url
{
	my ($self, $path) = @_;
	return "http://127.0.0.1:$self->{port}" . ($path // '/');
}

sub records
{
	my ($self) = @_;
	return FlowpgTest::read_jsonl($self->{log});
}

sub messages
{
	my ($self) = @_;
	return [ grep { ($_->{kind} // '') eq 'message' } @{ $self->records } ];
}

sub stop
{
	my ($self) = @_;
	my $pid = $self->{pid};
	return if !$pid || $self->{stopped};
	local $?;
	kill 'TERM', $pid;
	my $gone = FlowpgTest::poll_until(
		sub { waitpid($pid, POSIX::WNOHANG()) == $pid || !kill(0, $pid) }, 5);
	if (!$gone)
	{
		kill 'KILL', $pid;
		waitpid($pid, 0);
	}
	$self->{stopped} = 1;
	delete $running_sinks{$pid};
	return;
}

1;
