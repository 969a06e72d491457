use strict;
use warnings;

use Test::More;
use FindBin ();
use lib "$FindBin::Bin/lib";
use TestWS qw( all_events hexs open_pair throws_x );

use Net::WebSocket::LibWS qw( :all );
use Net::WebSocket::LibWS::Connection ();

my $CONN = 'Net::WebSocket::LibWS::Connection';

# ---- Handshake, byte at a time

{
    my $s = $CONN->new_server( subprotocols => [ 'chat', 'superchat' ], headers => [ 'X-Server' => 'test' ] );
    my $c = $CONN->new_client( 'ws://example.com:8080/path?q=1', subprotocols => [ 'superchat', 'chat' ], origin => 'http://example.com', headers => [ 'X-Client' => 'yes' ] );
    is( $c->state, WS_STATE_CONNECTING, 'client: connecting' );
    is( $c->role, 'client', 'role' );
    my $req = $c->output;
    like( $req, qr<\AGET /path\?q=1 HTTP/1\.1\r\n>, 'request line' );
    like( $req, qr<^Host: example\.com:8080\r$>m, 'Host with the port' );
    like( $req, qr<^Origin: http://example\.com\r$>m, 'Origin' );
    like( $req, qr<^X-Client: yes\r$>m, 'extra header' );
    $c->consume( length $req );
    is( $c->output, '', 'consumed' );

    $s->feed($_) for split //, $req;    # one byte at a time
    my @ev = all_events($s);
    is_deeply( [ map { $_->type } @ev ], [ 'request', 'open' ], 'server: request, open' );
    is( $s->request_method, 'GET', 'request_method' );
    is( $s->request_target, '/path?q=1', 'request_target' );
    is( $s->request_host, 'example.com:8080', 'request_host' );
    is( $s->request_origin, 'http://example.com', 'request_origin' );
    is( $s->request_header('x-client'), 'yes', 'request_header (case-insensitive)' );
    is( $s->request_header( 'x-client', 1 ), undef, 'request_header: no second value' );
    is_deeply( [ $s->request_subprotocols ], [ 'superchat', 'chat' ], 'request_subprotocols' );
    is( $s->subprotocol, 'superchat', "server picks the client's first supported subprotocol" );

    my $resp = $s->take_output;
    like( $resp, qr<\AHTTP/1\.1 101 Switching Protocols\r\n>, 'status 101' );
    like( $resp, qr<^X-Server: test\r$>m, 'extra response header' );
    $c->feed($resp);
    is_deeply( [ map { $_->type } all_events($c) ], ['open'], 'client: open' );
    is( $c->response_status, 101, 'response_status' );
    is( $c->subprotocol, 'superchat', 'client subprotocol' );
    is( $c->state, WS_STATE_OPEN, 'open' );
    ok( $c->is_open && !$c->is_closed, 'is_open' );
    is( $c->extensions, '', 'no extensions' );
    is( $c->deflate_params, undef, 'no deflate' );
}

# ---- Messages, fragments, control frames, events

{
    my ($c, $s) = open_pair();

    ok( $c->send_text('hello'), 'send_text' );
    ok( $c->send_binary("\x00\xff"), 'send_binary' );
    ok( $c->send( 'text', "caf\xc3\xa9" ), 'send(type)' );
    ok( $c->begin_message(WS_OP_BINARY), 'begin_message' );
    ok( $c->send_fragment( 'ab', 0 ), 'send_fragment' );
    ok( $c->ping('p1'), 'ping between fragments' );
    ok( $c->send_fragment( 'cd', 1 ), 'final fragment' );
    my $wire = $c->take_output;
    is( length( $c->output ), 0, 'take_output drains' );

    $s->feed($_) for split //, $wire;
    my @ev = all_events($s);
    is_deeply(
        [ map { [ $_->type, $_->data ] } @ev ],
        [ [ text => 'hello' ], [ binary => "\x00\xff" ], [ text => "caf\xc3\xa9" ], [ ping => 'p1' ], [ binary => 'abcd' ] ],
        'events in order, fed byte by byte',
    );
    my $e = $ev[0];
    ok( $e->is_first && $e->is_last && !$e->is_compressed, 'whole-message flags' );
    is( $e->opcode, WS_OP_TEXT, 'opcode' );
    is( $e->type_code, WS_EV_TEXT, 'type_code' );
    is( $e->[0], WS_EV_TEXT, '->[0] is the type code' );
    is( $e->[1], 'hello', '->[1] is the data' );
    is( $e->rsv, 0, 'rsv' );
    is( $s->next_event, undef, 'no more events' );
    is( $s->pending_events, 0, 'pending_events' );

    # The pong was queued by libws (auto_pong).
    $c->feed( $s->take_output );
    my $pong = $c->next_event;
    is( $pong->type, 'pong', 'auto pong' );
    is( $pong->data, 'p1', 'pong payload' );

    # Unsolicited pong, ping from the server.
    $s->pong('u');
    $s->ping('');
    $c->feed( $s->take_output );
    is_deeply( [ map { [ $_->type, $_->data ] } all_events($c) ], [ [ pong => 'u' ], [ ping => '' ] ], 'pong and empty ping' );

    # Partial writes: consume part of the output.
    $s->feed( $c->take_output );    # the client's pong
    is( $s->next_event->type, 'pong', 'the client answered the ping' );
    $c->send_text( 'x' x 100 );
    my $out = $c->output;
    $c->consume(10);
    is( $c->output, substr( $out, 10 ), 'consume(N) leaves the rest' );
    throws_x( sub { $c->consume(1_000_000) }, 'LibWS', 'consume more than is there' );
    $s->feed( substr( $out, 0, 10 ) . $c->take_output );
    is( $s->next_event->data, ( 'x' x 100 ), 'partial writes reassemble' );

    # Text must be UTF-8.
    my $err = throws_x( sub { $c->send_text("\xff") }, 'LibWS', 'invalid UTF-8 text' );
    is( $err->get('code'), WS_E_ARG, '... WS_E_ARG' );
    is( $err->get('name'), 'WS_E_ARG', '... name' );
    throws_x( sub { $c->send_text("\x{263a}") }, 'BadArg', 'a wide character' );
    throws_x( sub { $c->ping( 'x' x 126 ) }, 'LibWS', 'a 126-byte ping' );

    # Streaming.
    my ($c2, $s2) = open_pair( server_opts => { streaming => 1, chunk_per_frame => 1 } );
    $c2->begin_message('text');
    $c2->send_fragment( 'one', 0 );
    $c2->send_fragment( 'two', 0 );
    $c2->send_fragment( 'three', 1 );
    $s2->feed( $c2->take_output );
    my @chunks = all_events($s2);
    is_deeply( [ map { [ $_->data, $_->is_first, $_->is_last ] } @chunks ], [ [ 'one', 1, 0 ], [ 'two', 0, 0 ], [ 'three', 0, 1 ] ], 'streaming: a chunk per frame' );
}

# ---- Closing

{
    my ($c, $s) = open_pair();
    ok( $c->close( 1000, 'bye' ), 'close' );
    is( $c->state, WS_STATE_CLOSING, 'closing' );
    throws_x( sub { $c->close(1000) }, 'LibWS', 'a second close' );
    throws_x( sub { $c->send_text('late') }, 'LibWS', 'send after close' );
    $s->feed( $c->take_output );
    my $ev = $s->next_event;
    is( $ev->type, 'close', 'server: close' );
    is( $ev->code, 1000, 'code' );
    is( $ev->reason, 'bye', 'reason' );
    is( $ev->initiator, 'peer', 'initiator: peer' );
    is( $ev->initiator_code, WS_CLOSED_BY_PEER, 'initiator_code' );
    is( $s->state, WS_STATE_CLOSED, 'server closed after replying' );
    is( $s->hint, WS_HINT_CLOSE, 'server: close the transport' );
    $c->feed( $s->take_output );
    $ev = $c->next_event;
    is( $ev->initiator, 'us', 'client: the reply to our close' );
    is( $ev->code, 1000, 'echoed code' );
    is( $c->hint, WS_HINT_SHUTDOWN_WRITE, 'client: shut down writing, wait for the server' );
    $c->feed_eof;
    is( $c->state, WS_STATE_CLOSED, 'closed' );

    # A close without a code; invalid codes.
    my ($c2, $s2) = open_pair();
    throws_x( sub { $c2->close(1005) }, 'LibWS', 'close 1005 is refused' );
    throws_x( sub { $c2->close(999) }, 'LibWS', 'close 999 is refused' );
    $c2->close(0);
    $s2->feed( $c2->take_output );
    is( $s2->next_event->code, 1005, 'no code: 1005' );

    # Transport ends without a close.
    my ($c3, $s3) = open_pair();
    $s3->feed_eof;
    my $e3 = $s3->next_event;
    is( $e3->initiator, 'abnormal', 'EOF: abnormal close' );
    is( $e3->code, 1006, 'code 1006' );
    is( $s3->need, 0, 'need: nothing more' );
}

# ---- feed_events, peek_event

{
    my ($c, $s) = open_pair();
    $c->send_text("m$_") for 1 .. 3;
    $c->ping('p');
    $c->close( 1000, 'bye' );
    my $wire = $c->take_output;

    # Feeding and taking in one call: the first batch, the rest with next_events.
    my @ev = $s->feed_events( $wire, 2 );
    is_deeply( [ map { [ $_->type, $_->data ] } @ev ], [ [ text => 'm1' ], [ text => 'm2' ] ], 'feed_events: the first batch (MAX 2)' );
    is( $s->peek_event, WS_EV_TEXT, 'peek_event: the next type' );
    is( $s->pending_events, 3, 'peek_event took nothing' );
    @ev = $s->next_events;
    is_deeply( [ map { $_->type } @ev ], [qw( text ping )], 'next_events: the rest, up to the close' );
    is( $s->peek_event, WS_EV_CLOSE, 'peek_event: the close is next' );
    is( $s->state, WS_STATE_CLOSING, 'peeking at the close queued no reply' );
    my $pong = $s->take_output;
    ok( length $pong, 'the pong was queued' );
    $c->feed($pong);
    is( $s->next_event->type, 'close', 'the close' );
    is( $s->state, WS_STATE_CLOSED, 'taking it queued the reply' );
    is( $s->peek_event, 0, 'peek_event: 0 when none is queued' );
    is_deeply( [ $s->feed_events('') ], [], 'feed_events of nothing: no events' );

    # The flat form; an empty payload; UTF-8-flagged bytes.
    my ($c2, $s2) = open_pair();
    $c2->send_binary('');
    $c2->send_text("caf\xc3\xa9");
    my $w2 = $c2->take_output;
    utf8::upgrade($w2);
    my @raw = $s2->feed_events_raw($w2);
    is( scalar @raw, 6, 'feed_events_raw: three values per event' );
    is_deeply( [ @raw[ 0, 1, 3, 4 ] ], [ WS_EV_BINARY, undef, WS_EV_TEXT, "caf\xc3\xa9" ], 'feed_events_raw: type and data (undef when empty); upgraded input fed as its bytes' );

    # A feed that fails takes no event and throws as feed does.
    my ($c3, $s3) = open_pair();
    $c3->send_text('kept');
    $s3->feed( $c3->take_output );
    throws_x( sub { $s3->feed_events("\x{263a}") }, 'BadArg', 'feed_events: a wide character' );
    is( $s3->pending_events, 1, '... nothing taken' );
    $s3->feed_eof;
    all_events($s3);
    my $err = throws_x( sub { $s3->feed_events('x') }, 'LibWS', 'feed_events after the end' );
    ok( $err->get('code') < 0, '... with a WS_E_* code' );
}

# ---- Peer faults fail the connection with the right code

{
    my @cases = (
        [ 'unmasked client frame', "\x81\x02hi", 1002 ],
        [ 'reserved opcode', "\x83\x80abcd", 1002 ],
        [ 'RSV1 not negotiated', "\xc1\x80abcd", 1002 ],
        [ 'continuation out of place', "\x80\x80abcd", 1002 ],
        [ 'invalid UTF-8', "\x81\x81\0\0\0\0\xff", 1007 ],
        [ 'invalid close code', "\x88\x82\0\0\0\0\x03\xe7", 1002 ],
    );
    for my $case (@cases) {
        my ($name, $bytes, $code) = @$case;
        my ($c, $s) = open_pair();
        $s->feed($bytes);
        my ($ev) = all_events($s);
        is( $ev->type, 'close', "$name: close event" );
        is( $ev->initiator, 'failure', "$name: failure" );
        is( $ev->code, $code, "$name: $code" );
        like( $s->failure, qr<\S>, "$name: failure() says why" );
        $c->feed( $s->take_output );
        is( $c->next_event->code, $code, "$name: the close frame was queued" );
    }

    my ($c, $s) = open_pair( server_opts => { max_message => 10 } );
    $c->send_text( 'x' x 11 );
    $s->feed( $c->take_output );
    is( $s->next_event->code, 1009, 'over max_message: 1009' );
}

# ---- Heartbeat

{
    my ($c, $s) = open_pair( server_opts => { max_pings => 2 } );
    ok( $s->heartbeat, 'heartbeat pings' );
    is( $s->unanswered_pings, 1, 'one unanswered' );
    $c->feed( $s->take_output );
    is( $c->next_event->type, 'ping', 'client got the ping' );
    $s->feed( $c->take_output );    # the pong
    is( $s->next_event->type, 'pong', 'pong' );
    is( $s->unanswered_pings, 0, 'answered' );

    $s->heartbeat;
    $s->heartbeat;
    is( $s->unanswered_pings, 2, 'two unanswered' );
    $s->heartbeat;
    my $ev = $s->next_event;
    is( $ev->code, 1008, 'max_pings: 1008' );
    like( $ev->data, qr<Unanswered ping\(s\): 2>, 'reason' );
    is( $s->heartbeat, 0, 'heartbeat after giving up: false, no second close' );
}

# ---- Manual accept, reject, feed_request / feed_response

{
    my $s = $CONN->new_server( manual_accept => 1 );
    my $c = $CONN->new_client( 'ws://h/', extension_offers => ['x-test; a=1'] );
    $s->feed( $c->take_output );
    is_deeply( [ map { $_->type } all_events($s) ], ['request'], 'manual accept: stops at request' );
    is_deeply( [ $s->request_extensions ], ['x-test; a=1'], 'request_extensions' );
    $s->accept( extensions => 'x-test; a=1', headers => [ 'X-A' => 'b' ] );
    is_deeply( [ map { $_->type } all_events($s) ], ['open'], 'accepted' );
    my $resp = $s->take_output;
    like( $resp, qr<^Sec-WebSocket-Extensions: x-test; a=1\r$>m, 'application extension answered' );
    $c->feed($resp);
    all_events($c);
    is( $c->extensions, 'x-test; a=1', 'client agreed extensions' );

    my $s2 = $CONN->new_server( manual_accept => 1 );
    my $c2 = $CONN->new_client('ws://h/');
    $s2->feed( $c2->take_output );
    all_events($s2);
    $s2->reject( 403, 'go away', headers => [ 'X-Why' => 'test' ] );
    is( scalar( all_events($s2) ), 0, 'reject: no event (the host did it)' );
    is( $s2->state, WS_STATE_CLOSED, 'reject: closed' );
    my $r = $s2->take_output;
    like( $r, qr<\AHTTP/1\.1 403 >, 'status 403' );
    like( $r, qr<go away>, 'body' );
    is( $s2->hint, WS_HINT_CLOSE, 'close after rejecting' );
    $c2->feed($r);
    my ($crej) = all_events($c2);
    is( $crej->type, 'rejected', 'client: rejected' );
    is( $crej->code, 403, 'client: status' );

    my $s3 = $CONN->new_server();
    $s3->feed_request( 'GET', '/x', 'HTTP/1.1', [ Host => 'h', Upgrade => 'websocket', Connection => 'Upgrade', 'Sec-WebSocket-Version' => 13, 'Sec-WebSocket-Key' => 'dGhlIHNhbXBsZSBub25jZQ==' ] );
    is_deeply( [ map { $_->type } all_events($s3) ], [ 'request', 'open' ], 'feed_request' );
    like( $s3->take_output, qr<s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=>, 'accept value' );

    my $s4 = $CONN->new_server();
    $s4->feed("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
    my ($bad) = all_events($s4);
    is( $bad->type, 'rejected', 'bad request: rejected' );
    is( $bad->code, 400, 'status 400' );

    my $c5 = $CONN->new_client('ws://h/');
    my ($key) = $c5->take_output =~ m<Sec-WebSocket-Key: (\S+)\r>;
    $c5->feed_response( 101, 'Switching Protocols', [ Upgrade => 'websocket', Connection => 'Upgrade', 'Sec-WebSocket-Accept' => Net::WebSocket::LibWS::accept_key($key) ] );
    is_deeply( [ map { $_->type } all_events($c5) ], ['open'], 'feed_response' );
}

# ---- Backpressure

{
    my ($c, $s) = open_pair( client_opts => { max_output => 1000 } );
    ok( $c->send_binary( 'x' x 5000 ), 'a send into a smaller queue is accepted whole' );
    is( $c->send_binary('y'), 0, 'then sends return false (output full)' );
    $c->take_output;
    ok( $c->send_binary('y'), 'after draining, sending works' );
}

# ---- Application extensions: claimed RSV bits and opcodes

{
    my ($c, $s) = open_pair( allow_rsv => WS_RSV2, allow_opcodes => 1 << 3 | 1 << 11 );
    ok( $c->send_frame( 3, WS_RSV2, 1, 'custom' ), 'send_frame: claimed data opcode with RSV2' );
    ok( $c->send_frame( 11, 0, 1, 'ctl' ), 'send_frame: claimed control opcode' );
    $s->feed( $c->take_output );
    my @ev = all_events($s);
    is_deeply( [ map { [ $_->type, $_->opcode, $_->rsv, $_->data ] } @ev ], [ [ 'data', 3, WS_RSV2, 'custom' ], [ 'control', 11, 0, 'ctl' ] ], 'data and control events' );
}

# ---- Memory, shrink, bad arguments

{
    my ($c, $s) = open_pair( deflate => 1 );
    cmp_ok( $s->memory, '>=', 0, 'memory' );
    ok( $s->shrink, 'shrink' );
    my $p = $s->deflate_params;
    is( ref $p, 'HASH', 'deflate_params' );
    is( $p->{'server_max_window_bits'}, 15, 'server_max_window_bits' );
    throws_x( sub { $CONN->new_client('http:/bad') }, 'LibWS', 'bad URL' );
    throws_x( sub { $CONN->new_server( no_such_option => 1 ) }, 'BadArg', 'unknown option' );
    throws_x( sub { $CONN->new_server( deflate => { server_max_window_bits => 16 } ) }, 'LibWS', 'bad window bits' );
    throws_x( sub { $CONN->new_open( role => 'nobody' ) }, 'BadArg', 'bad role' );
    my $o = $CONN->new_open( role => 'client', subprotocol => 'chat', extensions => 'permessage-deflate' );
    is( $o->subprotocol, 'chat', 'new_open: subprotocol' );
    ok( $o->deflate_params, 'new_open: deflate applied' );
    is( $o->state, WS_STATE_OPEN, 'new_open: open' );
}

done_testing();
