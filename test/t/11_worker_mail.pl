
# The background worker sending MailSend (SPEC section 5) over plain SMTP,
# STARTTLS (SMTP_TLS) and SMTPS to loopback sinks: envelope recipients
# (to, cc and bcc, bcc in no header), subject, the HTML and plain parts,
# authentication, and failures.  The sinks use a self-signed certificate
# that the worker trusts through flowpg.ca_file.

use strict;
use warnings;

use FlowpgFlows;
use FlowpgTest;
use PostgreSQL::Test::Utils;
use Test::More;

my $certdir = PostgreSQL::Test::Utils::tempdir('mailcert');
my ($cert, $key) = make_tls_cert($certdir);
my $node = flowpg_node('mail', conf => ["flowpg.ca_file = '$cert'"]);
wait_worker($node);

my $plain = start_smtp_sink();
my $starttls = start_smtp_sink(
	tls_cert => $cert,
	tls_key => $key,
	starttls => 1,
	require_tls => 1,
	auth_user => 'mailer',
	auth_pass => 's3cret',
	require_auth => 1);
my $smtps = start_smtp_sink(tls_cert => $cert, tls_key => $key, smtps => 1,
	reject_rcpt => 'nobody');

$node->safe_psql('postgres',
	"SELECT flow_secret_set('mail', 'SMTP_PASSWORD', 's3cret')");
deploy(
	$node, q{
id: send
namespace: mail
inputs:
  - id: port
    type: INT
  - id: transport
    type: SELECT
    values: [SMTP, SMTP_TLS, SMTPS]
  - id: to
    type: STRING
    defaults: "Ann <ann@example.org>, bob@example.org"
  - id: user
    type: STRING
    required: false
tasks:
  - id: mail
    type: io.kestra.plugin.notifications.mail.MailSend
    host: 127.0.0.1
    port: "{{ inputs.port }}"
    transportStrategy: "{{ inputs.transport }}"
    username: "{{ inputs.user }}"
    password: "{{ inputs.user is null ? null : secret('SMTP_PASSWORD') }}"
    from: "Flows <flows@example.org>"
    to: "{{ inputs.to }}"
    cc:
      - carol@example.org
    bcc: "dave@example.org; erin@example.org"
    subject: "Vacation request from Zoë ({{ inputs.transport }})"
    htmlTextContent: "<p>Approve <b>{{ flow.id }}</b>?</p>"
    plainTextContent: "Approve {{ flow.id }}?"
});

# Send through one sink; return the execution id and the message it got.
sub send_mail
{
	my ($sink, $transport, %o) = @_;
	my $id = start_flow(
		$node, 'mail', 'send',
		{
			port => $sink->port,
			transport => $transport,
			($o{user} ? (user => $o{user}) : ()),
			($o{to} ? (to => $o{to}) : ())
		});
	my $state = wait_state($node, $id);
	my $msgs = $sink->messages;
	return ($id, $state, $msgs->[-1]);
}

for my $case ([ $plain, 'SMTP' ], [ $starttls, 'SMTP_TLS', user => 'mailer' ],
	[ $smtps, 'SMTPS' ])
{
	my ($sink, $transport, %o) = @$case;
	my ($id, $state, $m) = send_mail($sink, $transport, %o);
	is($state, 'SUCCESS', "$transport: the task succeeds");
	ok($m, "$transport: the sink got a message") or next;
	is($m->{mail_from}, 'flows@example.org', "$transport: envelope sender");
	is_deeply(
		[ sort @{ $m->{rcpt_to} } ],
		[qw(ann@example.org bob@example.org carol@example.org dave@example.org erin@example.org)],
		"$transport: envelope recipients are to, cc and bcc");
	is($m->{to}, 'Ann <ann@example.org>, bob@example.org', "$transport: To header");
	is($m->{cc}, 'carol@example.org', "$transport: Cc header");
	ok(!exists $m->{bcc} && $m->{data} !~ /^Bcc:/mi, "$transport: no Bcc header");
	is($m->{subject}, "Vacation request from Zo\x{eb} ($transport)", "$transport: subject (UTF-8)");
	is($m->{content_type}, 'multipart/alternative', "$transport: multipart/alternative");
	is_deeply([ map { $_->{content_type} } @{ $m->{parts} } ], [ 'text/plain', 'text/html' ],
		"$transport: plain then HTML part");
	like($m->{parts}[0]{text}, qr/^Approve send\?/, "$transport: plain part rendered");
	like($m->{parts}[1]{text}, qr{<p>Approve <b>send</b>\?</p>}, "$transport: HTML part rendered");
	my $runs = task_runs($node, $id);
	like($m->{'message-id'}, qr/^<flowpg\.\Q$runs->{mail}{id}\E-1\@example\.org>$/,
		"$transport: Message-ID made of the task run and attempt (stable when sent again)");
	is($m->{tls} ? 1 : 0, $transport eq 'SMTP' ? 0 : 1, "$transport: TLS as asked");
	is($m->{auth_user}, $o{user}, "$transport: login") if $o{user};
}

# a display name holding the separator stays one recipient
{
	my ($id, $state, $m) = send_mail($plain, 'SMTP', to => '"Doe, Jane" <jane@example.org>; bob@example.org');
	is($state, 'SUCCESS', 'quoted display name: the task succeeds');
	is_deeply([ sort @{ $m->{rcpt_to} } ],
		[qw(bob@example.org carol@example.org dave@example.org erin@example.org jane@example.org)],
		'quoted display name: one recipient, not two');
	like($m->{to}, qr/^"Doe, Jane" <jane\@example\.org>, bob\@example\.org$/, 'quoted display name: To header');
}

# failures: a refused recipient, a login the server refuses, TLS against a plain server
my ($id, $state) = send_mail($smtps, 'SMTPS', to => 'nobody@example.org');
is($state, 'FAILED', 'a refused recipient fails the task run');
like(join("\n", logs($node, $id)), qr/sending mail through smtps:\/\/127\.0\.0\.1:\d+ failed/,
	'and the log says so');

($id, $state) = send_mail($starttls, 'SMTP_TLS');
is($state, 'FAILED', 'a server that requires a login refuses the message without one');

($id, $state) = send_mail($plain, 'SMTPS');
is($state, 'FAILED', 'SMTPS against a server without TLS fails');

($id, $state) = send_mail($plain, 'SMTP_TLS');
is($state, 'FAILED', 'STARTTLS is required when asked for, not optional');

my $stored = $node->safe_psql('postgres',
	"SELECT string_agg(coalesce(outputs::text, ''), ' ') FROM flowpg.task_runs"
	  . " UNION ALL SELECT string_agg(message, ' ') FROM flowpg.logs");
unlike($stored, qr/s3cret/, 'the SMTP password is stored nowhere');

$_->stop for ($plain, $starttls, $smtps);
$node->stop;
done_testing();
