#!/usr/bin/env perl

# A server that pushes a streamed message, a fragment per interval, with
# memory bounded against a client that does not read (see the POD:
# perldoc demo/push_server.pl, or --help).

use strict;
use warnings;

use FindBin ();
use lib "$FindBin::Bin/../lib", "$FindBin::Bin/lib";

use Getopt::Long ();
use IO::Socket::INET ();
use POSIX ();
use Pod::Usage ();
use Time::HiRes ();

use NWDemo ();
use NWDemo::Session ();

use Net::WebSocket::Streamer::Server ();

=head1 NAME

push_server.pl - a WebSocket server that pushes a streamed message

=head1 SYNOPSIS

    perl demo/push_server.pl [HOST:]PORT [--interval SECONDS]
        [--max-queue N] [--max-queue-bytes BYTES] [--high-water BYTES]
        [--max-message BYTES]

Port 0 picks a free port; the server prints C<listening on HOST:PORT>.

=head1 DESCRIPTION

Every interval it sends the next fragment of a text message ("0", "1",
then the final "2"), so a client receives "012" every three intervals. It
ignores the messages clients send, but answers their pings and closes.
Each connection is served by a child process, which loads libws after
fork().

Memory is bounded whatever the client does (L<NWDemo::Session> runs the
loop, as in F<echo_server.pl>): received messages wait in a queue of at
most C<--max-queue> messages and C<--max-queue-bytes> bytes (here they
are dropped as soon as they are taken); the socket is not read while
that queue is full or while more than C<--high-water> bytes of output
are unsent, and no fragment is pushed then either (pushing resumes, one
fragment per interval, once the client reads again). So a client that
never reads costs at most the high-water mark of fragments and pongs,
not one more fragment per interval for ever.

=head1 OPTIONS

=over

=item C<--interval SECONDS> - between two fragments (default 1).

=item C<--max-queue N>, C<--max-queue-bytes BYTES> - the receive queue's
bounds (default 16 messages, 16 MiB).

=item C<--high-water BYTES> - unsent output above which the server stops
reading and pushing (default 65536).

=item C<--max-message BYTES> - the largest message accepted, after
inflating (default libws's, 64 MiB).

=item C<--help>

=back

=cut

my ( $interval, $max_message ) = ( 1, 0 );
my ( $max_queue, $max_queue_bytes, $high_water ) = ( NWDemo::Session::MAX_QUEUE, NWDemo::Session::MAX_QUEUE_BYTES, NWDemo::Session::HIGH_WATER );
Getopt::Long::GetOptions(
    'interval=f'        => \$interval,
    'max-queue=i'       => \$max_queue,
    'max-queue-bytes=i' => \$max_queue_bytes,
    'high-water=i'      => \$high_water,
    'max-message=i'     => \$max_message,
    'help'              => sub { Pod::Usage::pod2usage( -verbose => 2, -noperldoc => 1, -exitval => 0 ) },
) or Pod::Usage::pod2usage(2);
die "$0: --interval must be > 0\n" if $interval <= 0;
die "$0: --max-queue, --max-queue-bytes and --high-water must be at least 1\n" if grep { $_ < 1 } $max_queue, $max_queue_bytes, $high_water;

my $host_port = shift @ARGV // Pod::Usage::pod2usage(2);
$host_port = "127.0.0.1:$host_port" if index( $host_port, ':' ) == -1;
my ($host, $port) = split m<:>, $host_port;

my $server = IO::Socket::INET->new(
    LocalHost => $host, LocalPort => $port, ReuseAddr => 1, Listen => 16,
) or die "listen on $host_port: $!\n";

$| = 1;
printf "listening on %s:%d\n", $host, $server->sockport();

# A peer that went away makes writes fail (EPIPE) instead of killing the
# process with SIGPIPE (see "SIGPIPE" in Net::WebSocket).
$SIG{'PIPE'} = 'IGNORE';
$SIG{'CHLD'} = sub { 1 while waitpid( -1, POSIX::WNOHANG() ) > 0 };
$SIG{'TERM'} = sub { exit 0 };

while (1) {
    my $sock = $server->accept() or next;
    my $pid = fork // die "fork: $!";
    if ($pid) { close $sock; next }
    close $server;
    $SIG{'CHLD'} = 'DEFAULT';
    serve($sock);
    exit 0;
}

sub serve {
    my ($sock) = @_;

    my ($hsk, $pre) = NWDemo::handshake_as_server($sock) or return;
    $sock->blocking(0);

    my $streamer = Net::WebSocket::Streamer::Server->new('text');
    my $n = 0;
    my $next = Time::HiRes::time() + $interval;

    my $session = NWDemo::Session->new(
        sock            => $sock,
        pre             => $pre,
        handshake       => $hsk,
        max_queue       => $max_queue,
        max_queue_bytes => $max_queue_bytes,
        high_water      => $high_water,
        max_message     => $max_message,
        on_message      => sub { },    # ignored
        on_timer        => sub {
            my ($s) = @_;
            my $now = Time::HiRes::time();
            return $next - $now if $now < $next;
            return undef if !$s->output_room();    # the client is not reading: wait for it
            my $final = ( $n == 2 );
            my $frame = $final ? $streamer->create_final($n) : $streamer->create_chunk($n);
            $s->send( $frame->to_bytes() );
            if ($final) {
                $streamer = Net::WebSocket::Streamer::Server->new('text');
                $n = 0;
            }
            else {
                $n++;
            }
            # Late (the output was full): the next one an interval from now, no burst.
            $next = $now if $next + $interval < $now;
            $next += $interval;
            return $next - $now;
        },
    );
    $session->run();

    # Closing mid-message: end the streamer without sending its last frame
    # (destroying an unfinished streamer throws UnfinishedStream).
    $streamer->create_final(q<>) if !$streamer->{'finished'};
    close $sock;
    return;
}
