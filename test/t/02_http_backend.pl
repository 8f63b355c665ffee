
# The server side of the HTTP engine (src/base/http_backend.c) inside a real
# background worker: test/modules/http_engine_bgw, a test-only module built
# here and never installed with flowpg, drives the engine as flowpg's worker
# will (memory in the "flowpg http engine" context, WaitLatchOrSocket on
# the latch and the engine's descriptor, CHECK_FOR_INTERRUPTS between
# steps).  Checks results, overlap, memory returned, and that a request
# still in flight does not delay a fast shutdown.

use strict;
use warnings;

use File::Copy qw(copy);
use FlowpgTest;
use IPC::Run ();
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes ();

# pg_config of the installed PostgreSQL (with headers), not the private copy's
my ($sys_pg_config) = grep { -x $_ }
  map { "$_/pg_config" }
  grep { !defined $ENV{PGBIN} || $_ ne $ENV{PGBIN} } split /:/, $ENV{PATH};
my $pkglibdir = `pg_config --pkglibdir`;
chomp $pkglibdir;
plan skip_all => 'needs the private PostgreSQL copy of test/run (PGBIN) and pg_config'
  unless $ENV{PGBIN} && $sys_pg_config && -w $pkglibdir;

# build the module in a temporary directory, install it into the private copy
my $build = PostgreSQL::Test::Utils::tempdir('bgw_build');
my $moddir = flowpg_src() . '/test/modules/http_engine_bgw';
copy("$moddir/$_", "$build/$_") or die "copy $_: $!"
  for qw(Makefile http_engine_bgw.c);
my ($out, $err);
my $built = IPC::Run::run(
	[
		'make', '-C', $build, '-s', 'with_llvm=no',
		'FLOWPG_SRC=' . flowpg_src(), "PG_CONFIG=$sys_pg_config"
	],
	'>', \$out, '2>', \$err, IPC::Run::timeout(300));
ok($built, 'test module built') or diag("$out\n$err");
copy("$build/http_engine_bgw.so", "$pkglibdir/http_engine_bgw.so")
  or die "cannot install the test module: $!";

my $http = start_http_sink();
my $count = 40;
my $node = PostgreSQL::Test::Cluster->new('bgw');
$node->init;
$node->append_conf(
	'postgresql.conf', qq{
shared_preload_libraries = 'http_engine_bgw'
http_engine_bgw.url = '@{[ $http->url('/delay/100?bytes=300000') ]}'
http_engine_bgw.hang_url = '@{[ $http->url('/hang?delay=60000') ]}'
http_engine_bgw.count = $count
http_engine_bgw.max_in_flight = 8
});
$node->start;

my $log = sub { slurp_file($node->logfile) };
my $all = poll_until(sub { $log->() =~ /http_engine_bgw: all $count results in (\d+) ms, (\d+) running, engine context holds (\d+) bytes/ ? [ $1, $2, $3 ] : undef }, 60);
ok($all, 'worker got every result') or diag($log->());
$all //= [ 0, 0, 0 ];
my @results = $log->() =~ /http_engine_bgw: result tag=(\d+) outcome=(\w+) code=(\d+) body_len=(\d+) truncated=(\d)/g;
my $n = @results / 5;
is($n, $count, "$count result lines");
my %ok;
for (my $i = 0; $i < @results; $i += 5)
{
	$ok{ $results[$i] } = 1
	  if $results[ $i + 1 ] eq 'done' && $results[ $i + 2 ] == 200 && $results[ $i + 3 ] == 300000;
}
is(scalar(keys %ok), $count, 'every request done, status 200, 300 kB body');
like($log->(), qr/engine context "flowpg http engine"/, 'engine memory in its named context');
is($all->[1], 1, 'the hanging request is still running');
ok($all->[0] >= 450 && $all->[0] < 5000,
	"$count x 100 ms at 8 in flight took $all->[0] ms (5 rounds: ~500 ms)");
ok($all->[2] < 1024 * 1024,
	"freed results returned their memory (context holds $all->[2] bytes after $count x 300 kB)");
diag("backend worker: $count x 100 ms in $all->[0] ms; engine context $all->[2] bytes");

my @reqs = grep { $_->{path} eq '/delay/100' } @{ $http->records };
is(scalar(@reqs), $count, 'sink saw every request');
my %hdr = map {
	my $h = $_->{headers};
	my ($v) = map { $_->[1] } grep { lc($_->[0]) eq 'flowpg-task-run' } @$h;
	($v // '') => 1
} @reqs;
ok($hdr{'test-run/0'} && $hdr{ 'test-run/' . ($count - 1) }, 'Flowpg-Task-Run headers sent');
ok((grep { $_->{in_flight} > 9 } @reqs) == 0, 'never more than max_in_flight (+ the hanging one) at once');

# a fast shutdown must not wait for the request still in flight (60 s)
my $t0 = Time::HiRes::time();
$node->stop('fast');
my $took = Time::HiRes::time() - $t0;
ok($took < 10, sprintf('fast shutdown with a request in flight took %.1f s', $took));
like($log->(), qr/http_engine_bgw: shutting down with 1 running/,
	'worker saw the shutdown request between engine steps');

# more slots than the process has descriptors for: lowered, with a warning
$node->append_conf(
	'postgresql.conf', qq{
http_engine_bgw.count = 0
http_engine_bgw.hang_url = ''
http_engine_bgw.max_in_flight = 5000
});
$node->start;
ok( poll_until(
		sub {
			$log->() =~ /WARNING:  flowpg sends at most (\d+) requests at once, not 5000/
			  ? $1 : undef;
		},
		30),
	'max_in_flight beyond the descriptors available is lowered with a warning'
) or diag($log->());
$node->stop('fast');

$http->stop;
done_testing();
