package Net::WebSocket::PMCE::deflate::Data::Streamer;

use strict;
use warnings;

our $VERSION = '1.000';

=encoding utf-8

=head1 NAME

Net::WebSocket::PMCE::deflate::Data::Streamer - a compressed message in fragments

=head1 SYNOPSIS

    my $streamer = $deflate_data->create_streamer('text');

    # One compressed message in three fragments: "onetwothree".
    my @frames = (
        $streamer->create_chunk('one'),
        $streamer->create_chunk('two'),
        $streamer->create_final('three'),
    );

=head1 DESCRIPTION

Made by L<Net::WebSocket::PMCE::deflate::Data>'s C<create_streamer()>.
libws compresses each fragment as it is given (a sync flush, so each
frame carries what was given so far) and marks the first frame with
RSV1 (RFC 7692 §6.1); the first frame has the message's type, the others
are continuations.

=over

=item C<create_chunk(OCTETS)> - a non-final frame.

=item C<create_final(OCTETS)> - the final frame; the data object may then
make messages again.

=back

Text must be UTF-8 as a whole (a fragment may end inside a character).

=cut

use Net::WebSocket::Frame ();
use Net::WebSocket::Frame::continuation ();
use Net::WebSocket::LibWS ();
use Net::WebSocket::X ();

sub new {
    my ($class, $data_obj, $frame_class) = @_;

    my $opcode = $frame_class->get_opcode();
    my $conn = $data_obj->_sender($opcode);
    $conn->begin_message( $opcode, 0 );

    return bless {
        _data_obj    => $data_obj,
        _frame_class => $frame_class,
        _conn        => $conn,
        _count       => 0,
    }, $class;
}

sub create_chunk { return $_[0]->_create( $_[1], 0 ) }

sub create_final { return $_[0]->_create( $_[1], 1 ) }

sub _create {
    my ($self, $payload, $final) = @_;

    die Net::WebSocket::X->create('BadArg', final => 1, 'This stream is finished') if $self->{'_finished'};

    my $conn = $self->{'_conn'};
    my $ok = eval { $conn->send_fragment( $payload // q<>, $final ); 1 };
    if (!$ok) {
        my $err = $@;
        if ( ref $err && $err->isa('Net::WebSocket::X::LibWS') && $err->get('code') == Net::WebSocket::LibWS::WS_E_ARG() ) {
            die Net::WebSocket::X->create('BadArg', payload => $payload, $err->get_message());
        }
        die $err;
    }

    my $class = $self->{'_count'}++ ? 'Net::WebSocket::Frame::continuation' : $self->{'_frame_class'};

    if ($final) {
        $self->{'_finished'} = 1;
        $self->{'_data_obj'}{'_streamer_mode'} = 0;
    }

    return Net::WebSocket::Frame::_from_wire( $conn->take_output(), $class );
}

1;
