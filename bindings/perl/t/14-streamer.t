use strict;
use warnings;

use Test::More;
use FindBin ();
use lib "$FindBin::Bin/lib";
use TestWS qw( hexs throws_x all_events );

use Net::WebSocket::Streamer::Server ();
use Net::WebSocket::Streamer::Client ();
use Net::WebSocket::LibWS::Connection ();

# Server streamer: unmasked frames, first typed, then continuations.
{
    my $s = Net::WebSocket::Streamer::Server->new('text');
    my @f = ( $s->create_chunk('Hel'), $s->create_chunk(''), $s->create_final('lo') );
    is( hexs( join '', map { $_->to_bytes } @f ), '01 03 48 65 6c 00 00 80 02 6c 6f', 'RFC 6455 §5.7 fragments (with an empty one)' );
    is_deeply( [ map { $_->get_type } @f ], [ 'text', 'continuation', 'continuation' ], 'types' );
    is_deeply( [ map { $_->get_fin } @f ], [ 0, 0, 1 ], 'FIN' );
    throws_x( sub { $s->create_chunk('more') }, 'BadArg', 'no frames after the final one' );

    my $peer = Net::WebSocket::LibWS::Connection->new_open( role => 'client' );
    $peer->feed( join '', map { $_->to_bytes } @f );
    my @ev = all_events($peer);
    is( $ev[0]->data, 'Hello', 'a peer reassembles the message' );
}

# Client streamer: masked with fresh keys; the caller's buffer is untouched.
{
    my $s = Net::WebSocket::Streamer::Client->new('binary');
    my $buf = "\x01\x02\x03\x04";
    my $f1 = $s->create_chunk($buf);
    is( $buf, "\x01\x02\x03\x04", "the caller's buffer is not masked in place" );
    my $f2 = $s->create_final($buf);
    is( length $f1->get_mask_bytes, 4, 'masked' );
    isnt( $f1->get_mask_bytes, $f2->get_mask_bytes, 'fresh key per frame' );
    is( $f1->get_payload, $buf, 'get_payload unmasked' );
    my $peer = Net::WebSocket::LibWS::Connection->new_open( role => 'server' );
    $peer->feed( $f1->to_bytes . $f2->to_bytes );
    is( ( all_events($peer) )[0]->data, $buf x 2, 'a server peer reassembles it' );
}

# Text: a fragment may end inside a character; the whole must be UTF-8.
{
    my $s = Net::WebSocket::Streamer::Server->new('text');
    ok( $s->create_chunk("caf\xc3"), 'a fragment ending inside a character' );
    ok( $s->create_final("\xa9"), 'completed by the next' );
    my $bad = Net::WebSocket::Streamer::Server->new('text');
    throws_x( sub { $bad->create_chunk("\xff") }, 'BadArg', 'invalid UTF-8' );
    $bad->{'finished'} = 1;
    my $incomplete = Net::WebSocket::Streamer::Server->new('text');
    $incomplete->create_chunk("caf\xc3");
    throws_x( sub { $incomplete->create_final('') }, 'BadArg', 'a message ending inside a character' );
    $incomplete->{'finished'} = 1;
}

# Destroying an unfinished streamer throws UnfinishedStream.
{
    my @warnings;
    local $SIG{__WARN__} = sub { push @warnings, @_ };
    {
        my $s = Net::WebSocket::Streamer::Server->new('binary');
        $s->create_chunk('x');
    }
    is( scalar(@warnings), 1, 'one warning (an exception in a destructor)' );
    like( $warnings[0] // '', qr<UnfinishedStream>, 'UnfinishedStream' );

    @warnings = ();
    {
        my $s = Net::WebSocket::Streamer::Server->new('binary');
        $s->create_final('x');
    }
    is( scalar(@warnings), 0, 'a finished streamer is quiet' );
}

throws_x( sub { Net::WebSocket::Streamer::Server->new('nonesuch') }, 'BadArg', 'unknown type' );

done_testing();
