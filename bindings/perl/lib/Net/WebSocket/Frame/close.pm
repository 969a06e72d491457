package Net::WebSocket::Frame::close;

use strict;
use warnings;

our $VERSION = '1.000';

=encoding utf-8

=head1 NAME

Net::WebSocket::Frame::close - a WebSocket close frame (opcode 8)

=head1 SYNOPSIS

    my $frm = Net::WebSocket::Frame::close->new(
        mask   => q<>,              # or 4 bytes (client)
        code   => 'SUCCESS',        # a number or a status name
        reason => 'yeah, baby',     # optional, at most 123 bytes of UTF-8
    );

    my ($code, $reason) = $frm->get_code_and_reason();

=head1 DESCRIPTION

A control frame (see L<Net::WebSocket::Frame>). C<code> is a number or a
name from L<Net::WebSocket::Constants> (C<SUCCESS>,
C<ENDPOINT_UNAVAILABLE>, C<PROTOCOL_ERROR>, C<INVALID_DATA_TYPE>,
C<INVALID_PAYLOAD>, C<POLICY_VIOLATION>, C<MESSAGE_TOO_BIG>,
C<UNSUPPORTED_EXTENSIONS>, C<INTERNAL_ERROR> or C<SERVER_ERROR>,
C<SERVICE_RESTART>, C<TRY_AGAIN_LATER>, C<BAD_GATEWAY>). Without a code
the frame has no payload (the reason is then ignored, as a reason needs a
code). C<payload> may be given instead of C<code>/C<reason>.

=head2 get_code_and_reason()

In list context: the code and the reason. A close frame without payload
gives C<undef> and an empty string, as with the original (the
connection's status is then 1005, "no status received", RFC 6455
§7.1.5; that is not a field of the frame).

=head1 DIFFERENCES FROM Net::WebSocket

libws decides which codes may be sent (C<ws_close_code_valid>): 1000-1003,
1007-1014 and 3000-4999 (RFC 6455 §7.4 and the IANA registry). The
original refused 3000-3999 and accepted unregistered codes only in
4000-4999. A reason that is not UTF-8 (RFC 6455 §7.1.6) or longer than
123 bytes throws L<Net::WebSocket::X::BadArg|Net::WebSocket::X>.

=cut

use parent qw( Net::WebSocket::Base::ControlFrame );

use Net::WebSocket::Constants ();
use Net::WebSocket::LibWS ();
use Net::WebSocket::X ();

use constant get_opcode => 8;
use constant get_type => 'close';

sub new {
    my ($class, %opts) = @_;

    if (!defined $opts{'payload'} && !defined $opts{'payload_sr'}) {
        my $payload = q<>;

        my $code = delete $opts{'code'};
        my $reason = delete $opts{'reason'};

        if (defined $code && length $code) {
            my $num = Net::WebSocket::Constants::status_name_to_code($code);
            $num = $code if !defined $num;

            if ( $num !~ m<\A[0-9]+\z> || !Net::WebSocket::LibWS::close_code_valid($num) ) {
                die Net::WebSocket::X->create('BadArg', code => $code, 'Invalid WebSocket status code');
            }

            $payload = pack 'n', $num;

            if (defined $reason && length $reason) {
                $reason = Net::WebSocket::LibWS::_bytes($reason);
                if (!Net::WebSocket::LibWS::utf8_valid($reason)) {
                    die Net::WebSocket::X->create('BadArg', reason => $reason, 'Reason must be UTF-8');
                }
                $payload .= $reason;
            }
        }

        $opts{'payload'} = $payload;

        my $self = eval { $class->SUPER::new(%opts) };
        if (!$self) {
            my $err = $@;
            if (ref $err && $err->isa('Net::WebSocket::X::ControlPayloadTooLong')) {
                die Net::WebSocket::X->create('BadArg', reason => $reason, 'Reason cannot exceed 123 bytes!');
            }
            die $err;
        }
        return $self;
    }

    delete @opts{'code', 'reason'};

    return $class->SUPER::new(%opts);
}

sub get_code_and_reason {
    my ($self) = @_;

    my $payload = $self->[3];
    # An empty close frame has no code (1005 is what the connection's
    # status is then called, RFC 6455 §7.1.5, not a field of the frame).
    return ( undef, q<> ) if !length $payload;

    return unpack 'na*', $payload;
}

1;
