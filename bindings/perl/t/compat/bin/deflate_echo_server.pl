#!/usr/bin/perl
# An echo server written for the original Net::WebSocket, in its
# compressed echo-server pattern: Handshake::Server with a
# PMCE::deflate::Server, the endpoint made WITHOUT the handshake
# (Endpoint::Server->new(parser =>, out =>)), a data object from
# $deflate->create_data_object(), and for each message
# message_is_compressed ? decompress : get_payload; the echo is made by the
# data object (compressed) when deflate was agreed. Reads through an
# IO::Framed reader (FramedSocket: its contract).
#
#   deflate_echo_server.pl CONNECTIONS
#
# Listens on 127.0.0.1 (a free port: prints "listening on ws://...");
# serves CONNECTIONS connections one after the other, printing for each
# "connection N: deflate=0|1 messages=M", then exits 0 (1 if one failed).
use strict;
use warnings;

use FindBin ();
use lib "$FindBin::Bin/../lib";

use IO::Socket::INET ();
use IO::Select ();
use HTTP::Request ();

use FramedSocket ();
use Net::WebSocket::Handshake::Server ();
use Net::WebSocket::HTTP_R ();
use Net::WebSocket::Parser ();
use Net::WebSocket::Endpoint::Server ();
use Net::WebSocket::PMCE::deflate::Server ();

$SIG{'PIPE'} = 'IGNORE';
$| = 1;

my $connections = shift @ARGV || 1;
my $listen = IO::Socket::INET->new( LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 5, ReuseAddr => 1 ) or die "listen: $@\n";
print 'listening on ws://127.0.0.1:', $listen->sockport(), "/\n";

my $failed = 0;
for my $n ( 1 .. $connections ) {
    my $inet = $listen->accept() or die "accept: $!\n";
    my $ok = eval { serve( $n, $inet ); 1 };
    if ( !$ok ) {
        print "connection $n: FAILED: $@";
        $failed++;
    }
    close $inet;
}
exit( $failed ? 1 : 0 );

sub serve {
    my ( $n, $inet ) = @_;

    local $SIG{'ALRM'} = sub { die "timed out\n" };
    alarm 20;

    my $deflate = Net::WebSocket::PMCE::deflate::Server->new();
    my $hsk = Net::WebSocket::Handshake::Server->new( extensions => [$deflate] );
    my $head = FramedSocket::read_head($inet) // die "no request head\n";
    Net::WebSocket::HTTP_R::handshake_consume_request( $hsk, HTTP::Request->parse($head) );
    syswrite $inet, $hsk->to_string() or die "write: $!\n";

    my $data = $deflate->ok_to_use() ? $deflate->create_data_object() : undef;

    my $iof = FramedSocket->new($inet);
    my $ept = Net::WebSocket::Endpoint::Server->new(
        parser => Net::WebSocket::Parser->new($iof),
        out    => $iof,
    );

    my $messages = 0;
    my $sel = IO::Select->new($inet);
    while ( !$ept->is_closed() ) {
        $sel->can_read(10) or die "nothing read for 10 s\n";
        my $msg = eval { $ept->get_next_message() };
        if ( my $err = $@ ) {
            last if ref $err && $err->isa('Net::WebSocket::X::ReceivedClose');    # the endpoint echoed it
            die $err;
        }
        last if defined $msg && !ref $msg;    # end of input
        next if !$msg;

        my $payload = ( $data && $data->message_is_compressed($msg) )
            ? $data->decompress( $msg->get_payload() )
            : $msg->get_payload();
        my $answer = $data ? $data->create_message( $msg->get_type(), $payload ) : $ept->create_message( $msg->get_type(), $payload );
        $iof->write( $answer->to_bytes() );
        $messages++;
    }
    alarm 0;

    my ( $code, $reason ) = $ept->received_close_frame() ? $ept->received_close_frame()->get_code_and_reason() : ();
    printf "connection %d: deflate=%d messages=%d close=%s\n", $n, ( $data ? 1 : 0 ), $messages, $code // 'none';
    return;
}
