package FramedSocket;

# IO::Framed's contract over a socket (IO::Framed is not in Debian), as
# the original's SYNOPSIS uses it: read(N) returns exactly N bytes, or
# undef when the socket has not delivered them yet; it never reads past
# N (so select() on the socket says whether more is waiting), and at end
# of input it throws FramedSocket::X::EmptyRead, as IO::Framed does.
# write(BYTES) writes all of them.

use strict;
use warnings;

use Errno ();
use IO::Select ();

sub new { return bless { fh => $_[1], buf => q<> }, $_[0] }

sub read {
    my ( $self, $n ) = @_;
    my $sel = IO::Select->new( $self->{'fh'} );
    while ( length( $self->{'buf'} ) < $n ) {
        return undef if !$sel->can_read(0);
        my $got = sysread( $self->{'fh'}, $self->{'buf'}, $n - length $self->{'buf'}, length $self->{'buf'} );
        if ( !defined $got ) {
            next if $!{'EINTR'};
            die "read: $!";
        }
        die bless( {}, 'FramedSocket::X::EmptyRead' ) if !$got;
    }
    return substr( $self->{'buf'}, 0, $n, q<> );
}

sub write {
    my ( $self, $bytes ) = @_;
    while ( length $bytes ) {
        my $n = syswrite( $self->{'fh'}, $bytes );
        if ( !defined $n ) {
            next if $!{'EINTR'};
            die "write: $!";
        }
        substr( $bytes, 0, $n, q<> );
    }
    return 1;
}

# The HTTP head (up to the blank line) read from the socket, byte by
# byte so that nothing after it is consumed; undef at end of input.
sub read_head {
    my ($fh) = @_;
    my $head = q<>;
    while ( $head !~ m<\x0d\x0a\x0d\x0a\z> ) {
        my $got = sysread( $fh, $head, 1, length $head );
        next if !defined $got && $!{'EINTR'};
        return undef if !$got;
        return undef if length($head) > 16384;
    }
    return $head;
}

1;
