use strict;
use warnings;

# How Net::WebSocket::Endpoint and Net::WebSocket::Parser read: frames of
# every length class (7-bit, 16-bit and 64-bit lengths; empty), masked and
# not, control frames between fragments; a read(N) reader that fails the
# test if a read crosses a frame boundary; bytes after the close frame
# that must stay unread; the reads per frame (two for a frame of up to
# 125 bytes, three for a longer one, one for an empty unmasked frame); and
# the calls into libws per frame (one: ws_feed_next).

use Test::More;
use FindBin ();
use lib "$FindBin::Bin/lib";
use TestWS qw( writer );

use Net::WebSocket::Endpoint::Server ();
use Net::WebSocket::Endpoint::Client ();
use Net::WebSocket::Parser ();
use Net::WebSocket::LibWS::Connection ();

# A read(N) reader over a stream with known frame boundaries.
package BoundaryReader {
    sub new {
        my ($class, $chunks) = @_;    # [ bytes, ... ]: the frames, then any trailing bytes
        my @ends;
        my $off = 0;
        push @ends, ( $off += length ) for @$chunks;
        return bless { buf => join( '', @$chunks ), pos => 0, ends => \@ends, e => 0, avail => 0, reads => [], crossed => 0 }, $class;
    }
    # Makes the first $n bytes (in all) readable.
    sub allow { $_[0]{avail} = $_[1] }
    sub read {
        my ($self, $n) = @_;
        return undef if $self->{pos} + $n > $self->{avail};
        return '' if $self->{pos} >= length $self->{buf};
        $self->{e}++ while $self->{ends}[ $self->{e} ] <= $self->{pos};
        $self->{crossed}++ if $self->{pos} + $n > $self->{ends}[ $self->{e} ];
        push @{ $self->{reads} }, $n;
        my $s = substr( $self->{buf}, $self->{pos}, $n );
        $self->{pos} += $n;
        return $s;
    }
}

srand(42);

# Frames as a peer sends them: each chunk of the peer's output is one frame.
sub frames_from {
    my ($peer, @ops) = @_;
    my (@frames, @expect);
    for my $op (@ops) {
        my ($what, @args) = @$op;
        $peer->$what(@args);
        my $out = $peer->take_output();
        push @frames, $out if length $out;    # begin_message sends nothing yet
    }
    return @frames;
}

my @sizes = ( 0, 1, 2, 5, 124, 125, 126, 127, 200, 65535, 65536, 70000 );

for my $role (qw( server client )) {
    my $peer = Net::WebSocket::LibWS::Connection->new_open( role => ( $role eq 'server' ? 'client' : 'server' ), max_message => 0 );

    my (@ops, @want);
    for my $i ( 1 .. 60 ) {
        my $size = $sizes[ int rand @sizes ];
        my $r = rand;
        if ( $r < 0.15 ) {
            push @ops, [ ping => 'p' x ( $size % 126 ) ];
        }
        elsif ( $r < 0.3 ) {
            # A fragmented message with a ping between the fragments.
            my @parts = map { chr( 97 + $_ ) x $sizes[ int rand @sizes ] } 0 .. 2;
            push @ops, [ begin_message => 'binary' ], [ send_fragment => $parts[0], 0 ], [ ping => 'mid' ],
                [ send_fragment => $parts[1], 0 ], [ send_fragment => $parts[2], 1 ];
            push @want, join '', @parts;
        }
        else {
            my $text = join '', map { chr( 65 + ( $_ + $i ) % 26 ) } 1 .. $size;
            push @ops, [ send_text => $text ];
            push @want, $text;
        }
    }
    push @ops, [ close => 1000, 'bye' ];
    my @frames = frames_from( $peer, @ops );
    my $trailing = 'after the close: never read';

    for my $pace ( 'all at once', 'in small steps' ) {
        my $r = BoundaryReader->new( [ @frames, $trailing ] );
        my $class = $role eq 'server' ? 'Net::WebSocket::Endpoint::Server' : 'Net::WebSocket::Endpoint::Client';
        my $ept = $class->new( parser => Net::WebSocket::Parser->new($r), out => writer(), max_message => 0, max_frame => 0 );
        $ept->do_not_die_on_close();

        my $total = length join '', @frames;
        my @got;
        # Small steps: 1 to 7 bytes at first (every header split), then up to 500.
        my $step = sub { $pace eq 'all at once' ? $total + length $trailing : $_[0] < 20000 ? 1 + int rand 7 : 1 + int rand 500 };
        for ( my $avail = $step->(0); ; $avail += $step->($avail) ) {
            $r->allow($avail);
            push @got, map { $_->get_payload() } TestWS::drain($ept);
            last if $ept->received_close_frame() || $avail > $total + length $trailing;
        }

        is( scalar(@got), scalar(@want), "$role, $pace: every message" );
        is_deeply( \@got, \@want, "$role, $pace: payloads" ) if @got == @want;
        is( $r->{crossed}, 0, "$role, $pace: no read crossed a frame boundary" );
        is( $r->{pos}, $total, "$role, $pace: the bytes after the close frame stay unread" );
        ok( $ept->received_close_frame(), "$role, $pace: the close frame" );

        my $reads = 0;
        for my $f (@frames) {
            $reads += length($f) == 2 ? 1 : ( ord( substr $f, 1, 1 ) & 0x7F ) < 126 ? 2 : 3;
        }
        is( scalar @{ $r->{reads} }, $reads, "$role, $pace: two reads per small frame (one if it has 2 bytes), three per longer one" )
            if $pace eq 'all at once';
    }

    # The parser: the same frames, frame by frame.
    {
        my $r = BoundaryReader->new( [ @frames, $trailing ] );
        $r->allow( length join '', @frames, $trailing );
        my $p = Net::WebSocket::Parser->new($r);
        my $n = 0;
        for (@frames) {
            my $f = $p->get_next_frame();
            $n++ if ref $f;
        }
        is( $n, scalar @frames, "$role: the parser returns every frame" );
        is( $r->{crossed}, 0, "$role: the parser never reads across a frame boundary" );
        is( $r->{pos}, length( join '', @frames ), "$role: the parser stops at the last frame's end" );
    }
}

# A reader that offers read_available(): the same messages, in any slices.
{
    package SliceReader;
    sub new { return bless { buf => '' }, shift }
    sub add { $_[0]{buf} .= $_[1] }
    sub read { return undef if length( $_[0]{buf} ) < $_[1]; return substr( $_[0]{buf}, 0, $_[1], '' ) }
    sub read_available { return undef if !length $_[0]{buf}; return substr( $_[0]{buf}, 0, $_[1], '' ) }

    package main;
    my $peer = Net::WebSocket::LibWS::Connection->new_open( role => 'client' );
    my @want = map { 'm' . ( 'x' x $sizes[ $_ % @sizes ] ) } 1 .. 40;
    $peer->send_text($_) for @want;
    $peer->close( 1000, '' );
    my $wire = $peer->take_output();
    my $r = SliceReader->new();
    my $ept = Net::WebSocket::Endpoint::Server->new( parser => Net::WebSocket::Parser->new($r), out => writer(), max_message => 0, max_frame => 0 );
    $ept->do_not_die_on_close();
    my @got;
    while ( length $wire ) {
        $r->add( substr( $wire, 0, 1 + int rand 5000, '' ) );
        push @got, map { $_->get_payload() } TestWS::drain($ept);
    }
    is_deeply( \@got, \@want, 'read_available: every message, random slices' );
    ok( $ept->received_close_frame(), 'read_available: the close frame' );
}

# Readers that do not keep to the contract exactly: one that returns fewer
# bytes than asked (whatever it has, at least one), and one that returns
# character strings (upgraded, same bytes). Every message still arrives;
# a heartbeat in between changes what libws needs next.
{
    package ShortReader;
    sub new { return bless { buf => '', upgrade => $_[1] }, $_[0] }
    sub add { $_[0]{buf} .= $_[1] }
    sub read {
        my ($self, $n) = @_;
        return undef if !length $self->{buf};
        $n = 1 + int rand $n if !$self->{upgrade} && $n > 1;
        return undef if $self->{upgrade} && length( $self->{buf} ) < $n;
        my $s = substr( $self->{buf}, 0, $n, '' );
        utf8::upgrade($s) if $self->{upgrade};
        return $s;
    }

    package main;
    for my $kind ( 'short reads', 'upgraded strings' ) {
        my $peer = Net::WebSocket::LibWS::Connection->new_open( role => 'client', max_message => 0 );
        my @want = map { "m$_" . ( "\x{e9}" x $sizes[ $_ % @sizes ] ) } 1 .. 30;
        my @wire;
        for (@want) {
            my $b = $_;
            utf8::encode($b);
            $peer->send_text($b);
            push @wire, $peer->take_output();
        }
        $_ = do { my $b = $_; utf8::encode($b); $b } for @want;
        my $r = ShortReader->new( $kind eq 'upgraded strings' );
        my $ept = Net::WebSocket::Endpoint::Server->new( parser => Net::WebSocket::Parser->new($r), out => writer(), max_message => 0, max_frame => 0 );
        my @got;
        my $i = 0;
        for my $w (@wire) {
            $ept->check_heartbeat() if ++$i == 10;
            while ( length $w ) {
                $r->add( substr( $w, 0, 1 + int rand 300, '' ) );
                push @got, map { $_->get_payload() } TestWS::drain($ept);
            }
        }
        is_deeply( \@got, \@want, "$kind: every message" );
    }
}

# Calls into libws on the read(N) path: one per frame of up to 64 KiB
# (ws_feed_next feeds the frame and takes its event) on the endpoint's
# fast path, and on the general loop's states for a frame whose first 2
# bytes came before the rest.
{
    my %calls;
    my %orig;
    {
        no strict 'refs';
        no warnings 'redefine';
        for my $name ( grep { /\A_ws_/ && defined &{"Net::WebSocket::LibWS::$_"} } keys %Net::WebSocket::LibWS:: ) {
            my $cr = $orig{$name} = \&{"Net::WebSocket::LibWS::$name"};
            *{"Net::WebSocket::LibWS::$name"} = sub { $calls{$name}++; goto &$cr };
        }
    }

    my $peer = Net::WebSocket::LibWS::Connection->new_open( role => 'client', max_message => 0 );
    my @want = map { 'x' x $_ } 0, 1, 17, 125, 126, 1000, 65535;

    for my $pace ( 'whole frames', 'split frames' ) {
        my @frames = frames_from( $peer, map { [ send_text => $_ ] } @want );
        my $r = BoundaryReader->new( \@frames );
        my $ept = Net::WebSocket::Endpoint::Server->new( parser => Net::WebSocket::Parser->new($r), out => writer(), max_message => 0, max_frame => 0 );
        %calls = ();
        my @got;
        my $avail = 0;
        for my $f (@frames) {
            if ( $pace eq 'split frames' ) {
                # The first 2 bytes now, the rest on the next call.
                $r->allow( $avail + 2 );
                push @got, map { $_->get_payload() } TestWS::drain($ept);
            }
            $r->allow( $avail += length $f );
            push @got, map { $_->get_payload() } TestWS::drain($ept);
        }
        is_deeply( \@got, \@want, "calls into libws, $pace: every message" );
        # Split after its first 2 bytes, a frame with a 16-bit length
        # takes two: its header is fed first (libws checks it and ws_need
        # says how much payload follows), then the payload.
        my $long = grep { length > 125 } @want;
        is_deeply( \%calls, $pace eq 'whole frames' ? { _ws_feed_next => scalar @frames } : { _ws_feed_next => @frames + $long, _ws_need => $long },
            "$pace: calls into libws (one ws_feed_next per frame" . ( $pace eq 'whole frames' ? ')' : ', two and a ws_need per longer one)' ) )
            or diag explain \%calls;
    }

    no strict 'refs';
    no warnings 'redefine';
    *{"Net::WebSocket::LibWS::$_"} = $orig{$_} for keys %orig;
}

done_testing();
