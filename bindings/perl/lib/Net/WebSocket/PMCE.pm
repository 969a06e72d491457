package Net::WebSocket::PMCE;

use strict;
use warnings;

our $VERSION = '1.000';

=encoding utf-8

=head1 NAME

Net::WebSocket::PMCE - WebSocket per-message compression extensions

=head1 DESCRIPTION

Documentation only. RFC 7692 defines per-message compression extensions
(PMCEs); C<permessage-deflate> is the one in use, implemented here by
libws and exposed through the original's classes:

=over

=item * L<Net::WebSocket::PMCE::deflate::Server> and
L<Net::WebSocket::PMCE::deflate::Client> - the handshake side (options,
negotiation);

=item * L<Net::WebSocket::PMCE::deflate::Data::Server> and
L<Net::WebSocket::PMCE::deflate::Data::Client> - the data side (compressed
messages and streams, decompression), from C<create_data_object()>.

=back

C<< Net::WebSocket::PMCE->message_is_compressed($msg) >> works as a class
method too (see L<Net::WebSocket::PMCE::Data>).

=cut

sub message_is_compressed {
    require Net::WebSocket::PMCE::Data;
    return Net::WebSocket::PMCE::Data::message_is_compressed(@_);
}

1;
