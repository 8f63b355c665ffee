
# The background worker sending HTTP tasks (SPEC sections 5 and 9):
# core.http.Request with every way of giving a body, Slack and Teams
# webhooks, the Flowpg-Task-Run header, outputs, failures (HTTP 500 with and
# without allowFailed, connection refused, a timeout), bodies over 1 MiB,
# retries with their attempt numbers, and secrets kept out of what is stored.

use strict;
use warnings;

use FlowpgFlows;
use FlowpgTest;
use JSON::PP ();
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes ();

my $node = flowpg_node('http');
my $http = start_http_sink();
my $base = $http->url('');
# sink records are decoded already: their bodies are character strings
my $json = JSON::PP->new->canonical;

# the worker is there, connected, under its name
my $pid = wait_worker($node);
ok($pid, 'the worker is connected to the database');
is( $node->safe_psql(
		'postgres',
		"SELECT backend_type || '|' || application_name FROM pg_stat_activity WHERE pid = $pid"),
	'flowpg worker|flowpg worker',
	'pg_stat_activity shows it as flowpg worker');

# The sink records of one execution, by path prefix.
sub records_for
{
	my ($prefix, $count) = @_;
	my $recs;
	poll_until(
		sub {
			$recs = [ grep { index($_->{path}, $prefix) == 0 } @{ $http->records } ];
			return @$recs >= $count;
		},
		20);
	return $recs;
}

# --- Request: JSON body, headers, outputs -------------------------------------
deploy(
	$node, qq{
id: post_json
namespace: web
inputs:
  - id: name
    type: STRING
tasks:
  - id: post
    type: io.kestra.plugin.core.http.Request
    uri: "$base/json/{{ inputs.name }}"
    method: POST
    headers:
      X-Request-Name: "{{ inputs.name | upper }}"
      Flowpg-Task-Run: forged
    body: |
      {"name": "{{ inputs.name }}", "n": 3}
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: "code {{ outputs.post.code }} type {{ outputs.post.headers['Content-Type'][0] }}"
});
my $id = start_flow($node, 'web', 'post_json', { name => 'ada' });
is(wait_state($node, $id), 'SUCCESS', 'Request with a JSON body succeeds');
my ($rec) = @{ records_for('/json/ada', 1) };
is($rec->{method}, 'POST', 'method POST');
is(header($rec, 'Content-Type'), 'application/json', 'contentType defaults to application/json');
is(header($rec, 'X-Request-Name'), 'ADA', 'rendered header sent');
is_deeply($json->decode($rec->{body}), { name => 'ada', n => 3 }, 'rendered JSON body sent');
my $runs = task_runs($node, $id);
is(header($rec, 'Flowpg-Task-Run'), "$runs->{post}{id}/1",
	'Flowpg-Task-Run is <task run id>/<attempt>, and a flow cannot forge it');
is($runs->{post}{outputs}{code}, 200, 'output code');
is($runs->{post}{outputs}{uri}, "$base/json/ada", 'output uri');
is($json->decode($runs->{post}{outputs}{body})->{path}, '/json/ada', 'output body');
is_deeply($runs->{post}{outputs}{headers}{'Content-Type'}, ['application/json'],
	'output headers: name => list of values');
is(scalar(@{ $runs->{post}{attempts} }), 1, 'one attempt');
is_deeply([ logs($node, $id) ], ['INFO after: code 200 type application/json'],
	'the next task sees the outputs');

# --- methods, URL-encoded and multipart forms ----------------------------------
deploy(
	$node, qq{
id: forms
namespace: web
tasks:
  - id: put_form
    type: io.kestra.plugin.core.http.Request
    uri: "$base/form/put"
    method: PUT
    formData:
      a: "1 & 2"
      b: "é"
  - id: multipart
    type: io.kestra.plugin.core.http.Request
    uri: "$base/form/multi"
    method: POST
    contentType: multipart/form-data
    formData:
      zeta: last
      alpha: "{{ flow.id }}"
      count: 42
  - id: get
    type: io.kestra.plugin.core.http.Request
    uri: "$base/form/get?x=1"
  - id: patch
    type: io.kestra.plugin.core.http.Request
    uri: "$base/form/patch"
    method: PATCH
    contentType: text/plain
    body: plain text
  - id: delete
    type: io.kestra.plugin.core.http.Request
    uri: "$base/form/delete"
    method: DELETE
  - id: head
    type: io.kestra.plugin.core.http.Request
    uri: "$base/form/head"
    method: HEAD
});
$id = start_flow($node, 'web', 'forms');
is(wait_state($node, $id), 'SUCCESS', 'methods and forms succeed');
my %by = map { $_->{path} => $_ } @{ records_for('/form/', 6) };
is($by{'/form/put'}{method}, 'PUT', 'PUT');
is(header($by{'/form/put'}, 'Content-Type'), 'application/x-www-form-urlencoded',
	'formData is URL-encoded by default');
is_deeply($by{'/form/put'}{form}, { a => ['1 & 2'], b => ["\x{e9}"] }, 'URL-encoded fields');
like(header($by{'/form/multi'}, 'Content-Type'), qr{^multipart/form-data; boundary=},
	'multipart when contentType says so');
is_deeply(
	{ map { $_->{name} => $_->{value} } @{ $by{'/form/multi'}{parts} } },
	{ zeta => 'last', alpha => 'forms', count => '42' },
	'multipart parts rendered');
is(scalar(@{ $by{'/form/multi'}{parts} }), 3, 'one part per field');
is($by{'/form/get'}{method}, 'GET', 'GET by default');
is_deeply($by{'/form/get'}{query}, { x => ['1'] }, 'query string kept');
is($by{'/form/patch'}{method} . ' ' . $by{'/form/patch'}{body}, 'PATCH plain text', 'PATCH with a body');
is(header($by{'/form/patch'}, 'Content-Type'), 'text/plain', 'contentType sent');
is($by{'/form/delete'}{method}, 'DELETE', 'DELETE');
is($by{'/form/head'}{method}, 'HEAD', 'HEAD');

# --- failures --------------------------------------------------------------------
my $refused = free_port();
deploy(
	$node, qq{
id: fails
namespace: web
inputs:
  - id: uri
    type: STRING
  - id: allow
    type: BOOLEAN
    defaults: false
tasks:
  - id: call
    type: io.kestra.plugin.core.http.Request
    uri: "{{ inputs.uri }}"
    timeout: PT1S
    options:
      allowFailed: "{{ inputs.allow }}"
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: "after {{ outputs.call.code }}"
});

$id = start_flow($node, 'web', 'fails', { uri => "$base/status/500?bytes=3000" });
is(wait_state($node, $id), 'FAILED', 'HTTP 500 fails the task run and the execution');
$runs = task_runs($node, $id);
is($runs->{call}{state}, 'FAILED', 'task run FAILED');
is($runs->{call}{outputs}{code}, 500, 'the code is still an output');
ok(!exists $runs->{after}, 'nothing after the failed task ran');
my ($err) = grep { /^ERROR call:/ } logs($node, $id);
like($err, qr/failed with HTTP 500: 0123456789/, 'the error names the code and the body');
my ($body_part) = $err =~ /HTTP 500: (.*)$/s;
is(length($body_part), 1024, 'the error carries the first 1 kB of the body');

$id = start_flow($node, 'web', 'fails',
	{ uri => "$base/status/500?body=nope", allow => JSON::PP::true });
is(wait_state($node, $id), 'SUCCESS', 'allowFailed: HTTP 500 does not fail');
$runs = task_runs($node, $id);
is($runs->{call}{state}, 'SUCCESS', 'task run SUCCESS with allowFailed');
is($runs->{call}{outputs}{body}, 'nope', 'the failed response body is an output');
is_deeply([ grep { /^INFO/ } logs($node, $id) ], ['INFO after: after 500'], 'the flow went on');

$id = start_flow($node, 'web', 'fails', { uri => "http://127.0.0.1:$refused/x" });
is(wait_state($node, $id), 'FAILED', 'connection refused fails the task run');
($err) = grep { /^ERROR call:/ } logs($node, $id);
like($err, qr/could not connect/, 'the error says it could not connect');

my $t0 = Time::HiRes::time();
$id = start_flow($node, 'web', 'fails', { uri => "$base/delay/5000" });
is(wait_state($node, $id), 'FAILED', 'a request slower than the task timeout fails');
my $took = Time::HiRes::time() - $t0;
ok($took < 4, sprintf('it failed after about the timeout of 1 s (%.1f s)', $took));
($err) = grep { /^ERROR call:/ } logs($node, $id);
like($err, qr/timed out/, 'the error says it timed out');

# --- a restart sends the failed request again, and takes in its result -------------------
deploy(
	$node, qq{
id: restartable
namespace: web
tasks:
  - id: call
    type: io.kestra.plugin.core.http.Request
    uri: "$base/{{ kv('web_status') }}"
  - id: after
    type: io.kestra.plugin.core.log.Log
    message: "after {{ outputs.call.code }}"
});
$node->safe_psql('postgres', q{SELECT flow_kv_set('web', 'web_status', '"status/503"')});
$id = start_flow($node, 'web', 'restartable', {});
is(wait_state($node, $id), 'FAILED', 'restart: the first try fails with HTTP 503');
$node->safe_psql('postgres', q{SELECT flow_kv_set('web', 'web_status', '"restarted"')});
$node->safe_psql('postgres', "SELECT flow_restart('$id')");
is(wait_state($node, $id, qw(SUCCESS FAILED)), 'SUCCESS', 'the restarted request succeeds');
$runs = task_runs($node, $id);
is($runs->{call}{state}, 'SUCCESS', 'the restarted task run ends, not left RUNNING');
is_deeply([ map { $_->{state} } @{ $runs->{call}{attempts} } ], [qw(FAILED SUCCESS)],
	'one attempt per try, the first left FAILED as it ended (as Kestra keeps it), as an internal task\'s is');
is_deeply([ map { $_->{state} } @{ $runs->{call}{history} } ],
	[qw(CREATED RUNNING FAILED RESTARTED RUNNING SUCCESS)], 'its history');
is(scalar(grep { $_->{path} eq '/restarted' } @{ $http->records }), 1, 'sent once more');

# --- options: redirects, an idle read timeout --------------------------------------
deploy(
	$node, qq{
id: options
namespace: web
inputs:
  - id: follow
    type: BOOLEAN
tasks:
  - id: call
    type: io.kestra.plugin.core.http.Request
    uri: "$base/redirect/2"
    options:
      followRedirects: "{{ inputs.follow }}"
  - id: idle
    type: io.kestra.plugin.core.http.Request
    uri: "$base/delay/4000"
    options:
      readTimeout: PT1S
});
$id = start_flow($node, 'web', 'options', { follow => JSON::PP::true });
is(wait_state($node, $id), 'FAILED', 'options: the idle request fails');
$runs = task_runs($node, $id);
is($runs->{call}{outputs}{code}, 200, 'followRedirects (the default) follows to the end');
is($runs->{idle}{state}, 'FAILED', 'readTimeout: no byte for a second fails the request');
like(join("\n", logs($node, $id)), qr/timed out/, 'as a timeout');
$id = start_flow($node, 'web', 'options', { follow => JSON::PP::false });
wait_state($node, $id);
$runs = task_runs($node, $id);
is($runs->{call}{outputs}{code}, 302, 'followRedirects false: the redirect is the answer');
is($runs->{call}{state}, 'SUCCESS', 'and a 302 is no failure');

# --- a body over 1 MiB is cut and flagged ----------------------------------------
$id = start_flow($node, 'web', 'fails', { uri => "$base/bytes/1100000" });
is(wait_state($node, $id), 'SUCCESS', 'a large body succeeds');
$runs = task_runs($node, $id);
is(length($runs->{call}{outputs}{body}), 1024 * 1024, 'the body is kept up to 1 MiB');
is($runs->{call}{outputs}{bodyTruncated}, JSON::PP::true, 'and the output says it was cut');

# --- Slack and Teams, with a secret webhook URL ----------------------------------
my $token = 'T0SECRET/B0SECRET/XyZsecretToken';
$node->safe_psql('postgres',
	"SELECT flow_secret_set('web', 'SLACK_URL', '$base/slack/$token')");
deploy(
	$node, q{
id: notify
namespace: web
inputs:
  - id: who
    type: STRING
tasks:
  - id: slack
    type: io.kestra.plugin.notifications.slack.SlackIncomingWebhook
    url: "{{ secret('SLACK_URL') }}"
    payload: |
      {"channel": "#hr", "text": "Request from {{ inputs.who }}"}
  - id: slack_text
    type: io.kestra.plugin.slack.SlackIncomingWebhook
    url: "{{ secret('SLACK_URL') }}"
    messageText: "plain {{ inputs.who }}"
  - id: teams
    type: io.kestra.plugin.notifications.teams.TeamsIncomingWebhook
    url: "} . $base . q{/teams"
    payload: '{"text": "pending {{ flow.id }}"}'
  - id: slack_fail
    type: io.kestra.plugin.notifications.slack.SlackIncomingWebhook
    url: "{{ secret('SLACK_URL') }}?status=500&body=refused"
    messageText: fails
});
$id = start_flow($node, 'web', 'notify', { who => "Bob Builder \x{e9}" });
is(wait_state($node, $id), 'FAILED', 'notifications ran; the last one failed');
my @slack = @{ records_for('/slack/', 3) };
is_deeply($json->decode($slack[0]{body}),
	{ channel => '#hr', text => "Request from Bob Builder \x{e9}" },
	'Slack payload rendered and sent as JSON');
is(header($slack[0], 'Content-Type'), 'application/json', 'as application/json');
is_deeply($json->decode($slack[1]{body}), { text => "plain Bob Builder \x{e9}" },
	'messageText sent as {"text": ...}');
my ($teams) = @{ records_for('/teams', 1) };
is_deeply($json->decode($teams->{body}), { text => 'pending notify' }, 'Teams payload sent');
$runs = task_runs($node, $id);
is($runs->{slack}{outputs}{code}, 200, 'webhook output code');
is($runs->{slack_fail}{state}, 'FAILED', 'a webhook answered 500 fails');
my $stored = $node->safe_psql('postgres',
	"SELECT string_agg(coalesce(outputs::text, ''), ' ') FROM flowpg.task_runs WHERE execution_id = '$id'"
	  . " UNION ALL SELECT string_agg(message, ' ') FROM flowpg.logs WHERE execution_id = '$id'");
unlike($stored, qr/XyZsecretToken/, 'the secret URL appears in no output and no log line');
like($stored, qr/request to \*\*\*\*\*\*\?status=500&body=refused failed with HTTP 500: refused/,
	'the failure names the URL masked');
# (the test's own flow_secret_set statement is logged, log_statement being all)
is_deeply([ grep { /XyZsecretToken/ && !/flow_secret_set/ } split /\n/, slurp_file($node->logfile) ],
	[], 'nor in the server log');

deploy(
	$node, qq{
id: bad_payload
namespace: web
tasks:
  - id: slack
    type: io.kestra.plugin.notifications.slack.SlackIncomingWebhook
    url: "$base/never"
    payload: '{"text": "{{ flow.id }}" oops}'
});
$id = start_flow($node, 'web', 'bad_payload');
is(wait_state($node, $id), 'FAILED', 'a payload that does not render to JSON fails');
like(join("\n", logs($node, $id)), qr/payload is not valid JSON/, 'and says why');

# --- retries: each attempt is sent with its number ---------------------------------
deploy(
	$node, qq{
id: retried
namespace: web
tasks:
  - id: flaky
    type: io.kestra.plugin.core.http.Request
    uri: "$base/retry/503?status=503"
    retry:
      type: constant
      interval: PT0.2S
      maxAttempts: 3
});
$id = start_flow($node, 'web', 'retried');
is(wait_state($node, $id, 'FAILED'), 'FAILED', 'a request failing every attempt fails in the end');
my @tries = @{ records_for('/retry/503', 3) };
$runs = task_runs($node, $id);
is_deeply([ map { header($_, 'Flowpg-Task-Run') } @tries ],
	[ map { "$runs->{flaky}{id}/$_" } 1 .. 3 ],
	'three attempts, numbered 1, 2, 3 in Flowpg-Task-Run');
is(scalar(@{ $runs->{flaky}{attempts} }), 3, 'the task run keeps one attempt per try');
is_deeply([ map { $_->{state} } @{ $runs->{flaky}{attempts} } ], [qw(FAILED FAILED FAILED)],
	'each attempt FAILED');
ok($tries[1]{t} - $tries[0]{t} >= 0.19, 'the retry waited its interval');
is_deeply(
	[ map { $_->{state} } @{ $runs->{flaky}{history} } ],
	[qw(CREATED RUNNING RETRYING RUNNING RETRYING RUNNING FAILED)],
	'the task run went through RETRYING between attempts');

is(worker_pid($node), $pid, 'the worker kept its pid through all of it');
$http->stop;
$node->stop;
done_testing();
