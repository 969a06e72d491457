package Net::WebSocket::PMCE::Data;

use strict;
use warnings;

our $VERSION = '1.000';

=encoding utf-8

=head1 NAME

Net::WebSocket::PMCE::Data - base class of PMCE data objects

=head1 METHODS

=over

=item C<< OBJ->message_is_compressed( MESSAGE ) >> - whether the
L<Net::WebSocket::Message>'s first frame has RSV1 (the mark of a
compressed message, RFC 7692 §6). Also a class method.

Messages that L<Net::WebSocket::Endpoint> returns when it knows of the
permessage-deflate agreement are already inflated: this is false for them.

=item C<INITIAL_FRAME_RSV()> - 4 (RSV1), the RSV bits of a compressed
message's first frame.

=back

=cut

use constant INITIAL_FRAME_RSV => 4;

sub message_is_compressed {
    my ($self, $msg) = @_;
    my ($first) = $msg->get_frames();
    return $first->has_rsv1() ? 1 : 0;
}

1;
