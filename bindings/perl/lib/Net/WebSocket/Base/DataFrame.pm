package Net::WebSocket::Base::DataFrame;

use strict;
use warnings;

our $VERSION = '1.000';

=encoding utf-8

=head1 NAME

Net::WebSocket::Base::DataFrame - base class of WebSocket data frames

=head1 SYNOPSIS

    package My::Frame::booya;
    use parent qw( Net::WebSocket::Base::DataFrame );
    use constant get_opcode => 3;
    use constant get_type   => 'booya';

=head1 DESCRIPTION

The base of L<Net::WebSocket::Frame::text>,
L<Net::WebSocket::Frame::binary> and
L<Net::WebSocket::Frame::continuation> (and of custom data frame classes).
It adds to L<Net::WebSocket::Frame>:

=over

=item C<is_control()> - 0.

=item C<set_fin([BOOL])> - sets FIN (or clears it given a defined false
value). Returns the frame.

=back

=cut

use parent qw( Net::WebSocket::Frame );

use constant is_control => 0;

sub set_fin {
    my ($self, @value) = @_;
    $self->[0] = ( !@value || !defined $value[0] || $value[0] ) ? 1 : 0;
    $self->[4] = undef;
    return $self;
}

1;
