package NWDemo;

# Helpers shared by the demos: a read(N) reader and a writer over a
# non-blocking socket, and the server side of the opening handshake read
# with sysread and parsed by HTTP::Request. The servers' loop, with its
# bounded queue and output, is NWDemo::Session.

use strict;
use warnings;

use Errno ();
use HTTP::Request ();
use IO::Select ();
use Time::HiRes ();

use Net::WebSocket::HTTP_R ();
use Net::WebSocket::Handshake::Server ();
use Net::WebSocket::X ();

use constant CRLF => "\x0d\x0a";

# The handles of $select that are readable, waiting at most $seconds; ()
# when the time is up. select() also returns early, empty-handed, when a
# signal reaches the thread (EINTR; IO::Select's can_read cannot tell that
# from a timeout): the wait then goes on until the time is really up.
sub can_read_for {
    my ($select, $seconds) = @_;
    my $until = Time::HiRes::time() + $seconds;
    while (1) {
        my @ready = $select->can_read( $until - Time::HiRes::time() );
        return @ready if @ready;
        return () if Time::HiRes::time() >= $until;
    }
}

# Reads the request head, negotiates, answers. Returns the handshake
# object and any bytes read past the head; an empty list if the request
# was bad (the error response is sent: 431 for a head over 16 KiB), so
# that "my ($hsk, $pre) = handshake_as_server(...) or return" returns.
sub handshake_as_server {
    my ($sock, %opts) = @_;

    my $buf = q<>;
    my $idx;
    while (1) {
        my $n = sysread( $sock, $buf, 65536, length $buf );
        return if !$n;
        $idx = index( $buf, CRLF . CRLF );
        last if $idx != -1 && $idx + 4 <= 16384;
        if ( length($buf) > 16384 ) {
            syswrite $sock, "HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n";
            warn "handshake failed: request head over 16384 bytes\n";
            return;
        }
    }

    my $head = substr( $buf, 0, $idx + 4, q<> );
    my $req = HTTP::Request->parse($head);

    my $hsk = Net::WebSocket::Handshake::Server->new(%opts);

    my $ok = eval { Net::WebSocket::HTTP_R::handshake_consume_request( $hsk, $req ); 1 };
    if (!$ok) {
        my $err = $@;
        my $resp = ( ref $err && $hsk->rejection_response() )
            || "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n";
        syswrite $sock, $resp;
        warn "handshake failed: $err";
        return;
    }

    syswrite $sock, $hsk->to_string();

    return ( $hsk, $buf );
}

# A reader with the read(N) contract over a (non-blocking) socket. With
# a gate (a code reference), it reads the socket only while the gate
# returns true, and otherwise has nothing available yet: backpressure.
package NWDemo::Reader;

sub new {
    my ($class, $fh, $pre, %opts) = @_;
    return bless { fh => $fh, buf => $pre // q<>, eof => 0, gate => $opts{'gate'} }, $class;
}

sub read {
    my ($self, $n) = @_;
    while ( length( $self->{'buf'} ) < $n ) {
        return q<> if $self->{'eof'};
        return undef if $self->{'gate'} && !$self->{'gate'}->();
        my $got = sysread( $self->{'fh'}, $self->{'buf'}, 65536, length $self->{'buf'} );
        if ( !defined $got ) {
            next if $!{'EINTR'};
            return undef if $!{'EAGAIN'} || $!{'EWOULDBLOCK'};
            die "read: $!";
        }
        if ( !$got ) {
            $self->{'eof'} = 1;
            return q<>;
        }
    }
    return substr( $self->{'buf'}, 0, $n, q<> );
}

# Whatever is buffered or readable now (see Net::WebSocket::Defragmenter).
sub read_available {
    my ($self, $max) = @_;
    if ( !length $self->{'buf'} ) {
        return q<> if $self->{'eof'};
        return undef if $self->{'gate'} && !$self->{'gate'}->();
        my $got = sysread( $self->{'fh'}, $self->{'buf'}, $max );
        if ( !defined $got ) {
            return undef if $!{'EINTR'} || $!{'EAGAIN'} || $!{'EWOULDBLOCK'};
            die "read: $!";
        }
        if ( !$got ) {
            $self->{'eof'} = 1;
            return q<>;
        }
    }
    if ( length( $self->{'buf'} ) <= $max ) {
        # All of it: the buffer itself (shared, not copied).
        my $all = $self->{'buf'};
        $self->{'buf'} = q<>;
        return $all;
    }
    return substr( $self->{'buf'}, 0, $max, q<> );
}

sub pending { return length $_[0]{'buf'} }

# A writer: write(BYTES) writes everything, waiting while the socket is
# full (the clients' writer; the servers use NWDemo::Output, which never
# waits).
package NWDemo::Writer;

sub new {
    my ($class, $fh) = @_;
    return bless { fh => $fh }, $class;
}

sub write {
    my ($self, $bytes) = @_;
    my $off = 0;
    while ( $off < length $bytes ) {
        my $w = syswrite( $self->{'fh'}, $bytes, length($bytes) - $off, $off );
        if ( !defined $w ) {
            if ( $!{'EAGAIN'} || $!{'EWOULDBLOCK'} || $!{'EINTR'} ) {
                IO::Select->new( $self->{'fh'} )->can_write(5);
                next;
            }
            die "write: $!";
        }
        $off += $w;
    }
    return 1;
}

1;
