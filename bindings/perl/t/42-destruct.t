use strict;
use warnings;

use Test::More;
use FindBin ();

# Objects alive at exit, cycles, globals: global destruction must neither
# crash nor warn.
my $code = <<'PERL';
use strict; use warnings;
use lib "LIB";
use Net::WebSocket::LibWS::Connection;
use Net::WebSocket::Endpoint::Server;
use Net::WebSocket::Parser;
use Net::WebSocket::Streamer::Server;
use Net::WebSocket::PMCE::deflate::Server;
package R; sub new { bless { b => '' } } sub read { undef } package W; sub new { bless {} } sub write { 1 }
package main;
our @KEEP;
for (1 .. 50) {
    my $c = Net::WebSocket::LibWS::Connection->new_server( deflate => 1 );
    my $e = Net::WebSocket::Endpoint::Server->new( parser => Net::WebSocket::Parser->new( R->new ), out => W->new );
    my %cycle = ( c => $c, e => $e );
    $cycle{self} = \%cycle;           # a leak on purpose: freed only at global destruction
    push @KEEP, $c, $e;
}
my $s = Net::WebSocket::Streamer::Server->new('text'); $s->create_final('x'); push @KEEP, $s;
our $DATA = Net::WebSocket::PMCE::deflate::Server->new->create_data_object;
$DATA->create_message( 'text', 'x' x 100 );
print "ok\n";
PERL
$code =~ s<LIB><$FindBin::Bin/../lib>;

use File::Temp ();
my $tmp = File::Temp->new( SUFFIX => '.pl' );
print {$tmp} $code;
close $tmp;
my $out = `$^X $tmp 2>&1`;
is( $?, 0, 'exit status 0' );
is( $out, "ok\n", 'no warning, no crash during global destruction' );

# END blocks and exit() from deep inside.
my $out2 = `$^X -I$FindBin::Bin/../lib -MNet::WebSocket::LibWS::Connection -e 'my \$c = Net::WebSocket::LibWS::Connection->new_server; END { print "end\\n" } exit 3' 2>&1`;
is( $? >> 8, 3, 'exit(3) with a live connection' );
is( $out2, "end\n", 'END ran, nothing else printed' );

done_testing();
