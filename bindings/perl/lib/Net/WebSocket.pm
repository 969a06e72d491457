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
follows the RFCs (libws does). What changes that your code can see:

=over

=item * Received frames are checked: a server fails the connection (with
close code 1002) on unmasked client frames, and any endpoint does on
masked server frames, RSV bits or opcodes nobody negotiated, fragmented
control frames or ones longer than 125 bytes, continuation frames out of
place; invalid UTF-8 in text (and in close reasons) fails with 1007;
invalid close codes with 1002. The close frame is sent before the
exception is thrown (the original threw without sending one, or accepted
the frame).

=item * Data that arrives after the peer's close frame is not delivered.

=item * C<check_heartbeat()> sends one close frame (1008) when it gives
up, not one per call.

=item * Limits: messages and frames are limited (64 MiB each by default,
after inflating for compressed messages; 1009 when exceeded), and so
are handshake heads (16 KiB, 100 header lines). What an endpoint holds
of received data is bounded too, however much its reader hands over at
once: libws takes input in only as the messages decoded so far are
returned (the receive budget, C<max_queued>, 1 MiB).

=item * permessage-deflate: the endpoint inflates for you once it knows
the agreement (pass C<< handshake => $hsk >> or C<< extensions => [...] >>
to the endpoint); those messages are not "compressed" any more for
C<message_is_compressed()>. Without it, compressed frames are frames
with an RSV bit nobody negotiated, and fail the connection. Invalid
window bits in a peer's parameters are declined (server) or refused
(client) during the handshake, and inflating is bounded.

=item * Masks and client keys come from a CSPRNG; the client handshake's
C<key> option is ignored (with a warning).

=item * C<Host> keeps a non-default port; a server requires C<Host> (as
RFC 6455 §4.1 says clients must send it).

=item * Nothing modifies your buffers: frame constructors, the client
streamer and C<PMCE::deflate::Data> copy what you give them (the
original masked or compressed them in place). C<Mask::apply()> still
changes the scalar it is given, as its interface says.

=item * Text messages you create are checked for UTF-8
(C<create_message()>, streamers), and close reasons too.

=item * Frames received through the endpoint carry the unmasked payload
without the peer's mask; one frame per frame received (a compressed
fragmented message arrives as one inflated frame).

=item * Handshake failures are the original's exception classes where
one fits (C<MissingHeaders>, C<BadHeader>, C<BadAccept>,
C<UnknownSubprotocol>, ...), chosen from libws's reason; anything else is
C<HandshakeFailed>.

=back

=head1 SEE ALSO

The libws reference manual, C<include/ws.h>. The demos in this
distribution's C<demo/> directory: a forking echo server with
permessage-deflate and heartbeat, a server that pushes a streamed message
every second, and a wscat-like client.

=cut

1;
