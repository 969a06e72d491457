package Net::WebSocket::Frame::continuation;

use strict;
use warnings;

our $VERSION = '1.000';

=encoding utf-8

=head1 NAME

Net::WebSocket::Frame::continuation - a WebSocket continuation frame (opcode 0)

=head1 SYNOPSIS

    my $frame = Net::WebSocket::Frame::continuation->new(
        fin     => 1,       # default
        mask    => $mask,   # 4 bytes (client) or empty (server)
        payload => $bytes,
    );

    print $sock $frame->to_bytes();

=head1 DESCRIPTION

A data frame; see L<Net::WebSocket::Frame> and
L<Net::WebSocket::Base::DataFrame> for its methods.

=cut

use parent qw( Net::WebSocket::Base::DataFrame );

use constant get_opcode => 0;
use constant get_type => 'continuation';

1;
