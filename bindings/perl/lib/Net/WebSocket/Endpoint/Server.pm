package Net::WebSocket::Endpoint::Server;

use strict;
use warnings;

our $VERSION = '1.000';

use parent qw( Net::WebSocket::Endpoint );

use constant _ROLE => 'server';
use constant FRAME_MASK_ARGS => ();

=encoding utf-8

=head1 NAME

Net::WebSocket::Endpoint::Server - a WebSocket server endpoint

=head1 SYNOPSIS

    my $ept = Net::WebSocket::Endpoint::Server->new(
        parser => $parser_obj,      # Net::WebSocket::Parser over your reader
        out    => $out_obj,         # anything with write(BYTES), or a filehandle

        # optional: # of unanswered pings before we send a close
        max_pings => 5,

        # optional: every data frame as it arrives
        on_data_frame => sub {
            my ($frame_obj) = @_;
            # ...
        },

        # optional (this distribution): what the handshake agreed, so that
        # libws applies it (permessage-deflate: messages come out inflated)
        handshake => $handshake_obj,
    );

    my $msg_to_send = $ept->create_message('text', 'Hello!');
    $out_obj->write( $msg_to_send->to_bytes() );

    if ( _we_timed_out_waiting_for_read_readiness() ) {
        $ept->check_heartbeat();
    }
    else {
        # Call when reading won't block (select() first for non-blocking I/O).
        my $msg = $ept->get_next_message();

        _custom_logic_to_finish_up() if $ept->is_closed();
    }

=head1 DESCRIPTION

Wraps the obvious parts of a WebSocket endpoint's work: reading messages,
answering pings, echoing the close frame, the heartbeat. Its twin is
L<Net::WebSocket::Endpoint::Client>; the two differ only in masking (a
server's frames are not masked and it requires masked frames from the
client).

Behind the endpoint is a libws connection, already open: the bytes read
from the parser's reader are fed to it, libws checks them and answers
(pongs, the close reply, the close frame that fails a broken connection),
and the endpoint writes those answers to C<out> at once.

=head1 METHODS

=head2 CLASS->new( %OPTS )

=over

=item * C<parser> (required) - a L<Net::WebSocket::Parser>.

=item * C<out> (required) - the output object (C<write(BYTES)>, e.g.
L<IO::Framed>) or a filehandle.

=item * C<max_pings> (optional, default 3) - unanswered heartbeat pings
before the endpoint closes with 1008 (C<POLICY_VIOLATION>).

=item * C<on_data_frame> (optional) - receives every data frame as
C<get_next_message()> reads it (for streaming large messages).

=item * C<handshake> (optional) - the L<Net::WebSocket::Handshake::Server>
(or C<::Client>) that negotiated this connection; its agreed subprotocol
and extensions are applied. Without C<handshake> or C<extensions>, the
endpoint takes the latest handshake of its role that agreed on
extensions and that no endpoint took yet (the original's programs made
the endpoint without it; see "The link to the endpoint" in
L<Net::WebSocket::Handshake>): a permessage-deflate connection then
works as with the original, its messages arriving inflated
(C<< $data->message_is_compressed($msg) >> is false for them).

=item * C<extensions> (optional) - instead of C<handshake>: negotiated
extension objects (e.g. L<Net::WebSocket::PMCE::deflate::Server>) or
C<Sec-WebSocket-Extensions> strings; C<subprotocol> - the agreed
subprotocol.

=item * C<max_message>, C<max_frame> (optional) - libws limits (64 MiB
each by default; 1009 when exceeded).

=item * C<max_queued> (optional) - libws's receive budget (1 MiB by
default): decoded messages and control frames waiting to be returned are
bounded by it (plus the one message that fills it), however much the
reader hands over at once; the rest of the input is taken in as they are
returned (see L<Net::WebSocket::Defragmenter>).

=back

=head2 get_next_message()

Reads one frame per call, as the original did. Returns a
L<Net::WebSocket::Message> when that frame completes one, C<undef> after a
control frame or a fragment that does not end its message, or if no
frame is complete yet (call again when the reader has more), or an empty
string at end of file (and on every call after it, without reading
again). With a reader that reads ahead, C<has_pending()> says whether
frames already read wait (call again before waiting for input). Control
frames are handled here:

=over

=item * close: libws answers with a close frame echoing the code and the
reason, as the original did (the endpoint sets C<echo_close_reason>, see
L<Net::WebSocket::LibWS::Connection/Options>); then, by default, L<Net::WebSocket::X::ReceivedClose|Net::WebSocket::X> is thrown
(see C<do_not_die_on_close()>).

=item * ping: libws answers with a pong (unless a subclass defines
C<on_ping>, which then does it).

=item * pong: libws matches it with the heartbeat's pings.

=back

If the peer breaks the protocol, libws fails the connection: the close
frame (1002, 1007, 1009, ...) is written to C<out> and
L<Net::WebSocket::X::ReceivedBadDataFrame|Net::WebSocket::X> or
C<ReceivedBadControlFrame> is thrown (C<< get('code') >>: the code sent).
After the connection is closed it throws C<EndpointAlreadyClosed>.

=head2 create_message( FRAME_TYPE, PAYLOAD )

An unfragmented message (C<text>, C<binary>, or a frame class name),
masked if this is a client. A C<text> payload that is not UTF-8 throws
C<BadArg>. Write C<< $msg->to_bytes() >> to your output yourself. See
L<Net::WebSocket::PMCE::deflate::Data> for compressed messages.

=head2 check_heartbeat()

Sends a ping whose payload is the original's,
C<< "<gmtime> UTC: ping #N (<hex>)" >> (N: the pings unanswered before
it, from 0; hex: a random number), through libws's heartbeat
(C<ws_heartbeat_with>). A pong echoing any outstanding ping answers them
all. Once C<max_pings>
pings are unanswered, it closes the connection with 1008 and the reason
C<Unanswered ping(s): N> instead. After that it does nothing.

=head2 close( code => CODE, reason => REASON ) (alias C<shutdown>)

Sends a close frame (code: a number or a L<Net::WebSocket::Constants>
name; default C<ENDPOINT_UNAVAILABLE>, 1001). Only the first call sends.

=head2 sent_close_frame(), received_close_frame()

The close frames sent and received (L<Net::WebSocket::Frame::close>), or
undef.

=head2 is_closed()

True once a close frame was sent (by C<close()>, the close echo, the
heartbeat, or a protocol failure) or the connection ended.

=head2 do_not_die_on_close(), die_on_close()

Whether receiving a close frame throws C<ReceivedClose> (the default) or
just ends the conversation (check C<received_close_frame()>).

=head2 get_connection()

(This distribution.) The L<Net::WebSocket::LibWS::Connection> behind the
endpoint, for its state, subprotocol, limits and memory.

=head1 EXTENSIONS

Messages keep one frame per frame received, so C<get_frames()> shows
reserved bits that an application extension claimed. A subclass may
define C<on_I<type>> methods for control frame types; C<on_ping> and
C<on_pong> replace the defaults. Custom control opcodes need a parser
that knows them (see L<Net::WebSocket::Parser>).

=head1 DIFFERENCES FROM Net::WebSocket

Where the original broke RFC 6455/7692, this endpoint follows the RFCs,
as libws does:

=over

=item * A client's unmasked frames, RSV bits or opcodes nobody negotiated,
fragmented or oversized control frames, invalid UTF-8 in text, and bad
close codes fail the connection with the proper close code (1002, 1007),
which is sent before the exception is thrown; the original accepted most
of these, and threw without sending a close for the rest.

=item * Data that arrives after the peer's close frame is not delivered.

=item * C<check_heartbeat()> sends one close frame when it gives up (the
original sent one on every later call), with code 1008.

=item * Limits: messages and frames over C<max_message>/C<max_frame>
(64 MiB) fail with 1009; inflated sizes are checked while inflating.

=item * permessage-deflate is applied by the endpoint when you pass the
handshake (or the negotiated extensions): messages are inflated for you
and C<message_is_compressed()> is false for them. Without that the
endpoint knows of no extension, and a compressed frame (RSV1) fails the
connection, as RFC 6455 §5.2 requires.

=item * Close frames you send must have codes libws allows (1000-1003,
1007-1014, 3000-4999).

=item * Received frames carry the unmasked payload without the peer's
mask.

=back

=cut

1;
