package Net::WebSocket::Streamer::Client;

use strict;
use warnings;

our $VERSION = '1.000';

=encoding utf-8

=head1 NAME

Net::WebSocket::Streamer::Client - a fragmented message sent by a client

=head1 SYNOPSIS

    my $streamer = Net::WebSocket::Streamer::Client->new('text');
    print {$sock} $streamer->create_chunk('Hel')->to_bytes();
    print {$sock} $streamer->create_final('lo')->to_bytes();

=head1 DESCRIPTION

See L<Net::WebSocket::Streamer>.

=cut

use parent qw( Net::WebSocket::Streamer );

use constant _ROLE => 'client';

1;
