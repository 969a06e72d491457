#!/usr/bin/perl
# The original's calls as the very first use of the library (each in a
# fresh perl): any public method must work first.
use strict;
use warnings;
use Test::More;
use FindBin ();

my $lib = "$FindBin::Bin/../../lib";
my %first = (
    'Parser->get_next_frame' => q{use Net::WebSocket::Parser; package R; sub new { bless { b => $_[1] } } sub read { return undef if length( $_[0]{b} ) < $_[1]; substr( $_[0]{b}, 0, $_[1], '' ) } package main; my $f = Net::WebSocket::Parser->new( R->new( "\x81\x05hello" ) )->get_next_frame(); print $f->get_payload()},
    'Frame::text->new->to_bytes' => q{use Net::WebSocket::Frame::text; print unpack 'H*', Net::WebSocket::Frame::text->new( payload => 'hello' )->to_bytes()},
    'Mask::create' => q{use Net::WebSocket::Mask; print length Net::WebSocket::Mask::create()},
    'Handshake::Client->to_string' => q{use Net::WebSocket::Handshake::Client; print Net::WebSocket::Handshake::Client->new( uri => 'ws://localhost/' )->to_string() =~ /^GET/ ? 'GET' : 'no'},
    'PMCE::deflate::Client->get_handshake_object' => q{use Net::WebSocket::PMCE::deflate::Client; print Net::WebSocket::PMCE::deflate::Client->new()->get_handshake_object()->token()},
);
my %want = ( 'Parser->get_next_frame' => 'hello', 'Frame::text->new->to_bytes' => '810568656c6c6f', 'Mask::create' => 4,
    'Handshake::Client->to_string' => 'GET', 'PMCE::deflate::Client->get_handshake_object' => 'permessage-deflate' );
for my $name ( sort keys %first ) {
    open my $fh, '-|', $^X, "-I$lib", '-e', $first{$name} or die $!;
    my $out = do { local $/; <$fh> };
    close $fh;
    is( $out, $want{$name}, "$name as the first call" );
}
done_testing();
