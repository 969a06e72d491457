package Net::WebSocket::LibWS::Connection;

use strict;
use warnings;

our $VERSION = '1.000';

=encoding utf-8

=head1 NAME

Net::WebSocket::LibWS::Connection - a sans-IO WebSocket connection (libws)

=head1 SYNOPSIS

    use Net::WebSocket::LibWS::Connection ();

    # A server connection that does the opening handshake itself:
    my $conn = Net::WebSocket::LibWS::Connection->new_server(
        deflate      => 1,                  # accept permessage-deflate
        subprotocols => ['chat'],
        max_message  => 16 * 1024 * 1024,
    );

    while (1) {
        my $n = sysread $sock, my $buf, 65536;
        my @events;
        if ($n) { @events = $conn->feed_events($buf) }   # feed + next_events
        else    { $conn->feed_eof(); @events = $conn->next_events() }

        # Events are bounded by max_queued: what libws did not take in
        # yet is fed again by next_events, once you took the first ones.

        while (@events) {
            for my $ev (@events) {
                if ($ev->type eq 'text')      { $conn->send_text( $ev->data ) }
                elsif ($ev->type eq 'close')  { printf "closed: %d\n", $ev->code }
            }
            @events = $conn->next_events();
        }

        my $out = $conn->output();
        my $w = length($out) ? syswrite($sock, $out) : 0;
        $conn->consume($w) if $w;
        last if $conn->hint == Net::WebSocket::LibWS::WS_HINT_CLOSE
            && $w == length $out;
    }

=head1 DESCRIPTION

This is libws's connection (C<ws_conn> in C<ws.h>) in Perl form: it does
no I/O. You feed it the bytes you read from your transport and take
events; you send messages and write the bytes it queues. Pongs and the
reply to a close frame are queued for you (and still reported as events);
a peer that breaks the protocol makes the connection fail with the right
close code (a C<close> event whose C<initiator> is C<failure>), after
every message that arrived intact.

Payloads are byte strings both ways: text messages arrive as UTF-8 bytes
(validated) and are sent as UTF-8 bytes. A string with Perl's UTF-8 flag
is downgraded first (a wide character throws).

All methods throw L<Net::WebSocket::X::LibWS|Net::WebSocket::X> (with
C<get('code')>, a C<WS_E_*> value) on failure, except where noted;
L<Net::WebSocket::X::Forked|Net::WebSocket::X> in a child process of the
one that loaded libws.

=head1 CONSTRUCTORS

=head2 new_server( %OPTS )

A server connection waiting for the client's opening request: feed the
bytes you read. A valid request gives a C<request> event and (unless
C<manual_accept>) the 101 response is queued and C<open> follows; an
invalid one is answered with 400, 426 or 431 and gives C<rejected>.

=head2 new_client( URL, %OPTS )

A client connection for URL (C<ws://host[:port]/path?query> or
C<wss://...>; TLS is yours to do). The opening request is queued at once.

=head2 new_open( role => 'server'|'client', subprotocol => S, extensions => E, %OPTS )

A connection already open, for programs that did the HTTP handshake
themselves. C<subprotocol> and C<extensions> are the values of the 101
response's C<Sec-WebSocket-Protocol> and C<Sec-WebSocket-Extensions>
fields; a permessage-deflate element there is applied.

=head2 Options

Limits (0 restores the default, -1 means unlimited where allowed):
C<max_message> (64 MiB, after inflating), C<max_frame> (64 MiB),
C<max_output> (64 MiB of unsent output: data sends then fail),
C<max_queued> (1 MiB: the receive budget, see L</INPUT>),
C<max_handshake> (16 KiB), C<max_headers> (100).

Receiving: C<streaming> (deliver data in chunks as it arrives),
C<chunk_per_frame> (with streaming: one chunk per frame),
C<validate_utf8> (default 1), C<auto_pong> (default 1), C<max_pings>
(unanswered heartbeat pings before closing with 1008; default 3).

Closing: C<echo_close_reason> (default 0, as libws: the reply to a peer's
close repeats its code only, as RFC 6455 §5.5.1 says is typical; 1: its
reason too, as the original Net::WebSocket's endpoints did, and as
L<Net::WebSocket::Endpoint::Server> sets it).

Handshake: C<subprotocols> (array reference: offered by a client in this
order, supported by a server), C<headers> (array reference of name/value
pairs added to the request or the 101 response), C<origin> (client),
C<manual_accept> (server: stop at the C<request> event until C<accept> or
C<reject>), C<extension_offers> (client: raw C<Sec-WebSocket-Extensions>
offers for application extensions).

permessage-deflate: C<< deflate => 1 >> or C<< deflate => { ... } >> with
C<server_no_context_takeover>, C<client_no_context_takeover>,
C<server_max_window_bits>, C<client_max_window_bits> (8..15),
C<level> (1..9), C<min_size> (messages shorter than this are sent
uncompressed; default 32; -1 compresses everything), C<required>,
C<offers> (client: fallback offers, each an array reference
C<[server_nct, client_nct, server_mwb, client_mwb]> or a hash reference
with those names).

Application extensions: C<allow_rsv> (a bit set of RSV bits: 4, 2, 1),
C<allow_opcodes> (a bit set C<< 1 << opcode >> of reserved opcodes).

=head1 INPUT

=over

=item C<feed(BYTES)> - bytes read from the transport, in any chunking.

=item C<feed_eof()> - the transport ended.

=item C<pending_input()> - how many bytes fed are held back, waiting for
you to take events (see L</The receive budget>); 0 normally.

=item C<need()> - how many more bytes the connection needs to make
progress (what a blocking C<read(N)> should ask for); 0 once nothing more
will be read. It does not count input held back.

=item C<feed_request(METHOD, TARGET, PROTOCOL, [NAME => VALUE, ...])> -
server: a request head your HTTP code parsed.

=item C<feed_response(STATUS, REASON, [NAME => VALUE, ...])> - client: a
response head your HTTP code parsed.

=back

=head2 The receive budget

What libws holds for you - events queued and not yet taken, and the
message being assembled - is bounded by C<max_queued> (1 MiB), however
much you feed at once: once the queued events reach it, libws stops
consuming input (C<ws_feed_next> in C<ws.h>). The connection keeps the
bytes libws did not consume, in order, and feeds them again, before
anything fed later and before the end of input, as soon as you have
taken the queued events: the calls that take events (C<next_events>,
C<next_event>, C<feed_events> and the C<_raw> forms) and the calls that
look at them (C<peek_event>, C<pending_events>) do it. So the usual loop
loses nothing and needs no change:

    $conn->feed($bytes);
    while ( my @events = $conn->next_events() ) { ... }

Taking the events is what lets input in. A program that feeds again
before it has taken the events makes the connection keep that input too
(in Perl, as a copy): to bound your memory, stop reading your transport
while C<pending_input()> is not 0, take the events, and read on.

=head1 EVENTS

=over

=item C<next_events([MAX])> - the next batch of queued events (up to MAX,
at most and by default 256: one call into the library). A C<close> event
always starts a batch of its own: a batch stops just before it, so that
you can answer the messages that came before the close, whose reply
libws queues when you take it. Loop until it returns nothing:

    while ( my @events = $conn->next_events() ) { ... }

=item C<feed_events(BYTES, [MAX])> - C<feed(BYTES)> then
C<next_events(MAX)> in one call into the library (C<ws_feed_next>):
the first batch of events once BYTES are fed (as far as the receive
budget lets them in). Take the rest with C<next_events> as above, which
also feeds what the budget held back:

    my @events = $conn->feed_events($bytes);
    while (@events) {
        ...;
        @events = $conn->next_events();
    }

If feeding fails it throws, as C<feed> does, and no event is taken.

=item C<next_events_raw([MAX])>, C<feed_events_raw(BYTES, [MAX])> - the
same, as one flat list of (type code, data or undef, info) per event
instead of event objects (C<Net::WebSocket::LibWS::Event-E<gt>new_raw>
makes one of a triple).

=item C<next_event()> - the next event, or undef.

=item C<peek_event()> - the type code (C<WS_EV_*>) of the next queued
event without taking it, or 0 if none is queued (C<ws_peek_event>). Taking
a C<close> event queues libws's close reply; peeking never does, so a
program can first answer what came before it.

=item C<pending_events()> - how many are queued.

=back

An event is a C<Net::WebSocket::LibWS::Event>, a blessed array reference
with these accessors:

=over

=item C<type> - C<request>, C<open>, C<rejected>, C<text>, C<binary>,
C<data>, C<ping>, C<pong>, C<control>, C<close>.

=item C<type_code> - the C<WS_EV_*> number (also C<< $ev->[0] >>).

=item C<data> - payload, close reason or rejection reason (also
C<< $ev->[1] >>); a byte string.

=item C<flags> - C<WS_EVF_*> bits; C<is_first>, C<is_last>,
C<is_compressed>.

=item C<opcode>, C<rsv> - the frame's opcode and application RSV bits.

=item C<code> - the close code (C<close>) or the HTTP status (C<rejected>).

=item C<initiator> - for C<close>: C<peer>, C<us>, C<failure> or
C<abnormal>; C<initiator_code> gives the C<WS_CLOSED_*> number.

=back

=head1 SENDING

Each returns true on success. A data send into a full output queue
(C<max_output>) returns false and queues nothing: write the output first.

=over

=item C<send_text(BYTES)>, C<send_binary(BYTES)> - a whole message in one
frame (compressed with permessage-deflate unless shorter than C<min_size>).

=item C<send(OPCODE_OR_TYPE, BYTES, [FLAGS])> - FLAGS: C<WS_SEND_NO_COMPRESS>,
C<WS_SEND_COMPRESS>.

=item C<begin_message(OPCODE_OR_TYPE, [FLAGS])>, C<send_fragment(BYTES, FINAL)> -
a message in fragments; pings, pongs and a close may go between them.

=item C<send_frame(OPCODE, RSV, FIN, BYTES)> - a raw frame for
application extensions that claimed opcodes or RSV bits.

=item C<ping([BYTES])>, C<pong([BYTES])> - up to 125 bytes.

=item C<close([CODE, [REASON]])> - starts the closing handshake (CODE
defaults to 1000; 0 sends a close frame without a code).

=item C<heartbeat([PAYLOAD])> - call when the connection has been idle
for your interval: sends a unique ping, or after C<max_pings> unanswered
ones fails the connection with 1008 "Unanswered ping(s): N" (a C<close>
event). Returns false when the connection is already closing or closed.
With PAYLOAD (bytes, at most 125; C<ws_heartbeat_with>) the ping carries
it instead of libws's counter: make each one unique. A pong that echoes
any of the last 16 outstanding payloads answers them all.

=item C<unanswered_pings()>

=back

=head1 OUTPUT AND STATE

=over

=item C<output()> - the bytes waiting to be written (a copy).

=item C<consume(N)> - marks the first N bytes as written.

=item C<take_output()> - output() and consume() of all of it.

=item C<state()> - C<WS_STATE_*> (1 connecting, 2 open, 3 closing, 4 closed);
C<is_open()>, C<is_closed()>.

=item C<hint()> - C<WS_HINT_*>: 0 keep the transport open, 1 you may
shut down writing, 2 close it (once the output is written).

=item C<failure()> - why the connection failed, or empty string.

=item C<subprotocol()>, C<extensions()> - what was agreed.

=item C<deflate_params()> - a hash reference of the agreed permessage-deflate
parameters, or undef if it is not in use.

=item C<memory()>, C<shrink()> - bytes held; release idle buffers.

=back

=head1 SERVER HANDSHAKE

After the C<request> event: C<request_method>, C<request_target>,
C<request_host>, C<request_origin>, C<request_header(NAME, [INDEX])>,
C<request_subprotocols> (list), C<request_extensions> (list of offer
strings). With C<manual_accept>:
C<< accept( subprotocol => S, extensions => E, headers => [...] ) >> and
C<< reject( STATUS, BODY, headers => [...] ) >>.

Client: C<response_status()>.

=cut

use FFI::Platypus::Buffer ();

use Net::WebSocket::LibWS ();
use Net::WebSocket::X ();

use constant {
    _C      => 0,    # ws_conn handle
    _PID    => 1,    # process that made it
    _TAIL   => 2,    # input libws did not consume (the receive budget filled), or undef
    _EOF    => 3,    # the end of input, to feed once _TAIL is consumed
    _ROLE   => 4,
    _GEN    => 5,    # counts calls that may change what ws_need says (close, heartbeat, ...)

    _EVMAX    => 256,
    _EVSIZE   => 32,
};

my %TYPE_OPCODE = ( text => 1, binary => 2, continuation => 0 );

my %ROLE = ( client => 1, server => 2 );

# The ws_event array that ws_next_events fills: one for the process (each
# batch is decoded right after the call that took it, so connections can
# share it), _EVMAX events, and $EV_VIEW a read-only scalar over it.
our ($EV_BUF, $EV_VIEW);

sub _event_array {
    require FFI::Platypus::Memory;
    my $buf = FFI::Platypus::Memory::malloc( _EVMAX * _EVSIZE );
    FFI::Platypus::Memory::memset( $buf, 0, _EVMAX * _EVSIZE );
    # ws_event.size of the first element: libws reads the stride from it.
    my $size = pack 'L', _EVSIZE;
    FFI::Platypus::Memory::memcpy( $buf, FFI::Platypus::Buffer::scalar_to_pointer($size), 4 );
    FFI::Platypus::Buffer::window( $EV_VIEW, $buf, _EVMAX * _EVSIZE );
    $EV_BUF = $buf;
    return;
}

# A new interpreter thread makes its own.
sub CLONE { $EV_BUF = $EV_VIEW = undef; return }

sub _new_from_config {
    my ($class, $role, $opts, $make) = @_;

    my $cfg = Net::WebSocket::LibWS::_config( $role, $opts );
    my $c;
    my $rc = $make->($cfg, \$c);
    Net::WebSocket::LibWS::_ws_config_free($cfg);
    Net::WebSocket::LibWS::_croak_rc($rc, 'connection') if $rc < 0;

    _event_array() if !$EV_BUF;

    return bless [ $c, $$, undef, undef, $role, 0 ], $class;
}

sub new_server {
    my ($class, %opts) = @_;
    Net::WebSocket::LibWS::_ensure();
    require FFI::Platypus::Memory;
    return $class->_new_from_config( 2, \%opts, sub { Net::WebSocket::LibWS::_ws_server_new($_[0], $_[1]) } );
}

sub new_client {
    my ($class, $url, %opts) = @_;
    Net::WebSocket::LibWS::_ensure();
    require FFI::Platypus::Memory;
    if (!defined $url) {
        die Net::WebSocket::X->create('BadArg', url => $url, 'A client needs a ws:// or wss:// URL');
    }
    return $class->_new_from_config( 1, \%opts, sub { Net::WebSocket::LibWS::_ws_client_new($_[0], "$url", $_[1]) } );
}

sub new_open {
    my ($class, %opts) = @_;
    Net::WebSocket::LibWS::_ensure();
    require FFI::Platypus::Memory;
    my $role = delete $opts{'role'} // 'server';
    my $role_n = $ROLE{$role} or die Net::WebSocket::X->create('BadArg', role => $role, 'Must be “server” or “client”');
    my $sp = delete $opts{'subprotocol'};
    my $x = delete $opts{'extensions'};
    $sp = defined $sp ? "$sp" : undef;
    $x = defined $x ? "$x" : undef;
    return $class->_new_from_config( $role_n, \%opts, sub { Net::WebSocket::LibWS::_ws_conn_new_open($_[0], $sp, $x, $_[1]) } );
}

sub DESTROY {
    my ($self) = @_;
    return if ${^GLOBAL_PHASE} eq 'DESTRUCT';
    return if !$self->[_C] || $self->[_PID] != $$;
    Net::WebSocket::LibWS::_ws_conn_free( $self->[_C] );
    $self->[_C] = undef;
    return;
}

sub role { return $_[0][_ROLE] == 1 ? 'client' : 'server' }

sub _fail {
    my ($rc, $what) = @_;
    Net::WebSocket::LibWS::_croak_rc($rc, $what);
}

#----------------------------------------------------------------------
# Input

# The receive budget (max_queued): libws stops consuming input once the
# events it queued and nobody took reach it, and says how much it left.
# Those bytes wait in _TAIL, with any input fed after them, and are fed
# again when no event is queued (in _feed_held, from the calls that take
# events); the end of input waits behind them too (_EOF).

sub feed {
    my $self = $_[0];
    $self->[_GEN]++;
    return _hold( $self, $_[1] ) if defined $self->[_TAIL];
    my $b = utf8::is_utf8( $_[1] ) ? Net::WebSocket::LibWS::_bytes( $_[1] ) : $_[1] // q<>;
    my $left = Net::WebSocket::LibWS::_ws_feed( $self->[_C], $b, length $b );
    _fail($left, 'feed') if $left < 0;
    $self->[_TAIL] = substr( $b, -$left ) if $left;
    return 1;
}

# Input that comes after the bytes held back.
sub _hold {
    my $self = $_[0];
    die Net::WebSocket::X->create('LibWS', Net::WebSocket::LibWS::WS_E_STATE(), 'feed after the end of input', 'feed') if $self->[_EOF];
    $self->[_TAIL] .= Net::WebSocket::LibWS::_bytes( $_[1] // q<> );
    return 1;
}

sub feed_eof {
    $_[0][_GEN]++;
    if ( defined $_[0][_TAIL] ) {
        $_[0][_EOF] = 1;
        return 1;
    }
    my $rc = Net::WebSocket::LibWS::_ws_feed_eof( $_[0][_C] );
    # WS_E_CLOSED (-11): fed before, nothing changed; calling again is harmless here.
    _fail($rc, 'feed_eof') if $rc < 0 && $rc != -11;
    return 1;
}

sub pending_input { return defined $_[0][_TAIL] ? length $_[0][_TAIL] : 0 }

# Called when libws has no event queued: feeds the input held back and
# takes up to $max of the events that gives (ws_feed_next); once all of
# it is consumed, the end of input, if it waits. Returns the number of
# events taken, or a negative WS_E_* code.
sub _feed_held {
    my ($self, $max) = @_;
    if ( defined $self->[_TAIL] ) {
        my $used = 0;
        my $k = Net::WebSocket::LibWS::_ws_feed_next( $self->[_C], $self->[_TAIL], length $self->[_TAIL], \$used, ( $max ? $EV_BUF : undef ), $max );
        return $k if $k < 0;
        if ( $used < length $self->[_TAIL] ) { substr( $self->[_TAIL], 0, $used, q<> ) }
        else                                  { $self->[_TAIL] = undef }
        # Events were taken: the end of input waits for the next call, as
        # feeding it would free their data before they are decoded.
        return $k if $k;
        return 0 if defined $self->[_TAIL];
    }
    return 0 if !$self->[_EOF];
    $self->[_EOF] = undef;
    my $rc = Net::WebSocket::LibWS::_ws_feed_eof( $self->[_C] );
    $rc = 0 if $rc == -11;    # WS_E_CLOSED: fed before
    return $rc if $rc < 0 || !$max;
    return Net::WebSocket::LibWS::_ws_next_events( $self->[_C], $EV_BUF, $max );
}

sub need {
    my $n = Net::WebSocket::LibWS::_ws_need( $_[0][_C] );
    _fail($n, 'need') if $n < 0;
    return $n;
}

sub _pairs {
    my ($kv) = @_;
    my (@n, @v);
    my @kv = @{ $kv || [] };
    while (my ($k, $v) = splice @kv, 0, 2) {
        push @n, "$k";
        push @v, defined $v ? "$v" : '';
    }
    return (\@n, \@v);
}

sub feed_request {
    $_[0][_GEN]++;
    my ($self, $method, $target, $proto, $headers) = @_;
    my ($n, $v) = _pairs($headers);
    my $rc = Net::WebSocket::LibWS::_ws_feed_request( $self->[_C], "" . ($method // ''), "" . ($target // ''), "" . ($proto // ''), $n, $v, scalar @$n );
    _fail($rc, 'feed_request') if $rc < 0;
    return 1;
}

sub feed_response {
    $_[0][_GEN]++;
    my ($self, $status, $reason, $headers) = @_;
    my ($n, $v) = _pairs($headers);
    my $rc = Net::WebSocket::LibWS::_ws_feed_response( $self->[_C], $status // 0, defined $reason ? "$reason" : undef, $n, $v, scalar @$n );
    _fail($rc, 'feed_response') if $rc < 0;
    return 1;
}

#----------------------------------------------------------------------
# Events

# One call into libws takes up to _EVMAX events and one unpack decodes the
# whole batch, data included: for each event the type, its data (read at
# the data pointer, "x0/P" taking the length just unpacked as the count),
# and bytes 4..11 of the C event (type, opcode, rsv, flags, code,
# initiator) as one integer that the accessors decode.
my $EV_TEMPLATE = '(@4 C @24 J @16 x0/P @4 Q< @32)';
my @EV_TEMPLATE = map { $EV_TEMPLATE . $_ } 0 .. _EVMAX;

# For Net::WebSocket::Defragmenter, which takes events the same way.
sub _event_template { return $EV_TEMPLATE[ $_[0] ] }

# ws_event.data is NULL when len is 0, and unpack 'P' gives undef then.
sub next_events {
    $_[0][_GEN]++;
    my $max = ( !$_[1] || $_[1] > _EVMAX ) ? _EVMAX : $_[1];
    my $k = Net::WebSocket::LibWS::_ws_next_events( $_[0][_C], $EV_BUF, $max );
    $k = _feed_held( $_[0], $max ) if !$k && ( defined $_[0][_TAIL] || $_[0][_EOF] );
    if ($k <= 0) {
        _fail($k, 'next_events') if $k < 0;
        return;
    }
    my @f = unpack $EV_TEMPLATE[$k], $EV_VIEW;
    my @out = map { bless [ splice @f, 0, 3 ], 'Net::WebSocket::LibWS::Event' } 1 .. $k;
    defined $_->[1] or $_->[1] = '' for @out;
    return @out;
}

sub next_events_raw {
    $_[0][_GEN]++;
    my $max = ( !$_[1] || $_[1] > _EVMAX ) ? _EVMAX : $_[1];
    my $k = Net::WebSocket::LibWS::_ws_next_events( $_[0][_C], $EV_BUF, $max );
    $k = _feed_held( $_[0], $max ) if !$k && ( defined $_[0][_TAIL] || $_[0][_EOF] );
    if ($k <= 0) {
        _fail($k, 'next_events_raw') if $k < 0;
        return;
    }
    return unpack $EV_TEMPLATE[$k], $EV_VIEW;
}

# Feeds bytes and takes up to $max events in one call (ws_feed_next);
# behind input held back, the bytes wait their turn (see _feed_held).
sub _feed_take {
    my ($self, undef, $max) = @_;
    if ( defined $self->[_TAIL] ) {
        _hold( $self, $_[1] );
        my $k = Net::WebSocket::LibWS::_ws_next_events( $self->[_C], $EV_BUF, $max );
        return $k ? $k : _feed_held( $self, $max );
    }
    my $b = utf8::is_utf8( $_[1] ) ? Net::WebSocket::LibWS::_bytes( $_[1] ) : $_[1] // q<>;
    my $used = 0;
    my $k = Net::WebSocket::LibWS::_ws_feed_next( $self->[_C], $b, length $b, \$used, $EV_BUF, $max );
    $self->[_TAIL] = substr( $b, $used ) if $k >= 0 && $used < length $b;
    return $k;
}

sub feed_events {
    my $self = $_[0];
    $self->[_GEN]++;
    my $k = _feed_take( $self, $_[1], ( !$_[2] || $_[2] > _EVMAX ) ? _EVMAX : $_[2] );
    if ($k <= 0) {
        _fail($k, 'feed_events') if $k < 0;
        return;
    }
    my @f = unpack $EV_TEMPLATE[$k], $EV_VIEW;
    my @out = map { bless [ splice @f, 0, 3 ], 'Net::WebSocket::LibWS::Event' } 1 .. $k;
    defined $_->[1] or $_->[1] = '' for @out;
    return @out;
}

sub feed_events_raw {
    my $self = $_[0];
    $self->[_GEN]++;
    my $k = _feed_take( $self, $_[1], ( !$_[2] || $_[2] > _EVMAX ) ? _EVMAX : $_[2] );
    if ($k <= 0) {
        _fail($k, 'feed_events_raw') if $k < 0;
        return;
    }
    return unpack $EV_TEMPLATE[$k], $EV_VIEW;
}

# Peeking and counting feed the input held back when nothing is queued
# (without taking events), so that they see what it gives.
sub peek_event {
    my $t = Net::WebSocket::LibWS::_ws_peek_event( $_[0][_C] );
    if ( !$t && ( defined $_[0][_TAIL] || $_[0][_EOF] ) ) {
        $_[0][_GEN]++;
        my $rc = _feed_held( $_[0], 0 );
        _fail($rc, 'peek_event') if $rc < 0;
        $t = Net::WebSocket::LibWS::_ws_peek_event( $_[0][_C] );
    }
    _fail($t, 'peek_event') if $t < 0;
    return $t;
}

sub next_event {
    my $self = $_[0];
    $self->[_GEN]++;
    my $k = Net::WebSocket::LibWS::_ws_next_events( $self->[_C], $EV_BUF, 1 );
    $k = _feed_held( $self, 1 ) if !$k && ( defined $self->[_TAIL] || $self->[_EOF] );
    if ($k <= 0) {
        _fail($k, 'next_event') if $k < 0;
        return undef;
    }
    my $ev = bless [ unpack $EV_TEMPLATE[1], $EV_VIEW ], 'Net::WebSocket::LibWS::Event';
    $ev->[1] //= '';
    return $ev;
}

sub pending_events {
    my $n = Net::WebSocket::LibWS::_ws_pending_events( $_[0][_C] );
    if ( !$n && ( defined $_[0][_TAIL] || $_[0][_EOF] ) ) {
        $_[0][_GEN]++;
        my $rc = _feed_held( $_[0], 0 );
        _fail($rc, 'pending_events') if $rc < 0;
        $n = Net::WebSocket::LibWS::_ws_pending_events( $_[0][_C] );
    }
    _fail($n, 'pending_events') if $n < 0;
    return $n;
}

# The "x0/P" template relies on unpack taking a '/' count from the value
# unpacked last. Checked once, on a known string, the first time the
# module is used with the library (see _self_test).
sub _self_test {
    my $s = 'libws event data';
    my $ev = pack( 'L C a7 x4 J J', 32, 4, "\x01\x00\x03\xe8\x03\x02\x00", unpack( 'J', pack 'P', $s ), 5 )
           . pack( 'L C a7 x4 J J', 32, 10, "\x08\x00\x03\xe8\x03\x02\x00", 0, 0 );
    my @f = unpack $EV_TEMPLATE[2], $ev;
    return @f == 6 && $f[0] == 4 && $f[1] eq 'libws' && $f[3] == 10 && !defined $f[4]
        && Net::WebSocket::LibWS::Event::_code_of( $f[5] ) == 1000;
}
die "Net::WebSocket::LibWS::Connection: this perl's unpack does not decode event batches as expected\n" if !_self_test();

#----------------------------------------------------------------------
# Sending

sub _send_rc {
    my ($rc, $what) = @_;
    return 1 if $rc >= 0;
    return 0 if $rc == Net::WebSocket::LibWS::WS_E_OUTPUT_FULL();
    _fail($rc, $what);
}

sub send_text {
    my $rc = Net::WebSocket::LibWS::_ws_send_text( $_[0][_C], ( utf8::is_utf8( $_[1] ) ? Net::WebSocket::LibWS::_bytes( $_[1] ) : $_[1] ) // '', length( $_[1] // '' ) );
    return $rc >= 0 ? 1 : _send_rc( $rc, 'send_text' );
}

sub send_binary {
    my $rc = Net::WebSocket::LibWS::_ws_send_binary( $_[0][_C], ( utf8::is_utf8( $_[1] ) ? Net::WebSocket::LibWS::_bytes( $_[1] ) : $_[1] ) // '', length( $_[1] // '' ) );
    return $rc >= 0 ? 1 : _send_rc( $rc, 'send_binary' );
}

sub _opcode {
    my ($t) = @_;
    return $t if defined $t && $t =~ m<\A[0-9]+\z>;
    my $op = defined $t ? $TYPE_OPCODE{$t} : undef;
    die Net::WebSocket::X->create('BadArg', type => $t, 'Give “text”, “binary” or an opcode') if !defined $op;
    return $op;
}

sub send {
    my ($self, $type, undef, $flags) = @_;
    my $b = utf8::is_utf8($_[2]) ? Net::WebSocket::LibWS::_bytes($_[2]) : $_[2] // '';
    return _send_rc( Net::WebSocket::LibWS::_ws_send( $self->[_C], _opcode($type), $b, length $b, $flags || 0 ), 'send' );
}

sub begin_message {
    my ($self, $type, $flags) = @_;
    return _send_rc( Net::WebSocket::LibWS::_ws_begin_message( $self->[_C], _opcode($type), $flags || 0 ), 'begin_message' );
}

sub send_fragment {
    my ($self, undef, $final) = @_;
    my $b = utf8::is_utf8($_[1]) ? Net::WebSocket::LibWS::_bytes($_[1]) : $_[1] // '';
    return _send_rc( Net::WebSocket::LibWS::_ws_send_fragment( $self->[_C], $b, length $b, $final ? 1 : 0 ), 'send_fragment' );
}

sub send_frame {
    my ($self, $opcode, $rsv, $fin, undef) = @_;
    my $b = utf8::is_utf8($_[4]) ? Net::WebSocket::LibWS::_bytes($_[4]) : $_[4] // '';
    return _send_rc( Net::WebSocket::LibWS::_ws_send_frame( $self->[_C], $opcode, $rsv || 0, $fin ? 1 : 0, $b, length $b ), 'send_frame' );
}

sub ping {
    my ($self) = @_;
    my $b = Net::WebSocket::LibWS::_bytes( $_[1] // '' );
    my $rc = Net::WebSocket::LibWS::_ws_ping( $self->[_C], $b, length $b );
    _fail($rc, 'ping') if $rc < 0;
    return 1;
}

sub pong {
    my ($self) = @_;
    my $b = Net::WebSocket::LibWS::_bytes( $_[1] // '' );
    my $rc = Net::WebSocket::LibWS::_ws_pong( $self->[_C], $b, length $b );
    _fail($rc, 'pong') if $rc < 0;
    return 1;
}

sub close {
    my ($self, $code, $reason) = @_;
    $self->[_GEN]++;
    $code //= 1000;
    my $b = Net::WebSocket::LibWS::_bytes( $reason // '' );
    my $rc = Net::WebSocket::LibWS::_ws_close( $self->[_C], $code, $b, length $b );
    _fail($rc, 'close') if $rc < 0;
    return 1;
}

sub heartbeat {
    $_[0][_GEN]++;
    my $rc;
    if ( defined $_[1] ) {
        my $b = Net::WebSocket::LibWS::_bytes( $_[1] );
        $rc = Net::WebSocket::LibWS::_ws_heartbeat_with( $_[0][_C], $b, length $b );
    }
    else {
        $rc = Net::WebSocket::LibWS::_ws_heartbeat( $_[0][_C] );
    }
    return 1 if $rc >= 0;
    return 0 if $rc == Net::WebSocket::LibWS::WS_E_CLOSED();
    _fail($rc, 'heartbeat');
}

sub unanswered_pings {
    my $n = Net::WebSocket::LibWS::_ws_unanswered_pings( $_[0][_C] );
    _fail($n, 'unanswered_pings') if $n < 0;
    return $n;
}

#----------------------------------------------------------------------
# Output

sub output {
    my ($p, $n);
    my $rc = Net::WebSocket::LibWS::_ws_output( $_[0][_C], \$p, \$n );
    _fail($rc, 'output') if $rc < 0;
    return $n ? unpack( "P$n", pack 'J', $p ) : '';
}

sub consume {
    my $rc = Net::WebSocket::LibWS::_ws_consume( $_[0][_C], $_[1] );
    _fail($rc, 'consume') if $rc < 0;
    return 1;
}

# take_output copies through a scratch buffer with ws_output_copy (copy and
# consume in one call). It grows, up to _OUT_MAX, when the output did not
# fit; larger output is taken with ws_output and ws_consume.
use constant { _OUT_MIN => 65536, _OUT_MAX => 4 * 1024 * 1024 };
my $OUT_BUF;
my $OUT_CAP = 0;

sub take_output {
    my $c = $_[0][_C];
    if (!$OUT_CAP) {
        $OUT_CAP = _OUT_MIN;
        FFI::Platypus::Buffer::grow( $OUT_BUF, $OUT_CAP, { set_length => 1 } );
    }
    my $n = Net::WebSocket::LibWS::_ws_output_copy( $c, $OUT_BUF, $OUT_CAP );
    if ($n < $OUT_CAP) {
        return substr( $OUT_BUF, 0, $n ) if $n > 0;
        _fail($n, 'output_copy') if $n < 0;
        return '';
    }

    # More than the buffer held: the rest in one piece.
    my $out = substr( $OUT_BUF, 0 );
    my ($p, $rest);
    my $rc = Net::WebSocket::LibWS::_ws_output( $c, \$p, \$rest );
    _fail($rc, 'output') if $rc < 0;
    if ($rest) {
        $out .= unpack( "P$rest", pack 'J', $p );
        $rc = Net::WebSocket::LibWS::_ws_consume( $c, $rest );
        _fail($rc, 'consume') if $rc < 0;
    }
    if ( $OUT_CAP < _OUT_MAX ) {
        $OUT_CAP *= 2 while $OUT_CAP < _OUT_MAX && $OUT_CAP < length $out;
        FFI::Platypus::Buffer::grow( $OUT_BUF, $OUT_CAP, { set_length => 1 } );
    }
    return $out;
}

#----------------------------------------------------------------------
# State

sub state {
    my $s = Net::WebSocket::LibWS::_ws_state( $_[0][_C] );
    _fail($s, 'state') if $s < 0;
    return $s;
}

sub is_open   { return $_[0]->state() == 2 ? 1 : 0 }
sub is_closed { return $_[0]->state() == 4 ? 1 : 0 }

sub hint {
    my $h = Net::WebSocket::LibWS::_ws_hint( $_[0][_C] );
    _fail($h, 'hint') if $h < 0;
    return $h;
}

sub failure { return Net::WebSocket::LibWS::_ws_conn_failure( $_[0][_C] ) }

sub handshake_failure {
    my $field;
    my $kind = Net::WebSocket::LibWS::_ws_handshake_failure( $_[0][_C], \$field );
    _fail($kind, 'handshake_failure') if $kind < 0;
    return wantarray ? ( $kind, $field // '' ) : $kind;
}

sub client_key { return $_[0]->_string_out( \&Net::WebSocket::LibWS::_ws_client_key, 'client_key' ) }

sub _string_out {
    my ($self, $fn, $what, @args) = @_;
    my $s;
    my $rc = $fn->( $self->[_C], @args, \$s );
    _fail($rc, $what) if $rc < 0;
    return $s // '';
}

sub subprotocol { return $_[0]->_string_out( \&Net::WebSocket::LibWS::_ws_subprotocol, 'subprotocol' ) }
sub extensions  { return $_[0]->_string_out( \&Net::WebSocket::LibWS::_ws_extensions, 'extensions' ) }

sub deflate_params {
    my ($snct, $cnct, $smwb, $cmwb);
    my $rc = Net::WebSocket::LibWS::_ws_deflate_params( $_[0][_C], \$snct, \$cnct, \$smwb, \$cmwb );
    _fail($rc, 'deflate_params') if $rc < 0;
    return undef if !$rc;
    return {
        server_no_context_takeover => $snct,
        client_no_context_takeover => $cnct,
        server_max_window_bits     => $smwb,
        client_max_window_bits     => $cmwb,
    };
}

sub memory {
    my $n = Net::WebSocket::LibWS::_ws_memory( $_[0][_C] );
    _fail($n, 'memory') if $n < 0;
    return $n;
}

sub shrink {
    my $rc = Net::WebSocket::LibWS::_ws_shrink( $_[0][_C] );
    _fail($rc, 'shrink') if $rc < 0;
    return 1;
}

#----------------------------------------------------------------------
# Handshake details

sub request_method { return $_[0]->_string_out( \&Net::WebSocket::LibWS::_ws_request_method, 'request_method' ) }
sub request_target { return $_[0]->_string_out( \&Net::WebSocket::LibWS::_ws_request_target, 'request_target' ) }
sub request_host   { return $_[0]->_string_out( \&Net::WebSocket::LibWS::_ws_request_host, 'request_host' ) }
sub request_origin { return $_[0]->_string_out( \&Net::WebSocket::LibWS::_ws_request_origin, 'request_origin' ) }

sub request_header {
    my ($self, $name, $index) = @_;
    my $s;
    my $rc = Net::WebSocket::LibWS::_ws_request_header( $self->[_C], "$name", $index || 0, \$s );
    _fail($rc, 'request_header') if $rc < 0;
    return $rc ? $s : undef;
}

sub _list {
    my ($self, $fn, $what) = @_;
    my @out;
    for (my $i = 0; ; $i++) {
        my $s;
        my $rc = $fn->( $self->[_C], $i, \$s );
        _fail($rc, $what) if $rc < 0;
        last if !$rc;
        push @out, $s;
    }
    return @out;
}

sub request_subprotocols { return $_[0]->_list( \&Net::WebSocket::LibWS::_ws_request_subprotocol, 'request_subprotocols' ) }
sub request_extensions   { return $_[0]->_list( \&Net::WebSocket::LibWS::_ws_request_extension, 'request_extensions' ) }

sub accept {
    $_[0][_GEN]++;
    my ($self, %opts) = @_;
    my ($n, $v) = _pairs( $opts{'headers'} );
    my $rc = Net::WebSocket::LibWS::_ws_accept( $self->[_C],
        ( defined $opts{'subprotocol'} ? "$opts{'subprotocol'}" : undef ),
        ( defined $opts{'extensions'} && length $opts{'extensions'} ? "$opts{'extensions'}" : undef ),
        $n, $v, scalar @$n );
    _fail($rc, 'accept') if $rc < 0;
    return 1;
}

sub reject {
    $_[0][_GEN]++;
    my ($self, $status, $body, %opts) = @_;
    my ($n, $v) = _pairs( $opts{'headers'} );
    my $rc = Net::WebSocket::LibWS::_ws_reject( $self->[_C], $status // 400, ( defined $body ? "$body" : undef ), $n, $v, scalar @$n );
    _fail($rc, 'reject') if $rc < 0;
    return 1;
}

sub response_status {
    my $s = Net::WebSocket::LibWS::_ws_response_status( $_[0][_C] );
    _fail($s, 'response_status') if $s < 0;
    return $s;
}

#----------------------------------------------------------------------

package Net::WebSocket::LibWS::Event;

# [0] type (WS_EV_*), [1] data, [2] bytes 4..11 of the C event as a
# little-endian integer: type, opcode << 8, rsv << 16, flags << 24,
# code << 32 (the uint16 in native order), initiator << 48.

my @TYPE_NAME = (qw( none request open rejected text binary data ping pong control close ));
my @INITIATOR_NAME = ( '', qw( peer us failure abnormal ) );

use constant _BIG_ENDIAN => pack( 'S', 1 ) eq "\0\1";

sub _code_of {
    return _BIG_ENDIAN
        ? ( ( ( $_[0] >> 32 ) & 0xFF ) << 8 ) | ( ( $_[0] >> 40 ) & 0xFF )
        : ( $_[0] >> 32 ) & 0xFFFF;
}

sub new_raw        { my $class = shift; return bless [ $_[0], $_[1] // '', $_[2] ], ( ref $class || $class ) }

sub type           { return $TYPE_NAME[ $_[0][0] ] }
sub type_code      { return $_[0][0] }
sub data           { return $_[0][1] }
sub reason         { return $_[0][1] }
sub opcode         { return ( $_[0][2] >> 8 ) & 0xFF }
sub rsv            { return ( $_[0][2] >> 16 ) & 0xFF }
sub flags          { return ( $_[0][2] >> 24 ) & 0xFF }
sub is_first       { return ( $_[0][2] >> 24 ) & 1 }
sub is_last        { return ( $_[0][2] >> 25 ) & 1 }
sub is_compressed  { return ( $_[0][2] >> 26 ) & 1 }
sub code           { return _code_of( $_[0][2] ) }
sub initiator_code { return ( $_[0][2] >> 48 ) & 0xFF }
sub initiator      { return $INITIATOR_NAME[ ( $_[0][2] >> 48 ) & 0xFF ] // '' }

$INC{'Net/WebSocket/LibWS/Event.pm'} ||= __FILE__;

1;
