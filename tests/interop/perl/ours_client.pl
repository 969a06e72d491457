#!/usr/bin/env perl

# Our Perl client surface in the interop matrix: the Net::WebSocket classes
# of bindings/perl used as its demo/wscat.pl uses them (Handshake::Client,
# the response parsed by HTTP::Response, an Endpoint::Client over a read(N)
# reader, messages made by the permessage-deflate data object), running the
# matrix exchange with checks against a peer server:
#
#   perl ours_client.pl ws://127.0.0.1:PA/A ws://127.0.0.1:PB/B
#
# Connection A offers permessage-deflate with context takeover; B offers
# server_no_context_takeover and client_no_context_takeover (only the
# latter with MATRIX_B_OFFER=client); C asks for window bits 10 both ways.
# Messages come out of the Endpoint
# already inflated, without a mark of having been compressed: that check is
# not observable here.

use strict;
use warnings;

use FindBin ();
use lib "$FindBin::Bin", "$FindBin::Bin/../../../bindings/perl/lib", "$FindBin::Bin/../../../bindings/perl/demo/lib";

use HTTP::Response ();
use IO::Select ();
use IO::Socket::INET ();

use MatrixScript ();
use NWDemo ();

use Net::WebSocket::Endpoint::Client ();
use Net::WebSocket::Handshake::Client ();
use Net::WebSocket::HTTP_R ();
use Net::WebSocket::Parser ();
use Net::WebSocket::PMCE::deflate::Client ();
use Net::WebSocket::Streamer::Client ();

# An endpoint that notes the pings and pongs it sees.
package MatrixEndpoint {
    use parent -norequire, 'Net::WebSocket::Endpoint::Client';

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

$SIG{ALRM} = sub { warn "ours_client.pl: timed out\n"; exit 1 };
alarm 5 * MatrixScript::TIMEOUT;

my $ok = 1;
for my $url (@ARGV) {
    my ($conn) = $url =~ m</([^/]+)/?\z>;
    my $rep = MatrixScript::Report->new( 'perl', 'client', $conn );
    $rep->not_observable( 'rsv1', 'Endpoint messages come inflated, without the RSV1 mark' );
    my $done = eval { exchange( $url, $conn, $rep ); 1 };
    $rep->fail( $rep->current(), "died: $@" ) if !$done;
    $rep->emit();
    $ok &&= !$rep->{failed};
}
exit( $ok ? 0 : 1 );

sub exchange {
    my ( $url, $conn, $rep ) = @_;
    my ( $host, $port ) = $url =~ m<\Aws://([^/:]+):(\d+)> or return $rep->fail( 'open', "bad URL $url" );
    my $sock = IO::Socket::INET->new( PeerHost => $host, PeerPort => $port, Timeout => MatrixScript::TIMEOUT )
        or return $rep->fail( 'open', "connect: $!" );
    binmode $sock;

    my $server_nct = ( $ENV{MATRIX_B_OFFER} // 'both' ) ne 'client';
    my %offer = (
        A => [],
        B => [ deflate_no_context_takeover => 1, ( $server_nct ? ( inflate_no_context_takeover => 1 ) : () ) ],
        C => [ deflate_max_window_bits => MatrixScript::WINDOW_BITS, inflate_max_window_bits => MatrixScript::WINDOW_BITS ],
    );
    my $deflate = Net::WebSocket::PMCE::deflate::Client->new( @{ $offer{$conn} } );
    my $hsk = Net::WebSocket::Handshake::Client->new( uri => $url, extensions => [$deflate] );
    syswrite $sock, $hsk->to_string();

    my $buf = q<>;
    my $idx;
    my $select = IO::Select->new($sock);
    while (1) {
        return $rep->fail( 'open', 'no response' ) if !NWDemo::can_read_for( $select, MatrixScript::TIMEOUT );
        my $n = sysread( $sock, $buf, 65536, length $buf ) or return $rep->fail( 'open', 'closed during the handshake' );
        last if ( $idx = index( $buf, "\r\n\r\n" ) ) != -1;
    }
    my $resp = HTTP::Response->parse( substr( $buf, 0, $idx + 4, q<> ) );
    my $consumed = eval { Net::WebSocket::HTTP_R::handshake_consume_response( $hsk, $resp ); 1 };
    return $rep->fail( 'open', "handshake: $@" ) if !$consumed;
    $rep->ok('open');

    $sock->blocking(0);
    my $reader = NWDemo::Reader->new( $sock, $buf );
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

    # The next message, or undef once a close frame came (or EOF).
    my $receive = sub {
        while ( !$ept->received_close_frame() ) {
            my $msg = $ept->get_next_message();
            return $msg if defined $msg && ref $msg;
            die "EOF\n" if defined $msg;
            next if $reader->pending() || $ept->has_pending();
            die "timed out\n" if !NWDemo::can_read_for( $select, MatrixScript::TIMEOUT );
        }
        return undef;
    };

    for my $i ( 0 .. $#MatrixScript::SCRIPT ) {
        my ( $is_text, $payload ) = @{ $MatrixScript::SCRIPT[$i] };
        my $type = $is_text ? 'text' : 'binary';
        if ( $i == 2 ) {
            my $streamer = $data ? $data->create_streamer($type) : Net::WebSocket::Streamer::Client->new($type);
            my @parts = MatrixScript::fragments($payload);
            for my $k ( 0 .. $#parts ) {
                my $frame = $k == $#parts ? $streamer->create_final( $parts[$k] ) : $streamer->create_chunk( $parts[$k] );
                $writer->write( $frame->to_bytes() );
            }
        }
        else {
            my $msg = $data ? $data->create_message( $type, $payload ) : $ept->create_message( $type, $payload );
            $writer->write( $msg->to_bytes() );
        }
        my $echo = $receive->() or return $rep->fail( $MatrixScript::STEP_OF[$i], 'a close frame instead of the echo' );
        $rep->message( $i, $echo->get_type() eq 'text', $echo->get_payload() );
        if ( $i == 0 ) {    # a ping, and the next message once its pong is back
            $writer->write( $ept->create_message( 'ping', $MatrixScript::CLIENT_PING )->to_bytes() );
            my $pong = sub { grep { $_ eq $MatrixScript::CLIENT_PING } @{ $ept->{matrix_pongs} || [] } };
            while (1) {
                my $msg = $ept->get_next_message();
                return $rep->fail( 'client-ping', 'a message instead of the pong' ) if defined $msg;
                last if $pong->();
                return $rep->fail( 'client-ping', 'no pong' ) if !$reader->pending() && !$ept->has_pending() && !NWDemo::can_read_for( $select, MatrixScript::TIMEOUT );
            }
            $rep->ok('client-ping');
        }
    }
    $rep->check( 'server-ping', ( grep { $_ eq $MatrixScript::SERVER_PING } @{ $ept->{matrix_pings} || [] } ), "the server's ping never came" );

    $ept->close( code => MatrixScript::CLOSE_A, reason => $MatrixScript::CLOSE_A_REASON ) if $conn ne 'B';
    my $more = $receive->();
    return $rep->fail( 'close', 'a message instead of the close frame' ) if $more;
    my ( $code, $reason ) = $ept->received_close_frame()->get_code_and_reason();
    if ( $conn ne 'B' ) {
        $rep->check( 'close', $code == MatrixScript::CLOSE_A, "reply $code '$reason'" );
    }
    else {
        $rep->check( 'close', $code == MatrixScript::CLOSE_B && $reason eq $MatrixScript::CLOSE_B_REASON, "got $code '$reason'" );
    }

    # A client waits for the server to close TCP (RFC 6455 §7.1.1).
    shutdown $sock, 1;
    while (1) {
        last if !NWDemo::can_read_for( $select, MatrixScript::TIMEOUT );
        my $n = sysread( $sock, my $junk, 65536 );
        next if !defined $n && $!{EAGAIN};
        return $rep->check( 'end', $ept->sent_close_frame() && $libws->is_closed(), 'the closing handshake is not complete' )
            if !$n;    # EOF (or a reset)
    }
    return $rep->fail( 'end', 'the server did not close the connection' );
}
