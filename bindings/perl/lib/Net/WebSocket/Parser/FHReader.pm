package Net::WebSocket::Parser::FHReader;

use strict;
use warnings;

our $VERSION = '1.000';

=encoding utf-8

=head1 NAME

Net::WebSocket::Parser::FHReader - a read(N) reader over a filehandle

=head1 DESCRIPTION

What L<Net::WebSocket::Parser> reads through when it is given a plain
filehandle or socket instead of a reader object (the original's parser
accepted filehandles too): C<read(N)> returns exactly N bytes, C<undef>
when a non-blocking handle has fewer ready (they are kept), or an empty
string at end of file; C<read_available(MAX)> returns what is buffered
or readable without blocking, up to MAX bytes.

=cut

use Net::WebSocket::X ();

use Errno ();

sub new {
    my ($class, $fh) = @_;
    return bless { fh => $fh, buf => q<> }, $class;
}

sub read {
    my ($self, $n) = @_;

    while ( length( $self->{'buf'} ) < $n ) {
        my $got = sysread( $self->{'fh'}, $self->{'buf'}, 65536, length $self->{'buf'} );
        if (!defined $got) {
            next if $!{'EINTR'};
            return undef if $!{'EAGAIN'} || $!{'EWOULDBLOCK'};
            die Net::WebSocket::X->create('LibWS', -1, "read error: $!", 'read');
        }
        if (!$got) {
            # End of file (a partial frame before it is dropped).
            $self->{'buf'} = q<>;
            return q<>;
        }
        last if length( $self->{'buf'} ) >= $n;
        # Non-blocking handles: stop when nothing more is ready.
        return undef if !_readable( $self->{'fh'} );
    }

    return substr( $self->{'buf'}, 0, $n, q<> );
}

# What is buffered or can be read without blocking, up to $max bytes.
sub read_available {
    my ($self, $max) = @_;

    if ( !length $self->{'buf'} ) {
        # A blocking handle waits for at least one byte, as read(1) would.
        my $got = sysread( $self->{'fh'}, $self->{'buf'}, $max );
        if ( !defined $got ) {
            return undef if $!{'EINTR'} || $!{'EAGAIN'} || $!{'EWOULDBLOCK'};
            die Net::WebSocket::X->create('LibWS', -1, "read error: $!", 'read');
        }
        return q<> if !$got;
    }

    return substr( $self->{'buf'}, 0, $max, q<> );
}

sub _readable {
    my ($fh) = @_;
    my $rin = q<>;
    vec( $rin, fileno($fh), 1 ) = 1;
    return select( my $rout = $rin, undef, undef, ( _is_blocking($fh) ? undef : 0 ) ) > 0;
}

sub _is_blocking {
    my ($fh) = @_;
    return 1 if !eval { require Fcntl; 1 };
    my $flags = fcntl( $fh, Fcntl::F_GETFL(), 0 );
    return 1 if !defined $flags;
    return ( $flags & Fcntl::O_NONBLOCK() ) ? 0 : 1;
}


1;
