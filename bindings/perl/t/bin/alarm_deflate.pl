#!/usr/bin/perl
# A $SIG{ALRM} handler, an interval timer of 2 ms and a permessage-deflate
# workload: the case that crashed when LIBWS_NO_SIGNAL_BLOCK=1 skipped the
# signal mask at load. Prints the alarms handled, the messages echoed and
# how many threads besides this one leave SIGALRM unblocked (the Go
# runtime's threads must not).
#
#   perl alarm_deflate.pl [CONNECTIONS]    (20 messages each; default 30)

use strict;
use warnings;

use FindBin ();
use lib "$FindBin::Bin/../../lib", "$FindBin::Bin/../lib";

use POSIX ();
use Time::HiRes ();

use Net::WebSocket::LibWS ();
use TestWS qw( open_pair all_events );

my $connections = shift // 30;

my $alarms = 0;
$SIG{'ALRM'} = sub { $alarms++ };

Net::WebSocket::LibWS::load();

# Threads other than this one with SIGALRM deliverable.
my $bit = 1 << ( POSIX::SIGALRM() - 1 );
my $unblocked = 0;
for my $task ( glob "/proc/$$/task/*" ) {
    next if $task =~ m</\Q$$\E\z>;
    open my $fh, '<', "$task/status" or next;
    my ($blk) = do { local $/; <$fh> } =~ m<^SigBlk:\s+([0-9a-f]+)>m or next;
    $unblocked++ if !( hex( substr( $blk, -8 ) ) & $bit );
}

Time::HiRes::ualarm( 2000, 2000 );
my $messages = 0;
my $text = join ' ', map { "word$_" } 1 .. 2000;
for ( 1 .. $connections ) {
    my ($c, $s) = open_pair( deflate => 1 );
    for ( 1 .. 20 ) {
        $c->send_text($text);
        $s->feed( $c->take_output );
        for my $ev ( all_events($s) ) {
            next if $ev->type ne 'text';
            $s->send_text( $ev->data );
            $messages++;
        }
        $c->feed( $s->take_output );
        all_events($c);
    }
}
Time::HiRes::ualarm(0);

printf "alarms=%d messages=%d unblocked_threads=%d\n", $alarms, $messages, $unblocked;
exit 0;
