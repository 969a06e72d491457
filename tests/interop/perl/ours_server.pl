#!/usr/bin/env perl

# Our Perl server surface in the interop matrix: the Net::WebSocket classes
# of bindings/perl used as its demo/echo_server.pl uses them (a fork per
# connection, the handshake read with sysread and parsed by HTTP::Request,
# an Endpoint::Server over a read(N) reader, replies made by the
# permessage-deflate data object), running the matrix exchange with checks:
#
#   perl ours_server.pl        # prints READY <port-A> <port-B> <port-C>
#
# Port A accepts permessage-deflate as offered; port B imposes
# server_no_context_takeover and client_no_context_takeover; port C window
# bits 10 both ways. Pings and
# pongs are seen by overriding on_ping/on_pong, as Net::WebSocket allows.
# Messages come out of the Endpoint already inflated, without a mark of
# having been compressed: that check is not observable here.

use strict;
use warnings;

use FindBin ();
use lib "$FindBin::Bin", "$FindBin::Bin/../../../bindings/perl/lib", "$FindBin::Bin/../../../bindings/perl/demo/lib";

use HTTP::Request ();
use IO::Select ();
use IO::Socket::INET ();
use POSIX ();

use MatrixScript ();
use NWDemo ();

use Net::WebSocket::Endpoint::Server ();
use Net::WebSocket::Handshake::Server ();
use Net::WebSocket::HTTP_R ();
use Net::WebSocket::Parser ();
use Net::WebSocket::PMCE::deflate::Server ();
use Net::WebSocket::Streamer::Server ();

# An endpoint that notes the pings and pongs it sees.
package MatrixEndpoint {
    use parent -norequire, 'Net::WebSocket::Endpoint::Server';

    sub on_ping {
        my ( $self, $frame ) = @_;
        push @{ $self->{matrix_pings} }, $frame->get_payload();
        return $self->SUPER::on_ping($frame);    # sends the pong
    }

    sub on_pong {
        my ( $self, $frame ) = @_;
        push @{ $self->{matrix_pongs} }, $frame->get_payload();
        return $self->SUPER::on_pong($frame);
    }
}

my $client_pings = ( $ENV{MATRIX_CLIENT_PINGS} // '1' ) ne '0';

my @listeners = map {
    IO::Socket::INET->new( LocalHost => '127.0.0.1', LocalPort => 0, ReuseAddr => 1, Listen => 4 )
        or die "listen: $!\n"
} 1 .. 3;
{
    local $| = 1;
    print 'READY ', join( ' ', map { $_->sockport() } @listeners ), "\n";
}

$SIG{ALRM} = sub { warn "ours_server.pl: timed out\n"; exit 1 };
alarm 6 * MatrixScript::TIMEOUT;

# The parent never loads libws: each child does, after fork().
my %kids;
my $select = IO::Select->new(@listeners);
while ( keys(%kids) < @listeners ) {
    for my $l ( $select->can_read() ) {
        my $sock = $l->accept() or next;
        my ($conn) = map { ( 'A', 'B', 'C' )[$_] } grep { $listeners[$_] == $l } 0 .. $#listeners;
        $select->remove($l);
        my $pid = fork;
        die "fork: $!" if !defined $pid;
        if ( !$pid ) {
            alarm 5 * MatrixScript::TIMEOUT;
            close $_ for @listeners;
            serve( $sock, $conn );
            POSIX::_exit(0);
        }
        $kids{$pid} = $conn;
        close $sock;
    }
}
my $ok = 1;
for my $pid ( keys %kids ) {
    waitpid $pid, 0;
    $ok &&= $? == 0;
}
exit( $ok ? 0 : 1 );

# The opening handshake, as NWDemo::handshake_as_server does it, keeping
# the request (for its path).
sub handshake {
    my ( $sock, $deflate ) = @_;
    my $buf = q<>;
    my $idx;
    while (1) {
        my $n = sysread( $sock, $buf, 65536, length $buf );
        return if !$n;
        last if ( $idx = index( $buf, "\r\n\r\n" ) ) != -1;
    }
    my $req = HTTP::Request->parse( substr( $buf, 0, $idx + 4, q<> ) );
    my $hsk = Net::WebSocket::Handshake::Server->new( extensions => [$deflate] );
    Net::WebSocket::HTTP_R::handshake_consume_request( $hsk, $req );
    syswrite $sock, $hsk->to_string();
    return ( $hsk, $buf, $req );
}

sub serve {
    my ( $sock, $conn ) = @_;
    my $rep = MatrixScript::Report->new( 'perl', 'server', $conn );
    $rep->not_observable( 'rsv1', 'Endpoint messages come inflated, without the RSV1 mark' );
    $rep->not_observable( 'client-ping', 'with a browser as the client: it cannot send pings' ) if !$client_pings;
    my $ok = eval { exchange( $sock, $conn, $rep ); 1 };
    $rep->fail( $rep->current(), "died: $@" ) if !$ok;
    $rep->emit();
    close $sock;
    POSIX::_exit( $rep->{failed} ? 1 : 0 );
}

sub exchange {
    my ( $sock, $conn, $rep ) = @_;
    my %impose = (
        A => [],
        B => [ deflate_no_context_takeover => 1, inflate_no_context_takeover => 1 ],
        C => [ deflate_max_window_bits => MatrixScript::WINDOW_BITS, inflate_max_window_bits => MatrixScript::WINDOW_BITS ],
    );
    my $deflate = Net::WebSocket::PMCE::deflate::Server->new( @{ $impose{$conn} } );
    my ( $hsk, $pre, $req ) = handshake( $sock, $deflate );
    return $rep->fail( 'open', 'no request' ) if !$hsk;
    $rep->check( 'open', $req->uri->path eq "/$conn", 'path ' . $req->uri->path . ", want /$conn" );

    $sock->blocking(0);
    my $reader = NWDemo::Reader->new( $sock, $pre );
    my $writer = NWDemo::Writer->new($sock);
    my $ept = MatrixEndpoint->new(
        parser    => Net::WebSocket::Parser->new($reader),
        out       => $writer,
        handshake => $hsk,
    );
    $ept->do_not_die_on_close();
    my $libws = $ept->get_connection();
    $rep->{info}{extensions} = $libws->extensions();
    $rep->{info}{deflate} = MatrixScript::deflate_info( $libws->deflate_params() );
    $rep->check( 'deflate', $deflate->ok_to_use(), 'permessage-deflate was not negotiated' );
    my $data = $deflate->ok_to_use() ? $deflate->create_data_object() : undef;

    $writer->write( $ept->create_message( 'ping', $MatrixScript::SERVER_PING )->to_bytes() );

    my $select = IO::Select->new($sock);
    my $next = 0;
    while ( !$ept->received_close_frame() ) {
        if ( !$reader->pending() && !NWDemo::can_read_for( $select, MatrixScript::TIMEOUT ) ) {
            return $rep->fail( $rep->current(), 'timed out' );
        }
        while ( !$ept->received_close_frame() ) {
            my $msg = $ept->get_next_message();
            # undef: a control frame, a fragment or no whole frame yet; go on
            # while frames already read wait, else wait for more bytes.
            next if !defined $msg && $ept->has_pending();
            last if !defined $msg;
            return $rep->fail( $rep->current(), 'EOF before the closing handshake' ) if !ref $msg;
            my $i = $next++;
            return $rep->fail( 'close', 'an unexpected message' ) if $i >= @MatrixScript::SCRIPT;
            my ( $type, $payload ) = ( $msg->get_type(), $msg->get_payload() );
            $rep->message( $i, $type eq 'text', $payload );
            if ( $i == 1 ) {
                $rep->check( 'server-ping', ( grep { $_ eq $MatrixScript::SERVER_PING } @{ $ept->{matrix_pongs} || [] } ),
                    'no pong to our ping before the second message' );
                $rep->check( 'client-ping', ( grep { $_ eq $MatrixScript::CLIENT_PING } @{ $ept->{matrix_pings} || [] } ),
                    'no ping from the client before the second message' ) if $client_pings;
            }
            if ( $i == 2 ) {
                my $streamer = $data ? $data->create_streamer($type) : Net::WebSocket::Streamer::Server->new($type);
                my @parts = MatrixScript::fragments($payload);
                for my $k ( 0 .. $#parts ) {
                    my $frame = $k == $#parts ? $streamer->create_final( $parts[$k] ) : $streamer->create_chunk( $parts[$k] );
                    $writer->write( $frame->to_bytes() );
                }
            }
            else {
                my $answer = $data ? $data->create_message( $type, $payload ) : $ept->create_message( $type, $payload );
                $writer->write( $answer->to_bytes() );
            }
            if ( $next == @MatrixScript::SCRIPT && $conn eq 'B' ) {
                $ept->close( code => MatrixScript::CLOSE_B, reason => $MatrixScript::CLOSE_B_REASON );
            }
        }
    }
    my ( $code, $reason ) = $ept->received_close_frame()->get_code_and_reason();
    if ( $conn ne 'B' ) {
        $rep->check( 'close', $code == MatrixScript::CLOSE_A && $reason eq $MatrixScript::CLOSE_A_REASON && $next == 6,
            "close $code '$reason' after $next messages" );
    }
    else {
        $rep->check( 'close', $code == MatrixScript::CLOSE_B, "reply $code '$reason'" );
    }
    # Both close frames have gone: the server closes TCP (RFC 6455 §7.1.1).
    $rep->check( 'end', $ept->sent_close_frame() && $libws->is_closed(), 'the closing handshake is not complete' );
    return;
}
