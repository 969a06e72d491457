package Net::WebSocket::Handshake;

use strict;
use warnings;

our $VERSION = '1.000';

=encoding utf-8

=head1 NAME

Net::WebSocket::Handshake - base class of the handshake objects

=head1 DESCRIPTION

L<Net::WebSocket::Handshake::Server> and L<Net::WebSocket::Handshake::Client>
implement the opening handshake, with subprotocol and extension
negotiation. Both are backed by a libws connection in the server or
client role: the header fields you give C<consume_headers()> are fed to
it (C<ws_feed_request>/C<ws_feed_response>), libws validates and
negotiates, and C<to_string()> returns the head libws wrote.

This base class is not instantiable.

=head1 METHODS

=head2 CLASS->new( %OPTS )

Common options:

=over

=item * C<subprotocols> - HTTP tokens (e.g. C<wamp.2.json>) of the
subprotocols this endpoint can use: a client offers them in this order;
a server picks the first one the client offers that is in this list.

=item * C<extensions> - extension objects (see L</EXTENSION INTERFACE>),
e.g. L<Net::WebSocket::PMCE::deflate::Server>.

=back

=head2 OBJ->consume_headers( NAME1 => VALUE1, NAME2 => VALUE2, .. )

The peer's header fields (names are case-insensitive; repeat a name for
a repeated field). Throws a L<Net::WebSocket::X> exception describing the
first problem libws found (see the subclasses).

=head2 OBJ->to_string( headers => [ NAME => VALUE, ... ] )

The head to send: the request line or status line and the header
fields, ending with the empty line. C<headers> adds fields; libws refuses
(with C<BadArg>) invalid names, values with CR or LF, and the fields it
owns (C<Upgrade>, C<Connection>, C<Sec-WebSocket-*>, C<Host>, ...).

=head2 OBJ->get_subprotocol()

The agreed subprotocol, or undef. Dies if called before
C<consume_headers()>.

=head2 OBJ->create_header_text()

Legacy: C<to_string()> without the final CRLF.

=head1 EXTENSION INTERFACE

Each object in C<extensions> implements C<token()>,
C<get_handshake_object()> (a L<Net::WebSocket::Handshake::Extension>),
C<consume_parameters(KEY => VALUE, ...)> and C<ok_to_use()>. For
permessage-deflate objects (L<Net::WebSocket::PMCE::deflate::Server> and
C<::Client>) libws itself negotiates, from the object's options, and the
object learns the result. Other (application) extensions are offered (by
a client) or answered (by a server) as their objects say: a server hands
each offer of the object's token to C<consume_parameters()> and, if
C<ok_to_use()>, answers with C<< get_handshake_object()->to_string() >>.

=cut

use Scalar::Util ();
use Net::WebSocket::LibWS qw( :fail );
use Net::WebSocket::LibWS::Connection ();
use Net::WebSocket::X ();

use constant CRLF => "\x0d\x0a";

sub new {
    my ($class, %opts) = @_;

    if ($class eq __PACKAGE__) {
        die 'Net::WebSocket::Handshake is not instantiable; use ::Server or ::Client';
    }

    if (defined $opts{'subprotocols'} && 'ARRAY' ne ref $opts{'subprotocols'}) {
        die Net::WebSocket::X->create('BadArg', subprotocols => $opts{'subprotocols'}, 'Must be an array reference');
    }

    if ($opts{'extensions'}) {
        $opts{'_extension_tokens'} = { map { $_->token() => $_ } @{ $opts{'extensions'} } };
    }

    return bless \%opts, $class;
}

sub get_subprotocol {
    my ($self) = @_;

    if (!$self->{'_consumed'}) {
        die 'Must call consume_headers() first!';
    }

    return $self->{'_subprotocol'};
}

sub to_string {
    my ($self, %opts) = @_;

    my $head = $self->_head();

    if ( my $hdrs = $opts{'headers'} ) {
        $head = _add_header_lines( $head, $self->_ROLE_NUM(), $hdrs );
    }

    return $head;
}

sub create_header_text {
    my ($self) = @_;
    my $s = $self->to_string();
    substr( $s, -2 ) = q<>;
    return $s;
}

# For Net::WebSocket::Endpoint: what was agreed.
sub _agreed_subprotocol { return $_[0]{'_subprotocol'} }
sub _agreed_extensions  { return $_[0]{'_extensions_agreed'} }

#----------------------------------------------------------------------

# Adds header lines to a head, after libws has checked them
# (ws_config_add_header refuses what may not be sent).
sub _add_header_lines {
    my ($head, $role, $hdrs) = @_;

    my @kv = @$hdrs;
    return $head if !@kv;

    Net::WebSocket::LibWS::_ensure();
    my $rc = Net::WebSocket::LibWS::_ws_config_new( $role, \my $cfg );
    Net::WebSocket::LibWS::_croak_rc($rc, 'config') if $rc < 0;

    my @lines;
    while ( my ($k, $v) = splice @kv, 0, 2 ) {
        $v = '' if !defined $v;
        $rc = Net::WebSocket::LibWS::_ws_config_add_header( $cfg, "$k", "$v" );
        if ($rc < 0) {
            my $why = Net::WebSocket::LibWS::_ws_last_error();
            Net::WebSocket::LibWS::_ws_config_free($cfg);
            die Net::WebSocket::X->create('BadArg', header => "$k: $v", $why);
        }
        push @lines, "$k: $v" . CRLF;
    }
    Net::WebSocket::LibWS::_ws_config_free($cfg);

    substr( $head, -2, 0, join( q<>, @lines ) );

    return $head;
}

# The deflate object among the extensions, if any.
sub _deflate_ext {
    my ($self) = @_;
    for my $x ( @{ $self->{'extensions'} || [] } ) {
        return $x if $x->can('_is_libws_deflate') && $x->_is_libws_deflate();
    }
    return undef;
}

sub _app_exts {
    my ($self) = @_;
    return grep { !( $_->can('_is_libws_deflate') && $_->_is_libws_deflate() ) } @{ $self->{'extensions'} || [] };
}

# After the handshake succeeded on $conn: record the agreement and tell
# the extension objects.
sub _record_agreement {
    my ($self, $conn) = @_;

    $self->{'_consumed'} = 1;
    my $sp = $conn->subprotocol();
    $self->{'_subprotocol'} = length $sp ? $sp : undef;
    $self->{'_extensions_agreed'} = $conn->extensions();

    require Net::WebSocket::Handshake::Extension;
    my @agreed = length $self->{'_extensions_agreed'}
        ? Net::WebSocket::Handshake::Extension->parse_string( $self->{'_extensions_agreed'} )
        : ();

    if ( my $d = $self->_deflate_ext() ) {
        my ($elem) = grep { $_->token() eq 'permessage-deflate' } @agreed;
        $d->_set_agreement( $conn->deflate_params(), $elem ? $elem->to_string() : undef );
    }

    _offer_to_endpoint($self) if @agreed;

    return @agreed;
}

#----------------------------------------------------------------------
# The link to the endpoint. The original's endpoint never saw the
# handshake: a program negotiated permessage-deflate, made an endpoint
# from a parser and an output only, and inflated messages itself. Such an
# endpoint takes the extensions of the latest handshake of its role that
# agreed on some and that no endpoint took yet (and that the program
# still holds), so libws accepts (and inflates) the compressed frames of
# that connection. An endpoint given a handshake, or extensions, takes
# those instead; one made when no such handshake is pending agreed on
# nothing, and RSV1 from its peer fails the connection as RFC 7692 asks.

my %PENDING;    # role number => [ handshakes (weak), oldest first ]

sub _offer_to_endpoint {
    my ($self) = @_;
    my $list = $PENDING{ $self->_ROLE_NUM() } //= [];
    @$list = grep { defined $_ && $_ != $self } @$list;
    push @$list, $self;
    Scalar::Util::weaken( $list->[-1] );
    splice( @$list, 0, @$list - 64 ) if @$list > 64;
    return;
}

# The handshake an endpoint of this role (1 client, 2 server) takes, if any.
sub _take_pending {
    my ($role_num) = @_;
    my $list = $PENDING{$role_num} or return undef;
    while (@$list) {
        my $h = pop @$list;
        return $h if defined $h;
    }
    return undef;
}

# An endpoint took this handshake.
sub _taken {
    my ($self) = @_;
    my $list = $PENDING{ $self->_ROLE_NUM() } or return;
    @$list = grep { defined $_ && $_ != $self } @$list;
    return;
}

#----------------------------------------------------------------------
# Failures
#
# libws classifies a failed handshake (ws_handshake_failure: a WS_FAIL_*
# kind and the header field at fault); this maps the kind to the
# Net::WebSocket::X class the original would have thrown. The values the
# classes carry come from what this object fed libws (%$ctx: headers,
# method, protocol, status, reason) and from the connection (the status
# it answers with, the client's key); libws's message (ws_conn_failure)
# is the explanation where a class takes one.

# The values of header field $name among name/value pairs, in order,
# trimmed as libws trims them.
sub _values_of {
    my ($pairs, $name) = @_;
    my @kv = @{ $pairs || [] };
    my @v;
    while ( my ($k, $v) = splice @kv, 0, 2 ) {
        next if lc $k ne lc $name;
        ( my $t = $v // q<> ) =~ s<\A[ \t]+|[ \t]+\z><>g;
        push @v, $t;
    }
    return @v;
}

# The comma-separated elements of a list-valued field's values.
sub _elements {
    return grep { length } map { split m<[ \t]*,[ \t]*> } @_;
}

# Whether libws takes $s as an HTTP token (it refuses subprotocol names
# that are not).
sub _is_token {
    my ($s) = @_;
    Net::WebSocket::LibWS::_ensure();
    my $rc = Net::WebSocket::LibWS::_ws_config_new( 1, \my $cfg );
    Net::WebSocket::LibWS::_croak_rc($rc, 'config') if $rc < 0;
    $rc = Net::WebSocket::LibWS::_ws_config_add_subprotocol( $cfg, "$s" );
    Net::WebSocket::LibWS::_ws_config_free($cfg);
    return $rc >= 0 ? 1 : 0;
}

my %MUST = (
    upgrade    => [ 'Must contain “websocket”', 'Must be “websocket”' ],    # [ server, client ]
    connection => [ 'Must contain “upgrade”', 'Must contain “upgrade”' ],
);

sub _x_for_failure {
    my ($self, $conn, $status, $ctx) = @_;

    my ($kind, $field) = $conn->handshake_failure();
    my $why = $conn->failure();
    my $server = $self->_ROLE_NUM() == 2;
    my $hdrs = $ctx->{'headers'};
    my @v = length $field ? _values_of( $hdrs, $field ) : ();

    return ( 'BadHTTPMethod', $ctx->{'method'} ) if $kind == WS_FAIL_METHOD;
    return ( 'BadRequestProtocol', $ctx->{'protocol'} ) if $kind == WS_FAIL_HTTP_VERSION;
    return ( 'MissingHeaders', $self->_all_missing( $field, $ctx ) ) if $kind == WS_FAIL_MISSING_HEADER;
    return ( 'DuplicateHeader', $field, @v ) if $kind == WS_FAIL_DUPLICATE_HEADER;

    if ( $kind == WS_FAIL_VERSION ) {
        return ( 'MissingHeaders', $self->_all_missing( $field, $ctx ) ) if !@v;
        return ( 'UnsupportedProtocolVersion', join( ', ', @v ) );
    }

    if ( $kind == WS_FAIL_BAD_HEADER ) {
        my $lc = lc $field;
        if ( $lc eq 'sec-websocket-protocol' ) {
            my @e = _elements(@v);
            return ( 'DuplicateHeader', $field, @e ) if !$server;    # the server chose several
            my ($bad) = grep { !_is_token($_) } @e;
            return ( 'BadToken', $bad // join( ', ', @v ) );
        }
        if ( my $must = $MUST{$lc} ) {
            return ( 'BadHeader', $field, join( ', ', @v ), $must->[ $server ? 0 : 1 ] );
        }
        return ( 'BadHeader', $field, $v[0], 'Must be base64 of 16 bytes' ) if $lc eq 'sec-websocket-key';
        return ( 'BadHeader', $field, $v[0], 'Must be host[:port]' ) if $lc eq 'host';
        return ( 'BadHeader', $field, ( @v ? join( ', ', @v ) : undef ), $why );
    }

    if ( $kind == WS_FAIL_STATUS ) {
        my $code = $server ? undef : $conn->response_status();
        return ( 'BadHTTPStatus', $code || $ctx->{'status'} || $status, $ctx->{'reason'} );
    }

    if ( $kind == WS_FAIL_ACCEPT ) {
        my $expected = Net::WebSocket::LibWS::accept_key( $conn->client_key() );
        return ( 'BadAccept', $expected, $v[0] );
    }

    return ( 'UnknownSubprotocol', join( ', ', _elements(@v) ) ) if $kind == WS_FAIL_SUBPROTOCOL;

    if ( $kind == WS_FAIL_EXTENSION ) {
        # Which element of the answer: one repeated, one not offered, or
        # permessage-deflate with parameters libws refused.
        require Net::WebSocket::Handshake::Extension;
        my @got = eval { Net::WebSocket::Handshake::Extension->parse_string( join ', ', @v ) };
        my %offered = map { $_->token() => 1 } $self->_app_exts();
        $offered{'permessage-deflate'} = 1 if $self->_deflate_ext();
        my %seen;
        for my $x (@got) {
            return ( 'DuplicateHeader', $field, $x->token() ) if $seen{ $x->token() }++;
        }
        for my $x (@got) {
            return ( 'UnknownExtension', $x->token() ) if !$offered{ $x->token() };
        }
        return ( 'UnknownExtension', 'permessage-deflate', $why );
    }

    return ( 'UnknownExtension', 'permessage-deflate', $why ) if $kind == WS_FAIL_REQUIRED;

    if ( $kind == WS_FAIL_MALFORMED || $kind == WS_FAIL_NONE ) {
        # Header fields we fed that libws cannot take (the head itself is
        # ours: a name that is not a token, a control character in a value).
        my @kv = @{ $hdrs || [] };
        while ( my ($k, $v) = splice @kv, 0, 2 ) {
            return ( 'BadToken', $k, 'header field name' ) if !_is_token($k);
            return ( 'BadHeader', $k, $v, $why ) if ( $v // q<> ) =~ tr<\x00-\x08\x0a-\x1f\x7f><>;
        }
    }

    # WS_FAIL_TARGET, WS_FAIL_TOO_LARGE, WS_FAIL_CLOSED, and anything new.
    return ( 'HandshakeFailed', $why, $status );
}

# Throws the exception for the failed handshake on $conn. $status is the
# HTTP status of the "rejected" event (what a server answers with).
# libws names the first missing header field it finds. The others: the
# same head is fed again to a new connection with each field found so far
# added (with a value libws takes for it), until libws names no new one.
my %SAMPLE = (
    host                    => sub { 'localhost' },
    upgrade                 => sub { 'websocket' },
    connection              => sub { 'Upgrade' },
    'sec-websocket-version' => sub { 13 },
    'sec-websocket-key'     => sub { 'dGhlIHNhbXBsZSBub25jZQ==' },
    'sec-websocket-accept'  => sub { Net::WebSocket::LibWS::accept_key( $_[0]{'key'} ) },
);

sub _all_missing {
    my ($self, $field, $ctx) = @_;

    my @names = ($field);
    my @headers = @{ $ctx->{'headers'} || [] };
    for ( 1 .. scalar keys %SAMPLE ) {
        my $sample = $SAMPLE{ lc $names[-1] } or last;
        push @headers, $names[-1] => $sample->($self);
        my $conn = $self->_refeed( \@headers, $ctx ) or last;
        my ($kind, $next) = $conn->handshake_failure();
        last if !length $next || grep { lc $_ eq lc $next } @names;
        last if !( $kind == WS_FAIL_MISSING_HEADER || ( $kind == WS_FAIL_VERSION && !_values_of( \@headers, $next ) ) );
        push @names, $next;
    }

    return @names;
}

sub _die_for_failure {
    my ($self, $conn, $status, %ctx) = @_;
    my ($class, @args) = $self->_x_for_failure( $conn, $status, \%ctx );
    die Net::WebSocket::X->create( $class, @args );
}

1;

