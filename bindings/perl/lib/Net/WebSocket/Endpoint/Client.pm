package Net::WebSocket::Endpoint::Client;

use strict;
use warnings;

our $VERSION = '1.000';

use parent qw( Net::WebSocket::Endpoint );

use constant _ROLE => 'client';
use Net::WebSocket::Mask ();

sub FRAME_MASK_ARGS { return ( mask => Net::WebSocket::Mask::create() ) }

=encoding utf-8

=head1 NAME

Net::WebSocket::Endpoint::Client - a WebSocket client endpoint

=head1 SYNOPSIS

    my $ept = Net::WebSocket::Endpoint::Client->new(
        parser => $parser_obj,      # Net::WebSocket::Parser over your reader
        out    => $out_obj,         # anything with write(BYTES), or a filehandle

        # optional: # of unanswered pings before we send a close
        max_pings => 5,

        # optional: every data frame as it arrives
        on_data_frame => sub {
            my ($frame_obj) = @_;
            # ...
        },

        # optional (this distribution): what the handshake agreed
        handshake => $handshake_obj,    # a Net::WebSocket::Handshake::Client
    );

    my $msg_to_send = $ept->create_message('text', 'Hello!');
    $out_obj->write( $msg_to_send->to_bytes() );

    if ( _we_timed_out_waiting_for_read_readiness() ) {
        $ept->check_heartbeat();
    }
    else {
        # Call when reading won't block (select() first for non-blocking I/O).
        my $msg = $ept->get_next_message();

        _custom_logic_to_finish_up() if $ept->is_closed();
    }

=head1 DESCRIPTION

Wraps the obvious parts of a WebSocket endpoint's work: reading messages,
answering pings, echoing the close frame, the heartbeat. Its twin is
L<Net::WebSocket::Endpoint::Server>, which documents the methods both
share; the two differ only in masking: a client masks every frame it
sends (with a fresh key from a CSPRNG: see L<Net::WebSocket::Mask>) and refuses masked frames
from the server.

Behind the endpoint is a libws connection, already open: the bytes read
from the parser's reader are fed to it, libws checks them and answers
(pongs, the close reply, the close frame that fails a broken connection),
and the endpoint writes those answers to C<out> at once.

=head1 METHODS

The same as L<Net::WebSocket::Endpoint::Server>'s, documented there:
C<new> (the same options), C<get_next_message>, C<create_message> (here
the frames are masked), C<check_heartbeat>, C<close>/C<shutdown>,
C<sent_close_frame>, C<received_close_frame>, C<is_closed>,
C<do_not_die_on_close>, C<die_on_close>, C<get_connection>; and the same
L<Net::WebSocket::Endpoint::Server/EXTENSIONS>.

=head1 DIFFERENCES FROM Net::WebSocket

Those of L<Net::WebSocket::Endpoint::Server/DIFFERENCES FROM
Net::WebSocket>, with roles swapped: here it is the server's I<masked>
frames that fail the connection with 1002.

=cut

1;
