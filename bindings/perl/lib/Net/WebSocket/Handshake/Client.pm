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
the request (with a key from its CSPRNG, C<Host> with the port when it is
not the default, the subprotocol and extension offers), then checks the
server's answer (RFC 6455 §4.1, RFC 7692 §7.1). See
L<Net::WebSocket::Handshake> for the methods all handshakes share.

=head1 METHODS

=head2 CLASS->new( %OPTS )

C<uri> (required: C<ws://>, C<wss://>, or C<http://>/C<https://> taken as
C<ws://>/C<wss://>), C<origin>, C<subprotocols>, C<extensions>. A bad
C<uri> throws C<BadArg>.

=head2 OBJ->get_key()

The request's C<Sec-WebSocket-Key>.

=head2 OBJ->valid_status_or_die( CODE, REASON )

Throws C<BadHTTPStatus> unless CODE is 101 (libws decides).
L<Net::WebSocket::HTTP_R> calls it for you.

=head2 OBJ->consume_headers( NAME => VALUE, ... )

The response's header fields. Throws, for the first problem found:
C<MissingHeaders>, C<BadHeader>, C<DuplicateHeader>, C<BadAccept>,
C<UnknownSubprotocol> (a subprotocol that was not offered),
C<UnknownExtension> (an extension that was not offered, or unacceptable
permessage-deflate parameters), or C<HandshakeFailed>.

=head2 OBJ->validate_accept_or_die( ACCEPT )

Legacy: throws C<BadAccept> unless ACCEPT is the accept value of our key.

=head1 DIFFERENCES FROM Net::WebSocket

=over

=item * The key comes from libws's CSPRNG; a C<key> given to C<new()> is
ignored (with a warning): libws checks the server's accept value against
the key it sent.

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

    if ( defined $opts{'key'} ) {
        warn "Net::WebSocket::Handshake::Client: the “key” option is ignored: libws makes the key with its CSPRNG\n";
    }

    my $self = $class->SUPER::new(%opts);

    my %copts;
    $copts{'subprotocols'} = $self->{'subprotocols'} if $self->{'subprotocols'} && @{ $self->{'subprotocols'} };
    $copts{'origin'} = $self->{'origin'} if defined $self->{'origin'} && length $self->{'origin'};

    if ( my $d = $self->_deflate_ext() ) {
        $copts{'deflate'} = $d->_libws_options();
    }

    my @offers = map { $_->get_handshake_object()->to_string() } $self->_app_exts();
    $copts{'extension_offers'} = \@offers if @offers;

    my $conn = eval { Net::WebSocket::LibWS::Connection->new_client( $ws_uri, %copts ) };
    if (!$conn) {
        my $err = $@;
        if ( ref $err && $err->isa('Net::WebSocket::X::LibWS') && $err->get('code') == Net::WebSocket::LibWS::WS_E_ARG() ) {
            my $msg = $err->get_message();
            if ( $msg =~ m<subprotocol> ) {
                die Net::WebSocket::X->create('BadToken', join( ', ', @{ $self->{'subprotocols'} || [] } ), $msg);
            }
            die Net::WebSocket::X->create('BadArg', uri => $uri, $msg);
        }
        die $err;
    }

    $self->{'_conn'} = $conn;
    $self->{'_request'} = $conn->take_output();

    ( $self->{'key'} ) = $self->{'_request'} =~ m<^Sec-WebSocket-Key:[ \t]*(\S+)\r?$>mi;

    return $self;
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
                $self->_die_for_failure( $ev->data(), $ev->code() ) if $ev->type() eq 'rejected';
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
        if ( $type eq 'rejected' ) {
            $self->_die_for_failure( $ev->data(), $ev->code() );
        }
        if ( $type eq 'close' ) {
            # e.g. a required extension missing: libws fails the connection.
            die Net::WebSocket::X->create('UnknownExtension', $conn->extensions(), $ev->data());
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
