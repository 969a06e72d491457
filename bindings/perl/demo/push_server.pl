#!/usr/bin/env perl

# A server that pushes a streamed message every second: each second it
# sends the next fragment of a text message ("0", "1", then the final
# "2"), so a client receives "012" every three seconds; it ignores what
# clients send (but answers pings and closes).
#
#   perl demo/push_server.pl [host:]port [--interval SECONDS]

use strict;
use warnings;

use FindBin ();
use lib "$FindBin::Bin/../lib", "$FindBin::Bin/lib";

use Getopt::Long ();
use IO::Select ();
use IO::Socket::INET ();
use POSIX ();
use Time::HiRes ();

use NWDemo ();

use Net::WebSocket::Endpoint::Server ();
use Net::WebSocket::Parser ();
use Net::WebSocket::Streamer::Server ();

my $interval = 1;
Getopt::Long::GetOptions( 'interval=f' => \$interval ) or die "usage: $0 [host:]port [--interval SECONDS]\n";

my $host_port = shift @ARGV // die "usage: $0 [host:]port [--interval SECONDS]\n";
$host_port = "127.0.0.1:$host_port" if index( $host_port, ':' ) == -1;
my ($host, $port) = split m<:>, $host_port;

my $server = IO::Socket::INET->new(
    LocalHost => $host, LocalPort => $port, ReuseAddr => 1, Listen => 16,
) or die "listen on $host_port: $!\n";

$| = 1;
printf "listening on %s:%d\n", $host, $server->sockport();

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

    my $reader = NWDemo::Reader->new( $sock, $pre );
    my $writer = NWDemo::Writer->new($sock);

    my $ept = Net::WebSocket::Endpoint::Server->new(
        parser    => Net::WebSocket::Parser->new($reader),
        out       => $writer,
        handshake => $hsk,
    );
    $ept->do_not_die_on_close();

    my $select = IO::Select->new($sock);
    my $streamer = Net::WebSocket::Streamer::Server->new('text');

    push_loop( $ept, $reader, $writer, $select, \$streamer );

    # Closing mid-message: end the streamer without sending its last frame
    # (destroying an unfinished streamer throws UnfinishedStream).
    $streamer->create_final(q<>) if !$streamer->{'finished'};
    close $sock;
    return;
}

sub push_loop {
    my ($ept, $reader, $writer, $select, $streamer_r) = @_;

    my $n = 0;
    my $next = Time::HiRes::time() + $interval;

    while ( !$ept->is_closed() ) {
        my $wait = $next - Time::HiRes::time();
        if ( $wait <= 0 ) {
            my $final = ( $n == 2 );
            my $frame = $final ? $$streamer_r->create_final($n) : $$streamer_r->create_chunk($n);
            $writer->write( $frame->to_bytes() );
            if ($final) {
                $$streamer_r = Net::WebSocket::Streamer::Server->new('text');
                $n = 0;
            }
            else {
                $n++;
            }
            $next += $interval;
            next;
        }

        next if !$reader->pending() && !$select->can_read($wait);

        while (1) {
            my $msg = eval { $ept->get_next_message() };
            if ( !defined $msg ) {
                if ($@) { warn "connection failed: $@"; return }
                last;
            }
            return if !ref $msg;
        }
    }

    return;
}
