package Net::WebSocket::PMCE::deflate::Data::Client;

use strict;
use warnings;

our $VERSION = '1.000';

=encoding utf-8

=head1 NAME

Net::WebSocket::PMCE::deflate::Data::Client - permessage-deflate messages for a client

=head1 SYNOPSIS

    my $data = $deflate->create_data_object();   # a Net::WebSocket::PMCE::deflate::Client

    my $msg = $data->create_message( 'text', $payload );

=head1 DESCRIPTION

See L<Net::WebSocket::PMCE::deflate::Data>. Its frames are masked with a fresh key from libws's CSPRNG.

=cut

use parent qw( Net::WebSocket::PMCE::deflate::Data );

use constant _ROLE => 'client';
use constant _RFC_PREFIXES => ( 'client', 'server' );

1;
