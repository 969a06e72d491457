use strict;
use warnings;

use Test::More;
use POSIX ();
use FindBin ();
use lib "$FindBin::Bin/lib";
use TestWS qw( hexs throws_x );

use Net::WebSocket::Frame::text ();
use Net::WebSocket::Frame::binary ();
use Net::WebSocket::Frame::continuation ();
use Net::WebSocket::Frame::close ();
use Net::WebSocket::Frame::ping ();
use Net::WebSocket::Frame::pong ();
use Net::WebSocket::Message ();
use Net::WebSocket::Mask ();
use Net::WebSocket::Constants ();

my $key = "\x37\xfa\x21\x3d";

# ---- RFC 6455 §5.7, byte for byte

is( hexs( Net::WebSocket::Frame::text->new( payload => 'Hello' )->to_bytes ),
    '81 05 48 65 6c 6c 6f', 'a single-frame unmasked text message' );
is( hexs( Net::WebSocket::Frame::text->new( payload => 'Hello', mask => $key )->to_bytes ),
    '81 85 37 fa 21 3d 7f 9f 4d 51 58', 'a single-frame masked text message' );
is( hexs( Net::WebSocket::Frame::text->new( fin => 0, payload => 'Hel' )->to_bytes ),
    '01 03 48 65 6c', 'a fragmented unmasked text message: first fragment' );
is( hexs( Net::WebSocket::Frame::continuation->new( payload => 'lo' )->to_bytes ),
    '80 02 6c 6f', '... second fragment' );
is( hexs( Net::WebSocket::Frame::ping->new( payload => 'Hello' )->to_bytes ),
    '89 05 48 65 6c 6c 6f', 'an unmasked ping' );
is( hexs( Net::WebSocket::Frame::pong->new( payload => 'Hello', mask => $key )->to_bytes ),
    '8a 85 37 fa 21 3d 7f 9f 4d 51 58', 'a masked pong' );
is( hexs( substr( Net::WebSocket::Frame::binary->new( payload => "\0" x 256 )->to_bytes, 0, 4 ) ),
    '82 7e 01 00', '256 bytes binary: 16-bit length' );
is( hexs( substr( Net::WebSocket::Frame::binary->new( payload => "\0" x 65536 )->to_bytes, 0, 10 ) ),
    '82 7f 00 00 00 00 00 01 00 00', '64 KiB binary: 64-bit length' );
is( length( Net::WebSocket::Frame::binary->new( payload => "\0" x 65536 )->to_bytes ), 65546, '... total length' );
is( hexs( Net::WebSocket::Frame::binary->new( payload => "\0" x 125 )->to_bytes ) =~ s< .*><>r, '82', '125 bytes' );
is( substr( hexs( Net::WebSocket::Frame::binary->new( payload => "\0" x 126 )->to_bytes ), 0, 11 ), '82 7e 00 7e', '126 bytes: 16-bit length (minimal encoding)' );

# ---- Accessors

my $f = Net::WebSocket::Frame::text->new( fin => 0, rsv => 2, mask => $key, payload => 'Hello' );
is( $f->get_type, 'text', 'get_type' );
is( $f->get_opcode, 1, 'get_opcode' );
ok( !$f->is_control, 'is_control' );
ok( !$f->is_control_frame, 'is_control_frame' );
is( $f->get_fin, 0, 'get_fin' );
is( $f->get_rsv, 2, 'get_rsv' );
ok( $f->has_rsv2 && !$f->has_rsv1 && !$f->has_rsv3, 'has_rsv*' );
is( $f->get_mask_bytes, $key, 'get_mask_bytes' );
is( $f->get_payload, 'Hello', 'get_payload is unmasked' );
$f->set_fin;
is( $f->get_fin, 1, 'set_fin' );
$f->set_fin(0);
is( $f->get_fin, 0, 'set_fin(0)' );
$f->set_rsv1->set_rsv3;
is( $f->get_rsv, 7, 'set_rsv1, set_rsv3' );
$f->set_rsv(4);
is( $f->get_rsv, 4, 'set_rsv replaces the bits' );
is( hexs( substr( $f->to_bytes, 0, 2 ) ), '41 85', 'to_bytes follows the changes' );
throws_x( sub { $f->set_rsv(8) }, 'BadArg', 'set_rsv(8)' );
is( Net::WebSocket::Frame::text->new->get_fin, 1, 'fin defaults to 1' );
is( Net::WebSocket::Frame::text->new->get_payload, q<>, 'empty payload' );
is( Net::WebSocket::Frame->opcode_to_type(10), 'pong', 'opcode_to_type' );

my $ping = Net::WebSocket::Frame::ping->new( fin => 0, payload => 'x' );
is( $ping->get_fin, 1, 'control frames are always final' );
ok( $ping->is_control, 'ping is control' );

# payload by reference, not modified
my $payload = 'Hello';
my $mf = Net::WebSocket::Frame::text->new( payload => \$payload, mask => $key );
is( $payload, 'Hello', 'the payload given by reference is not masked in place' );
is( hexs( $mf->to_bytes ), '81 85 37 fa 21 3d 7f 9f 4d 51 58', '... and the frame is masked' );
is( Net::WebSocket::Frame::text->new( payload_sr => \'legacy' )->get_payload, 'legacy', 'payload_sr (legacy name)' );

# ---- Errors

my $e = throws_x( sub { Net::WebSocket::Frame::ping->new( payload => 'x' x 126 ) }, 'ControlPayloadTooLong', 'a 126-byte ping' );
is( $e->get('type'), 'ping', '... type' );
ok( Net::WebSocket::Frame::pong->new( payload => 'x' x 125 ), 'a 125-byte pong is fine' );
throws_x( sub { Net::WebSocket::Frame::text->new( rsv => 9 ) }, 'BadArg', 'rsv 9' );
throws_x( sub { Net::WebSocket::Frame::text->new( mask => 'abc' ) }, 'BadArg', 'a 3-byte mask' );
throws_x( sub { Net::WebSocket::Frame::text->new( payload => [] ) }, 'BadArg', 'an array reference payload' );

# ---- Close frames

my $c = Net::WebSocket::Frame::close->new( code => 'SUCCESS', reason => 'bye' );
is( hexs( $c->to_bytes ), '88 05 03 e8 62 79 65', 'close SUCCESS "bye"' );
is_deeply( [ $c->get_code_and_reason ], [ 1000, 'bye' ], 'get_code_and_reason' );
is_deeply( [ Net::WebSocket::Frame::close->new( code => 1011 )->get_code_and_reason ], [ 1011, '' ], 'code without reason' );
is_deeply( [ Net::WebSocket::Frame::close->new( code => 'SERVER_ERROR' )->get_code_and_reason ], [ 1011, '' ], 'SERVER_ERROR is 1011' );
is_deeply( [ Net::WebSocket::Frame::close->new( code => 3000 )->get_code_and_reason ], [ 3000, '' ], '3000 (registered codes) is allowed' );
is_deeply( [ Net::WebSocket::Frame::close->new()->get_code_and_reason ], [ undef, '' ], 'no code: (undef, "")' );
is( hexs( Net::WebSocket::Frame::close->new()->to_bytes ), '88 00', 'an empty close frame' );
is( hexs( Net::WebSocket::Frame::close->new( code => 1001, mask => $key )->to_bytes ), '88 82 37 fa 21 3d 34 13', 'a masked close' );
for my $bad ( 1005, 1006, 1015, 999, 5000, 2000, 'NO_SUCH_NAME', 'EMPTY_CLOSE' ) {
    throws_x( sub { Net::WebSocket::Frame::close->new( code => $bad ) }, 'BadArg', "close code $bad" );
}
throws_x( sub { Net::WebSocket::Frame::close->new( code => 1000, reason => 'x' x 124 ) }, 'BadArg', 'a 124-byte reason' );
ok( Net::WebSocket::Frame::close->new( code => 1000, reason => 'x' x 123 ), 'a 123-byte reason' );
throws_x( sub { Net::WebSocket::Frame::close->new( code => 1000, reason => "\xff" ) }, 'BadArg', 'a reason that is not UTF-8' );

# ---- Messages

my $m = Net::WebSocket::Message->new(
    Net::WebSocket::Frame::text->new( fin => 0, payload => 'Hel' ),
    Net::WebSocket::Frame::continuation->new( payload => 'lo' ),
);
is( $m->get_type, 'text', 'message type' );
is( $m->get_payload, 'Hello', 'message payload' );
ok( !$m->is_control, 'not control' );
is( scalar( my @fr = $m->get_frames ), 2, 'get_frames' );
is( hexs( $m->to_bytes ), '01 03 48 65 6c 80 02 6c 6f', 'message to_bytes' );
my $masked = Net::WebSocket::Message->new( Net::WebSocket::Frame::text->new( payload => 'Hello', mask => $key ) );
is( $masked->get_payload, 'Hello', 'masked message payload' );
ok( Net::WebSocket::Message->new( Net::WebSocket::Frame::ping->new )->is_control, 'a control message' );
ok( !eval { Net::WebSocket::Message->new('nope'); 1 }, 'a message needs frames' );
is( Net::WebSocket::Message::create_from_frames( Net::WebSocket::Frame::binary->new( payload => 'z' ) )->get_payload, 'z', 'create_from_frames' );

# ---- Mask

my $mk = Net::WebSocket::Mask::create();
is( length $mk, 4, 'Mask::create' );
isnt( Net::WebSocket::Mask::create(), $mk, 'masks differ' );
my $data = 'Hello';
Net::WebSocket::Mask::apply( \$data, $key );
is( hexs($data), '7f 9f 4d 51 58', 'Mask::apply masks in place' );
Net::WebSocket::Mask::apply( \$data, $key );
is( $data, 'Hello', 'and unmasks' );
throws_x( sub { Net::WebSocket::Mask::apply( \$data, 'ab' ) }, 'BadArg', 'apply with a bad mask' );

# ---- Constants

is( Net::WebSocket::Constants::OPCODE()->{'pong'}, 10, 'OPCODE' );
is( Net::WebSocket::Constants::opcode_to_type(2), 'binary', 'opcode_to_type' );
is( Net::WebSocket::Constants::opcode_to_type(3), undef, 'opcode_to_type(reserved)' );
is( Net::WebSocket::Constants::PROTOCOL_VERSION(), 13, 'PROTOCOL_VERSION' );
is( Net::WebSocket::Constants::STATUS()->{'SERVER_ERROR'}, 1011, 'STATUS SERVER_ERROR' );
is( Net::WebSocket::Constants::status_name_to_code('BAD_GATEWAY'), 1014, 'status_name_to_code' );
is( Net::WebSocket::Constants::status_code_to_name(1011), 'INTERNAL_ERROR', 'status_code_to_name(1011)' );
is( Net::WebSocket::Constants::status_code_to_name(1008), 'POLICY_VIOLATION', 'status_code_to_name(1008)' );
is( Net::WebSocket::Constants::status_code_to_name(4000), undef, 'no name for 4000' );

# to_bytes: headers libws encoded are reused for frames that differ only in
# key and payload, and short payloads are masked in Perl: check both
# against libws's own decoding and masking, around the size where masking
# moves to libws, for each first byte and with payloads that are numbers
# or character strings.
{
    require Net::WebSocket::Frame::ping;
    require Net::WebSocket::Mask;
    for my $size ( 0, 1, 3, 4, 5, 125, 126, 2047, 2048, 2049, 5000, 65536 ) {
        for my $case ( [ 'Net::WebSocket::Frame::text', 1, 0 ], [ 'Net::WebSocket::Frame::text', 0, 0 ], [ 'Net::WebSocket::Frame::binary', 1, 4 ],
            [ 'Net::WebSocket::Frame::continuation', 1, 3 ], [ 'Net::WebSocket::Frame::ping', 1, 0 ] ) {
            my ( $class, $fin, $rsv ) = @$case;
            next if $class =~ m<ping> && $size > 125;
            for my $masked ( 0, 1 ) {
                for my $round ( 1, 2 ) {    # the second time from the cache
                    my $payload = join '', map { chr( ( $_ * 7 + $round ) % 256 ) } 1 .. $size;
                    my $mask = $masked ? Net::WebSocket::Mask::create() : '';
                    my $f = $class->new( fin => $fin, rsv => $rsv, mask => $mask, payload => $payload );
                    $f->[4] = undef;    # no header cached in the frame: to_bytes makes it
                    my $wire = $f->to_bytes();
                    my ($h) = Net::WebSocket::LibWS::frame_parse_header($wire);
                    my $body = substr( $wire, $h->{header_length} );
                    $body = Net::WebSocket::LibWS::mask( $h->{mask}, $body ) if $h->{masked} && length $body;
                    my $what = "to_bytes: $class fin $fin rsv $rsv, $size bytes, " . ( $masked ? 'masked' : 'unmasked' ) . ", round $round";
                    ok( $h->{fin} == $fin && $h->{rsv} == $rsv && $h->{opcode} == $class->get_opcode() && $h->{masked} == $masked
                        && $h->{length} == $size && $h->{mask} eq $mask && $body eq $payload, $what ) or diag explain $h;
                }
            }
        }
    }

    my $mask = "\x01\x02\x03\x04";
    my $num = Net::WebSocket::Frame::text->new( mask => $mask, payload => 12345 );
    is( $num->to_bytes(), "\x81\x85$mask" . ( "12345" ^ "\x01\x02\x03\x04\x01" ), 'to_bytes: a number as payload is masked as its digits' );
    my $chars = "caf\x{e9}";
    utf8::upgrade($chars);
    my $up = Net::WebSocket::Frame::binary->new( mask => $mask, payload => $chars );
    is( $up->to_bytes(), "\x82\x84$mask" . ( "caf\xe9" ^ $mask ), 'to_bytes: an upgraded string is masked as its bytes' );
}

# Masking keys: 4 bytes, not repeating across refills of the pool (1024
# keys each), unchanged by later refills; a child forked after libws was
# loaded gets Forked, not the keys left in its parent's pool.
{
    require Net::WebSocket::Mask;
    my @keys = map { Net::WebSocket::Mask::create() } 1 .. 3000;
    my $snapshot = join '', @keys;
    my %seen;
    $seen{$_}++ for @keys;
    ok( ( grep { length != 4 } @keys ) == 0, 'Mask::create: 4 bytes' );
    cmp_ok( scalar keys %seen, '>', 2990, 'Mask::create: keys do not repeat (3000 drawn)' );
    Net::WebSocket::Mask::create() for 1 .. 2100;
    is( join( '', @keys ), $snapshot, 'keys handed out are not changed by later refills' );

    {
        my $refills = 0;
        no warnings 'redefine';
        my $orig = \&Net::WebSocket::LibWS::_ws_random_bytes;
        local *Net::WebSocket::LibWS::_ws_random_bytes = sub { $refills++; goto &$orig };
        Net::WebSocket::Mask::create() for 1 .. 2048;
        is( $refills, 2, 'one call into libws (ws_random_bytes) per 1024 keys' );
    }

    Net::WebSocket::Mask::create();    # the pool has keys left
    pipe( my $r, my $w ) or die $!;
    my $pid = fork // die "fork: $!";
    if ( !$pid ) {
        close $r;
        my $got = eval { Net::WebSocket::Mask::create() } // ref($@);
        print {$w} $got;
        close $w;
        POSIX::_exit(0);
    }
    close $w;
    my $child = do { local $/; <$r> };
    waitpid $pid, 0;
    is( $child, 'Net::WebSocket::X::Forked', 'Mask::create in a child forked after libws was loaded: Forked (its parent\'s pool is not used)' );
    is( length Net::WebSocket::Mask::create(), 4, 'the parent still draws keys' );
}

done_testing();
