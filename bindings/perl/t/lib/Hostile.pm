package Hostile;

# A hostile WebSocket client over a raw socket, for memory tests of the
# demo servers: it negotiates permessage-deflate with context takeover,
# sends many large messages that compress to almost nothing (zeros), or
# large ones that do not compress, and reads no reply while it can still
# write. It reads only when the server stops taking its bytes (so the
# test cannot deadlock), and at the end, up to the pong of a ping sent
# after the messages: the server has then taken every message.
#
# Frames are made here, not with the binding under test: raw deflate
# (window 15, Z_SYNC_FLUSH, the trailing 00 00 ff ff removed), RSV1,
# masked as a client must.

use strict;
use warnings;

use Compress::Raw::Zlib ();
use IO::Select ();
use IO::Socket::INET ();
use Socket ();

# Connects and does the opening handshake (offering permessage-deflate
# unless deflate => 0); returns the socket.
sub connect_deflate {
    my ($port, %opts) = @_;
    my $deflate = $opts{'deflate'} // 1;
    my $sock = IO::Socket::INET->new( PeerAddr => '127.0.0.1', PeerPort => $port, Proto => 'tcp' )
        or die "connect to port $port: $!";
    # A small receive buffer: replies the client does not read back up
    # into the server soon.
    setsockopt( $sock, Socket::SOL_SOCKET(), Socket::SO_RCVBUF(), $opts{'rcvbuf'} ) if $opts{'rcvbuf'};
    syswrite $sock, join "\r\n", 'GET / HTTP/1.1', "Host: 127.0.0.1:$port", 'Upgrade: websocket',
        'Connection: Upgrade', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version: 13',
        ( $deflate ? 'Sec-WebSocket-Extensions: permessage-deflate' : () ), '', '';
    my $head = q<>;
    while ( index( $head, "\r\n\r\n" ) < 0 ) {
        sysread( $sock, $head, 1, length $head ) or die "no handshake response: $!";
    }
    $head =~ m<\AHTTP/1.1 101 > or die "handshake refused: $head";
    $head =~ m<permessage-deflate>i or die "permessage-deflate refused: $head" if $deflate;
    return $sock;
}

# A masked client frame.
sub frame {
    my ($b0, $payload) = @_;
    my $len = length $payload;
    my $mask = pack 'N', int rand 2**32;
    my $hdr = pack( 'C', $b0 ) . ( $len < 126 ? pack( 'C', 0x80 | $len ) : $len < 65536 ? pack( 'Cn', 0x80 | 126, $len ) : pack( 'CQ>', 0x80 | 127, $len ) );
    return $hdr . $mask . ( $payload ^ substr( $mask x ( ( $len >> 2 ) + 1 ), 0, $len ) );
}

# COUNT binary messages of SIZE zero bytes, compressed with context
# takeover (one deflate stream for all), as wire bytes. From the second
# message on, the decoder's window holds only zeros after each message
# (and a sync flush leaves no other state), so the second message's bytes
# decode to the same message every time: they are sent again rather
# than compressed again.
sub compressed_messages {
    my ($count, $size) = @_;
    my ($d, $st) = Compress::Raw::Zlib::Deflate->new( -WindowBits => -15, -AppendOutput => 1 );
    die "deflateInit: $st" if !$d;
    my $zeros = "\0" x $size;
    my @z;
    for ( 1 .. ( $count < 2 ? $count : 2 ) ) {
        my $z = q<>;
        $d->deflate( $zeros, $z ) == Compress::Raw::Zlib::Z_OK() or die 'deflate';
        $d->flush( $z, Compress::Raw::Zlib::Z_SYNC_FLUSH() ) == Compress::Raw::Zlib::Z_OK() or die 'flush';
        $z =~ s<\x00\x00\xff\xff\z><> or die 'no sync flush marker';
        push @z, $z;
    }
    return join '', map { frame( 0xC2, $z[ $_ ? 1 : 0 ] ) } 0 .. $count - 1;    # FIN, RSV1, binary
}

# COUNT binary messages of SIZE random bytes, uncompressed: a code
# reference that returns the next frame (undef after the last), so that
# the client does not hold them all.
sub plain_messages {
    my ($count, $size) = @_;
    my $block = join '', map { pack 'N', int rand 2**32 } 1 .. $size / 4;
    return sub { return $count-- > 0 ? frame( 0x82, $block ) : undef };
}

# Writes $wire (bytes, or a code reference returning the next bytes) and
# then a ping, reading replies only while the server takes no more bytes;
# then reads until the ping's pong. Returns a hash reference: early (bytes
# read before the last write), read (bytes in all), messages and
# message_bytes (the server's data messages and their payload bytes, as
# sent: compressed or not).
sub send_and_sync {
    my ($sock, $wire) = @_;
    my $token = 'sync' . int rand 1e9;
    my $next = ref $wire ? $wire : do { my $w = $wire; sub { my $r = $w; undef $w; $r } };
    my ( $buf, $ping ) = ( q<>, frame( 0x89, $token ) );
    my %got = ( early => 0, read => 0, messages => 0, message_bytes => 0 );
    my $in = q<>;
    my $pong;
    my $take = sub {
        # Whole frames from the server (unmasked, RFC 6455 §5.1).
        while ( length($in) >= 2 ) {
            my ( $b0, $b1 ) = unpack 'CC', $in;
            my ( $hl, $len ) = ( 2, $b1 & 0x7F );
            if    ( $len == 126 ) { return if length($in) < 4;  ( $hl, $len ) = ( 4, unpack 'x2n', $in ) }
            elsif ( $len == 127 ) { return if length($in) < 10; ( $hl, $len ) = ( 10, unpack 'x2Q>', $in ) }
            return if length($in) < $hl + $len;
            my $payload = substr( $in, $hl, $len );
            substr( $in, 0, $hl + $len, q<> );
            my $op = $b0 & 0x0F;
            $pong = 1 if $op == 0xA && $payload eq $token;
            $got{'message_bytes'} += $len if $op < 8;
            $got{'messages'}++ if $op < 8 && $b0 & 0x80;
        }
    };
    my $read = sub {
        my $n = sysread( $sock, $in, 65536, length $in );
        die 'the server closed the connection' if defined $n && !$n;
        $got{'read'} += $n // 0;
        $take->();
        return $n // 0;
    };

    $sock->blocking(0);
    my $sel = IO::Select->new($sock);
    while (1) {
        if ( !length $buf ) {
            $buf = $next->();
            if ( !defined $buf ) {
                last if !defined $ping;
                ( $buf, $ping ) = ( $ping, undef );
            }
        }
        my ($r, $w) = IO::Select->select( $sel, $sel, undef, 60 );
        die 'stalled: the server neither reads nor writes' if !$r && !$w;
        if ( $w && @$w ) {
            my $n = syswrite( $sock, $buf, 262144 );
            if ( defined $n ) { substr( $buf, 0, $n, q<> ); next }
            die "write: $!" if !$!{'EAGAIN'};
        }
        $got{'early'} += $read->() if $r && @$r;
    }
    $sock->blocking(1);
    $read->() while !$pong;
    return \%got;
}

# The first child process of PID (the forking servers' connection).
sub child_of {
    my ($pid) = @_;
    for my $status ( glob '/proc/[0-9]*/status' ) {
        open my $fh, '<', $status or next;
        local $/;
        my $s = <$fh> // next;
        return $1 if $s =~ m<^PPid:\s+\Q$pid\E$>m && $status =~ m</proc/(\d+)/>;
    }
    return undef;
}

# A process's peak resident memory (VmHWM), in bytes.
sub vm_hwm {
    my ($pid) = @_;
    open my $fh, '<', "/proc/$pid/status" or return undef;
    local $/;
    my ($kb) = ( <$fh> // q<> ) =~ m<^VmHWM:\s+(\d+) kB>m;
    return defined $kb ? $kb * 1024 : undef;
}

1;
