package Net::WebSocket::LibWS;

use strict;
use warnings;

our $VERSION = '1.000';

=encoding utf-8

=head1 NAME

Net::WebSocket::LibWS - load libws and reach its C API from Perl

=head1 SYNOPSIS

    use Net::WebSocket::LibWS qw(:all);

    # Optional, before the first use:
    Net::WebSocket::LibWS->library_path('/opt/libws/lib/libws.so.1');

    printf "libws %s (ABI %d)\n",
        Net::WebSocket::LibWS::version(), Net::WebSocket::LibWS::abi_version();

    # The sans-IO connection:
    my $conn = Net::WebSocket::LibWS::Connection->new_server( deflate => 1 );

    # Stateless helpers:
    Net::WebSocket::LibWS::utf8_valid($bytes);
    Net::WebSocket::LibWS::close_code_valid(1000);
    Net::WebSocket::LibWS::accept_key($key);

=head1 DESCRIPTION

This module loads C<libws.so> (libws, a WebSocket protocol library written
in Go and exported as a C library) through L<FFI::Platypus>, and gives
Perl code the parts of its C API (C<ws.h>) that are not connections:
versions, error codes, constants, and the stateless frame, mask, key and
validation helpers. L<Net::WebSocket::LibWS::Connection> is the connection
itself; the L<Net::WebSocket> classes are built on both.

Every protocol decision is made by libws; this module converts arguments
and return values and turns error codes into exceptions
(L<Net::WebSocket::X>).

=head1 LOADING, FORK AND SIGNALS

=head2 Lazy loading

C<use Net::WebSocket::LibWS> (or of any Net::WebSocket module) does I<not>
load the library: the first call that needs it does (any constructor of a
connection, frame serialization, ...). This keeps pre-forking servers safe:
they may C<use> the modules in the parent and work in the children.

=head2 fork()

A Go runtime does not survive C<fork()>. If libws was loaded in a process
that then forks, every call in the child throws
L<Net::WebSocket::X::Forked|Net::WebSocket::X> at once (libws itself
refuses to enter its runtime; nothing hangs). A child whose parent never
loaded the library loads it normally.

=head2 Signals

Debian's perl is threaded; perls before 5.42 crash when a C<%SIG> handler
runs on a thread perl did not create, and the Go runtime's threads take
process-directed signals (SIGCHLD, SIGALRM, SIGUSR1...) like any thread.
When it loads libws this module therefore does three things:

=over

=item * It loads the library with every asynchronous signal blocked on the
loading thread (and restores the mask right after). The Go runtime's
threads inherit that mask and keep those signals blocked for good, so
SIGALRM, SIGUSR1, SIGINT, SIGTERM, SIGHUP, ... are never delivered to them.
Go insists on receiving SIGCHLD (and SIGPROF, SIGURG) on its threads;
for those:

=item * It calls C<ws_signal_forward()> with the address of perl's
C<PL_csighandlerp>: every C<%SIG> handler, the ones set before and the
ones set later (including C<local $SIG{ALRM}>), then runs only on the
thread that loaded the library; a signal that lands on another thread is
re-sent to it.

=item * Once forwarding is on, libws itself (in C, before entering the Go
runtime) runs each call with the asynchronous signals blocked on the
calling thread, and restores the mask after; a signal that arrives
meanwhile is handled right after the call. Perl installs its handler
without C<SA_ONSTACK>, so a handler run while the thread executes Go code
would put its signal frame on a goroutine stack (Go requires
C<SA_ONSTACK> of foreign handlers), and perl may even croak from inside
the handler ("Maximal count of pending signals") through Go's frames.
libws's trampoline also re-installs perl's handlers with C<SA_ONSTACK>
and a mask that keeps them from nesting. This costs two system calls per
call into libws (a few hundred nanoseconds), none in Perl.

=back

Load the library (first use) from the thread that runs your C<%SIG>
handlers - the main thread, normally. The test suite's signal-storm test
shows a program with C<CHLD>, C<USR1> and C<ALRM> handlers surviving
thousands of those signals while it works with libws, and the same
program crashing without these measures.

The first measure is not optional. A process-directed signal goes to
any thread that does not block it, and the handler runs on that thread.
libws's guard blocks signals only on the thread that calls into libws,
and forwarding acts only once a handler runs; the runtime's own threads
(its scheduler, garbage collector and idle workers) run Go code all the
time, often on goroutine stacks of a few KiB. A signal delivered to one
of them while perl's disposition lacks C<SA_ONSTACK> (perl re-installs
it without that flag on every C<%SIG> assignment, C<local> ones
included, until the trampoline puts the flag back) has its frame written
onto that stack before any code can re-send it. Earlier versions let
C<LIBWS_NO_SIGNAL_BLOCK=1> skip the blocked mask at load, saying
forwarding was enough on its own: it is not - with C<$SIG{ALRM}> and
C<Time::HiRes::ualarm(2000, 2000)> during a permessage-deflate workload,
7 of 8 runs crashed (SIGSEGV, or the Go runtime aborting with
C<unsafe.Slice: len out of range> or C<panic during panic>). That
variable is now ignored, with a warning, and the signals stay blocked on
the runtime's threads.

Setting the environment variable C<LIBWS_NO_SIGNAL_FORWARD=1> disables
all three measures, and C<LIBWS_NO_SIGNAL_FORWARD=1 LIBWS_SIGNAL_BLOCK=1>
leaves only the first: these exist for the test suite's control runs
(the storm crashes without them), not for programs with C<%SIG>
handlers. The binding adds no Perl code to any call for this: the
C<_ws_*> functions are the FFI functions themselves. If a threaded
perl's C<PL_csighandlerp> cannot be found, loading fails with an
exception that says so, rather than risk a crash.

=head2 Global destruction

The FFI::Platypus object lives as long as the process (libws cannot be
unloaded anyway), and objects skip calls into the library during global
destruction.

=head1 LIBRARY LOOKUP

The first use looks for the library in this order, and takes the first
that loads:

=over

=item 1. C<< Net::WebSocket::LibWS->library_path($path) >>, if called
before the first use (only that path is tried then);

=item 2. the environment variable C<LIBWS_LIBRARY> (only that path);

=item 3. next to the distribution: C<build/libws.so.1> in a directory
above this module that also holds C<include/ws.h> (the libws source tree
this binding ships in), else the copy bundled with a CPAN-style
distribution (C<make dist> in the libws tree), installed as
C<auto/Net/WebSocket/libws.so.1> in the architecture-specific library
tree and found through C<@INC> like an XS module's shared object;

=item 4. the system: C<libws.so.1>, then C<libws.so>, through the dynamic
linker's search path (a C<libws1> package, or C<make install> followed by
C<ldconfig>);

=item 5. when nothing came with the distribution, C<libws.so.1> in
C<pkg-config --variable=libdir libws> (an installed libws the dynamic
linker does not search).

=back

The library's C<ws_abi_version()> must equal C<ABI_VERSION> (1).

=head1 FUNCTIONS

=over

=item C<< library_path( [PATH] ) >> (class method) - sets the path to load
(before the first use), or returns the path that was loaded (or the one
set).

=item C<load()> - loads the library now (normally unnecessary). Returns
true; throws on failure.

=item C<is_loaded()> - whether the library is loaded in this process.

=item C<signal_guard_active()> - whether calls into libws block signals
(libws does it once C<ws_signal_forward()> is on; see L</Signals>).

=item C<version()>, C<abi_version()> - from the library.

=item C<strerror(CODE)>, C<error_name(CODE)>, C<last_error()> - describe a
C<WS_E_*> code (C<error_name> does not load the library).

=item C<utf8_valid(BYTES)> - whether BYTES is valid UTF-8.

=item C<close_code_valid(CODE)> - whether CODE may be sent in a close frame.

=item C<close_code_name(CODE)> - Net::WebSocket's status name of CODE, or
empty string.

=item C<accept_key(KEY)> - the C<Sec-WebSocket-Accept> value for KEY.

=item C<random_mask()> - 4 bytes from libws's CSPRNG.

=item C<random_bytes(N)> - N bytes from the same CSPRNG (ChaCha8 seeded by
the operating system; C<ws_random_bytes>). L<Net::WebSocket::Mask> keeps
its pool of masking keys filled from it.

=item C<mask(KEY, BYTES, [POS])> - BYTES masked (or unmasked) with KEY from
key offset POS (default 0); returns the new string (BYTES is unchanged).

=item C<frame_parse_header(BYTES)> - decodes the frame header at the start
of BYTES: returns a hash reference (C<header_length>, C<fin>, C<rsv>,
C<opcode>, C<masked>, C<mask>, C<length>), or, when BYTES is too short,
C<(undef, NEED)> with the header length needed in all. Throws
C<Net::WebSocket::X::LibWS> (code C<WS_E_PROTOCOL>) for a header no peer
may send.

=item C<frame_encode_header(%H)> - encodes C<fin>, C<rsv>, C<opcode>,
C<mask> (4 bytes or empty) and C<length>; returns the header bytes.

=back

=head1 CONSTANTS

Exported on request (tag C<:all>, or C<:errors>, C<:opcodes>, C<:events>,
C<:options>, C<:close>, C<:state>, C<:fail>): the C<WS_E_*>, C<WS_OP_*>,
C<WS_EV_*>, C<WS_EVF_*>, C<WS_CLOSED_BY_*>, C<WS_OPT_*>, C<WS_STATE_*>,
C<WS_HINT_*>, C<WS_SEND_*>, C<WS_RSV*>, C<WS_ROLE_*>, C<WS_CLOSE_*> and
C<WS_FAIL_*> (handshake failure kinds, see
L<Net::WebSocket::LibWS::Connection/handshake_failure>) values of
C<ws.h>, and C<ABI_VERSION>.

=head1 SEE ALSO

L<Net::WebSocket::LibWS::Connection>, L<Net::WebSocket>, C<include/ws.h>.

=cut


use Net::WebSocket::X ();

use constant ABI_VERSION => 1;

my %CONST;
BEGIN {
    %CONST = (
        WS_OK => 0,
        WS_E_AGAIN => -1, WS_E_OUTPUT_FULL => -2,
        WS_E_STATE => -10, WS_E_CLOSED => -11,
        WS_E_ARG => -20, WS_E_NULL => -21,
        WS_E_LIMIT => -30, WS_E_TOO_BIG => -31, WS_E_NOMEM => -32,
        WS_E_PROTOCOL => -40, WS_E_UTF8 => -41, WS_E_HANDSHAKE => -42, WS_E_EXTENSION => -43,
        WS_E_BAD_HANDLE => -50, WS_E_BUSY => -51,
        WS_E_FORKED => -60,
        WS_E_INTERNAL => -70,

        WS_OP_CONTINUATION => 0, WS_OP_TEXT => 1, WS_OP_BINARY => 2,
        WS_OP_CLOSE => 8, WS_OP_PING => 9, WS_OP_PONG => 10,

        WS_RSV1 => 4, WS_RSV2 => 2, WS_RSV3 => 1,

        WS_CLOSE_NORMAL => 1000, WS_CLOSE_GOING_AWAY => 1001, WS_CLOSE_PROTOCOL_ERROR => 1002,
        WS_CLOSE_UNSUPPORTED_DATA => 1003, WS_CLOSE_NO_STATUS => 1005, WS_CLOSE_ABNORMAL => 1006,
        WS_CLOSE_INVALID_PAYLOAD => 1007, WS_CLOSE_POLICY_VIOLATION => 1008,
        WS_CLOSE_MESSAGE_TOO_BIG => 1009, WS_CLOSE_MANDATORY_EXTENSION => 1010,
        WS_CLOSE_INTERNAL_ERROR => 1011, WS_CLOSE_SERVICE_RESTART => 1012,
        WS_CLOSE_TRY_AGAIN_LATER => 1013, WS_CLOSE_BAD_GATEWAY => 1014,

        WS_ROLE_CLIENT => 1, WS_ROLE_SERVER => 2,

        WS_OPT_MAX_MESSAGE => 1, WS_OPT_MAX_FRAME => 2, WS_OPT_MAX_OUTPUT => 3,
        WS_OPT_MAX_HANDSHAKE => 4, WS_OPT_MAX_HEADERS => 5, WS_OPT_STREAMING => 6,
        WS_OPT_CHUNK_PER_FRAME => 7, WS_OPT_VALIDATE_UTF8 => 8, WS_OPT_AUTO_PONG => 9,
        WS_OPT_MAX_PINGS => 10, WS_OPT_MANUAL_ACCEPT => 11, WS_OPT_DEFLATE => 12,
        WS_OPT_DEFLATE_SERVER_NO_CONTEXT_TAKEOVER => 13,
        WS_OPT_DEFLATE_CLIENT_NO_CONTEXT_TAKEOVER => 14,
        WS_OPT_DEFLATE_SERVER_MAX_WINDOW_BITS => 15,
        WS_OPT_DEFLATE_CLIENT_MAX_WINDOW_BITS => 16,
        WS_OPT_DEFLATE_LEVEL => 17, WS_OPT_DEFLATE_MIN_SIZE => 18,
        WS_OPT_DEFLATE_REQUIRED => 19, WS_OPT_ALLOW_RSV => 20, WS_OPT_ALLOW_OPCODES => 21,
        WS_OPT_MAX_QUEUED => 22, WS_OPT_ECHO_CLOSE_REASON => 23,

        WS_EV_NONE => 0, WS_EV_REQUEST => 1, WS_EV_OPEN => 2, WS_EV_REJECTED => 3,
        WS_EV_TEXT => 4, WS_EV_BINARY => 5, WS_EV_DATA => 6, WS_EV_PING => 7,
        WS_EV_PONG => 8, WS_EV_CONTROL => 9, WS_EV_CLOSE => 10,

        WS_EVF_FIRST => 1, WS_EVF_LAST => 2, WS_EVF_COMPRESSED => 4,

        WS_CLOSED_BY_PEER => 1, WS_CLOSED_BY_US => 2, WS_CLOSED_BY_FAILURE => 3,
        WS_CLOSED_ABNORMALLY => 4,

        WS_SEND_NO_COMPRESS => 1, WS_SEND_COMPRESS => 2,

        WS_STATE_CONNECTING => 1, WS_STATE_OPEN => 2, WS_STATE_CLOSING => 3, WS_STATE_CLOSED => 4,

        WS_HINT_NONE => 0, WS_HINT_SHUTDOWN_WRITE => 1, WS_HINT_CLOSE => 2,

        WS_FAIL_NONE => 0, WS_FAIL_MALFORMED => 1, WS_FAIL_METHOD => 2, WS_FAIL_HTTP_VERSION => 3,
        WS_FAIL_TARGET => 4, WS_FAIL_MISSING_HEADER => 5, WS_FAIL_DUPLICATE_HEADER => 6,
        WS_FAIL_BAD_HEADER => 7, WS_FAIL_VERSION => 8, WS_FAIL_STATUS => 9, WS_FAIL_ACCEPT => 10,
        WS_FAIL_SUBPROTOCOL => 11, WS_FAIL_EXTENSION => 12, WS_FAIL_TOO_LARGE => 13,
        WS_FAIL_CLOSED => 14, WS_FAIL_REQUIRED => 15,
    );
}
# The constants as constant subs (what "use constant" makes, without its
# per-name checks: these names are known good).
BEGIN {
    for my $name ( keys %CONST ) {
        my $value = $CONST{$name};
        Internals::SvREADONLY( $value, 1 );
        $Net::WebSocket::LibWS::{$name} = \$value;
    }
    mro::method_changed_in('Net::WebSocket::LibWS');
}

require Exporter;
our @ISA = ('Exporter');
our @EXPORT_OK = ( keys(%CONST), 'ABI_VERSION' );
our %EXPORT_TAGS;

my %TAG_OF_PREFIX = (
    OK => 'errors', E => 'errors', OP => 'opcodes', RSV => 'opcodes',
    EV => 'events', EVF => 'events', CLOSED => 'events',
    OPT => 'options', ROLE => 'options', SEND => 'options',
    CLOSE => 'close', STATE => 'state', HINT => 'state', FAIL => 'fail',
);

# The tags are made when something is imported (most users import nothing).
sub import {
    if ( @_ > 1 && !%EXPORT_TAGS ) {
        %EXPORT_TAGS = ( all => \@EXPORT_OK );
        for my $name ( keys %CONST ) {
            my ($prefix) = $name =~ m<\AWS_([A-Z0-9]+)>;
            my $tag = $TAG_OF_PREFIX{$prefix} or next;
            push @{ $EXPORT_TAGS{$tag} }, $name;
        }
    }
    goto &Exporter::import;
}

my %ERROR_NAME = map { $CONST{$_} => $_ } grep { /\AWS_E_/ } keys %CONST;

sub error_name {
    my ($code) = @_;
    return $ERROR_NAME{$code} // "WS_E_UNKNOWN($code)";
}

#----------------------------------------------------------------------
# Loading

our $READY = 0;          # true once loaded (in the loading process or a fork of it)
my $LIBRARY_PATH;        # set by library_path()
my $LOADED_FROM;
my $LOAD_PID;
my $FFI;

sub library_path {
    my ($class, @path) = @_;

    if (@path) {
        my $path = $path[0];
        if ($READY) {
            return $LOADED_FROM if defined $path && $path eq $LOADED_FROM;
            die Net::WebSocket::X->create('BadArg', path => $path, "libws is already loaded (from $LOADED_FROM); set the path before the first use");
        }
        $LIBRARY_PATH = $path;
    }

    return $READY ? $LOADED_FROM : $LIBRARY_PATH;
}

sub is_loaded { return $READY ? 1 : 0 }

sub loaded_pid { return $LOAD_PID }

# The copies that come with this distribution, best first: the source
# tree's build/libws.so.1 (a directory above this file that also holds
# include/ws.h), then the copy a CPAN-style dist (make dist at the top of
# libws) bundles, installed as auto/Net/WebSocket/libws.so.1 in the
# architecture-specific tree and found through @INC like an XS module's
# shared object. Plain string paths: File::Spec and Cwd (a few ms to
# load) only for a relative path (a relative @INC entry such as -Ilib, or
# one with ..).
sub _beside_distribution {
    my $dir = _absolute(__FILE__);
    my @found;
    for (1 .. 8) {
        $dir =~ s<[^/]*\z><> or last;    # up one directory
        $dir =~ s</+\z><>;
        last if !length $dir;
        if ( -e "$dir/include/ws.h" ) {
            for my $name ('libws.so.1', 'libws.so') {
                my $p = "$dir/build/$name";
                if (-e $p) { push @found, $p; last }
            }
        }
        last if @found;
    }
    for my $inc (grep { !ref } @INC) {
        my $p = "$inc/auto/Net/WebSocket/libws.so.1";
        if (-e $p) { push @found, _absolute($p); last }
    }
    return @found;
}

# PATH itself when it is absolute without . or .. components (walking up
# it by removing the last component is then right), else Cwd's.
sub _absolute {
    my ($path) = @_;
    return $path if $path =~ m<\A/> && $path !~ m<(?:\A|/)\.\.?(?:/|\z)>;
    require Cwd;
    return Cwd::abs_path($path) // $path;
}

# An installed libws that the dynamic linker does not see (e.g. under
# /usr/local/lib before ldconfig): pkg-config's libdir for libws.
sub _pkg_config_library {
    my $out = `pkg-config --variable=libdir libws 2>/dev/null`;
    return () if $? != 0 || !defined $out;
    chomp $out;
    my $p = "$out/libws.so.1";
    return -e $p ? ($p) : ();
}

sub _candidates {
    return ($LIBRARY_PATH) if defined $LIBRARY_PATH;
    return ($ENV{LIBWS_LIBRARY}) if defined $ENV{LIBWS_LIBRARY} && length $ENV{LIBWS_LIBRARY};
    my @ours = _beside_distribution();
    return ( @ours, 'libws.so.1', 'libws.so', ( @ours ? () : _pkg_config_library() ) );
}

# Call signatures: [ C name, perl name, argument types, return type ].
my @FUNCTIONS = (
    [ ws_version       => [] => 'string' ],
    [ ws_abi_version   => [] => 'int' ],
    [ ws_strerror      => ['int'] => 'string' ],
    [ ws_last_error    => [] => 'string' ],

    [ ws_config_new    => ['int', 'opaque*'] => 'int' ],
    [ ws_config_free   => ['opaque'] => 'void' ],
    [ ws_config_set    => ['opaque', 'int', 'sint64'] => 'int' ],
    [ ws_config_get    => ['opaque', 'int', 'sint64*'] => 'int' ],
    [ ws_config_add_subprotocol => ['opaque', 'string'] => 'int' ],
    [ ws_config_add_header      => ['opaque', 'string', 'string'] => 'int' ],
    [ ws_config_set_origin      => ['opaque', 'string'] => 'int' ],
    [ ws_config_set_key         => ['opaque', 'string'] => 'int' ],
    [ ws_config_add_deflate_offer   => ['opaque', 'int', 'int', 'int', 'int'] => 'int' ],
    [ ws_config_add_extension_offer => ['opaque', 'string'] => 'int' ],

    [ ws_client_new    => ['opaque', 'string', 'opaque*'] => 'int' ],
    [ ws_server_new    => ['opaque', 'opaque*'] => 'int' ],
    [ ws_conn_new_open => ['opaque', 'string', 'string', 'opaque*'] => 'int' ],
    [ ws_conn_free     => ['opaque'] => 'void' ],

    [ ws_feed          => ['opaque', 'string', 'size_t'] => 'int' ],
    [ ws_feed_eof      => ['opaque'] => 'int' ],
    [ ws_need          => ['opaque'] => 'sint64' ],
    [ ws_feed_request  => ['opaque', 'string', 'string', 'string', 'string[]', 'string[]', 'size_t'] => 'int' ],
    [ ws_feed_response => ['opaque', 'int', 'string', 'string[]', 'string[]', 'size_t'] => 'int' ],

    [ ws_next_events    => ['opaque', 'opaque', 'size_t'] => 'int' ],
    [ ws_feed_next      => ['opaque', 'string', 'size_t', 'size_t*', 'opaque', 'size_t'] => 'int' ],
    [ ws_peek_event     => ['opaque'] => 'int' ],
    [ ws_pending_events => ['opaque'] => 'int' ],

    [ ws_send_text     => ['opaque', 'string', 'size_t'] => 'int' ],
    [ ws_send_binary   => ['opaque', 'string', 'size_t'] => 'int' ],
    [ ws_send          => ['opaque', 'int', 'string', 'size_t', 'uint'] => 'int' ],
    [ ws_begin_message => ['opaque', 'int', 'uint'] => 'int' ],
    [ ws_send_fragment => ['opaque', 'string', 'size_t', 'int'] => 'int' ],
    [ ws_send_frame    => ['opaque', 'int', 'uint', 'int', 'string', 'size_t'] => 'int' ],
    [ ws_ping          => ['opaque', 'string', 'size_t'] => 'int' ],
    [ ws_pong          => ['opaque', 'string', 'size_t'] => 'int' ],
    [ ws_close         => ['opaque', 'int', 'string', 'size_t'] => 'int' ],
    [ ws_heartbeat     => ['opaque'] => 'int' ],
    [ ws_heartbeat_with => ['opaque', 'string', 'size_t'] => 'int' ],
    [ ws_unanswered_pings => ['opaque'] => 'int' ],

    [ ws_output        => ['opaque', 'opaque*', 'size_t*'] => 'int' ],
    [ ws_consume       => ['opaque', 'size_t'] => 'int' ],
    [ ws_output_copy   => ['opaque', 'string', 'size_t'] => 'sint64' ],

    [ ws_state         => ['opaque'] => 'int' ],
    [ ws_hint          => ['opaque'] => 'int' ],
    [ ws_conn_failure  => ['opaque'] => 'string' ],
    [ ws_handshake_failure => ['opaque', 'string*'] => 'int' ],
    [ ws_client_key    => ['opaque', 'string*'] => 'int' ],
    [ ws_subprotocol   => ['opaque', 'string*'] => 'int' ],
    [ ws_extensions    => ['opaque', 'string*'] => 'int' ],
    [ ws_deflate_params => ['opaque', 'int*', 'int*', 'int*', 'int*'] => 'int' ],
    [ ws_memory        => ['opaque'] => 'sint64' ],
    [ ws_shrink        => ['opaque'] => 'int' ],

    [ ws_request_method => ['opaque', 'string*'] => 'int' ],
    [ ws_request_target => ['opaque', 'string*'] => 'int' ],
    [ ws_request_host   => ['opaque', 'string*'] => 'int' ],
    [ ws_request_origin => ['opaque', 'string*'] => 'int' ],
    [ ws_request_header => ['opaque', 'string', 'size_t', 'string*'] => 'int' ],
    [ ws_request_subprotocol => ['opaque', 'size_t', 'string*'] => 'int' ],
    [ ws_request_extension   => ['opaque', 'size_t', 'string*'] => 'int' ],
    [ ws_accept        => ['opaque', 'string', 'string', 'string[]', 'string[]', 'size_t'] => 'int' ],
    [ ws_reject        => ['opaque', 'int', 'string', 'string[]', 'string[]', 'size_t'] => 'int' ],
    [ ws_response_status => ['opaque'] => 'int' ],

    [ ws_frame_parse_header  => ['string', 'size_t', 'string', 'size_t*'] => 'int' ],
    [ ws_frame_encode_header => ['string', 'string', 'size_t'] => 'int' ],
    [ ws_mask          => ['string', 'int', 'string', 'string', 'size_t'] => 'int' ],
    [ ws_random_mask   => ['string'] => 'int' ],
    [ ws_random_bytes  => ['string', 'size_t'] => 'int' ],
    [ ws_accept_key    => ['string', 'string'] => 'int' ],
    [ ws_utf8_valid    => ['string', 'size_t'] => 'int' ],
    [ ws_close_code_valid => ['int'] => 'int' ],
    [ ws_close_code_name  => ['int'] => 'string' ],
    [ ws_signal_forward   => ['opaque'] => 'int' ],

    [ ws_compressor_new    => ['int', 'int', 'int', 'opaque*'] => 'int' ],
    [ ws_compress          => ['opaque', 'string', 'size_t', 'int', 'opaque*', 'size_t*'] => 'int' ],
    [ ws_compressor_free   => ['opaque'] => 'void' ],
    [ ws_decompressor_new  => ['int', 'int', 'sint64', 'opaque*'] => 'int' ],
    [ ws_decompress        => ['opaque', 'string', 'size_t', 'opaque*', 'size_t*'] => 'int' ],
    [ ws_decompressor_free => ['opaque'] => 'void' ],
);

# Each _ws_* function starts as a stub that loads the library (on the
# first call of any of them) and attaches that one function in its place
# (an XSUB: no Perl wrapper on later calls), so whatever public method
# comes first works, and a program pays only for the functions it uses.
my %SIGNATURE = map { ( "_$_->[0]" => $_ ) } @FUNCTIONS;

my %STUB;    # perl name => its stub

sub _attach {
    my ($perl_name) = @_;
    my $f = $SIGNATURE{$perl_name} or die "Net::WebSocket::LibWS: no function $perl_name";
    load() if !$FFI;
    no strict 'refs';
    my $cr = \&{"Net::WebSocket::LibWS::$perl_name"};
    # Attached once; again only if the glob holds the stub once more (a
    # "local *" restored it).
    if ( $cr == $STUB{$perl_name} ) {
        my ( $name, $args, $ret ) = @$f;
        # FFI::Platypus warns that the stub is redefined: it is meant to be.
        local $SIG{__WARN__} = sub { warn @_ if $_[0] !~ m<\ASubroutine Net::WebSocket::LibWS::_ws_\w+ redefined> };
        $FFI->attach( [ $name => "Net::WebSocket::LibWS::$perl_name" ] => $args => $ret );
        $cr = \&{"Net::WebSocket::LibWS::$perl_name"};
    }
    return $cr;
}

for my $perl_name ( keys %SIGNATURE ) {
    no strict 'refs';
    *{"Net::WebSocket::LibWS::$perl_name"} = $STUB{$perl_name} = sub { goto &{ _attach($perl_name) } };
}

sub load {
    return 1 if $READY;

    require FFI::Platypus;
    FFI::Platypus->VERSION('1.00');

    require FFI::Platypus::DL;

    # One FFI object for libc (the signal mask, PL_csighandlerp) and libws,
    # with the C types these signatures use (see Net::WebSocket::LibWS::_C).
    my $ffi = FFI::Platypus->new( api => ( $FFI::Platypus::VERSION >= 2 ? 2 : 1 ), lang => '=Net::WebSocket::LibWS::_C' );
    $ffi->lib(undef);

    # The Go runtime's threads take the signal mask of the thread that
    # loads the library, and keep blocked every signal that was blocked
    # then (except SIGCHLD, SIGPROF, SIGURG and the synchronous ones, which
    # Go always unblocks). Loading with the asynchronous signals blocked
    # keeps them off the Go threads for good; the rest is routed to this
    # thread by ws_signal_forward (see _forward_signals).
    my $old_mask = _block_async_signals($ffi);

    my @tried;
    my $path;
    for my $candidate (_candidates()) {
        # Try it with dlopen first: FFI::Platypus warns about libraries
        # that do not load, and we say why in one exception instead. The
        # handle stays open (libws cannot be unloaded anyway).
        my $handle = FFI::Platypus::DL::dlopen( $candidate, FFI::Platypus::DL::RTLD_PLATYPUS_DEFAULT() );
        if (!$handle) {
            push @tried, "$candidate (" . ( FFI::Platypus::DL::dlerror() // 'not loadable' ) . ')';
            next;
        }
        if ( FFI::Platypus::DL::dlsym( $handle, 'ws_abi_version' ) ) {
            $ffi->lib( $candidate, undef );
            $path = $candidate;
            last;
        }
        FFI::Platypus::DL::dlclose($handle);
        push @tried, "$candidate (no ws_abi_version)";
    }

    if (!$path) {
        _restore_signals($old_mask);
        die Net::WebSocket::X->create('LibraryLoad',
            "libws could not be loaded; tried: " . join( '; ', @tried ) . ". Build it (make lib in the libws tree), set LIBWS_LIBRARY, or call Net::WebSocket::LibWS->library_path(PATH) before the first use."
        );
    }

    my $abi = $ffi->function( ws_abi_version => [] => 'int' )->call();
    if ($abi != ABI_VERSION) {
        _restore_signals($old_mask);
        die Net::WebSocket::X->create('LibraryLoad',
            "libws at $path has ABI version $abi; this binding was written for ABI version " . ABI_VERSION
        );
    }

    # The FFI object lives as long as the process: its destructor would
    # dlclose() the library, and libws cannot be unloaded anyway.
    bless $ffi, 'Net::WebSocket::LibWS::_Immortal';
    $FFI = $ffi;

    my $ok = eval { _forward_signals(); 1 };
    my $err = $@;
    _restore_signals($old_mask);
    if (!$ok) {
        $FFI = undef;
        die $err;
    }

    $LOADED_FROM = $path;
    $LOAD_PID = $$;
    $READY = 1;

    _scratch_init();

    return 1;
}

# Blocks every asynchronous signal on this thread; returns the old mask
# (undef if nothing was done). Only the control runs of the tests skip it
# (LIBWS_NO_SIGNAL_FORWARD): without it the Go runtime's own threads take
# %SIG's signals (see "Signals" above).
my $WARNED_NO_BLOCK;

# Signal numbers and sigprocmask's "how" values that Linux shares on
# these architectures (MIPS, SPARC and Alpha differ): there the mask is
# set through libc directly, elsewhere through POSIX (a few ms to load).
my %LINUX_SYNC = ( SEGV => 11, BUS => 7, FPE => 8, ILL => 4, TRAP => 5, ABRT => 6, SYS => 31 );
use constant { _LINUX_SIG_BLOCK => 0, _LINUX_SIG_SETMASK => 2, _SIGSET_BYTES => 128 };
my $SIGMASK;    # pthread_sigmask through libc, on those Linuxes

# The CPU from perl's own ELF header (e_machine; Config.pm costs a few ms
# to load): x86-64, i386, AArch64, ARM, RISC-V, PowerPC (32/64), S/390.
my %GENERIC_MACHINE = map { $_ => 1 } 62, 3, 183, 40, 243, 20, 21, 22;

sub _linux_generic {
    return 0 if $^O ne 'linux';
    open( my $fh, '<:raw', '/proc/self/exe' ) or return 0;
    my $n = read( $fh, my $elf, 20 );
    return 0 if !$n || $n != 20 || substr( $elf, 0, 4 ) ne "\x7fELF";
    # e_machine, in the byte order of this (native) executable.
    return $GENERIC_MACHINE{ unpack 'S', substr( $elf, 18, 2 ) } ? 1 : 0;
}

sub _block_async_signals {
    my ($ffi) = @_;
    if ( $ENV{LIBWS_NO_SIGNAL_BLOCK} && !$WARNED_NO_BLOCK++ ) {
        warn "Net::WebSocket::LibWS: LIBWS_NO_SIGNAL_BLOCK is ignored: without the blocked signal mask at load, %SIG handlers crash perl on the Go runtime's threads (see \"Signals\" in Net::WebSocket::LibWS)\n";
    }
    return undef if $ENV{LIBWS_NO_SIGNAL_FORWARD} && !$ENV{LIBWS_SIGNAL_BLOCK};

    if ( _linux_generic() ) {
        my ( $fill, $del );
        $SIGMASK = eval {
            $fill = $ffi->function( sigfillset => ['string'] => 'int' );
            $del = $ffi->function( sigdelset => [ 'string', 'int' ] => 'int' );
            $ffi->function( pthread_sigmask => [ 'int', 'string', 'string' ] => 'int' );
        };
        if ($SIGMASK) {
            my $set = "\0" x _SIGSET_BYTES;
            my $old = "\0" x _SIGSET_BYTES;
            $fill->call($set) == 0 or return undef;
            $del->call( $set, $_ ) for values %LINUX_SYNC;
            $SIGMASK->call( _LINUX_SIG_BLOCK, $set, $old ) == 0 or return undef;
            return \$old;
        }
    }

    require POSIX;
    my $set = POSIX::SigSet->new();
    $set->fillset();
    for my $sync (qw( SEGV BUS FPE ILL TRAP ABRT SYS )) {
        my $cr = POSIX->can("SIG$sync") or next;
        $set->delset( $cr->() );
    }
    my $old = POSIX::SigSet->new();
    POSIX::sigprocmask( POSIX::SIG_BLOCK(), $set, $old ) or return undef;
    return $old;
}

sub _restore_signals {
    my ($old) = @_;
    return if !$old;
    if ( ref $old eq 'SCALAR' ) {
        $SIGMASK->call( _LINUX_SIG_SETMASK, $$old, undef );
        return;
    }
    POSIX::sigprocmask( POSIX::SIG_SETMASK(), $old );
    return;
}

# Whether ws_signal_forward is on (libws then runs each call with the
# asynchronous signals blocked).
my $FORWARDING = 0;

sub _forward_signals {
    return if $ENV{LIBWS_NO_SIGNAL_FORWARD};

    my $slot = eval { $FFI->find_symbol('PL_csighandlerp') };

    if (!$slot) {
        require Config;
        return if !$Config::Config{'usethreads'};    # no per-thread interpreter context to lose

        die Net::WebSocket::X->create('LibraryLoad',
            "this threaded perl does not export PL_csighandlerp, so %SIG handlers cannot be kept off the Go runtime's threads (where threaded perls before 5.42 crash). Safe configurations: a perl that exports PL_csighandlerp (a shared libperl, as Debian's), a non-threaded perl, perl 5.42 or later, or a program without %SIG handlers (set LIBWS_NO_SIGNAL_FORWARD=1 to load anyway)."
        );
    }

    my $rc = _ws_signal_forward($slot);
    if ($rc < 0) {
        die Net::WebSocket::X->create('LibraryLoad', "ws_signal_forward failed: " . _ws_last_error() . " ($rc)");
    }

    # From now on libws blocks the asynchronous signals around each call
    # (in C: two system calls, no Perl code and no extra FFI call).
    $FORWARDING = 1;

    return;
}

sub signal_guard_active { return $FORWARDING }

#----------------------------------------------------------------------
# Errors

sub _croak_rc {
    my ($rc, $what) = @_;

    my $msg = $READY ? _ws_last_error() : '';
    if ($rc == WS_E_FORKED) {
        die Net::WebSocket::X->create('Forked');
    }
    die Net::WebSocket::X->create('LibWS', $rc, $msg, $what);
}

# Checks that the library is usable in this process (loads it on first use).
sub _ensure {
    if (!$READY) {
        load();
    }
    elsif ($$ != $LOAD_PID) {
        die Net::WebSocket::X->create('Forked');
    }
    return 1;
}

# A byte string for a C call: UTF-8-flagged strings are downgraded (their
# characters must all be < 256).
sub _bytes {
    return $_[0] if !utf8::is_utf8($_[0]);
    my $copy = $_[0];
    utf8::downgrade($copy, 1) or die Net::WebSocket::X->create('BadArg', payload => substr($_[0], 0, 20) . '...', 'Wide character: pass bytes (encode text with utf8::encode first)');
    return $copy;
}

#----------------------------------------------------------------------
# Stateless helpers

sub version     { _ensure(); return _ws_version() }
sub abi_version { _ensure(); return _ws_abi_version() }
sub last_error  { _ensure(); return _ws_last_error() }

sub strerror {
    my ($code) = @_;
    _ensure();
    return _ws_strerror($code);
}

sub utf8_valid {
    _ensure();
    my $b = _bytes($_[0]);
    my $rc = _ws_utf8_valid($b, length $b);
    _croak_rc($rc, 'ws_utf8_valid') if $rc < 0;
    return $rc;
}

sub close_code_valid {
    my ($code) = @_;
    _ensure();
    return 0 if !defined $code || $code !~ m<\A[0-9]+\z> || $code > 0xFFFF;
    return _ws_close_code_valid($code);
}

sub close_code_name {
    my ($code) = @_;
    _ensure();
    return '' if !defined $code || $code !~ m<\A[0-9]+\z> || $code > 0xFFFF;
    return _ws_close_code_name($code);
}

# Scratch buffers libws writes into (private, never copied).
my ($S_KEY, $S_ACCEPT, $S_HDR, $S_ENC);

sub _scratch_init {
    # grow() is an XSUB that FFI::Platypus defines when it loads; its
    # module (Exporter, constant, ...) is loaded only if it did not.
    require FFI::Platypus::Buffer if !defined &FFI::Platypus::Buffer::grow;
    FFI::Platypus::Buffer::grow( $S_KEY, 4, { set_length => 1 } );
    FFI::Platypus::Buffer::grow( $S_ACCEPT, 29, { set_length => 1 } );
    FFI::Platypus::Buffer::grow( $S_HDR, 16, { set_length => 1 } );
    FFI::Platypus::Buffer::grow( $S_ENC, 14, { set_length => 1 } );
    return;
}

sub random_mask {
    _ensure();
    my $rc = _ws_random_mask($S_KEY);
    _croak_rc($rc, 'ws_random_mask') if $rc < 0;
    return "$S_KEY";
}

sub random_bytes {
    my ($n) = @_;
    _ensure();
    if ( !defined $n || $n !~ m<\A[0-9]+\z> ) {
        die Net::WebSocket::X->create('BadArg', length => $n, 'Give a number of bytes');
    }
    return q<> if !$n;
    my $buf;
    FFI::Platypus::Buffer::grow( $buf, $n, { set_length => 1 } );
    my $rc = _ws_random_bytes( $buf, $n );
    _croak_rc($rc, 'ws_random_bytes') if $rc < 0;
    return $buf;
}

sub accept_key {
    my ($key) = @_;
    _ensure();
    die Net::WebSocket::X->create('BadArg', key => $key) if !defined $key;
    my $rc = _ws_accept_key("$key", $S_ACCEPT);
    _croak_rc($rc, 'ws_accept_key') if $rc < 0;
    return substr($S_ACCEPT, 0, 28);
}

sub mask {
    my ($key, undef, $pos) = @_;
    _ensure();
    if (!defined $key || length($key) != 4) {
        die Net::WebSocket::X->create('BadArg', mask => $key, 'A mask is 4 bytes');
    }
    my $src = _bytes($_[1]);
    my $len = length $src;
    return '' if !$len;
    my $dst;
    FFI::Platypus::Buffer::grow( $dst, $len, { set_length => 1 } );
    my $rc = _ws_mask($key, $pos || 0, $src, $dst, $len);
    _croak_rc($rc, 'ws_mask') if $rc < 0;
    return $dst;
}

# mask() for checked arguments (a 4-byte key, bytes): the masked copy.
sub _masked {
    my $len = length $_[1];
    return q<> if !$len;
    my $dst;
    FFI::Platypus::Buffer::grow( $dst, $len, { set_length => 1 } );
    my $rc = _ws_mask( $_[0], 0, $_[1], $dst, $len );
    _croak_rc($rc, 'ws_mask') if $rc < 0;
    return $dst;
}

# Masks the string in $$ref in place (the string is replaced).
sub _mask_in_place {
    my ($key, $ref) = @_;
    my $len = length $$ref;
    return if !$len;
    my $dst;
    FFI::Platypus::Buffer::grow( $dst, $len, { set_length => 1 } );
    my $rc = _ws_mask($key, 0, $$ref, $dst, $len);
    _croak_rc($rc, 'ws_mask') if $rc < 0;
    $$ref = $dst;
    return;
}

sub frame_parse_header {
    _ensure();
    my $b = _bytes($_[0]);
    my $need = 0;
    my $rc = _ws_frame_parse_header($b, length $b, $S_HDR, \$need);
    _croak_rc($rc, 'ws_frame_parse_header') if $rc < 0;
    return (undef, $need) if $rc == 0;
    my ($fin, $rsv, $opcode, $masked, $mask, $length) = unpack 'CCCCa4Q', $S_HDR;
    return {
        header_length => $rc,
        fin => $fin, rsv => $rsv, opcode => $opcode, masked => $masked,
        mask => ( $masked ? $mask : '' ),
        length => $length,
    };
}

# frame_parse_header without the hash: (HEADER_LENGTH, FIN, RSV, OPCODE,
# MASKED, MASK, LENGTH), or (0, NEED) when too short; a negative WS_E_*
# code alone for a header no peer may send.
sub _parse_header_list {
    _ensure() if !$READY;
    my $need = 0;
    my $rc = _ws_frame_parse_header( $_[0], length $_[0], $S_HDR, \$need );
    return $rc if $rc < 0;
    return ( 0, $need ) if !$rc;
    return ( $rc, unpack 'CCCCa4Q', $S_HDR );
}

sub frame_encode_header {
    my (%h) = @_;
    _ensure();
    my $mask = $h{'mask'} // '';
    if (length($mask) && length($mask) != 4) {
        die Net::WebSocket::X->create('BadArg', mask => $mask, 'A mask is 4 bytes or empty');
    }
    my $hdr = pack 'CCCCa4Q', ($h{'fin'} ? 1 : 0), ($h{'rsv'} || 0), ($h{'opcode'} || 0),
        (length($mask) ? 1 : 0), $mask, ($h{'length'} || 0);
    my $rc = _ws_frame_encode_header($hdr, $S_ENC, 14);
    _croak_rc($rc, 'ws_frame_encode_header') if $rc < 0;
    return substr($S_ENC, 0, $rc);
}

# Encodes a header; libws refuses one that no peer may send (control
# frames: final, at most 125 bytes). Returns the header bytes, or undef
# with the libws error code.
sub _encode_checked_header {
    my ($fin, $rsv, $opcode, $mask, $length) = @_;
    my $hdr = pack 'CCCCa4Q', $fin, $rsv, $opcode, (length($mask) ? 1 : 0), $mask, $length;
    my $rc = _ws_frame_encode_header($hdr, $S_ENC, 14);
    return (undef, $rc) if $rc < 0;
    return substr($S_ENC, 0, $rc);
}

# Builds a ws_config from options (Net/WebSocket/LibWS/Config.pm, loaded
# with the first connection: a program that only parses frames does not
# compile it). Returns the config handle; the caller frees it with
# _ws_config_free once the connection is made.
sub _config {
    require Net::WebSocket::LibWS::Config;
    goto &_config_build;
}

#----------------------------------------------------------------------

# FFI::Platypus's language plugin for these signatures: the C types they
# name, as on every ABI libws is built for (int is 32 bits; size_t is as
# wide as a pointer). FFI::Platypus's own C plugin reads them from its
# installed configuration, which takes File::Spec, Cwd and a file read.
package Net::WebSocket::LibWS::_C;

my $SIZE_T = length( pack 'p', undef ) == 8 ? 'uint64' : 'uint32';

sub native_type_map { return { int => 'sint32', uint => 'uint32', size_t => $SIZE_T } }

#----------------------------------------------------------------------

package Net::WebSocket::LibWS::_Immortal;

our @ISA = ('FFI::Platypus');

sub DESTROY { }

1;
