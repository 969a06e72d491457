use strict;
use warnings;

use Test::More;
use FindBin ();
use lib "$FindBin::Bin/lib";
use TestWS qw( hexs throws_x );

use IO::Handle ();
use Fcntl ();

use Net::WebSocket::Parser ();
use Net::WebSocket::Frame::text ();
use Net::WebSocket::Frame::binary ();
use Net::WebSocket::Frame::continuation ();
use Net::WebSocket::Frame::ping ();
use Net::WebSocket::Frame::close ();

# A read(N) reader over a non-blocking pipe (IO::Framed's contract).
package PipeReader {
    sub new { my ($c, $fh) = @_; bless { fh => $fh, buf => '' }, $c }
    sub read {
        my ($s, $n) = @_;
        while ( length( $s->{buf} ) < $n ) {
            my $got = sysread( $s->{fh}, $s->{buf}, $n - length $s->{buf}, length $s->{buf} );
            return undef if !defined $got && $!{EAGAIN};
            die "read: $!" if !defined $got;
            return '' if !$got;
        }
        return substr( $s->{buf}, 0, $n, '' );
    }
}

sub nb_pipe {
    pipe( my $r, my $w ) or die "pipe: $!";
    $w->autoflush(1);
    $r->blocking(0);
    return ($r, $w);
}

my $key = "\x37\xfa\x21\x3d";
my @frames = (
    Net::WebSocket::Frame::text->new( payload => 'Hello', mask => $key ),
    Net::WebSocket::Frame::text->new( fin => 0, payload => 'Hel' ),
    Net::WebSocket::Frame::ping->new( payload => 'ping!' ),
    Net::WebSocket::Frame::continuation->new( payload => 'lo', mask => $key ),
    Net::WebSocket::Frame::binary->new( payload => "\x00" x 300, rsv => 1 ),
    Net::WebSocket::Frame::binary->new( payload => 'b' x 70000, mask => $key ),
    Net::WebSocket::Frame::close->new( code => 1000, reason => 'done' ),
    Net::WebSocket::Frame::binary->new( payload => '' ),
);

for my $mode ( 'reader', 'filehandle' ) {
    my ($r, $w) = nb_pipe();
    my $parser = Net::WebSocket::Parser->new( $mode eq 'reader' ? PipeReader->new($r) : $r );

    my @got;
    my $undefs = 0;
    for my $f (@frames) {
        my $bytes = $f->to_bytes;
        my $i = 0;
        for my $byte ( split //, $bytes ) {
            syswrite $w, $byte;
            $i++;
            my $got = $parser->get_next_frame();
            if ( $i < length $bytes ) {
                $undefs++ if !defined $got;
                ok( 0, "$mode: frame early at byte $i" ) if defined $got;
                ok( $parser->has_partial_frame, "$mode: partial frame" ) if $i == 2;
            }
            else {
                push @got, $got;
            }
        }
    }

    is( scalar(@got), scalar(@frames), "$mode: every frame parsed, one byte at a time" );
    is( $undefs, ( eval { my $n = 0; $n += length( $_->to_bytes ) - 1 for @frames; $n } ), "$mode: undef until each frame is complete" );
    for my $i ( 0 .. $#frames ) {
        is( ref $got[$i], ref $frames[$i], "$mode: frame $i class" );
        is( $got[$i]->get_payload, $frames[$i]->get_payload, "$mode: frame $i payload" );
        is( $got[$i]->to_bytes, $frames[$i]->to_bytes, "$mode: frame $i bytes (byte-exact)" );
        is( $got[$i]->get_mask_bytes, $frames[$i]->get_mask_bytes, "$mode: frame $i mask" );
    }
    is_deeply( [ $got[6]->get_code_and_reason ], [ 1000, 'done' ], "$mode: close frame" );
    is( $got[4]->get_rsv, 1, "$mode: RSV bits kept" );
    ok( !$parser->has_partial_frame, "$mode: nothing partial" );
    is( $parser->get_next_frame, undef, "$mode: nothing more yet" );

    close $w;
    is( $parser->get_next_frame, q<>, "$mode: EOF gives empty string" );
}

# Headers no peer may send: libws refuses them.
{
    my @bad = (
        [ "\x09\x05hello", 'ReceivedBadControlFrame', 'fragmented ping' ],
        [ "\x89\x7e\x00\x80" . 'x' x 128, 'ReceivedBadControlFrame', '128-byte ping' ],
        [ "\x82\x7e\x00\x05hello", 'ReceivedBadDataFrame', 'non-minimal length' ],
        [ "\x83\x01x", 'ReceivedBadDataFrame', 'reserved data opcode' ],
        [ "\x8b\x01x", 'ReceivedBadControlFrame', 'reserved control opcode' ],
    );
    for my $b (@bad) {
        my $p = Net::WebSocket::Parser->new( TestWS::reader( $b->[0] ) );
        my $e = throws_x( sub { $p->get_next_frame }, $b->[1], $b->[2] );
        is( $e->get('code'), 1002, "$b->[2]: code 1002" ) if $e;
    }

    my $p = Net::WebSocket::Parser->new( TestWS::reader("\x82\x7e\x01\x00"), max_frame => 255 );
    my $e = throws_x( sub { $p->get_next_frame }, 'ReceivedBadDataFrame', 'over max_frame' );
    is( $e->get('code'), 1009, 'over max_frame: 1009' );
}

# Custom frame classes for reserved opcodes.
{
    package My::Frame::booya;
    use parent -norequire, 'Net::WebSocket::Base::DataFrame';
    use constant get_opcode => 3;
    use constant get_type => 'booya';

    package My::Parser;
    use parent -norequire, 'Net::WebSocket::Parser';
    use constant OPCODE_CLASS_3 => 'My::Frame::booya';

    package main;
    require Net::WebSocket::Base::DataFrame;
    my $f = My::Frame::booya->new( payload => 'custom' );
    is( hexs( $f->to_bytes ), '83 06 63 75 73 74 6f 6d', 'a custom frame' );
    my $p = My::Parser->new( TestWS::reader( $f->to_bytes ) );
    my $got = $p->get_next_frame;
    isa_ok( $got, 'My::Frame::booya', 'OPCODE_CLASS_3' );
    is( $got->get_payload, 'custom', 'custom payload' );
}

throws_x( sub { Net::WebSocket::Parser->new() }, 'BadArg', 'a parser needs a reader' );
throws_x( sub { Net::WebSocket::Parser->new( {} ) }, 'BadArg', 'a reader needs read()' );

# Masked frames of every size class, unmasked by Perl (short) or libws
# (long, or character strings from the reader): the payloads come back.
{
    require Net::WebSocket::LibWS::Connection;
    package ByteReader {
        sub new { return bless { buf => $_[1], up => $_[2] }, $_[0] }
        sub read {
            return undef if length( $_[0]{buf} ) < $_[1];
            my $s = substr( $_[0]{buf}, 0, $_[1], '' );
            utf8::upgrade($s) if $_[0]{up};
            return $s;
        }
    }
    my $client = Net::WebSocket::LibWS::Connection->new_open( role => 'client', max_message => 0 );
    my @want = map { join '', map { chr( ( $_ * 13 ) % 256 ) } 1 .. $_ } 0, 1, 3, 4, 5, 125, 126, 2047, 2048, 2049, 70000;
    $client->send_binary($_) for @want;
    my $wire = $client->take_output();
    for my $up ( 0, 1 ) {
        my $p = Net::WebSocket::Parser->new( ByteReader->new( $wire, $up ) );
        my @got;
        while ( ref( my $f = $p->get_next_frame() ) ) { push @got, $f->get_payload() }
        is_deeply( [ map { length } @got ], [ map { length } @want ], 'masked frames: every frame' . ( $up ? ' (character strings)' : '' ) );
        ok( ( grep { $got[$_] ne $want[$_] } 0 .. $#want ) == 0, 'masked frames: the payloads unmasked' . ( $up ? ' (character strings)' : '' ) );
    }
}

done_testing();
