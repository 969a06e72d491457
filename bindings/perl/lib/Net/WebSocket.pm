package Net::WebSocket;

use strict;
use warnings;

our $VERSION = '1.000';

=encoding utf-8

=head1 NAME

Net::WebSocket - WebSocket (RFC 6455, RFC 7692) for Perl, on libws

=head1 SYNOPSIS

The classes of CPAN's Net::WebSocket (by Felipe Gasper), with the same
names and methods:

    use Net::WebSocket::Handshake::Server ();
    use Net::WebSocket::PMCE::deflate::Server ();
    use Net::WebSocket::Parser ();
    use Net::WebSocket::Endpoint::Server ();

    my $deflate = Net::WebSocket::PMCE::deflate::Server->new();
    my $hsk = Net::WebSocket::Handshake::Server->new( extensions => [$deflate] );
    $hsk->consume_headers(@request_header_pairs);
    syswrite $sock, $hsk->to_string();

    my $ept = Net::WebSocket::Endpoint::Server->new(
        parser    => Net::WebSocket::Parser->new($reader),
        out       => $writer,
        handshake => $hsk,      # new here: apply what was negotiated
    );

    while ( my $msg = $ept->get_next_message() ) {
        $writer->write( $ept->create_message( $msg->get_type(), $msg->get_payload() )->to_bytes() );
    }

And a low-level, sans-IO layer for new code:
L<Net::WebSocket::LibWS::Connection>.

=head1 DESCRIPTION

This distribution is the Perl binding of libws, a WebSocket protocol
library written in Go and shipped as a C library (C<libws.so>). Code
written against Net::WebSocket runs on it unchanged (with the exceptions
below), gaining strict RFC behaviour, limits, built-in compression and
speed. The Perl side is thin: objects, argument conversion and
exceptions; every protocol decision is made by libws.

=head2 The classes

=over

=item Frames: L<Net::WebSocket::Frame> and its subclasses
L<Net::WebSocket::Frame::text>, C<::binary>, C<::continuation>,
C<::close>, C<::ping>, C<::pong>; L<Net::WebSocket::Message>.

=item Parsing: L<Net::WebSocket::Parser>, L<Net::WebSocket::Defragmenter>.

=item Endpoints: L<Net::WebSocket::Endpoint::Server>,
L<Net::WebSocket::Endpoint::Client>.

=item Sending in fragments: L<Net::WebSocket::Streamer::Server>,
L<Net::WebSocket::Streamer::Client>.

=item Handshakes: L<Net::WebSocket::Handshake::Server>,
L<Net::WebSocket::Handshake::Client>,
L<Net::WebSocket::Handshake::Extension>; HTTP glue:
L<Net::WebSocket::HTTP_R>, L<Net::WebSocket::HTTP>.

=item Compression: L<Net::WebSocket::PMCE::deflate::Server>,
L<Net::WebSocket::PMCE::deflate::Client>, their data objects
(L<Net::WebSocket::PMCE::deflate::Data>).

=item Odds and ends: L<Net::WebSocket::Mask>, L<Net::WebSocket::Constants>,
L<Net::WebSocket::X> (exceptions).

=item libws itself: L<Net::WebSocket::LibWS> (loading, helpers,
constants), L<Net::WebSocket::LibWS::Connection>.

=back

The reader and writer contract is the original's: a reader has C<read(N)>
returning exactly N bytes, C<undef> when not enough is buffered yet, and
an empty string at end of file (L<IO::Framed>'s contract; a plain
filehandle works too); a writer has C<write(BYTES)>. Payloads are byte
strings.

=head2 Embedding

libws is loaded on first use, never at C<use> time; a process that
forks after using it gets an exception in the child
(C<Net::WebSocket::X::Forked>), never a hang; C<%SIG> handlers keep
running on perl's own thread although the Go runtime has threads of its
own. See L<Net::WebSocket::LibWS/LOADING, FORK AND SIGNALS> and
L<Net::WebSocket::LibWS/LIBRARY LOOKUP>.

=head1 DIFFERENCES FROM Net::WebSocket

Where the original breaks RFC 6455 or RFC 7692, this distribution
follows the RFCs (libws does). Where the original's behaviour is not an
RFC violation, it is matched. What changes that your code can see, with
the section each follows:

=over

=item * Unmasked client frames: a server fails the connection with 1002
(RFC 6455 §5.1, "a server MUST close the connection upon receiving a
frame that is not masked"); masked server frames likewise on a client
(§5.1).

=item * RSV bits nobody negotiated (§5.2, "MUST fail the WebSocket
Connection"), reserved opcodes (§5.2), fragmented control frames or ones
longer than 125 bytes (§5.5), continuation frames out of place (§5.4):
1002. Invalid UTF-8 in text and in close reasons: 1007 (§8.1, §5.5.1).
Invalid received close codes: 1002 (§7.4.1). The close frame is sent
before the exception is thrown (§7.1.7; the original threw without
sending one, or accepted the frame).

=item * A request without C<Host> is refused (§4.1 and §4.2.1 item 2;
the original accepted it), and the client's C<Host> keeps a non-default
port (RFC 7230 §5.4; the original dropped it).

=item * Data that arrives after the peer's close frame is not delivered
(§1.4, §5.5.1).

=item * C<check_heartbeat()> sends one close frame (1008) when it gives
up, not one per call (§5.5.1: an endpoint sends one Close frame).

=item * Limits: messages and frames are limited (64 MiB each by default,
after inflating for compressed messages; 1009 when exceeded, §7.4.1),
and so are handshake heads (16 KiB, 100 header lines; the demos answer
431). What an endpoint holds of received data is bounded too, however
much its reader hands over at once: libws takes input in only as the
messages decoded so far are returned (the receive budget, C<max_queued>,
1 MiB).

=item * permessage-deflate: the endpoint inflates for you once it knows
the agreement: pass C<< handshake => $hsk >> or C<< extensions => [...] >>,
or make it, as the original's programs did, with neither right after the
handshake (it then takes that handshake's agreement; see "The link to the
endpoint" in L<Net::WebSocket::Handshake>). Those messages are not
"compressed" any more for C<message_is_compressed()>, so the original's
C<< $data->message_is_compressed($msg) ? $data->decompress(...) : ... >>
works unchanged. Without any agreement, compressed frames are frames
with an RSV bit nobody negotiated, and fail the connection (RFC 7692
§6). Invalid window bits in a peer's parameters are declined (server) or
refused (client) during the handshake (RFC 7692 §7.1.2), and inflating
is bounded.

=item * Masks and client keys come from a CSPRNG (§5.3, §10.3: "MUST
NOT be predictable"); the client handshake's C<key> option is ignored
(with a warning).

=item * Nothing modifies your buffers: frame constructors, the client
streamer and C<PMCE::deflate::Data> copy what you give them (the
original masked or compressed them in place). C<Mask::apply()> still
changes the scalar it is given, as its interface says.

=item * Text messages you create are checked for UTF-8
(C<create_message()>, streamers; §5.6), and close reasons too.

=item * Frames received through the endpoint carry the unmasked payload
without the peer's mask; a compressed fragmented message arrives as one
inflated frame.

=item * Handshake failures are the original's exception classes where
one fits (C<MissingHeaders> naming every missing field, C<BadHeader>,
C<BadAccept>, C<UnknownSubprotocol>, ...), chosen from libws's reason;
anything else is C<HandshakeFailed>.

=back

=head1 SIGPIPE

A write to a socket whose peer has gone raises SIGPIPE, which kills a
process that does not handle it, without a message (a peer fault while
the connection is already closed is enough). A host should ignore it
(C<< $SIG{PIPE} = 'IGNORE' >>) and handle the EPIPE error of the write;
the demo programs do.

=head1 SEE ALSO

The libws reference manual, C<include/ws.h>. The demos in this
distribution's C<demo/> directory: a forking echo server with
permessage-deflate and heartbeat, a server that pushes a streamed message
every second, and a wscat-like client.

=cut

1;
