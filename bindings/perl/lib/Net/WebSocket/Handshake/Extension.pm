package Net::WebSocket::Handshake::Extension;

use strict;
use warnings;

our $VERSION = '1.000';

=encoding utf-8

=head1 NAME

Net::WebSocket::Handshake::Extension - an extension in a Sec-WebSocket-Extensions header

=head1 SYNOPSIS

    # A list of instances of this class:
    my @exts = Net::WebSocket::Handshake::Extension->parse_string(
        $value_of_sec_websocket_extensions
    );

    my $ext = Net::WebSocket::Handshake::Extension->new(
        'extension-name',
        param1 => 'value1',
        flag   => undef,        # a parameter without a value
    );

    my $name   = $ext->token();       # 'extension-name'
    my @params = $ext->parameters();  # key/value pairs
    my $str    = $ext->to_string(@others);

=head1 DESCRIPTION

Translates between an extension with its parameters and its form in a
C<Sec-WebSocket-Extensions> header value (RFC 6455 §9.1).

=over

=item C<< CLASS->parse_string( HEADER_VALUE ) >> - one object per extension
in the value (list context).

=item C<< CLASS->new( NAME, KEY => VALUE, ... ) >> - a parameter without a
value has C<undef>.

=item C<token()> - the extension's name.

=item C<parameters()> - the parameters as key/value pairs (list).

=item C<to_string( [OTHERS] )> - the header value for this extension and
OTHERS (more objects of this class), comma-separated.

=item C<get_handshake_object()>, C<consume_parameters()>, C<ok_to_use()> -
so that these objects can be given to
C<< Net::WebSocket::Handshake::Client->new( extensions => [...] ) >> (and
to the server's), as the original allowed: the object is offered as it is
(a server answers an offer of its token with it).

=back

Header values are split and joined with L<HTTP::Headers::Util> (which
handles quoted strings), as in the original: libws's C API has no
function that parses an extension header into names and parameters.

=cut

use HTTP::Headers::Util ();

sub parse_string {
    my ($class, $str) = @_;

    my @pieces = HTTP::Headers::Util::split_header_words( $str // q<> );
    splice( @$_, 1, 1 ) for @pieces;

    return map { $class->new(@$_) } @pieces;
}

sub new {
    my ($class, @name_and_params) = @_;
    return bless \@name_and_params, $class;
}

sub token { return $_[0][0] }

# As an item of a handshake's "extensions" (the original took these
# objects there): it offers (client) or answers (server) itself.
sub get_handshake_object { return $_[0] }
sub consume_parameters { return }
sub ok_to_use { return 1 }

sub parameters {
    return @{ $_[0] }[ 1 .. $#{ $_[0] } ];
}

sub to_string {
    my ($self, @others) = @_;

    return join( ', ', map { _one($_) } $self, @others );
}

sub _one {
    my ($x) = @_;
    my @parts = ( $x->[0] );
    my @kv = @{$x}[ 1 .. $#$x ];
    while ( my ($k, $v) = splice @kv, 0, 2 ) {
        if ( !defined $v ) {
            push @parts, $k;
        }
        elsif ( $v =~ m<\A[!#\$%&'*+\-.^_`|~0-9A-Za-z]+\z> ) {
            push @parts, "$k=$v";
        }
        else {
            ( my $q = $v ) =~ s<(["\\])><\\$1>g;
            push @parts, qq<$k="$q">;
        }
    }
    return join( '; ', @parts );
}

1;
