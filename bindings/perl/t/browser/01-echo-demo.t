#!/usr/bin/perl
# The echo demo (demo/echo_server.pl) against a real browser: headless
# Chromium, driven as the interop matrix drives it (t/lib/Browser.pm runs
# tests/interop/node/chromium.js, so this needs the libws source tree, not
# only the binding's distribution), with permessage-deflate negotiated. A
# missing browser, node or driver is a failure.
use strict;
use warnings;

use Test::More;
use FindBin ();
use lib "$FindBin::Bin/../lib";
use IPC::Open3 ();
use Symbol ();

use Browser ();

my $demo = "$FindBin::Bin/../../demo";

my @pids;
END { kill 'TERM', @pids if @pids }

# The demo on a free port: (pid, port, its output).
my $out = Symbol::gensym();
my $pid = IPC::Open3::open3( my $in, $out, undef, $^X, "$demo/echo_server.pl", 0, '--heartbeat', '0.2' );
push @pids, $pid;
my ($port) = ( scalar( <$out> ) // '' ) =~ m<listening on .*:(\d+)> or die "the echo demo did not start\n";

{
    # A real browser against the echo server, with permessage-deflate: the
    # matrix page's exchange (UTF-8 text, binary, 1 MiB, a compressible
    # text 3 times, the browser's close 4000) on two connections, with the
    # server's heartbeat on (0.2 s: a browser that did not answer its pings
    # would be closed with 1008).
    my ( $st, $results, $text ) = eval { Browser::run( "ws://127.0.0.1:$port/A", "ws://127.0.0.1:$port/C" ) };
    ok( $results, 'headless Chromium ran' ) or diag $@;
    is( $st, 0, 'chromium.js exits 0' ) or diag $text;
    is( scalar( @{ $results || [] } ), 2, 'two connections reported' ) or diag $text;
    for my $r ( @{ $results || [] } ) {
        ok( $r->{'ok'}, "browser $r->{'conn'}: the exchange passed" ) or diag "failed at $r->{'failed'}: $r->{'error'}";
        is_deeply( [ grep { my $s = $_; grep { $_ eq $s } @{ $r->{'passed'} } } qw( open deflate text binary large compressed close end ) ],
            [qw( open deflate text binary large compressed close end )], "browser $r->{'conn'}: open, deflate, every echo, the close and the server's TCP close" )
            or diag explain $r;
        like( $r->{'extensions'}, qr<\Apermessage-deflate\b>, "browser $r->{'conn'}: permessage-deflate negotiated ($r->{'extensions'})" );
    }
    kill 'TERM', $pid;
    waitpid $pid, 0;
    @pids = ();
    my $log = do { local $/; <$out> } // '';
    is( () = $log =~ m<^127\.0\.0\.1:\d+ open, extensions: permessage-deflate\b>mg, 2, 'the server agreed permessage-deflate on both' ) or diag $log;
}


done_testing();
