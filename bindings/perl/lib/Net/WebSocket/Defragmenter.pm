package Net::WebSocket::Defragmenter;

use strict;
use warnings;

our $VERSION = '1.000';

=encoding utf-8

=head1 NAME

Net::WebSocket::Defragmenter - reassemble WebSocket messages from a parser's reader

=head1 SYNOPSIS

    my $defragger = Net::WebSocket::Defragmenter->new(
        parser => $parser_obj,          # a Net::WebSocket::Parser

        # Optional; these two receive Net::WebSocket::Frame objects.
        on_control_frame => sub { ... },
        on_data_frame    => sub { ... },

        # Optional; receives a type string and a human-readable message.
        # An exception is thrown after this callback runs.
        on_protocol_error => sub { ... },

        # Optional (this distribution): the local role, 'server' (default:
        # frames from the peer must be masked) or 'client'.
        role => 'server',
    );

    my $msg_or_undef = $defragger->get_next_message();

=head1 DESCRIPTION

Reads frames from the parser's reader and returns whole messages
(L<Net::WebSocket::Message>). L<Net::WebSocket::Endpoint> uses it; use it
directly only when the endpoint's duties (answering pings and closes) are
yours.

Behind it is a libws connection (already open, in streaming mode with one
chunk per frame): the bytes the reader returns are fed to libws, which
checks everything RFC 6455 asks of received frames (masking by role,
fragment order, control frames between fragments, reserved bits and
opcodes, UTF-8 of text, close codes, limits). It reads exactly as many
bytes as libws needs next (C<ws_need>), so it never reads past a frame.

=head1 METHODS

=head2 CLASS->new( %OPTS )

C<parser> (required), C<on_control_frame>, C<on_data_frame>,
C<on_protocol_error>, C<role>, and the libws options C<max_message>,
C<max_frame>, C<validate_utf8>, C<auto_pong> (default 0 here),
C<subprotocol> and C<extensions> (the agreed
C<Sec-WebSocket-Protocol>/C<Sec-WebSocket-Extensions> values, e.g. a
permessage-deflate agreement, which libws then applies: messages come
out inflated).

=head2 get_next_message()

Returns a message when one is complete; C<undef> if the reader has no
more bytes yet (call again when it does); an empty string at end of file
or once the connection is closed. Control frames are handed to
C<on_control_frame> as they arrive. If the peer breaks the protocol,
libws fails the connection (queuing a close frame with 1002, 1007, 1009,
...): C<on_protocol_error> is called with the exception class name and the
message, then L<Net::WebSocket::X::ReceivedBadDataFrame|Net::WebSocket::X>
or C<ReceivedBadControlFrame> (or C<PeerFailure>) is thrown; C<< get('code') >>
is the close code sent.

=head1 DIFFERENCES FROM Net::WebSocket

Every frame is checked by libws as described above; the original accepted
unmasked client frames, unnegotiated RSV bits, oversized or fragmented
control frames and invalid UTF-8. Frames handed to the callbacks carry
the unmasked payload without the peer's mask; with permessage-deflate a
compressed message arrives inflated, as a single frame without RSV1.

=cut

use Net::WebSocket::Constants ();
use Net::WebSocket::LibWS ();
use Net::WebSocket::LibWS::Connection ();
use Net::WebSocket::Message ();
use Net::WebSocket::X ();
use Net::WebSocket::Frame::text ();
use Net::WebSocket::Frame::binary ();
use Net::WebSocket::Frame::continuation ();
use Net::WebSocket::Frame::close ();
use Net::WebSocket::Frame::ping ();
use Net::WebSocket::Frame::pong ();

# The most a reader with read_available() is asked for at once.
use constant READ_AHEAD => 262144;

my @PASS_OPTS = qw( max_message max_frame validate_utf8 auto_pong max_pings allow_rsv );

sub new {
    my ($class, %opts) = @_;

    my $parser = $opts{'parser'} or die Net::WebSocket::X->create('BadArg', parser => undef, 'A parser is required');

    my $self = bless {
        _parser => $parser,
        _reader => $parser->can('get_reader') ? $parser->get_reader() : $parser->{'_reader'},
        _frames => [],
        _events => [],
        ( map { ( "_$_" => $opts{$_} ) } qw( on_control_frame on_data_frame on_protocol_error ) ),
    }, $class;

    # Reserved opcodes the parser has classes for are claimed in libws.
    my $allow = 0;
    my %custom;
    for my $op ( 3 .. 7, 11 .. 15 ) {
        if ( my $cr = $parser->can("OPCODE_CLASS_$op") ) {
            $allow |= 1 << $op;
            $custom{$op} = $cr->();
        }
    }
    $self->{'_custom'} = \%custom;

    my %libws_opts = map { exists $opts{$_} ? ( $_ => $opts{$_} ) : () } @PASS_OPTS;
    $libws_opts{'auto_pong'} //= 0;

    $self->{'_conn'} = my $conn = Net::WebSocket::LibWS::Connection->new_open(
        role          => $opts{'role'} // 'server',
        subprotocol   => $opts{'subprotocol'},
        extensions    => $opts{'extensions'},
        streaming     => 1,
        chunk_per_frame => 1,
        ( $allow ? ( allow_opcodes => $allow ) : () ),
        %libws_opts,
    );
    $self->{'_c'} = $conn->[0];    # the ws_conn handle, for the hot path
    $self->{'_read_available'} = $self->{'_reader'}->can('read_available') ? 1 : 0;

    return $self;
}

sub _conn { return $_[0]{'_conn'} }

my @DATA_CLASS = (
    'Net::WebSocket::Frame::continuation',
    'Net::WebSocket::Frame::text',
    'Net::WebSocket::Frame::binary',
);

my %CONTROL_CLASS = (
    8  => 'Net::WebSocket::Frame::close',
    9  => 'Net::WebSocket::Frame::ping',
    10 => 'Net::WebSocket::Frame::pong',
);

# Reads what libws needs next and takes the events it gives. Returns true
# if something was fed, undef if the reader has nothing yet, '' if the
# input ended (or nothing more will be read).
sub _pump {
    my ($self) = @_;

    my $c = $self->{'_c'};
    my $need = Net::WebSocket::LibWS::_ws_need($c);
    Net::WebSocket::LibWS::_croak_rc($need, 'need') if $need < 0;
    return q<> if !$need;

    # A reader that can say what it holds gives it all at once; otherwise
    # read(N) exactly what libws needs next (never past a frame).
    my $bytes = $self->{'_read_available'}
        ? $self->{'_reader'}->read_available( $need > READ_AHEAD ? $need : READ_AHEAD )
        : $self->{'_reader'}->read($need);
    return undef if !defined $bytes;

    my $conn = $self->{'_conn'};

    # One signal guard for the feed and the events (see Net::WebSocket::LibWS).
    my $g = Net::WebSocket::LibWS::_guard_on();
    my @ev = eval {
        if (!length $bytes) {
            $conn->feed_eof();
            $self->{'_eof'} = 1;
        }
        elsif ( utf8::is_utf8($bytes) ) {
            $conn->feed($bytes);
        }
        else {
            my $rc = Net::WebSocket::LibWS::_ws_feed( $c, $bytes, length $bytes );
            Net::WebSocket::LibWS::_croak_rc($rc, 'feed') if $rc < 0;
        }
        $conn->next_events();
    };
    my $err = $@;
    Net::WebSocket::LibWS::_guard_off($g);
    die $err if $err;

    if (@ev) {
        push @{ $self->{'_events'} }, @ev;
        $self->{'_more'} = 1;    # a close event may wait in a batch of its own
    }

    return $self->{'_eof'} ? q<> : 1;
}

sub get_next_message {
    my ($self) = @_;

    my $events = $self->{'_events'};

    while (1) {
        while (@$events) {
            my $ev = shift @$events;
            my $msg = $self->_handle_event($ev);
            return $msg if $msg;
            if ( $self->{'_closed_now'} ) {
                # The close frame: nothing more will come; this call
                # returns undef, the next ones an empty string.
                $self->{'_closed_now'} = 0;
                return undef;
            }
        }

        # Events libws still holds (a close event comes in a batch of its own).
        if ( $self->{'_more'} ) {
            if ( my @ev = $self->{'_conn'}->next_events() ) {
                push @$events, @ev;
                next;
            }
            $self->{'_more'} = 0;
        }

        return q<> if $self->{'_eof'} || $self->{'_ended'};

        my $r = $self->_pump();
        return undef if !defined $r;
        if (!length $r && !@$events) {
            $self->{'_ended'} = 1;
            return q<>;
        }
    }
}

# Returns a message if this event completed one.
sub _handle_event {
    my ($self, $ev) = @_;

    my $type = $ev->[0];

    if ( $type >= 4 && $type <= 6 ) {    # text, binary, application data
        my $frames = $self->{'_frames'};
        my $flags = ord substr( $ev->[2], 2, 1 );
        my $class;
        if (@$frames) {
            $class = $DATA_CLASS[0];
        }
        elsif ( $type == 6 ) {
            my $op = ord $ev->[2];
            $class = $self->{'_custom'}{$op} or die Net::WebSocket::X->create('ReceivedBadDataFrame', "No frame class for opcode $op", 1002);
        }
        else {
            $class = $DATA_CLASS[ $type - 3 ];
        }

        my $frame = $class->_create( ( $flags & 2 ) ? 1 : 0, ord( substr( $ev->[2], 1, 1 ) ), q<>, $ev->[1] );

        $self->{'_on_data_frame'}->($frame) if $self->{'_on_data_frame'};

        push @$frames, $frame;

        return bless( [ splice @$frames ], 'Net::WebSocket::Message' ) if $flags & 2;
        return undef;
    }

    if ( $type == 10 ) {    # close
        $self->{'_output'} = 1;
        my $initiator = ord substr( $ev->[2], 5, 1 );
        my $code = unpack 'S', substr( $ev->[2], 3, 2 );

        if ( $initiator == 3 ) {    # we failed the connection (a peer fault, or the heartbeat)
            return $self->_on_failure( $code, $ev->[1] );
        }

        if ( $initiator == 4 ) {    # the transport ended without a close handshake
            $self->{'_eof'} = 1;
            return undef;
        }

        my $frame = Net::WebSocket::Frame::close->_create( 1, 0, q<>,
            ( $code == 1005 ? q<> : pack( 'n', $code ) . $ev->[1] ) );
        $self->{'_close_initiator'} = $initiator;
        $self->{'_ended'} = 1;
        $self->{'_closed_now'} = 1;
        $self->{'_on_control_frame'}->($frame) if $self->{'_on_control_frame'};
        return undef;
    }

    if ( $type == 7 || $type == 8 || $type == 9 ) {    # ping, pong, application control
        $self->{'_output'} = 1 if $type == 7;
        my $op = ord $ev->[2];
        my $class = $CONTROL_CLASS{$op} // $self->{'_custom'}{$op};
        if (!$class) {
            die Net::WebSocket::X->create('ReceivedBadControlFrame', "No frame class for control opcode $op", 1002);
        }
        my $frame = $class->_create( 1, ord( substr( $ev->[2], 1, 1 ) ), q<>, $ev->[1] );
        $self->{'_on_control_frame'}->($frame) if $self->{'_on_control_frame'};
        return undef;
    }

    return undef;    # handshake events do not happen on an open connection
}

sub _on_failure {
    my ($self, $code, $why) = @_;

    $self->{'_ended'} = 1;
    $self->{'_failed'} = [ $code, $why ];

    # Our own heartbeat gave up (the endpoint knows and reports it).
    return undef if $self->{'_heartbeat_failed'};

    my $xtype = ( $why =~ m<control|ping|pong|close frame|close code>i ) ? 'ReceivedBadControlFrame'
              : ( $code == 1002 || $code == 1007 || $code == 1009 || $code == 1003 ) ? 'ReceivedBadDataFrame'
              : 'PeerFailure';

    $self->{'_on_protocol_error'}->( $xtype, $why ) if $self->{'_on_protocol_error'};

    die Net::WebSocket::X->create( $xtype, $why, $code );
}

1;
