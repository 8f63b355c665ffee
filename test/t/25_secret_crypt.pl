
# Secrets at rest (issue 13): the key file of flowpg.secret_key_file (its
# permissions, a missing file, a file that holds no key), the WARNING when a
# secret is stored in clear, rotation (values in clear, then to a new key
# with the old one as flowpg.secret_key_file_previous), a wrong key at use,
# the worker sending the decrypted values, and pg_dump: no secret in clear in
# the dump; restored into a second cluster with the same key file, a paused
# execution resumes with its secrets; with another key or none, a clear error.
# The approval link key too: made in clear before a key file is set, sealed by
# rotation, re-sealed under a new key, absent from the dump; links rendered
# before and after still resume through flow_resume_link, also after a restore;
# the wrong key or none is the same clear error, never a wrong signature.
# (The sealed format, moved and altered ciphertexts and rotation's
# permissions are in sql/78_secret_crypt.sql.)

use strict;
use warnings;

use FlowpgFlows;
use FlowpgTest;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = flowpg_node('crypt');
my $http = start_http_sink();
my $base = $http->url('');
ok(wait_worker($node), 'the worker is connected');
my $dir = $node->basedir;

# A key file: 64 hex digits, mode 0600 unless told otherwise.
sub key_file
{
	my ($name, $content, $mode) = @_;
	my $path = "$dir/$name";
	open(my $fh, '>', $path) or die "$path: $!";
	print $fh $content;
	close($fh);
	chmod($mode // 0600, $path);
	return $path;
}

# Point a setting at a file (or '') and wait until new sessions see it.
sub set_key
{
	my ($n, $setting, $path) = @_;
	$n->safe_psql('postgres', "ALTER SYSTEM SET $setting = '$path'");
	$n->safe_psql('postgres', 'SELECT pg_reload_conf()');
	ok(poll_until(sub { $n->safe_psql('postgres', "SHOW $setting") eq $path }),
		"$setting = '$path'");
}

# Run sql with SQLSTATEs shown; return stderr.
sub psql_err
{
	my ($n, $sql, $db) = @_;
	my ($out, $err) = ('', '');
	$n->psql($db // 'postgres', "\\set VERBOSITY verbose\n$sql", stdout => \$out, stderr => \$err);
	return $err;
}

my $hex_a = 'a1' x 32;
my $hex_b = '5e' x 32;
my $key_a = key_file('key_a', "$hex_a\n");
my $key_b = key_file('key_b', "$hex_b\n");

# --- without a key: in clear, with a WARNING ---------------------------------
my $err = psql_err($node, "SELECT flow_secret_set('vault', 'CLEAR', 'clear-v4lue')");
like($err, qr/WARNING:  01000: secret "CLEAR" is stored in clear/, 'flow_secret_set warns (01000) that the value is in clear');
like($err, qr/HINT:  Set flowpg.secret_key_file to a key file/, 'with a hint to set flowpg.secret_key_file');
is($node->safe_psql('postgres', "SELECT value || '/' || coalesce(key_id, 'NULL') FROM flowpg.secrets WHERE name = 'CLEAR'"),
	'clear-v4lue/NULL', 'the value is stored as it is, marked as in clear');

# an approval link rendered before a key file is set: its key is stored in clear
deploy(
	$node, q{
id: approve
namespace: vault
tasks:
  - id: notify
    type: io.kestra.plugin.core.log.Log
    message: "{{ appLink() }}"
  - id: decide
    type: io.kestra.plugin.core.flow.Pause
});

# The token of the link that execution id's notify task logged.
sub link_token
{
	my ($n, $id) = @_;
	return $n->safe_psql('postgres',
		"SELECT substring(message FROM 'token=([A-Za-z0-9_.-]+)') FROM flowpg.logs WHERE execution_id = '$id' AND task_id = 'notify'");
}
my $link_key = q{SELECT key || '/' || coalesce(key_id, 'NULL') FROM flowpg.link_keys};
my $ap0 = start_flow($node, 'vault', 'approve');
my $tok0 = link_token($node, $ap0);
like($tok0, qr/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/, 'an approval link is rendered without a key file');
my ($link_hex) = $node->safe_psql('postgres', $link_key) =~ m{^([0-9a-f]{64})/NULL$};
ok($link_hex, 'its key is stored in clear (64 hex digits), marked as in clear');

# --- key files that are refused ----------------------------------------------
set_key($node, 'flowpg.secret_key_file', "$dir/no_such_key");
$err = psql_err($node, "SELECT flow_secret_set('vault', 'S', 'x')");
like($err, qr/ERROR:  58P01: could not access secret key file ".*no_such_key": No such file/, 'a missing key file: 58P01 at use');
my $open = key_file('key_open', "$hex_a\n", 0644);
set_key($node, 'flowpg.secret_key_file', $open);
$err = psql_err($node, "SELECT flow_secret_set('vault', 'S', 'x')");
like($err, qr/ERROR:  F0000: secret key file ".*key_open" has group or world access/, 'a world-readable key file: F0000');
like($err, qr/HINT:  chmod 600/, 'with the fix as a hint');
chmod(0640, $open);
like(psql_err($node, "SELECT flow_secret_set('vault', 'S', 'x')"), qr/has group or world access/,
	'a group-readable key file is refused too');
set_key($node, 'flowpg.secret_key_file', $dir);
like(psql_err($node, "SELECT flow_secret_set('vault', 'S', 'x')"), qr/ERROR:  F0000: secret key file ".*" is not a regular file/,
	'a directory: F0000');
set_key($node, 'flowpg.secret_key_file', key_file('key_unreadable', "$hex_a\n", 0000));
like(psql_err($node, "SELECT flow_secret_set('vault', 'S', 'x')"), qr/ERROR:  42501: could not open secret key file ".*key_unreadable": Permission denied/,
	'a file the server may not read: 42501');
set_key($node, 'flowpg.secret_key_file', key_file('key_short', "abc123\n"));
$err = psql_err($node, "SELECT flow_secret_set('vault', 'S', 'x')");
like($err, qr/ERROR:  F0000: secret key file ".*key_short" does not hold a key/, 'a file without a key: F0000');
like($err, qr/DETAIL:  A key file holds 64 hexadecimal digits/, 'saying what it must hold');
set_key($node, 'flowpg.secret_key_file', key_file('key_nothex', ('zz' x 32) . "\n"));
like(psql_err($node, "SELECT flow_secret_set('vault', 'S', 'x')"), qr/does not hold a key/, 'nor do 64 other characters');
is($node->safe_psql('postgres', "SELECT count(*) FROM flowpg.secrets WHERE name = 'S'"), '0',
	'and nothing was stored');

# --- with key A --------------------------------------------------------------
set_key($node, 'flowpg.secret_key_file', $key_a);
$err = psql_err($node, "SELECT flow_secret_set('vault', 'TOKEN', 'tok-S3cr3t-a')");
is($err, '', 'with a key, flow_secret_set stores without a warning');
is($node->safe_psql('postgres', "SELECT strpos(value, 'S3cr3t') = 0 AND key_id IS NOT NULL FROM flowpg.secrets WHERE name = 'TOKEN'"),
	't', 'sealed, with its key id');
is($node->safe_psql('postgres', "SELECT key_id IS NULL FROM flowpg.secrets WHERE name = 'CLEAR'"),
	't', 'the value stored in clear before stays in clear');

# the worker sends the real values: a secret, a value stored in clear, a SECRET input
deploy(
	$node, qq{
id: call
namespace: vault
inputs:
  - id: pin
    type: SECRET
tasks:
  - id: ask
    type: io.kestra.plugin.core.flow.Pause
  - id: send
    type: io.kestra.plugin.core.http.Request
    uri: "$base/call"
    method: POST
    headers:
      Authorization: "Bearer {{ secret('TOKEN') }}"
    body: "{{ secret('CLEAR') }} {{ inputs.pin }}"
});
my $id1 = start_flow($node, 'vault', 'call', { pin => 'pin-4711' });
is($node->safe_psql('postgres', "SELECT flow_resume('$id1')"), 'RUNNING', 'resumed: the request is queued');
is(wait_state($node, $id1), 'SUCCESS', 'the request succeeds');
my ($rec) = grep { $_->{path} eq '/call' } @{ $http->records };
is(header($rec, 'Authorization'), 'Bearer tok-S3cr3t-a', 'the worker sent the decrypted secret');
is($rec->{body}, 'clear-v4lue pin-4711', 'and the value in clear and the decrypted SECRET input');

# rotation encrypts what is in clear
is($node->safe_psql('postgres', 'SELECT flow_secret_key_rotate()'), '2',
	'rotation encrypts the two values in clear (a secret and the link key)');
is($node->safe_psql('postgres', 'SELECT count(*) FROM flowpg.secrets WHERE key_id IS NULL'), '0', 'none is left in clear');
my $sealed_a = $node->safe_psql('postgres', $link_key);
my $key_id_a = $node->safe_psql('postgres', "SELECT key_id FROM flowpg.secrets WHERE name = 'TOKEN'");
like($sealed_a, qr{^[A-Za-z0-9+/]{124}/\Q$key_id_a\E$}, 'the link key is sealed under key A');
ok(index($sealed_a, $link_hex) < 0, 'and no longer holds its hex');
is($node->safe_psql('postgres', "SELECT flow_link('$tok0') ->> 'status'"), 'open',
	'the link rendered before the key file still verifies');

# --- to key B, with A as the previous key ------------------------------------
my $id2 = start_flow($node, 'vault', 'call', { pin => 'pin-0815' });
set_key($node, 'flowpg.secret_key_file', $key_b);
set_key($node, 'flowpg.secret_key_file_previous', $key_a);
my $check = q{SELECT flow_render('{{ secret(''TOKEN'') }}', '{"flow": {"namespace": "vault"}}')};
is($node->safe_psql('postgres', $check), '******', 'under the previous key, values still open');
is($node->safe_psql('postgres', 'SELECT flow_secret_key_rotate()'), '5',
	'rotation re-encrypts them all under the new key (two secrets, the SECRET inputs of two executions, the link key)');
is($node->safe_psql('postgres', "SELECT detail ->> 'secrets' || ' ' || (detail ->> 'executions') || ' ' || (detail ->> 'link_keys') FROM flowpg.audit_log WHERE action = 'secret_key_rotate' ORDER BY id DESC LIMIT 1"),
	'2 2 1', 'and writes an audit row that says so');
my $sealed_b = $node->safe_psql('postgres', $link_key);
my $key_id_b = $node->safe_psql('postgres', "SELECT key_id FROM flowpg.secrets WHERE name = 'TOKEN'");
isnt($key_id_b, $key_id_a, 'key B has another id');
like($sealed_b, qr{^[A-Za-z0-9+/]{124}/\Q$key_id_b\E$}, 'the link key is re-sealed under key B');
set_key($node, 'flowpg.secret_key_file_previous', '');
is($node->safe_psql('postgres', $check), '******', 'without the previous key they still open');
is($node->safe_psql('postgres', "SELECT flow_resume('$id2')"), 'RUNNING', 'the paused execution resumes');
is(wait_state($node, $id2), 'SUCCESS', 'and its request succeeds');
($rec) = grep { ($_->{body} // '') =~ /pin-0815/ } @{ $http->records };
is($rec && $rec->{body}, 'clear-v4lue pin-0815', 'with the SECRET input re-encrypted by the rotation');

is($node->safe_psql('postgres', "SELECT flow_resume_link('$tok0')"), 'SUCCESS',
	'the link rendered before any key file is resumed through flow_resume_link under key B');
my $ap1 = start_flow($node, 'vault', 'approve');
my $tok1 = link_token($node, $ap1);
is($node->safe_psql('postgres', "SELECT flow_link('$tok1') ->> 'status'"), 'open', 'a link rendered under key B verifies');

# the wrong key at use: a clear error, never a wrong value
set_key($node, 'flowpg.secret_key_file', $key_a);
$err = psql_err($node, $check);
like($err, qr/ERROR:  55000: secret "TOKEN" in namespace "vault" was encrypted with another key/,
	'the old key as the current one: 55000, encrypted with another key');
$err = psql_err($node, "SELECT flow_resume_link('$tok1')");
like($err, qr/ERROR:  55000: the approval link key was encrypted with another key/,
	'and for the link key: the same error, not a forged link');
is($node->safe_psql('postgres', "SELECT state FROM flowpg.executions WHERE id = '$ap1'"), 'PAUSED', 'the link decided nothing');
set_key($node, 'flowpg.secret_key_file', $key_b);

# --- pg_dump holds no secret in clear ----------------------------------------
my $id3 = start_flow($node, 'vault', 'call', { pin => 'pin-dump-99' });
# a request waiting for the worker (here stopped by flowpg.enabled = off) is sealed too
$node->safe_psql('postgres', 'ALTER SYSTEM SET flowpg.enabled = off');
$node->safe_psql('postgres', 'SELECT pg_reload_conf()');
ok(poll_until(sub { $node->safe_psql('postgres', 'SHOW flowpg.enabled') eq 'off' }), 'the worker is told to send nothing');
sleep(1);
my $id4 = start_flow($node, 'vault', 'call', { pin => 'pin-queued-55' });
is($node->safe_psql('postgres', "SELECT flow_resume('$id4')"), 'RUNNING', 'a request is queued');
my $work = $node->safe_psql('postgres', "SELECT detail::text FROM flowpg.work WHERE execution_id = '$id4'");
like($work, qr/"key_id"/, 'the queued request is stored sealed');
ok(index($work, 'pin-queued') < 0 && index($work, 'S3cr3t') < 0 && index($work, 'clear-v4lue') < 0,
	'holding none of its secrets in clear') or diag($work);
my $dump = "$dir/flowpg.sql";
$node->command_ok([ 'pg_dump', '-d', $node->connstr('postgres'), '-f', $dump ], 'pg_dump');
my $text = slurp_file($dump);
ok(index($text, 'flowpg.secrets') >= 0, 'the dump holds the secrets table');
ok(index($text, 'flowpg.link_keys') >= 0, 'and the link keys table');
for my $value ('tok-S3cr3t-a', 'S3cr3t', 'clear-v4lue', 'pin-dump-99', 'pin-4711', 'pin-queued-55', $link_hex)
{
	ok(index($text, $value) < 0, "the dump does not hold \"$value\"");
}
ok(index($text, $sealed_b =~ s{/.*}{}r) >= 0, 'it holds the sealed link key');

# restored into a second cluster with the same key file
my $other = flowpg_node('crypt_restore', no_extension => 1);
my $key_b2 = "${\$other->basedir}/key_b";
open(my $fh, '>', $key_b2) or die;
print $fh "$hex_b\n";
close($fh);
chmod(0600, $key_b2);
set_key($other, 'flowpg.secret_key_file', $key_b2);
$other->command_ok([ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $other->connstr('postgres'), '-f', $dump ],
	'restore into a second cluster');
ok(wait_worker($other), 'its worker is connected');
is($other->safe_psql('postgres', "SELECT flow_resume('$id3')"), 'RUNNING', 'the paused execution resumes there');
is(wait_state($other, $id3), 'SUCCESS', 'and its request succeeds');
($rec) = grep { ($_->{body} // '') =~ /pin-dump-99/ } @{ $http->records };
ok($rec, 'with the restored SECRET input');
is(header($rec, 'Authorization'), 'Bearer tok-S3cr3t-a', 'and the restored secret');
is(wait_state($other, $id4), 'SUCCESS', 'the request queued before the dump is sent from there');
($rec) = grep { ($_->{body} // '') =~ /pin-queued-55/ } @{ $http->records };
is($rec && $rec->{body}, 'clear-v4lue pin-queued-55', 'with its values decrypted');
is($rec && header($rec, 'Authorization'), 'Bearer tok-S3cr3t-a', 'and its secret');
is($other->safe_psql('postgres', "SELECT flow_resume_link('$tok1')"), 'SUCCESS',
	'a link rendered before the dump is resumed there through flow_resume_link');

# with another key, or none: a clear error at use
set_key($other, 'flowpg.secret_key_file', key_file('key_c', ('c3' x 32) . "\n"));
$err = psql_err($other, $check);
like($err, qr/ERROR:  55000: secret "TOKEN" in namespace "vault" was encrypted with another key/,
	'restored with another key: encrypted with another key');
like(psql_err($other, "SELECT flow_link('$tok1')"), qr/ERROR:  55000: the approval link key was encrypted with another key/,
	'and the link key too');
set_key($other, 'flowpg.secret_key_file', '');
$err = psql_err($other, $check);
like($err, qr/ERROR:  55000: secret "TOKEN" in namespace "vault" is encrypted and flowpg.secret_key_file is not set/,
	'restored without a key: encrypted and no key set');
like($err, qr/HINT:  Set flowpg.secret_key_file to the file of that key/, 'with a hint');
$err = psql_err($other, "SELECT flow_link('$tok1')");
like($err, qr/ERROR:  55000: the approval link key is encrypted and flowpg.secret_key_file is not set/,
	'and the link key too');
like($err, qr/HINT:  Set flowpg.secret_key_file to the file of that key/, 'with the same hint');
like(psql_err($other, 'SELECT flow_secret_key_rotate()'), qr/ERROR:  55000: flowpg.secret_key_file is not set/,
	'rotation needs a key');

$other->stop;

# --- a rotation re-seals the request still queued (the worker is still off here) ----------
my $key_d = key_file('key_d', ('d4' x 32) . "\n");
set_key($node, 'flowpg.secret_key_file', $key_d);
set_key($node, 'flowpg.secret_key_file_previous', $key_b);
$node->safe_psql('postgres',
	"UPDATE flowpg.work SET detail = detail || '{\"workerFailures\": 1}' WHERE execution_id = '$id4'");
my $rotated = $node->safe_psql('postgres', 'SELECT flow_secret_key_rotate()');
is($node->safe_psql('postgres', "SELECT (detail ->> 'secrets')::int + (detail ->> 'executions')::int + (detail ->> 'link_keys')::int + (detail ->> 'requests')::int || ' ' || (detail ->> 'requests') FROM flowpg.audit_log WHERE action = 'secret_key_rotate' ORDER BY id DESC LIMIT 1"),
	"$rotated 1", 'rotation to key D counts the queued request among what it re-sealed, in its result and its audit row');
my $key_id_d = $node->safe_psql('postgres', "SELECT key_id FROM flowpg.secrets WHERE name = 'TOKEN'");
is($node->safe_psql('postgres', "SELECT (detail ->> 'key_id') || ' ' || (detail ->> 'workerFailures') FROM flowpg.work WHERE execution_id = '$id4'"),
	"$key_id_d 1", 'which is sealed under key D now, the worker\'s notes kept beside it');
set_key($node, 'flowpg.secret_key_file_previous', '');
$node->safe_psql('postgres', 'ALTER SYSTEM RESET flowpg.enabled');
$node->safe_psql('postgres', 'SELECT pg_reload_conf()');
is(wait_state($node, $id4), 'SUCCESS', 'without key B, the worker sends it');
my @sent = grep { ($_->{body} // '') =~ /pin-queued-55/ } @{ $http->records };
is(scalar(@sent), 2, 'the queued request reached the sink from both clusters');
is($sent[-1] && header($sent[-1], 'Authorization'), 'Bearer tok-S3cr3t-a', 'with its secret, opened under key D');

$http->stop;
$node->stop;
done_testing();
