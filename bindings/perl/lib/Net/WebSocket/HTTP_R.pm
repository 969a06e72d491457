package Net::WebSocket::HTTP_R;

use strict;
use warnings;

our $VERSION = '1.000';

=encoding utf-8

=head1 NAME

Net::WebSocket::HTTP_R - handshakes from HTTP::Request and HTTP::Response objects

=head1 SYNOPSIS

Client:

    my $resp = HTTP::Response->parse($http_response);
    my $handshake = Net::WebSocket::Handshake::Client->new( .. );
    Net::WebSocket::HTTP_R::handshake_consume_response( $handshake, $resp );

Server:

    my $req = HTTP::Request->parse($http_request);
    my $handshake = Net::WebSocket::Handshake::Server->new( .. );
    Net::WebSocket::HTTP_R::handshake_consume_request( $handshake, $req );

=head1 DESCRIPTION

Glue for L<HTTP::Request> and L<HTTP::Response> (or compatible objects:
C<method>, C<uri>, C<protocol>, C<code>, C<message>, C<headers> with
C<header_field_names> and C<header>).

=over

=item C<handshake_consume_request(HANDSHAKE, REQUEST)> - checks the method
and protocol (C<valid_method_or_die>, C<valid_protocol_or_die>), passes
the request target, then the header fields (C<consume_headers>).

=item C<handshake_consume_response(HANDSHAKE, RESPONSE)> - checks the
status (C<valid_status_or_die>), then the header fields.

=item C<handshake_parse_response(HANDSHAKE, RESPONSE)> - the same (the
name the original's SYNOPSIS uses).

=back

=cut

sub handshake_consume_request {
    my ($hsk, $req) = @_;

    $hsk->valid_method_or_die( $req->method() );

    if ( $req->can('protocol') && defined $req->protocol() ) {
        $hsk->valid_protocol_or_die( $req->protocol() );
    }

    if ( $hsk->can('set_target') && $req->can('uri') && defined $req->uri() ) {
        my $uri = $req->uri();
        my $target = ref $uri && $uri->can('path_query') && !$uri->can('host') ? $uri->path_query() : "$uri";
        $hsk->set_target($target) if length $target;
    }

    return _handshake_consume_common( $hsk, $req );
}

sub handshake_consume_response {
    my ($hsk, $resp) = @_;

    $hsk->valid_status_or_die( $resp->code(), $resp->message() );

    return _handshake_consume_common( $hsk, $resp );
}

# The original's SYNOPSIS calls it by this name.
{ no warnings 'once'; *handshake_parse_response = \&handshake_consume_response; }

sub _handshake_consume_common {
    my ($hsk, $r_obj) = @_;

    my $hdrs_obj = $r_obj->headers();

    my @hdrs;
    for my $hname ( $hdrs_obj->header_field_names() ) {
        for my $value ( $hdrs_obj->header($hname) ) {
            push @hdrs, $hname => $value;
        }
    }

    return $hsk->consume_headers(@hdrs);
}

1;
