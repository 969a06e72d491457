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

=item C<create()> - a new masking key: 4 bytes from libws's CSPRNG
(ChaCha8 seeded by the operating system, C<ws_random_bytes>), taken from a
pool filled 4 KiB at a time: one call into libws gives 1024 keys. A new
interpreter thread starts a pool of its own. A process forked after libws
was loaded cannot use libws (see L<Net::WebSocket::LibWS/fork()>): there
C<create()> throws L<Net::WebSocket::X::Forked|Net::WebSocket::X> rather
than hand out the keys its parent's pool still held (or keys from
anywhere else).

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

use FFI::Platypus::Buffer ();

use Net::WebSocket::LibWS ();
use Net::WebSocket::X ();

# Random bytes for keys from libws, taken from the end; refilled when
# empty. The pool belongs to the process that filled it: a forked child
# does not use it (the refill then throws Forked, as any libws call there).
my $POOL = q<>;
my $POOL_PID = 0;

use constant _POOL_BYTES => 4096;

sub create {
    return substr( $POOL, -4, 4, q<> ) if length($POOL) && $POOL_PID == $$;
    _refill();
    return substr( $POOL, -4, 4, q<> );
}

sub _refill {
    $POOL = q<>;
    # Loads libws on first use; throws Forked in a child of a process
    # that had loaded it (ws_random_bytes would say WS_E_FORKED too).
    Net::WebSocket::LibWS::_ensure();
    my $pool;
    FFI::Platypus::Buffer::grow( $pool, _POOL_BYTES, { set_length => 1 } );
    my $rc = Net::WebSocket::LibWS::_ws_random_bytes( $pool, _POOL_BYTES );
    Net::WebSocket::LibWS::_croak_rc( $rc, 'ws_random_bytes' ) if $rc < 0;
    $POOL = $pool;
    $POOL_PID = $$;
    return;
}

# A new interpreter thread starts with an empty pool of its own.
sub CLONE { $POOL = q<>; $POOL_PID = 0; return }

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
