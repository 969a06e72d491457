use strict;
use warnings;

use Test::More;
use FindBin ();
use lib "$FindBin::Bin/lib";
use TestWS qw( hexs throws_x );

use Net::WebSocket::LibWS qw( :all );
use Net::WebSocket::Constants ();

# ---- Library lookup (in subprocesses: the lookup happens once per process)

sub run_perl {
    my ($env, $code) = @_;
    local %ENV = ( %ENV, %$env );
    open my $fh, '-|', $^X, "-I$FindBin::Bin/../lib", '-MNet::WebSocket::LibWS', '-e', $code or die "fork: $!";
    local $/;
    my $out = <$fh>;
    close $fh;
    return $out;
}

like(
    run_perl( { LIBWS_LIBRARY => '/nonexistent/libws.so.1' }, 'eval { Net::WebSocket::LibWS::load() }; print ref($@), ": ", $@->get_message' ),
    qr<\ANet::WebSocket::X::LibraryLoad: .*tried: /nonexistent/libws\.so\.1 \([^;]*\)\. Build>,
    'LIBWS_LIBRARY is the only path tried, and a bad one says so',
);
{
    my ($lib) = Net::WebSocket::LibWS::_beside_distribution();
    ok( $lib && -e $lib, "the source tree's build/ is found next to the distribution ($lib)" );
    is( run_perl( { LIBWS_LIBRARY => $lib }, 'Net::WebSocket::LibWS::load(); print Net::WebSocket::LibWS->library_path' ), $lib, 'LIBWS_LIBRARY is used' );
    is( run_perl( {}, qq{Net::WebSocket::LibWS->library_path(q<$lib>); print Net::WebSocket::LibWS->library_path; Net::WebSocket::LibWS::load(); print " ok"} ), "$lib ok", 'library_path(PATH) before the first use' );
    is( run_perl( {}, 'Net::WebSocket::LibWS->library_path(q</nope/libws.so>); eval { Net::WebSocket::LibWS::load() }; print ref $@' ), 'Net::WebSocket::X::LibraryLoad', 'an explicit path is the only one tried' );
    delete local $ENV{'LIBWS_LIBRARY'};
    is( run_perl( {}, 'Net::WebSocket::LibWS::load(); print Net::WebSocket::LibWS->library_path' ), $lib, 'by default: next to the distribution' );
}

ok( Net::WebSocket::LibWS::load(), 'loads' );
throws_x( sub { Net::WebSocket::LibWS->library_path('/other/libws.so') }, 'BadArg', 'library_path after loading' );
is( Net::WebSocket::LibWS->library_path( Net::WebSocket::LibWS->library_path() ), Net::WebSocket::LibWS->library_path(), 'setting the loaded path again is fine' );

# ---- Errors

is( Net::WebSocket::LibWS::error_name(WS_E_STATE), 'WS_E_STATE', 'error_name' );
like( Net::WebSocket::LibWS::strerror(WS_E_ARG), qr<argument>i, 'strerror' );
is( WS_OK, 0, 'WS_OK' );

# ---- UTF-8, close codes

is( Net::WebSocket::LibWS::utf8_valid("h\xc3\xa9llo"), 1, 'valid UTF-8' );
is( Net::WebSocket::LibWS::utf8_valid("\xc3\x28"), 0, 'invalid UTF-8' );
is( Net::WebSocket::LibWS::utf8_valid("\xed\xa0\x80"), 0, 'a surrogate is not UTF-8' );
is( Net::WebSocket::LibWS::utf8_valid(q<>), 1, 'empty is UTF-8' );
my $s = "xx\xc3\xa9";
is( Net::WebSocket::LibWS::utf8_valid( substr( $s, 2 ) ), 1, 'a substr() argument works' );

for my $code ( 999, 1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 1011, 1014, 1015, 1016, 2999, 3000, 4999, 5000 ) {
    my $want = ( ( $code >= 1000 && $code <= 1003 ) || ( $code >= 1007 && $code <= 1014 ) || ( $code >= 3000 && $code <= 4999 ) ) ? 1 : 0;
    is( Net::WebSocket::LibWS::close_code_valid($code), $want, "close_code_valid($code)" );
}
is( Net::WebSocket::LibWS::close_code_valid('abc'), 0, 'close_code_valid(non-number)' );

# Net::WebSocket::Constants' names are libws's.
for my $code ( 1000 .. 1015 ) {
    is( Net::WebSocket::Constants::status_code_to_name($code) // '', Net::WebSocket::LibWS::close_code_name($code), "status name of $code agrees with libws" );
}

# ---- Keys and masks

# RFC 6455 §1.3
is( Net::WebSocket::LibWS::accept_key('dGhlIHNhbXBsZSBub25jZQ=='), 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=', 'accept_key (RFC 6455 §1.3)' );

my %keys;
for (1 .. 50) {
    my $k = Net::WebSocket::LibWS::random_mask();
    is( length $k, 4, 'random_mask: 4 bytes' ) if $_ == 1;
    $keys{$k}++;
}
cmp_ok( scalar keys %keys, '>=', 49, 'random masks differ' );

my $rb = Net::WebSocket::LibWS::random_bytes(4096);
is( length $rb, 4096, 'random_bytes(4096)' );
isnt( Net::WebSocket::LibWS::random_bytes(16), Net::WebSocket::LibWS::random_bytes(16), 'random_bytes differ' );
cmp_ok( scalar( () = $rb =~ /\0/g ), '<', 64, 'random_bytes: not zeros' );
is( Net::WebSocket::LibWS::random_bytes(0), '', 'random_bytes(0)' );
throws_x( sub { Net::WebSocket::LibWS::random_bytes(-1) }, 'BadArg', 'random_bytes(-1)' );

# RFC 6455 §5.7
my $key = "\x37\xfa\x21\x3d";
is( hexs( Net::WebSocket::LibWS::mask( $key, 'Hello' ) ), '7f 9f 4d 51 58', 'mask (RFC 6455 §5.7)' );
is( Net::WebSocket::LibWS::mask( $key, Net::WebSocket::LibWS::mask( $key, 'Hello' ) ), 'Hello', 'masking twice restores' );
is( hexs( Net::WebSocket::LibWS::mask( $key, 'llo', 2 ) ), hexs( substr( Net::WebSocket::LibWS::mask( $key, 'Hello' ), 2 ) ), 'mask from a key offset' );
my $orig = 'Hello';
Net::WebSocket::LibWS::mask( $key, $orig );
is( $orig, 'Hello', 'mask does not modify its argument' );
throws_x( sub { Net::WebSocket::LibWS::mask( 'abc', 'x' ) }, 'BadArg', 'a 3-byte mask' );
throws_x( sub { Net::WebSocket::LibWS::mask( $key, "\x{263a}" ) }, 'BadArg', 'wide characters are refused' );
is( Net::WebSocket::LibWS::mask( $key, "\x{e9}" ), Net::WebSocket::LibWS::mask( $key, "\xe9" ), 'UTF-8-flagged Latin-1 is downgraded' );

# ---- Frame headers

my $h = Net::WebSocket::LibWS::frame_parse_header("\x81\x85\x37\xfa\x21\x3d\x7f");
is_deeply( $h, { header_length => 6, fin => 1, rsv => 0, opcode => 1, masked => 1, mask => $key, length => 5 }, 'frame_parse_header' );
my @need = Net::WebSocket::LibWS::frame_parse_header("\x82\x7f");
is_deeply( \@need, [ undef, 10 ], 'a short header: the length needed' );
my $e = throws_x( sub { Net::WebSocket::LibWS::frame_parse_header("\x09\x05") }, 'LibWS', 'fragmented ping' );
is( $e->get('code'), WS_E_PROTOCOL, '... WS_E_PROTOCOL' );
throws_x( sub { Net::WebSocket::LibWS::frame_parse_header("\x89\x7e\x00\x80") }, 'LibWS', 'a 128-byte ping' );
throws_x( sub { Net::WebSocket::LibWS::frame_parse_header("\x82\x7e\x00\x05") }, 'LibWS', 'a non-minimal length' );

is( hexs( Net::WebSocket::LibWS::frame_encode_header( fin => 1, opcode => 2, length => 65536 ) ), '82 7f 00 00 00 00 00 01 00 00', 'frame_encode_header, 64-bit length' );
is( hexs( Net::WebSocket::LibWS::frame_encode_header( fin => 0, rsv => 4, opcode => 1, length => 256, mask => $key ) ), '41 fe 01 00 37 fa 21 3d', 'frame_encode_header, RSV1, mask' );

done_testing();
