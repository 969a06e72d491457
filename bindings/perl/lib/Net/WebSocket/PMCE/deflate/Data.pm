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
parameters, by libws's per-message compression outside a connection
(C<ws_compressor_*> and C<ws_decompressor_*> in C<ws.h>): one compressor
for what you send (window C<deflate_max_window_bits>, context takeover
across messages unless C<deflate_no_context_takeover>), one decompressor
for what you give C<decompress()> (the peer's direction: window
C<inflate_max_window_bits>, context takeover unless
C<inflate_no_context_takeover>). Each is made on first use and keeps only
its LZ77 window; libws lends it the rest.

=head1 METHODS

=head2 CLASS->new( %OPTS )

C<deflate_max_window_bits>, C<inflate_max_window_bits>,
C<deflate_no_context_takeover>, C<inflate_no_context_takeover>, as in
L<Net::WebSocket::PMCE::deflate>; C<create_data_object()> passes the
agreed values. (This distribution:) C<max_message>, the most bytes one
inflated message may have (default 0: libws's 64 MiB; -1: unlimited).

=head2 OBJ->create_message( FRAME_TYPE, PAYLOAD )

An unfragmented, compressed message (a L<Net::WebSocket::Message> whose
frame has RSV1), masked with a fresh key if this is a client. FRAME_TYPE
is C<text> or C<binary> (or a data frame class name). PAYLOAD is not
modified. A text payload must be UTF-8 (C<BadArg> otherwise). Not allowed
while a streamer is unfinished.

=head2 OBJ->create_streamer( FRAME_TYPE )

A L<Net::WebSocket::PMCE::deflate::Data::Streamer> for one compressed
message in fragments.

=head2 OBJ->decompress( COMPRESSED_PAYLOAD )

The inflated payload of a whole compressed message (its frames'
payloads joined). The inflated size is limited (C<max_message>, 64 MiB
by default; checked while inflating): beyond it (C<< get('code') >>
1009), or for data that is not a valid deflate stream (1007), it throws
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
use Net::WebSocket::Mask ();
use Net::WebSocket::Message ();
use Net::WebSocket::X ();

sub new {
    my ($class, %opts) = @_;
    return bless { %opts, _pid => $$ }, $class;
}

sub DESTROY {
    my ($self) = @_;
    return if ${^GLOBAL_PHASE} eq 'DESTRUCT' || ( $self->{'_pid'} // 0 ) != $$;
    Net::WebSocket::LibWS::_ws_compressor_free( delete $self->{'_z'} ) if $self->{'_z'};
    Net::WebSocket::LibWS::_ws_decompressor_free( delete $self->{'_unz'} ) if $self->{'_unz'};
    return;
}

sub _check_fork {
    return if $_[0]{'_pid'} == $$;
    die Net::WebSocket::X->create('Forked');
}

# The compressor for what this endpoint sends (made on first use).
sub _compressor {
    my ($self) = @_;
    return $self->{'_z'} if $self->{'_z'};
    Net::WebSocket::LibWS::_ensure();
    $self->_check_fork();
    my $rc = Net::WebSocket::LibWS::_ws_compressor_new(
        0,    # libws's default level (6)
        $self->{'deflate_max_window_bits'} || 15,
        ( $self->{'deflate_no_context_takeover'} ? 0 : 1 ),
        \my $z,
    );
    Net::WebSocket::LibWS::_croak_rc($rc, 'ws_compressor_new') if $rc < 0;
    return $self->{'_z'} = $z;
}

# Compresses the next part of the current message; $final ends it.
sub _compress {
    my ($self, $final) = @_;    # $_[2]: bytes
    my $z = $self->{'_z'} || $self->_compressor();
    my ($p, $n);
    my $rc = Net::WebSocket::LibWS::_ws_compress( $z, $_[2], length $_[2], $final, \$p, \$n );
    Net::WebSocket::LibWS::_croak_rc($rc, 'ws_compress') if $rc < 0;
    return $n ? unpack( "P$n", pack 'J', $p ) : q<>;
}

# The mask for a frame this endpoint sends (from the key pool of
# Net::WebSocket::Mask: one call into libws per 1024 keys).
sub _mask { return $_[0]->_ROLE() eq 'client' ? Net::WebSocket::Mask::create() : q<> }

# The frame class of a data frame type (text, binary, a custom class).
sub _data_frame_class {
    my ($type) = @_;
    require Net::WebSocket::Endpoint;
    my $class = Net::WebSocket::Endpoint::_frame_class($type);
    my $op = $class->get_opcode();
    if ( !$op || $op >= 8 ) {
        die Net::WebSocket::X->create('BadArg', type => $type, 'permessage-deflate compresses data messages: give “text”, “binary” or a data frame class');
    }
    return $class;
}

sub create_message {
    my ($self, $frame_type) = @_;    # $_[2] = payload

    die 'A streamer is active!' if $self->{'_streamer_mode'};

    my $class = _data_frame_class($frame_type);
    Net::WebSocket::LibWS::_ensure();

    my $payload = Net::WebSocket::LibWS::_bytes( $_[2] // q<> );
    if ( $class->get_opcode() == 1 && !Net::WebSocket::LibWS::utf8_valid($payload) ) {
        die Net::WebSocket::X->create('BadArg', payload => $_[2], 'A text message must be UTF-8');
    }

    # One frame: final, RSV1 (RFC 7692 §6), the whole compressed message.
    my $frame = $class->_create( 1, 4, $self->_mask(), $self->_compress( 1, $payload ) );

    return bless [$frame], 'Net::WebSocket::Message';
}

sub create_streamer {
    my ($self, $frame_type) = @_;

    require Net::WebSocket::PMCE::deflate::Data::Streamer;

    my $class = _data_frame_class($frame_type);
    my $streamer = Net::WebSocket::PMCE::deflate::Data::Streamer->new( $self, $class );
    $self->{'_streamer_mode'} = 1;

    return $streamer;
}

use constant { _E_TOO_BIG => -31, _E_PROTOCOL => -40 };

sub decompress {
    my ($self) = @_;    # $_[1] = payload

    my $payload = Net::WebSocket::LibWS::_bytes( $_[1] // q<> );

    if ( $self->{'_inflate_failed'} ) {
        die Net::WebSocket::X->create('ReceivedBadDataFrame', "This data object's inflater failed earlier: $self->{'_inflate_failed'}", 1002);
    }

    my $z = $self->{'_unz'} || do {
        Net::WebSocket::LibWS::_ensure();
        $self->_check_fork();
        my $rc = Net::WebSocket::LibWS::_ws_decompressor_new(
            $self->{'inflate_max_window_bits'} || 15,
            ( $self->{'inflate_no_context_takeover'} ? 0 : 1 ),
            $self->{'max_message'} || 0,
            \my $unz,
        );
        Net::WebSocket::LibWS::_croak_rc($rc, 'ws_decompressor_new') if $rc < 0;
        $self->{'_unz'} = $unz;
    };

    my ($p, $n);
    my $rc = Net::WebSocket::LibWS::_ws_decompress( $z, $payload, length $payload, \$p, \$n );
    if ( $rc < 0 ) {
        my $why = Net::WebSocket::LibWS::_ws_last_error();
        Net::WebSocket::LibWS::_croak_rc($rc, 'ws_decompress') if $rc != _E_TOO_BIG && $rc != _E_PROTOCOL;
        $self->{'_inflate_failed'} = $why;
        die Net::WebSocket::X->create('ReceivedBadDataFrame', $why, ( $rc == _E_TOO_BIG ? 1009 : 1007 ));
    }

    return $n ? unpack( "P$n", pack 'J', $p ) : q<>;
}

1;
