
# pg_dump keeps flowpg's data (pg_extension_config_dump): flows, executions, task runs, logs,
# audit rows, grants, secrets, the approval link key and the identity sequences.  After a restore
# into a new database a paused execution resumes there, new audit rows follow the old ones, grants
# still hold, and an approval link signed before the dump still decides its pause.

use strict;
use warnings;

use FlowpgFlows;
use FlowpgTest;
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

$node->stop;
done_testing();
