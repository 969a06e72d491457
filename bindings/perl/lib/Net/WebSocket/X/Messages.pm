package Net::WebSocket::X::Messages;

# (POD after __END__.)

use strict;
use warnings;

our $VERSION = '1.000';

sub _q { return defined $_[0] ? $_[0] : '(undef)' }

my %ARGS = (
    BadAccept => sub {
        my ($class, $expected, $received) = @_;
        return ( "Received invalid “Sec-WebSocket-Accept” (" . _q($received) . ") from the server (expected: “$expected”)",
            expected => $expected, received => $received );
    },
    BadArg => sub {
        my ($class, $name, $value, $why) = @_;
        my $caller = 'Net::WebSocket';
        for my $level (1 .. 20) {
            my $sub = (caller $level)[3] or last;
            next if $sub =~ m<\ANet::WebSocket::X(?:::|\z)> || $sub eq '(eval)';
            $caller = $sub;
            last;
        }
        my $str = "$caller: invalid “$name” (" . _q($value) . ")";
        $str .= " - $why" if defined $why && length $why;
        return ( $str, name => $name, value => $value, why => $why );
    },
    BadHTTPMethod => sub {
        my ($class, $method) = @_;
        return ( "Invalid HTTP method (" . _q($method) . ") - must be GET", method => $method );
    },
    BadHTTPStatus => sub {
        my ($class, $code, $reason) = @_;
        my $str = "Received invalid HTTP status: " . _q($code);
        $str .= " ($reason)" if defined $reason && length $reason;
        $str .= ' - must be 101';
        return ( $str, code => $code, reason => $reason );
    },
    BadHeader => sub {
        my ($class, $name, $value, $why) = @_;
        my $str = "Bad “$name” header (" . _q($value) . ")";
        $str .= ": $why" if defined $why && length $why;
        return ( $str, name => $name, value => $value, why => $why );
    },
    BadRequestProtocol => sub {
        my ($class, $protocol) = @_;
        return ( "Invalid HTTP protocol (" . _q($protocol) . ") - must be HTTP/1.1", protocol => $protocol );
    },
    BadToken => sub {
        my ($class, $value, $why) = @_;
        my $str = "“" . _q($value) . "” is not a valid HTTP token";
        $str .= ": $why" if defined $why && length $why;
        return ( $str, value => $value );
    },
    ControlPayloadTooLong => sub {
        my ($class, $type, $payload) = @_;
        return ( "A control frame (type “$type”) cannot have a payload of over 125 bytes (got " . length($payload) . ")",
            type => $type, payload => $payload );
    },
    DuplicateHeader => sub {
        my ($class, $name, @values) = @_;
        return ( "Duplicate “$name” header" . (@values ? ": [@{[ map { _q($_) } @values ]}]" : ''),
            name => $name, values => \@values );
    },
    EndpointAlreadyClosed => sub {
        return ('This endpoint is already closed!');
    },
    MissingHeaders => sub {
        my ($class, @names) = @_;
        return ( "Missing header(s): @names", names => \@names );
    },
    ReceivedBadControlFrame => sub {
        my ($class, $msg, $code, %more) = @_;
        return ( $msg, code => $code, %more );
    },
    ReceivedBadDataFrame => sub {
        my ($class, $msg, $code, %more) = @_;
        return ( $msg, code => $code, %more );
    },
    ReceivedClose => sub {
        my ($class, $frame) = @_;
        my ($code, $reason) = $frame->get_code_and_reason();
        # The original's text: "[CODE REASON]", or "(empty)".
        my $txt = defined $code ? "Received close frame: [$code $reason]" : 'Received close frame (empty)';
        return ( $txt, frame => $frame, code => $code, reason => $reason );
    },
    UnfinishedStream => sub {
        my ($class, $streamer) = @_;
        return ( 'A streamer was destroyed before it created its final frame', streamer => $streamer );
    },
    UnknownExtension => sub {
        my ($class, $str, $why) = @_;
        my $msg = "Unknown or unacceptable extension: " . _q($str);
        $msg .= " ($why)" if defined $why && length $why;
        return ( $msg, extension => $str );
    },
    UnknownSubprotocol => sub {
        my ($class, $token) = @_;
        return ( "Unknown subprotocol: " . _q($token), subprotocol => $token );
    },
    UnsupportedProtocolVersion => sub {
        my ($class, $version) = @_;
        return ( "Received invalid WebSocket version in handshake: " . _q($version) . " - must be 13",
            version => $version );
    },

    # ---- added by this distribution
    Forked => sub {
        return ( 'libws was loaded before this process forked; it cannot be used in the child (load it after fork: make the first Net::WebSocket call in the child)' );
    },
    LibWS => sub {
        my ($class, $code, $msg, $what) = @_;
        require Net::WebSocket::LibWS;
        my $name = Net::WebSocket::LibWS::error_name($code);
        my $str = defined $what ? "$what: " : '';
        $str .= length($msg // '') ? $msg : Net::WebSocket::LibWS::strerror($code);
        $str .= " ($name)";
        return ( $str, code => $code, name => $name, what => $what );
    },
    LibraryLoad => sub {
        my ($class, $msg) = @_;
        return ($msg);
    },
    HandshakeFailed => sub {
        my ($class, $msg, $status) = @_;
        return ( $msg, status => $status );
    },
    PeerFailure => sub {
        my ($class, $msg, $code) = @_;
        return ( $msg, code => $code );
    },
);

# (MESSAGE, ATTRIBUTE => VALUE, ...) of an exception of class NAME made
# with ARGS.
sub args {
    my ( $name, $class, @args ) = @_;
    return $ARGS{$name}->( $class, @args );
}

1;

__END__

=encoding utf-8

=head1 NAME

Net::WebSocket::X::Messages - the messages and attributes of Net::WebSocket's exceptions

=head1 DESCRIPTION

Internal. For each class of L<Net::WebSocket::X>, what its C<create()>
arguments mean: the human-readable message (the original's wording) and
the attributes C<get()> returns. L<Net::WebSocket::X> loads this file with
the first exception it makes, so that a program that never throws one
does not compile it.

=cut
