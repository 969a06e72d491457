use strict;
use warnings;

# A Perl program with $SIG{CHLD}, $SIG{USR1} and $SIG{ALRM} handlers (and a
# "local $SIG{ALRM}") survives a storm of those signals - from a child
# process, from its own children exiting, from an interval timer - while
# it works with libws (handshakes, compressed messages, heartbeats) and
# the Go runtime has threads. Without the binding's protection (the
# control run) the same program crashes: threaded perl's handler runs on a
# Go thread.

use Test::More;
use Config;
use FindBin ();
use POSIX ();

my $storm = "$FindBin::Bin/bin/signal_storm.pl";
my $seconds = $ENV{'STORM_SECONDS'} || 2;

sub run_storm {
    my (%env) = @_;
    local %ENV = ( %ENV, %env );
    my $pid = open( my $fh, '-|' ) // die "fork: $!";
    if ( !$pid ) {
        open STDERR, '>', '/dev/null';
        exec $^X, $storm, $seconds or POSIX::_exit(127);
    }
    local $/;
    my $out = <$fh>;
    close $fh;
    return ( $?, $out // '' );
}

for my $run ( 1 .. 2 ) {
    my ($status, $out) = run_storm();
    is( $status, 0, "storm run $run: the program exits normally" ) or diag "status $status (signal " . ( $status & 127 ) . "), output: $out";
    my %n = $out =~ m<(\w+)=(\d+)>g;
    cmp_ok( $n{'CHLD'} // 0, '>=', 500, "run $run: SIGCHLD handled ($n{'CHLD'})" );
    cmp_ok( $n{'USR1'} // 0, '>=', 500, "run $run: SIGUSR1 handled ($n{'USR1'})" );
    cmp_ok( $n{'ALRM'} // 0, '>=', 500, "run $run: SIGALRM handled ($n{'ALRM'})" );
    cmp_ok( $n{'LOCAL_ALRM'} // 0, '>', 0, "run $run: local \$SIG{ALRM} handled ($n{'LOCAL_ALRM'})" );
    cmp_ok( $n{'messages'} // 0, '>', 1000, "run $run: libws was busy ($n{'messages'} messages, $n{'iterations'} handshakes)" );
    cmp_ok( $n{'children'} // 0, '>', 10, "run $run: children forked and reaped ($n{'children'})" );
    note $out;
}

# LIBWS_NO_SIGNAL_BLOCK=1 once skipped the signal mask at load, and that
# crashed perl (SIGALRM on the Go runtime's threads). It must change
# nothing now: the runtime's threads block SIGALRM, an interval timer
# during a deflate workload is survived, and the variable gets one warning.
{
    my $err = "/tmp/libws-41-signals.$$.err";
    my $out = do {
        local $ENV{'LIBWS_NO_SIGNAL_BLOCK'} = 1;
        `$^X $FindBin::Bin/bin/alarm_deflate.pl 30 2>$err`;
    };
    my $status = $?;
    my $stderr = do { local ( @ARGV, $/ ) = ($err); <> } // '';
    unlink $err;
    is( $status, 0, 'LIBWS_NO_SIGNAL_BLOCK=1, ualarm(2000, 2000) and deflate: the program exits normally' )
        or diag "status $status (signal " . ( $status & 127 ) . "), stderr: $stderr";
    my %n = $out =~ m<(\w+)=(\d+)>g;
    is( $n{'unblocked_threads'}, 0, 'LIBWS_NO_SIGNAL_BLOCK=1: no Go runtime thread takes SIGALRM (the mask at load is still applied)' )
        or diag $out;
    is( $n{'messages'}, 600, 'LIBWS_NO_SIGNAL_BLOCK=1: every compressed message echoed (30 connections of 20)' );
    cmp_ok( $n{'alarms'} // 0, '>', 0, 'LIBWS_NO_SIGNAL_BLOCK=1: SIGALRM handled meanwhile (' . ( $n{'alarms'} // 0 ) . ' times)' );
    is( () = $stderr =~ m<LIBWS_NO_SIGNAL_BLOCK is ignored>g, 1, 'LIBWS_NO_SIGNAL_BLOCK=1: one warning says it is ignored' ) or diag $stderr;
}

SKIP: {
    skip 'the control run needs a threaded perl before 5.42', 1 if !$Config{'usethreads'} || $] >= 5.042;

    # The control: no protection. A threaded perl crashes (killed by a
    # signal or aborted by the Go runtime); a few tries make it certain.
    my @statuses;
    for ( 1 .. 3 ) {
        my ($status) = run_storm( LIBWS_NO_SIGNAL_FORWARD => 1 );
        push @statuses, $status;
        last if $status != 0;
    }
    ok( ( grep { $_ != 0 } @statuses ), 'control (LIBWS_NO_SIGNAL_FORWARD=1): the same program crashes' )
        or diag "statuses: @statuses";
    note 'control exit statuses: ' . join ' ', map { ( $_ & 127 ) ? 'signal ' . ( $_ & 127 ) : 'exit ' . ( $_ >> 8 ) } @statuses;
}

done_testing();
