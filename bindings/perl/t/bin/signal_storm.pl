#!/usr/bin/perl
# A Perl program with %SIG handlers for CHLD, USR1 and ALRM that uses libws
# heavily (handshakes, compressed messages, heartbeats) while a storm of
# those signals arrives: from a child process (kill), from its own
# children exiting (SIGCHLD), and from an interval timer (SIGALRM). The Go
# runtime's threads exist the whole time. Prints the handler counts.
#
#   perl signal_storm.pl SECONDS
#
# With LIBWS_NO_SIGNAL_FORWARD=1 the binding does not route signals to
# perl's thread: a threaded perl before 5.42 then crashes.

use strict;
use warnings;

use FindBin ();
use lib "$FindBin::Bin/../../lib", "$FindBin::Bin/../lib";

use POSIX ();
use Time::HiRes ();

use Net::WebSocket::LibWS ();
use Net::WebSocket::LibWS::Connection ();
use TestWS qw( open_pair all_events );

my $seconds = shift // 3;

my %count = map { $_ => 0 } qw( CHLD USR1 ALRM LOCAL_ALRM );
$SIG{'CHLD'} = sub { $count{'CHLD'}++ };
$SIG{'USR1'} = sub { $count{'USR1'}++ };
$SIG{'ALRM'} = sub { $count{'ALRM'}++ };

my %use = map { $_ => 1 } split /,/, ( $ENV{'STORM_SIGS'} // 'CHLD,USR1,ALRM' );

Net::WebSocket::LibWS::load();    # the Go runtime and its threads start here


# Handlers set after loading go through the forwarding too.
$SIG{'USR1'} = sub { $count{'USR1'}++ };

# Microseconds between two kills (0: as fast as possible).
my $pause = $ENV{'STORM_PAUSE_US'} // 50;

my $parent = $$;
my $killer = fork // die "fork: $!";
if ( !$killer ) {
    # The storm: USR1 and CHLD, as fast as the parent takes them.
    my $end = Time::HiRes::time() + $seconds;
    my $n = 0;
    while ( Time::HiRes::time() < $end ) {
        my $sig = ( $n++ % 3 ? 'USR1' : 'CHLD' );
        next if !$use{$sig};
        kill( $sig, $parent ) or last;
        Time::HiRes::usleep($pause) if $pause;
    }
    POSIX::_exit(0);
}

Time::HiRes::ualarm( 500, 500 ) if $use{'ALRM'};

my $end = Time::HiRes::time() + $seconds;
my ($iterations, $messages, $children) = (0, 0, 0);
my $text = 'hello world ' x 40;

while ( Time::HiRes::time() < $end ) {
    $iterations++;

    my ($c, $s) = open_pair( deflate => 1, server_opts => { max_pings => 1000 } );
    for ( 1 .. 20 ) {
        $c->send_text($text);
        $c->ping('p');
        $s->feed( $c->take_output );
        for my $ev ( all_events($s) ) {
            if ( $ev->type eq 'text' ) { $s->send_binary( $ev->data ); $messages++ }
        }
        $s->heartbeat;
        $c->feed( $s->take_output );
        all_events($c);
    }
    $c->close( 1000, 'done' );
    $s->feed( $c->take_output );
    all_events($s);

    if ( $iterations % 10 == 0 ) {
        # local $SIG{ALRM} re-installs perl's handler through PL_csighandlerp.
        local $SIG{'ALRM'} = sub { $count{'LOCAL_ALRM'}++ };
        my ($c2, $s2) = open_pair();
        $c2->send_binary('x') for 1 .. 50;
        $s2->feed( $c2->take_output );
        all_events($s2);
        Time::HiRes::usleep(2000);
    }

    if ( $iterations % 5 == 0 && $use{'CHLD'} ) {
        # Real SIGCHLDs: children that exit at once (they never touch libws).
        my $pid = fork // die "fork: $!";
        POSIX::_exit(0) if !$pid;
        $children++;
    }
    1 while waitpid( -1, POSIX::WNOHANG() ) > 0;
}

Time::HiRes::ualarm(0);
$SIG{'ALRM'} = 'IGNORE';
1 while waitpid( $killer, 0 ) == -1 && $!{'EINTR'};
1 while waitpid( -1, POSIX::WNOHANG() ) > 0;

printf "iterations=%d messages=%d children=%d CHLD=%d USR1=%d ALRM=%d LOCAL_ALRM=%d\n",
    $iterations, $messages, $children, @count{qw( CHLD USR1 ALRM LOCAL_ALRM )};
exit 0;
