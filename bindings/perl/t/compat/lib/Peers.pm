package Peers;

# The real peers of the t/compat socket tests, each started on a free
# loopback port: libws's C echo server and client (examples/c, built with
# make when missing) and Debian's python3-websockets (/usr/bin/python3).
# A peer that cannot be had is an exception saying what to install or
# build: the tests fail then, they never skip.

use strict;
use warnings;

use Cwd ();
use File::Basename ();
use IPC::Open3 ();
use Symbol ();

our $PY = '/usr/bin/python3';
my $ROOT = Cwd::abs_path( File::Basename::dirname(__FILE__) . '/../../../../..' );
my $BIN = Cwd::abs_path( File::Basename::dirname(__FILE__) . '/../bin' );

my @PIDS;
END { kill 'TERM', @PIDS if @PIDS }

sub bin { return "$BIN/$_[0]" }

# build/echo_server and build/ws_client of the libws tree.
sub c_program {
    my ($name) = @_;
    my $path = "$ROOT/build/$name";
    if ( !-x $path ) {
        -e "$ROOT/examples/c/Makefile" or die "no libws source tree at $ROOT: the C peers need examples/c\n";
        my $out = `make -C '$ROOT/examples/c' 2>&1`;
        die "make -C examples/c failed (needs a C compiler and build/libws.so: make lib):\n$out" if $? != 0;
    }
    -x $path or die "$path is missing after make -C examples/c\n";
    return $path;
}

sub python_websockets {
    -x $PY or die "$PY is missing: install Debian's python3 and python3-websockets (apt-get install python3-websockets)\n";
    system( $PY, '-c', 'import websockets' ) == 0
        or die "$PY cannot import websockets: install Debian's python3-websockets (apt-get install python3-websockets)\n";
    return $PY;
}

# Starts CMD, waits for the line with its port (PATTERN's $1). Returns
# (pid, port, output handle with the rest of its output).
sub start {
    my ( $pattern, @cmd ) = @_;
    my $out = Symbol::gensym();
    my $pid = IPC::Open3::open3( my $in, $out, undef, @cmd );
    push @PIDS, $pid;
    my $line = '';
    local $SIG{'ALRM'} = sub { die "no port from @cmd within 10 s\n" };
    alarm 10;
    while ( defined( my $l = <$out> ) ) {
        $line .= $l;
        if ( $l =~ $pattern ) { alarm 0; return ( $pid, $1, $out ) }
    }
    alarm 0;
    die "no port from @cmd: $line\n";
}

sub c_echo_server {
    my (@args) = @_;
    return start( qr<listening on ws://127\.0\.0\.1:(\d+)/>, c_program('echo_server'), '-p', 0, '-i', 0, @args );
}

sub python_echo_server {
    my $py = python_websockets();
    return start( qr<\A(\d+)\s*\z>, $py, "$BIN/../../interop/server.py", 60 );
}

sub perl_deflate_server {
    my ($connections) = @_;
    return start( qr<listening on ws://127\.0\.0\.1:(\d+)/>, $^X, bin('deflate_echo_server.pl'), $connections );
}

# Stops a started peer; returns the rest of its output.
sub finish {
    my ( $pid, $out, %opts ) = @_;
    kill 'TERM', $pid if !$opts{'wait'};
    local $SIG{'ALRM'} = sub { kill 'KILL', $pid };
    alarm 15;
    my $rest = do { local $/; <$out> } // '';
    waitpid $pid, 0;
    my $status = $?;
    alarm 0;
    @PIDS = grep { $_ != $pid } @PIDS;
    return wantarray ? ( $rest, $status ) : $rest;
}

# Runs CMD to its end (at most 60 s); returns (exit status, output).
sub run {
    my (@cmd) = @_;
    my $out = Symbol::gensym();
    my $pid = IPC::Open3::open3( my $in, $out, undef, @cmd );
    local $SIG{'ALRM'} = sub { kill 'KILL', $pid };
    alarm 60;
    my $text = do { local $/; <$out> } // '';
    waitpid $pid, 0;
    my $status = $?;
    alarm 0;
    return ( $status, $text );
}

1;
