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
Each fragment is compressed as it is given (libws's C<ws_compress>: a
sync flush, so each frame carries what was given so far; the final one
ends the message without its trailing C<00 00 ff ff>) with the data
object's compressor, and the first frame has RSV1 (RFC 7692 §6.1); the
first frame has the message's type, the others are continuations. A
client's frames are masked with fresh keys from libws's CSPRNG.

=over

=item C<create_chunk(OCTETS)> - a non-final frame.

=item C<create_final(OCTETS)> - the final frame; the data object may then
make messages again.

=back

Text must be UTF-8 as a whole: a fragment may end inside a character
(its start is checked with the next fragment); C<BadArg> otherwise, from
the fragment where libws finds the fault.

=cut

use Net::WebSocket::Frame ();
use Net::WebSocket::Frame::continuation ();
use Net::WebSocket::LibWS ();
use Net::WebSocket::X ();

sub new {
    my ($class, $data_obj, $frame_class) = @_;

    $data_obj->_compressor();

    return bless {
        _data_obj    => $data_obj,
        _frame_class => $frame_class,
        _text        => ( $frame_class->get_opcode() == 1 ? 1 : 0 ),
        _tail        => q<>,    # text: an unfinished character at the end of the last fragment
        _count       => 0,
    }, $class;
}

sub create_chunk { return $_[0]->_create( $_[1], 0 ) }

sub create_final { return $_[0]->_create( $_[1], 1 ) }

# The length of the longest prefix of $_[0] that does not end inside a
# UTF-8 sequence (the rest: at most 3 bytes of an unfinished one).
sub _complete_length {
    my $len = length $_[0];
    for my $back ( 1 .. ( $len < 3 ? $len : 3 ) ) {
        my $c = ord substr( $_[0], $len - $back, 1 );
        next if ( $c & 0xC0 ) == 0x80;    # a continuation byte: look further back
        my $want = $c >= 0xF0 ? 4 : $c >= 0xE0 ? 3 : $c >= 0xC0 ? 2 : 1;
        return $back < $want ? $len - $back : $len;
    }
    return $len;
}

sub _create {
    my ($self, $payload, $final) = @_;

    die Net::WebSocket::X->create('BadArg', final => 1, 'This stream is finished') if $self->{'_finished'};

    my $bytes = Net::WebSocket::LibWS::_bytes( $payload // q<> );

    if ( $self->{'_text'} ) {
        my $text = $self->{'_tail'} . $bytes;
        my $upto = $final ? length $text : _complete_length($text);
        if ( !Net::WebSocket::LibWS::utf8_valid( substr $text, 0, $upto ) ) {
            die Net::WebSocket::X->create('BadArg', payload => $payload, 'A text message must be UTF-8');
        }
        $self->{'_tail'} = substr $text, $upto;
    }

    my $data_obj = $self->{'_data_obj'};
    my $first = !$self->{'_count'}++;
    my $class = $first ? $self->{'_frame_class'} : 'Net::WebSocket::Frame::continuation';

    my $frame = $class->_create( ( $final ? 1 : 0 ), ( $first ? 4 : 0 ), $data_obj->_mask(), $data_obj->_compress( ( $final ? 1 : 0 ), $bytes ) );

    if ($final) {
        $self->{'_finished'} = 1;
        $data_obj->{'_streamer_mode'} = 0;
    }

    return $frame;
}

1;
