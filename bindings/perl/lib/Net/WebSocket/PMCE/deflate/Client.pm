package Net::WebSocket::PMCE::deflate::Client;

use strict;
use warnings;

our $VERSION = '1.000';

=encoding utf-8

=head1 NAME

Net::WebSocket::PMCE::deflate::Client - permessage-deflate for a client

=head1 SYNOPSIS

    my $deflate = Net::WebSocket::PMCE::deflate::Client->new(
        inflate_no_context_takeover => 1,   # ask for server_no_context_takeover
    );

    my $hsk = Net::WebSocket::Handshake::Client->new(
        uri => 'ws://example.test/', extensions => [$deflate],
    );
    print {$sock} $hsk->to_string();
    ...
    $hsk->consume_headers(@response_headers);   # libws checks the answer

    my $data = $deflate->ok_to_use() ? $deflate->create_data_object() : undef;

=head1 DESCRIPTION

The client's permessage-deflate object; see L<Net::WebSocket::PMCE::deflate>
for its methods. For a client, C<deflate_*> options are the RFC's
C<client_*> parameters and C<inflate_*> options are C<server_*>. The offer
always includes C<client_max_window_bits> (so that the server may lower
it), as the original's did.

=cut

use parent qw( Net::WebSocket::PMCE::deflate );

use Net::WebSocket::LibWS ();
use Net::WebSocket::LibWS::Connection ();
use Net::WebSocket::Handshake::Extension ();
use Net::WebSocket::X ();

use constant _ENDPOINT_CLASS => 'Client';
use constant _RFC_PREFIXES => ( 'client', 'server' );

sub _EXTRA_OFFER_PARAMS {
    my ($self, $params) = @_;
    my %have = @$params;
    return exists $have{'client_max_window_bits'} ? () : ( client_max_window_bits => undef );
}

sub consume_parameters {
    my ($self, @params) = @_;

    my $response = Net::WebSocket::Handshake::Extension->new( $self->token(), @params )->to_string();

    # libws checks a response holding exactly this against our offer.
    my $conn = Net::WebSocket::LibWS::Connection->new_client( 'ws://localhost/', deflate => $self->_libws_options() );
    $conn->take_output();
    my $key = $conn->client_key();

    $conn->feed_response( 101, 'Switching Protocols', [
        Upgrade                    => 'websocket',
        Connection                 => 'Upgrade',
        'Sec-WebSocket-Accept'     => Net::WebSocket::LibWS::accept_key($key),
        'Sec-WebSocket-Extensions' => $response,
    ] );

    for my $ev ( $conn->next_events() ) {
        if ( $ev->type() eq 'rejected' || $ev->type() eq 'close' ) {
            $self->_set_agreement(undef);
            die Net::WebSocket::X->create('UnknownExtension', $response, $ev->data());
        }
    }

    my ($elem) = grep { $_->token() eq 'permessage-deflate' }
        Net::WebSocket::Handshake::Extension->parse_string( $conn->extensions() );
    $self->_set_agreement( $conn->deflate_params(), $elem ? $elem->to_string() : undef );

    return;
}

1;
