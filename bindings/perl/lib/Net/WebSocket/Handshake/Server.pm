package Net::WebSocket::Handshake::Server;

use strict;
use warnings;

our $VERSION = '1.000';

=encoding utf-8

=head1 NAME

Net::WebSocket::Handshake::Server - the server side of the opening handshake

=head1 SYNOPSIS

    my $deflate = Net::WebSocket::PMCE::deflate::Server->new();

    my $hsk = Net::WebSocket::Handshake::Server->new(
        subprotocols => [ 'echo', 'haha' ],     # optional
        extensions   => [ $deflate ],           # optional
    );

    $hsk->valid_method_or_die( $http_method );  # optional
    $hsk->valid_protocol_or_die( 'HTTP/1.1' );  # optional

    $hsk->consume_headers( @headers_kv_pairs );  # throws on a bad request

    print {$sock} $hsk->to_string( headers => [ 'X-Server' => 'me' ] );

    my $subprotocol = $hsk->get_subprotocol();
    my $data = $deflate->ok_to_use() ? $deflate->create_data_object() : undef;

    # Let the endpoint apply what was agreed:
    my $ept = Net::WebSocket::Endpoint::Server->new(
        parser => $parser, out => $out, handshake => $hsk,
    );

=head1 DESCRIPTION

The server's handshake logic, by a libws server connection: the request's
header fields are fed to libws (C<ws_feed_request>), which checks them
(RFC 6455 §4.2.1), picks the subprotocol, negotiates permessage-deflate
(RFC 7692) from the L<Net::WebSocket::PMCE::deflate::Server> object's
options, and writes the 101 response that C<to_string()> returns.
See L<Net::WebSocket::Handshake> for the methods all handshakes share.

=head1 METHODS

=head2 CLASS->new( %OPTS )

C<subprotocols>, C<extensions> as in L<Net::WebSocket::Handshake>;
C<key> (legacy: the request's C<Sec-WebSocket-Key> when you do not call
C<consume_headers()>).

=head2 OBJ->valid_method_or_die( METHOD )

Throws C<BadHTTPMethod> unless libws accepts METHOD (GET). The method is
also used for the request fed to libws.

=head2 OBJ->valid_protocol_or_die( PROTOCOL )

Throws C<BadRequestProtocol> unless libws accepts PROTOCOL (HTTP/1.1).

=head2 OBJ->set_target( TARGET )

(This distribution.) The request target (C</path?query>) to check;
L<Net::WebSocket::HTTP_R> sets it. Default C</>.

=head2 OBJ->consume_headers( NAME => VALUE, ... )

Throws, for the first problem found: C<MissingHeaders> (C<Host>,
C<Upgrade>, C<Connection>, C<Sec-WebSocket-Version>,
C<Sec-WebSocket-Key>), C<BadHeader>, C<DuplicateHeader>,
C<UnsupportedProtocolVersion>, C<BadToken>, or C<HandshakeFailed>
(anything else libws refuses; C<< get('status') >> is the HTTP status it
would answer, and C<rejection_response()> that answer).

=head2 OBJ->get_accept()

The C<Sec-WebSocket-Accept> value for the request's key.

=head2 OBJ->get_subprotocol()

The subprotocol libws chose: the first one the client offered that is in
C<subprotocols>; undef if none.

=head2 OBJ->rejection_response()

(This distribution.) After C<consume_headers()> threw: the complete HTTP
error response libws wrote for the bad request (400, 426 or 431), ready
to send.

=head1 DIFFERENCES FROM Net::WebSocket

libws checks everything RFC 6455 §4.2.1 requires, including a C<Host>
field (the original did not require one) and the request target; offers
of permessage-deflate with invalid parameters are declined (RFC 7692
§5) rather than throwing.

=cut

use parent qw( Net::WebSocket::Handshake );

use Net::WebSocket::LibWS ();
use Net::WebSocket::LibWS::Connection ();
use Net::WebSocket::X ();

use constant _ROLE_NUM => 2;

# A request that libws accepts, to check a method or protocol alone.
my @PROBE_HEADERS = (
    Host                    => 'localhost',
    Upgrade                 => 'websocket',
    Connection              => 'Upgrade',
    'Sec-WebSocket-Version' => 13,
    'Sec-WebSocket-Key'     => 'dGhlIHNhbXBsZSBub25jZQ==',
);

sub _probe {
    my ($self, $method, $proto) = @_;
    my $conn = Net::WebSocket::LibWS::Connection->new_server();
    $conn->feed_request( $method, '/', $proto, [@PROBE_HEADERS] );
    for my $ev ( $conn->next_events() ) {
        if ( $ev->type() eq 'rejected' ) {
            $self->_die_for_failure( $conn, $ev->code(), method => $method, protocol => $proto, headers => \@PROBE_HEADERS );
        }
    }
    return;
}

sub valid_method_or_die {
    my ($self, $method) = @_;
    $self->_probe( $method // '', 'HTTP/1.1' );
    $self->{'_method'} = $method;
    return;
}

sub valid_protocol_or_die {
    my ($self, $protocol) = @_;
    $self->_probe( 'GET', $protocol // '' );
    $self->{'_protocol'} = $protocol;
    return;
}

sub set_target {
    my ($self, $target) = @_;
    $self->{'_target'} = $target;
    return $self;
}

sub _config_opts {
    my ($self) = @_;

    my %opts = ( manual_accept => 1 );
    $opts{'subprotocols'} = $self->{'subprotocols'} if $self->{'subprotocols'};

    if ( my $d = $self->_deflate_ext() ) {
        $opts{'deflate'} = $d->_libws_options();
    }

    return %opts;
}

sub consume_headers {
    my ($self, @kv_pairs) = @_;

    my @headers;
    while ( my ($k, $v) = splice @kv_pairs, 0, 2 ) {
        next if !defined $v;
        push @headers, $k => $v;
    }

    my $conn = Net::WebSocket::LibWS::Connection->new_server( $self->_config_opts() );
    $self->{'_conn'} = $conn;

    my %ctx = (
        method   => $self->{'_method'} // 'GET',
        target   => $self->{'_target'} // '/',
        protocol => $self->{'_protocol'} // 'HTTP/1.1',
        headers  => \@headers,
    );
    $conn->feed_request( @ctx{qw( method target protocol headers )} );

    my ($request);
    for my $ev ( $conn->next_events() ) {
        my $type = $ev->type();
        if ( $type eq 'rejected' ) {
            $self->{'_rejection'} = $conn->take_output();
            $self->_die_for_failure( $conn, $ev->code(), %ctx );
        }
        $request = 1 if $type eq 'request';
    }

    if (!$request) {
        die Net::WebSocket::X->create('HandshakeFailed', 'libws did not report the request');
    }

    # Application extensions: each offer of an object's token goes to it.
    my @answers;
    if ( my @apps = $self->_app_exts() ) {
        require Net::WebSocket::Handshake::Extension;
        my %by_token = map { $_->token() => $_ } @apps;
        my %answered;
        for my $offer ( $conn->request_extensions() ) {
            for my $x ( Net::WebSocket::Handshake::Extension->parse_string($offer) ) {
                my $obj = $by_token{ $x->token() } or next;
                next if $answered{ $x->token() };
                $obj->consume_parameters( $x->parameters() );
                if ( $obj->ok_to_use() ) {
                    push @answers, $obj->get_handshake_object()->to_string();
                    $answered{ $x->token() } = 1;
                }
            }
        }
    }

    $conn->accept( extensions => join( ', ', @answers ) );

    my $open;
    for my $ev ( $conn->next_events() ) {
        if ( $ev->type() eq 'rejected' ) {
            $self->{'_rejection'} = $conn->take_output();
            $self->_die_for_failure( $conn, $ev->code(), %ctx );
        }
        $open = 1 if $ev->type() eq 'open';
    }
    die Net::WebSocket::X->create('HandshakeFailed', 'libws did not open the connection') if !$open;

    $self->{'_response'} = $conn->take_output();
    $self->{'key'} = $conn->request_header('Sec-WebSocket-Key');

    $self->_record_agreement($conn);

    return;
}

# A new connection fed this request with other headers; it if libws
# refuses it (for Net::WebSocket::Handshake's _all_missing).
sub _refeed {
    my ($self, $headers, $ctx) = @_;
    my $conn = Net::WebSocket::LibWS::Connection->new_server( $self->_config_opts() );
    $conn->feed_request( $ctx->{'method'} // 'GET', $ctx->{'target'} // '/', $ctx->{'protocol'} // 'HTTP/1.1', $headers );
    for my $ev ( $conn->next_events() ) {
        return $conn if $ev->type() eq 'rejected';
    }
    return undef;
}

sub rejection_response { return $_[0]{'_rejection'} }

sub get_accept {
    my ($self) = @_;
    my $key = $self->{'key'};
    die Net::WebSocket::X->create('BadArg', key => $key) if !defined $key || !length $key;
    ( my $k = $key ) =~ s<\A\s+|\s+\z><>g;
    return Net::WebSocket::LibWS::accept_key($k);
}

sub _head {
    my ($self) = @_;

    return $self->{'_response'} if defined $self->{'_response'};

    # Legacy interface: a key and no consume_headers().
    if ( defined $self->{'key'} ) {
        my $conn = Net::WebSocket::LibWS::Connection->new_server( $self->_config_opts(), manual_accept => 0 );
        my @h = @PROBE_HEADERS;
        $h[-1] = $self->{'key'};
        push @h, 'Sec-WebSocket-Protocol' => join( ', ', @{ $self->{'subprotocols'} } ) if $self->{'subprotocols'} && @{ $self->{'subprotocols'} };
        $conn->feed_request( 'GET', '/', 'HTTP/1.1', \@h );
        for my $ev ( $conn->next_events() ) {
            $self->_die_for_failure( $conn, $ev->code(), method => 'GET', protocol => 'HTTP/1.1', headers => \@h ) if $ev->type() eq 'rejected';
        }
        return $self->{'_response'} = $conn->take_output();
    }

    die 'Must call consume_headers() first!';
}

1;
