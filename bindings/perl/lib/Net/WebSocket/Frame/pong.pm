package Net::WebSocket::Frame::pong;

use strict;
use warnings;

our $VERSION = '1.000';

=encoding utf-8

=head1 NAME

Net::WebSocket::Frame::pong - a WebSocket pong frame (opcode 10)

=head1 SYNOPSIS

    my $frame = Net::WebSocket::Frame::pong->new(
        mask    => $mask,   # 4 bytes (client) or empty (server)
        payload => $bytes,  # at most 125 bytes
    );

=head1 DESCRIPTION

A control frame; see L<Net::WebSocket::Frame> and
L<Net::WebSocket::Base::ControlFrame>. A payload longer than 125 bytes
throws L<Net::WebSocket::X::ControlPayloadTooLong|Net::WebSocket::X>.

=cut

use parent qw( Net::WebSocket::Base::ControlFrame );

use constant get_opcode => 10;
use constant get_type => 'pong';

1;
