package Net::WebSocket::Streamer;

use strict;
use warnings;

our $VERSION = '1.000';

=encoding utf-8

=head1 NAME

Net::WebSocket::Streamer - send one WebSocket message in fragments

=head1 SYNOPSIS

    # Use the ::Client or ::Server subclass as needed.
    my $streamer = Net::WebSocket::Streamer::Client->new('binary');

    my $frame      = $streamer->create_chunk($buf);
    my $last_frame = $streamer->create_final($buf);

    # Streaming a file in 64 KiB chunks:
    my $size = -s $rfh;
    while ( read $rfh, my $buf, 65536 ) {
        my $frame = ( tell($rfh) == $size )
            ? $streamer->create_final($buf)
            : $streamer->create_chunk($buf);
        syswrite $wfh, $frame->to_bytes();
    }

=head1 DESCRIPTION

Makes the frames of one fragmented message (RFC 6455 §5.4): the first has
the message's type, the others are continuations; C<create_chunk()>
frames have FIN clear and the C<create_final()> frame has it set. Frames
come from a libws connection in the matching role (a client's are masked
with fresh keys from libws's CSPRNG), which also checks that a text
message is UTF-8 as a whole (a fragment may end inside a character;
C<BadArg> otherwise). An empty final frame is fine.

=over

=item C<< CLASS->new( TYPE ) >> - C<text>, C<binary>, or the name of a
custom data frame class (see L<Net::WebSocket::Frame>).

=item C<create_chunk(OCTETS)>, C<create_final(OCTETS)> - return a
L<Net::WebSocket::Frame>. OCTETS is not modified.

=back

Destroying a streamer before C<create_final()> throws
L<Net::WebSocket::X::UnfinishedStream|Net::WebSocket::X> (perl reports an
exception thrown by a destructor as a warning, "(in cleanup)").

=head1 DIFFERENCES FROM Net::WebSocket

The original's client streamer masked the caller's buffer in place; this
one copies it. Text is checked for UTF-8.

=cut

use Net::WebSocket::Frame ();
use Net::WebSocket::Frame::continuation ();
use Net::WebSocket::LibWS ();
use Net::WebSocket::LibWS::Connection ();
use Net::WebSocket::X ();

sub new {
    my ($class, $type) = @_;

    require Net::WebSocket::Endpoint;
    my $frame_class = Net::WebSocket::Endpoint::_frame_class($type);
    my $opcode = $frame_class->get_opcode();

    my $conn = Net::WebSocket::LibWS::Connection->new_open(
        role => $class->_ROLE(),
        ( $opcode >= 3 && $opcode <= 7 ? ( allow_opcodes => 1 << $opcode ) : () ),
    );
    $conn->begin_message( $opcode, 0 );

    return bless {
        class => $frame_class,
        pid   => $$,
        _conn => $conn,
        _n    => 0,
    }, $class;
}

sub create_chunk { return $_[0]->_create( $_[1], 0 ) }

sub create_final { return $_[0]->_create( $_[1], 1 ) }

sub _create {
    my ($self, $payload, $final) = @_;

    if ( $self->{'finished'} ) {
        die Net::WebSocket::X->create('BadArg', final => 1, 'This stream is finished');
    }

    my $ok = eval { $self->{'_conn'}->send_fragment( $payload // q<>, $final ); 1 };
    if (!$ok) {
        my $err = $@;
        if ( ref $err && $err->isa('Net::WebSocket::X::LibWS') && $err->get('code') == Net::WebSocket::LibWS::WS_E_ARG() ) {
            die Net::WebSocket::X->create('BadArg', payload => $payload, $err->get_message());
        }
        die $err;
    }

    my $class = $self->{'_n'}++ ? 'Net::WebSocket::Frame::continuation' : $self->{'class'};
    $self->{'finished'} = 1 if $final;

    return Net::WebSocket::Frame::_from_wire( $self->{'_conn'}->take_output(), $class );
}

sub DESTROY {
    my ($self) = @_;

    return if ${^GLOBAL_PHASE} eq 'DESTRUCT';

    if ( ( $self->{'pid'} // 0 ) == $$ && !$self->{'finished'} ) {
        die Net::WebSocket::X->create('UnfinishedStream', $self);
    }

    return;
}

1;
