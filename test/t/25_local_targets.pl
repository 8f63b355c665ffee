
# Issue 11, findings 10 and 6: what a DEPLOY holder may make the worker
# connect to, and for how long.
#
# flowpg.allow_local_targets off: the worker refuses to connect to loopback,
# link-local and unspecified addresses (IPv4, IPv6 and IPv4-mapped IPv6),
# judged by the address libcurl is about to connect to, so a name
# (localhost) and a redirect from an allowed host are refused too; the task
# run fails naming the address and the setting, and the sink receives
# nothing.  Turned on (reload), the same sends arrive; turned off again, a
# connection libcurl kept open to the sink is not reused.  (Which addresses
# count as local, edge by edge, is test/unit/http_local_test.c.)
#
# flowpg.max_request_timeout: a task's `timeout` above it runs with the cap,
# and its log says so (HTTP Request and MailSend, against a socket that
# accepts and never answers; the waits are bounded).

use strict;
use warnings;

use FlowpgFlows;
use FlowpgTest;
use IO::Socket::INET;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes ();

# every test cluster allows local targets (flowpg_node): this one turns it off
my $node = flowpg_node('local', conf => ['flowpg.allow_local_targets = off']);
wait_worker($node);
my $http = start_http_sink();
my $smtp = start_smtp_sink();
my $port = $http->port;

# psql, not safe_psql: without the setting the test goes on and shows what is sent
my $shown = '';
$node->psql('postgres', 'SHOW flowpg.allow_local_targets', stdout => \$shown);
is($shown, 'off',
	'the setting exists and is off here');
is( $node->safe_psql('postgres',
		"SELECT boot_val || '|' || context FROM pg_settings WHERE name = 'flowpg.allow_local_targets'"),
	'off|sighup',
	'off by default, changed by a reload');

deploy(
	$node, q{
id: send
namespace: net
inputs:
  - id: uri
    type: STRING
tasks:
  - id: call
    type: io.kestra.plugin.core.http.Request
    uri: "{{ inputs.uri }}"
});
deploy(
	$node, q{
id: hook
namespace: net
inputs:
  - id: url
    type: STRING
tasks:
  - id: slack
    type: io.kestra.plugin.notifications.slack.SlackIncomingWebhook
    url: "{{ inputs.url }}"
    messageText: hello
});
deploy(
	$node, q{
id: mail
namespace: net
inputs:
  - id: host
    type: STRING
  - id: port
    type: INT
tasks:
  - id: mail
    type: io.kestra.plugin.notifications.mail.MailSend
    host: "{{ inputs.host }}"
    port: "{{ inputs.port }}"
    transportStrategy: SMTP
    from: flows@example.org
    to: ann@example.org
    subject: local
    plainTextContent: hello
});

# Run flow with inputs; return its state and its log.
sub run_flow
{
	my ($flow, $task, $inputs) = @_;
	my $id = start_flow($node, 'net', $flow, $inputs);
	my $state = wait_state($node, $id);
	return ($state, join("\n", logs($node, $id)));
}

my @cases = (
	[ 'Request to 127.0.0.1', 'send', 'call', { uri => "http://127.0.0.1:$port/req/ip" },
		qr/127\.0\.0\.1/ ],
	[ 'Request to localhost', 'send', 'call', { uri => "http://localhost:$port/req/name" },
		qr/127\.0\.0\.1|::1/ ],
	[ 'Request to [::ffff:127.0.0.1]', 'send', 'call',
		{ uri => "http://[::ffff:127.0.0.1]:$port/req/mapped" }, qr/::ffff:127\.0\.0\.1/ ],
	[ 'Request to 0.0.0.0', 'send', 'call', { uri => "http://0.0.0.0:$port/req/any" },
		qr/0\.0\.0\.0/ ],
	[ 'Request to a loopback address other than .1', 'send', 'call',
		{ uri => "http://127.1.2.3:$port/req/other" }, qr/127\.1\.2\.3/ ],
	[ 'webhook to 127.0.0.1', 'hook', 'slack', { url => "http://127.0.0.1:$port/hook/ip" },
		qr/127\.0\.0\.1/ ],
	[ 'webhook to localhost', 'hook', 'slack', { url => "http://localhost:$port/hook/name" },
		qr/127\.0\.0\.1|::1/ ],
	[ 'mail to 127.0.0.1', 'mail', 'mail', { host => '127.0.0.1', port => $smtp->port },
		qr/127\.0\.0\.1/ ],
	[ 'mail to localhost', 'mail', 'mail', { host => 'localhost', port => $smtp->port },
		qr/127\.0\.0\.1|::1/ ],);

for my $c (@cases)
{
	my ($what, $flow, $task, $inputs, $addr) = @$c;
	my ($state, $log) = run_flow($flow, $task, $inputs);
	is($state, 'FAILED', "off: $what fails");
	note($log);
	like($log, qr/refused to connect to local address .*: flowpg\.allow_local_targets is off/,
		"off: $what: the log says why, naming the setting");
	like($log, $addr, "off: $what: and the address");
}
is(scalar(@{ $http->records }), 0, 'off: the HTTP sink received nothing');
is(scalar(@{ $smtp->records }), 0, 'off: the SMTP sink received nothing (no message, no login)');

# --- on (reload): the same sends arrive ------------------------------------------
$node->safe_psql('postgres', 'ALTER SYSTEM SET flowpg.allow_local_targets = on');
$node->safe_psql('postgres', 'SELECT pg_reload_conf()');
ok( poll_until(
		sub { $node->safe_psql('postgres', 'SHOW flowpg.allow_local_targets') eq 'on' }, 10),
	'reloaded');
# the worker reads the reloaded file at its next wake-up: give it one
Time::HiRes::sleep(0.5);

for my $c (
	[ 'Request to 127.0.0.1', 'send', 'call', { uri => "http://127.0.0.1:$port/req/ip" } ],
	[ 'Request to localhost', 'send', 'call', { uri => "http://localhost:$port/req/name" } ],
	[ 'webhook to 127.0.0.1', 'hook', 'slack', { url => "http://127.0.0.1:$port/hook/ip" } ],
	[ 'webhook to localhost', 'hook', 'slack', { url => "http://localhost:$port/hook/name" } ],
	[ 'mail to 127.0.0.1', 'mail', 'mail', { host => '127.0.0.1', port => $smtp->port } ])
{
	my ($what, $flow, $task, $inputs) = @$c;
	my ($state, $log) = run_flow($flow, $task, $inputs);
	is($state, 'SUCCESS', "on: $what succeeds") or diag($log);
}
my @paths = sort map { $_->{path} } @{ $http->records };
is_deeply(\@paths, [ sort qw(/req/ip /req/name /hook/ip /hook/name) ],
	'on: the sink received each HTTP send once');
is(scalar(@{ $smtp->messages }), 1, 'on: the SMTP sink received the mail');

# --- flowpg.max_request_timeout caps a task's timeout ------------------------------
is($node->safe_psql('postgres',
		"SELECT boot_val || unit || '|' || context FROM pg_settings WHERE name = 'flowpg.max_request_timeout'"),
	'300s|sighup', 'max_request_timeout: 300 s by default, changed by a reload');
$node->safe_psql('postgres', "ALTER SYSTEM SET flowpg.max_request_timeout = '2s'");
$node->safe_psql('postgres', 'SELECT pg_reload_conf()');
ok( poll_until(
		sub { $node->safe_psql('postgres', 'SHOW flowpg.max_request_timeout') eq '2s' }, 10),
	'cap set to 2 s');
Time::HiRes::sleep(0.5);

# a server that accepts connections (the kernel's backlog) and never answers
my $silent = IO::Socket::INET->new(
	LocalAddr => '127.0.0.1',
	LocalPort => 0,
	Listen => 16,
	Proto => 'tcp') or die "cannot listen: $!";
my $silent_port = $silent->sockport;
deploy(
	$node, q{
id: slow
namespace: net
inputs:
  - id: uri
    type: STRING
tasks:
  - id: call
    type: io.kestra.plugin.core.http.Request
    uri: "{{ inputs.uri }}"
    timeout: PT1H
});
my $t0 = Time::HiRes::time();
my $id = start_flow($node, 'net', 'slow', { uri => "http://127.0.0.1:$silent_port/never" });
# bounded: 30 s at most, where the task's own timeout would be an hour
is(wait_state($node, $id, TIMEOUT => 30), 'FAILED', 'timeout PT1H under a 2 s cap fails');
my $took = Time::HiRes::time() - $t0;
ok($took < 20, sprintf('within a bounded time (%.1f s)', $took));
my $log = join("\n", logs($node, $id));
like($log, qr/timed out/, 'as a timeout');
like($log, qr/timeout PT1H is above flowpg\.max_request_timeout \(2 s\): the request runs with 2 s/,
	'the log says the cap applied');

# a mail task's timeout is capped the same way
my $silent_mail = IO::Socket::INET->new(
	LocalAddr => '127.0.0.1',
	LocalPort => 0,
	Listen => 16,
	Proto => 'tcp') or die "cannot listen: $!";
deploy(
	$node, q{
id: slow_mail
namespace: net
inputs:
  - id: port
    type: INT
tasks:
  - id: mail
    type: io.kestra.plugin.notifications.mail.MailSend
    host: 127.0.0.1
    port: "{{ inputs.port }}"
    transportStrategy: SMTP
    from: flows@example.org
    to: ann@example.org
    subject: slow
    plainTextContent: hello
    timeout: PT1H
});
$t0 = Time::HiRes::time();
$id = start_flow($node, 'net', 'slow_mail', { port => $silent_mail->sockport });
is(wait_state($node, $id, TIMEOUT => 30), 'FAILED', 'mail: timeout PT1H under a 2 s cap fails');
$took = Time::HiRes::time() - $t0;
ok($took < 20, sprintf('mail: within a bounded time (%.1f s)', $took));
like(join("\n", logs($node, $id)), qr/above flowpg\.max_request_timeout/, 'mail: the log says so');

# a timeout under the cap is kept as it is: no line about the cap
deploy(
	$node, q{
id: quick
namespace: net
inputs:
  - id: uri
    type: STRING
tasks:
  - id: call
    type: io.kestra.plugin.core.http.Request
    uri: "{{ inputs.uri }}"
    timeout: PT1S
});
$id = start_flow($node, 'net', 'quick', { uri => "http://127.0.0.1:$silent_port/quick" });
is(wait_state($node, $id, TIMEOUT => 30), 'FAILED', 'a timeout under the cap still applies');
unlike(join("\n", logs($node, $id)), qr/max_request_timeout/, 'and nothing is said about the cap');

close($silent);
close($silent_mail);

# --- turned off again: a connection kept open from before is not reused ----------
# The worker's libcurl keeps the connection of a finished request open for the
# next one to the same host and port; a new connection would be refused where
# it opens, a kept one is checked before the request goes out on it.
my ($state) = run_flow('send', 'call', { uri => "http://127.0.0.1:$port/reuse/on" });
is($state, 'SUCCESS', 'on: a request opens a connection to the sink');
$node->safe_psql('postgres', 'ALTER SYSTEM SET flowpg.allow_local_targets = off');
$node->safe_psql('postgres', 'SELECT pg_reload_conf()');
ok( poll_until(
		sub { $node->safe_psql('postgres', 'SHOW flowpg.allow_local_targets') eq 'off' }, 10),
	'turned off again');
Time::HiRes::sleep(0.5);
($state, $log) = run_flow('send', 'call', { uri => "http://127.0.0.1:$port/reuse/off" });
is($state, 'FAILED', 'off again: the same host and port are refused');
like($log, qr/refused to connect to local address 127\.0\.0\.1 \(loopback\): flowpg\.allow_local_targets is off/,
	'off again: the log says why');
is(scalar(grep { $_->{path} eq '/reuse/off' } @{ $http->records }), 0,
	'off again: nothing went out on the kept connection');
is(scalar(grep { $_->{path} eq '/reuse/on' } @{ $http->records }), 1,
	'(the earlier request did arrive)');

done_testing();
