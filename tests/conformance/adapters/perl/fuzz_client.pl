#!/usr/bin/env perl

# The Perl surface's echo client for the conformance suite's fuzzing
# server, written with the binding's original (CPAN Net::WebSocket) API
# as a Perl user would, the way bindings/perl/demo/wscat.pl is:
# Net::WebSocket::Handshake::Client with a
# Net::WebSocket::PMCE::deflate::Client offer (permessage-deflate;
# client_max_window_bits, as the C and Python adapters offer), the response
# parsed by HTTP::Response, then Net::WebSocket::Endpoint::Client over a
# non-blocking socket and a select() loop; replies are compressed by the
# deflate data object when the server agreed to permessage-deflate.
#
#   fuzz_client.pl ws://127.0.0.1:PORT AGENT   Autobahn's fuzzingclient protocol:
#                                              /getCaseCount, /runCase?case=N&agent=AGENT
#                                              for every case, /updateReports
#   fuzz_client.pl -e URL                      one connection: echo every message
#                                              until the server closes
#
# It stands in for an "echo what you receive" mode of the Perl demos
# (see tests/conformance/README.md).

use strict;
use warnings;

use FindBin ();
use lib "$FindBin::Bin/../../../../bindings/perl/lib", "$FindBin::Bin/../../../../bindings/perl/demo/lib";

use HTTP::Response ();
use IO::Select ();
use IO::Socket::INET ();
use Socket ();

use NWDemo ();

use Net::WebSocket::Endpoint::Client ();
use Net::WebSocket::HTTP_R ();
use Net::WebSocket::Handshake::Client ();
use Net::WebSocket::Parser ();
use Net::WebSocket::PMCE::deflate::Client ();

use constant IDLE   => 20;    # give up on a silent server (seconds)
use constant LINGER => 5;    # wait this long for the server to close TCP after the close

$| = 1;

# A write to a connection the server has closed fails with EPIPE (and ends
# that case) instead of killing the client.
$SIG{'PIPE'} = 'IGNORE';

# One connection to $url: echoes every message if $echo, until the server
# closes. Returns the first message's payload (undef if none).
sub run {
    my ($url, $echo) = @_;

    my ($host, $port) = $url =~ m<\Aws://([^/:?]+)(?::(\d+))?>i or do {
        warn "fuzz_client: $url: not a ws:// URL\n";
        return undef;
    };
    $port //= 80;

    my $sock = IO::Socket::INET->new( PeerHost => $host, PeerPort => $port, Proto => 'tcp' ) or do {
        warn "fuzz_client: connect $host:$port: $!\n";
        return undef;
    };
    binmode $sock;
    setsockopt( $sock, Socket::IPPROTO_TCP(), Socket::TCP_NODELAY(), 1 );

    my $deflate = Net::WebSocket::PMCE::deflate::Client->new();
    my $hsk = Net::WebSocket::Handshake::Client->new( uri => $url, extensions => [$deflate] );
    NWDemo::Writer->new($sock)->write( $hsk->to_string() );

    # The response head; what follows it is the first WebSocket bytes.
    my $buf = q<>;
    my $idx;
    while (1) {
        my $n = sysread( $sock, $buf, 65536, length $buf );
        if ( !$n ) {
            warn "fuzz_client: $url: connection closed during the handshake\n";
            return undef;
        }
        last if ( $idx = index( $buf, "\r\n\r\n" ) ) != -1;
    }
    my $resp = HTTP::Response->parse( substr( $buf, 0, $idx + 4, q<> ) );
    if ( !eval { Net::WebSocket::HTTP_R::handshake_consume_response( $hsk, $resp ); 1 } ) {
        warn "fuzz_client: $url: handshake failed: $@";
        return undef;
    }

    $sock->blocking(0);
    my $reader = NWDemo::Reader->new( $sock, $buf );
    my $writer = NWDemo::Writer->new($sock);

    my $ept = Net::WebSocket::Endpoint::Client->new(
        parser    => Net::WebSocket::Parser->new($reader),
        out       => $writer,
        handshake => $hsk,    # libws inflates what the server compressed
    );
    $ept->do_not_die_on_close();

    my $data = $deflate->ok_to_use() ? $deflate->create_data_object() : undef;

    my $select = IO::Select->new($sock);
    my $first;

  READ:
    while (1) {
        if ( !$reader->pending() && !NWDemo::can_read_for( $select, IDLE ) ) {
            warn "fuzz_client: $url: no data for ${\ IDLE} s, giving up\n";
            last READ;
        }

        while (1) {
            my $msg = eval { $ept->get_next_message() };
            if ( !defined $msg ) {
                # We failed the connection (our close frame is written):
                # wait for the server's answer and its end of the TCP
                # connection (RFC 6455 §7.1.1).
                last READ if $@;
                # A control frame or a fragment (one frame per call, as
                # the original): go on while frames already read wait.
                next if $ept->has_pending();
                next READ;    # wait for more bytes
            }
            last READ if !ref $msg;    # the closing handshake is over, or end of file

            $first //= $msg->get_payload();
            next if !$echo;
            my $answer = $data
                ? $data->create_message( $msg->get_type(), $msg->get_payload() )
                : $ept->create_message( $msg->get_type(), $msg->get_payload() );
            eval { $writer->write( $answer->to_bytes() ); 1 } or last READ;
        }
    }

    # The server closes the TCP connection first: read (and drop) until
    # it does.
    my $until = time + LINGER;
    while ( !$reader->{'eof'} && ( my $left = $until - time ) > 0 ) {
        last if !NWDemo::can_read_for( $select, $left );
        my $n = sysread( $sock, my $junk, 65536 );
        last if defined $n && !$n;
        last if !defined $n && !$!{'EAGAIN'} && !$!{'EINTR'};
    }
    close $sock;

    return $first;
}

if ( @ARGV == 2 && $ARGV[0] eq '-e' ) {
    run( $ARGV[1], 1 );
    exit 0;
}
die "usage: fuzz_client.pl BASE-URL AGENT | fuzz_client.pl -e URL\n" if @ARGV != 2;

my ($base, $agent) = @ARGV;
my $count = run( "$base/getCaseCount", 0 );
if ( !defined $count || $count !~ m<\A[0-9]+\z> ) {
    die sprintf "fuzz_client: getCaseCount answered %s\n", $count // 'nothing';
}
run( "$base/runCase?case=$_&agent=$agent", 1 ) for 1 .. $count;
run( "$base/updateReports?agent=$agent", 0 );
