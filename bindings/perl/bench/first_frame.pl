#!/usr/bin/perl
# Load time (issue 12): "use Net::WebSocket::Parser" and the first frame
# from a read(N) reader, as a fresh program would. Measure it with many
# runs, e.g.  hyperfine -N -r 60 'perl -I$PWD/lib bench/first_frame.pl'
# (an absolute -I, as an installed module's path is).
use Net::WebSocket::Parser;

package Reader {
    sub new { return bless { b => $_[1] }, $_[0] }
    sub read { my ( $s, $n ) = @_; return undef if length $s->{'b'} < $n; return substr( $s->{'b'}, 0, $n, '' ) }
}

my $frame = Net::WebSocket::Parser->new( Reader->new("\x81\x05hello") )->get_next_frame();
die "wrong frame\n" if $frame->get_payload() ne 'hello';
