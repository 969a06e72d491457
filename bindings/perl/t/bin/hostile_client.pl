#!/usr/bin/perl
# Sends the hostile traffic of t/lib/Hostile.pm to a demo server and
# prints the peak memory (VmHWM) of the server's connection process.
#
#   perl hostile_client.pl PORT SERVER_PID [MESSAGES [SIZE [plain]]]
#
# Default: 200 messages of 8 MiB of zeros, compressed with context
# takeover (about 1.6 MB on the wire). "plain": random bytes, without
# permessage-deflate.

use strict;
use warnings;

use FindBin ();
use lib "$FindBin::Bin/../lib";

use Hostile ();

my ($port, $server, $count, $size, $plain) = @ARGV;
die "usage: $0 PORT SERVER_PID [MESSAGES [SIZE [plain]]]\n" if !$server;
$count //= 200;
$size //= 8 << 20;

my $wire = $plain ? Hostile::plain_messages( $count, $size ) : Hostile::compressed_messages( $count, $size );
my $sock = Hostile::connect_deflate( $port, rcvbuf => 65536, deflate => !$plain );
my $child;
for ( 1 .. 100 ) {
    last if $child = Hostile::child_of($server);
    select undef, undef, undef, 0.05;
}
die "no connection process under $server\n" if !$child;
my $got = Hostile::send_and_sync( $sock, $wire );
printf "%d messages echoed (%d bytes); read %d bytes, %d of them while writing; VmHWM %.1f MiB\n",
    @$got{qw( messages message_bytes read early )}, ( Hostile::vm_hwm($child) // 0 ) / 2**20;
