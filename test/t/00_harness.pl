
# The TAP harness itself: a node with flowpg preloaded and the extension
# created, and the loopback sinks starting, recording and stopping by pid.

use strict;
use warnings;

use FlowpgTest;
use POSIX ();
use Test::More;

my $node = flowpg_node('harness');
is($node->safe_psql('postgres', 'SHOW shared_preload_libraries'),
	'flowpg', 'flowpg is preloaded');
is($node->safe_psql('postgres', 'SHOW flowpg.database_name'),
	'postgres', 'worker database is postgres');
is( $node->safe_psql(
		'postgres', "SELECT count(*) FROM pg_extension WHERE extname = 'flowpg'"),
	'1',
	'extension created');

my $http = start_http_sink(max_seconds => 60);
ok($http->port > 0, 'HTTP sink wrote its port');
ok(kill(0, $http->pid), 'HTTP sink runs');
my $smtp = start_smtp_sink(max_seconds => 60);
ok($smtp->port > 0, 'SMTP sink wrote its port');

# one request by hand, with Perl's own HTTP client, to check the log format
require HTTP::Tiny;
my $res = HTTP::Tiny->new(timeout => 10)
  ->post($http->url('/status/201?x=1'),
	{ content => '{"a":1}', headers => { 'Content-Type' => 'application/json' } });
is($res->{status}, 201, 'sink answers with the status the path asks for');
my $recs = poll_until(sub { my $r = $http->records; @$r ? $r : undef }, 10);
ok($recs, 'request recorded');
is($recs->[0]{method}, 'POST', 'method recorded');
is($recs->[0]{body}, '{"a":1}', 'body recorded');
is_deeply($recs->[0]{query}, { x => ['1'] }, 'query recorded');

# the sinks stop by pid, and stay stopped
my ($hpid, $spid) = ($http->pid, $smtp->pid);
$http->stop;
$smtp->stop;
ok(!kill(0, $hpid), 'HTTP sink stopped');
ok(!kill(0, $spid), 'SMTP sink stopped');

# a sink stops by itself when its lifetime ends
my $short = start_http_sink(max_seconds => 1);
my $spid2 = $short->pid;
ok(poll_until(sub { waitpid($spid2, POSIX::WNOHANG()) == $spid2 }, 10),
	'sink stops by itself after --max-seconds');
$short->{stopped} = 1;

ok(!poll_until(sub { 0 }, 0.2), 'poll_until gives up after its timeout');

$node->stop;
done_testing();
