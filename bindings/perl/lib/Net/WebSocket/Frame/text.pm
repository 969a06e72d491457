package Net::WebSocket::Frame::text;

use strict;
use warnings;

our $VERSION = '1.000';

=encoding utf-8

=head1 NAME

Net::WebSocket::Frame::text - a WebSocket text frame (opcode 1)

=head1 SYNOPSIS

    my $frame = Net::WebSocket::Frame::text->new(
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

use constant get_opcode => 1;
use constant get_type => 'text';

1;
