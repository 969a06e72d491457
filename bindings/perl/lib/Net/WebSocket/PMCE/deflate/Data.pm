package Net::WebSocket::PMCE::deflate::Data;

use strict;
use warnings;

our $VERSION = '1.000';

=encoding utf-8

=head1 NAME

Net::WebSocket::PMCE::deflate::Data - permessage-deflate messages

=head1 SYNOPSIS

    my $data = $deflate->create_data_object();   # ::Data::Server or ::Data::Client

    my $msg = $data->create_message( 'text', $payload );   # compressed, RSV1
    $out->write( $msg->to_bytes() );

    my $streamer = $data->create_streamer('binary');
    $out->write( $streamer->create_chunk($part1)->to_bytes() );
    $out->write( $streamer->create_final($part2)->to_bytes() );

    if ( $data->message_is_compressed($received_msg) ) {
        $payload = $data->decompress( $received_msg->get_payload() );
    }

=head1 DESCRIPTION

Compresses and inflates messages with the agreed permessage-deflate
parameters. Behind it are two libws connections, already open with the
agreement: one compresses what you send (context takeover across
messages unless C<deflate_no_context_takeover>), the other inflates what
you give C<decompress()> (its own context, likewise).

=head1 METHODS

=head2 CLASS->new( %OPTS )

C<deflate_max_window_bits>, C<inflate_max_window_bits>,
C<deflate_no_context_takeover>, C<inflate_no_context_takeover>, as in
L<Net::WebSocket::PMCE::deflate>; C<create_data_object()> passes the
agreed values.

=head2 OBJ->create_message( FRAME_TYPE, PAYLOAD )

An unfragmented, compressed message (a L<Net::WebSocket::Message> whose
frame has RSV1), masked with a fresh key if this is a client. FRAME_TYPE
is C<text> or C<binary> (or a frame class name). PAYLOAD is not modified.
A text payload must be UTF-8 (C<BadArg> otherwise). Not allowed while a
streamer is unfinished.

=head2 OBJ->create_streamer( FRAME_TYPE )

A L<Net::WebSocket::PMCE::deflate::Data::Streamer> for one compressed
message in fragments.

=head2 OBJ->decompress( COMPRESSED_PAYLOAD )

The inflated payload of a whole compressed message (its frames'
payloads joined). The inflated size is limited (64 MiB, libws's
C<max_message>): beyond it, or for data that is not a valid deflate
stream, it throws
L<Net::WebSocket::X::ReceivedBadDataFrame|Net::WebSocket::X> and the
object cannot inflate any more. COMPRESSED_PAYLOAD is not modified.

=head2 OBJ->message_is_compressed( MESSAGE )

See L<Net::WebSocket::PMCE::Data>.

=head1 DIFFERENCES FROM Net::WebSocket

C<create_message()> and C<decompress()> leave their arguments alone (the
original altered them). A streamer's C<create_chunk()> always returns a
frame (the original returned undef when the compressor produced no
output). Inflating is bounded.

=cut

use parent qw( Net::WebSocket::PMCE::Data );

use Net::WebSocket::Frame ();
use Net::WebSocket::LibWS ();
use Net::WebSocket::LibWS::Connection ();
use Net::WebSocket::Message ();
use Net::WebSocket::X ();

sub new {
    my ($class, %opts) = @_;
    return bless {%opts}, $class;
}

# The agreement as a Sec-WebSocket-Extensions element, in RFC names.
sub _extension_string {
    my ($self) = @_;
    my ($local, $peer) = $self->_RFC_PREFIXES();
    my @p = ('permessage-deflate');
    push @p, "${local}_no_context_takeover" if $self->{'deflate_no_context_takeover'};
    push @p, "${peer}_no_context_takeover" if $self->{'inflate_no_context_takeover'};
    push @p, "${local}_max_window_bits=$self->{'deflate_max_window_bits'}" if $self->{'deflate_max_window_bits'} && $self->{'deflate_max_window_bits'} != 15;
    push @p, "${peer}_max_window_bits=$self->{'inflate_max_window_bits'}" if $self->{'inflate_max_window_bits'} && $self->{'inflate_max_window_bits'} != 15;
    return join( '; ', @p );
}

sub _sender {
    my ($self, $opcode) = @_;
    my $key = ( $opcode >= 3 && $opcode <= 7 ) ? "_sender_$opcode" : '_sender';
    return $self->{$key} //= Net::WebSocket::LibWS::Connection->new_open(
        role       => $self->_ROLE(),
        extensions => $self->_extension_string(),
        ( $opcode >= 3 && $opcode <= 7 ? ( allow_opcodes => 1 << $opcode ) : () ),
    );
}

sub _frame_class {
    my ($type) = @_;
    require Net::WebSocket::Endpoint;
    return Net::WebSocket::Endpoint::_frame_class($type);
}

sub create_message {
    my ($self, $frame_type) = @_;    # $_[2] = payload

    die 'A streamer is active!' if $self->{'_streamer_mode'};

    my $class = _frame_class($frame_type);
    my $opcode = $class->get_opcode();
    my $conn = $self->_sender($opcode);

    my $ok = eval {
        $conn->send( $opcode, $_[2] // q<>, Net::WebSocket::LibWS::WS_SEND_COMPRESS() );
        1;
    };
    if (!$ok) {
        my $err = $@;
        if ( ref $err && $err->isa('Net::WebSocket::X::LibWS') && $err->get('code') == Net::WebSocket::LibWS::WS_E_ARG() ) {
            die Net::WebSocket::X->create('BadArg', payload => $_[2], $err->get_message());
        }
        die $err;
    }

    return Net::WebSocket::Message->new( Net::WebSocket::Frame::_from_wire( $conn->take_output(), $class ) );
}

sub create_streamer {
    my ($self, $frame_type) = @_;

    require Net::WebSocket::PMCE::deflate::Data::Streamer;

    my $class = _frame_class($frame_type);
    my $streamer = Net::WebSocket::PMCE::deflate::Data::Streamer->new( $self, $class );
    $self->{'_streamer_mode'} = 1;

    return $streamer;
}

sub decompress {
    my ($self) = @_;    # $_[1] = payload

    my $payload = Net::WebSocket::LibWS::_bytes( $_[1] // q<> );

    if ( $self->{'_inflate_failed'} ) {
        die Net::WebSocket::X->create('ReceivedBadDataFrame', "This data object's inflater failed earlier: $self->{'_inflate_failed'}", 1002);
    }

    my $conn = $self->{'_receiver'} //= Net::WebSocket::LibWS::Connection->new_open(
        role          => $self->_ROLE(),
        extensions    => $self->_extension_string(),
        validate_utf8 => 0,
    );

    # The frame the peer would have sent: final, RSV1, masked if it came
    # from a client.
    my $mask = $self->_ROLE() eq 'server' ? Net::WebSocket::LibWS::random_mask() : q<>;
    my $frame = Net::WebSocket::LibWS::frame_encode_header(
        fin => 1, rsv => 4, opcode => 2, mask => $mask, length => length $payload,
    );
    $frame .= length($mask) ? Net::WebSocket::LibWS::mask( $mask, $payload ) : $payload;

    $conn->feed($frame);

    my $out;
    for my $ev ( $conn->next_events() ) {
        if ( $ev->type() eq 'binary' ) {
            $out = $ev->data();
        }
        elsif ( $ev->type() eq 'close' ) {
            $self->{'_inflate_failed'} = $ev->data();
            die Net::WebSocket::X->create('ReceivedBadDataFrame', $ev->data(), $ev->code());
        }
    }
    $conn->take_output();    # nothing to send from here

    die Net::WebSocket::X->create('ReceivedBadDataFrame', 'libws delivered no message', 1011) if !defined $out;

    return $out;
}

1;
