package Net::WebSocket::PMCE::deflate::Data::Server;

use strict;
use warnings;

our $VERSION = '1.000';

=encoding utf-8

=head1 NAME

Net::WebSocket::PMCE::deflate::Data::Server - permessage-deflate messages for a server

=head1 SYNOPSIS

    my $data = $deflate->create_data_object();   # a Net::WebSocket::PMCE::deflate::Server

    my $msg = $data->create_message( 'text', $payload );

=head1 DESCRIPTION

See L<Net::WebSocket::PMCE::deflate::Data>. Its frames are not masked.

=cut

use parent qw( Net::WebSocket::PMCE::deflate::Data );

use constant _ROLE => 'server';
use constant _RFC_PREFIXES => ( 'server', 'client' );

1;
