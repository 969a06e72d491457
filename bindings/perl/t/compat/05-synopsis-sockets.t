#!/usr/bin/perl
# A program in the original's SYNOPSIS style (bin/synopsis_client.pl: its
# calls, an IO::Framed-contract reader over the socket), run unchanged,
# with and without permessage-deflate, against real servers over
# loopback: libws's C echo server (examples/c) and Debian's
# python3-websockets (compression="deflate"). A missing peer fails.
use strict;
use warnings;
use Test::More;
use FindBin ();
use lib "$FindBin::Bin/lib";

use Peers ();

my $client = Peers::bin('synopsis_client.pl');
my @lib = ( "-I$FindBin::Bin/../../lib" );

my %server = (
    'C echo server' => sub { Peers::c_echo_server( '-n', 2 ) },
    'python3-websockets' => \&Peers::python_echo_server,
);

for my $peer ( sort keys %server ) {
    my ( $pid, $port, $out ) = eval { $server{$peer}->() };
    if ( !$pid ) {
        fail("$peer: started");
        diag $@;
        next;
    }
    for my $deflate ( 0, 1 ) {
        my $name = "$peer, " . ( $deflate ? 'deflate offered' : 'no extension' );
        my ( $st, $text ) = Peers::run( $^X, @lib, $client, ( $deflate ? '--deflate' : () ), "ws://127.0.0.1:$port/synopsis" );
        is( $st, 0, "$name: the SYNOPSIS program succeeds" ) or diag $text;
        like( $text, qr<^extensions=\Q@{[ $deflate ? 'permessage-deflate' : 'none' ]}\E$>m, "$name: extensions as offered" );
        is( () = $text =~ m<^echo \d+ \w+ \d+ bytes: ok$>mg, 5, "$name: 5 messages echoed (text, UTF-8, binary, 100 KB)" );
        like( $text, qr<^pong: \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4} UTC: ping #0 \([0-9a-f]+\)$>m, "$name: check_heartbeat's ping (the original's payload) answered" );
        like( $text, qr<^closed code=1000$>m, "$name: close answered (ReceivedClose)" );
        like( $text, qr<^is_closed=1$>m, "$name: is_closed" );
    }
    if ( $peer =~ /^C/ ) {
        my ($log) = Peers::finish( $pid, $out, wait => 1 );
        is( () = $log =~ m<^\[#2\] (?:text|binary), \d+ bytes \(compressed\)>mg, 5, 'C server: the deflate connection\'s messages arrived compressed' ) or diag $log;
        like( $log, qr<^\[#1\] open /synopsis, extensions: none$>m, 'C server: the first connection without extension' );
        like( $log, qr{^\[#2\] ping, \d+ bytes -> pong queued$}m, 'C server: the heartbeat ping arrived' );
    }
    else {
        Peers::finish( $pid, $out );
    }
}

done_testing();
