package NWDemo::Session;

# One server connection's select() loop, with memory bounded whatever
# the peer sends or fails to read (as Python's websockets bounds its
# receive queue, max_queue=16; the Python binding's helpers add
# max_queue_bytes, 16 MiB, which this follows):
#
# - messages the endpoint returns wait for the application (on_message)
#   in a queue of at most max_queue messages and max_queue_bytes bytes
#   (one message is always let in, whatever its size); each is handed
#   over as soon as the output has room, so the queue fills only while
#   the peer does not read;
# - the socket is read only while that queue has room and the unsent
#   output is below high_water (the reader's gate), so a peer that sends
#   without reading our answers fills the kernel's socket buffers, and
#   then waits, instead of filling our memory;
# - answers are made only while the unsent output is below high_water;
# - the heartbeat pings only while the loop waits to read (a peer whose
#   messages we do not read is not idle).
#
# A connection then holds at most about max_queue_bytes plus one message
# (at most max_message) in the queue, libws's receive budget (1 MiB) and
# the message it is assembling, and high_water plus one read's worth of
# output.

use strict;
use warnings;

use Time::HiRes ();

use NWDemo ();
use NWDemo::Output ();

use Net::WebSocket::Endpoint::Server ();
use Net::WebSocket::Parser ();

use constant { MAX_QUEUE => 16, MAX_QUEUE_BYTES => 16 << 20, HIGH_WATER => 65536, DRAIN_SECONDS => 10 };

# new( sock => SOCKET, pre => BYTES READ PAST THE HEAD, handshake => HSK,
#      on_message => sub { my ($session, $msg) = @_; ... },
#      [ on_timer => sub { my ($session) = @_; ...; return SECONDS_TO_NEXT or undef } ],
#      [ max_queue => N ], [ max_queue_bytes => BYTES ], [ high_water => BYTES ],
#      [ max_message => BYTES ], [ heartbeat => SECONDS ] )
sub new {
    my ($class, %opts) = @_;

    my $self = bless { %opts, queue => [], queued => 0 }, $class;
    $self->{'max_queue'}       ||= MAX_QUEUE;
    $self->{'max_queue_bytes'} ||= MAX_QUEUE_BYTES;
    $self->{'high_water'}      ||= HIGH_WATER;

    my $out = $self->{'out'} = NWDemo::Output->new( $opts{'sock'} );
    my $hw = $self->{'high_water'};
    my $reader = $self->{'reader'} = NWDemo::Reader->new( $opts{'sock'}, $opts{'pre'}, gate => sub { $out->pending() < $hw } );

    $self->{'ept'} = Net::WebSocket::Endpoint::Server->new(
        parser    => Net::WebSocket::Parser->new($reader),
        out       => $out,
        handshake => $opts{'handshake'},    # libws inflates what the client compressed
        ( $opts{'max_message'} ? ( max_message => $opts{'max_message'} ) : () ),
    );
    $self->{'ept'}->do_not_die_on_close();

    return $self;
}

sub endpoint { return $_[0]{'ept'} }

# For the application: sends bytes (never waits).
sub send { return $_[0]{'out'}->send( $_[1] ) }

# Whether the application may make more output now.
sub output_room { return $_[0]{'out'}->unsent() < $_[0]{'high_water'} }

# Whether the queue takes another message: always when it is empty.
sub _queue_room {
    my ($self) = @_;
    return !@{ $self->{'queue'} }
        || ( @{ $self->{'queue'} } < $self->{'max_queue'} && $self->{'queued'} < $self->{'max_queue_bytes'} );
}

sub _done {
    my ($self) = @_;
    return $self->{'eof'} || $self->{'failed'} || $self->{'ept'}->is_closed();
}

# Takes a message into the queue if it has room (the reader's gate keeps
# the socket unread while the output is above the high-water mark: then
# only what was read already comes in). Output the endpoint makes
# meanwhile (a close frame above all) waits behind the answers of the
# messages queued before it. Returns whether a message was queued.
sub _take {
    my ($self) = @_;
    my ( $q, $out ) = @$self{qw( queue out )};
    return 0 if !$self->_queue_room() || $self->_done();
    $out->hold() if @$q;
    # get_next_message reads one frame per call (undef after a ping or a
    # fragment): go on while that makes progress (the reader's buffer
    # changed, or the endpoint holds decoded frames); if it still does
    # after 64 frames, say so, so that run() comes back without waiting.
    my ( $msg, $progress );
    my $buf = \$self->{'reader'}{'buf'};
    for ( 1 .. 64 ) {
        my $before = length $$buf;
        $msg = eval { $self->{'ept'}->get_next_message() };
        last if defined $msg || $@;
        # (A close frame ends it: the endpoint has nothing more to read.)
        return 0 if $self->{'ept'}->is_closed();
        $progress = length($$buf) != $before || $self->{'ept'}->has_pending();
        last if !$progress;
    }
    if ( !defined $msg ) {
        if ($@) {
            warn "connection failed: $@";
            $self->{'failed'} = 1;
            return 0;
        }
        return $progress ? 1 : 0;
    }
    if ( !ref $msg ) {    # end of file
        $self->{'eof'} = 1;
        return 0;
    }
    my $size = 0;
    $size += length $_->get_payload() for $msg->get_frames();
    push @$q, [ $msg, $size ];
    $self->{'queued'} += $size;
    return 1;
}

sub _answer {
    my ($self) = @_;
    my ($msg, $size) = @{ shift @{ $self->{'queue'} } };
    $self->{'queued'} -= $size;
    $self->{'on_message'}->( $self, $msg );
    return;
}

sub run {
    my ($self) = @_;

    # A peer that went away makes writes fail (EPIPE), not kill us.
    local $SIG{'PIPE'} = 'IGNORE';

    my ( $q, $out, $ept ) = @$self{qw( queue out ept )};
    my $fileno = fileno $self->{'sock'};
    my $idle = $self->{'heartbeat'} || undef;

    while ( !$out->dead() ) {
        # The application answers while the output has room.
        $self->_answer() while @$q && $self->output_room() && !$out->dead();
        $out->release() if !@$q;
        last if !@$q && $self->_done();

        next if $self->_take();

        my $wait = $idle;
        my $timer = $self->{'on_timer'} ? $self->{'on_timer'}->($self) : undef;
        $wait = $timer if defined $timer && ( !defined $wait || $timer < $wait );

        my $read = !$self->_done() && $self->_queue_room() && $out->pending() < $self->{'high_water'};
        my ( $rin, $win ) = ( q<>, q<> );
        vec( $rin, $fileno, 1 ) = 1 if $read;
        vec( $win, $fileno, 1 ) = 1 if $out->unsent();
        next if !$read && !$out->unsent() && !defined $wait;

        my $n = select( my $rout = $rin, my $wout = $win, undef, $wait );
        if ( $n > 0 ) {
            $out->flush() if $out->unsent();
        }
        elsif ( $n == 0 && $read && $idle && ( !defined $timer || $timer >= $idle ) ) {
            # Nothing arrived for a heartbeat interval while we waited for it.
            $ept->check_heartbeat();
        }
    }

    $out->drain(DRAIN_SECONDS);
    return;
}

1;
