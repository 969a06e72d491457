package Net::WebSocket::Frame::ping;

use strict;
use warnings;

our $VERSION = '1.000';

=encoding utf-8

=head1 NAME

Net::WebSocket::Frame::ping - a WebSocket ping frame (opcode 9)

=head1 SYNOPSIS

    my $frame = Net::WebSocket::Frame::ping->new(
        mask    => $mask,   # 4 bytes (client) or empty (server)
        payload => $bytes,  # at most 125 bytes
    );

=head1 DESCRIPTION

A control frame; see L<Net::WebSocket::Frame> and
L<Net::WebSocket::Base::ControlFrame>. A payload longer than 125 bytes
throws L<Net::WebSocket::X::ControlPayloadTooLong|Net::WebSocket::X>.

=cut

use parent qw( Net::WebSocket::Base::ControlFrame );

use constant get_opcode => 9;
use constant get_type => 'ping';

1;
