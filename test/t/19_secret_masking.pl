
# Secrets in what an HTTP answer brings back (issue 11, finding 5): an answer
# echoing a secret JSON-escaped or URL-encoded is stored masked; a failing
# answer whose first kilobyte (kept in the error) ends inside a secret keeps
# no start of it; a body cut at 1 MiB that ends inside a secret keeps none
# either.  (The forms themselves are in sql/74_attack_masking.sql.)

use strict;
use warnings;

use FlowpgFlows;
use FlowpgTest;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = flowpg_node('masking');
my $http = start_http_sink();
my $base = $http->url('');
ok(wait_worker($node), 'the worker is connected');

my $secret = 'sk-"live"/7Qx9+Zr2';
$node->safe_psql('postgres', "SELECT flow_secret_set('vault', 'KEY', \$s\$$secret\$s\$)");

# Everything flowpg stored for an execution, as one text.
sub stored
{
	my ($id) = @_;
	return $node->safe_psql(
		'postgres', qq{
		SELECT coalesce(string_agg(t, ' '), '') FROM (
		  SELECT outputs::text AS t FROM flowpg.task_runs WHERE execution_id = '$id'
		  UNION ALL SELECT message FROM flowpg.logs WHERE execution_id = '$id') AS s});
}

# Whether text holds the secret, or a start of it of 4 characters or more, in any
# form a response would carry it.
sub leaks
{
	my ($text) = @_;
	my $json = $secret =~ s/(["\\])/\\$1/gr;
	my $url = $secret =~ s/([^A-Za-z0-9._~-])/sprintf('%%%02X', ord($1))/ger;
	for my $form ($secret, $json, $url)
	{
		return 1 if index($text, substr($form, 0, 4)) >= 0;
	}
	return 0;
}

# --- an answer that echoes the secret, JSON-escaped and URL-encoded ----------
deploy(
	$node, qq{
id: echo
namespace: vault
tasks:
  - id: call
    type: io.kestra.plugin.core.http.Request
    uri: "$base/echo?body={{ {'key': secret('KEY'), 'url': (secret('KEY') | urlencode)} | json | urlencode }}"
});
my $id = start_flow($node, 'vault', 'echo');
is(wait_state($node, $id), 'SUCCESS', 'the echoing request succeeds');
is( $node->safe_psql('postgres',
		"SELECT outputs ->> 'body' FROM flowpg.task_runs WHERE execution_id = '$id'"),
	'{"key":"******","url":"******"}',
	'the secret in the body, JSON-escaped and URL-encoded, is masked');
my $text = stored($id);
ok(!leaks($text), 'nothing stored (the request URI included) holds the secret in any form')
  or diag($text);

# --- a failing answer: its first kilobyte, cut inside the secret -------------
deploy(
	$node, qq{
id: fail_cut
namespace: vault
tasks:
  - id: call
    type: io.kestra.plugin.core.http.Request
    uri: "$base/status/500?pad=1020&body={{ secret('KEY') | urlencode }}"
});
$id = start_flow($node, 'vault', 'fail_cut');
is(wait_state($node, $id), 'FAILED', 'the failing request fails its task');
my $error = $node->safe_psql('postgres',
	"SELECT message FROM flowpg.logs WHERE execution_id = '$id' AND level = 'ERROR'");
like($error, qr/failed with HTTP 500: 0123456789/, 'the error carries the start of the body');
like($error, qr/0123456789\*+$/,
	'the body is masked before it is cut: the kilobyte ends in the mask, not in the secret');
ok(!leaks(stored($id)), 'nothing stored holds a start of the secret')
  or diag(stored($id));

# --- a body cut at 1 MiB inside the secret -----------------------------------
my $pad = 1024 * 1024 - 6;
deploy(
	$node, qq{
id: long_cut
namespace: vault
tasks:
  - id: call
    type: io.kestra.plugin.core.http.Request
    uri: "$base/long?pad=$pad&body={{ secret('KEY') | urlencode }}"
});
$id = start_flow($node, 'vault', 'long_cut');
is(wait_state($node, $id), 'SUCCESS', 'the long answer is taken');
my $tail = $node->safe_psql('postgres',
	"SELECT right(outputs ->> 'body', 12) || ' ' || (outputs ->> 'bodyTruncated')"
	  . " FROM flowpg.task_runs WHERE execution_id = '$id'");
is($tail, '456789****** true', 'the start of the secret where the body was cut is masked');

done_testing();
