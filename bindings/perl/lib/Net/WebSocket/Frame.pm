package Net::WebSocket::Frame;

use strict;
use warnings;

our $VERSION = '1.000';

=encoding utf-8

=head1 NAME

Net::WebSocket::Frame - base class of WebSocket frames

=head1 SYNOPSIS

    # Never instantiate Net::WebSocket::Frame directly; use a subclass:
    my $frame = Net::WebSocket::Frame::text->new(
        fin     => 0,                   # to start a fragmented message
        rsv     => 0b010,               # RSV2 (only for a negotiated extension)
        mask    => "\x01\x02\x03\x04",  # clients must mask; servers must not
        payload => 'Woot!',             # a string or a SCALAR reference
    );

    $frame->get_type();         # 'text'
    $frame->get_opcode();       # 1
    $frame->is_control();       # 0
    $frame->get_fin();
    $frame->get_rsv();
    $frame->get_mask_bytes();
    $frame->get_payload();      # unmasked copy
    $frame->to_bytes();         # the frame on the wire

=head1 DESCRIPTION

The frame classes are L<Net::WebSocket::Frame::text>,
L<Net::WebSocket::Frame::binary>, L<Net::WebSocket::Frame::continuation>
(data frames, subclasses of L<Net::WebSocket::Base::DataFrame>) and
L<Net::WebSocket::Frame::close>, L<Net::WebSocket::Frame::ping>,
L<Net::WebSocket::Frame::pong> (control frames, subclasses of
L<Net::WebSocket::Base::ControlFrame>).

C<to_bytes()> gives the frame's exact wire bytes: the header is encoded
by libws (C<ws_frame_encode_header>, minimal length encoding) and a
masked payload is masked by libws (C<ws_mask>). A frame a peer may not
send is refused by libws when the frame is made: a control frame with
more than 125 bytes of payload throws
L<Net::WebSocket::X::ControlPayloadTooLong|Net::WebSocket::X>.

=head1 METHODS

=over

=item C<< CLASS->new( fin => BOOL, rsv => 0..7, mask => MASK, payload => STR_OR_REF ) >>

C<fin> defaults to 1 (control frames are always final). C<rsv> is a
bit mask with RSV1 the most significant bit (4). C<mask> is empty (no
mask) or 4 bytes. C<payload> is a string or a SCALAR reference (the
legacy name C<payload_sr> is accepted too); it is copied, never modified.

=item C<get_type()>, C<get_opcode()>, C<is_control()> (alias
C<is_control_frame()>)

=item C<get_fin()>; C<set_fin([BOOL])> (data frames; sets FIN, or clears
it given a false value)

=item C<get_rsv()>, C<set_rsv(N)>, C<set_rsv1()>, C<set_rsv2()>,
C<set_rsv3()>, C<has_rsv1()>, C<has_rsv2()>, C<has_rsv3()>

=item C<get_mask_bytes()> - 4 bytes, or empty string.

=item C<get_payload()> - the unmasked payload.

=item C<to_bytes()> - the frame's bytes on the wire.

=item C<< CLASS->opcode_to_type(OPCODE) >>

=back

=head1 CUSTOM FRAME CLASSES

As in the original, an extension that claims a reserved opcode can
subclass L<Net::WebSocket::Base::DataFrame> or
L<Net::WebSocket::Base::ControlFrame> and define C<get_opcode> and
C<get_type> constants. See L<Net::WebSocket::Parser> for receiving them.

=head1 DIFFERENCES FROM Net::WebSocket

Constructors copy the payload: the original masked a payload given by
reference in place. Frames received through L<Net::WebSocket::Endpoint>
carry the unmasked payload without the peer's mask (libws unmasks while
parsing), so their C<to_bytes()> is the unmasked form.

=cut

use Net::WebSocket::LibWS ();
use Net::WebSocket::X ();

# [0] fin, [1] rsv, [2] mask ('' or 4 bytes), [3] payload (unmasked),
# [4] wire header (cached; undef until needed)
use constant {
    _FIN => 0, _RSV => 1, _MASK => 2, _PAYLOAD => 3, _HDR => 4,
};

# Headers libws encoded (and so accepted), by fin, RSV, opcode, masking
# and length, without the masking key: frames that differ only in their
# key or payload bytes share one (bounded: a table is cleared when full).
my @HEADER;
use constant _HEADER_CACHE_MAX => 1024;

# The same tables for final, masked frames without RSV bits, by opcode.
my @MASKED_FINAL = map { $HEADER[ ( 0x80 | $_ ) * 2 + 1 ] = {} } 0 .. 15;

# Opcodes of the classes whose get_opcode() is this distribution's
# constant (other classes are asked each time).
my %OPCODE = map { ( "Net::WebSocket::Frame::$_->[0]" => $_->[1] ) }
    [ continuation => 0 ], [ text => 1 ], [ binary => 2 ], [ close => 8 ], [ ping => 9 ], [ pong => 10 ];

sub new {
    # The documented call: new( payload => BYTES, mask => KEY ) (either
    # order), a final frame without RSV bits whose header libws accepted
    # before.
    if ( @_ == 5 && $_[1] eq 'payload' && $_[3] eq 'mask' && defined( my $op = $OPCODE{ $_[0] } ) ) {
        if ( defined $_[4] && length( $_[4] ) == 4 && defined $_[2] && !ref $_[2] && !utf8::is_utf8( $_[2] )
            && defined( my $hdr = $MASKED_FINAL[$op]{ length $_[2] } ) ) {
            return bless [ 1, 0, $_[4], "$_[2]", $hdr . $_[4] ], $_[0];
        }
    }

    my $class = shift;

    my ( $fin, $rsv, $mask, $payload ) = ( 1, 0, q<>, q<> );

    while (@_) {
        my $key = shift;
        my $value = shift;

        if ($key eq 'payload' || $key eq 'payload_sr') {
            if (!ref $value) {
                $payload = $value if defined $value;
            }
            elsif ('SCALAR' eq ref $value || 'LVALUE' eq ref $value) {
                $payload = $$value // q<>;
            }
            else {
                die Net::WebSocket::X->create('BadArg', $key => $value, 'Must be a scalar or SCALAR reference.');
            }
        }
        elsif ($key eq 'mask') { $mask = $value // q<> }
        elsif ($key eq 'fin')  { $fin = ( !defined $value || $value ) ? 1 : 0 }
        elsif ($key eq 'rsv')  { $rsv = $value }
        elsif ($key eq 'code' || $key eq 'reason') {
            # close frames handle these before calling us
            die Net::WebSocket::X->create('BadArg', $key => $value, 'Only close frames take this');
        }
        else {
            warn sprintf( "Unrecognized argument “%s” (%s)", $key, $value // 'undef' );
        }
    }

    if ($rsv) {
        if ($rsv !~ m<\A[0-7]\z>) {
            die Net::WebSocket::X->create('BadArg', rsv => $rsv, 'Must be 0-7');
        }
        $rsv = 0 + $rsv;
    }
    else {
        $rsv = 0;
    }

    if ( length($mask) != 4 && length($mask) ) {
        die Net::WebSocket::X->create('BadArg', mask => $mask, 'Mask must be 4 bytes long, or empty');
    }

    $payload = Net::WebSocket::LibWS::_bytes($payload) if utf8::is_utf8($payload);

    my $self = bless [ $fin, $rsv, $mask, "$payload", undef ], $class;

    # The header: one libws accepted for a frame like this one, or libws's
    # verdict on it now.
    my $by = $HEADER[ ( ( $fin << 7 ) | ( $rsv << 4 ) | ( $OPCODE{$class} // $self->get_opcode() ) ) * 2 + ( length($mask) ? 1 : 0 ) ];
    if ( $by && defined( my $hdr = $by->{ length $payload } ) ) {
        $self->[_HDR] = $hdr . $mask;
    }
    else {
        $self->_check_header();
    }

    return $self;
}

# Makes a frame from already-validated parts (frames libws delivered).
sub _create {
    my ($class, $fin, $rsv, $mask, $payload) = @_;
    return bless [ $fin, $rsv, $mask, $payload, undef ], $class;
}

# Makes a frame from the wire bytes of one whole frame that libws wrote
# (the header decoded by libws; a masked payload unmasked).
sub _from_wire {
    my ($bytes, $class) = @_;

    my ($h) = Net::WebSocket::LibWS::frame_parse_header($bytes);
    my $payload = substr( $bytes, $h->{'header_length'} );
    $payload = Net::WebSocket::LibWS::mask( $h->{'mask'}, $payload ) if $h->{'masked'} && length $payload;

    my $self = bless [ $h->{'fin'}, $h->{'rsv'}, $h->{'mask'}, $payload, substr( $bytes, 0, $h->{'header_length'} ) ], $class;

    return $self;
}

# Encodes the header with libws, which refuses a header no peer may send.
sub _check_header {
    my ($self) = @_;

    Net::WebSocket::LibWS::_ensure();

    my ($hdr, $rc) = Net::WebSocket::LibWS::_encode_checked_header(
        $self->[_FIN], $self->[_RSV], $self->get_opcode(), $self->[_MASK], length $self->[_PAYLOAD],
    );

    if (!defined $hdr) {
        if ($self->is_control()) {
            die Net::WebSocket::X->create('ControlPayloadTooLong', $self->get_type(), $self->[_PAYLOAD]);
        }
        Net::WebSocket::LibWS::_croak_rc($rc, 'frame');
    }

    $self->[_HDR] = $hdr;

    my $by = $HEADER[ ( ( $self->[_FIN] ? 0x80 : 0 ) | ( $self->[_RSV] << 4 ) | $self->get_opcode() ) * 2 + ( length( $self->[_MASK] ) ? 1 : 0 ) ] //= {};
    %$by = () if keys(%$by) >= _HEADER_CACHE_MAX;
    $by->{ length $self->[_PAYLOAD] } = substr( $hdr, 0, length($hdr) - length $self->[_MASK] );

    return;
}

sub get_opcode {
    my ($self) = @_;
    my $class = ref($self) || $self;
    die "$class must define get_opcode()";
}

sub get_type {
    my ($self) = @_;
    my $class = ref($self) || $self;
    die "$class must define get_type()";
}

sub opcode_to_type {
    my ($class, $opcode) = @_;
    require Net::WebSocket::Constants;
    return Net::WebSocket::Constants::opcode_to_type($opcode);
}

sub get_fin { return $_[0][_FIN] }

sub get_rsv { return $_[0][_RSV] }

sub set_rsv {
    my ($self, $rsv) = @_;
    $rsv ||= 0;
    if ($rsv !~ m<\A[0-7]\z>) {
        die Net::WebSocket::X->create('BadArg', rsv => $rsv, 'Must be 0-7');
    }
    $self->[_RSV] = 0 + $rsv;
    $self->[_HDR] = undef;
    return $self;
}

sub set_rsv1 { $_[0][_RSV] |= 4; $_[0][_HDR] = undef; return $_[0] }
sub set_rsv2 { $_[0][_RSV] |= 2; $_[0][_HDR] = undef; return $_[0] }
sub set_rsv3 { $_[0][_RSV] |= 1; $_[0][_HDR] = undef; return $_[0] }

sub has_rsv1 { return ( $_[0][_RSV] & 4 ) ? 1 : 0 }
sub has_rsv2 { return ( $_[0][_RSV] & 2 ) ? 1 : 0 }
sub has_rsv3 { return ( $_[0][_RSV] & 1 ) ? 1 : 0 }

sub get_mask_bytes { return $_[0][_MASK] }

sub get_payload { return '' . $_[0][_PAYLOAD] }

sub is_control_frame { return $_[0]->is_control() }

# Payloads up to this size are masked by Perl's string xor; longer ones by
# libws (ws_mask, vectorised).
use constant _PERL_MASK_MAX => 2048;

sub to_bytes {
    my $self = $_[0];

    my $hdr = $self->[_HDR] // do {
        # By the header's first byte (fin, RSV, opcode) and masking, then length.
        my $by = $HEADER[ ( ( $self->[_FIN] ? 0x80 : 0 ) | ( $self->[_RSV] << 4 ) | ( $OPCODE{ ref $self } // $self->get_opcode() ) ) * 2 + ( length( $self->[_MASK] ) ? 1 : 0 ) ];
        if ( $by && defined $by->{ length $self->[_PAYLOAD] } ) {
            $self->[_HDR] = $by->{ length $self->[_PAYLOAD] } . $self->[_MASK];
        }
        else {
            $self->_check_header();
            $self->[_HDR];
        }
    };

    return $hdr . $self->[_PAYLOAD] if !length $self->[_MASK];

    my $len = length $self->[_PAYLOAD];

    # The masking key repeated over the payload, xor'ed as strings (both
    # operands are byte strings: new() and libws's frames store strings).
    return $hdr . ( $self->[_PAYLOAD] ^ substr( $self->[_MASK] x ( ( $len >> 2 ) + 1 ), 0, $len ) ) if $len <= _PERL_MASK_MAX;

    return $hdr . Net::WebSocket::LibWS::_masked( $self->[_MASK], $self->[_PAYLOAD] );
}

1;
