
# pg_dump keeps flowpg's data (pg_extension_config_dump): flows, executions, task runs, logs,
# audit rows, grants, secrets, the approval link key and the identity sequences.  After a restore
# into a new database a paused execution resumes there, new audit rows follow the old ones, grants
# still hold, and an approval link signed before the dump still decides its pause.
#
# Then a pg_restore into a second cluster that lacks one grantee role: the restore completes
# without a failed step, a WARNING names the missing role (its grants are not restored), the other
# grants hold, and the paused execution resumes there; the same into a cluster without the preload.

use strict;
use warnings;

use FlowpgFlows;
use FlowpgTest;
use IPC::Run ();
use Test::More;

my $node = flowpg_node('dump');
deploy(
	$node, q{
id: keep
namespace: dump.test
tasks:
  - id: ask
    type: io.kestra.plugin.core.flow.Pause
  - id: done
    type: io.kestra.plugin.core.log.Log
    message: "resumed, secret {{ secret('S') }}"
});
$node->safe_psql('postgres', q{
CREATE ROLE dump_user;
SELECT flow_grant('dump.test', 'dump_user', 'EXECUTE');
CREATE ROLE dump_ghost;
SELECT flow_grant('dump.test', 'dump_ghost', 'RESUME');
SELECT flow_grant('dump', 'dump_ghost', 'VIEW');
SELECT flow_secret_set('dump.test', 'S', 'hush');
});
my $id = start_flow($node, 'dump.test', 'keep');
deploy(
	$node, q{
id: linked
namespace: dump.test
tasks:
  - id: notify
    type: io.kestra.plugin.core.log.Log
    message: "{{ appLink() }}"
  - id: ask
    type: io.kestra.plugin.core.flow.Pause
});
my $linked = start_flow($node, 'dump.test', 'linked');
my $token = $node->safe_psql('postgres',
	"SELECT substring(message FROM 'token=([A-Za-z0-9_.-]+)') FROM flowpg.logs WHERE execution_id = '$linked'");

my $dump = $node->basedir . '/flowpg.sql';
$node->command_ok([ 'pg_dump', '-d', $node->connstr('postgres'), '-f', $dump ], 'pg_dump');
$node->safe_psql('postgres', 'CREATE DATABASE restored');
$node->command_ok([ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('restored'), '-f', $dump ],
	'restore into a new database');

sub restored { return $node->safe_psql('restored', shift); }

is(restored("SELECT state FROM flowpg.executions WHERE id = '$id'"), 'PAUSED', 'the paused execution is there');
is(restored("SELECT count(*) FROM flowpg.flow_revisions"), '2', 'the flow revisions are there');
is(restored("SELECT flow_resume('$id')"), 'SUCCESS', 'and resumes in the restored database');
is(restored("SELECT message FROM flowpg.logs WHERE execution_id = '$id' AND task_id = 'done'"),
	'resumed, secret ******', 'the secret came along (and stays masked)');
is(restored("SELECT count(*) FROM flowpg.audit_log"),
	restored("SELECT max(id) FROM flowpg.audit_log"), 'new audit rows follow the restored ones');
is(restored("SET ROLE dump_user; SELECT flow_start('dump.test', 'keep') IS NOT NULL"), 't',
	'a grant still holds');
is(restored("SELECT flow_link('$token') ->> 'status'"), 'open', 'the link key came along: a link signed before the dump is valid');
is(restored("SELECT flow_resume_link('$token')"), 'SUCCESS', 'and decides its pause in the restored database');

# A second cluster, with dump_user but without dump_ghost.
my $dumpc = $node->basedir . '/flowpg.dump';
$node->command_ok([ 'pg_dump', '-Fc', '-d', $node->connstr('postgres'), '-f', $dumpc ], 'pg_dump -Fc');
my $other = flowpg_node('other', no_extension => 1);
$other->safe_psql('postgres', 'CREATE ROLE dump_user; CREATE DATABASE restored');
# pg_restore shows the server's warnings with --verbose only; they are in the server log anyway
my @restore = ('pg_restore', '--verbose', '--exit-on-error', '-d', $other->connstr('restored'), $dumpc);
my ($rout, $rerr) = ('', '');
my $ok = IPC::Run::run(\@restore, '<', \undef, '>', \$rout, '2>', \$rerr);
ok($ok, 'pg_restore into a cluster without one grantee role completes, with no failed step') or diag($rerr);
like($rerr, qr/WARNING:  role "dump_ghost" does not exist: its flowpg grants are not restored/,
	'a WARNING names the missing role');
is(scalar(() = $rerr =~ /WARNING:  role "dump_ghost"/g), 1, 'once, not once per grant row');
unlike($rerr, qr/ERROR/, 'and nothing else goes wrong') or diag($rerr);
like(PostgreSQL::Test::Utils::slurp_file($other->logfile),
	qr/WARNING:  role "dump_ghost" does not exist: its flowpg grants are not restored/,
	'the server log has the WARNING too');

sub other { return $other->safe_psql('restored', shift); }
is(other("SELECT string_agg(grantee::text || ' ' || namespace || ' ' || permission, ', ' ORDER BY permission)
	FROM flowpg.namespace_grants"), 'dump_user dump.test EXECUTE', 'the other grants are restored, the missing role\'s are not');
is(other("SET ROLE dump_user; SELECT flow_start('dump.test', 'keep') IS NOT NULL"), 't',
	'a grant of a role the cluster has holds');
my $other_id = $node->safe_psql('postgres', "SELECT id FROM flowpg.executions WHERE flow_id = 'keep' AND state = 'PAUSED' ORDER BY created_at LIMIT 1");
is(other("SELECT flow_resume('$other_id')"), 'SUCCESS', 'a paused execution resumes in the other cluster');
other('CREATE ROLE dump_ghost');
is(other("SET ROLE dump_ghost; SELECT count(*) FROM flowpg.executions"), '0',
	'a role of that name created later gets nothing of the grants that were not restored');

# A cluster without the preload: the restore's session loads the library with the first grant
# row it reads (the grantee type's input), so the marker GRANT after it is handled the same way.
my $plain = PostgreSQL::Test::Cluster->new('nopreload');
$plain->init;
$plain->start;
$plain->safe_psql('postgres', 'CREATE ROLE dump_user; CREATE DATABASE restored');
($rout, $rerr) = ('', '');
$ok = IPC::Run::run([ 'pg_restore', '--verbose', '--exit-on-error', '-d', $plain->connstr('restored'), $dumpc ],
	'<', \undef, '>', \$rout, '2>', \$rerr);
ok($ok, 'pg_restore into a cluster without the preload completes too') or diag($rerr);
like($rerr, qr/WARNING:  role "dump_ghost" does not exist: its flowpg grants are not restored/,
	'with the same WARNING');
is($plain->safe_psql('restored', "SELECT string_agg(grantee::text || ' ' || permission, ', ') FROM flowpg.namespace_grants"),
	'dump_user EXECUTE', 'and the same grants');
is($plain->safe_psql('restored', "SET ROLE dump_user; SELECT flow_start('dump.test', 'keep') IS NOT NULL"), 't',
	'which hold');
$plain->stop;

$other->stop;
$node->stop;
done_testing();
