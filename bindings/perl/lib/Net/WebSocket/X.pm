package Net::WebSocket::X;

use strict;
use warnings;

our $VERSION = '1.000';

=encoding utf-8

=head1 NAME

Net::WebSocket::X - exceptions of Net::WebSocket (libws binding)

=head1 SYNOPSIS

    use Net::WebSocket::X ();

    die Net::WebSocket::X->create('BadArg', code => 9999, 'Invalid WebSocket status code');

    if ( eval { $ept->get_next_message(); 1 } ) { ... }
    elsif ( ref $@ && $@->isa('Net::WebSocket::X::ReceivedClose') ) {
        my $frame = $@->get('frame');
        print $@->get_message(), "\n";
    }

=head1 DESCRIPTION

Every exception this distribution throws is an instance of a subclass of
C<Net::WebSocket::X::Base>. Where L<X::Tiny> is installed,
C<Net::WebSocket::X::Base> is also an C<X::Tiny::Base> and
C<Net::WebSocket::X> an C<X::Tiny>, as in the original (whose exceptions
were X::Tiny's); without it they stand alone. C<< Net::WebSocket::X->create(NAME, ARGS) >>
makes one: NAME is the part of the class name after C<Net::WebSocket::X::>.

Each object has:

=over

=item C<get_message()> - the human-readable message.

=item C<get(NAME)> - one of the attributes listed below for its class.

=item C<to_string()> - the message with the class and the place it was
thrown; objects stringify to this.

=back

=head1 CLASSES

The classes of the original Net::WebSocket, with their C<create()>
arguments and C<get()> attributes:

=over

=item C<BadAccept> (EXPECTED, RECEIVED) - attributes C<expected>, C<received>.
The server's C<Sec-WebSocket-Accept> does not match the key.

=item C<BadArg> (NAME, VALUE, [WHY]) - C<name>, C<value>, C<why>.

=item C<BadHTTPMethod> (METHOD) - C<method>.

=item C<BadHTTPStatus> (CODE, [REASON]) - C<code>, C<reason>.

=item C<BadHeader> (NAME, VALUE, [WHY]) - C<name>, C<value>, C<why>.

=item C<BadRequestProtocol> (PROTOCOL) - C<protocol>.

=item C<BadToken> (VALUE) - C<value>: not an HTTP token.

=item C<ControlPayloadTooLong> (TYPE, PAYLOAD) - C<type>, C<payload>.

=item C<DuplicateHeader> (NAME, [VALUES...]) - C<name>, C<values>.

=item C<EndpointAlreadyClosed> () - the connection is closed.

=item C<MissingHeaders> (NAMES...) - C<names> (an array reference).

=item C<ReceivedBadControlFrame> (MESSAGE, [CODE]) - C<code>: the close
code libws sent when it failed the connection.

=item C<ReceivedBadDataFrame> (MESSAGE, [CODE]) - as above; a subclass of
C<ReceivedBadControlFrame>, as in the original.

=item C<ReceivedClose> (FRAME) - C<frame>, C<code>, C<reason>.

=item C<UnfinishedStream> (STREAMER) - C<streamer>.

=item C<UnknownExtension> (STRING) - C<extension>.

=item C<UnknownSubprotocol> (TOKEN) - C<subprotocol>.

=item C<UnsupportedProtocolVersion> (VERSION) - C<version>.

=back

Added by this distribution:

=over

=item C<Forked> () - libws was loaded before this process forked and cannot
be used in the child (a Go runtime does not survive C<fork()>). Load the
modules in the parent if you like, but make the first call that needs the
library (any constructor) in the child.

=item C<LibWS> (CODE, MESSAGE, [WHAT]) - a call into libws failed:
C<code> (a negative C<WS_E_*> value), C<name> (e.g. C<WS_E_STATE>),
C<what> (the operation).

=item C<LibraryLoad> (MESSAGE) - libws could not be loaded (see
L<Net::WebSocket::LibWS/LIBRARY LOOKUP>), or its ABI version differs.

=item C<HandshakeFailed> (MESSAGE, [STATUS]) - a handshake failure that
none of the classes above describes (C<status>: the HTTP status libws
answers with, if any).

=item C<PeerFailure> (MESSAGE, CODE) - the connection failed for a reason
that is not one of the frame classes above (C<code>: the close code sent).

=back

=cut

my %LOADED;

sub create {
    my ($class, $type, @args) = @_;

    my $xclass = "Net::WebSocket::X::$type";
    if (!$xclass->can('_new')) {
        die "Net::WebSocket::X: unknown exception type “$type”";
    }

    return $xclass->_new(@args);
}

#----------------------------------------------------------------------

package Net::WebSocket::X::Base;

use Scalar::Util ();

use overload (
    q<""> => sub { $_[0]->to_string() },
    '0+'  => sub { Scalar::Util::refaddr( $_[0] ) },
    bool  => sub { 1 },
    fallback => 1,
);

sub _new {
    my ($class, $message, %attrs) = @_;

    my ($file, $line);
    my $level = 1;
    while ( my @c = caller($level++) ) {
        next if $c[0] =~ m<\ANet::WebSocket(?:::|\z)>;
        ($file, $line) = @c[1, 2];
        last;
    }

    return bless {
        _message => $message,
        _attrs   => \%attrs,
        _file    => $file,
        _line    => $line,
    }, $class;
}

sub get_message { return $_[0]{'_message'} }

sub get {
    my ($self, $name) = @_;
    return $self->{'_attrs'}{$name};
}

sub to_string {
    my ($self) = @_;

    my $str = sprintf '(%s) %s', ref($self), $self->{'_message'};
    if (defined $self->{'_file'}) {
        $str .= " at $self->{'_file'} line $self->{'_line'}.";
    }

    return "$str\n";
}

#----------------------------------------------------------------------
# The classes. Each is small; they live here so that one file documents
# all of them. %INC entries let "require Net::WebSocket::X::Foo" work.
#
# The classes' names; what each one's create() arguments mean (its
# message and attributes) is in Net/WebSocket/X/Messages.pm, compiled
# with the first exception (a program without one never needs it).
my @CLASSES = qw(
    BadAccept BadArg BadHTTPMethod BadHTTPStatus
    BadHeader BadRequestProtocol BadToken ControlPayloadTooLong
    DuplicateHeader EndpointAlreadyClosed MissingHeaders ReceivedBadControlFrame
    ReceivedBadDataFrame ReceivedClose UnfinishedStream UnknownExtension
    UnknownSubprotocol UnsupportedProtocolVersion Forked LibWS
    LibraryLoad HandshakeFailed PeerFailure
);

for my $name (@CLASSES) {
    my $pkg = "Net::WebSocket::X::$name";
    no strict 'refs';
    @{"${pkg}::ISA"} = ('Net::WebSocket::X::Base');
    *{"${pkg}::_new"} = sub {
        my ($class, @args) = @_;
        require Net::WebSocket::X::Messages;
        return Net::WebSocket::X::Base::_new( $class, Net::WebSocket::X::Messages::args( $name, $class, @args ) );
    };
    $INC{"Net/WebSocket/X/$name.pm"} ||= __FILE__;
}

$INC{'Net/WebSocket/X/Base.pm'} ||= __FILE__;

# The original's hierarchy: ReceivedBadDataFrame is a kind of
# ReceivedBadControlFrame.
@Net::WebSocket::X::ReceivedBadDataFrame::ISA = ('Net::WebSocket::X::ReceivedBadControlFrame');

# The original's classes were X::Tiny's: where X::Tiny is installed, they
# are here too (this distribution's methods come first).
if ( eval { require X::Tiny::Base; 1 } ) {
    push @Net::WebSocket::X::Base::ISA, 'X::Tiny::Base';
    push @Net::WebSocket::X::ISA, 'X::Tiny' if eval { require X::Tiny; 1 };
}

1;
