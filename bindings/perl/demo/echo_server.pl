#!/usr/bin/env perl

# A forking WebSocket echo server: permessage-deflate, a heartbeat, and a
# select() loop per connection, with the classes of Net::WebSocket.
#
#   perl demo/echo_server.pl [host:]port [--heartbeat SECONDS]
#
# The heartbeat pings a client idle for SECONDS (default 10) and gives up
# after 3 unanswered pings (close 1008); --heartbeat 0 turns it off.
#
# Port 0 picks a free port; the server prints "listening on HOST:PORT".
# The parent never touches libws: each child loads it after fork(), as a
# pre-forking server would.

use strict;
use warnings;

use FindBin ();
use lib "$FindBin::Bin/../lib", "$FindBin::Bin/lib";

use Getopt::Long ();
use IO::Select ();
use IO::Socket::INET ();
use POSIX ();

use NWDemo ();

use Net::WebSocket::Endpoint::Server ();
use Net::WebSocket::Parser ();
use Net::WebSocket::PMCE::deflate::Server ();

my $heartbeat = 10;
Getopt::Long::GetOptions( 'heartbeat=f' => \$heartbeat ) or die "usage: $0 [host:]port [--heartbeat SECONDS]\n";
die "$0: --heartbeat: seconds must be >= 0 (0: no heartbeat)\n" if $heartbeat < 0;

my $host_port = shift @ARGV // die "usage: $0 [host:]port [--heartbeat SECONDS]\n";
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

    my $reader = NWDemo::Reader->new( $sock, $pre );
    my $writer = NWDemo::Writer->new($sock);

    my $ept = Net::WebSocket::Endpoint::Server->new(
        parser    => Net::WebSocket::Parser->new($reader),
        out       => $writer,
        handshake => $hsk,          # libws inflates what the client compressed
    );
    $ept->do_not_die_on_close();

    # Replies are compressed when the client agreed to permessage-deflate.
    my $data = $deflate->ok_to_use() ? $deflate->create_data_object() : undef;

    my $select = IO::Select->new($sock);

    # select() waits for ever without a timeout: no heartbeat then (a
    # timeout of 0 would not block at all, and every turn would ping).
    my $idle = $heartbeat > 0 ? $heartbeat : undef;

    while ( !$ept->is_closed() ) {
        if ( !$reader->pending() && !$select->can_read($idle) ) {
            $ept->check_heartbeat() if $idle;    # not after an EINTR without a heartbeat
            next;
        }

        while (1) {
            my $msg = eval { $ept->get_next_message() };
            if ( !defined $msg ) {
                if ($@) {
                    warn "connection failed: $@";
                    return;
                }
                last;    # wait for more bytes
            }
            return if !ref $msg;    # end of file

            my $answer = $data
                ? $data->create_message( $msg->get_type(), $msg->get_payload() )
                : $ept->create_message( $msg->get_type(), $msg->get_payload() );
            $writer->write( $answer->to_bytes() );
        }
    }

    # We answered the client's close (or closed it): RFC 6455 §7.1.1 has
    # the server close the TCP connection first.
    close $sock;

    return;
}
