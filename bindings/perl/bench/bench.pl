#!/usr/bin/env perl

# Messages per second on the shared workloads (shared/bench/WORKLOADS.md):
# a server connection fed the workload's .frames in 64 KiB slices, every
# message delivered as a Perl string, the checksum (first + last byte of
# every message, mod 2^32) checked against the manifest. Three contenders
# in the same run:
#
#   native     Net::WebSocket::LibWS::Connection (feed_events: feed and the
#              first batch of event objects in one call; then next_events)
#   raw        the same with feed_events_raw/next_events_raw (flat lists,
#              no objects)
#   original   Net::WebSocket::Endpoint::Server over a Parser and a read(N)
#              reader (the original Net::WebSocket API, on libws)
#   orig+ra    the same with a reader that also offers read_available()
#   parser     Net::WebSocket::Parser::get_next_frame over a read(N) reader
#              (frames, unmasked; no message-level checks: not comparable
#              with the others, shown for the parser's own cost)
#   orig-parser the original's (CPAN) Parser, with --original DIR
#   pws        Debian's Protocol::WebSocket::Frame (append, next_bytes)
#
# W5a..W5d (the payloads of W1..W4 sent by a client: serialize + mask,
# one send call per message, the output taken after each into a sink that
# counts bytes, checked once by parsing it back) compare:
#
#   native     Net::WebSocket::LibWS::Connection: send_text/send_binary,
#              take_output
#   original   Net::WebSocket::Endpoint::Client's create_message, to_bytes
#   frames     Net::WebSocket::Frame::text->new(payload => P,
#              mask => Net::WebSocket::Mask::create())->to_bytes(), as the
#              original documents it
#   orig-frames the same with the original's classes (--original DIR)
#   pws        Protocol::WebSocket::Frame->new(masked => 1)->to_bytes
#
#   perl bench/bench.pl [--data DIR] [--rounds N] [--clock wall|cpu] [--original DIR] [W1 W2 W5a S100 C100 ...]
#
# S100 and C100 are 16384 masked 100-byte text frames (server parse,
# client build), for the comparison with the original (--original DIR).
#
# --clock cpu times each pass by the process's CPU time (all threads,
# the Go runtime's included) instead of the wall clock: steadier on a
# machine shared with other work.
#
# The workloads are generated (python3 shared/bench/gen_workloads.py DIR)
# when DIR has no manifest.json. The machine is shared: compare the ratios
# of one run, not absolute numbers across runs.

use strict;
use warnings;

use FindBin ();
use lib "$FindBin::Bin/../lib";

use Getopt::Long ();
use JSON::PP ();
use Time::HiRes ();

use Net::WebSocket::LibWS::Connection ();
use Net::WebSocket::Endpoint::Server ();
use Net::WebSocket::Parser ();
use Net::WebSocket::Frame::text ();
use Net::WebSocket::Frame::binary ();
use Net::WebSocket::Mask ();

my $data_dir = "$FindBin::Bin/data";
my $rounds = 3;
my $gen = "$FindBin::Bin/../../../../shared/bench/gen_workloads.py";
$gen = '/work/shared/bench/gen_workloads.py' if !-e $gen && -e '/work/shared/bench/gen_workloads.py';
my @only;
my $clock = 'wall';
my $original = $ENV{NWS_ORIGINAL_LIB};
Getopt::Long::GetOptions(
    'data=s'   => \$data_dir,
    'rounds=i' => \$rounds,
    'gen=s'    => \$gen,
    'only=s'   => \@only,
    'clock=s'  => \$clock,
    'original=s' => \$original,
) or die "usage: $0 [--data DIR] [--rounds N] [--clock wall|cpu] [--only native|raw|original|orig+ra|parser|pws] [W1 W2 ...]\n";
die "--clock is wall or cpu\n" if $clock ne 'wall' && $clock ne 'cpu';
my $now = $clock eq 'cpu'
    ? sub { Time::HiRes::clock_gettime( Time::HiRes::CLOCK_PROCESS_CPUTIME_ID() ) }
    : \&Time::HiRes::time;

my @workloads = map { lc } ( @ARGV ? @ARGV : qw( W1 W2 ) );

if ( !-e "$data_dir/manifest.json" ) {
    print "generating workloads in $data_dir ...\n";
    my $py = -x '/usr/bin/python3' ? '/usr/bin/python3' : 'python3';
    system( $py, $gen, $data_dir ) == 0 or die "could not run $gen\n";
}
my $manifest = JSON::PP::decode_json( do { open my $fh, '<', "$data_dir/manifest.json" or die $!; local $/; <$fh> } );

my $have_pws = eval { require Protocol::WebSocket::Frame; 1 };
warn "Protocol::WebSocket is not installed (apt-get install libprotocol-websocket-perl): skipping it\n" if !$have_pws;

# ---- The contenders. Each returns (messages, checksum).

sub run_native {
    my ($slices) = @_;
    my $conn = Net::WebSocket::LibWS::Connection->new_open( role => 'server' );
    my ($n, $sum) = (0, 0);
    for my $slice (@$slices) {
        my @ev = $conn->feed_events($slice);
        while (@ev) {
            for my $ev (@ev) {
                my $m = $ev->[1];
                $n++;
                $sum += ord($m) + ord( substr $m, -1 );
            }
            @ev = $conn->next_events();
        }
    }
    return ( $n, $sum % 2**32 );
}

sub run_raw {
    my ($slices) = @_;
    my $conn = Net::WebSocket::LibWS::Connection->new_open( role => 'server' );
    my ($n, $sum) = (0, 0);
    for my $slice (@$slices) {
        my @f = $conn->feed_events_raw($slice);
        while (@f) {
            for ( my $i = 1; $i < @f; $i += 3 ) {
                my $m = $f[$i];
                $n++;
                $sum += ord($m) + ord( substr $m, -1 );
            }
            @f = $conn->next_events_raw();
        }
    }
    return ( $n, $sum % 2**32 );
}

package Bench::Reader {
    sub new { return bless { buf => q<> }, shift }
    sub add { $_[0]{buf} .= $_[1] }
    sub read {
        return undef if length( $_[0]{buf} ) < $_[1];
        return substr( $_[0]{buf}, 0, $_[1], q<> );
    }
}

# The same, offering read_available() (see Net::WebSocket::Defragmenter).
package Bench::ReaderRA {
    our @ISA = ('Bench::Reader');
    sub read_available {
        return undef if !length $_[0]{buf};
        return substr( $_[0]{buf}, 0, $_[1], q<> );
    }
}

package Bench::Writer {
    sub new { return bless {}, shift }
    sub write { 1 }
}

sub run_original { return _original( 'Bench::Reader', @_ ) }
sub run_original_ra { return _original( 'Bench::ReaderRA', @_ ) }

sub _original {
    my ($reader_class, $slices) = @_;
    my $reader = $reader_class->new();
    my $ept = Net::WebSocket::Endpoint::Server->new(
        parser    => Net::WebSocket::Parser->new($reader),
        out       => Bench::Writer->new(),
        max_message => 0, max_frame => 0,
    );
    my ($n, $sum) = (0, 0);
    for my $slice (@$slices) {
        $reader->add($slice);
        while ( my $msg = $ept->get_next_message() ) {
            my $m = $msg->get_payload();
            $n++;
            $sum += ord($m) + ord( substr $m, -1 );
        }
    }
    return ( $n, $sum % 2**32 );
}

sub run_parser {
    my ($slices) = @_;
    my $reader = Bench::Reader->new();
    my $parser = Net::WebSocket::Parser->new($reader);
    my ($n, $sum) = (0, 0);
    for my $slice (@$slices) {
        $reader->add($slice);
        while ( ref( my $f = $parser->get_next_frame() ) ) {
            my $m = $f->get_payload();
            $n++;
            $sum += ord($m) + ord( substr $m, -1 );
        }
    }
    return ( $n, $sum % 2**32 );
}

# The original Net::WebSocket's Parser and frame classes (CPAN), given
# with --original DIR: a lib directory holding them renamed under the
# OrigNWS:: prefix (sed s/Net::WebSocket/OrigNWS/g), since they share
# this binding's package names.
sub run_orig_parser {
    my ($slices) = @_;
    my $reader = Bench::Reader->new();
    my $parser = OrigNWS::Parser->new($reader);
    my ($n, $sum) = (0, 0);
    for my $slice (@$slices) {
        $reader->add($slice);
        while ( ref( my $f = $parser->get_next_frame() ) ) {
            my $m = $f->get_payload();
            $n++;
            $sum += ord($m) + ord( substr $m, -1 );
        }
    }
    return ( $n, $sum % 2**32 );
}

sub run_pws {
    my ($slices) = @_;
    my $f = Protocol::WebSocket::Frame->new( max_payload_size => 0, max_fragments_amount => 1_000_000 );
    my ($n, $sum) = (0, 0);
    for my $slice (@$slices) {
        my $copy = $slice;    # append() empties its argument
        $f->append($copy);
        while ( defined( my $m = $f->next_bytes ) ) {
            $n++;
            $sum += ord($m) + ord( substr $m, -1 );
        }
    }
    return ( $n, $sum % 2**32 );
}

# ---- Sending (W5x). Each returns (messages, bytes of output).

sub send_native {
    my ($payloads, $text) = @_;
    my $conn = Net::WebSocket::LibWS::Connection->new_open( role => 'client' );
    my $bytes = 0;
    for my $p (@$payloads) {
        $text ? $conn->send_text($p) : $conn->send_binary($p);
        $bytes += length $conn->take_output();
    }
    return ( scalar @$payloads, $bytes, $conn );
}

sub send_original {
    my ($payloads, $text) = @_;
    require Net::WebSocket::Endpoint::Client;
    my $ept = Net::WebSocket::Endpoint::Client->new( parser => Net::WebSocket::Parser->new( Bench::Reader->new() ), out => Bench::Writer->new() );
    my $type = $text ? 'text' : 'binary';
    my $bytes = 0;
    for my $p (@$payloads) {
        $bytes += length $ept->create_message( $type, $p )->to_bytes();
    }
    return ( scalar @$payloads, $bytes );
}

sub send_pws {
    my ($payloads, $text) = @_;
    my $type = $text ? 'text' : 'binary';
    my $bytes = 0;
    for my $p (@$payloads) {
        $bytes += length Protocol::WebSocket::Frame->new( buffer => $p, type => $type, masked => 1 )->to_bytes();
    }
    return ( scalar @$payloads, $bytes );
}

# Each message built as the original documents it: a frame object with a
# fresh mask, then its wire bytes.
sub send_frames {
    my ($payloads, $text) = @_;
    my $class = $text ? 'Net::WebSocket::Frame::text' : 'Net::WebSocket::Frame::binary';
    my $bytes = 0;
    for my $p (@$payloads) {
        $bytes += length $class->new( payload => $p, mask => Net::WebSocket::Mask::create() )->to_bytes();
    }
    return ( scalar @$payloads, $bytes );
}

# The same with the original's classes (which mask the payload given in
# place: each gets a copy, as a program that keeps its data must).
sub send_orig_frames {
    my ($payloads, $text) = @_;
    my $class = $text ? 'OrigNWS::Frame::text' : 'OrigNWS::Frame::binary';
    my $bytes = 0;
    for my $p (@$payloads) {
        my $copy = $p;
        $bytes += length $class->new( payload => $copy, mask => OrigNWS::Mask::create() )->to_bytes();
    }
    return ( scalar @$payloads, $bytes );
}

my $have_orig = 0;
if ( defined $original ) {
    unshift @INC, $original;
    $have_orig = eval { require OrigNWS::Parser; require OrigNWS::Frame::text; require OrigNWS::Frame::binary; require OrigNWS::Frame::continuation; require OrigNWS::Mask; 1 }
        or die "--original $original: $@";
}

my @senders = (
    [ native   => \&send_native ],
    [ original => \&send_original ],
    [ frames   => \&send_frames ],
    ( $have_orig ? ( [ 'orig-frames' => \&send_orig_frames ] ) : () ),
    ( $have_pws ? ( [ pws => \&send_pws ] ) : () ),
);

my @contenders = (
    [ native   => \&run_native ],
    [ raw      => \&run_raw ],
    [ original => \&run_original ],
    [ 'orig+ra' => \&run_original_ra ],
    [ parser   => \&run_parser ],
    ( $have_orig ? ( [ 'orig-parser' => \&run_orig_parser ] ) : () ),
    ( $have_pws ? ( [ pws => \&run_pws ] ) : () ),
);
if (@only) {
    my %only = map { $_ => 1 } @only;
    @contenders = grep { $only{ $_->[0] } } @contenders;
    @senders = grep { $only{ $_->[0] } } @senders;
}

printf "libws %s from %s; perl %vd; %d rounds, contenders interleaved in each; median (min-max) of each (%s clock)\n\n",
    Net::WebSocket::LibWS::version(), Net::WebSocket::LibWS->library_path(), $^V, $rounds, $clock;

# Parses a client's output back (the check of a W5 run): the payloads, in order.
sub check_sent {
    my ($wire, $payloads) = @_;
    my $s = Net::WebSocket::LibWS::Connection->new_open( role => 'server', max_message => 0, max_frame => 0 );
    $s->feed($wire);
    my $i = 0;
    while ( my @f = $s->next_events_raw() ) {
        for ( my $j = 1; $j < @f; $j += 3 ) {
            die "W5: message $i differs\n" if ( $f[$j] // '' ) ne $payloads->[ $i++ ];
        }
    }
    die "W5: $i messages parsed back, expected " . scalar(@$payloads) . "\n" if $i != @$payloads;
    return;
}

sub median { my @t = sort { $a <=> $b } @_; return @t % 2 ? $t[ $#t / 2 ] : ( $t[ @t / 2 - 1 ] + $t[ @t / 2 ] ) / 2 }

# Runs each contender once per round, in turn; prints rates from the
# median time and the spread, and ratios to Protocol::WebSocket (and to
# the original where it ran).
sub race {
    my ($title, $list, $count, $size, $pass) = @_;
    my %t;
    for my $round ( 1 .. $rounds ) {
        for my $c (@$list) {
            my $t0 = $now->();
            $pass->( $c->[0], $c->[1] );
            push @{ $t{ $c->[0] } }, $now->() - $t0;
        }
    }
    print "$title\n";
    my %med = map { $_ => median( @{ $t{$_} } ) } keys %t;
    my ($pws) = grep { $med{$_} } qw( pws );
    for my $c (@$list) {
        my $name = $c->[0];
        my ($lo, $hi) = ( sort { $a <=> $b } @{ $t{$name} } )[ 0, -1 ];
        my $ratio = $pws ? sprintf( '%5.2fx Protocol::WebSocket', $med{pws} / $med{$name} ) : '';
        my ($orig) = $name =~ m<\A(frames|parser)\z> ? grep { $med{$_} } "orig-$1" : ();
        $ratio .= sprintf( '  %5.2fx the original', $med{$orig} / $med{$name} ) if $orig;
        printf "  %-11s %10.0f msg/s %9.1f MB/s (%.0f-%.0f msg/s)  %s\n", $name, $count / $med{$name}, $count * $size / 1e6 / $med{$name}, $count / $hi, $count / $lo, $ratio;
    }
    print "\n";
    return;
}

# S100 and C100: 16384 masked text frames of 100 bytes (the first 100
# bytes of W2's payloads), parsed by a server / built by a client.
sub small_payloads {
    my $m = $manifest->{'w2'};
    my $all = do { open my $fh, '<:raw', "$data_dir/$m->{payloads}" or die $!; local $/; <$fh> };
    return [ map { substr $all, $_ * $m->{payload_size}, 100 } 0 .. $m->{count} - 1 ];
}

for my $w (@workloads) {
    if ( $w =~ m<\Aw5([a-d])\z> || $w eq 'c100' ) {
        my ( @payloads, $text, $size );
        if ( $w eq 'c100' ) {
            @payloads = @{ small_payloads() };
            ( $text, $size ) = ( 1, 100 );
        }
        else {
            my $src = 'w' . ( ord($1) - 96 );
            my $m = $manifest->{$src} or die "no workload $src in the manifest\n";
            my $all = do { open my $fh, '<:raw', "$data_dir/$m->{payloads}" or die $!; local $/; <$fh> };
            @payloads = unpack "(a$m->{payload_size})*", $all;
            ( $text, $size ) = ( $m->{'opcode'} == 1, $m->{payload_size} );
        }

        # The check: a native client's whole output parses back to the payloads.
        {
            my $conn = Net::WebSocket::LibWS::Connection->new_open( role => 'client' );
            my $wire = '';
            for my $p (@payloads) { $text ? $conn->send_text($p) : $conn->send_binary($p); $wire .= $conn->take_output() }
            check_sent( $wire, \@payloads );
        }
        my $want = @payloads * ( $size + 2 + 4 + ( $size > 65535 ? 8 : $size > 125 ? 2 : 0 ) );
        race( sprintf( '%s: %d messages of %d bytes sent by a client (%s)', uc $w, scalar @payloads, $size, $text ? 'text' : 'binary' ),
            \@senders, scalar @payloads, $size, sub {
                my ($name, $cr) = @_;
                my ($n, $bytes) = $cr->( \@payloads, $text );
                die "$name/$w: $bytes bytes, expected $want\n" if $bytes != $want;
            } );
        next;
    }

    my ( $bytes, $count, $size, $checksum, $opcode );
    if ( $w eq 's100' ) {
        my $p = small_payloads();
        my $conn = Net::WebSocket::LibWS::Connection->new_open( role => 'client' );
        $bytes = '';
        for (@$p) { $conn->send_text($_); $bytes .= $conn->take_output() }
        my $sum = 0;
        $sum += ord($_) + ord( substr $_, -1 ) for @$p;
        ( $count, $size, $checksum, $opcode ) = ( scalar @$p, 100, $sum % 2**32, 1 );
    }
    else {
        my $m = $manifest->{$w} or die "no workload $w in the manifest\n";
        $bytes = do { open my $fh, '<:raw', "$data_dir/$m->{frames}" or die $!; local $/; <$fh> };
        ( $count, $size, $checksum, $opcode ) = @$m{qw( count payload_size checksum opcode )};
    }
    my $chunk = $manifest->{'feed_chunk'} || 65536;
    my @slices;
    for ( my $o = 0; $o < length $bytes; $o += $chunk ) {
        push @slices, substr( $bytes, $o, $chunk );
    }

    race( sprintf( '%s: %d messages of %d bytes (%s)', uc $w, $count, $size, $opcode == 1 ? 'text' : 'binary' ),
        \@contenders, $count, $size, sub {
            my ($name, $cr) = @_;
            my ($n, $sum) = $cr->( \@slices );
            die "$name/$w: $n messages, expected $count\n" if $n != $count;
            die "$name/$w: checksum $sum, expected $checksum\n" if $sum != $checksum;
        } );
}
