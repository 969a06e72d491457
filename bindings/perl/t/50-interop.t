use strict;
use warnings;

# Loopback interop of the demos with a real peer: Debian's
# python3-websockets (under /usr/bin/python3). A missing peer is a failure.
# (t/browser/: the echo demo against headless Chromium.)

use Test::More;
use FindBin ();
use IPC::Open3 ();
use POSIX ();
use Symbol ();

my $PY = '/usr/bin/python3';
my $demo = "$FindBin::Bin/../demo";
my $interop = "$FindBin::Bin/interop";

my $have = -x $PY && system( $PY, '-c', 'import websockets' ) == 0;
ok( $have, 'python3-websockets is installed (apt-get install python3-websockets)' ) or BAIL_OUT('no interop peer');

my @pids;
END { kill 'TERM', @pids if @pids }

# Starts a demo server on a free port; returns (pid, port).
sub start_server {
    my (@cmd) = @_;
    my $out = Symbol::gensym();
    my $pid = IPC::Open3::open3( my $in, $out, undef, $^X, @cmd );
    push @pids, $pid;
    my $line = <$out>;
    my ($port) = ( $line // '' ) =~ m<listening on .*:(\d+)> or die "no port from @cmd: " . ( $line // 'EOF' );
    return ( $pid, $port, $out );
}

sub run_py {
    my (@args) = @_;
    my $out = `$PY @args 2>&1`;
    return ( $?, $out );
}

{
    my ($pid, $port) = start_server( "$demo/echo_server.pl", 0, '--heartbeat', '0.5' );
    my ($st, $out) = run_py( "$interop/client.py", 'echo', "ws://127.0.0.1:$port/chat" );
    is( $st, 0, 'python client against the Perl echo server' ) or diag $out;
    like( $out, qr<connected compression=deflate extensions=PerMessageDeflate>, 'permessage-deflate negotiated' );
    like( $out, qr<connected compression=None extensions=none>, 'and without it' );
    is( () = $out =~ m<echo ok>g, 2, 'echoes: text, UTF-8, 200 KB, binary, empty' );
    is( () = $out =~ m<fragmented ok>g, 2, 'fragmented message' );
    is( () = $out =~ m<ping ok>g, 2, 'ping answered' );
    is( () = $out =~ m<closed code=1000>g, 2, 'clean close, code 1000' );

    ($st, $out) = run_py( "$interop/client.py", 'heartbeat', "ws://127.0.0.1:$port/" );
    is( $st, 0, 'heartbeat pings from the server are answered and the connection lives on' ) or diag $out;
    kill 'TERM', $pid;
    waitpid $pid, 0;
}

{
    my ($pid, $port) = start_server( "$demo/push_server.pl", 0, '--interval', '0.05' );
    my ($st, $out) = run_py( "$interop/client.py", 'push', "ws://127.0.0.1:$port/", 3 );
    is( $st, 0, 'python client receives the streamed messages of the push server' ) or diag $out;
    like( $out, qr<push ok 3>, 'three "012" messages' );
    kill 'TERM', $pid;
    waitpid $pid, 0;
}

{
    # The Perl wscat-like client against a python echo server.
    my $out_fh = Symbol::gensym();
    my $pid = IPC::Open3::open3( my $in, $out_fh, undef, $PY, "$interop/server.py", 20 );
    push @pids, $pid;
    my $port = <$out_fh>;
    chomp $port;
    ok( $port, "python echo server on port $port" );

    my $wpid = IPC::Open3::open3( my $win, my $wout = Symbol::gensym(), undef, $^X, "$demo/wscat.pl", "ws://127.0.0.1:$port/" );
    $win->autoflush(1);
    print {$win} "hello\n", "wörld\n", ( 'z' x 5000 ) . "\n";
    # Wait for the three echoes, then end the input (wscat then closes).
    my @lines;
    {
        local $SIG{ALRM} = sub { die "timeout\n" };
        alarm 15;
        eval {
            while ( my $l = <$wout> ) {
                push @lines, $l;
                last if $l =~ m<^z{5000}$>;
            }
        };
        alarm 0;
    }
    close $win;
    push @lines, <$wout>;
    waitpid $wpid, 0;
    is( $? >> 8, 0, 'wscat exits 0 (closed with 1000)' );
    my $all = join '', @lines;
    like( $all, qr<connected with permessage-deflate>, 'wscat negotiated permessage-deflate with python' );
    like( $all, qr<^hello$>m, 'echo 1' );
    like( $all, qr<^wörld$>m, 'echo 2 (UTF-8)' );
    like( $all, qr<^z{5000}$>m, 'echo 3 (5000 bytes, compressed)' );
    like( $all, qr<closed: 1000>, 'close handshake' );
    kill 'TERM', $pid;
    waitpid $pid, 0;
}

done_testing();
