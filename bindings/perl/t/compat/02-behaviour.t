#!/usr/bin/perl
# The original Net::WebSocket's documented behaviour, through a reader of
# IO::Framed's contract.
use strict;
use warnings;
use Test::More;
use FindBin ();
use lib "$FindBin::Bin/lib", "$FindBin::Bin/../lib";

use FramedReader ();
use TestWS ();
use Net::WebSocket::Endpoint::Server ();
use Net::WebSocket::Parser ();
use Net::WebSocket::Frame::close ();
use Net::WebSocket::Frame::text ();
use Net::WebSocket::Frame::ping ();
use Net::WebSocket::Frame::continuation ();
use Net::WebSocket::Handshake::Server ();
use Net::WebSocket::Handshake::Client ();
use Net::WebSocket::Handshake::Extension ();
use Net::WebSocket::HTTP ();
use Net::WebSocket::HTTP_R ();
use Net::WebSocket::X ();

my $M = 'abcd';
sub server { my $r = FramedReader->new(@_); return ( Net::WebSocket::Endpoint::Server->new( parser => Net::WebSocket::Parser->new($r), out => TestWS::writer() ), $r ) }

# One frame per call.
{
    my ($ept, $r) = server( join '',
        Net::WebSocket::Frame::text->new( fin => 0, payload => 'he', mask => $M )->to_bytes,
        Net::WebSocket::Frame::ping->new( payload => 'p', mask => $M )->to_bytes,
        Net::WebSocket::Frame::continuation->new( payload => 'llo', mask => $M )->to_bytes,
        Net::WebSocket::Frame::text->new( payload => 'x', mask => $M )->to_bytes );
    is( $ept->get_next_message, undef, 'a non-final fragment: undef' );
    is( $ept->get_next_message, undef, 'a ping: undef' );
    is( $ept->get_next_message->get_payload, 'hello', 'the last fragment: the message' );
    is( $ept->get_next_message->get_payload, 'x', 'a whole message' );
    is( $ept->get_next_message, undef, 'nothing buffered: undef' );
}

# Parser through the IO::Framed contract, one byte at a time.
{
    my $wire = join '', map { Net::WebSocket::Frame::text->new( payload => $_, mask => $M )->to_bytes } 'a', 'x' x 200, 'y' x 70000;
    my $r = FramedReader->new();
    my $p = Net::WebSocket::Parser->new($r);
    my @got;
    for my $byte ( split //, $wire ) {
        $r->add($byte);
        my $f = $p->get_next_frame();
        push @got, $f->get_payload if ref $f;
    }
    is_deeply( [ map { length } @got ], [ 1, 200, 70000 ], 'parser: frames read one byte at a time' );
    $r->eof;
    ok( !eval { $p->get_next_frame; 1 } && ref $@ eq 'FramedReader::EmptyRead', 'parser: the reader may throw at end of input' );
}

# Close: empty frame's code and reason; after end of input no more reads.
is_deeply( [ Net::WebSocket::Frame::close->new()->get_code_and_reason ], [ undef, '' ], 'empty close: (undef, "")' );
{
    my ($ept, $r) = server( Net::WebSocket::Frame::close->new( code => 1000, reason => 'bye', mask => $M )->to_bytes );
    $ept->do_not_die_on_close;
    is( $ept->get_next_message, undef, 'close frame: undef' );
    is_deeply( [ $ept->received_close_frame->get_code_and_reason ], [ 1000, 'bye' ], 'received_close_frame' );
    $r->eof;
    # (the endpoint reads nothing more: its documented EndpointAlreadyClosed
    # is allowed, the reader's EmptyRead is not)
    eval { $ept->get_next_message; $ept->get_next_message; 1 };
    ok( ref $@ ne 'FramedReader::EmptyRead', 'after the close and end of input: no EmptyRead' ) or diag $@;
}

# Errors.
{
    my ($ept) = server("\x80\x80abcd");
    my $e = eval { $ept->get_next_message; 1 } ? undef : $@;
    isa_ok( $e, 'Net::WebSocket::X::ReceivedBadControlFrame', 'stray continuation' );
}
ok( Net::WebSocket::X::ReceivedBadDataFrame->isa('Net::WebSocket::X::ReceivedBadControlFrame'), 'ReceivedBadDataFrame isa ReceivedBadControlFrame' );
ok( Net::WebSocket::X::BadArg->isa('Net::WebSocket::X::Base'), 'X classes isa X::Base' );
{
    my $e = eval { Net::WebSocket::Handshake::Server->new->consume_headers( Upgrade => 'websocket' ); 1 } ? undef : $@;
    isa_ok( $e, 'Net::WebSocket::X::MissingHeaders' );
    is_deeply( $e && $e->get('names'), [ 'Host', 'Connection', 'Sec-WebSocket-Version', 'Sec-WebSocket-Key' ], 'MissingHeaders names every missing header' );
}
ok( !eval { my $x = Net::WebSocket::HTTP::split_tokens('a, b'); 1 }, 'split_tokens in scalar context throws' );
# The original's check is Call::Context's (Debian's libcall-context-perl,
# which run-tests.sh installs): its exception where it is installed,
# BadArg where it is not (a fresh perl that cannot load it).
# A system without a libcall-context-perl package (Debian 11) sets
# LIBWS_TEST_NO_CALL_CONTEXT=1: there it must really be absent, and
# BadArg is what is thrown.
if ( $ENV{'LIBWS_TEST_NO_CALL_CONTEXT'} ) {
    ok( !eval { require Call::Context; 1 }, 'LIBWS_TEST_NO_CALL_CONTEXT: Call::Context is indeed not installed' );
    my $e = eval { my $x = Net::WebSocket::HTTP::split_tokens('a, b'); 1 } ? undef : $@;
    isa_ok( $e, 'Net::WebSocket::X::BadArg', 'split_tokens in scalar context without Call::Context' );
}
else {
    ok( eval { require Call::Context; 1 }, 'Call::Context is installed (Debian: libcall-context-perl; run-tests.sh installs it as root)' ) or diag $@;
    my $e = eval { my $x = Net::WebSocket::HTTP::split_tokens('a, b'); 1 } ? undef : $@;
    isa_ok( $e, 'Call::Context::X', 'split_tokens in scalar context: Call::Context\'s exception' );
    like( "$e", qr<split_tokens called in non-list \(scalar\) context>, '... naming split_tokens and the context' );
    $e = eval { Net::WebSocket::HTTP::split_tokens('a, b'); 1 } ? undef : $@;
    isa_ok( $e, 'Call::Context::X', 'split_tokens in void context: Call::Context\'s exception' );
    open my $fh, '-|', $^X, "-I$FindBin::Bin/../../lib", '-e',
        'BEGIN { unshift @INC, sub { die "hidden\n" if $_[1] eq "Call/Context.pm"; return } } use Net::WebSocket::HTTP; eval { my $x = Net::WebSocket::HTTP::split_tokens("a"); 1 }; print ref $@' or die $!;
    is( scalar( do { local $/; <$fh> } ), 'Net::WebSocket::X::BadArg', 'without Call::Context: BadArg' );
}
is_deeply( [ Net::WebSocket::HTTP::split_tokens('a, b') ], [ 'a', 'b' ], 'split_tokens in list context' );
ok( defined &Net::WebSocket::HTTP_R::handshake_parse_response, 'HTTP_R::handshake_parse_response' );

# Legacy extension objects.
{
    my $c = eval { Net::WebSocket::Handshake::Client->new( uri => 'ws://localhost/', extensions => [ Net::WebSocket::Handshake::Extension->new( 'x-foo', a => 1 ) ] ) };
    like( $c && $c->to_string, qr<^Sec-WebSocket-Extensions: x-foo; a=1\r$>m, 'Handshake::Extension objects are offered' ) or diag $@;
}

# X::Tiny, where installed (a minimal X::Tiny::Base stands in: Debian has none).
{
    my $dir = "$FindBin::Bin/lib-xtiny";
    open my $fh, '-|', $^X, "-I$dir", "-I$FindBin::Bin/../../lib", '-e',
        'use Net::WebSocket::X; print Net::WebSocket::X->create("BadArg", a => 1)->isa("X::Tiny::Base") ? "yes" : "no"' or die $!;
    is( scalar( do { local $/; <$fh> } ), 'yes', 'isa X::Tiny::Base when X::Tiny is installed' );
}

done_testing();
