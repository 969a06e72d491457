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

use Net::WebSocket::LibWS ();
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

    return @agreed;
}

# Maps a libws handshake failure (the reason of a "rejected" event) to the
# Net::WebSocket::X class that the original would have thrown.
sub _x_for_failure {
    my ($self, $why, $status) = @_;

    my $none = qr<(?:none|"")>;

    # Server side: the request.
    return ('BadHTTPMethod', $1) if $why =~ m<the method must be GET, got "(.*)">;
    return ('BadRequestProtocol', $1) if $why =~ m<the protocol must be HTTP/1\.1.*?, got "(.*)">;
    if ( $why =~ m<must have exactly one (\S+) header field, got (.*)> ) {
        my ($name, $got) = ($1, $2);
        return ( 'MissingHeaders', $name ) if $got =~ m<\A$none>;
        return ( 'DuplicateHeader', $name, _unquote_list($got) );
    }
    if ( $why =~ m<the (\S+) header field must include "(\w+)", got (.*)> ) {
        my ($name, $want, $got) = ($1, $2, $3);
        return ( 'MissingHeaders', $name ) if $got =~ m<\A$none\z>;
        return ( 'BadHeader', $name, join( ', ', _unquote_list($got) ), "Must contain “$want”" );
    }
    if ( $why =~ m<Sec-WebSocket-Version must be exactly one field "13", got (.*)> ) {
        my $got = $1;
        return ( 'MissingHeaders', 'Sec-WebSocket-Version' ) if $got =~ m<\A$none\z>;
        return ( 'UnsupportedProtocolVersion', join( ', ', _unquote_list($got) ) );
    }
    return ( 'BadHeader', 'Sec-WebSocket-Key', _unquote($1), 'Must be base64 of 16 bytes' ) if $why =~ m<Sec-WebSocket-Key must be base64 of 16 bytes, got (".*")>;
    return ( 'DuplicateHeader', 'Origin' ) if $why =~ m<Origin header fields; at most one>;
    return ( 'BadToken', _unquote($1) ) if $why =~ m<Sec-WebSocket-Protocol element (".*") is not a token>;
    return ( 'BadHeader', 'Host', _unquote($1), 'Must be host[:port]' ) if $why =~ m<the Host header field (".*") is not host>;
    return ( 'BadToken', _unquote($1), 'header field name' ) if $why =~ m<header field name (".*") is not a token>;

    # Client side: the response.
    return ( 'BadHTTPStatus', $1, _unquote($2) ) if $why =~ m<the server answered (\d+) (".*"), not 101>;
    if ( $why =~ m<the response must have one Upgrade header field "websocket", got (.*)> ) {
        my $got = $1;
        return ( 'MissingHeaders', 'Upgrade' ) if $got =~ m<\A$none\z>;
        my @v = _unquote_list($got);
        return ( 'DuplicateHeader', 'Upgrade', @v ) if @v > 1;
        return ( 'BadHeader', 'Upgrade', $v[0], 'Must be “websocket”' );
    }
    if ( $why =~ m<the response's Connection header field must include "Upgrade", got (.*)> ) {
        my $got = $1;
        return ( 'MissingHeaders', 'Connection' ) if $got =~ m<\A$none\z>;
        return ( 'BadHeader', 'Connection', join( ', ', _unquote_list($got) ), 'Must contain “upgrade”' );
    }
    if ( $why =~ m<the response must have one Sec-WebSocket-Accept header field (".*?"), got (.*)> ) {
        my ($want, $got) = ( _unquote($1), $2 );
        return ( 'MissingHeaders', 'Sec-WebSocket-Accept' ) if $got =~ m<\A$none\z>;
        my @v = _unquote_list($got);
        return ( 'DuplicateHeader', 'Sec-WebSocket-Accept', @v ) if @v > 1;
        return ( 'BadAccept', $want, $v[0] );
    }
    return ( 'UnknownSubprotocol', join( ', ', _unquote_list($1) ) ) if $why =~ m<the server selected subprotocol (.*) but none was offered>;
    return ( 'DuplicateHeader', 'Sec-WebSocket-Protocol', _unquote_list($1) ) if $why =~ m<the server must select one subprotocol, got (.*)>;
    return ( 'UnknownSubprotocol', _unquote($1) ) if $why =~ m<the server selected subprotocol (".*"), which was not offered>;
    return ( 'DuplicateHeader', 'Sec-WebSocket-Extensions', _unquote($1) ) if $why =~ m<accepted extension (".*") twice>;
    return ( 'UnknownExtension', _unquote($1) ) if $why =~ m<accepted extension (".*"), which was not offered>;
    return ( 'UnknownExtension', 'permessage-deflate', $why ) if $why =~ m<permessage-deflate>;
    return ( 'BadHeader', 'Sec-WebSocket-Extensions', undef, $why ) if $why =~ m<Sec-WebSocket-Extensions>;

    return ( 'HandshakeFailed', $why, $status );
}

sub _unquote {
    my ($s) = @_;
    return $s if !defined $s || $s !~ m<\A"(.*)"\z>s;
    $s = $1;
    $s =~ s<\\(.)><$1>g;
    return $s;
}

sub _unquote_list {
    my ($s) = @_;
    $s =~ s<\Aseveral \((.*)\)\z><$1>s;
    my @v;
    while ( $s =~ m<"((?:[^"\\]|\\.)*)">g ) {
        ( my $v = $1 ) =~ s<\\(.)><$1>g;
        push @v, $v;
    }
    return @v;
}

sub _die_for_failure {
    my ($self, $why, $status) = @_;
    my ($class, @args) = $self->_x_for_failure( $why, $status );
    die Net::WebSocket::X->create( $class, @args );
}

1;
