#!/usr/bin/perl
# The original's close echo (code and reason) and heartbeat payloads
# ("<gmtime> UTC: ping #N (<hex>)", from its Net::WebSocket::PingStore),
# seen by a libws peer on the wire; and the native layer's options for
# both (echo_close_reason, heartbeat(PAYLOAD)).
use strict;
use warnings;
use Test::More;
use FindBin ();
use lib "$FindBin::Bin/lib", "$FindBin::Bin/../lib";

use FramedReader ();
use TestWS qw( all_events throws_x );
use Net::WebSocket::Endpoint::Server ();
use Net::WebSocket::Endpoint::Client ();
use Net::WebSocket::Parser ();
use Net::WebSocket::LibWS::Connection ();

my $CONN = 'Net::WebSocket::LibWS::Connection';

# An endpoint of ROLE and a native peer of the other role.
sub pair {
    my ( $role, %opts ) = @_;
    my $r = FramedReader->new();
    my $w = TestWS::writer();
    my $class = $role eq 'server' ? 'Net::WebSocket::Endpoint::Server' : 'Net::WebSocket::Endpoint::Client';
    my $ept = $class->new( parser => Net::WebSocket::Parser->new($r), out => $w, %opts );
    my $peer = $CONN->new_open( role => ( $role eq 'server' ? 'client' : 'server' ) );
    return ( $ept, $r, $w, $peer );
}

# ---- Close echo: code and reason, both roles.
for my $role (qw( server client )) {
    my ( $ept, $r, $w, $peer ) = pair($role);
    $peer->close( 4001, "server done \xe2\x9c\x93" );
    $r->add( $peer->take_output );
    my $e = throws_x( sub { $ept->get_next_message }, 'ReceivedClose', "$role: ReceivedClose" );
    is_deeply( [ $ept->sent_close_frame->get_code_and_reason ], [ 4001, "server done \xe2\x9c\x93" ], "$role: sent_close_frame has the code and the reason" );
    $peer->feed( $w->take );
    my ($ev) = grep { $_->type eq 'close' } all_events($peer);
    ok( $ev, "$role: the peer got a close frame" ) or next;
    is( $ev->code, 4001, "$role: the echo on the wire has the code" );
    is( $ev->data, "server done \xe2\x9c\x93", "$role: ... and the reason" );
}
{
    # An empty close is echoed empty.
    my ( $ept, $r, $w, $peer ) = pair('server');
    $ept->do_not_die_on_close;
    $peer->close(0);
    $r->add( $peer->take_output );
    is( $ept->get_next_message, undef, 'empty close: undef' );
    is( length $ept->sent_close_frame->get_payload, 0, 'empty close: echoed empty' );
    $peer->feed( $w->take );
    my ($ev) = grep { $_->type eq 'close' } all_events($peer);
    is( $ev && $ev->data, '', '... on the wire: no reason' );
}

# ---- Native layer: echo_close_reason off by default (as libws), on when asked.
for my $echo ( undef, 0, 1 ) {
    my $name = 'echo_close_reason ' . ( $echo // 'default' );
    my $us = $CONN->new_open( role => 'server', ( defined $echo ? ( echo_close_reason => $echo ) : () ) );
    my $peer = $CONN->new_open( role => 'client' );
    $peer->close( 1001, 'going' );
    $us->feed( $peer->take_output );
    all_events($us);
    $peer->feed( $us->take_output );
    my ($ev) = grep { $_->type eq 'close' } all_events($peer);
    is( $ev && $ev->code, 1001, "$name: code echoed" );
    is( $ev && $ev->data, ( $echo ? 'going' : '' ), "$name: reason " . ( $echo ? 'echoed' : 'not echoed' ) );
}

# ---- Heartbeat: the original's payloads, counting unanswered pings.
my $PING_RE = qr<\A(?:Sun|Mon|Tue|Wed|Thu|Fri|Sat) (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ 123]\d \d\d:\d\d:\d\d \d{4} UTC: ping #(\d+) \(([0-9a-f]+)\)\z>;
for my $role (qw( server client )) {
    my ( $ept, $r, $w, $peer ) = pair( $role, max_pings => 3 );
    # libws answers pings itself; take the peer's events by hand.
    my @pings;
    for ( 1 .. 3 ) {
        $ept->check_heartbeat;
        $peer->feed( $w->take );
        push @pings, map { $_->data } grep { $_->type eq 'ping' } all_events($peer);
    }
    $peer->take_output;    # the peer's automatic pongs: not sent
    is( scalar(@pings), 3, "$role: three pings" );
    like( $_, $PING_RE, "$role: ping payload in the original's form: $_" ) for @pings;
    is_deeply( [ map { /#(\d+)/ ? $1 : undef } @pings ], [ 0, 1, 2 ], "$role: #N counts the pings unanswered before it" );
    my %seen;
    is( scalar( grep { !$seen{$_}++ } @pings ), 3, "$role: each payload is unique" );
    is( $ept->get_connection->unanswered_pings, 3, "$role: three unanswered" );

    # A pong echoing an older one answers them all (the original's PingStore reset).
    $peer->pong( $pings[1] );
    $r->add( $peer->take_output );
    is( $ept->get_next_message, undef, "$role: the pong is handled" );
    is( $ept->get_connection->unanswered_pings, 0, "$role: a pong echoing any outstanding payload answers them all" );

    # A pong with an unknown payload answers nothing.
    $ept->check_heartbeat;
    $peer->feed( $w->take );
    my ($p) = map { $_->data } grep { $_->type eq 'ping' } all_events($peer);
    $peer->take_output;
    like( $p, qr<UTC: ping #0 \(>, "$role: after the answer, #0 again" );
    $peer->pong('not one of ours');
    $r->add( $peer->take_output );
    $ept->get_next_message;
    is( $ept->get_connection->unanswered_pings, 1, "$role: an unknown pong answers nothing" );

    $ept->check_heartbeat for 1 .. 3;
    ok( $ept->is_closed, "$role: max_pings unanswered: closed" );
    is_deeply( [ $ept->sent_close_frame->get_code_and_reason ], [ 1008, 'Unanswered ping(s): 3' ], "$role: the original's 1008 close" );
}

# ---- Native layer: heartbeat(PAYLOAD).
{
    my $us = $CONN->new_open( role => 'server' );
    my $peer = $CONN->new_open( role => 'client', auto_pong => 0 );
    ok( $us->heartbeat('beat 1'), 'heartbeat(PAYLOAD) sends' );
    ok( $us->heartbeat('beat 2'), '... another' );
    $peer->feed( $us->take_output );
    is_deeply( [ map { $_->data } grep { $_->type eq 'ping' } all_events($peer) ], [ 'beat 1', 'beat 2' ], 'the pings carry the payloads' );
    is( $us->unanswered_pings, 2, 'two unanswered' );
    $peer->pong('beat 1');
    $us->feed( $peer->take_output );
    all_events($us);
    is( $us->unanswered_pings, 0, 'a pong echoing the first answers both' );
    throws_x( sub { $us->heartbeat( 'x' x 126 ) }, 'LibWS', 'a payload over 125 bytes throws' );
    is( length $us->take_output, 0, '... and sends nothing' );
    ok( $us->heartbeat( 'x' x 125 ), '125 bytes is fine' );
    ok( $us->heartbeat(), 'heartbeat() without a payload still works' );
}

done_testing();
