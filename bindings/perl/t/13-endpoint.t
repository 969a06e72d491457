use strict;
use warnings;

use Test::More;
use FindBin ();
use lib "$FindBin::Bin/lib";
use TestWS qw( all_events hexs throws_x reader writer );

use Net::WebSocket::LibWS::Connection ();
use Net::WebSocket::Endpoint::Server ();
use Net::WebSocket::Endpoint::Client ();
use Net::WebSocket::Defragmenter ();
use Net::WebSocket::Parser ();
use Net::WebSocket::Frame::text ();
use Net::WebSocket::Frame::ping ();

my $CONN = 'Net::WebSocket::LibWS::Connection';

# A server endpoint and a native client conn as its peer.
sub server_ept {
    my (%opts) = @_;
    my $r = reader();
    my $w = writer();
    my $class = delete $opts{'class'} // 'Net::WebSocket::Endpoint::Server';
    my $ept = $class->new( parser => Net::WebSocket::Parser->new($r), out => $w, %opts );
    my $peer = $CONN->new_open( role => 'client', %{ delete $opts{'peer'} || {} } );
    return ( $ept, $r, $w, $peer );
}

sub drain {
    my ($ept) = @_;
    my @msgs;
    while (1) {
        my $m = $ept->get_next_message;
        last if !defined $m || !ref $m;
        push @msgs, $m;
    }
    return @msgs;
}

# ---- Fragmentation with interleaved control frames, byte at a time

{
    my @data_frames;
    my ($ept, $r, $w, $peer) = server_ept( on_data_frame => sub { push @data_frames, $_[0] } );

    $peer->send_text('whole');
    $peer->begin_message('text');
    $peer->send_fragment( 'frag', 0 );
    $peer->ping('p1');
    $peer->send_fragment( "men\xc3", 0 );    # a fragment may end inside a character
    $peer->pong('unsolicited');
    $peer->send_fragment( "\xa9", 1 );
    $peer->send_binary( "\x00\x01\x02" );

    my @msgs;
    for my $byte ( split //, $peer->take_output ) {
        $r->add($byte);
        my $m = $ept->get_next_message;
        push @msgs, $m if ref $m;
    }
    is_deeply( [ map { [ $_->get_type, $_->get_payload ] } @msgs ],
        [ [ text => 'whole' ], [ text => "fragmen\xc3\xa9" ], [ binary => "\x00\x01\x02" ] ], 'messages reassembled' );
    is( scalar( my @f = $msgs[1]->get_frames ), 3, 'the fragmented message keeps its three frames' );
    is_deeply( [ map { ref } $msgs[1]->get_frames ], [ 'Net::WebSocket::Frame::text', ('Net::WebSocket::Frame::continuation') x 2 ], 'text, continuation, continuation' );
    is_deeply( [ map { $_->get_fin } $msgs[1]->get_frames ], [ 0, 0, 1 ], 'FIN bits' );
    is( scalar(@data_frames), 5, 'on_data_frame saw every data frame' );
    is( $data_frames[2]->get_payload, "men\xc3", 'on_data_frame: the frame as sent' );

    $peer->feed( $w->take );
    is_deeply( [ map { [ $_->type, $_->data ] } all_events($peer) ], [ [ pong => 'p1' ] ], 'the ping was answered (auto pong)' );
    ok( !$ept->is_closed, 'still open' );
    is( $ept->get_next_message, undef, 'no message: undef' );
}

# ---- The same with a reader that offers read_available(): fed at once

{
    package RAReader;
    our @ISA = ('TestWS::Reader');
    sub read_available {
        my ($self, $max) = @_;
        return q<> if $self->{'eof'} && !length $self->{'buf'};
        return undef if !length $self->{'buf'};
        return substr( $self->{'buf'}, 0, $max, q<> );
    }

    package main;
    for my $mode ( 'all at once', 'byte at a time' ) {
        my $r = RAReader->new;
        my $w = writer();
        my $ept = Net::WebSocket::Endpoint::Server->new( parser => Net::WebSocket::Parser->new($r), out => $w );
        my $peer = $CONN->new_open( role => 'client' );
        $peer->send_text('one');
        $peer->begin_message('binary');
        $peer->send_fragment( 'tw', 0 );
        $peer->ping('x');
        $peer->send_fragment( 'o', 1 );
        $peer->send_text('three');
        $peer->close( 1000, 'end' );
        my $bytes = $peer->take_output;
        my (@msgs, $err);
        $ept->do_not_die_on_close;
        for my $chunk ( $mode eq 'all at once' ? ($bytes) : split( //, $bytes ) ) {
            $r->add($chunk);
            push @msgs, TestWS::drain($ept);
        }
        is_deeply( [ map { $_->get_payload } @msgs ], [ 'one', 'two', 'three' ], "read_available, $mode: messages" );
        ok( $ept->received_close_frame, "read_available, $mode: the close" );
        $peer->feed( $w->take );
        is_deeply( [ map { $_->type } all_events($peer) ], [ 'pong', 'close' ], "read_available, $mode: pong and close reply" );
    }
}

# ---- create_message masks by role

{
    my ($ept) = server_ept();
    my $m = $ept->create_message( 'text', 'Hi' );
    is( hexs( $m->to_bytes ), '81 02 48 69', 'server messages are not masked' );
    throws_x( sub { $ept->create_message( 'text', "\xff" ) }, 'BadArg', 'text must be UTF-8' );
    throws_x( sub { $ept->create_message( 'nonesuch', 'x' ) }, 'BadArg', 'unknown type' );
    my $bm = $ept->create_message( 'Net::WebSocket::Frame::binary', "\xff" );
    is( $bm->get_type, 'binary', 'a frame class name as type' );

    my $cept = Net::WebSocket::Endpoint::Client->new( parser => Net::WebSocket::Parser->new( reader() ), out => writer() );
    my $cm = $cept->create_message( 'binary', 'Hi' );
    is( length( ( $cm->get_frames )[0]->get_mask_bytes ), 4, 'client messages are masked' );
    is( $cm->get_payload, 'Hi', '... payload' );
    isnt( substr( $cm->to_bytes, 6 ), 'Hi', '... masked on the wire' );
}

# ---- Close: echo, die_on_close, do_not_die_on_close, EndpointAlreadyClosed

{
    my ($ept, $r, $w, $peer) = server_ept();
    $peer->send_text('before');
    $peer->close( 1001, 'going' );
    $r->add( $peer->take_output );
    is( $ept->get_next_message->get_payload, 'before', 'message before the close' );
    my $e = throws_x( sub { $ept->get_next_message }, 'ReceivedClose', 'a close frame throws ReceivedClose by default' );
    is( $e->get('code'), 1001, '... code' );
    is( $e->get('reason'), 'going', '... reason' );
    is_deeply( [ $e->get('frame')->get_code_and_reason ], [ 1001, 'going' ], '... frame' );
    ok( $ept->is_closed, 'is_closed' );
    is_deeply( [ $ept->received_close_frame->get_code_and_reason ], [ 1001, 'going' ], 'received_close_frame' );
    is( ( $ept->sent_close_frame->get_code_and_reason )[0], 1001, 'sent_close_frame echoes the code' );
    $peer->feed( $w->take );
    my ($ev) = all_events($peer);
    is( $ev->type, 'close', 'the peer got our close' );
    is( $ev->code, 1001, '... echoing the code' );
    throws_x( sub { $ept->get_next_message }, 'EndpointAlreadyClosed', 'get_next_message after the close' );
}
{
    my ($ept, $r, $w, $peer) = server_ept();
    $ept->do_not_die_on_close;
    $peer->close(1000);
    # Data after the close frame is not delivered.
    my $after = Net::WebSocket::Frame::text->new( payload => 'late', mask => "abcd" )->to_bytes;
    $r->add( $peer->take_output . $after );
    is( $ept->get_next_message, undef, 'do_not_die_on_close: undef' );
    ok( $ept->received_close_frame, 'received_close_frame' );
    ok( $ept->is_closed, 'closed' );
    throws_x( sub { $ept->get_next_message }, 'EndpointAlreadyClosed', 'the data after the close is not delivered' );
    $ept->die_on_close;
}

# ---- Closing ourselves

{
    my ($ept, $r, $w, $peer) = server_ept();
    $ept->close( code => 'POLICY_VIOLATION', reason => 'no' );
    ok( $ept->is_closed, 'is_closed after close()' );
    is_deeply( [ $ept->sent_close_frame->get_code_and_reason ], [ 1008, 'no' ], 'sent_close_frame' );
    $ept->shutdown( code => 1000 );    # alias; no second close frame
    $peer->feed( $w->take );
    my @ev = all_events($peer);
    is( scalar(@ev), 1, 'one close frame only' );
    is( $ev[0]->code, 1008, 'the code' );
    $r->add( $peer->take_output );    # the peer's reply
    my $e = throws_x( sub { $ept->get_next_message }, 'ReceivedClose', "the peer's reply" );

    my ($e2) = server_ept();
    $e2->close();
    is( ( $e2->sent_close_frame->get_code_and_reason )[0], 1001, 'close() defaults to ENDPOINT_UNAVAILABLE' );
    my ($e3) = server_ept();
    throws_x( sub { $e3->close( code => 1005 ) }, 'BadArg', 'close with 1005' );
}

# ---- Protocol errors fail the connection with the right close code

{
    my @cases = (
        [ 'unmasked client frame', "\x81\x02hi", 'ReceivedBadDataFrame', 1002 ],
        [ 'invalid UTF-8', Net::WebSocket::Frame::text->new( payload => "\xff", mask => 'abcd' )->to_bytes, 'ReceivedBadDataFrame', 1007 ],
        [ 'RSV1 without deflate', "\xc1\x80abcd", 'ReceivedBadDataFrame', 1002 ],
        [ 'fragmented ping', "\x09\x80abcd", 'ReceivedBadControlFrame', 1002 ],
        [ 'invalid close code', Net::WebSocket::Frame::close->new( payload => pack( 'n', 999 ), mask => 'abcd' )->to_bytes, 'ReceivedBadControlFrame', 1002 ],
        [ 'continuation without a start', "\x80\x80abcd", 'ReceivedBadControlFrame', 1002 ],    # as the original
        [ 'reserved control opcode',      "\x8b\x80abcd", 'ReceivedBadControlFrame', 1002 ],
        [ 'reserved data opcode',         "\x83\x80abcd", 'ReceivedBadDataFrame',    1002 ],
    );
    for my $case (@cases) {
        my ($name, $bytes, $class, $code) = @$case;
        my @errors;
        my ($ept, $r, $w, $peer) = server_ept();
        $ept->{'_defragger'}{'_on_protocol_error'} = sub { push @errors, [@_] };
        $r->add($bytes);
        my $e = throws_x( sub { $ept->get_next_message }, $class, $name );
        is( $e && $e->get('code'), $code, "$name: code $code" );
        $peer->feed( $w->take );
        my ($ev) = all_events($peer);
        is( $ev && $ev->code, $code, "$name: the close frame was sent first" );
        ok( $ept->is_closed, "$name: closed" );
        is( ( $ept->sent_close_frame->get_code_and_reason )[0], $code, "$name: sent_close_frame" );
    }

    my ($ept, $r, $w, $peer) = server_ept( max_message => 100 );
    $peer->send_binary( 'x' x 101 );
    $r->add( $peer->take_output );
    my $e = throws_x( sub { $ept->get_next_message }, 'ReceivedBadDataFrame', 'over max_message' );
    is( $e->get('code'), 1009, 'over max_message: 1009' );
}

# ---- A client endpoint refuses masked frames from the server

{
    my $r = reader();
    my $w = writer();
    my $ept = Net::WebSocket::Endpoint::Client->new( parser => Net::WebSocket::Parser->new($r), out => $w );
    $r->add( Net::WebSocket::Frame::text->new( payload => 'x', mask => 'abcd' )->to_bytes );
    my $e = throws_x( sub { $ept->get_next_message }, 'ReceivedBadDataFrame', 'a masked frame from the server' );
    is( $e->get('code'), 1002, 'code 1002' );
    my $peer = $CONN->new_open( role => 'server' );
    $peer->feed( $w->take );
    is( ( all_events($peer) )[0]->code, 1002, 'the client sent its close, masked' );
}

# ---- Heartbeat

{
    my ($ept, $r, $w, $peer) = server_ept( max_pings => 2 );
    $ept->check_heartbeat;
    $peer->feed( $w->take );
    my ($ping) = all_events($peer);
    is( $ping->type, 'ping', 'check_heartbeat sends a ping' );
    $r->add( $peer->take_output );    # the pong
    is( $ept->get_next_message, undef, 'the pong is handled' );
    is( $ept->get_connection->unanswered_pings, 0, 'a matching pong clears the count' );

    $ept->check_heartbeat for 1 .. 2;
    ok( !$ept->is_closed, 'two unanswered pings: still open' );
    $ept->check_heartbeat;
    ok( $ept->is_closed, 'max_pings unanswered: closed' );
    is_deeply( [ $ept->sent_close_frame->get_code_and_reason ], [ 1008, 'Unanswered ping(s): 2' ], '1008 "Unanswered ping(s): N"' );
    $ept->check_heartbeat for 1 .. 3;    # no second close frame
    $peer->feed( $w->take );
    my @ev = grep { $_->type eq 'close' } all_events($peer);
    is( scalar(@ev), 1, 'one close frame, however often check_heartbeat is called' );
    is( $ev[0]->code, 1008, 'code 1008' );
    is( Net::WebSocket::Endpoint::Server->DEFAULT_MAX_PINGS, 3, 'max_pings defaults to 3' );
}

# ---- Subclass control-frame handlers

{
    package My::Endpoint;
    use parent -norequire, 'Net::WebSocket::Endpoint::Server';
    our @pings;
    sub on_ping { my ($self, $frame) = @_; push @pings, $frame->get_payload; $self->SUPER::on_ping($frame) }
    our @pongs;
    sub on_pong { push @pongs, $_[1]->get_payload }

    package main;
    my ($ept, $r, $w, $peer) = server_ept( class => 'My::Endpoint' );
    $peer->ping('hello?');
    $peer->pong('pong!');
    $r->add( $peer->take_output );
    $ept->get_next_message;
    $ept->get_next_message;
    is_deeply( \@My::Endpoint::pings, ['hello?'], 'on_ping override called' );
    is_deeply( \@My::Endpoint::pongs, ['pong!'], 'on_pong override called' );
    $peer->feed( $w->take );
    my @ev = all_events($peer);
    is( scalar(@ev), 1, 'exactly one pong (from SUPER::on_ping, not libws)' );
    is( $ev[0]->data, 'hello?', '... echoing the ping' );
}

# Custom control opcodes: a parser that knows the opcode, a handler named
# after the type.
{
    package My::Frame::hey;
    require Net::WebSocket::Base::ControlFrame;
    our @ISA = ('Net::WebSocket::Base::ControlFrame');
    use constant get_opcode => 11;
    use constant get_type => 'hey';

    package My::HeyParser;
    our @ISA = ('Net::WebSocket::Parser');
    use constant OPCODE_CLASS_11 => 'My::Frame::hey';

    package My::HeyEndpoint;
    our @ISA = ('Net::WebSocket::Endpoint::Server');
    our @heys;
    sub on_hey { push @heys, $_[1]->get_payload }

    package main;
    my $r = reader();
    my $ept = My::HeyEndpoint->new( parser => My::HeyParser->new($r), out => writer() );
    $r->add( My::Frame::hey->new( payload => 'yo', mask => 'abcd' )->to_bytes );
    is( $ept->get_next_message, undef, 'custom control frame handled' );
    is_deeply( \@My::HeyEndpoint::heys, ['yo'], 'on_hey called' );

    my $r2 = reader();
    my $plain = Net::WebSocket::Endpoint::Server->new( parser => My::HeyParser->new($r2), out => writer() );
    $r2->add( My::Frame::hey->new( payload => 'yo', mask => 'abcd' )->to_bytes );
    throws_x( sub { $plain->get_next_message }, 'ReceivedBadControlFrame', 'no on_hey: ReceivedBadControlFrame' );
}

# ---- EOF, constructor errors, Defragmenter on its own

{
    my ($ept, $r) = server_ept();
    $r->eof;
    is( $ept->get_next_message, q<>, 'EOF: empty string' );

    throws_x( sub { Net::WebSocket::Endpoint::Server->new( parser => Net::WebSocket::Parser->new( reader() ) ) }, 'BadArg', 'out is required' );
    throws_x( sub { Net::WebSocket::Endpoint::Server->new( out => writer() ) }, 'BadArg', 'parser is required' );
    throws_x( sub { Net::WebSocket::Endpoint::Server->new( parser => Net::WebSocket::Parser->new( reader() ), out => {} ) }, 'BadArg', 'out needs write()' );

    my (@ctl, @data);
    my $r2 = reader();
    my $d = Net::WebSocket::Defragmenter->new(
        parser => Net::WebSocket::Parser->new($r2),
        on_control_frame => sub { push @ctl, $_[0] },
        on_data_frame => sub { push @data, $_[0] },
    );
    my $peer = $CONN->new_open( role => 'client' );
    $peer->begin_message('binary');
    $peer->send_fragment( 'a', 0 );
    $peer->ping('x');
    $peer->send_fragment( 'b', 1 );
    $r2->add( $peer->take_output );
    # One frame per call, as the original: the fragment, the ping, then
    # the last fragment completes the message.
    is( $d->get_next_message, undef, 'Defragmenter: the first fragment' );
    is( $d->get_next_message, undef, 'Defragmenter: the ping' );
    my $m = $d->get_next_message;
    is( $m && $m->get_payload, 'ab', 'Defragmenter: message' );
    is( scalar(@data), 2, 'Defragmenter: on_data_frame' );
    is_deeply( [ map { $_->get_type } @ctl ], ['ping'], 'Defragmenter: on_control_frame' );
    is( $d->get_next_message, undef, 'Defragmenter: undef' );
}

done_testing();
