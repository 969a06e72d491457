#!/usr/bin/env perl

# The Mojolicious peer server of the interop matrix (Debian's
# libmojolicious-perl): a Mojolicious::Lite app with a websocket route that
# runs the matrix exchange (checks and echoes the client's messages, pings
# it, closes connection B), on two ports:
#
#   perl mojo_server.pl          # prints READY <port-A> <port-B>
#
# Mojolicious answers a permessage-deflate offer with a bare
# "permessage-deflate" (with_compression): context takeover both ways,
# whatever the client asked, so connection B keeps its context too. Its
# "frame" event shows every frame, so pings, pongs and RSV1 are checked.

use strict;
use warnings;

use FindBin ();
use lib $FindBin::Bin;

use Encode ();
use Mojolicious::Lite;
use Mojo::IOLoop ();
use Mojo::Server::Daemon ();
use Mojo::WebSocket qw(WS_BINARY WS_CONTINUATION WS_PING WS_PONG WS_TEXT WS_CLOSE);

use MatrixScript ();

app->log->level('fatal');

my %done;
my @ports;

websocket '/:conn' => sub {
    my ($c) = @_;
    my $conn = $c->param('conn');
    my $tx = $c->tx;
    my $rep = MatrixScript::Report->new( 'mojolicious', 'server', $conn );
    $tx->max_websocket_size( 64 << 20 );
    $c->inactivity_timeout(3 * MatrixScript::TIMEOUT);
    $tx->with_compression;
    $rep->{info}{extensions} = $tx->res->headers->sec_websocket_extensions // '';

    my $port_ok = @ports && $tx->local_port == $ports[ $conn eq 'B' ? 1 : 0 ];
    $rep->check( 'open', $port_ok, "path /$conn on port " . $tx->local_port );
    $rep->check( 'deflate', $rep->{info}{extensions} =~ /permessage-deflate/, "extensions '$rep->{info}{extensions}'" );

    my ( @pings, @pongs, @rsv1, @close_frames );
    my $next = 0;
    my $in_message = 0;
    $tx->on( frame => sub {
        my ( $tx, $frame ) = @_;
        my ( $fin, $rsv1, $op, $payload ) = @{$frame}[ 0, 1, 4, 5 ];
        if    ( $op == WS_PING )  { push @pings, $payload }
        elsif ( $op == WS_PONG )  { push @pongs, $payload }
        elsif ( $op == WS_CLOSE ) { push @close_frames, $payload }
        elsif ( $op == WS_TEXT || $op == WS_BINARY ) { push @rsv1, $rsv1 }
    } );

    my $on_message = sub {
        my ( $is_text, $bytes ) = @_;
        my $i = $next++;
        if ( $i >= @MatrixScript::SCRIPT ) {
            $rep->fail( 'close', 'an unexpected message of ' . length($bytes) . ' bytes' );
            return;
        }
        $rep->message( $i, $is_text, $bytes );
        if ( $i == 1 ) {
            $rep->check( 'server-ping', ( grep { $_ eq $MatrixScript::SERVER_PING } @pongs ), 'no pong to our ping before the second message' );
            $rep->check( 'client-ping', ( grep { $_ eq $MatrixScript::CLIENT_PING } @pings ), 'no ping from the client before the second message' );
        }
        if ( $i >= 3 ) {
            $rep->check( 'rsv1', $rsv1[$i], "message " . ( $i + 1 ) . " arrived uncompressed" );
        }
        if ( $i == 2 ) {
            # Mojolicious has no fragmenting API: raw frames (uncompressed,
            # RSV1 clear on the first one, which RFC 7692 allows).
            my @parts = MatrixScript::fragments($bytes);
            for my $k ( 0 .. $#parts ) {
                $tx->send( [ $k == $#parts ? 1 : 0, 0, 0, 0, $k ? WS_CONTINUATION : WS_BINARY, $parts[$k] ] );
            }
        }
        else {
            $c->send( { ( $is_text ? 'text' : 'binary' ) => $bytes } );
        }
        if ( $next == @MatrixScript::SCRIPT && $conn eq 'B' ) {
            $c->finish( MatrixScript::CLOSE_B, Encode::decode( 'UTF-8', $MatrixScript::CLOSE_B_REASON ) );
        }
    };
    $c->on( text   => sub { $on_message->( 1, $_[1] ) } );
    $c->on( binary => sub { $on_message->( 0, $_[1] ) } );

    $c->on( finish => sub {
        my ( $c, $code, $reason ) = @_;
        $reason = Encode::encode( 'UTF-8', $reason // '' );
        if ( $conn ne 'B' ) {
            $rep->check( 'close', $code == MatrixScript::CLOSE_A && $reason eq $MatrixScript::CLOSE_A_REASON && $next == 6,
                "close $code '$reason' after $next messages" );
        }
        elsif (@close_frames) {    # the client's reply, if Mojolicious read it before closing
            my ($reply) = unpack 'n', $close_frames[0];
            $rep->check( 'close', $reply == MatrixScript::CLOSE_B, "reply $reply" );
        }
        else {
            $rep->not_observable( 'close', 'Mojolicious closes TCP after its close frame without reading the reply' );
        }
        $rep->ok('end');
        $rep->emit;
        $done{$conn} = 1;
        Mojo::IOLoop->stop if keys %done == 2;
    } );

    $tx->send( [ 1, 0, 0, 0, WS_PING, $MatrixScript::SERVER_PING ] );
};

my $daemon = Mojo::Server::Daemon->new( app => app, listen => [ 'http://127.0.0.1:0', 'http://127.0.0.1:0' ], silent => 1 );
$daemon->start;
@ports = @{ $daemon->ports };
{
    local $| = 1;
    print "READY @ports\n";
}
Mojo::IOLoop->timer( 6 * MatrixScript::TIMEOUT => sub { warn "mojo_server: timed out\n"; Mojo::IOLoop->stop } );
Mojo::IOLoop->start;
