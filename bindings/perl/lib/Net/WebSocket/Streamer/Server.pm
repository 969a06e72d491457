package Net::WebSocket::Streamer::Server;

use strict;
use warnings;

our $VERSION = '1.000';

=encoding utf-8

=head1 NAME

Net::WebSocket::Streamer::Server - a fragmented message sent by a server

=head1 SYNOPSIS

    my $streamer = Net::WebSocket::Streamer::Server->new('text');
    print {$sock} $streamer->create_chunk('Hel')->to_bytes();
    print {$sock} $streamer->create_final('lo')->to_bytes();

=head1 DESCRIPTION

See L<Net::WebSocket::Streamer>.

=cut

use parent qw( Net::WebSocket::Streamer );

use constant _ROLE => 'server';

1;
