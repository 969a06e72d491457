#!/usr/bin/env perl

# A forking WebSocket echo server: permessage-deflate, a heartbeat, and a
# select() loop per connection, with the classes of Net::WebSocket and
# memory bounded against a peer that sends without reading (see the POD:
# perldoc demo/echo_server.pl, or --help).

use strict;
use warnings;

use FindBin ();
use lib "$FindBin::Bin/../lib", "$FindBin::Bin/lib";

use Getopt::Long ();
use IO::Socket::INET ();
use POSIX ();
use Pod::Usage ();

use NWDemo ();
use NWDemo::Session ();

use Net::WebSocket::PMCE::deflate::Server ();

=head1 NAME

echo_server.pl - a forking WebSocket echo server on Net::WebSocket (libws)

=head1 SYNOPSIS

    perl demo/echo_server.pl [HOST:]PORT [--heartbeat SECONDS]
        [--max-queue N] [--max-queue-bytes BYTES] [--high-water BYTES]
        [--max-message BYTES]

Port 0 picks a free port; the server prints C<listening on HOST:PORT>, then
a line per connection with the extensions agreed
(C<< 127.0.0.1:PORT open, extensions: permessage-deflate >> or C<none>).

=head1 DESCRIPTION

Each connection is served by a child process, which loads libws after
fork() (the parent never touches it, as a pre-forking server would):
the opening handshake (permessage-deflate accepted), then every message
is sent back, compressed when the client agreed to it.

Memory is bounded whatever the client does (L<NWDemo::Session> runs the
loop). Messages wait for their echo in a queue of at most C<--max-queue>
messages and C<--max-queue-bytes> bytes (one message always fits); the
socket is not read while that queue is full or while more than
C<--high-water> bytes of output are unsent, and no echo is made while the
output is above that mark. A client that sends without reading its
echoes fills the kernel's socket buffers and then waits. A connection
holds about C<--max-queue-bytes> plus one message of at most
C<--max-message> bytes in the queue, libws's 1 MiB receive budget
(C<max_queued>) and the message it is assembling, and the high-water
mark of output, plus the copies of the message being echoed. Without
these bounds, 200 compressed messages of 8 MiB (1.6 MB on the wire) made
a connection process peak at 550 MiB.

Messages that arrived before a close frame are echoed before the close
reply. The heartbeat pings only while the server waits for the client's
bytes (not while it does not read them).

=head1 OPTIONS

=over

=item C<--heartbeat SECONDS> - ping a client idle for SECONDS (default
10) and close with 1008 after 3 unanswered pings; 0 turns it off.

=item C<--max-queue N> - messages received and not yet echoed, at most
(default 16, as Python's websockets' C<max_queue>).

=item C<--max-queue-bytes BYTES> - payload bytes of those messages, at
most (default 16 MiB, as the Python binding's C<max_queue_bytes>).

=item C<--high-water BYTES> - unsent output above which the server stops
reading and echoing (default 65536).

=item C<--max-message BYTES> - the largest message accepted, after
inflating (default libws's, 64 MiB; larger ones are refused with 1009).

=item C<--help>

=back

=cut

my ( $heartbeat, $max_message ) = ( 10, 0 );
my ( $max_queue, $max_queue_bytes, $high_water ) = ( NWDemo::Session::MAX_QUEUE, NWDemo::Session::MAX_QUEUE_BYTES, NWDemo::Session::HIGH_WATER );
Getopt::Long::GetOptions(
    'heartbeat=f'       => \$heartbeat,
    'max-queue=i'       => \$max_queue,
    'max-queue-bytes=i' => \$max_queue_bytes,
    'high-water=i'      => \$high_water,
    'max-message=i'     => \$max_message,
    'help'          => sub { Pod::Usage::pod2usage( -verbose => 2, -noperldoc => 1, -exitval => 0 ) },
) or Pod::Usage::pod2usage(2);
die "$0: --heartbeat: seconds must be >= 0 (0: no heartbeat)\n" if $heartbeat < 0;
die "$0: --max-queue, --max-queue-bytes and --high-water must be at least 1\n" if grep { $_ < 1 } $max_queue, $max_queue_bytes, $high_water;

my $host_port = shift @ARGV // Pod::Usage::pod2usage(2);
$host_port = "127.0.0.1:$host_port" if index( $host_port, ':' ) == -1;
my ($host, $port) = split m<:>, $host_port;

my $server = IO::Socket::INET->new(
    LocalHost => $host,
    LocalPort => $port,
    ReuseAddr => 1,
    Listen    => 16,
) or die "listen on $host_port: $!\n";

$| = 1;
printf "listening on %s:%d\n", $host, $server->sockport();

# Reap children; the handler runs on perl's thread whatever the kernel
# picks (Net::WebSocket::LibWS routes signals), but the parent has not
# even loaded libws.
# A peer that went away makes writes fail (EPIPE) instead of killing the
# process with SIGPIPE (see "SIGPIPE" in Net::WebSocket).
$SIG{'PIPE'} = 'IGNORE';
$SIG{'CHLD'} = sub { 1 while waitpid( -1, POSIX::WNOHANG() ) > 0 };
$SIG{'TERM'} = sub { exit 0 };

while (1) {
    my $sock = $server->accept() or next;    # EINTR from SIGCHLD: try again

    my $pid = fork;
    die "fork: $!" if !defined $pid;
    if ($pid) {
        close $sock;
        next;
    }

    close $server;
    $SIG{'CHLD'} = 'DEFAULT';
    serve($sock);
    exit 0;
}

sub serve {
    my ($sock) = @_;

    my $deflate = Net::WebSocket::PMCE::deflate::Server->new();

    my ($hsk, $pre) = NWDemo::handshake_as_server( $sock, extensions => [$deflate] ) or return;

    $sock->blocking(0);

    # Replies are compressed when the client agreed to permessage-deflate.
    my $data = $deflate->ok_to_use() ? $deflate->create_data_object() : undef;
    printf "%s:%d open, extensions: %s\n", $sock->peerhost() // '?', $sock->peerport() // 0,
        $data ? $deflate->get_handshake_object()->to_string() : 'none';

    my $session = NWDemo::Session->new(
        sock        => $sock,
        pre         => $pre,
        handshake   => $hsk,
        max_queue   => $max_queue,
        max_queue_bytes => $max_queue_bytes,
        high_water  => $high_water,
        max_message => $max_message,
        heartbeat   => $heartbeat,
        on_message  => sub {
            my ($s, $msg) = @_;
            my $answer = $data
                ? $data->create_message( $msg->get_type(), $msg->get_payload() )
                : $s->endpoint()->create_message( $msg->get_type(), $msg->get_payload() );
            $s->send( $answer->to_bytes() );
        },
    );
    $session->run();

    # We answered the client's close (or closed it): RFC 6455 §7.1.1 has
    # the server close the TCP connection first.
    close $sock;

    return;
}
