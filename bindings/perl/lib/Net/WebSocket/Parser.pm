package Net::WebSocket::Parser;

use strict;
use warnings;

our $VERSION = '1.000';

=encoding utf-8

=head1 NAME

Net::WebSocket::Parser - parse WebSocket frames from a reader

=head1 SYNOPSIS

    my $iof   = IO::Framed->new($fh);          # or anything with read(N)
    my $parse = Net::WebSocket::Parser->new($iof);

    my $frame = $parse->get_next_frame();
    # a Net::WebSocket::Frame object: a frame was read
    # undef: only part of a frame is available yet (call again later)
    # '' (empty string): end of file

=head1 DESCRIPTION

The reader is an object whose C<read(N)> method returns exactly N bytes,
C<undef> when fewer are available yet (keeping them for the next call),
or an empty string at end of file - the contract of
L<IO::Framed::Read>. A plain filehandle (or socket) works too: the parser
then reads it with C<sysread> through a small buffer of its own (a
non-blocking handle that has no data gives C<undef>).

The parser reads exactly as many bytes as the frame needs, so it never
reads past the frame: the first two bytes, then the rest of the header
together with the payload when the length fits in those two bytes (a
frame of up to 125 bytes takes two reads), otherwise the rest of the
header, then the payload. Frame headers are
decoded by libws (C<ws_frame_parse_header>), which refuses headers no peer
may send (a non-minimal length, a 64-bit length with its top bit set, a
fragmented control frame or one longer than 125 bytes): the parser then
throws L<Net::WebSocket::X::ReceivedBadControlFrame|Net::WebSocket::X> or
C<ReceivedBadDataFrame> (C<< get('code') >> is 1002). A frame longer than
C<max_frame> (libws's default, 64 MiB) throws C<ReceivedBadDataFrame>
with code 1009.

The parser works frame by frame and makes no decision about messages;
L<Net::WebSocket::Endpoint> (and L<Net::WebSocket::Defragmenter>) read
from the same reader and let libws check the whole conversation.

=head1 METHODS

=over

=item C<< CLASS->new( READER, [ max_frame => BYTES ] ) >>

=item C<get_next_frame()> - as above.

=item C<has_partial_frame()> - whether part of a frame has been read.

=item C<get_reader()> - the reader.

=back

=head1 CUSTOM FRAME TYPES

To receive frames with reserved opcodes (for an extension that claims
them), subclass this module and define a constant per opcode:

    package My::Parser;
    use parent qw( Net::WebSocket::Parser );
    use constant OPCODE_CLASS_3 => 'My::Frame::booya';

Without such a class a reserved opcode throws
C<ReceivedBadDataFrame>/C<ReceivedBadControlFrame>.

=cut

use Scalar::Util ();

use Net::WebSocket::LibWS ();
use Net::WebSocket::X ();

my %CLASS_OF = (
    0  => 'Net::WebSocket::Frame::continuation',
    1  => 'Net::WebSocket::Frame::text',
    2  => 'Net::WebSocket::Frame::binary',
    8  => 'Net::WebSocket::Frame::close',
    9  => 'Net::WebSocket::Frame::ping',
    10 => 'Net::WebSocket::Frame::pong',
);

sub new {
    my ($class, $reader, %opts) = @_;

    if (!defined $reader) {
        die Net::WebSocket::X->create('BadArg', reader => $reader, 'Give a reader object (read(N)) or a filehandle');
    }

    if (Scalar::Util::openhandle($reader)) {
        require Net::WebSocket::Parser::FHReader;
        $reader = Net::WebSocket::Parser::FHReader->new($reader);
    }
    elsif (!Scalar::Util::blessed($reader) || !$reader->can('read')) {
        die Net::WebSocket::X->create('BadArg', reader => $reader, 'Give a reader object (read(N)) or a filehandle');
    }

    return bless {
        _reader    => $reader,
        _buf       => q<>,
        _need      => 2,
        _hdr       => undef,
        _max_frame => $opts{'max_frame'},
        _classes   => [],    # frame class by opcode (0: none)
    }, $class;
}

sub get_reader { return $_[0]{'_reader'} }

sub has_partial_frame {
    my ($self) = @_;
    return ( length( $self->{'_buf'} ) || $self->{'_hdr'} ) ? 1 : 0;
}

sub _frame_class {
    my ($self, $opcode) = @_;
    if ( my $cr = $self->can("OPCODE_CLASS_$opcode") ) {
        my $class = $cr->();
        if (!$class->can('new')) {
            ( my $file = "$class.pm" ) =~ s<::></>g;
            require $file;
        }
        return $class;
    }
    my $class = $CLASS_OF{$opcode};
    if ($class && !$class->can('get_opcode')) {
        ( my $file = "$class.pm" ) =~ s<::></>g;
        require $file;
    }
    return $class;
}

sub _max_frame {
    my ($self) = @_;
    return $self->{'_max_frame'} //= do {
        Net::WebSocket::LibWS::_ensure();
        my $rc = Net::WebSocket::LibWS::_ws_config_new( 2, \my $cfg );
        my $v = 0;
        Net::WebSocket::LibWS::_ws_config_get( $cfg, Net::WebSocket::LibWS::WS_OPT_MAX_FRAME(), \$v );
        Net::WebSocket::LibWS::_ws_config_free($cfg);
        $v;
    };
}

# Headers libws decoded (and so accepted), by their bytes without the
# masking key: the first 2 bytes, with the 16-bit length when there is
# one. Each holds [ mask length, fin, rsv, payload length, frame class ].
# ws_frame_parse_header is a pure function of those bytes: a frame whose
# header was seen before is not decoded again. Bounded per parser.
use constant _HEADER_CACHE_MAX => 1024;

sub get_next_frame {
    my $self = $_[0];

    # The common case: at a frame's start, a header seen before, 7- or
    # 16-bit length; two reads (three with a 16-bit length).
    goto &_get_next_frame if $self->{'_hdr'} || length $self->{'_buf'};

    my $reader = $self->{'_reader'};
    my $b2 = $reader->read(2);
    return undef if !defined $b2;
    # Characters (from a reader that decodes) stand for bytes.
    $b2 = Net::WebSocket::LibWS::_bytes($b2) if utf8::is_utf8($b2);
    if ( length($b2) != 2 ) {
        return q<> if !length $b2;
        $self->{'_buf'} = $b2;
        goto &_get_next_frame;
    }

    my $l7 = ord( substr $b2, 1, 1 ) & 0x7F;
    my $ml = ( ord( substr $b2, 1, 1 ) & 0x80 ) >> 5;
    my ( $h, $rest );
    if ( $l7 < 126 ) {
        $h = $self->{'_hc'}{$b2} or do {
            $self->{'_buf'} = $b2;
            goto &_get_next_frame;
        };
        $rest = ( $ml + $l7 ) ? $reader->read( $ml + $l7 ) : q<>;
        return $self->_partial( $b2, 2 + $ml + $l7, $rest ) if !defined $rest || length($rest) != $ml + $l7;
        $rest = Net::WebSocket::LibWS::_bytes($rest) if utf8::is_utf8($rest);
    }
    elsif ( $l7 == 126 ) {
        my $ext = $reader->read( 2 + $ml );
        return $self->_partial( $b2, 4 + $ml, $ext ) if !defined $ext || length($ext) != 2 + $ml;
        $ext = Net::WebSocket::LibWS::_bytes($ext) if utf8::is_utf8($ext);
        $h = $self->{'_hc'}{ $b2 . substr( $ext, 0, 2 ) } or do {
            $self->{'_buf'} = $b2 . $ext;
            $self->{'_need'} = 4 + $ml;
            goto &_get_next_frame;
        };
        $rest = substr( $ext, 2 );
        if ( $h->[3] ) {
            my $payload = $reader->read( $h->[3] );
            if ( !defined $payload || length($payload) != $h->[3] ) {
                return q<> if defined $payload && !length $payload;
                # The header is complete: the general path reads the rest
                # of the payload (the layout of _get_next_frame's header).
                $payload = Net::WebSocket::LibWS::_bytes($payload) if defined $payload && utf8::is_utf8($payload);
                $self->{'_hdr'} = [ 4 + $ml, $h->[1], $h->[2], undef, ( $ml ? 1 : 0 ), $rest, $h->[3], $h->[4], $payload // q<> ];
                return undef if !defined $payload;
                goto &_get_next_frame;
            }
            $rest .= utf8::is_utf8($payload) ? Net::WebSocket::LibWS::_bytes($payload) : $payload;
        }
    }
    else {
        $self->{'_buf'} = $b2;
        goto &_get_next_frame;
    }

    my $payload = substr( $rest, $ml );
    if ($ml) {
        my $mask = substr( $rest, 0, 4 );
        my $len = length $payload;
        return bless [ $h->[1], $h->[2], $mask, q<>, undef ], $h->[4] if !$len;
        return bless [ $h->[1], $h->[2], $mask, $payload ^ substr( $mask x ( ( $len >> 2 ) + 1 ), 0, $len ), undef ], $h->[4] if $len <= 2048;
        return bless [ $h->[1], $h->[2], $mask, Net::WebSocket::LibWS::mask( $mask, $payload ), undef ], $h->[4];
    }
    return bless [ $h->[1], $h->[2], q<>, $payload, undef ], $h->[4];
}

# The fast path read the first $have bytes of a frame whose header and
# payload up to $need bytes are wanted, then $got (undef: nothing yet; a
# wrong length: the reader said more or less): the general path goes on.
sub _partial {
    my ($self, $have, $need, $got) = @_;
    if ( defined $got && !length $got ) {
        return q<>;
    }
    $self->{'_buf'} = $have . ( $got // q<> );
    $self->{'_need'} = $need;
    return undef if !defined $got;
    goto &_get_next_frame;
}

sub _get_next_frame {
    my ($self) = @_;

    my $reader = $self->{'_reader'};
    my $h = $self->{'_hdr'};

    if (!$h) {
        while (1) {
            if ( length( $self->{'_buf'} ) < $self->{'_need'} ) {
                my $got = $reader->read( $self->{'_need'} - length $self->{'_buf'} );
                return undef if !defined $got;
                return q<> if !length $got;
                # Characters (from a reader that decodes) stand for bytes.
                $got = Net::WebSocket::LibWS::_bytes($got) if utf8::is_utf8($got);
                $self->{'_buf'} .= $got;
            }

            # A frame's first two bytes give the header's length and a
            # 7-bit payload length: read the rest of the header and that
            # payload at once (as libws's ws_need asks), so a small frame
            # takes two reads. libws decodes and checks the header below.
            if ( $self->{'_need'} == 2 ) {
                my $b1 = ord substr( $self->{'_buf'}, 1, 1 );
                my $l7 = $b1 & 0x7F;
                $self->{'_need'} = 2 + ( ( $b1 & 0x80 ) ? 4 : 0 ) + ( $l7 == 126 ? 2 : $l7 == 127 ? 8 : $l7 );
                next if $self->{'_need'} > 2;
            }

            my @h = Net::WebSocket::LibWS::_parse_header_list( $self->{'_buf'} );
            if ( $h[0] < 0 ) {
                my $msg = Net::WebSocket::LibWS::_ws_last_error();
                my $opcode = ord( $self->{'_buf'} ) & 0xf;
                $self->_reset();
                die Net::WebSocket::X->create( ( $opcode & 8 ) ? 'ReceivedBadControlFrame' : 'ReceivedBadDataFrame', "ws_frame_parse_header: $msg", 1002 );
            }

            if ( $h[0] ) {
                # [0] header length, [1] fin, [2] rsv, [3] opcode, [4] masked,
                # [5] mask, [6] length; then [7] the frame class, [8] the
                # payload read along with the header.
                $h = \@h;
                last;
            }

            $self->{'_need'} = $h[1];
        }

        my $max = $self->{'_max_frame'} // $self->_max_frame();
        if ( $max > 0 && $h->[6] > $max ) {
            $self->_reset();
            die Net::WebSocket::X->create('ReceivedBadDataFrame', "Frame of $h->[6] bytes exceeds the limit ($max)", 1009);
        }

        my $class = $self->{'_classes'}[ $h->[3] ] //= $self->_frame_class( $h->[3] ) // 0;
        if (!$class) {
            $self->_reset();
            die Net::WebSocket::X->create( ( $h->[3] & 8 ) ? 'ReceivedBadControlFrame' : 'ReceivedBadDataFrame',
                "Received a frame with reserved opcode $h->[3]", 1002 );
        }
        $h->[7] = $class;
        $h->[8] = substr( $self->{'_buf'}, $h->[0] );
        $self->{'_hdr'} = $h;

        # For the fast path: this header's bytes without the mask.
        my $l7 = ord( substr $self->{'_buf'}, 1, 1 ) & 0x7F;
        if ( $l7 <= 126 ) {
            my $hc = $self->{'_hc'} //= {};
            %$hc = () if keys(%$hc) >= _HEADER_CACHE_MAX;
            $hc->{ substr( $self->{'_buf'}, 0, $l7 == 126 ? 4 : 2 ) } = [ ( $h->[4] ? 4 : 0 ), $h->[1], $h->[2], $h->[6], $class ];
        }
    }

    my $payload = $h->[8];
    if ( $h->[6] > length $payload ) {
        my $more = $reader->read( $h->[6] - length $payload );
        return undef if !defined $more;
        return q<> if !length $more;
        $more = Net::WebSocket::LibWS::_bytes($more) if utf8::is_utf8($more);
        $payload .= $more;
    }

    my $mask = $h->[4] ? $h->[5] : q<>;
    if ( length $mask && length $payload ) {
        # Short byte strings are unmasked by Perl's string xor, the rest by
        # libws (ws_mask).
        my $len = length $payload;
        $payload = $len <= 2048
            ? $payload ^ substr( $mask x ( ( $len >> 2 ) + 1 ), 0, $len )
            : Net::WebSocket::LibWS::mask( $mask, $payload );
    }

    $self->{'_buf'} = q<>;
    $self->{'_need'} = 2;
    $self->{'_hdr'} = undef;

    return bless [ $h->[1], $h->[2], $mask, $payload, undef ], $h->[7];
}

sub _reset {
    my ($self) = @_;
    $self->{'_buf'} = q<>;
    $self->{'_need'} = 2;
    $self->{'_hdr'} = undef;
    return;
}

1;
