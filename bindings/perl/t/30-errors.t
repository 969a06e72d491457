use strict;
use warnings;

use Test::More;

use Net::WebSocket::X ();
use Net::WebSocket::Frame::close ();

my %cases = (
    BadAccept                  => [ [ 'abc=', 'xyz=' ], { expected => 'abc=', received => 'xyz=' } ],
    BadArg                     => [ [ 'foo', 42, 'why not' ], { name => 'foo', value => 42, why => 'why not' } ],
    BadHTTPMethod              => [ ['POST'], { method => 'POST' } ],
    BadHTTPStatus              => [ [ 404, 'Not Found' ], { code => 404, reason => 'Not Found' } ],
    BadHeader                  => [ [ 'Upgrade', 'nope', 'Must contain “websocket”' ], { name => 'Upgrade', value => 'nope' } ],
    BadRequestProtocol         => [ ['HTTP/1.0'], { protocol => 'HTTP/1.0' } ],
    BadToken                   => [ ['a b'], { value => 'a b' } ],
    ControlPayloadTooLong      => [ [ 'ping', 'x' x 126 ], { type => 'ping' } ],
    DuplicateHeader            => [ [ 'Sec-WebSocket-Accept', 'a', 'b' ], { name => 'Sec-WebSocket-Accept' } ],
    EndpointAlreadyClosed      => [ [], {} ],
    MissingHeaders             => [ [ 'Upgrade', 'Connection' ], {} ],
    ReceivedBadControlFrame    => [ [ 'bad ping', 1002 ], { code => 1002 } ],
    ReceivedBadDataFrame       => [ [ 'bad utf-8', 1007 ], { code => 1007 } ],
    ReceivedClose              => [ [ Net::WebSocket::Frame::close->new( code => 1001, reason => 'bye' ) ], { code => 1001, reason => 'bye' } ],
    UnfinishedStream           => [ [ bless {}, 'Some::Streamer' ], {} ],
    UnknownExtension           => [ ['x-foo'], { extension => 'x-foo' } ],
    UnknownSubprotocol         => [ ['chat'], { subprotocol => 'chat' } ],
    UnsupportedProtocolVersion => [ [8], { version => 8 } ],
    Forked                     => [ [], {} ],
    LibWS                      => [ [ -10, 'not now', 'send' ], { code => -10, name => 'WS_E_STATE', what => 'send' } ],
    LibraryLoad                => [ ['not found'], {} ],
    HandshakeFailed            => [ [ 'odd', 400 ], { status => 400 } ],
    PeerFailure                => [ [ 'gone', 1011 ], { code => 1011 } ],
);

for my $name ( sort keys %cases ) {
    my ($args, $attrs) = @{ $cases{$name} };
    my $x = Net::WebSocket::X->create( $name, @$args );
    isa_ok( $x, "Net::WebSocket::X::$name" );
    isa_ok( $x, 'Net::WebSocket::X::Base', $name );
    ok( length $x->get_message, "$name: get_message" );
    for my $k ( sort keys %$attrs ) {
        is( $x->get($k), $attrs->{$k}, "$name: get('$k')" );
    }
    my ($msg, $file) = ( $x->get_message, __FILE__ );
    like( "$x", qr<\A\(Net::WebSocket::X::$name\) \Q$msg\E at \Q$file\E line \d+\.\n\z>, "$name: stringifies with the class and where" );
    ok( eval "require Net::WebSocket::X::$name; 1", "require Net::WebSocket::X::$name" );
    ok( !eval { die $x; 1 } && $@ == $x, "$name: can be thrown" );
}

is_deeply( Net::WebSocket::X->create( 'MissingHeaders', 'A', 'B' )->get('names'), [ 'A', 'B' ], 'MissingHeaders names' );
like( Net::WebSocket::X->create( 'ReceivedClose', Net::WebSocket::Frame::close->new( code => 1001, reason => 'bye' ) )->get_message, qr<\AReceived close frame: \[1001 bye\]\z>, 'ReceivedClose message as the original' );
ok( !eval { Net::WebSocket::X->create('NoSuchThing'); 1 }, 'an unknown type dies' );

done_testing();
