package Net::WebSocket::Handshake::Client;

use strict;
use warnings;

our $VERSION = '1.000';

=encoding utf-8

=head1 NAME

Net::WebSocket::Handshake::Client - the client side of the opening handshake

=head1 SYNOPSIS

    my $hsk = Net::WebSocket::Handshake::Client->new(
        uri          => 'ws://haha.test:8080/chat',    # required
        origin       => 'http://haha.test',            # optional
        subprotocols => [ 'echo', 'haha' ],            # optional
        extensions   => \@extension_objects,           # optional
    );

    print {$sock} $hsk->to_string( headers => [ Authorization => '...' ] );

    # ... read and parse the response head, then:
    $hsk->valid_status_or_die( $code, $reason );
    $hsk->consume_headers( NAME1 => VALUE1, .. );   # throws if unacceptable

    my $ept = Net::WebSocket::Endpoint::Client->new(
        parser => $parser, out => $out, handshake => $hsk,
    );

=head1 DESCRIPTION

The client's handshake logic, by a libws client connection: libws writes
the request (with a fresh key from its CSPRNG unless you give one, C<Host>
with the port when it is not the default, the subprotocol and extension
offers), then checks the server's answer (RFC 6455 §4.1, RFC 7692 §7.1). See
L<Net::WebSocket::Handshake> for the methods all handshakes share.

=head1 METHODS

=head2 CLASS->new( %OPTS )

C<uri> (required: C<ws://>, C<wss://>, or C<http://>/C<https://> taken as
C<ws://>/C<wss://>), C<origin>, C<subprotocols>, C<extensions>, C<key>.
A bad C<uri> throws C<BadArg>; a subprotocol that is not an HTTP token,
C<BadToken>.

C<key> is the C<Sec-WebSocket-Key> to send (base64 of 16 bytes). Leave it
out: libws then makes a fresh key from its CSPRNG, as RFC 6455 §4.1
requires; a fixed key is for tests and reproducible transcripts. libws
checks it: a bad key throws C<BadArg> (C<< get('name') >> is C<key>).

=head2 OBJ->get_key()

The request's C<Sec-WebSocket-Key> (libws's C<ws_client_key>): the
C<key> you gave, or the one libws made.

=head2 OBJ->valid_status_or_die( CODE, REASON )

Throws C<BadHTTPStatus> unless CODE is 101 (libws decides).
L<Net::WebSocket::HTTP_R> calls it for you.

=head2 OBJ->consume_headers( NAME => VALUE, ... )

The response's header fields. Throws, for the first problem found:
C<MissingHeaders>, C<BadHeader>, C<DuplicateHeader>, C<BadAccept>
(C<< get('expected') >>: the accept value of our key),
C<UnknownSubprotocol> (a subprotocol that was not offered),
C<UnknownExtension> (an extension that was not offered, or unacceptable
permessage-deflate parameters), or C<HandshakeFailed>. The class follows
the kind of failure libws reports (C<ws_handshake_failure>, see
L<Net::WebSocket::Handshake/FAILURES>).

=head2 OBJ->validate_accept_or_die( ACCEPT )

Legacy: throws C<BadAccept> unless ACCEPT is the accept value of our key.

=head1 DIFFERENCES FROM Net::WebSocket

=over

=item * Without a C<key>, the key comes from libws's CSPRNG (the original
used Perl's C<rand()>); a C<key> must be base64 of 16 bytes.

=item * C<Host> keeps a non-default port (the original dropped it).

=item * A response's permessage-deflate parameters are checked as RFC 7692
says (invalid or unrequested values fail the handshake at once, rather
than later).

=back

=cut

use parent qw( Net::WebSocket::Handshake );

use Net::WebSocket::LibWS ();
use Net::WebSocket::LibWS::Connection ();
use Net::WebSocket::X ();

use constant _ROLE_NUM => 1;

sub new {
    my ($class, %opts) = @_;

    my $uri = $opts{'uri'};
    if ( !defined $uri || !length $uri ) {
        die Net::WebSocket::X->create('BadArg', uri => $uri);
    }

    ( my $ws_uri = $uri ) =~ s<\Ahttp(s?)://><ws$1://>i;

    my $self = $class->SUPER::new(%opts);

    # What libws refuses in the options, before the connection: each
    # subprotocol (an HTTP token) and the key (base64 of 16 bytes).
    $self->_check_options();

    my %copts;
    $copts{'key'} = $self->{'key'} if defined $self->{'key'};
    $copts{'subprotocols'} = $self->{'subprotocols'} if $self->{'subprotocols'} && @{ $self->{'subprotocols'} };
    $copts{'origin'} = $self->{'origin'} if defined $self->{'origin'} && length $self->{'origin'};

    if ( my $d = $self->_deflate_ext() ) {
        $copts{'deflate'} = $d->_libws_options();
    }

    my @offers = map { $_->get_handshake_object()->to_string() } $self->_app_exts();
    $copts{'extension_offers'} = \@offers if @offers;

    $self->{'_new_conn'} = [ $ws_uri, %copts ];
    my $conn = eval { Net::WebSocket::LibWS::Connection->new_client( $ws_uri, %copts ) };
    if (!$conn) {
        my $err = $@;
        if ( ref $err && $err->isa('Net::WebSocket::X::LibWS') && $err->get('code') == Net::WebSocket::LibWS::WS_E_ARG() ) {
            die Net::WebSocket::X->create('BadArg', uri => $uri, $err->get_message());
        }
        die $err;
    }

    $self->{'_conn'} = $conn;
    $self->{'_request'} = $conn->take_output();
    $self->{'key'} = $conn->client_key();
    push @{ $self->{'_new_conn'} }, key => $self->{'key'};

    return $self;
}

# A new connection (with this key) fed this response with other headers;
# it if libws refuses it (for Net::WebSocket::Handshake's _all_missing).
sub _refeed {
    my ($self, $headers, $ctx) = @_;
    my $conn = Net::WebSocket::LibWS::Connection->new_client( @{ $self->{'_new_conn'} } );
    $conn->take_output();
    $conn->feed_response( $ctx->{'status'} // 101, $ctx->{'reason'} // 'Switching Protocols', $headers );
    for my $ev ( $conn->next_events() ) {
        return $conn if $ev->type() eq 'rejected' || $ev->type() eq 'close';
    }
    return undef;
}

sub _check_options {
    my ($self) = @_;

    Net::WebSocket::LibWS::_ensure();
    my $rc = Net::WebSocket::LibWS::_ws_config_new( 1, \my $cfg );
    Net::WebSocket::LibWS::_croak_rc($rc, 'config') if $rc < 0;

    my $err;
    for my $p ( @{ $self->{'subprotocols'} || [] } ) {
        next if Net::WebSocket::LibWS::_ws_config_add_subprotocol( $cfg, defined $p ? "$p" : '' ) >= 0;
        $err = Net::WebSocket::X->create('BadToken', $p, Net::WebSocket::LibWS::_ws_last_error());
        last;
    }
    if ( !$err && defined $self->{'key'} && Net::WebSocket::LibWS::_ws_config_set_key( $cfg, "$self->{'key'}" ) < 0 ) {
        $err = Net::WebSocket::X->create('BadArg', key => $self->{'key'}, Net::WebSocket::LibWS::_ws_last_error());
    }

    Net::WebSocket::LibWS::_ws_config_free($cfg);
    die $err if $err;

    return;
}

sub get_key { return $_[0]{'key'} }

sub _head { return $_[0]{'_request'} }

sub valid_status_or_die {
    my ($self, $code, $reason) = @_;

    if ( !defined $code || $code !~ m<\A[0-9]{3}\z> || $code != 101 ) {
        # libws rejects any answer but 101; let it say so.
        if ( defined $code && $code =~ m<\A[0-9]+\z> && !$self->{'_failed'} ) {
            my $conn = $self->{'_conn'};
            eval { $conn->feed_response( $code, $reason, [] ); 1 };
            $self->{'_failed'} = 1;
            for my $ev ( $conn->next_events() ) {
                $self->_die_for_failure( $conn, $ev->code(), status => $code, reason => $reason, headers => [] ) if $ev->type() eq 'rejected';
            }
        }
        die Net::WebSocket::X->create('BadHTTPStatus', $code, $reason);
    }

    $self->{'_status'} = [ $code, $reason ];

    return;
}

sub consume_headers {
    my ($self, @kv_pairs) = @_;

    my @headers;
    while ( my ($k, $v) = splice @kv_pairs, 0, 2 ) {
        next if !defined $v;
        push @headers, $k => $v;
    }

    my $conn = $self->{'_conn'};
    my ($code, $reason) = @{ $self->{'_status'} || [ 101, 'Switching Protocols' ] };

    $conn->feed_response( $code, $reason, \@headers );

    my $open;
    for my $ev ( $conn->next_events() ) {
        my $type = $ev->type();

        # "rejected": the response is refused; "close": libws failed the
        # connection right after it (e.g. a required extension missing).
        if ( $type eq 'rejected' || $type eq 'close' ) {
            $self->_die_for_failure( $conn, $ev->code(), status => $code, reason => $reason, headers => \@headers );
        }
        $open = 1 if $type eq 'open';
    }
    die Net::WebSocket::X->create('HandshakeFailed', 'libws did not open the connection') if !$open;

    my @agreed = $self->_record_agreement($conn);

    # Application extensions the server accepted: their objects learn the
    # parameters.
    my %by_token = map { $_->token() => $_ } $self->_app_exts();
    for my $x (@agreed) {
        my $obj = $by_token{ $x->token() } or next;
        $obj->consume_parameters( $x->parameters() );
    }

    return;
}

sub validate_accept_or_die {
    my ($self, $received) = @_;

    my $should_be = Net::WebSocket::LibWS::accept_key( $self->{'key'} );
    return if defined $received && $received eq $should_be;

    die Net::WebSocket::X->create('BadAccept', $should_be, $received);
}

1;
