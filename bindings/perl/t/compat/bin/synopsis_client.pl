#!/usr/bin/perl
# A client written for the original Net::WebSocket, in its SYNOPSIS's
# sequence of calls (../shared/design/seed-api.md): Handshake::Client,
# HTTP::Response + HTTP_R::handshake_parse_response, an IO::Framed reader
# (FramedSocket: its contract), Parser, Endpoint::Client, create_message
# ->to_bytes, get_next_message when the socket is readable and
# check_heartbeat on a read timeout, is_closed. With --deflate it offers
# permessage-deflate as the original's PMCE::deflate::Client documents.
#
#   synopsis_client.pl [--deflate] ws://127.0.0.1:PORT/PATH
#
# Prints what it checked, one line each; exits 0 only if every message
# came back as sent, a heartbeat ping was answered and the close was
# answered.
use strict;
use warnings;

use FindBin ();
use lib "$FindBin::Bin/../lib";

use IO::Socket::INET ();
use IO::Select ();
use HTTP::Response ();
use URI::Split ();

use FramedSocket ();
use Net::WebSocket::Handshake::Client ();
use Net::WebSocket::HTTP_R ();
use Net::WebSocket::Parser ();
use Net::WebSocket::Endpoint::Client ();
use Net::WebSocket::PMCE::deflate::Client ();

# The original's way to see pongs: an on_pong method in a subclass.
package My::Client {
    use parent -norequire, 'Net::WebSocket::Endpoint::Client';
    our @PONGS;
    sub on_pong { my ( $self, $frame ) = @_; push @PONGS, $frame->get_payload(); return $self->SUPER::on_pong($frame) }
}

$SIG{'PIPE'} = 'IGNORE';
$SIG{'ALRM'} = sub { die "timed out\n" };
alarm 20;

my $use_deflate = @ARGV && $ARGV[0] eq '--deflate' ? shift @ARGV : 0;
my $uri = shift @ARGV or die "usage: $0 [--deflate] ws://HOST:PORT/PATH\n";
my ( undef, $authority ) = URI::Split::uri_split($uri);

my $inet = IO::Socket::INET->new( PeerAddr => $authority, Timeout => 5 ) or die "connect $authority: $@\n";

# 1. The handshake.
my $deflate = $use_deflate ? Net::WebSocket::PMCE::deflate::Client->new() : undef;
my $handshake = Net::WebSocket::Handshake::Client->new(
    uri => $uri,
    ( $deflate ? ( extensions => [$deflate] ) : () ),
);
syswrite $inet, $handshake->to_string() or die "write: $!\n";

# 2. The response head, parsed by the host, validated by handshake_parse_response.
my $hdrs_txt = FramedSocket::read_head($inet) // die "no response head\n";
my $resp = HTTP::Response->parse($hdrs_txt);
Net::WebSocket::HTTP_R::handshake_parse_response( $handshake, $resp );
my $data = ( $deflate && $deflate->ok_to_use() ) ? $deflate->create_data_object() : undef;
print 'extensions=', ( $data ? 'permessage-deflate' : 'none' ), "\n";

# 3. IO::Framed, the parser, the endpoint.
my $iof = FramedSocket->new($inet);
my $parser = Net::WebSocket::Parser->new($iof);
my $ept = My::Client->new( parser => $parser, out => $iof );

# 4. Messages (compressed through the data object when negotiated).
my $utf8 = "\x{e9}t\x{e9} \x{20ac}";
utf8::encode($utf8);
my @sent = ( [ text => 'Hello, world' ], [ text => $utf8 ], [ binary => join '', map { chr } 0 .. 255 ], [ text => 'x' x 100_000 ], [ text => 'Hello, world' ] );
my @got;
my $heartbeats = 0;
my $closed;

for my $i ( 0 .. $#sent ) {
    my ( $type, $payload ) = @{ $sent[$i] };
    my $msg = $data ? $data->create_message( $type, $payload ) : $ept->create_message( $type, $payload );
    $iof->write( $msg->to_bytes() );

    # 5. Wait for the echo: get_next_message when readable, check_heartbeat on a timeout.
    # Before the last message, let one timeout pass so the heartbeat pings.
    my $wait_for_pong = ( $i == $#sent );
    while ( @got <= $i || ( $wait_for_pong && !@My::Client::PONGS ) ) {
        if ( IO::Select->new($inet)->can_read(0.3) ) {
            my $m = $ept->get_next_message();
            die "end of input\n" if defined $m && !ref $m;
            next if !$m;
            my $p = ( $data && $data->message_is_compressed($m) ) ? $data->decompress( $m->get_payload() ) : $m->get_payload();
            push @got, [ $m->get_type(), $p ];
        }
        else {
            $ept->check_heartbeat();
            $heartbeats++;
            exit 3 if $ept->is_closed();
        }
    }
}

my $ok = 1;
for my $i ( 0 .. $#sent ) {
    my $same = $got[$i][0] eq $sent[$i][0] && $got[$i][1] eq $sent[$i][1];
    printf "echo %d %s %d bytes: %s\n", $i, $sent[$i][0], length $sent[$i][1], $same ? 'ok' : 'MISMATCH';
    $ok &&= $same;
}
printf "heartbeat pings: %d, pongs: %d\n", $heartbeats, scalar @My::Client::PONGS;
print "pong: $My::Client::PONGS[0]\n" if @My::Client::PONGS;

# The client closes; the peer's reply arrives as ReceivedClose.
$ept->close( code => 'SUCCESS', reason => 'synopsis done' );
while ( !$closed ) {
    IO::Select->new($inet)->can_read(5) or die "no close reply\n";
    my $m = eval { $ept->get_next_message() };
    if ( my $err = $@ ) {
        die $err if !( ref $err && $err->isa('Net::WebSocket::X::ReceivedClose') );
        my ( $code, $reason ) = $ept->received_close_frame()->get_code_and_reason();
        print "closed code=$code\n";
        $closed = 1;
    }
}
print 'is_closed=', ( $ept->is_closed() ? 1 : 0 ), "\n";

exit( $ok && @My::Client::PONGS && $closed ? 0 : 1 );
