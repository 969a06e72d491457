package Net::WebSocket::Constants;

use strict;
use warnings;

our $VERSION = '1.000';

=encoding utf-8

=head1 NAME

Net::WebSocket::Constants - WebSocket opcodes, status codes and names

=head1 SYNOPSIS

    use Net::WebSocket::Constants ();

    my $opcode = Net::WebSocket::Constants::OPCODE()->{'text'};     # 1
    my $type   = Net::WebSocket::Constants::opcode_to_type(9);      # 'ping'

    my $code = Net::WebSocket::Constants::status_name_to_code('SERVER_ERROR');  # 1011
    my $name = Net::WebSocket::Constants::status_code_to_name(1011);            # 'INTERNAL_ERROR'

    Net::WebSocket::Constants::PROTOCOL_VERSION();   # 13

=head1 DESCRIPTION

The constants of the original Net::WebSocket. Loading this module does
not load libws.

=over

=item C<OPCODE> - a hash reference: C<continuation> 0, C<text> 1,
C<binary> 2, C<close> 8, C<ping> 9, C<pong> 10.

=item C<opcode_to_type(OPCODE)> - the type name, or undef for a reserved
opcode.

=item C<PROTOCOL_VERSION> (13), C<REQUIRED_HTTP_METHOD> (GET),
C<REQUIRED_HTTP_STATUS> (101), C<REQUIRED_REQUEST_PROTOCOL> (HTTP/1.1).

=item C<STATUS> - a hash reference of status names: C<SUCCESS> 1000,
C<ENDPOINT_UNAVAILABLE> 1001, C<PROTOCOL_ERROR> 1002,
C<INVALID_DATA_TYPE> 1003, C<INVALID_PAYLOAD> 1007,
C<POLICY_VIOLATION> 1008, C<MESSAGE_TOO_BIG> 1009,
C<UNSUPPORTED_EXTENSIONS> 1010, C<INTERNAL_ERROR> and its alias
C<SERVER_ERROR> 1011, C<SERVICE_RESTART> 1012, C<TRY_AGAIN_LATER> 1013,
C<BAD_GATEWAY> 1014.

=item C<status_name_to_code(NAME)> - the code, or undef. C<EMPTY_CLOSE>
gives 1005 (the code reported for a close frame without one; it is never
sent).

=item C<status_code_to_name(CODE)> - the name (1011 gives
C<INTERNAL_ERROR>), or undef. These names are the ones libws's
C<ws_close_code_name()> returns (the test suite checks they agree).

=back

=cut

use constant OPCODE => {
    continuation => 0,
    text         => 1,
    binary       => 2,
    close        => 8,
    ping         => 9,
    pong         => 10,
};

use constant CONTROL_TYPES => qw( close ping pong );

use constant {
    PROTOCOL_VERSION          => 13,
    REQUIRED_HTTP_METHOD      => 'GET',
    REQUIRED_HTTP_STATUS      => 101,
    REQUIRED_REQUEST_PROTOCOL => 'HTTP/1.1',
};

use constant STATUS => {
    SUCCESS                => 1000,
    ENDPOINT_UNAVAILABLE   => 1001,
    PROTOCOL_ERROR         => 1002,
    INVALID_DATA_TYPE      => 1003,
    INVALID_PAYLOAD        => 1007,
    POLICY_VIOLATION       => 1008,
    MESSAGE_TOO_BIG        => 1009,
    UNSUPPORTED_EXTENSIONS => 1010,
    INTERNAL_ERROR         => 1011,
    SERVER_ERROR           => 1011,
    SERVICE_RESTART        => 1012,
    TRY_AGAIN_LATER        => 1013,
    BAD_GATEWAY            => 1014,
};

my %NAME_OF = reverse %{ STATUS() };
$NAME_OF{1011} = 'INTERNAL_ERROR';

my %OPCODE_TYPE = reverse %{ OPCODE() };

sub status_name_to_code {
    my ($name) = @_;
    return undef if !defined $name;
    return 1005 if $name eq 'EMPTY_CLOSE';
    return STATUS()->{$name};
}

sub status_code_to_name {
    my ($code) = @_;
    return undef if !defined $code;
    return $NAME_OF{$code};
}

sub opcode_to_type {
    my ($opcode) = @_;
    return undef if !defined $opcode;
    return $OPCODE_TYPE{$opcode};
}

1;
