package Net::WebSocket::Endpoint;

use strict;
use warnings;

our $VERSION = '1.000';

=encoding utf-8

=head1 NAME

Net::WebSocket::Endpoint - base class of WebSocket endpoints

=head1 DESCRIPTION

See L<Net::WebSocket::Endpoint::Server> and
L<Net::WebSocket::Endpoint::Client>, which document the interface both
share.

=cut

use Scalar::Util ();

use Net::WebSocket::Constants ();
use Net::WebSocket::Defragmenter ();
use Net::WebSocket::Frame::close ();
use Net::WebSocket::Frame::ping ();
use Net::WebSocket::Frame::pong ();
use Net::WebSocket::LibWS ();
use Net::WebSocket::Mask ();
use Net::WebSocket::Message ();
use Net::WebSocket::X ();

use constant DEFAULT_MAX_PINGS => 3;

my @LIMITS = qw( max_message max_frame max_queued validate_utf8 );

sub new {
    my ($class, %opts) = @_;

    my @missing = grep { !defined $opts{$_} || !length $opts{$_} } qw( out parser );
    if (@missing) {
        die Net::WebSocket::X->create('BadArg', $missing[0] => undef, "Missing: [@missing]");
    }

    if ( !Scalar::Util::blessed( $opts{'out'} ) || !$opts{'out'}->can('write') ) {
        if ( !Scalar::Util::openhandle( $opts{'out'} ) ) {
            die Net::WebSocket::X->create('BadArg', out => $opts{'out'}, 'needs a write() method');
        }
    }

    my $self = bless {
        _out       => $opts{'out'},
        _max_pings => $opts{'max_pings'} // $class->DEFAULT_MAX_PINGS(),
        _parser    => $opts{'parser'},
    }, $class;

    my ($subprotocol, $extensions) = $self->_agreement(\%opts);

    # libws answers pings itself unless a subclass handles them.
    my $auto_pong = ( $class->can('on_ping') == \&on_ping ) ? 1 : 0;
    $self->{'_auto_pong'} = $auto_pong;

    my $weak = $self;
    Scalar::Util::weaken($weak);

    $self->{'_defragger'} = Net::WebSocket::Defragmenter->new(
        parser           => $opts{'parser'},
        role             => $self->_ROLE(),
        on_data_frame    => $opts{'on_data_frame'},
        on_control_frame => sub { $weak->_handle_control_frame(@_) },
        auto_pong        => $auto_pong,
        max_pings        => $self->{'_max_pings'},
        echo_close_reason => 1,    # the original's echo: code and reason
        subprotocol      => $subprotocol,
        extensions       => $extensions,
        ( map { exists $opts{$_} ? ( $_ => $opts{$_} ) : () } @LIMITS ),
    );

    $self->{'_conn'} = $self->{'_defragger'}->_conn();

    return $self;
}

# The agreed subprotocol and Sec-WebSocket-Extensions value, from a
# handshake object or from extension objects / strings.
sub _agreement {
    my ($self, $opts) = @_;

    my ($subprotocol, @ext) = ($opts->{'subprotocol'});

    # No handshake or extensions given: the pending handshake of this
    # connection, if any (see "The link to the endpoint" in
    # Net::WebSocket::Handshake).
    if ( !$opts->{'handshake'} && !$opts->{'extensions'} && $INC{'Net/WebSocket/Handshake.pm'} ) {
        $opts->{'handshake'} = Net::WebSocket::Handshake::_take_pending( $self->_ROLE() eq 'server' ? 2 : 1 );
    }
    elsif ( $opts->{'handshake'} && $opts->{'handshake'}->can('_taken') ) {
        $opts->{'handshake'}->_taken();
    }

    if ( my $hsk = $opts->{'handshake'} ) {
        $subprotocol //= $hsk->_agreed_subprotocol() if $hsk->can('_agreed_subprotocol');
        push @ext, $hsk->_agreed_extensions() if $hsk->can('_agreed_extensions');
    }

    if ( my $x = $opts->{'extensions'} ) {
        for my $e ( ref $x eq 'ARRAY' ? @$x : ($x) ) {
            if (!ref $e) {
                push @ext, $e if length $e;
            }
            elsif ( $e->can('_agreement_string') ) {
                my $s = $e->_agreement_string();
                push @ext, $s if defined $s && length $s;
            }
            elsif ( $e->can('ok_to_use') && $e->ok_to_use() && $e->can('get_handshake_object') ) {
                push @ext, $e->get_handshake_object()->to_string();
            }
        }
    }

    my %seen;
    @ext = grep { !$seen{$_}++ } @ext;

    return ( $subprotocol, ( @ext ? join( ', ', @ext ) : undef ) );
}

my @WHOLE_CLASS = ( undef, undef, undef, undef, 'Net::WebSocket::Frame::text', 'Net::WebSocket::Frame::binary' );

sub get_next_message {
    # The common case first: a whole message in one frame read from a
    # read(N) reader (see Net::WebSocket::Defragmenter): a message, or
    # nothing to read yet.
    if ( $_[0]{'_defragger'}{'_fast'} ) {
        my $msg = Net::WebSocket::Defragmenter::_next_fast( $_[0]{'_defragger'} );
        return $msg if $msg;
        return undef if defined $msg;
    }

    my ($self) = @_;

    my $d = $self->{'_defragger'};

    # Or a whole text or binary message is waiting (flat triples: type, data, info; see Net::WebSocket::Defragmenter).
    my $ev = $d->{'_events'};
    if ( @$ev && ( $ev->[0] == 4 || $ev->[0] == 5 ) && ( ( $ev->[2] >> 24 ) & 3 ) == 3 && !$d->{'_on_data_frame'} ) {
        my ($type, $data, $info) = splice @$ev, 0, 3;
        return bless [ bless( [ 1, ( $info >> 16 ) & 0xFF, q<>, $data // q<>, undef ], $WHOLE_CLASS[$type] ) ], 'Net::WebSocket::Message';
    }

    $self->_verify_not_closed() if $d->{'_ended'} || $d->{'_eof'} || $d->{'_failed'} || $self->{'_sent_close_frame'};

    my $msg = eval { $d->get_next_message() };
    if ( !defined $msg ) {
        my $err = $@;
        $self->_after_io();
        die $err if $err;
        return $msg;
    }

    # Only pings, closes and failures make libws queue output.
    $self->_after_io() if $d->{'_output'};

    return $msg;
}

my %CREATE_CLASS;    # frame type => [ class, opcode, whether Frame::new is its constructor ]

sub create_message {
    my ($self, $frame_type, $payload) = @_;

    my $c = $CREATE_CLASS{ $frame_type // q<> } || do {
        my $class = _frame_class($frame_type);
        $CREATE_CLASS{$frame_type} = [ $class, $class->get_type(), ( $class->can('new') == \&Net::WebSocket::Frame::new ? 1 : 0 ) ];
    };

    $payload //= q<>;
    $payload = Net::WebSocket::LibWS::_bytes($payload) if utf8::is_utf8($payload);

    # libws checks text that is not plain ASCII (which is UTF-8).
    if ( $c->[1] eq 'text' && $payload =~ tr/\x80-\xff// ) {
        my $ok = Net::WebSocket::LibWS::_ws_utf8_valid( $payload, length $payload );
        Net::WebSocket::LibWS::_croak_rc($ok, 'ws_utf8_valid') if $ok < 0;
        die Net::WebSocket::X->create('BadArg', payload => $payload, 'A text message must be UTF-8') if !$ok;
    }

    if ( !$c->[2] ) {
        return Net::WebSocket::Message->new( $c->[0]->new( payload => $payload, $self->FRAME_MASK_ARGS() ) );
    }

    # A final data frame without RSV bits: libws encodes its header (and
    # masks its payload) in to_bytes().
    my @mask = $self->FRAME_MASK_ARGS();
    my $mask = !@mask ? q<> : ( @mask == 2 && $mask[0] eq 'mask' ) ? $mask[1] // q<> : { @mask }->{'mask'} // q<>;
    die Net::WebSocket::X->create('BadArg', mask => $mask, 'Mask must be 4 bytes long, or empty') if length($mask) && length($mask) != 4;

    return bless [ bless( [ 1, 0, $mask, $payload, undef ], $c->[0] ) ], 'Net::WebSocket::Message';
}

sub _frame_class {
    my ($type) = @_;
    my $class = ( defined $type && $type =~ m<::> ) ? $type : "Net::WebSocket::Frame::" . ( $type // '' );
    if ( !$class->can('get_opcode') ) {
        if ( !defined $type || $type !~ m<\A[A-Za-z_][A-Za-z0-9_:]*\z> ) {
            die Net::WebSocket::X->create('BadArg', type => $type, 'Unknown frame type');
        }
        ( my $file = "$class.pm" ) =~ s<::></>g;
        eval { require $file; 1 } or die Net::WebSocket::X->create('BadArg', type => $type, 'Unknown frame type');
    }
    return $class;
}

sub check_heartbeat {
    my ($self) = @_;

    my $conn = $self->{'_conn'};

    return if $self->{'_sent_close_frame'} && $conn->state() == Net::WebSocket::LibWS::WS_STATE_CLOSED();

    $self->{'_defragger'}{'_heartbeat_failed'} = 1 if $conn->unanswered_pings() >= $self->{'_max_pings'};

    my $sent = $conn->heartbeat( _ping_payload( $conn->unanswered_pings() ) );

    if ( $sent && $conn->state() == Net::WebSocket::LibWS::WS_STATE_CLOSED() && !$self->{'_sent_close_frame'} ) {
        # libws gave up: it failed the connection with 1008.
        $self->{'_sent_close_frame'} = Net::WebSocket::Frame::close->_create( 1, 0, q<>,
            pack( 'n', 1008 ) . "Unanswered ping(s): " . $conn->unanswered_pings() );
    }
    else {
        delete $self->{'_defragger'}{'_heartbeat_failed'};
    }

    $self->_after_io();

    return;
}

# The original's ping payload (its Net::WebSocket::PingStore): the time,
# the number of pings already unanswered, and a random number in hex.
sub _ping_payload {
    no warnings;    # substr of a rand() of 0 is undef: the original's %x gives 0
    return sprintf( '%s UTC: ping #%d (%x)', scalar(gmtime), $_[0], substr( rand, 2 ) );
}

sub close {
    my ($self, %opts) = @_;

    my $code = $opts{'code'} || 'ENDPOINT_UNAVAILABLE';
    my $num = Net::WebSocket::Constants::status_name_to_code($code) // $code;
    my $reason = $opts{'reason'} // q<>;

    my $conn = $self->{'_conn'};
    my $ok = eval { $conn->close( $num, $reason ); 1 };
    if (!$ok) {
        my $err = $@;
        my $rc = ( ref $err && $err->isa('Net::WebSocket::X::LibWS') ) ? $err->get('code') : 0;
        if ( $rc == Net::WebSocket::LibWS::WS_E_ARG() ) {
            die Net::WebSocket::X->create('BadArg', code => $code, $err->get_message());
        }
        die $err if $rc != Net::WebSocket::LibWS::WS_E_CLOSED();    # one close frame only
    }
    else {
        $self->{'_sent_close_frame'} ||= Net::WebSocket::Frame::close->new(
            code => $num, reason => $reason,
        );
    }

    $self->_after_io();

    return $self;
}

{ no warnings "once"; *shutdown = \&close; }

sub is_closed {
    my ($self) = @_;
    return 1 if $self->{'_sent_close_frame'};
    return ( $self->{'_conn'}->state() == Net::WebSocket::LibWS::WS_STATE_CLOSED() ) ? 1 : 0;
}

sub received_close_frame { return $_[0]{'_received_close_frame'} }

sub sent_close_frame { return $_[0]{'_sent_close_frame'} }

sub die_on_close {
    my ($self) = @_;
    $self->{'_no_die_on_close'} = 0;
    return;
}

sub do_not_die_on_close {
    my ($self) = @_;
    $self->{'_no_die_on_close'} = 1;
    return;
}

sub has_pending { return $_[0]{'_defragger'}->has_pending() }

# The libws connection behind the endpoint (Net::WebSocket::LibWS::Connection).
sub get_connection { return $_[0]{'_conn'} }

#----------------------------------------------------------------------
# Control frame handlers; subclasses may override them or add on_<type>.

sub on_ping {
    my ($self, $frame) = @_;
    # libws queued the pong already unless a subclass took over pings.
    $self->{'_conn'}->pong( $frame->get_payload() ) if !$self->{'_auto_pong'};
    return;
}

sub on_pong {
    # libws matches pongs with its heartbeat pings.
    return;
}

#----------------------------------------------------------------------

sub _verify_not_closed {
    my ($self) = @_;

    my $d = $self->{'_defragger'};
    return if !( $d->{'_ended'} || $d->{'_eof'} || $d->{'_failed'} || $self->{'_sent_close_frame'} );

    if ( $self->{'_conn'}->state() == Net::WebSocket::LibWS::WS_STATE_CLOSED()
        && !@{ $self->{'_defragger'}{'_events'} }
        && ( $self->{'_received_close_frame'} || $self->{'_defragger'}{'_failed'} || $self->{'_defragger'}{'_eof'} ) ) {
        die Net::WebSocket::X->create('EndpointAlreadyClosed');
    }

    return;
}

sub _handle_control_frame {
    my ($self, $frame) = @_;

    my $type = $frame->get_type();

    if ($type eq 'close') {
        if ( $self->{'_received_close_frame'} ) {
            warn sprintf( 'Extra close frame received! (%v.02x)', $frame->to_bytes() );
        }
        else {
            $self->{'_received_close_frame'} = $frame;
        }

        if ( !$self->{'_sent_close_frame'} ) {
            # Taking the close event queued libws's reply, echoing the code
            # and the reason (echo_close_reason).
            my ($code, $reason) = $frame->get_code_and_reason();
            $self->{'_sent_close_frame'} = Net::WebSocket::Frame::close->_create( 1, 0, q<>,
                ( defined $code ? pack( 'n', $code ) . $reason : q<> ) );
        }

        if ( !$self->{'_no_die_on_close'} ) {
            $self->_after_io();
            die Net::WebSocket::X->create('ReceivedClose', $frame);
        }
    }
    elsif ( my $handler_cr = $self->can("on_$type") ) {
        $handler_cr->( $self, $frame );
    }
    else {
        my $ref = ref $self;
        die Net::WebSocket::X->create(
            'ReceivedBadControlFrame',
            "“$ref” cannot handle a control frame of type “$type”",
        );
    }

    return;
}

# Writes what libws queued (pongs, close frames) to the output object.
sub _after_io {
    my ($self) = @_;

    $self->{'_defragger'}{'_output'} = 0;

    my $conn = $self->{'_conn'};
    my $bytes = $conn->take_output();
    if ( length $bytes ) {
        my $out = $self->{'_out'};
        if ( Scalar::Util::blessed($out) && $out->can('write') ) {
            $out->write($bytes);
        }
        else {
            print {$out} $bytes;
        }
    }

    if ( my $f = $self->{'_defragger'}{'_failed'} ) {
        $self->{'_sent_close_frame'} ||= Net::WebSocket::Frame::close->_create( 1, 0, q<>, pack( 'n', $f->[0] ) . substr( $f->[1], 0, 123 ) );
    }

    return;
}

1;
