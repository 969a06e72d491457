use strict;
use warnings;

use Test::More;
use FindBin ();
use lib "$FindBin::Bin/lib";
use TestWS qw( throws_x reader writer all_events );

use Compress::Raw::Zlib ();
use HTTP::Request ();
use HTTP::Response ();

use Net::WebSocket::PMCE ();
use Net::WebSocket::PMCE::deflate::Server ();
use Net::WebSocket::PMCE::deflate::Client ();
use Net::WebSocket::Handshake::Server ();
use Net::WebSocket::Handshake::Client ();
use Net::WebSocket::HTTP_R ();
use Net::WebSocket::Endpoint::Server ();
use Net::WebSocket::Endpoint::Client ();
use Net::WebSocket::Parser ();

# Negotiates with the given options; returns both deflate objects and the
# response head.
sub negotiate {
    my ($server_opts, $client_opts) = @_;
    my $sd = Net::WebSocket::PMCE::deflate::Server->new(%$server_opts);
    my $cd = Net::WebSocket::PMCE::deflate::Client->new(%$client_opts);
    my $c = Net::WebSocket::Handshake::Client->new( uri => 'ws://h/', extensions => [$cd] );
    my $req = $c->to_string;
    my $s = Net::WebSocket::Handshake::Server->new( extensions => [$sd] );
    Net::WebSocket::HTTP_R::handshake_consume_request( $s, HTTP::Request->parse($req) );
    my $resp = $s->to_string;
    Net::WebSocket::HTTP_R::handshake_consume_response( $c, HTTP::Response->parse($resp) );
    my ($offer) = $req =~ m<^Sec-WebSocket-Extensions: (.*?)\r$>m;
    my ($answer) = $resp =~ m<^Sec-WebSocket-Extensions: (.*?)\r$>m;
    return { sd => $sd, cd => $cd, s => $s, c => $c, offer => $offer, answer => $answer };
}

# Inflates with zlib (a strict decoder: it refuses distances beyond the window).
sub zlib_inflate {
    my ($bits, $data) = @_;
    my ($i, $st) = Compress::Raw::Zlib::Inflate->new( -WindowBits => -$bits, -AppendOutput => 1 );
    my $in = $data . "\x00\x00\xff\xff";
    $st = $i->inflate( $in, my $out );
    return $st == Compress::Raw::Zlib::Z_OK() || $st == Compress::Raw::Zlib::Z_STREAM_END() ? $out : undef;
}

my $text = join ' ', map { "word$_ alpha bravo charlie" } 1 .. 400;

my @cases = (
    [ 'defaults', {}, {}, qr<\Apermessage-deflate; client_max_window_bits\z>, qr<\Apermessage-deflate\z>,
      { deflate_max_window_bits => 15, inflate_max_window_bits => 15, deflate_no_context_takeover => 0, inflate_no_context_takeover => 0 } ],
    [ 'server deflate_no_context_takeover', { deflate_no_context_takeover => 1 }, {}, undef, qr<server_no_context_takeover>,
      { inflate_no_context_takeover => 1 } ],
    [ 'server inflate_no_context_takeover', { inflate_no_context_takeover => 1 }, {}, undef, qr<client_no_context_takeover>,
      { deflate_no_context_takeover => 1 } ],
    [ 'server deflate_max_window_bits', { deflate_max_window_bits => 10 }, {}, undef, qr<server_max_window_bits=10>,
      { inflate_max_window_bits => 10 } ],
    [ 'server inflate_max_window_bits', { inflate_max_window_bits => 9 }, {}, undef, qr<client_max_window_bits=9>,
      { deflate_max_window_bits => 9 } ],
    [ 'client deflate_no_context_takeover', {}, { deflate_no_context_takeover => 1 }, qr<client_no_context_takeover>, qr<client_no_context_takeover>,
      { deflate_no_context_takeover => 1 } ],
    [ 'client inflate_no_context_takeover', {}, { inflate_no_context_takeover => 1 }, qr<server_no_context_takeover>, qr<server_no_context_takeover>,
      { inflate_no_context_takeover => 1 } ],
    [ 'client deflate_max_window_bits', {}, { deflate_max_window_bits => 11 }, qr<client_max_window_bits=11>, undef,
      { deflate_max_window_bits => 11 } ],
    [ 'client inflate_max_window_bits', {}, { inflate_max_window_bits => 12 }, qr<server_max_window_bits=12>, qr<server_max_window_bits=12>,
      { inflate_max_window_bits => 12 } ],
    [ 'everything', { deflate_no_context_takeover => 1, inflate_no_context_takeover => 1, deflate_max_window_bits => 8, inflate_max_window_bits => 8 }, {}, undef, qr<server_no_context_takeover.*client_no_context_takeover|client_no_context_takeover.*server_no_context_takeover>,
      { deflate_no_context_takeover => 1, inflate_no_context_takeover => 1, deflate_max_window_bits => 8, inflate_max_window_bits => 8 } ],
);

for my $case (@cases) {
    my ($name, $sopts, $copts, $offer_re, $answer_re, $client_want) = @$case;
    my $n = negotiate( $sopts, $copts );
    ok( $n->{sd}->ok_to_use && $n->{cd}->ok_to_use, "$name: agreed" );
    like( $n->{offer}, $offer_re, "$name: offer" ) if $offer_re;
    like( $n->{answer} // '', $answer_re, "$name: answer" ) if $answer_re;
    for my $k ( sort keys %$client_want ) {
        is( $n->{cd}->$k(), $client_want->{$k}, "$name: client $k" );
    }
    is( $n->{sd}->get_handshake_object->to_string, $n->{answer}, "$name: server handshake object is the answer" );

    # Data both ways through the data objects, checked by zlib with the
    # agreed window.
    my $sdata = $n->{sd}->create_data_object;
    my $cdata = $n->{cd}->create_data_object;
    for my $round ( 1 .. 2 ) {
        my $m = $cdata->create_message( 'text', $text );
        ok( $cdata->message_is_compressed($m), "$name: client message compressed (round $round)" );
        is( length( ( $m->get_frames )[0]->get_mask_bytes ), 4, "$name: client message masked" );
        is( $sdata->decompress( $m->get_payload ), $text, "$name: server inflates it (round $round)" );
        if ( $n->{cd}->deflate_no_context_takeover ) {
            is( zlib_inflate( $n->{cd}->deflate_max_window_bits, $m->get_payload ), $text, "$name: zlib inflates each message alone, window $n->{cd}{deflate_max_window_bits}" );
        }
        my $r = $sdata->create_message( 'binary', $text );
        is( length( ( $r->get_frames )[0]->get_mask_bytes ), 0, "$name: server message not masked" );
        is( $cdata->decompress( $r->get_payload ), $text, "$name: client inflates the answer (round $round)" );
    }
}

# Window bits honoured: a strict decoder with exactly that window.
{
    my $n = negotiate( { deflate_max_window_bits => 9, deflate_no_context_takeover => 1 }, {} );
    my $data = $n->{sd}->create_data_object;
    my $big = join '', map { chr( 65 + ( $_ * 7 ) % 26 ) x ( 1 + $_ % 5 ) } 1 .. 20000;
    my $m = $data->create_message( 'binary', $big );
    is( zlib_inflate( 9, $m->get_payload ), $big, 'server_max_window_bits=9: zlib with a 9-bit window inflates it' );
}

# Context takeover: the second identical message is smaller with it, not without.
{
    my $with = negotiate( {}, {} )->{sd}->create_data_object;
    my $without = negotiate( { deflate_no_context_takeover => 1 }, {} )->{sd}->create_data_object;
    my ($w1, $w2) = map { length $with->create_message( 'text', $text )->get_payload } 1 .. 2;
    my ($n1, $n2) = map { length $without->create_message( 'text', $text )->get_payload } 1 .. 2;
    cmp_ok( $w2, '<', $w1 / 2, "context takeover: the second message refers to the first ($w1 then $w2 bytes)" );
    is( $n2, $n1, "no context takeover: each message alone ($n1 and $n2 bytes)" );
}

# Streamers, and create_message during a stream.
{
    my $n = negotiate( {}, {} );
    my $sdata = $n->{sd}->create_data_object;
    my $cdata = $n->{cd}->create_data_object;
    my $st = $cdata->create_streamer('text');
    my @f = ( $st->create_chunk('one'), $st->create_chunk('two') );
    ok( !eval { $cdata->create_message( 'text', 'x' ); 1 }, 'create_message while a streamer is active dies' );
    push @f, $st->create_final('three');
    is_deeply( [ map { $_->get_type } @f ], [ 'text', 'continuation', 'continuation' ], 'stream frame types' );
    is_deeply( [ map { $_->get_rsv } @f ], [ 4, 0, 0 ], 'RSV1 on the first frame only' );
    is_deeply( [ map { $_->get_fin } @f ], [ 0, 0, 1 ], 'FIN on the last' );
    ok( $cdata->message_is_compressed( Net::WebSocket::Message->new(@f) ), 'message_is_compressed' );
    is( $sdata->decompress( join '', map { $_->get_payload } @f ), 'onetwothree', 'the stream inflates' );
    ok( $cdata->create_message( 'text', 'after' ), 'create_message after the stream' );
    ok( Net::WebSocket::PMCE->message_is_compressed( $cdata->create_message( 'text', 'x' ) ), 'PMCE->message_is_compressed (class method)' );
    throws_x( sub { $cdata->create_message( 'text', "\xff" ) }, 'BadArg', 'text must be UTF-8' );
    my $payload = 'leave me alone';
    $cdata->create_message( 'binary', $payload );
    is( $payload, 'leave me alone', 'create_message does not alter its payload' );
}

# The endpoint applies the agreement: messages arrive inflated.
{
    my $n = negotiate( { inflate_no_context_takeover => 1 }, {} );
    my $cdata = $n->{cd}->create_data_object;
    for my $how ( 'handshake', 'extensions' ) {
        my $r = reader();
        my $ept = Net::WebSocket::Endpoint::Server->new(
            parser => Net::WebSocket::Parser->new($r), out => writer(),
            ( $how eq 'handshake' ? ( handshake => $n->{s} ) : ( extensions => [ $n->{sd} ] ) ),
        );
        is( $ept->get_connection->extensions, $n->{answer}, "$how: the endpoint's connection has the agreement" );
        $r->add( $cdata->create_message( 'text', $text )->to_bytes );
        my $m = $ept->get_next_message;
        is( $m->get_payload, $text, "$how: the endpoint inflates" );
        ok( !$n->{sd}->create_data_object->message_is_compressed($m), "$how: its messages are not 'compressed' any more" );
    }

    # Without the agreement, RSV1 is a protocol error.
    my $r = reader();
    my $w = writer();
    my $plain = Net::WebSocket::Endpoint::Server->new( parser => Net::WebSocket::Parser->new($r), out => $w );
    $r->add( $cdata->create_message( 'text', $text )->to_bytes );
    my $e = throws_x( sub { $plain->get_next_message }, 'ReceivedBadDataFrame', 'RSV1 without the agreement' );
    is( $e->get('code'), 1002, 'code 1002' );
}

# Bad options and parameters.
{
    throws_x( sub { Net::WebSocket::PMCE::deflate::Server->new( deflate_max_window_bits => 7 ) }, 'BadArg', 'window bits 7' );
    throws_x( sub { Net::WebSocket::PMCE::deflate::Client->new( inflate_max_window_bits => 16 ) }, 'BadArg', 'window bits 16' );
    throws_x( sub { Net::WebSocket::PMCE::deflate::Server->new( bogus => 1 ) }, 'BadArg', 'unknown option' );

    my $s = Net::WebSocket::PMCE::deflate::Server->new();
    is( $s->token, 'permessage-deflate', 'token' );
    $s->consume_parameters( client_max_window_bits => undef, server_no_context_takeover => undef );
    ok( $s->ok_to_use, 'server consume_parameters: a good offer' );
    is( $s->deflate_no_context_takeover, 1, 'server_no_context_takeover taken' );
    $s->consume_parameters( server_max_window_bits => 7 );
    ok( !$s->ok_to_use, 'server consume_parameters: server_max_window_bits=7 is declined' );
    $s->consume_parameters( no_such_param => 1 );
    ok( !$s->ok_to_use, 'server consume_parameters: an unknown parameter is declined' );

    my $c = Net::WebSocket::PMCE::deflate::Client->new();
    $c->consume_parameters( server_max_window_bits => 10 );
    ok( $c->ok_to_use, 'client consume_parameters: a good response' );
    is( $c->inflate_max_window_bits, 10, 'server_max_window_bits=10 taken' );
    my $c2 = Net::WebSocket::PMCE::deflate::Client->new();
    throws_x( sub { $c2->consume_parameters( server_max_window_bits => 7 ) }, 'UnknownExtension', 'client consume_parameters: invalid window bits' );
    like( Net::WebSocket::PMCE::deflate::Client->new( inflate_max_window_bits => 10 )->get_handshake_object->to_string,
        qr<\Apermessage-deflate; server_max_window_bits=10; client_max_window_bits\z>, 'client handshake object: the offer' );
}

# Inflating is bounded: a deflate bomb fails with 1009.
{
    my $n = negotiate( {}, {} );
    my $sdata = $n->{sd}->create_data_object;
    my ($d) = Compress::Raw::Zlib::Deflate->new( -WindowBits => -15, -AppendOutput => 1, -Level => 9 );
    my $bomb = '';
    my $chunk = "\0" x ( 1 << 20 );
    $d->deflate( $chunk, $bomb ) for 1 .. 65;
    $d->flush( $bomb, Compress::Raw::Zlib::Z_SYNC_FLUSH() );
    substr( $bomb, -4 ) = '';
    my $e = throws_x( sub { $sdata->decompress($bomb) }, 'ReceivedBadDataFrame', '65 MiB of inflated data' );
    is( $e && $e->get('code'), 1009, 'code 1009' );
    throws_x( sub { $sdata->decompress('x') }, 'ReceivedBadDataFrame', 'the data object cannot inflate any more' );
    throws_x( sub { $n->{cd}->create_data_object->decompress("\xff\xff\xff") }, 'ReceivedBadDataFrame', 'not a deflate stream' );
}

done_testing();
