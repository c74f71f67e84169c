# listener.pl: a tiny HTTP server on loopback for the redirect case: perl-base
# only (Essential in Debian). usage: perl listener.pl PORT-FILE LOG-FILE STATUS [LOCATION]
# Answers every request with STATUS (and a Location header when given; a 200
# carries an identity service's token answer, anything else no body),
# appends what it received to LOG-FILE, writes its port to PORT-FILE once
# listening; stops by itself after 300 seconds.
use strict;
use warnings;
use IO::Socket::INET;
use IO::Handle;

my ($portfile, $logfile, $status, $location) = @ARGV;
my $server = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
    Listen => 16, ReuseAddr => 1, Proto => 'tcp') or die "listener: $!\n";
open(my $log, '>>', $logfile) or die "listener: $logfile: $!\n";
$log->autoflush(1);
open(my $pf, '>', "$portfile.tmp") or die "listener: $portfile: $!\n";
print $pf $server->sockport, "\n";
close $pf;
rename "$portfile.tmp", $portfile or die "listener: $portfile: $!\n";
$SIG{ALRM} = sub { exit 0 };
$SIG{TERM} = sub { exit 0 };
alarm 300;
my $n = 0;
while (my $c = $server->accept) {
	$n++;
	my $data = '';
	# the head, then as many body bytes as Content-Length says
	while ($data !~ /\r\n\r\n/) {
		my $got = sysread($c, $data, 4096, length $data);
		last unless $got;
	}
	if ($data =~ /^Content-Length:\s*(\d+)/mi) {
		my $want = index($data, "\r\n\r\n") + 4 + $1;
		while (length $data < $want) {
			my $got = sysread($c, $data, 4096, length $data);
			last unless $got;
		}
	}
	print $log "== connection $n\n$data\n";
	# a redirect has no body; a 200 is a token, as the identity service gives
	my $body = $status == 200 ?
	    '{"access_token":"token-from-the-listener","token_type":"bearer","expires_in":3600,"scope":"x"}' : '';
	my $answer = "HTTP/1.1 $status Answer\r\n";
	$answer .= "Location: $location\r\n" if defined $location;
	$answer .= "Content-Type: application/json\r\nContent-Length: " . length($body) .
	    "\r\nConnection: close\r\n\r\n$body";
	print $c $answer;
	close $c;
}
