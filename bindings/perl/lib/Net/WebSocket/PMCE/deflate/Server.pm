package Net::WebSocket::PMCE::deflate::Server;

use strict;
use warnings;

our $VERSION = '1.000';

=encoding utf-8

=head1 NAME

Net::WebSocket::PMCE::deflate::Server - permessage-deflate for a server

=head1 SYNOPSIS

    my $deflate = Net::WebSocket::PMCE::deflate::Server->new(
        deflate_no_context_takeover => 1,   # server_no_context_takeover
        inflate_max_window_bits     => 10,  # client_max_window_bits=10, if the client allows
    );

    my $hsk = Net::WebSocket::Handshake::Server->new( extensions => [$deflate] );
    $hsk->consume_headers(@headers);        # libws negotiates

    if ( $deflate->ok_to_use() ) {
        my $data = $deflate->create_data_object();
        ...
    }

=head1 DESCRIPTION

The server's permessage-deflate object; see L<Net::WebSocket::PMCE::deflate>
for its methods. For a server, C<deflate_*> options are the RFC's
C<server_*> parameters and C<inflate_*> options are C<client_*>.

When the client offers several configurations, libws accepts the first
it can. C<inflate_max_window_bits> (C<client_max_window_bits>) is sent
only if the client's offer allows it; C<deflate_max_window_bits> lowers
the window the server compresses with (and is announced).

=cut

use parent qw( Net::WebSocket::PMCE::deflate );

use Net::WebSocket::LibWS::Connection ();
use Net::WebSocket::Handshake::Extension ();
use Net::WebSocket::X ();

use constant _ENDPOINT_CLASS => 'Server';
use constant _RFC_PREFIXES => ( 'server', 'client' );

sub consume_parameters {
    my ($self, @params) = @_;

    my $offer = Net::WebSocket::Handshake::Extension->new( $self->token(), @params )->to_string();

    # libws answers a request offering exactly this.
    my $conn = Net::WebSocket::LibWS::Connection->new_server( deflate => $self->_libws_options() );
    $conn->feed_request( 'GET', '/', 'HTTP/1.1', [
        Host                       => 'localhost',
        Upgrade                    => 'websocket',
        Connection                 => 'Upgrade',
        'Sec-WebSocket-Version'    => 13,
        'Sec-WebSocket-Key'        => 'dGhlIHNhbXBsZSBub25jZQ==',
        'Sec-WebSocket-Extensions' => $offer,
    ] );

    my $open;
    for my $ev ( $conn->next_events() ) {
        $open = 1 if $ev->type() eq 'open';
    }

    if ( $open && ( my $p = $conn->deflate_params() ) ) {
        my ($elem) = grep { $_->token() eq 'permessage-deflate' }
            Net::WebSocket::Handshake::Extension->parse_string( $conn->extensions() );
        $self->_set_agreement( $p, $elem ? $elem->to_string() : undef );
    }
    else {
        $self->_set_agreement(undef);
    }

    return;
}

1;
