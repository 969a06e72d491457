package Net::WebSocket::Message;

use strict;
use warnings;

our $VERSION = '1.000';

=encoding utf-8

=head1 NAME

Net::WebSocket::Message - a WebSocket message: one or more frames

=head1 SYNOPSIS

    my $msg = Net::WebSocket::Message->new( @frames );

    my @frames  = $msg->get_frames();
    my $payload = $msg->get_payload();  # the frames' payloads, joined and unmasked
    my $type    = $msg->get_type();     # the first frame's type: 'text', 'binary', ...
    $msg->is_control();
    print $sock $msg->to_bytes();

=head1 DESCRIPTION

=over

=item C<< CLASS->new( FRAMES ) >> (alias C<create_from_frames>) - at least
one L<Net::WebSocket::Frame>.

=item C<get_frames()> - the frames (list).

=item C<get_payload()> - the message's payload.

=item C<get_type()>, C<is_control()> - of the first frame.

=item C<to_bytes()> - the frames' wire bytes, concatenated.

=back

Messages that L<Net::WebSocket::Endpoint> returns hold one frame per
frame received; with permessage-deflate in use, their payloads are
already inflated (and their frames carry no RSV1).

=cut

sub new {
    my $class = shift;

    if ( !@_ || !ref $_[0] || !eval { $_[0]->isa('Net::WebSocket::Frame') } ) {
        die( __PACKAGE__ . '::new needs at least one Net::WebSocket::Frame object!' );
    }

    return bless [@_], $class;
}

sub create_from_frames {
    my @frames = @_;
    shift @frames if !ref $frames[0];
    return __PACKAGE__->new(@frames);
}

sub get_frames { return @{ $_[0] } }

sub get_payload {
    return $_[0][0][3] if @{ $_[0] } == 1;
    return join( q<>, map { $_->get_payload() } @{ $_[0] } );
}

sub get_type { return $_[0][0]->get_type() }

sub is_control { return $_[0][0]->is_control() }

sub to_bytes {
    return $_[0][0]->to_bytes() if @{ $_[0] } == 1;
    return join( q<>, map { $_->to_bytes() } @{ $_[0] } );
}

1;
