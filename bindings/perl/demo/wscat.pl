#!/usr/bin/env perl

# A wscat-like client: lines from standard input are sent as text
# messages; messages received are printed, one per line. End of input
# closes the connection (code 1000) and waits for the server's close.
#
#   perl demo/wscat.pl ws://host:port/path [--subprotocol NAME] [--no-deflate]
#                      [--binary] [--header 'Name: value']

use strict;
use warnings;

use FindBin ();
use lib "$FindBin::Bin/../lib", "$FindBin::Bin/lib";

use Getopt::Long ();
use HTTP::Response ();
use IO::Select ();
use IO::Socket::INET ();

use NWDemo ();

use Net::WebSocket::Endpoint::Client ();
use Net::WebSocket::HTTP_R ();
use Net::WebSocket::Handshake::Client ();
use Net::WebSocket::Parser ();
use Net::WebSocket::PMCE::deflate::Client ();

my ( @subprotocols, @headers, $no_deflate, $binary );
Getopt::Long::GetOptions(
    'subprotocol=s' => \@subprotocols,
    'header=s'      => \@headers,
    'no-deflate'    => \$no_deflate,
    'binary'        => \$binary,
) or die "usage: $0 ws://host:port/path [options]\n";

my $uri = shift @ARGV // die "usage: $0 ws://host:port/path [options]\n";
my ($host, $port) = $uri =~ m<\Awss?://([^/:?]+)(?::(\d+))?>i or die "not a ws:// URI: $uri\n";
$port //= 80;

# A peer that went away makes writes fail (EPIPE) instead of killing the
# process with SIGPIPE (see "SIGPIPE" in Net::WebSocket).
$SIG{'PIPE'} = 'IGNORE';
my $sock = IO::Socket::INET->new( PeerHost => $host, PeerPort => $port ) or die "connect $host:$port: $!\n";
binmode $sock;

my $deflate = $no_deflate ? undef : Net::WebSocket::PMCE::deflate::Client->new();

my $hsk = Net::WebSocket::Handshake::Client->new(
    uri => $uri,
    ( @subprotocols ? ( subprotocols => \@subprotocols ) : () ),
    ( $deflate ? ( extensions => [$deflate] ) : () ),
);

syswrite $sock, $hsk->to_string( headers => [ map { split m<:\s*>, $_, 2 } @headers ] );

# Read the response head.
my $buf = q<>;
my $idx;
while (1) {
    my $n = sysread( $sock, $buf, 65536, length $buf ) or die "connection closed during the handshake\n";
    last if ( $idx = index( $buf, "\r\n\r\n" ) ) != -1;
}
my $resp = HTTP::Response->parse( substr( $buf, 0, $idx + 4, q<> ) );
Net::WebSocket::HTTP_R::handshake_consume_response( $hsk, $resp );

warn sprintf "connected%s%s\n",
    ( defined $hsk->get_subprotocol() ? ' (subprotocol ' . $hsk->get_subprotocol() . ')' : '' ),
    ( $deflate && $deflate->ok_to_use() ? ' with permessage-deflate' : '' );

$sock->blocking(0);
my $reader = NWDemo::Reader->new( $sock, $buf );
my $writer = NWDemo::Writer->new($sock);

my $ept = Net::WebSocket::Endpoint::Client->new(
    parser    => Net::WebSocket::Parser->new($reader),
    out       => $writer,
    handshake => $hsk,
);
$ept->do_not_die_on_close();

my $data = ( $deflate && $deflate->ok_to_use() ) ? $deflate->create_data_object() : undef;

$| = 1;
my $select = IO::Select->new( $sock, \*STDIN );
my $stdin_open = 1;
my $stdin_buf = q<>;

while (1) {
    last if $ept->received_close_frame();

    my @ready = $reader->pending() ? ($sock) : $select->can_read(30);
    if ( !@ready ) {
        $ept->check_heartbeat();
        next;
    }

    for my $fh (@ready) {
        if ( $fh == \*STDIN ) {
            my $n = sysread( STDIN, $stdin_buf, 65536, length $stdin_buf );
            while ( ( my $nl = index( $stdin_buf, "\n" ) ) != -1 ) {
                my $line = substr( $stdin_buf, 0, $nl + 1, q<> );
                chomp $line;
                my $type = $binary ? 'binary' : 'text';
                my $msg = $data ? $data->create_message( $type, $line ) : $ept->create_message( $type, $line );
                $writer->write( $msg->to_bytes() );
            }
            if ( !$n ) {
                $select->remove( \*STDIN );
                $ept->close( code => 'SUCCESS', reason => 'bye' );
            }
            next;
        }

        while ( !$ept->received_close_frame() ) {
            # One frame per call: undef after a control frame or a
            # fragment; go on while that made progress.
            my $before = length $reader->{'buf'};
            my $msg = $ept->get_next_message();
            if ( !defined $msg ) {
                last if length( $reader->{'buf'} ) == $before && !$ept->has_pending();
                next;
            }
            if ( !ref $msg ) {
                warn "connection ended\n";
                exit 1;
            }
            print $msg->get_payload(), "\n";
        }
    }
}

my ($code, $reason) = $ept->received_close_frame()->get_code_and_reason();
$code //= 1005;    # an empty close frame: no status
warn "closed: $code" . ( length $reason ? " ($reason)" : '' ) . "\n";
close $sock;
exit( $code == 1000 ? 0 : 1 );
