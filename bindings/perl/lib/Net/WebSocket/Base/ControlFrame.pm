package Net::WebSocket::Base::ControlFrame;

use strict;
use warnings;

our $VERSION = '1.000';

=encoding utf-8

=head1 NAME

Net::WebSocket::Base::ControlFrame - base class of WebSocket control frames

=head1 SYNOPSIS

    package My::Frame::hey;
    use parent qw( Net::WebSocket::Base::ControlFrame );
    use constant get_opcode => 11;
    use constant get_type   => 'hey';

=head1 DESCRIPTION

The base of L<Net::WebSocket::Frame::close>, L<Net::WebSocket::Frame::ping>
and L<Net::WebSocket::Frame::pong> (and of custom control frame classes).
Control frames are always final (C<fin> is ignored) and carry at most 125
bytes of payload (libws checks this when the frame is made; more throws
L<Net::WebSocket::X::ControlPayloadTooLong|Net::WebSocket::X>).
C<is_control()> is 1.

=cut

use parent qw( Net::WebSocket::Frame );

use constant is_control => 1;

sub new {
    my ($class, @opts) = @_;
    return $class->SUPER::new( @opts, fin => 1 );
}

1;
