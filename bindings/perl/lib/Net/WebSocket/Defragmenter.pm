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

What it holds is bounded: libws stops taking in input once the events it
queued reach C<max_queued> (1 MiB; see
L<Net::WebSocket::LibWS::Connection/The receive budget>), and the bytes it
did not take in yet are fed again, before anything more is read from the
reader, once the messages and control frames already decoded have been
handled. So a burst of small compressed frames that inflate to
gigabytes costs about one message and the budget at a time, not the
whole burst, even from a reader with C<read_available()> (which is asked
for 256 KiB at a time, or the rest of a larger frame).

=head1 METHODS

=head2 CLASS->new( %OPTS )

C<parser> (required), C<on_control_frame>, C<on_data_frame>,
C<on_protocol_error>, C<role>, and the libws options C<max_message>,
C<max_frame>, C<max_queued> (the receive budget: see below),
C<validate_utf8>, C<auto_pong> (default 0 here), C<echo_close_reason>
(libws's reply to a peer's close repeats its reason; the endpoints set it),
C<subprotocol> and C<extensions> (the agreed
C<Sec-WebSocket-Protocol>/C<Sec-WebSocket-Extensions> values, e.g. a
permessage-deflate agreement, which libws then applies: messages come
out inflated).

=head2 get_next_message()

Reads one frame per call, as the original did: returns a message when
that frame completes one; C<undef> after a control frame, a fragment
that does not end its message, or when the reader has no more bytes yet
(call again when it does); an empty string at end of file
or once the connection is closed. Control frames are handed to
C<on_control_frame> as they arrive. If the peer breaks the protocol,
libws fails the connection (queuing a close frame with 1002, 1007, 1009,
...): C<on_protocol_error> is called with the exception class name and the
message, then L<Net::WebSocket::X::ReceivedBadDataFrame|Net::WebSocket::X>
or C<ReceivedBadControlFrame> (or C<PeerFailure>) is thrown; C<< get('code') >>
is the close code sent.

=head2 has_pending()

Whether frames already read wait to be handled (events libws decoded
from one read, input its receive budget held back): call
C<get_next_message()> again before waiting for the reader's source. An
addition to the original's API, for readers that read ahead.

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

# Events taken per call into libws.
use constant EV_BATCH => Net::WebSocket::LibWS::Connection::_EVMAX;

my @EV_TEMPLATE = map { Net::WebSocket::LibWS::Connection::_event_template($_) } 0 .. EV_BATCH;

my @PASS_OPTS = qw( max_message max_frame max_queued validate_utf8 auto_pong max_pings allow_rsv echo_close_reason );

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
    # The ws_conn handle, for the hot path.
    $self->{'_c'} = $conn->[0];

    # Reading state (see get_next_message): at a frame's start.
    $self->{'_st'} = 0;
    $self->{'_gen'} = $conn->[Net::WebSocket::LibWS::Connection::_GEN];
    $self->{'_read_available'} = $self->{'_reader'}->can('read_available') ? 1 : 0;
    $self->_set_fast();

    return $self;
}

sub _conn { return $_[0]{'_conn'} }

# Whether what was read already holds more (events libws decoded, input
# the receive budget held back): get_next_message can go on without the
# reader having anything new.
sub has_pending {
    my ($self) = @_;
    return ( @{ $self->{'_events'} } || $self->{'_more'} || defined $self->{'_tail'} || defined $self->{'_pending'} ) ? 1 : 0;
}

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

# Takes one batch of queued events from libws onto _events, as flat
# triples (type, data or undef, info: see Net::WebSocket::LibWS::Event).
# Returns how many.
sub _take {
    my ($self) = @_;
    my $k = Net::WebSocket::LibWS::_ws_next_events( $self->{'_c'}, $Net::WebSocket::LibWS::Connection::EV_BUF, EV_BATCH );
    if ( $k <= 0 ) {
        Net::WebSocket::LibWS::_croak_rc($k, 'next_events') if $k < 0;
        return 0;
    }
    push @{ $self->{'_events'} }, unpack $EV_TEMPLATE[$k], $Net::WebSocket::LibWS::Connection::EV_VIEW;

    # A close event comes in a batch of its own (libws stops a batch
    # before it), and a full batch may have more behind it.
    $self->{'_more'} = 1 if $k == EV_BATCH || $self->{'_read_available'};
    return $k;
}

# Feeds bytes and takes the events they complete onto _events, in one call
# into libws (ws_feed_next). Returns how many events were taken.
sub _feed_take {
    my $self = $_[0];    # $_[1]: bytes
    my $b = utf8::is_utf8( $_[1] ) ? Net::WebSocket::LibWS::_bytes( $_[1] ) : $_[1];
    my $used = 0;
    my $k = Net::WebSocket::LibWS::_ws_feed_next( $self->{'_c'}, $b, length $b, \$used,
        $Net::WebSocket::LibWS::Connection::EV_BUF, EV_BATCH );
    Net::WebSocket::LibWS::_croak_rc($k, 'feed') if $k < 0;
    _hold_tail( $self, substr( $b, $used ) ) if $used < length $b;
    return 0 if !$k;
    push @{ $self->{'_events'} }, unpack $EV_TEMPLATE[$k], $Net::WebSocket::LibWS::Connection::EV_VIEW;
    $self->{'_more'} = 1 if $k == EV_BATCH || $self->{'_read_available'};
    return $k;
}

# The receive budget filled: libws did not take in these bytes. They are
# fed before anything more is read (_next_slow), once the events taken
# are handled; then ws_need leads the reading again (_st 4), as libws's
# place in the frame is no longer where the reading state says.
sub _hold_tail {
    my ($self, $tail) = @_;
    $self->{'_tail'} = $tail;
    @$self{qw( _st _want _head _fast )} = ( 4, 0, undef, 0 );
    return;
}

# Reads what libws needs, feeds it and takes the events it gives, until
# a message is complete.
#
# A read(N) reader is never asked for a byte past the current frame, and
# each frame is read in two or three reads and fed in one call:
#
#   _st 0 (a frame starts): read its 2 bytes (_next_fast). They say how
#         long the header is and, when the payload is at most 125 bytes,
#         how long the payload is: then read the rest of the frame and
#         feed the frame whole. With a 16-bit length (126), read the rest
#         of the header, which says how long the payload is (at most
#         64 KiB), then the payload, and feed the frame whole. Only that
#         much of the header is looked at in Perl: to know what to read;
#         libws decodes and checks it all. A 64-bit length (127): read
#         the rest of the header (state 2) and feed it, and ws_need (after
#         libws checked the header and the limits) says how much payload
#         follows (state 3).
#   _st 1: the rest of a frame whose first bytes (_head) were read when
#         the reader had no more yet; _st 2: the rest of a header.
#   _st 4 (generic, e.g. after a reader returned another length than
#         asked): read what ws_need says, feed it, ask again.
#
# Events (one chunk per frame) arrive when a frame ends, and a frame ends
# with the feed that completes it: every feed takes the events it
# completes in the same call into libws (ws_feed_next). A frame of up to
# 64 KiB costs two or three reads and one call into libws.
#
# A reader with read_available() is given up to READ_AHEAD bytes at once,
# and each feed takes its events the same way.
#
# _fast says that the next call may start with _next_fast: a read(N)
# reader, at a frame's start, nothing pending or queued, not ended, no
# on_data_frame. get_next_message clears it while the general loop runs
# and sets it again when that returns; the endpoint checks it first.
sub get_next_message {
    my ($self) = @_;

    if ( $self->{'_fast'} ) {
        my $msg = _next_fast($self);
        return $msg if $msg;
        return undef if defined $msg;
    }

    $self->{'_fast'} = 0;
    my $msg = $self->_next_slow();
    $self->_set_fast();
    return $msg;
}

sub _set_fast {
    my ($self) = @_;
    $self->{'_fast'} = ( !$self->{'_st'} && !$self->{'_more'} && !$self->{'_read_available'} && !defined $self->{'_pending'}
        && !defined $self->{'_tail'} && !$self->{'_eof'} && !$self->{'_ended'} && !$self->{'_failed'} && !@{ $self->{'_events'} } && !$self->{'_on_data_frame'} ) ? 1 : 0;
    return;
}

# One event, unpacked as (type, info, data): see _EV_TEMPLATE in
# Net::WebSocket::LibWS::Connection.
my $EV1 = '@4 C @4 Q< @24 J @16 x0/P';

# The common case: a frame from its start, read in two or three reads,
# fed whole and its event taken in one call (ws_feed_next). Returns a whole text
# or binary message; 0 when the reader has nothing yet (libws holds no
# event then); undef when the general loop must go on from the state this
# leaves (other events were queued, a frame was only partly read, the
# reader returned another length than asked, or a 64-bit length).
sub _next_fast {
    my $self = $_[0];

    # Something else may have changed what libws needs (the heartbeat, a
    # close): the general loop asks ws_need once.
    return undef if $self->{'_gen'} != $self->{'_conn'}[Net::WebSocket::LibWS::Connection::_GEN];

    my $reader = $self->{'_reader'};
    my $buf = $reader->read(2);
    return 0 if !defined $buf;
    if ( length($buf) != 2 ) {
        $self->{'_pending'} = $buf;
        $self->{'_fast'} = 0;
        return undef;
    }

    # The rest of the frame: payload and mask, with a 7-bit length.
    my $b1 = ord substr( $buf, 1, 1 );
    my $want = ( $b1 & 0x7F ) + ( ( $b1 & 0x80 ) >> 5 );
    if ( ( $b1 & 0x7F ) > 125 ) {
        if ( ( $b1 & 0x7F ) == 127 ) {
            # Let libws check a 64-bit length before reading any payload.
            $self->{'_pending'} = $buf;
            $self->{'_fast'} = 0;
            return undef;
        }
        # A 16-bit length: read it with the mask, then the payload.
        my $ext = $reader->read( $want - 124 );
        if ( !defined $ext || length($ext) != $want - 124 ) {
            return $self->_fast_partial( $buf, $ext, 2, $want - 124 );
        }
        $buf .= $ext;
        $want = unpack 'n', $ext;
    }
    if ($want) {
        my $rest = $reader->read($want);
        if ( !defined $rest || length($rest) != $want ) {
            return $self->_fast_partial( $buf, $rest, 1, $want );
        }
        $buf .= $rest;
    }

    # Characters (from a reader that decodes) are passed as the bytes they
    # stand for.
    $buf = Net::WebSocket::LibWS::_bytes($buf) if length($buf) != do { use bytes; length $buf };

    my $used = 0;
    my $k = Net::WebSocket::LibWS::_ws_feed_next( $self->{'_c'}, $buf, length $buf, \$used, $Net::WebSocket::LibWS::Connection::EV_BUF, EV_BATCH );
    _hold_tail( $self, substr( $buf, $used ) ) if $used < length $buf && $k >= 0;
    if ( $k == 1 ) {
        my ($type, $info, $data) = unpack $EV1, $Net::WebSocket::LibWS::Connection::EV_VIEW;
        # A whole text or binary message (flags FIRST and LAST).
        if ( ( $type == 4 || $type == 5 ) && ( $info & 0x3000000 ) == 0x3000000 && !$self->{'_on_data_frame'} ) {
            return bless [ bless( [ 1, ( $info >> 16 ) & 0xFF, q<>, $data // q<>, undef ], $DATA_CLASS[ $type - 3 ] ) ], 'Net::WebSocket::Message';
        }
        push @{ $self->{'_events'} }, $type, $data, $info;
        $self->{'_fast'} = 0;
    }
    elsif ( $k > 0 ) {
        push @{ $self->{'_events'} }, unpack $EV_TEMPLATE[$k], $Net::WebSocket::LibWS::Connection::EV_VIEW;
        $self->{'_fast'} = 0;
        $self->{'_more'} = 1 if $k == EV_BATCH;
    }
    elsif ( $k < 0 ) {
        Net::WebSocket::LibWS::_croak_rc($k, 'feed');
    }
    return undef;
}

# _next_fast read the start of a frame ($have) but not the next $want
# bytes ($got: undef or another length): keep what was read for state
# $st (1: the rest of the frame, 2: the rest of the header), or, if the
# reader returned something else than asked, feed it all and let ws_need
# lead.
sub _fast_partial {
    my ($self, $have, $got, $st, $want) = @_;

    $self->{'_fast'} = 0;
    if ( !defined $got ) {
        @$self{qw( _st _want _head )} = ( $st, $want, $have );
        return 0;
    }
    if ( !length $got ) {
        # End of file: the general loop feeds what came and ends.
        @$self{qw( _st _want _head _pending )} = ( 4, 0, $have, q<> );
        return undef;
    }
    $self->_feed_take( $have . $got );
    @$self{qw( _st _want )} = ( 4, 0 );
    return undef;
}

sub _next_slow {
    my ($self) = @_;

    my $events = $self->{'_events'};
    my $c = $self->{'_c'};
    my $conn = $self->{'_conn'};
    my $reader = $self->{'_reader'};

    while (1) {
        while (@$events) {
            # A whole text or binary message (the common case).
            if ( ( $events->[0] == 4 || $events->[0] == 5 ) && ( ( $events->[2] >> 24 ) & 3 ) == 3 && !$self->{'_on_data_frame'} ) {
                my ($type, $data, $info) = splice @$events, 0, 3;
                return bless [ bless( [ 1, ( $info >> 16 ) & 0xFF, q<>, $data // q<>, undef ], $DATA_CLASS[ $type - 3 ] ) ], 'Net::WebSocket::Message';
            }
            my $frame_event = $events->[0] >= 4 && $events->[0] <= 9;
            $self->{'_frames_handled'}++ if $frame_event;
            my $msg = $self->_handle_event( splice @$events, 0, 3 );
            return $msg if $msg;
            if ( $self->{'_closed_now'} ) {
                # The close frame: nothing more will come; this call
                # returns undef, the next ones an empty string.
                $self->{'_closed_now'} = 0;
                return undef;
            }
            # One frame per call, as the original: a control frame or a
            # fragment that did not end a message makes this call undef.
            return undef if $frame_event;
        }

        # Events libws may still hold (a close event comes in a batch of its own).
        if ( $self->{'_more'} ) {
            $self->{'_more'} = 0;
            next if $self->_take();
        }

        return q<> if $self->{'_eof'} || $self->{'_ended'};

        # Input the receive budget held back goes in before anything is read.
        if ( defined $self->{'_tail'} ) {
            $self->_feed_take( delete $self->{'_tail'} );
            next;
        }
        return $self->_end_of_input() if delete $self->{'_reader_eof'};

        if ( $self->{'_read_available'} ) {
            my $need = Net::WebSocket::LibWS::_ws_need($c);
            Net::WebSocket::LibWS::_croak_rc($need, 'need') if $need < 0;
            if ( !$need ) {
                next if $self->_take();
                $self->{'_ended'} = 1;
                return q<>;
            }
            my $bytes = $reader->read_available( $need > READ_AHEAD ? $need : READ_AHEAD );
            if ( !defined $bytes ) {
                next if $self->_take();
                return undef;
            }
            return $self->_end_of_input() if !length $bytes;
            $self->_feed_take($bytes);
            next;
        }

        # ---- A read(N) reader.

        my $st = $self->{'_st'};

        # The common case: a frame from its start (see _next_fast).
        if ( !$st && !defined $self->{'_pending'} && $self->{'_gen'} == $conn->[Net::WebSocket::LibWS::Connection::_GEN] ) {
            my $msg = _next_fast($self);
            return $msg if $msg;
            if ( defined $msg ) {
                # Nothing to read yet: make sure libws holds no event either.
                next if !$self->{'_st'} && $self->_take();
                return undef;
            }
            next;
        }

        my $want;
        if ( !$st ) {
            # Something else may have changed what libws needs (the
            # heartbeat, a close): ask it once.
            if ( $self->{'_gen'} != $conn->[Net::WebSocket::LibWS::Connection::_GEN] ) {
                $self->{'_gen'} = $conn->[Net::WebSocket::LibWS::Connection::_GEN];
                my $need = Net::WebSocket::LibWS::_ws_need($c);
                Net::WebSocket::LibWS::_croak_rc($need, 'need') if $need < 0;
                if ( !$need ) {
                    next if $self->_take();
                    $self->{'_ended'} = 1;
                    return q<>;
                }
                $self->{'_st'} = $st = 4 if $need != 2;    # not at a frame's start after all
            }
            $want = $st ? $self->{'_want'} // 0 : 2;
        }
        else {
            $want = $self->{'_want'};
        }
        if ( $st == 4 && !$want ) {
            $want = Net::WebSocket::LibWS::_ws_need($c);
            Net::WebSocket::LibWS::_croak_rc($want, 'need') if $want < 0;
            if ( !$want ) {
                next if $self->_take();
                $self->{'_ended'} = 1;
                return q<>;
            }
            $self->{'_want'} = $want;
        }

        my $bytes = defined $self->{'_pending'} ? delete $self->{'_pending'} : $reader->read($want);
        if ( !defined $bytes ) {
            # Nothing to read yet: make sure libws holds no event either.
            next if $self->_take();
            return undef;
        }
        if ( !length $bytes ) {
            # The end, after what was read of a frame (and what libws holds back of it).
            if ( defined $self->{'_head'} ) {
                $self->_feed_take( delete $self->{'_head'} );
                $self->{'_reader_eof'} = 1;
                next;
            }
            return $self->_end_of_input();
        }
        if ( length($bytes) != $want ) {
            # Not what was asked: feed it, and let ws_need lead from here.
            $self->_feed_take( ( delete( $self->{'_head'} ) // q<> ) . $bytes );
            $self->{'_st'} = 4;
            $self->{'_want'} = 0;
            next;
        }

        if ( !$st ) {
            # A frame's first 2 bytes.
            my $b1 = ord substr( $bytes, 1, 1 );
            my $l7 = $b1 & 0x7F;
            my $mask = ( $b1 & 0x80 ) ? 4 : 0;
            if ( $l7 < 126 ) {
                if ( $mask + $l7 ) {
                    @$self{qw( _st _want _head )} = ( 1, $mask + $l7, $bytes );
                    next;
                }
                $self->_feed_take($bytes);    # an empty unmasked frame: complete already
            }
            else {
                @$self{qw( _st _want _head )} = ( 2, $mask + ( $l7 == 126 ? 2 : 8 ), $bytes );
                next;
            }
        }
        elsif ( $st == 1 ) {
            # The rest of a small frame: feed the frame whole.
            my $frame = $self->{'_head'} . $bytes;
            @$self{qw( _st _head )} = ( 0, undef );
            $self->_feed_take($frame);
        }
        elsif ( $st == 2 ) {
            # The rest of a longer frame's header: libws checks it, then
            # says how much payload follows.
            my $hdr = $self->{'_head'} . $bytes;
            $self->{'_head'} = undef;
            $self->_feed_take($hdr);
            next if defined $self->{'_tail'};
            my $need = Net::WebSocket::LibWS::_ws_need($c);
            Net::WebSocket::LibWS::_croak_rc($need, 'need') if $need < 0;
            if ( $need > 0 && $need != 2 ) {
                @$self{qw( _st _want )} = ( 3, $need );
                next;
            }
            # Refused (0), or an empty payload after all: the frame ended.
            $self->{'_st'} = $need ? 0 : 4;
            $self->{'_want'} = 0;
        }
        elsif ( $st == 3 ) {
            # The payload: the frame ends with it.
            $self->{'_st'} = 0;
            $self->_feed_take($bytes);
        }
        else {
            # Generic: ws_need led; a frame ended if libws needs a new
            # frame's 2 bytes (or nothing) next.
            my $k = $self->_feed_take($bytes);
            next if defined $self->{'_tail'};
            my $need = Net::WebSocket::LibWS::_ws_need($c);
            Net::WebSocket::LibWS::_croak_rc($need, 'need') if $need < 0;
            $self->{'_want'} = $need;
            next if $need != 2 && $need;
            # An event (this feed took every event libws had) proves that
            # a frame ended here: back to the fast states.
            @$self{qw( _st _want )} = ( 0, 0 ) if $need == 2 && $k;
            next;
        }

        # A frame ended, and the feed took its event.
    }
}

# The reader said end of file.
sub _end_of_input {
    my ($self) = @_;
    $self->{'_conn'}->feed_eof();
    $self->{'_eof'} = 1;
    $self->_take();
    $self->{'_more'} = 1;
    return $self->get_next_message() if @{ $self->{'_events'} };
    $self->{'_ended'} = 1;
    return q<>;
}

# Returns a message if this event (type, data, info) completed one.
sub _handle_event {
    my ($self, $type, $data, $info) = @_;

    $data //= q<>;

    if ( $type >= 4 && $type <= 6 ) {    # text, binary, application data
        my $frames = $self->{'_frames'};
        my $class;
        if (@$frames) {
            $class = $DATA_CLASS[0];
        }
        elsif ( $type == 6 ) {
            my $op = ( $info >> 8 ) & 0xFF;
            $class = $self->{'_custom'}{$op} or die Net::WebSocket::X->create('ReceivedBadDataFrame', "No frame class for opcode $op", 1002);
        }
        else {
            $class = $DATA_CLASS[ $type - 3 ];
        }

        my $last = ( $info >> 25 ) & 1;    # WS_EVF_LAST
        my $frame = bless [ $last, ( $info >> 16 ) & 0xFF, q<>, $data, undef ], $class;

        $self->{'_on_data_frame'}->($frame) if $self->{'_on_data_frame'};

        push @$frames, $frame;

        return bless( [ splice @$frames ], 'Net::WebSocket::Message' ) if $last;
        return undef;
    }

    if ( $type == 10 ) {    # close
        $self->{'_output'} = 1;
        my $initiator = ( $info >> 48 ) & 0xFF;
        my $code = Net::WebSocket::LibWS::Event::_code_of($info);

        if ( $initiator == 3 ) {    # we failed the connection (a peer fault, or the heartbeat)
            return $self->_on_failure( $code, $data );
        }

        if ( $initiator == 4 ) {    # the transport ended without a close handshake
            $self->{'_eof'} = 1;
            return undef;
        }

        my $frame = Net::WebSocket::Frame::close->_create( 1, 0, q<>,
            ( $code == 1005 ? q<> : pack( 'n', $code ) . $data ) );
        $self->{'_close_initiator'} = $initiator;
        $self->{'_ended'} = 1;
        $self->{'_closed_now'} = 1;
        $self->{'_on_control_frame'}->($frame) if $self->{'_on_control_frame'};
        return undef;
    }

    if ( $type == 7 || $type == 8 || $type == 9 ) {    # ping, pong, application control
        $self->{'_output'} = 1 if $type == 7;
        my $op = ( $info >> 8 ) & 0xFF;
        my $class = $CONTROL_CLASS{$op} // $self->{'_custom'}{$op};
        if (!$class) {
            die Net::WebSocket::X->create('ReceivedBadControlFrame', "No frame class for control opcode $op", 1002);
        }
        my $frame = $class->_create( 1, ( $info >> 16 ) & 0xFF, q<>, $data );
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

    # The original's classes: control-frame faults, and a continuation
    # frame outside a fragmented message (which it also reported as
    # ReceivedBadControlFrame), are ReceivedBadControlFrame; so are the
    # reserved control opcodes 11-15 (RFC 6455 §5.2).
    my $xtype = ( $why =~ m<control|ping|pong|close frame|close code|continuation frame without|reserved opcode 1[1-5]\b>i ) ? 'ReceivedBadControlFrame'
              : ( $code == 1002 || $code == 1007 || $code == 1009 || $code == 1003 ) ? 'ReceivedBadDataFrame'
              : 'PeerFailure';

    $self->{'_on_protocol_error'}->( $xtype, $why ) if $self->{'_on_protocol_error'};

    die Net::WebSocket::X->create( $xtype, $why, $code );
}

1;
