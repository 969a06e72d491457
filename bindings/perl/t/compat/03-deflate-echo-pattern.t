#!/usr/bin/perl
# The original's compressed echo-server pattern, in process: the server
# negotiates permessage-deflate, makes its endpoint WITHOUT the handshake,
# and inflates with its data object only what is still compressed.
use strict;
use warnings;
use Test::More;
use FindBin ();
use lib "$FindBin::Bin/lib", "$FindBin::Bin/../lib";

use FramedReader ();
use TestWS ();
use Net::WebSocket::Handshake::Server ();
use Net::WebSocket::Handshake::Client ();
use Net::WebSocket::PMCE::deflate::Server ();
use Net::WebSocket::PMCE::deflate::Client ();
use Net::WebSocket::Endpoint::Server ();
use Net::WebSocket::Parser ();

sub headers_of { my ($head) = $_[0] =~ m<\A[^\r]*\r\n(.*?)\r\n\r\n>s; return map { split /:\s*/, $_, 2 } split /\r\n/, $head }

my $cdef = Net::WebSocket::PMCE::deflate::Client->new();
my $chs = Net::WebSocket::Handshake::Client->new( uri => 'ws://localhost/', extensions => [$cdef] );
my $sdef = Net::WebSocket::PMCE::deflate::Server->new();
my $shs = Net::WebSocket::Handshake::Server->new( extensions => [$sdef] );
$shs->consume_headers( headers_of( $chs->to_string ) );
ok( $sdef->ok_to_use, 'server: deflate negotiated' );
$chs->consume_headers( headers_of( $shs->to_string ) );
ok( $cdef->ok_to_use, 'client: deflate agreed' );

my $r = FramedReader->new();
my $ept = Net::WebSocket::Endpoint::Server->new( parser => Net::WebSocket::Parser->new($r), out => TestWS::writer() );
my $data = $sdef->create_data_object();
my $cdata = $cdef->create_data_object();

my @sent = ( 'HelloHello', 'HelloHello', 'x' x 5000, "\x{e9}t\x{e9}" );
utf8::encode( $sent[3] );
$r->add( $cdata->create_message( 'text', $_ )->to_bytes ) for @sent;
my @got;
while ( ref( my $msg = $ept->get_next_message() ) ) {
    push @got, $data->message_is_compressed($msg) ? $data->decompress( $msg->get_payload() ) : $msg->get_payload();
}
is_deeply( \@got, \@sent, 'compressed messages through an endpoint made without the handshake' );

# Strict where nothing was negotiated: the next endpoint has no pending handshake.
{
    my $r2 = FramedReader->new( $cdata->create_message( 'text', 'again' )->to_bytes );
    my $plain = Net::WebSocket::Endpoint::Server->new( parser => Net::WebSocket::Parser->new($r2), out => TestWS::writer() );
    ok( !eval { $plain->get_next_message; 1 } && ref $@ && $@->isa('Net::WebSocket::X::ReceivedBadDataFrame'), 'an endpoint with no negotiation: RSV1 fails the connection' );
}

# Context takeover as negotiated: a repeated short message shrinks.
{
    my $d = $cdef->create_data_object();
    my $first = length( ( $d->create_message( 'text', 'HelloHello' )->get_frames )[0]->get_payload );
    my $second = length( ( $d->create_message( 'text', 'HelloHello' )->get_frames )[0]->get_payload );
    cmp_ok( $second, '<', $first, "with context takeover the repeat shrinks ($first, then $second bytes)" );
}

done_testing();
