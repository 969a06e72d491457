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
(ChaCha8 seeded by the operating system).

=item C<apply(SCALAR_REF, MASK)> - XORs the string SCALAR_REF points to
with the 4-byte MASK (RFC 6455 §5.3), in place: the referenced scalar gets
the masked string. Masking and unmasking are the same operation. libws's
C<ws_mask()> does the work.

=back

=head1 DIFFERENCES FROM Net::WebSocket

The original made keys with Perl's C<rand()> (not cryptographically
secure); RFC 6455 §5.3 asks for a strong source of entropy, and this one
uses libws's CSPRNG. Frame and streamer constructors never mask a caller's
buffer in place (the original's client streamer did); only C<apply()>
changes the scalar you give it, as its interface says.

=cut

use Net::WebSocket::LibWS ();
use Net::WebSocket::X ();

sub create {
    return Net::WebSocket::LibWS::random_mask();
}

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
