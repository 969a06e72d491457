use strict;
use warnings;

use Test::More;
use POSIX ();
use FindBin ();

# A pre-forking server loads the modules in the parent and works in the
# children: libws must be loaded after fork, in the child.

use Net::WebSocket::LibWS ();
use Net::WebSocket::LibWS::Connection ();
use Net::WebSocket::Endpoint::Server ();
use Net::WebSocket::Frame::text ();
use Net::WebSocket::Mask ();

# Runs CODE in a child; returns its exit status and what it printed.
sub in_child {
    my ($code) = @_;
    pipe( my $r, my $w ) or die "pipe: $!";
    my $pid = fork // die "fork: $!";
    if ( !$pid ) {
        close $r;
        alarm 20;    # a hang would be a failure, not a stuck test
        my $out = eval { $code->() } // "died: $@";
        print {$w} $out;
        close $w;
        POSIX::_exit(0);
    }
    close $w;
    local $/;
    my $out = <$r>;
    waitpid $pid, 0;
    return ( $?, $out );
}

ok( !Net::WebSocket::LibWS::is_loaded(), 'the parent used the modules but did not load libws' );

my ($st, $out) = in_child( sub {
    my $c = Net::WebSocket::LibWS::Connection->new_open( role => 'server' );
    $c->feed( Net::WebSocket::Frame::text->new( payload => 'hi', mask => 'abcd' )->to_bytes );
    my ($ev) = $c->next_events;
    return $ev->data . ' ' . Net::WebSocket::LibWS::is_loaded() . ' ' . length( Net::WebSocket::Mask::create() );
} );
is( $st, 0, 'child exits normally' );
is( $out, 'hi 1 4', 'a child that loads libws after fork works (masking keys too)' );

# Now the parent loads it; its children inherit a used library.
my $conn = Net::WebSocket::LibWS::Connection->new_open( role => 'server' );
ok( Net::WebSocket::LibWS::is_loaded(), 'parent loaded libws' );

my $t0 = time;
($st, $out) = in_child( sub {
    my @r;
    for my $try (
        [ 'new connection', sub { Net::WebSocket::LibWS::Connection->new_open( role => 'server' ) } ],
        [ 'inherited connection', sub { $conn->feed('x') } ],
        [ 'helper', sub { Net::WebSocket::LibWS::utf8_valid('x') } ],
        [ 'frame', sub { Net::WebSocket::Frame::text->new( payload => 'x' )->to_bytes } ],
        [ 'mask key', sub { Net::WebSocket::Mask::create() } ],
        [ 'load', sub { Net::WebSocket::LibWS::load(); Net::WebSocket::LibWS::version() } ],
    ) {
        my ($name, $cr) = @$try;
        eval { $cr->(); 1 } and do { push @r, "$name: no exception"; next };
        push @r, "$name: " . ref($@);
    }
    undef $conn;    # its destructor must not call into libws (or hang)
    return join "\n", @r;
} );
is( $st, 0, 'the child exits normally (no hang, no crash)' );
is( $out, join( "\n", map { "$_: Net::WebSocket::X::Forked" } 'new connection', 'inherited connection', 'helper', 'frame', 'mask key', 'load' ),
    'every use in a child of a loaded parent throws Net::WebSocket::X::Forked' );
cmp_ok( time - $t0, '<', 15, 'quickly' );

ok( $conn->feed(''), 'the parent still works' );

done_testing();
