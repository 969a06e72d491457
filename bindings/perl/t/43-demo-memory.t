use strict;
use warnings;

# The demo echo server's memory against hostile clients (t/lib/Hostile.pm,
# a raw-socket client that reads no reply while it can write):
#
# - 200 messages of 8 MiB of zeros, compressed with context takeover
#   (1.6 MB on the wire): without the receive budget and the bounded
#   loop a connection process peaked at 550 MiB;
# - 24 messages of 4 MiB that do not compress, without
#   permessage-deflate: the echoes back up, so the server must stop
#   reading instead of queueing them.
#
# Each run's peak (VmHWM of the connection process, read after the pong
# of a ping sent behind the messages: every message has been taken) must
# stay within a budget derived from the limits in force. No timing is
# asserted. Last, that the bounded loop keeps answers ahead of the close
# reply.

use Test::More;
use FindBin ();
use lib "$FindBin::Bin/lib", "$FindBin::Bin/../demo/lib";
use IPC::Open3 ();
use Symbol ();

use Hostile ();
use NWDemo::Session ();

my $demo = "$FindBin::Bin/../demo";
my $MiB = 1 << 20;

my @pids;
END { kill 'TERM', @pids if @pids }

sub start_server {
    my $out = Symbol::gensym();
    my $pid = IPC::Open3::open3( my $in, $out, undef, $^X, "$demo/echo_server.pl", '127.0.0.1:0', '--heartbeat', 0 );
    push @pids, $pid;
    my ($port) = ( <$out> // '' ) =~ m<listening on .*:(\d+)> or die 'the echo server did not start';
    return ( $pid, $port, $out );
}

sub connection_process {
    my ($server) = @_;
    for ( 1 .. 200 ) {
        my $pid = Hostile::child_of($server);
        return $pid if $pid;
        select undef, undef, undef, 0.05;    # a hang guard, not an assertion
    }
    die "no connection process under $server";
}

# Bytes above the baseline a connection may reach with messages of $m
# bytes, from the limits in force (libws's and the demo's defaults).
sub budget {
    my ($m) = @_;
    my $q = 1 * $MiB;                                    # libws's receive budget (max_queued)
    my $assembling = $m;                                 # the message libws inflates or assembles
    my $queue = NWDemo::Session::MAX_QUEUE_BYTES + $m;   # the demo's queue (one message always fits)
    my $output = NWDemo::Session::HIGH_WATER + $m;       # one answer may cross the high-water mark
    my $read = $m > 262144 ? $m : 262144;                # the reader's buffer (what libws needs next)
    my $copies = 3 * $m;    # the message being echoed, its answer, a freed block glibc keeps
    my $slack = 8 * $MiB;   # the interpreter's and the Go runtime's own growth
    return $q + $assembling + $queue + $output + $read + $copies + $slack;
}

# How many bytes the kernel may buffer in both directions' sockets, at most.
sub kernel_buffers {
    my $sum = 0;
    for my $f (qw( tcp_rmem tcp_wmem )) {
        open my $fh, '<', "/proc/sys/net/ipv4/$f" or return undef;
        my @v = split ' ', scalar <$fh>;
        $sum += $v[2];
    }
    return $sum;
}

for my $case (
    [ 'compressed zeros, context takeover', 200, 8 * $MiB, 0 ],
    [ 'incompressible, echoes backing up', 24, 4 * $MiB, 1 ],
) {
    my ( $name, $count, $size, $plain ) = @$case;
    my ( $server, $port, $log ) = start_server();
    my $sock = Hostile::connect_deflate( $port, rcvbuf => 65536, deflate => !$plain );
    my $conn = connection_process($server);

    # The baseline: libws loaded, one message echoed.
    my $warm = Hostile::send_and_sync( $sock, Hostile::frame( 0x82, 'warm-up' ) );
    is( $warm->{'messages'}, 1, "$name: the warm-up message is echoed" );
    my $baseline = Hostile::vm_hwm($conn);

    my $wire = $plain ? Hostile::plain_messages( $count, $size ) : Hostile::compressed_messages( $count, $size );
    my $got = Hostile::send_and_sync( $sock, $wire );
    my $peak = Hostile::vm_hwm($conn);

    is( $got->{'messages'}, $count, "$name: all $count messages echoed" );
    is( $got->{'message_bytes'}, $count * $size, "$name: at full length" ) if $plain;
    ok( defined $peak, "$name: the connection process is still there" );
    my $limit = $baseline + budget($size);
    cmp_ok( $peak, '<=', $limit, sprintf '%s: peak %.1f MiB within baseline %.1f MiB + budget %.1f MiB',
        $name, $peak / $MiB, $baseline / $MiB, budget($size) / $MiB );

    if ($plain) {
        my $kernel = kernel_buffers();
        SKIP: {
            skip 'the sockets could buffer all of it', 1 if !defined $kernel || $kernel >= 2 * $count * $size;
            cmp_ok( $got->{'early'}, '>', 0, "$name: the server stopped reading while its echoes were unsent (the client had to read $got->{'early'} bytes first)" );
        }
    }

    close $sock;
    kill 'TERM', $server;
    waitpid $server, 0;
    @pids = grep { $_ != $server } @pids;
}

# The queue keeps the order: messages that arrive with a close frame (in
# one read) are answered before the close reply.
{
    my ( $server, $port ) = start_server();
    my $sock = Hostile::connect_deflate( $port, deflate => 0 );
    syswrite $sock, join '', ( map { Hostile::frame( 0x81, "m$_" ) } 1 .. 20 ), Hostile::frame( 0x88, pack( 'n', 1000 ) . 'bye' );
    my ( $in, @frames ) = (q<>);
    while ( sysread( $sock, $in, 65536, length $in ) ) { }
    while ( length($in) >= 2 ) {
        my ( $b0, $len ) = unpack 'CC', $in;
        push @frames, sprintf '%x:%s', $b0 & 0xF, substr( $in, 2, $len );
        substr( $in, 0, 2 + $len, q<> );
    }
    is_deeply( \@frames, [ ( map { "1:m$_" } 1 .. 20 ), '8:' . pack( 'n', 1000 ) . 'bye' ], 'messages before a close are echoed before the close reply, then the server closes, echoing code and reason' );
    kill 'TERM', $server;
    waitpid $server, 0;
    @pids = grep { $_ != $server } @pids;
}

done_testing();
