use strict;
use warnings;

use Test::More;
use FindBin ();
use lib "$FindBin::Bin/lib";
use TestWS qw( throws_x );

use HTTP::Request ();
use HTTP::Response ();

use Net::WebSocket::Handshake::Server ();
use Net::WebSocket::Handshake::Client ();
use Net::WebSocket::Handshake::Extension ();
use Net::WebSocket::HTTP ();
use Net::WebSocket::HTTP_R ();
use Net::WebSocket::LibWS ();

my $KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
my @GOOD = ( Host => 'example.com', Upgrade => 'websocket', Connection => 'Upgrade', 'Sec-WebSocket-Version' => 13, 'Sec-WebSocket-Key' => $KEY );

sub good_without {
    my (@drop) = @_;
    my %drop = map { $_ => 1 } @drop;
    my @kv = @GOOD;
    my @out;
    while ( my ($k, $v) = splice @kv, 0, 2 ) { push @out, $k => $v if !$drop{$k} }
    return @out;
}

# ---- A whole handshake, both sides

{
    my $c = Net::WebSocket::Handshake::Client->new( uri => 'ws://example.com:8080/chat?room=1', origin => 'http://example.com', subprotocols => [ 'v2.chat', 'v1.chat' ] );
    my $req = $c->to_string( headers => [ Authorization => 'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==' ] );
    like( $req, qr<\AGET /chat\?room=1 HTTP/1\.1\r\n>, 'request line' );
    like( $req, qr<^Host: example\.com:8080\r$>m, 'Host keeps the port' );
    like( $req, qr<^Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r$>m, 'extra header' );
    like( $req, qr<\r\n\r\n\z>, 'ends with an empty line' );
    like( $req, qr<^Sec-WebSocket-Protocol: v2\.chat, v1\.chat\r$>m, 'subprotocols offered in order' );
    my $key = $c->get_key;
    like( $req, qr<^Sec-WebSocket-Key: \Q$key\E\r$>m, 'get_key' );
    is( length( $c->get_key ), 24, 'a 16-byte key in base64' );
    is( $c->create_header_text, substr( $req, 0, -2 ) =~ s<Authorization[^\n]*\n><>r, 'create_header_text (legacy)' );

    my $s = Net::WebSocket::Handshake::Server->new( subprotocols => [ 'v1.chat', 'v2.chat' ] );
    ok( !eval { $s->get_subprotocol; 1 }, 'get_subprotocol before consume_headers dies' );
    Net::WebSocket::HTTP_R::handshake_consume_request( $s, HTTP::Request->parse($req) );
    is( $s->get_subprotocol, 'v2.chat', "the server picks the client's first acceptable subprotocol" );
    is( $s->get_accept, Net::WebSocket::LibWS::accept_key( $c->get_key ), 'get_accept' );
    my $resp = $s->to_string( headers => [ 'X-Powered-By' => 'libws' ] );
    like( $resp, qr<\AHTTP/1\.1 101 Switching Protocols\r\n>, 'status 101' );
    like( $resp, qr<^X-Powered-By: libws\r$>m, 'extra response header' );
    like( $resp, qr<^Sec-WebSocket-Protocol: v2\.chat\r$>m, 'one subprotocol in the answer' );

    Net::WebSocket::HTTP_R::handshake_consume_response( $c, HTTP::Response->parse($resp) );
    is( $c->get_subprotocol, 'v2.chat', 'client: agreed subprotocol' );
    ok( eval { $c->validate_accept_or_die( $s->get_accept ); 1 }, 'validate_accept_or_die (legacy)' );
    throws_x( sub { $c->validate_accept_or_die('nope') }, 'BadAccept', 'validate_accept_or_die with a bad value' );

    throws_x( sub { $s->to_string( headers => [ Upgrade => 'h2c' ] ) }, 'BadArg', 'a header libws owns' );
    throws_x( sub { $s->to_string( headers => [ 'X-Bad' => "a\r\nb" ] ) }, 'BadArg', 'a header value with CRLF' );
    throws_x( sub { $c->to_string( headers => [ 'Sec-WebSocket-Key' => 'x' ] ) }, 'BadArg', 'the client may not set the key' );

    my $none = Net::WebSocket::Handshake::Server->new( subprotocols => ['other'] );
    $none->consume_headers( @GOOD, 'Sec-WebSocket-Protocol' => 'chat' );
    is( $none->get_subprotocol, undef, 'no acceptable subprotocol: undef' );
    unlike( $none->to_string, qr<Sec-WebSocket-Protocol>, '... and none in the answer' );
}

# ---- Server failures, each class

my @server_cases = (
    [ 'no Host',          [ good_without('Host') ],                  'MissingHeaders',             sub { is_deeply( $_[0]->get('names'), ['Host'], 'names: Host' ) } ],
    [ 'no Upgrade',       [ good_without('Upgrade') ],               'MissingHeaders',             sub { is_deeply( $_[0]->get('names'), ['Upgrade'], 'names: Upgrade' ) } ],
    [ 'no Connection',    [ good_without('Connection') ],            'MissingHeaders',             sub { is_deeply( $_[0]->get('names'), ['Connection'], 'names: Connection' ) } ],
    [ 'no version',       [ good_without('Sec-WebSocket-Version') ], 'MissingHeaders',             sub { is_deeply( $_[0]->get('names'), ['Sec-WebSocket-Version'], 'names: version' ) } ],
    [ 'no key',           [ good_without('Sec-WebSocket-Key') ],     'MissingHeaders',             sub { is_deeply( $_[0]->get('names'), ['Sec-WebSocket-Key'], 'names: key' ) } ],
    [ 'bad Upgrade',      [ good_without('Upgrade'), Upgrade => 'h2c' ], 'BadHeader',             sub { is( $_[0]->get('name'), 'Upgrade', 'name: Upgrade' ); is( $_[0]->get('value'), 'h2c', 'value' ) } ],
    [ 'bad Connection',   [ good_without('Connection'), Connection => 'close' ], 'BadHeader',     sub { is( $_[0]->get('name'), 'Connection', 'name: Connection' ) } ],
    [ 'version 8',        [ good_without('Sec-WebSocket-Version'), 'Sec-WebSocket-Version' => 8 ], 'UnsupportedProtocolVersion', sub { is( $_[0]->get('version'), 8, 'version 8' ) } ],
    [ 'bad key',          [ good_without('Sec-WebSocket-Key'), 'Sec-WebSocket-Key' => 'short' ], 'BadHeader', sub { is( $_[0]->get('name'), 'Sec-WebSocket-Key', 'name: key' ) } ],
    [ 'two keys',         [ @GOOD, 'Sec-WebSocket-Key' => $KEY ],    'DuplicateHeader',           sub { is( $_[0]->get('name'), 'Sec-WebSocket-Key', 'name: key' ) } ],
    [ 'two Hosts',        [ @GOOD, Host => 'other' ],                'DuplicateHeader',           sub { is( $_[0]->get('name'), 'Host', 'name: Host' ) } ],
    [ 'two Origins',      [ @GOOD, Origin => 'a', Origin => 'b' ],   'DuplicateHeader',           sub { is( $_[0]->get('name'), 'Origin', 'name: Origin' ) } ],
    [ 'bad subprotocol',  [ @GOOD, 'Sec-WebSocket-Protocol' => 'a b' ], 'BadToken',               sub { is( $_[0]->get('value'), 'a b', 'value' ) } ],
    [ 'bad extensions',   [ @GOOD, 'Sec-WebSocket-Extensions' => ';;;' ], 'BadHeader',            sub { is( $_[0]->get('name'), 'Sec-WebSocket-Extensions', 'name' ) } ],
);
for my $case (@server_cases) {
    my ($name, $headers, $class, $check) = @$case;
    my $s = Net::WebSocket::Handshake::Server->new();
    my $e = throws_x( sub { $s->consume_headers(@$headers) }, $class, "server: $name" );
    $check->($e) if $e;
    like( $s->rejection_response // '', qr<\AHTTP/1\.1 4\d\d >, "server: $name: rejection_response" );
}
{
    my $s = Net::WebSocket::Handshake::Server->new();
    my $e = throws_x( sub { $s->valid_method_or_die('POST') }, 'BadHTTPMethod', 'valid_method_or_die' );
    is( $e->get('method'), 'POST', 'method' );
    ok( eval { $s->valid_method_or_die('GET'); 1 }, 'GET is fine' );
    throws_x( sub { $s->valid_protocol_or_die('HTTP/1.0') }, 'BadRequestProtocol', 'valid_protocol_or_die' );
    ok( eval { $s->valid_protocol_or_die('HTTP/1.1'); 1 }, 'HTTP/1.1 is fine' );
    my $s2 = Net::WebSocket::Handshake::Server->new();
    throws_x( sub { Net::WebSocket::HTTP_R::handshake_consume_request( $s2, HTTP::Request->new( POST => '/', [@GOOD] ) ) }, 'BadHTTPMethod', 'HTTP_R checks the method' );
    my $s3 = Net::WebSocket::Handshake::Server->new();
    my $r = HTTP::Request->new( GET => '/', [ good_without('Sec-WebSocket-Version'), 'Sec-WebSocket-Version' => 7 ] );
    throws_x( sub { Net::WebSocket::HTTP_R::handshake_consume_request( $s3, $r ) }, 'UnsupportedProtocolVersion', 'HTTP_R: bad version' );
    like( $s3->rejection_response, qr<\AHTTP/1\.1 426 >, '426 Upgrade Required' );
    my $s4 = Net::WebSocket::Handshake::Server->new();
    ok( eval { Net::WebSocket::HTTP_R::handshake_consume_request( $s4, HTTP::Request->new( GET => '/chat?x=1', [@GOOD] ) ); 1 }, 'HTTP_R: a good request' ) or diag $@;

    my $legacy = Net::WebSocket::Handshake::Server->new( key => $KEY );
    like( $legacy->create_header_text, qr<\AHTTP/1\.1 101 .*Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=\r\n\z>s, 'legacy: new(key => ...)->create_header_text' );
}

# ---- Client failures, each class

sub client_and_accept {
    my (%opts) = @_;
    my $c = Net::WebSocket::Handshake::Client->new( uri => 'ws://h/', %opts );
    return ( $c, Net::WebSocket::LibWS::accept_key( $c->get_key ) );
}

{
    my ($c, $acc) = client_and_accept();
    my $e = throws_x( sub { $c->valid_status_or_die( 403, 'Forbidden' ) }, 'BadHTTPStatus', 'valid_status_or_die(403)' );
    is( $e->get('code'), 403, 'code' );
    is( $e->get('reason'), 'Forbidden', 'reason' );

    ($c, $acc) = client_and_accept();
    throws_x( sub { Net::WebSocket::HTTP_R::handshake_consume_response( $c, HTTP::Response->new( 200, 'OK' ) ) }, 'BadHTTPStatus', 'HTTP_R: 200' );

    my @cases = (
        [ 'no Upgrade', sub { ( Connection => 'Upgrade', 'Sec-WebSocket-Accept' => $_[0] ) }, 'MissingHeaders' ],
        [ 'no Connection', sub { ( Upgrade => 'websocket', 'Sec-WebSocket-Accept' => $_[0] ) }, 'MissingHeaders' ],
        [ 'no Accept', sub { ( Upgrade => 'websocket', Connection => 'Upgrade' ) }, 'MissingHeaders' ],
        [ 'bad Upgrade', sub { ( Upgrade => 'h2c', Connection => 'Upgrade', 'Sec-WebSocket-Accept' => $_[0] ) }, 'BadHeader' ],
        [ 'bad Accept', sub { ( Upgrade => 'websocket', Connection => 'Upgrade', 'Sec-WebSocket-Accept' => 'AAAA' ) }, 'BadAccept' ],
        [ 'two Accepts', sub { ( Upgrade => 'websocket', Connection => 'Upgrade', 'Sec-WebSocket-Accept' => $_[0], 'Sec-WebSocket-Accept' => $_[0] ) }, 'DuplicateHeader' ],
        [ 'subprotocol not offered', sub { ( Upgrade => 'websocket', Connection => 'Upgrade', 'Sec-WebSocket-Accept' => $_[0], 'Sec-WebSocket-Protocol' => 'x' ) }, 'UnknownSubprotocol' ],
        [ 'extension not offered', sub { ( Upgrade => 'websocket', Connection => 'Upgrade', 'Sec-WebSocket-Accept' => $_[0], 'Sec-WebSocket-Extensions' => 'x-nope' ) }, 'UnknownExtension' ],
        [ 'deflate not offered', sub { ( Upgrade => 'websocket', Connection => 'Upgrade', 'Sec-WebSocket-Accept' => $_[0], 'Sec-WebSocket-Extensions' => 'permessage-deflate' ) }, 'UnknownExtension' ],
    );
    for my $case (@cases) {
        my ($name, $hdrs, $class) = @$case;
        my ($c, $acc) = client_and_accept();
        throws_x( sub { $c->consume_headers( $hdrs->($acc) ) }, $class, "client: $name" );
    }

    my ($c2, $acc2) = client_and_accept( subprotocols => ['a'] );
    my $e2 = throws_x( sub { $c2->consume_headers( Upgrade => 'websocket', Connection => 'Upgrade', 'Sec-WebSocket-Accept' => $acc2, 'Sec-WebSocket-Protocol' => 'b' ) }, 'UnknownSubprotocol', 'client: another subprotocol than offered' );
    is( $e2->get('subprotocol'), 'b', 'subprotocol b' );
    my ($c3, $acc3) = client_and_accept( subprotocols => ['a'] );
    ok( eval { $c3->consume_headers( Upgrade => 'websocket', connection => 'upgrade', 'sec-websocket-accept' => $acc3, 'Sec-WebSocket-Protocol' => 'a' ); 1 }, 'header names are case-insensitive' ) or diag $@;
    is( $c3->get_subprotocol, 'a', 'agreed' );

    throws_x( sub { Net::WebSocket::Handshake::Client->new( uri => 'ftp://x/' ) }, 'BadArg', 'a bad URI' );
    throws_x( sub { Net::WebSocket::Handshake::Client->new() }, 'BadArg', 'no URI' );
    ok( Net::WebSocket::Handshake::Client->new( uri => 'https://x/' ), 'https:// is taken as wss://' );
    # The key option: libws sends it, and checks the answer against it.
    my $fixed = Net::WebSocket::Handshake::Client->new( uri => 'ws://x/', key => $KEY );
    is( $fixed->get_key, $KEY, 'key: get_key is the key given' );
    like( $fixed->to_string, qr<^Sec-WebSocket-Key: \Q$KEY\E\r$>m, 'key: sent in the request' );
    ok( eval { $fixed->consume_headers( Upgrade => 'websocket', Connection => 'Upgrade', 'Sec-WebSocket-Accept' => 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=' ); 1 }, "key: RFC 6455's sample accept value is accepted" ) or diag $@;
    my $ke = throws_x( sub { Net::WebSocket::Handshake::Client->new( uri => 'ws://x/', key => 'short' ) }, 'BadArg', 'key: not base64 of 16 bytes' );
    is( $ke && $ke->get('name'), 'key', 'key: BadArg names the key' );
    my $other = Net::WebSocket::Handshake::Client->new( uri => 'ws://x/', key => $KEY );
    my $ba = throws_x( sub { $other->consume_headers( Upgrade => 'websocket', Connection => 'Upgrade', 'Sec-WebSocket-Accept' => 'AAAA' ) }, 'BadAccept', 'key: a wrong accept value' );
    is( $ba && $ba->get('expected'), 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=', 'BadAccept: expected is the accept value of the key' );
    is( $ba && $ba->get('received'), 'AAAA', 'BadAccept: received' );
    isnt( Net::WebSocket::Handshake::Client->new( uri => 'ws://x/' )->get_key, Net::WebSocket::Handshake::Client->new( uri => 'ws://x/' )->get_key, 'without a key: a fresh one each time' );
    throws_x( sub { Net::WebSocket::Handshake::Client->new( uri => 'ws://x/', subprotocols => [ 'ok', 'a b' ] ) }, 'BadToken', 'a subprotocol that is not a token' );
}

# ---- Application extensions (not permessage-deflate), negotiated by their objects

{
    package My::Ext;
    sub new { my ($c, %o) = @_; bless { %o, seen => [] }, $c }
    sub token { 'x-test' }
    sub get_handshake_object { Net::WebSocket::Handshake::Extension->new( 'x-test', level => $_[0]{level} ) }
    sub consume_parameters { my $s = shift; push @{ $s->{seen} }, [@_]; $s->{ok} = 1 }
    sub ok_to_use { $_[0]{ok} }

    package main;
    my $cx = My::Ext->new( level => 2 );
    my $sx = My::Ext->new( level => 1 );
    my $c = Net::WebSocket::Handshake::Client->new( uri => 'ws://h/', extensions => [$cx] );
    like( $c->to_string, qr<^Sec-WebSocket-Extensions: x-test; level=2\r$>m, 'client offers the application extension' );
    my $s = Net::WebSocket::Handshake::Server->new( extensions => [$sx] );
    Net::WebSocket::HTTP_R::handshake_consume_request( $s, HTTP::Request->parse( $c->to_string ) );
    is_deeply( $sx->{seen}, [ [ level => 2 ] ], "the server's object got the offer's parameters" );
    my $resp = $s->to_string;
    like( $resp, qr<^Sec-WebSocket-Extensions: x-test; level=1\r$>m, "the server answers with its object's handshake object" );
    Net::WebSocket::HTTP_R::handshake_consume_response( $c, HTTP::Response->parse($resp) );
    is_deeply( $cx->{seen}, [ [ level => 1 ] ], "the client's object got the answer's parameters" );
    is( $c->_agreed_extensions, 'x-test; level=1', 'agreed extensions' );
}

# ---- Handshake::Extension and HTTP

{
    my @x = Net::WebSocket::Handshake::Extension->parse_string('permessage-deflate; client_max_window_bits; server_max_window_bits=10, x-foo; a="b c"');
    is( scalar(@x), 2, 'parse_string: two extensions' );
    is( $x[0]->token, 'permessage-deflate', 'token' );
    is_deeply( [ $x[0]->parameters ], [ client_max_window_bits => undef, server_max_window_bits => 10 ], 'parameters' );
    is_deeply( [ $x[1]->parameters ], [ a => 'b c' ], 'a quoted value' );
    is( $x[0]->to_string( $x[1] ), 'permessage-deflate; client_max_window_bits; server_max_window_bits=10, x-foo; a="b c"', 'to_string with others' );
    my $n = Net::WebSocket::Handshake::Extension->new( 'x-bar', flag => undef, n => 3 );
    is( $n->to_string, 'x-bar; flag; n=3', 'new + to_string' );

    is_deeply( [ Net::WebSocket::HTTP::split_tokens(' chat , superchat ') ], [ 'chat', 'superchat' ], 'split_tokens' );
    throws_x( sub { my @t = Net::WebSocket::HTTP::split_tokens('chat, a(b)') }, 'BadToken', 'split_tokens: a non-token' );
}

done_testing();
