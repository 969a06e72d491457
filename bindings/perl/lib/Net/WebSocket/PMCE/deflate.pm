package Net::WebSocket::PMCE::deflate;

use strict;
use warnings;

our $VERSION = '1.000';

=encoding utf-8

=head1 NAME

Net::WebSocket::PMCE::deflate - WebSocket's permessage-deflate extension (RFC 7692)

=head1 SYNOPSIS

See L<Net::WebSocket::PMCE::deflate::Server> and
L<Net::WebSocket::PMCE::deflate::Client>.

=head1 DESCRIPTION

The base class of the permessage-deflate handshake objects (not
instantiable). libws does the work: it negotiates from the object's
options when the object is among a handshake's C<extensions>, and it
compresses and inflates (L<Net::WebSocket::PMCE::deflate::Data>).

=head1 METHODS

=head2 CLASS->new( %OPTS )

=over

=item C<deflate_max_window_bits> - the most window bits this endpoint
will compress with (8..15).

=item C<inflate_max_window_bits> - the most window bits to ask the peer
to compress with (8..15).

=item C<deflate_no_context_takeover> - boolean: this endpoint compresses
each message on its own.

=item C<inflate_no_context_takeover> - boolean: ask the peer to compress
each message on its own.

=back

The names say which direction they govern; each role maps them to the
RFC's parameters: for a server, C<deflate_*> is C<server_*> and
C<inflate_*> is C<client_*>; for a client, the reverse. Invalid values
throw L<Net::WebSocket::X::BadArg|Net::WebSocket::X> (libws checks them).

=head2 OBJ->token()

C<permessage-deflate>.

=head2 OBJ->deflate_max_window_bits(), inflate_max_window_bits(), deflate_no_context_takeover(), inflate_no_context_takeover()

The effective values: after a successful negotiation, what was agreed
(window bits default to 15).

=head2 OBJ->get_handshake_object()

A L<Net::WebSocket::Handshake::Extension>: after negotiation the agreed
element, before it the offer these options make.

=head2 OBJ->consume_parameters( KEY => VALUE, ... )

The peer's parameters (a server: the client's offer; a client: the
server's response). libws negotiates (RFC 7692 §7): a server declines an
offer it cannot accept (C<ok_to_use()> is then false); a client throws
C<UnknownExtension> for a response it must not accept. A handshake
object calls this for you.

=head2 OBJ->ok_to_use()

Whether negotiation succeeded.

=head2 OBJ->create_data_object()

A L<Net::WebSocket::PMCE::deflate::Data::Server> (or C<::Client>) with
the agreed parameters.

=head1 DIFFERENCES FROM Net::WebSocket

Offers and responses are checked as RFC 7692 says: a server declines an
offer with unknown, duplicate or invalid parameters instead of throwing,
and a client refuses invalid window bits in a response at once (the
original accepted them and failed later).

=cut

use Net::WebSocket::LibWS ();
use Net::WebSocket::LibWS::Connection ();
use Net::WebSocket::Handshake::Extension ();
use Net::WebSocket::X ();

use constant token => 'permessage-deflate';
use constant VALID_MAX_WINDOW_BITS => ( 8 .. 15 );

my @OPTS = qw(
    deflate_max_window_bits inflate_max_window_bits
    deflate_no_context_takeover inflate_no_context_takeover
);

sub new {
    my ($class, %opts) = @_;

    if ($class eq __PACKAGE__) {
        die 'Net::WebSocket::PMCE::deflate is a base class; use ::Server or ::Client';
    }

    my %ok = map { $_ => 1 } @OPTS;
    for my $k (sort keys %opts) {
        next if $ok{$k};
        die Net::WebSocket::X->create('BadArg', $k => $opts{$k}, 'Unknown option');
    }

    my $self = bless {%opts}, $class;

    # libws checks the window bits (8..15).
    for my $which (qw( deflate inflate )) {
        my $v = $opts{"${which}_max_window_bits"};
        next if !defined $v;
        if ( $v !~ m<\A[0-9]+\z> || !_window_bits_ok($v) ) {
            die Net::WebSocket::X->create('BadArg', "${which}_max_window_bits" => $v, 'Must be one of: [8 9 10 11 12 13 14 15]');
        }
    }

    return $self;
}

sub _window_bits_ok {
    my ($v) = @_;
    return 0 if $v == 0;
    Net::WebSocket::LibWS::_ensure();
    my $rc = Net::WebSocket::LibWS::_ws_config_new( 2, \my $cfg );
    Net::WebSocket::LibWS::_croak_rc($rc, 'config') if $rc < 0;
    $rc = Net::WebSocket::LibWS::_ws_config_set( $cfg, Net::WebSocket::LibWS::WS_OPT_DEFLATE_SERVER_MAX_WINDOW_BITS(), $v );
    Net::WebSocket::LibWS::_ws_config_free($cfg);
    return $rc >= 0 ? 1 : 0;
}

sub _is_libws_deflate { return 1 }

sub deflate_max_window_bits { return $_[0]{'deflate_max_window_bits'} || 15 }
sub inflate_max_window_bits { return $_[0]{'inflate_max_window_bits'} || 15 }
sub deflate_no_context_takeover { return $_[0]{'deflate_no_context_takeover'} ? 1 : 0 }
sub inflate_no_context_takeover { return $_[0]{'inflate_no_context_takeover'} ? 1 : 0 }

sub ok_to_use { return $_[0]{'_use_ok'} ? 1 : 0 }

sub _agreement_string { return $_[0]{'_use_ok'} ? $_[0]{'_agreement'} : undef }

# The options of libws's config for this role.
sub _libws_options {
    my ($self) = @_;
    my ($local, $peer) = $self->_RFC_PREFIXES();
    my %o;
    $o{"${local}_max_window_bits"}     = $self->{'deflate_max_window_bits'} if $self->{'deflate_max_window_bits'};
    $o{"${peer}_max_window_bits"}      = $self->{'inflate_max_window_bits'} if $self->{'inflate_max_window_bits'};
    $o{"${local}_no_context_takeover"} = 1 if $self->{'deflate_no_context_takeover'};
    $o{"${peer}_no_context_takeover"}  = 1 if $self->{'inflate_no_context_takeover'};
    return \%o;
}

# Called with ws_deflate_params() (or undef) and the agreed element.
sub _set_agreement {
    my ($self, $params, $element) = @_;

    if ( !$params ) {
        $self->{'_use_ok'} = 0;
        return;
    }

    my ($local, $peer) = $self->_RFC_PREFIXES();
    $self->{'deflate_max_window_bits'}     = $params->{"${local}_max_window_bits"} || 15;
    $self->{'inflate_max_window_bits'}     = $params->{"${peer}_max_window_bits"} || 15;
    $self->{'deflate_no_context_takeover'} = $params->{"${local}_no_context_takeover"} ? 1 : 0;
    $self->{'inflate_no_context_takeover'} = $params->{"${peer}_no_context_takeover"} ? 1 : 0;
    $self->{'_agreement'} = $element // 'permessage-deflate';
    $self->{'_use_ok'} = 1;

    return;
}

sub get_handshake_object {
    my ($self) = @_;

    if ( $self->{'_use_ok'} && defined $self->{'_agreement'} ) {
        my ($x) = Net::WebSocket::Handshake::Extension->parse_string( $self->{'_agreement'} );
        return $x;
    }

    my $o = $self->_libws_options();
    my @params;
    for my $k ( sort keys %$o ) {
        push @params, $k => ( $k =~ m<no_context> ? undef : $o->{$k} );
    }
    push @params, $self->_EXTRA_OFFER_PARAMS(\@params);

    return Net::WebSocket::Handshake::Extension->new( $self->token(), @params );
}

use constant _EXTRA_OFFER_PARAMS => ();

sub create_data_object {
    my ($self) = @_;

    my $class = ref($self) . '::Data';
    $class =~ s<::deflate::(Server|Client)::Data\z><::deflate::Data::$1>;
    ( my $file = "$class.pm" ) =~ s<::></>g;
    require $file;

    return $class->new( map { ( $_ => $self->{$_} ) } grep { defined $self->{$_} } @OPTS );
}

1;
