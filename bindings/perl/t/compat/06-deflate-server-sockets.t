#!/usr/bin/perl
# The original's compressed echo-server pattern (bin/deflate_echo_server.pl:
# Handshake::Server + PMCE::deflate::Server, Endpoint::Server made without
# the handshake, the data object's message_is_compressed ? decompress :
# get_payload, echoes made by the data object), run unchanged against real
# clients over loopback: libws's C client (examples/c, -z) and Debian's
# python3-websockets (compression="deflate", then none). A missing peer
# fails.
use strict;
use warnings;
use Test::More;
use FindBin ();
use lib "$FindBin::Bin/lib";

use Peers ();

# libws's C client: deflate (a fragmented message with a ping between,
# a ping, a 50 KB message), then without.
{
    my $ws_client = eval { Peers::c_program('ws_client') };
    ok( $ws_client, 'C client built' ) or diag $@;
    my ( $pid, $port, $out ) = Peers::perl_deflate_server(2);
    my $big = 'y' x 50_000;
    my ( $st, $text ) = Peers::run( $ws_client // 'ws_client', '-z', '-P', '-f', 'frag mented', "ws://127.0.0.1:$port/z", 'hello', $big );
    is( $st, 0, 'C client, deflate: every echo came back as sent' ) or diag $text;
    like( $text, qr<^open: HTTP 101, subprotocol: none, extensions: permessage-deflate$>m, '... permessage-deflate agreed' );
    is( () = $text =~ m{^< text, \d+ bytes \(compressed\)}mg, 3, '... the server\'s echoes were compressed (data object)' ) or diag $text;
    like( $text, qr{^< pong "are you there\?"$}m, '... ping answered' );
    like( $text, qr<^close: 1000 "" \(initiated by us\)$>m, '... clean close' );
    ( $st, $text ) = Peers::run( $ws_client // 'ws_client', '-P', "ws://127.0.0.1:$port/plain", 'hello' );
    is( $st, 0, 'C client, no extension: echoed' ) or diag $text;
    like( $text, qr<extensions: none>, '... no extension' );
    my ( $log, $status ) = Peers::finish( $pid, $out, wait => 1 );
    is( $status, 0, 'the Perl server served both connections' ) or diag $log;
    like( $log, qr<^connection 1: deflate=1 messages=3 close=1000$>m, 'server: deflate connection, 3 messages' ) or diag $log;
    like( $log, qr<^connection 2: deflate=0 messages=1 close=1000$>m, 'server: plain connection, 1 message' ) or diag $log;
}

# python3-websockets: deflate, then none; the close reason is echoed.
{
    my $py = eval { Peers::python_websockets() };
    ok( $py, 'python3-websockets' ) or diag $@;
    my ( $pid, $port, $out ) = Peers::perl_deflate_server(2);
    my ( $st, $text ) = Peers::run( $py // $Peers::PY, Peers::bin('py_client.py'), "ws://127.0.0.1:$port/py" );
    is( $st, 0, 'python client: every check passed' ) or diag $text;
    like( $text, qr<^connected compression=deflate extensions=PerMessageDeflate$>m, '... permessage-deflate agreed' );
    like( $text, qr<^connected compression=None extensions=none$>m, '... and without it' );
    is( () = $text =~ m<^echo ok$>mg, 2, '... echoes (text, UTF-8, 100 KB, binary, empty)' );
    is( () = $text =~ m<^ping ok$>mg, 2, '... pings answered' );
    is( () = $text =~ m<^closed code=1000 reason=bye$>mg, 2, '... the close echoed with its code and reason' );
    my ( $log, $status ) = Peers::finish( $pid, $out, wait => 1 );
    is( $status, 0, 'the Perl server served both connections' ) or diag $log;
    like( $log, qr<^connection 1: deflate=1 messages=5 close=1000$>m, 'server: deflate connection, 5 messages' ) or diag $log;
    like( $log, qr<^connection 2: deflate=0 messages=5 close=1000$>m, 'server: plain connection, 5 messages' ) or diag $log;
}

done_testing();
