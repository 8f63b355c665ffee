
# The HTTP/SMTP engine (src/base/http.c) and the mail builder (src/base/mail.c),
# outside the server: test/unit/http_driver.c runs them against the
# loopback sinks.  Covers methods, headers, JSON, URL-encoded and multipart
# bodies, status codes, refused connections, timeouts, redirects, body
# truncation, TLS, cancellation, many requests in flight at once, and mail
# over SMTP, AUTH, STARTTLS and SMTPS with to/cc/bcc and both body parts.

use strict;
use warnings;
use utf8;

use FlowpgTest;
use PostgreSQL::Test::Utils;
use Test::More;

my ($drv, $why) = build_http_driver(sanitize => 1);
diag($why) if $why;
my $fast = build_http_driver();
ok(-x $drv && -x $fast, 'driver built');

my $tmp = PostgreSQL::Test::Utils::tempdir('engine');
my ($cert, $key) = make_tls_cert($tmp);

my $http = start_http_sink();
my $https = start_http_sink(tls_cert => $cert, tls_key => $key);

# Run one request through the driver and return its single result.
sub one
{
	my (@args) = @_;
	my $r = run_driver($drv, 'request', @args);
	is($r->{exit}, 0, "driver exits 0: @args[0..1]")
	  or diag($r->{stderr});
	return $r->{results}[0] // {};
}

# The request the sink recorded for a path, waiting briefly for it.
sub recorded
{
	my ($sink, $path) = @_;
	my $found;
	poll_until(
		sub {
			($found) = grep { $_->{path} eq $path } @{ $sink->records };
			return $found;
		},
		5);
	return $found // {};
}

# A header's value from a list of [name, value] pairs (case-insensitive).
sub header
{
	my ($list, $name) = @_;
	for my $h (@$list)
	{
		return $h->[1] if lc($h->[0]) eq lc($name);
	}
	return undef;
}

############################################################################
# HTTP
############################################################################

for my $wait (qw(poll fd))
{
	my $path = "/get-$wait";
	my $res = one(
		'--url', $http->url("$path?x=1&y=two"), '--wait', $wait,
		'--header', 'Flowpg-Task-Run: 23F2KgSYm3uCfHJ00DvNxY/2',
		'--header', 'X-Empty:',
		'--header', 'Accept: application/json');
	is($res->{outcome}, 'done', "GET ($wait wait) done");
	is($res->{code}, 200, 'GET status 200');
	like($res->{body}, qr/"method": "GET"/, 'GET response body');
	is(header($res->{headers}, 'Content-Type'),
		'application/json', 'response headers returned');
	ok($res->{sent}, 'GET counted as sent');
	my $req = recorded($http, $path);
	is($req->{method}, 'GET', 'sink saw GET');
	is_deeply($req->{query}, { x => ['1'], y => ['two'] }, 'query string arrived');
	is(header($req->{headers}, 'Flowpg-Task-Run'),
		'23F2KgSYm3uCfHJ00DvNxY/2', 'Flowpg-Task-Run header arrived');
	is(header($req->{headers}, 'X-Empty'), '', 'empty header arrived');
	is(header($req->{headers}, 'Accept'), 'application/json',
		'caller header replaces the default');
	like(header($req->{headers}, 'User-Agent'), qr/^flowpg libcurl/, 'user agent');
	is(header($req->{headers}, 'Expect'), undef, 'no Expect: 100-continue');
}

{
	my $json = '{"text": "Review request from jane", "n": [1, 2, 3], "é": "ü"}';
	my $res = one(
		'--url', $http->url('/json'), '--method', 'POST',
		'--header', 'Content-Type: application/json', '--body', $json);
	is($res->{code}, 200, 'POST JSON status');
	my $req = recorded($http, '/json');
	is($req->{method}, 'POST', 'POST arrived');
	is($req->{body}, $json, 'JSON body arrived intact (UTF-8)');
	is(header($req->{headers}, 'Content-Type'), 'application/json', 'content type');
}

{
	# a body larger than 1 MiB must not trigger libcurl's Expect round trip
	my $big = "$tmp/big.json";
	open(my $fh, '>', $big) or die;
	print $fh '"' . ('x' x (1100 * 1024)) . '"';
	close $fh;
	my $res = one('--url', $http->url('/big'), '--method', 'PUT',
		'--header', 'Content-Type: application/json', '--body-file', $big);
	is($res->{code}, 200, 'PUT with a 1.1 MB body');
	my $req = recorded($http, '/big');
	is($req->{body_len}, 1100 * 1024 + 2, 'whole body arrived');
	is($req->{method}, 'PUT', 'PUT arrived');
}

for my $m (qw(PUT PATCH DELETE))
{
	my $res = one('--url', $http->url("/m-$m"), '--method', $m);
	is($res->{code}, 200, "$m without body");
	my $req = recorded($http, "/m-$m");
	is($req->{method}, $m, "$m arrived");
	is($req->{body_len}, 0, "$m has an empty body");
}
{
	my $res = one('--url', $http->url('/head'), '--method', 'HEAD');
	is($res->{code}, 200, 'HEAD status');
	is($res->{body_len}, 0, 'HEAD has no body');
	is(recorded($http, '/head')->{method}, 'HEAD', 'HEAD arrived');
}

{
	# the seed's update_hr_system: multipart/form-data, with the contentType
	# header given as the flow gives it (libcurl must add the boundary)
	my $res = one(
		'--url', $http->url('/approvals'), '--method', 'POST',
		'--header', 'Content-Type: multipart/form-data',
		'--form-kind', 'multipart',
		'--form', 'employee=jane',
		'--form', 'approvalStatus=APPROVED',
		'--form', 'notes=Enjoy — see you in März',
		'--form', 'resumedBy=manager',
		'--form-file', 'attachment=hello, world', 'note.txt', 'text/plain');
	is($res->{code}, 200, 'multipart POST status');
	my $req = recorded($http, '/approvals');
	like(header($req->{headers}, 'Content-Type'),
		qr{^multipart/form-data; boundary=\S+}, 'multipart content type has a boundary');
	my %parts = map { $_->{name} => $_ } @{ $req->{parts} // [] };
	is(scalar(keys %parts), 5, 'five parts arrived');
	is($parts{employee}{value}, 'jane', 'employee field');
	is($parts{approvalStatus}{value}, 'APPROVED', 'approvalStatus field');
	is($parts{notes}{value}, 'Enjoy — see you in März', 'UTF-8 field');
	is($parts{attachment}{filename}, 'note.txt', 'file part name');
	is($parts{attachment}{content_type}, 'text/plain', 'file part type');
	is($parts{attachment}{value}, 'hello, world', 'file part content');
}

{
	my $res = one(
		'--url', $http->url('/urlencoded'), '--form-kind', 'urlencoded',
		'--form', 'a=b c&d=e', '--form', 'é=ü+%', '--form', 'empty=');
	is($res->{code}, 200, 'URL-encoded POST status');
	my $req = recorded($http, '/urlencoded');
	is($req->{method}, 'POST', 'form defaults to POST');
	is(header($req->{headers}, 'Content-Type'),
		'application/x-www-form-urlencoded', 'form content type');
	is_deeply($req->{form}, { a => ['b c&d=e'], 'é' => ['ü+%'], empty => [''] },
		'fields arrive decoded, reserved characters intact');
}

{
	my $res = one('--url', $http->url('/status/500'));
	is($res->{outcome}, 'done', 'HTTP 500 is an answer, not a transport error');
	is($res->{code}, 500, 'status 500 returned');
	like($res->{body}, qr/"ok": false/, 'error body returned');
	$res = one('--url', $http->url('/status/404?body=not%20here'));
	is($res->{code}, 404, 'status 404');
	is($res->{body}, 'not here', 'body of a 404');
}

{
	my $port = free_port();
	my $res = one('--url', "http://127.0.0.1:$port/nothing", '--connect-timeout-ms', '2000');
	is($res->{outcome}, 'connect', 'connection refused');
	is($res->{code}, 0, 'no status without a connection');
	ok(!$res->{sent}, 'refused request counted as not sent');
	like($res->{error}, qr/connect/i, 'error text names the connection');
}

{
	my $res = one('--url', $http->url('/delay/3000'), '--timeout-ms', '300');
	is($res->{outcome}, 'timeout', 'total timeout');
	ok($res->{elapsed_ms} >= 250 && $res->{elapsed_ms} < 2500,
		"timed out after about 300 ms ($res->{elapsed_ms} ms)");
	ok($res->{sent}, 'timed-out request counted as sent');
	like($res->{error}, qr/timed out/i, 'timeout error text');

	$res = one('--url', $http->url('/delay/5000'), '--read-timeout-ms', '1000');
	is($res->{outcome}, 'timeout', 'read (idle) timeout');
	ok($res->{elapsed_ms} < 4000, "idle timeout before the answer ($res->{elapsed_ms} ms)");
}

{
	my $res = one('--url', $http->url('/redirect/3'), '--follow');
	is($res->{code}, 200, 'redirects followed');
	is($res->{redirects}, 3, 'three redirects');
	like($res->{effective_url}, qr{/redirect/0$}, 'effective URL after redirects');

	$res = one('--url', $http->url('/redirect/3'));
	is($res->{code}, 302, 'redirect not followed when not asked');
	is(header($res->{headers}, 'Location'), '/redirect/2', 'Location returned');

	$res = one('--url', $http->url('/redirect/3'), '--follow', '--max-redirects', '2');
	is($res->{outcome}, 'failed', 'too many redirects fail');

	$res = one('--url', $http->url('/redirect-to?url=ftp://127.0.0.1/x'), '--follow');
	isnt($res->{outcome}, 'done', 'redirect to ftp:// refused');
	ok($res->{sent}, 'first request of a refused redirect counted as sent');
	$res = one('--url', $http->url('/redirect-to?url=file:///etc/passwd'), '--follow');
	isnt($res->{outcome}, 'done', 'redirect to file:// refused');
	unlike($res->{body}, qr/root:/, 'no local file read');
}

{
	my $res = one('--url', $http->url('/bytes/2000000'));
	is($res->{outcome}, 'done', 'large body is still an answer');
	is($res->{code}, 200, 'large body status');
	is($res->{body_len}, 1024 * 1024, 'body cut at 1 MiB');
	ok($res->{body_truncated}, 'result says the body was cut');

	$res = one('--url', $http->url('/bytes/1048576'));
	is($res->{body_len}, 1048576, 'exactly 1 MiB kept whole');
	ok(!$res->{body_truncated}, 'exactly 1 MiB is not cut');

	$res = one('--url', $http->url('/bytes/5000'), '--max-body', '1000');
	is($res->{body_len}, 1000, 'engine max_body applies');
	ok($res->{body_truncated}, 'and is reported');
	is(substr($res->{body}, 0, 12), '012345678901', 'kept bytes are the first ones');
}

{
	my $res = one('--url', $http->url('/hdrs?header=X-One:1&header=X-Two:%20two%20'));
	is(header($res->{headers}, 'X-One'), '1', 'custom response header');
	is(header($res->{headers}, 'X-Two'), 'two', 'response header value trimmed');
}

{
	my $res = one('--url', 'ftp://127.0.0.1/x');
	is($res->{outcome}, 'invalid', 'ftp:// refused for HTTP requests');
	ok(!$res->{sent}, 'refused protocol not sent');
	$res = one('--url', 'file:///etc/passwd');
	is($res->{outcome}, 'invalid', 'file:// refused');
	$res = one('--url', 'smtp://127.0.0.1/x');
	is($res->{outcome}, 'invalid', 'smtp:// refused for HTTP requests');
	$res = one('--url', $http->url('/inject'), '--header', "X-Bad: a\r\nX-Evil: 1");
	is($res->{outcome}, 'invalid', 'header with a line break refused');
	$res = one('--url', $http->url('/inject'), '--header', 'Bad Name: 1');
	is($res->{outcome}, 'invalid', 'header name with a space refused');
	$res = one('--url', $http->url('/inject'), '--method', 'GET /x');
	is($res->{outcome}, 'invalid', 'method with a space refused');
	is(scalar(grep { $_->{path} eq '/inject' } @{ $http->records }),
		0, 'nothing refused reached the sink');
}

# a request that does not allow local targets (the worker with flowpg.allow_local_targets off)
{
	my $port = $http->port;
	for my $url ("http://127.0.0.1:$port/local/ip", "http://localhost:$port/local/name",
		"http://[::ffff:127.0.0.1]:$port/local/mapped")
	{
		my $res = one('--url', $url, '--refuse-local');
		is($res->{outcome}, 'invalid', "local target refused: $url");
		ok(!$res->{sent}, "and counted as not sent: $url");
		like($res->{error}, qr/^refused to connect to local address \S+ \(loopback\): flowpg\.allow_local_targets is off$/,
			"and the error names the address: $url");
	}
	my $res = one('--url', "http://127.0.0.1:$port/local/allowed");
	is($res->{code}, 200, 'allowed, the same target answers');
	is_deeply([ map { $_->{path} } grep { $_->{path} =~ m{^/local/} } @{ $http->records } ],
		['/local/allowed'], 'nothing refused reached the sink');
}

{
	my $res = one('--url', $https->url('/tls') =~ s/^http:/https:/r, '--ca', $cert);
	is($res->{code}, 200, 'HTTPS with the test CA');
	$res = one('--url', $https->url('/tls') =~ s/^http:/https:/r);
	is($res->{outcome}, 'failed', 'HTTPS with an unknown certificate fails');
	like($res->{error}, qr/certificate/i, 'and says why');
	$res = one('--url', $https->url('/tls') =~ s/^http:/https:/r, '--insecure');
	is($res->{code}, 200, 'HTTPS without verification when asked');
}

{
	my $r = run_driver($drv, 'request', '--url', $http->url('/delay/2000'),
		'--repeat', '3', '--max-in-flight', '2', '--cancel-after-ms', '100');
	is($r->{exit}, 0, 'cancel run exits 0');
	my %by = map { $_->{tag} => $_ } @{ $r->{results} };
	is($by{0}{outcome}, 'cancelled', 'running request cancelled');
	is($by{1}{outcome}, 'done', 'other requests unaffected');
	is($by{2}{outcome}, 'done', 'queued request starts in the freed slot');
	ok($by{2}{queued_ms} >= 50, "third request waited for a slot ($by{2}{queued_ms} ms)");
}

{
	# the worker stopping with requests running and queued: no crash, no leak
	my $r = run_driver($drv, 'request', '--url', $http->url('/delay/3000'),
		'--repeat', '6', '--max-in-flight', '3', '--abandon-after-ms', '200');
	is($r->{exit}, 0, 'engine destroyed with requests in flight (no leak under ASan)')
	  or diag($r->{stderr});
	my ($ab) = grep { $_->{abandoned} } @{ $r->{lines} };
	is($ab->{running}, 3, 'three were running');
	is($ab->{queued}, 3, 'three were queued');
}

{
	my $res = one('--url', 'http://localhost:' . $http->port . '/by-name');
	is($res->{code}, 200, 'host name resolved (asynchronous resolver)');
}

{
	# connection reuse: 100 sequential-ish requests over at most 4 connections
	my $r = run_driver($drv, 'request', '--url', $http->url('/reuse'),
		'--repeat', '100', '--max-in-flight', '4', '--quiet');
	is($r->{summary}{code_2xx}, 100, '100 requests answered');
	my %ports = map { $_->{client_port} => 1 }
	  grep { $_->{path} eq '/reuse' } @{ $http->records };
	ok(keys(%ports) <= 8,
		'connections reused (' . scalar(keys %ports) . ' connections for 100 requests)');
}

{
	# overlap: 200 requests to a sink answering after 200 ms, 64 at once:
	# four rounds, about 800 ms; one at a time it would take 40 s
	my $slow = start_http_sink();
	my $r = run_driver($fast, 'request', '--url', $slow->url('/delay/200'),
		'--repeat', '200', '--max-in-flight', '64', '--quiet', '--wait', 'fd');
	my $s = $r->{summary};
	is($s->{code_2xx}, 200, '200 delayed requests answered');
	ok($s->{elapsed_ms} >= 790, "bounded by max_in_flight ($s->{elapsed_ms} ms >= 4 x 200 ms)");
	ok($s->{elapsed_ms} < 3000, "requests overlap ($s->{elapsed_ms} ms for 200 x 200 ms)");
	my $stats = run_driver($drv, 'request', '--url', $slow->url('/_stats'));
	my $seen = eval { JSON::PP->new->decode($stats->{results}[0]{body}) } // {};
	ok(($seen->{max_in_flight} // 0) <= 64,
		"the sink never saw more than 64 at once ($seen->{max_in_flight})");
	ok(($seen->{max_in_flight} // 0) >= 48,
		"the sink saw many at once ($seen->{max_in_flight})");
	diag(sprintf('200 x 200 ms at max_in_flight 64: %.0f ms, sink saw %d at once',
			$s->{elapsed_ms}, $seen->{max_in_flight} // 0));
	$slow->stop;
}

{
	# throughput against the (single-process Python) sink
	my $bench = start_http_sink();
	my $r = run_driver($fast, 'request', '--url', $bench->url('/fast'),
		'--repeat', '3000', '--max-in-flight', '64', '--quiet', '--wait', 'fd');
	my $s = $r->{summary};
	is($s->{code_2xx}, 3000, '3000 requests answered');
	ok($s->{per_second} > 300, "throughput $s->{per_second} requests/s");
	diag(sprintf('3000 requests at max_in_flight 64: %.0f requests/s', $s->{per_second}));
	$bench->stop;
}

############################################################################
# Addresses and the message (no network)
############################################################################

{
	my $r = run_driver($drv, 'addresses',
		'a@x.org; b@y.org , ,c@z.org',
		'"Doe, Jane" <jane@x.org>; Bob <BOB@y.org>, bob@y.org',
		'not-an-address',
		'a@b@',
		'x@-bad-.org',
		'',
		'Zoë <zoe@example.org>');
	my @l = @{ $r->{lines} };
	is_deeply($l[0]{items}, [ 'a@x.org', 'b@y.org', 'c@z.org' ],
		'split on , and ;, trimmed, empties dropped');
	is_deeply($l[1]{items}, [ '"Doe, Jane" <jane@x.org>', 'Bob <BOB@y.org>', 'bob@y.org' ],
		'a comma inside a quoted name does not split');
	is_deeply($l[1]{envelope}, [ 'jane@x.org', 'BOB@y.org' ],
		'envelope has bare addresses, each once');
	like($l[2]{error}, qr/no @/, 'address without @ refused');
	ok(defined $l[3]{error}, 'address with two @ refused');
	ok(defined $l[4]{error}, 'domain label with leading hyphen refused');
	is_deeply($l[5]{items}, [], 'empty text gives no address');
	is($l[6]{envelope}[0], 'zoe@example.org', 'UTF-8 display name');
}

# the message as built, before SMTP
sub build_message
{
	my (@args) = @_;
	my $r = run_driver($drv, 'mail', '--print', '--from', 'Flow <flow@example.com>',
		'--to', 'jane@example.com', @args);
	is($r->{exit}, 0, 'message built') or diag($r->{stderr});
	return $r->{stdout};
}

{
	my $m = build_message('--subject', 'plain only', '--text', "line 1\nline 2\n");
	like($m, qr/^Content-Type: text\/plain; charset=UTF-8\r$/m, 'text only: one text/plain part');
	unlike($m, qr/multipart/, 'text only: not multipart');
	unlike($m, qr/(?<!\r)\n/, 'every line ends in CRLF');
	like($m, qr/^Subject: plain only\r$/m, 'ASCII subject as is');
	like($m, qr/^Date: \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d \+0000\r$/m, 'RFC 5322 date');
	like($m, qr/^MIME-Version: 1\.0\r$/m, 'MIME-Version');
	like($m, qr/^Message-ID: <flowpg\.[0-9a-f]{32}\@example\.com>\r$/m, 'random Message-ID');
	like($m, qr/^To: jane\@example\.com\r$/m, 'To header');
	unlike($m, qr/^Cc:/m, 'no Cc header without cc');

	$m = build_message('--html', '<p>x</p>', '--unique-id', 'tr-1/2');
	like($m, qr/^Content-Type: text\/html; charset=UTF-8\r$/m, 'HTML only: one text/html part');
	like($m, qr/^Message-ID: <flowpg\.tr-1\/2\@example\.com>\r$/m,
		'Message-ID from the unique id (stable across resends)');

	$m = build_message('--text', ('word ' x 40) . "= end  \n.dot\n", '--subject', 's');
	my ($body) = $m =~ /\r\n\r\n(.*)\z/s;
	ok(!grep({ length($_) > 76 } split /\r\n/, $body), 'quoted-printable lines <= 76');
	like($body, qr/=3D end =20\r\n/, '= and trailing space encoded');
	like($body, qr/\r\n\.dot/, 'dot line left for SMTP dot-stuffing');

	$m = build_message('--text', '日本語のテキストです。' x 5, '--subject', '件名');
	like($m, qr/Content-Transfer-Encoding: base64/, 'mostly non-ASCII text in base64');
	like($m, qr/^Subject: =\?UTF-8\?B\?[A-Za-z0-9+\/=]+\?=\r$/m, 'non-ASCII subject encoded');

	my $r = run_driver($drv, 'mail', '--print', '--from', 'nobody', '--to', 'a@b.org');
	like($r->{stdout}, qr/"error":.*no @/, 'invalid sender refused');
	$r = run_driver($drv, 'mail', '--print', '--from', 'a@b.org', '--to', 'x@y.org',
		'--subject', "evil\r\nBcc: victim\@x.org", '--text', 'x');
	unlike($r->{stdout}, qr/^Bcc:/m, 'line break in subject cannot add a header');
}

############################################################################
# SMTP
############################################################################

my %mail = (
	from => 'Flow PG <flowpg@example.com>',
	to => 'Jane Doe <jane@example.com>; bob@example.com',
	cc => 'Zoë Ünïcode <zoe@example.org>, "Doe, John" <john@example.org>',
	bcc => 'secret@example.net; BOB@example.com',
	subject => 'Vacation request — approve? ✔ ' . ('and a long tail ' x 5),
	text => "Hello Jane,\n.hidden line\n.\nDates: 2026-01-01 → 2026-01-05\n" . ('x' x 200) . "\n",
	html => '<p>Hello <b>Jane</b> → <a href="http://localhost:8080/approve/1">approve</a></p>',
);

# Send one message from %mail (overridden by %o) and return the result.
sub send_mail
{
	my ($sink, %o) = @_;
	my %m = (%mail, %o);
	my @args = ('--host', '127.0.0.1', '--port', $sink->port,
		'--from', $m{from}, '--to', $m{to}, '--subject', $m{subject});
	push @args, '--cc', $m{cc} if $m{cc};
	push @args, '--bcc', $m{bcc} if $m{bcc};
	push @args, '--text', $m{text} if defined $m{text};
	push @args, '--html', $m{html} if defined $m{html};
	push @args, @{ $o{args} // [] };
	my $r = run_driver($drv, 'mail', @args);
	is($r->{exit}, 0, 'mail driver exits 0') or diag($r->{stderr});
	return $r;
}

# CRLF to LF, and the final newline SMTP bodies end with dropped
sub norm { my $s = shift // ''; $s =~ s/\r\n/\n/g; $s =~ s/\n\z//; return $s }

{
	my $smtp = start_smtp_sink(auth_user => 'alice', auth_pass => 's3cret',
		auth_mechs => 'PLAIN', require_auth => 1);
	my $r = send_mail($smtp, args => [ '--user', 'alice', '--pass', 's3cret',
		'--unique-id', '23F2KgSYm3uCfHJ00DvNxY/1' ]);
	is($r->{results}[0]{outcome}, 'done', 'SMTP with AUTH PLAIN sent');
	is($r->{results}[0]{code}, 250, 'server accepted the message');
	my $msgs = poll_until(sub { my $m = $smtp->messages; @$m ? $m : undef }, 5) // [];
	my $m = $msgs->[0] // {};
	is($m->{auth_user}, 'alice', 'authenticated as alice');
	ok(!$m->{tls}, 'plain SMTP is not TLS');
	is($m->{mail_from}, 'flowpg@example.com', 'envelope sender is the bare address');
	is_deeply(
		$m->{rcpt_to},
		[
			'jane@example.com', 'bob@example.com',
			'zoe@example.org', 'john@example.org',
			'secret@example.net'
		],
		'envelope: to, cc and bcc, each address once');
	is($m->{bcc}, undef, 'no Bcc header');
	unlike($m->{data}, qr/secret\@example\.net/, 'bcc address nowhere in the message');
	is($m->{subject}, $mail{subject}, 'UTF-8 subject decoded intact');
	like($m->{data}, qr/^Subject: =\?UTF-8\?B\?/m, 'subject RFC 2047 encoded');
	is($m->{from}, 'Flow PG <flowpg@example.com>', 'From header');
	is($m->{to}, 'Jane Doe <jane@example.com>, bob@example.com', 'To header');
	is($m->{cc}, 'Zoë Ünïcode <zoe@example.org>, "Doe, John" <john@example.org>',
		'Cc header with encoded and quoted display names');
	like($m->{'message-id'}, qr/^<flowpg\.23F2KgSYm3uCfHJ00DvNxY\/1\@example\.com>$/,
		'Message-ID');
	is($m->{content_type}, 'multipart/alternative', 'multipart/alternative');
	my @parts = @{ $m->{parts} // [] };
	is(scalar(@parts), 2, 'two parts');
	is($parts[0]{content_type}, 'text/plain', 'plain text first');
	is($parts[1]{content_type}, 'text/html', 'HTML second');
	is($parts[0]{charset}, 'utf-8', 'UTF-8 charset');
	is(norm($parts[0]{text}), norm($mail{text}), 'plain text intact (dot lines too)');
	is(norm($parts[1]{text}), norm($mail{html}), 'HTML intact');
	ok($m->{max_line_len} <= 78, "lines <= 78 characters ($m->{max_line_len})");
	ok(!$m->{bare_lf}, 'no bare LF');

	$r = send_mail($smtp, args => [ '--user', 'alice', '--pass', 'wrong' ]);
	is($r->{results}[0]{outcome}, 'failed', 'wrong password fails');
	like($r->{results}[0]{error}, qr/login denied/i, 'login denied');
	ok(poll_until(sub { grep { ($_->{kind} // '') eq 'auth_failed' } @{ $smtp->records } }, 5),
		'sink saw the failed login');

	$r = send_mail($smtp);
	is($r->{results}[0]{outcome}, 'failed', 'no login where one is required fails');
	is($r->{results}[0]{code}, 530, 'server said 530');

	# a raw message with lines that SMTP must escape
	my $raw = "$tmp/raw.eml";
	open(my $fh, '>:raw', $raw) or die;
	print $fh "From: a\@example.com\r\nTo: b\@example.com\r\nSubject: dots\r\n\r\n"
	  . ".\r\n..two\r\n.three\r\nend\r\n";
	close $fh;
	$r = send_mail($smtp, cc => '', bcc => '',
		args => [ '--user', 'alice', '--pass', 's3cret', '--raw-file', $raw ]);
	is($r->{results}[0]{outcome}, 'done', 'raw message with dot lines sent');
	my ($dots) = grep { ($_->{subject} // '') eq 'dots' } @{ $smtp->messages };
	like($dots->{data} // '', qr/\r\n\r\n\.\r\n\.\.two\r\n\.three\r\nend\r\n\z/,
		'libcurl dot-stuffed: the lone dot did not end the message early');

	$r = send_mail($smtp, args => [ '--user', 'alice', '--pass', 's3cret', '--repeat', '5' ]);
	is($r->{summary}{done}, 5, 'five messages in flight at once');
	$smtp->stop;
}

{
	my $smtp = start_smtp_sink(auth_user => 'alice', auth_pass => 's3cret',
		auth_mechs => 'LOGIN', reject_rcpt => 'reject');
	my $r = send_mail($smtp, html => undef,
		args => [ '--user', 'alice', '--pass', 's3cret' ]);
	is($r->{results}[0]{outcome}, 'done', 'AUTH LOGIN');
	my $m = poll_until(sub { $smtp->messages->[0] }, 5) // {};
	is($m->{auth_user}, 'alice', 'logged in with LOGIN');
	is($m->{content_type}, 'text/plain', 'text only: a single text/plain part');

	$r = send_mail($smtp, bcc => 'please-reject@example.com',
		args => [ '--user', 'alice', '--pass', 's3cret' ]);
	is($r->{results}[0]{outcome}, 'failed', 'a refused recipient fails the message');
	is($r->{results}[0]{code}, 550, 'server said 550');
	is(scalar(@{ $smtp->messages }), 1, 'nothing delivered to the others either');
	$smtp->stop;
}

{
	my $smtp = start_smtp_sink(tls_cert => $cert, tls_key => $key,
		starttls => 1, require_tls => 1, auth_user => 'alice', auth_pass => 's3cret');
	my $r = send_mail($smtp, args => [ '--transport', 'starttls', '--ca', $cert,
		'--user', 'alice', '--pass', 's3cret' ]);
	is($r->{results}[0]{outcome}, 'done', 'STARTTLS sent');
	my $m = poll_until(sub { $smtp->messages->[0] }, 5) // {};
	ok($m->{tls}, 'message went over TLS');
	is($m->{auth_user}, 'alice', 'login after STARTTLS');

	$r = send_mail($smtp, args => [ '--transport', 'plain' ]);
	is($r->{results}[0]{outcome}, 'failed', 'plain SMTP refused where TLS is required');

	$r = send_mail($smtp, args => [ '--transport', 'starttls' ]);
	is($r->{results}[0]{outcome}, 'failed', 'STARTTLS with an unknown certificate fails');
	$smtp->stop;

	my $plain = start_smtp_sink();
	$r = send_mail($plain, args => [ '--transport', 'starttls', '--ca', $cert ]);
	is($r->{results}[0]{outcome}, 'failed',
		'STARTTLS required: a server without it is refused, not used in clear');
	is(scalar(@{ $plain->messages }), 0, 'nothing sent in clear');
	$plain->stop;
}

{
	my $smtp = start_smtp_sink(tls_cert => $cert, tls_key => $key, smtps => 1);
	my $r = send_mail($smtp, args => [ '--transport', 'smtps', '--ca', $cert ]);
	is($r->{results}[0]{outcome}, 'done', 'SMTPS sent');
	my $m = poll_until(sub { $smtp->messages->[0] }, 5) // {};
	ok($m->{tls}, 'implicit TLS');
	is(scalar(@{ $m->{parts} // [] }), 2, 'multipart message over SMTPS');
	$smtp->stop;

	my $port = free_port();
	$r = run_driver($drv, 'mail', '--host', '127.0.0.1', '--port', $port,
		'--from', 'a@example.com', '--to', 'b@example.com', '--text', 'x',
		'--connect-timeout-ms', '2000');
	is($r->{results}[0]{outcome}, 'connect', 'SMTP connection refused');
	ok(!$r->{results}[0]{sent}, 'and counted as not sent');
}

$http->stop;
$https->stop;
done_testing();
