package Net::WebSocket::Mask;

use strict;
use warnings;

our $VERSION = '1.000';

=encoding utf-8

=head1 NAME

Net::WebSocket::Mask - WebSocket masking keys and masking

=head1 SYNOPSIS

    my $mask = Net::WebSocket::Mask::create();     # 4 bytes

    Net::WebSocket::Mask::apply( \$payload, $mask );  # masks (or unmasks) $payload

=head1 DESCRIPTION

=over

=item C<create()> - a new masking key: 4 bytes from the operating
system's CSPRNG (F</dev/urandom>, read 4 KiB at a time: one system call
gives 1024 keys; a process that forks, or a new thread, starts a pool of
its own), or, where there is no F</dev/urandom>, from libws's CSPRNG
(ChaCha8 seeded by the operating system; one call into libws per key).

=item C<apply(SCALAR_REF, MASK)> - XORs the string SCALAR_REF points to
with the 4-byte MASK (RFC 6455 §5.3), in place: the referenced scalar gets
the masked string. Masking and unmasking are the same operation. libws's
C<ws_mask()> does the work.

=back

=head1 DIFFERENCES FROM Net::WebSocket

The original made keys with Perl's C<rand()> (not cryptographically
secure); RFC 6455 §5.3 asks for a strong source of entropy, and this one
uses a CSPRNG. Frame and streamer constructors never mask a caller's
buffer in place (the original's client streamer did); only C<apply()>
changes the scalar you give it, as its interface says.

=cut

use Net::WebSocket::LibWS ();
use Net::WebSocket::X ();

# Random bytes for keys, taken from the end; refilled when empty, and
# dropped when the process is not the one that read them (after fork).
my $POOL = q<>;
my $POOL_PID = 0;
my $URANDOM;    # the handle, or 0 when /dev/urandom cannot be read

use constant _POOL_BYTES => 4096;

sub create {
    return substr( $POOL, -4, 4, q<> ) if length($POOL) >= 4 && $POOL_PID == $$;
    return _refill() ? substr( $POOL, -4, 4, q<> ) : Net::WebSocket::LibWS::random_mask();
}

sub _refill {
    $POOL = q<>;
    $URANDOM = undef if $POOL_PID != $$;    # a child reopens it
    $POOL_PID = $$;
    if ( !defined $URANDOM ) {
        my $fh;
        $URANDOM = open( $fh, '<:raw', '/dev/urandom' ) ? $fh : 0;
    }
    return 0 if !$URANDOM;
    my $got = sysread( $URANDOM, $POOL, _POOL_BYTES );
    if ( !$got || $got < 4 ) {
        $POOL = q<>;
        return 0;
    }
    $POOL = substr( $POOL, 0, $got - $got % 4 );
    return 1;
}

# A new interpreter thread starts with an empty pool of its own.
sub CLONE { $POOL = q<>; $POOL_PID = 0; $URANDOM = undef; return }

sub apply {
    my ($payload_sr, $mask) = @_;

    if ('SCALAR' ne ref $payload_sr && 'LVALUE' ne ref $payload_sr) {
        die Net::WebSocket::X->create('BadArg', payload => $payload_sr, 'Give a SCALAR reference');
    }
    if (!defined $mask || length($mask) != 4) {
        die Net::WebSocket::X->create('BadArg', mask => $mask, 'A mask is 4 bytes');
    }

    $$payload_sr = Net::WebSocket::LibWS::mask( $mask, $$payload_sr ) if length $$payload_sr;

    return;
}

1;
