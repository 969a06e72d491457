use strict;
use warnings;

# The receive budget (max_queued) with tiny values: libws stops taking in
# input as soon as one event is queued, so nearly every feed leaves bytes
# unconsumed. Many messages fed in one call (plain and compressed, large
# and empty, fragmented, pings between them) must all arrive, in order
# and byte-exact, through the native connection and through the
# Net::WebSocket classes (the read(N) path frame by frame, the
# read_available path, data frame callbacks), and the bytes libws left
# must really have been fed again (the calls are counted).

use Test::More;
use FindBin ();
use lib "$FindBin::Bin/lib";
use TestWS qw( writer throws_x );

use Net::WebSocket::Endpoint::Server ();
use Net::WebSocket::Parser ();
use Net::WebSocket::LibWS ();
use Net::WebSocket::LibWS::Connection ();

srand(7);

# Counts the feeds into libws that left bytes unconsumed.
my $short_feeds = 0;
{
    no warnings 'redefine';
    Net::WebSocket::LibWS::load();
    # (the functions are attached on first use: attach them before wrapping)
    my $orig = Net::WebSocket::LibWS::_attach('_ws_feed_next');
    *Net::WebSocket::LibWS::_ws_feed_next = sub {
        my $k = $orig->(@_);
        $short_feeds++ if $k >= 0 && ${ $_[3] } < $_[2];
        return $k;
    };
    my $orig_feed = Net::WebSocket::LibWS::_attach('_ws_feed');
    *Net::WebSocket::LibWS::_ws_feed = sub {
        my $left = $orig_feed->(@_);
        $short_feeds++ if $left > 0;
        return $left;
    };
}

# A client's messages as wire bytes, and what the server should receive:
# [ type, payload ] per message or ping, in order.
sub traffic {
    my (%opts) = @_;
    my $c = Net::WebSocket::LibWS::Connection->new_open( role => 'client', max_output => -1,
        ( $opts{'deflate'} ? ( extensions => 'permessage-deflate' ) : () ) );
    my (@want, $wire);
    for my $i ( 1 .. 60 ) {
        my $len = ( 0, 1, 125, 126, 3000, 70_000, 300_000 )[ $i % 7 ];
        my $payload = join '', map { chr( 32 + ( $_ * 7 + $i ) % 90 ) } 1 .. $len % 997;
        $payload = substr( $payload x ( 1 + int( $len / ( length($payload) || 1 ) ) ), 0, $len );
        if ( $i % 11 == 0 ) {
            $c->ping("p$i");
            push @want, [ ping => "p$i" ];
        }
        if ( $i % 13 == 0 ) {
            # Fragmented, with a ping between the fragments.
            $c->begin_message('binary');
            $c->send_fragment( substr( $payload, 0, 10 ), 0 );
            $c->ping("f$i");
            $c->send_fragment( substr( $payload, 10 ), 1 );
            push @want, [ ping => "f$i" ], [ binary => $payload ];
        }
        elsif ( $i % 2 ) {
            $c->send_text($payload);
            push @want, [ text => $payload ];
        }
        else {
            # Some uncompressed, with permessage-deflate agreed.
            $c->send( 'binary', $payload, $i % 4 ? 0 : Net::WebSocket::LibWS::WS_SEND_NO_COMPRESS() );
            push @want, [ binary => $payload ];
        }
    }
    return ( $c->take_output(), \@want );
}

sub got_of { return [ map { [ $_->type, $_->data ] } grep { $_->type ne 'close' } @_ ] }

for my $deflate ( 0, 1 ) {
    my ($wire, $want) = traffic( deflate => $deflate );
    my $kind = $deflate ? 'compressed' : 'plain';
    my @server = ( role => 'server', max_message => 0, ( $deflate ? ( extensions => 'permessage-deflate' ) : () ) );

    for my $budget ( 1, 100 ) {
        # feed() of everything, then next_events until nothing is left.
        {
            my $s = Net::WebSocket::LibWS::Connection->new_open( @server, max_queued => $budget );
            $short_feeds = 0;
            $s->feed($wire);
            cmp_ok( $s->pending_input(), '>', 0, "$kind, budget $budget: feed() held input back" );
            my @ev;
            while ( my @batch = $s->next_events() ) { push @ev, @batch }
            is( $s->pending_input(), 0, "$kind, budget $budget: all of it taken in" );
            cmp_ok( $short_feeds, '>', 10, "$kind, budget $budget: libws left bytes many times ($short_feeds)" );
            is_deeply( got_of(@ev), $want, "$kind, budget $budget: next_events: every message and ping, in order, byte-exact" );
            is( !!grep( { $_->is_compressed } @ev ), !!$deflate, "$kind, budget $budget: compressed messages among them: " . ( $deflate ? 'yes' : 'no' ) );
        }

        # feed_events() of everything; more input fed while some is held;
        # the end of input after it.
        {
            my $s = Net::WebSocket::LibWS::Connection->new_open( @server, max_queued => $budget );
            my $cut = int( length($wire) / 3 );
            my @ev = $s->feed_events( substr( $wire, 0, $cut ) );
            ok( $s->pending_input(), "$kind, budget $budget: feed_events held input back" );
            $s->feed( substr( $wire, $cut ) );    # behind what is held
            $s->feed_eof();
            while ( my @batch = $s->next_events_raw() ) {
                push @ev, Net::WebSocket::LibWS::Event->new_raw( splice @batch, 0, 3 ) while @batch;
            }
            is_deeply( got_of(@ev), $want, "$kind, budget $budget: feed_events, feed, next_events_raw: in order" );
            is( $ev[-1]->type, 'close', "$kind, budget $budget: the end of input comes last" );
            is( $ev[-1]->code, 1006, "$kind, budget $budget: as a 1006 close" );
            throws_x( sub { $s->feed('x') }, 'LibWS', "$kind, budget $budget: feed after the end" );
        }

        # One event at a time, peeking first.
        {
            my $s = Net::WebSocket::LibWS::Connection->new_open( @server, max_queued => $budget );
            $s->feed($wire);
            my (@ev, $peeks_ok);
            $peeks_ok = 1;
            while ( my $t = $s->peek_event() ) {
                $peeks_ok = 0 if $s->pending_events() < 1;
                my $ev = $s->next_event();
                $peeks_ok = 0 if $ev->type_code != $t;
                push @ev, $ev;
            }
            ok( $peeks_ok, "$kind, budget $budget: peek_event and pending_events see the held input" );
            is_deeply( got_of(@ev), $want, "$kind, budget $budget: next_event: in order" );
        }
    }
}

# The Net::WebSocket classes over the same traffic.

package AvailReader {
    our @ISA = ('TestWS::Reader');
    sub read_available {
        my ($self, $max) = @_;
        return undef if !length $self->{'buf'};
        return substr( $self->{'buf'}, 0, $max, q<> );
    }
}

package Boundaries {
    # read(N) over frames of known boundaries: counts reads across one.
    sub new {
        my ($class, $wire) = @_;
        my ( @ends, $off );
        while ( ( $off // 0 ) < length $wire ) {
            my $h = Net::WebSocket::LibWS::frame_parse_header( substr( $wire, $off // 0, 14 ) );
            push @ends, $off = ( $off // 0 ) + $h->{'header_length'} + $h->{'length'};
        }
        return bless { buf => $wire, pos => 0, avail => 0, ends => \@ends, crossed => 0 }, $class;
    }
    sub allow { $_[0]{'avail'} += $_[1] }
    sub read {
        my ($self, $n) = @_;
        return undef if $self->{'pos'} + $n > $self->{'avail'};
        my ($end) = grep { $_ > $self->{'pos'} } @{ $self->{'ends'} };
        $self->{'crossed'}++ if !defined $end || $self->{'pos'} + $n > $end;
        my $s = substr( $self->{'buf'}, $self->{'pos'}, $n );
        $self->{'pos'} += $n;
        return $s;
    }
}

package main;

for my $deflate ( 0, 1 ) {
    my ($wire, $want) = traffic( deflate => $deflate );
    my @msgs = map { $_->[1] } grep { $_->[0] ne 'ping' } @$want;
    my $kind = $deflate ? 'compressed' : 'plain';

    for my $budget ( 1, 100 ) {
        for my $how ( 'read(N), all at once', 'read(N), in pieces', 'read_available', 'on_data_frame' ) {
            my $r = $how eq 'read_available' ? AvailReader->new($wire) : Boundaries->new($wire);
            $r->allow( length $wire ) if $how ne 'read(N), in pieces' && $r->can('allow');
            my (@frames, @got);
            my $ept = Net::WebSocket::Endpoint::Server->new(
                parser => Net::WebSocket::Parser->new($r), out => writer(),
                max_message => 0, max_frame => 0, max_queued => $budget,
                ( $deflate ? ( extensions => 'permessage-deflate' ) : () ),
                ( $how eq 'on_data_frame' ? ( on_data_frame => sub { push @frames, $_[0]->get_payload() } ) : () ),
            );
            $short_feeds = 0;
            if ( $how eq 'read(N), in pieces' ) {
                my $left = length $wire;
                while ($left) {
                    my $n = 1 + int rand 40_000;
                    $n = $left if $n > $left;
                    $r->allow($n);
                    $left -= $n;
                    push @got, map { $_->get_payload() } TestWS::drain($ept);
                }
            }
            else {
                push @got, map { $_->get_payload() } TestWS::drain($ept);
            }
            cmp_ok( $short_feeds, '>', 0, "$kind, budget $budget, $how: libws left bytes ($short_feeds times)" ) if $deflate || $how eq 'read_available';
            ok( @got == @msgs && !grep( { $got[$_] ne $msgs[$_] } 0 .. $#msgs ), "$kind, budget $budget, $how: every message, in order, byte-exact" )
                or diag sprintf '%d of %d messages; first difference at %s', scalar @got, scalar @msgs,
                    ( grep { ( $got[$_] // '' ) ne $msgs[$_] } 0 .. $#msgs )[0] // 'none';
            is( $r->{'crossed'}, 0, "$kind, budget $budget, $how: no read crossed a frame boundary" ) if $r->isa('Boundaries');
            is( join( '', @frames ), join( '', @msgs ), "$kind, budget $budget, $how: the data frames carry it all" ) if @frames;
        }
    }
}

done_testing();
