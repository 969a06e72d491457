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
#   pws        Debian's Protocol::WebSocket::Frame (append, next_bytes)
#
# W5a..W5d (the payloads of W1..W4 sent by a client: serialize + mask,
# one send call per message, the output taken after each into a sink that
# counts bytes, checked once by parsing it back) compare:
#
#   native     Net::WebSocket::LibWS::Connection: send_text/send_binary,
#              take_output
#   original   Net::WebSocket::Endpoint::Client's create_message, to_bytes
#   pws        Protocol::WebSocket::Frame->new(masked => 1)->to_bytes
#
#   perl bench/bench.pl [--data DIR] [--rounds N] [--clock wall|cpu] [W1 W2 W5a ...]
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

my $data_dir = "$FindBin::Bin/data";
my $rounds = 3;
my $gen = "$FindBin::Bin/../../../../shared/bench/gen_workloads.py";
$gen = '/work/shared/bench/gen_workloads.py' if !-e $gen && -e '/work/shared/bench/gen_workloads.py';
my @only;
my $clock = 'wall';
Getopt::Long::GetOptions(
    'data=s'   => \$data_dir,
    'rounds=i' => \$rounds,
    'gen=s'    => \$gen,
    'only=s'   => \@only,
    'clock=s'  => \$clock,
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

my @senders = (
    [ native   => \&send_native ],
    [ original => \&send_original ],
    ( $have_pws ? ( [ pws => \&send_pws ] ) : () ),
);

my @contenders = (
    [ native   => \&run_native ],
    [ raw      => \&run_raw ],
    [ original => \&run_original ],
    [ 'orig+ra' => \&run_original_ra ],
    [ parser   => \&run_parser ],
    ( $have_pws ? ( [ pws => \&run_pws ] ) : () ),
);
if (@only) {
    my %only = map { $_ => 1 } @only;
    @contenders = grep { $only{ $_->[0] } } @contenders;
    @senders = grep { $only{ $_->[0] } } @senders;
}

printf "libws %s from %s; perl %vd; %d rounds, best of each (%s clock)\n\n",
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

for my $w (@workloads) {
    if ( $w =~ m<\Aw5([a-d])\z> ) {
        my $src = 'w' . ( ord($1) - 96 );
        my $m = $manifest->{$src} or die "no workload $src in the manifest\n";
        my $all = do { open my $fh, '<:raw', "$data_dir/$m->{payloads}" or die $!; local $/; <$fh> };
        my @payloads = unpack "(a$m->{payload_size})*", $all;
        my $text = $m->{'opcode'} == 1;

        # The check: a native client's whole output parses back to the payloads.
        {
            my $conn = Net::WebSocket::LibWS::Connection->new_open( role => 'client' );
            my $wire = '';
            for my $p (@payloads) { $text ? $conn->send_text($p) : $conn->send_binary($p); $wire .= $conn->take_output() }
            check_sent( $wire, \@payloads );
        }

        my %best;
        for my $round ( 1 .. $rounds ) {
            for my $c (@senders) {
                my ($name, $cr) = @$c;
                my $t0 = $now->();
                my ($n, $bytes) = $cr->( \@payloads, $text );
                my $dt = $now->() - $t0;
                my $want = @payloads * ( $m->{'payload_size'} + 2 + 4 + ( $m->{'payload_size'} > 65535 ? 8 : $m->{'payload_size'} > 125 ? 2 : 0 ) );
                die "$name/W5: $bytes bytes, expected $want\n" if $bytes != $want;
                $best{$name} = $dt if !defined $best{$name} || $dt < $best{$name};
            }
        }
        printf "%s: %d messages of %d bytes sent by a client (%s)\n", uc $w, scalar @payloads, $m->{payload_size}, $text ? 'text' : 'binary';
        for my $c (@senders) {
            my $name = $c->[0];
            my $ratio = $best{'pws'} ? sprintf( '%5.2fx Protocol::WebSocket', $best{'pws'} / $best{$name} ) : '';
            printf "  %-9s %10.0f msg/s %9.1f MB/s  %s\n", $name, @payloads / $best{$name}, @payloads * $m->{payload_size} / 1e6 / $best{$name}, $ratio;
        }
        print "\n";
        next;
    }

    my $m = $manifest->{$w} or die "no workload $w in the manifest\n";
    my $bytes = do { open my $fh, '<:raw', "$data_dir/$m->{frames}" or die $!; local $/; <$fh> };
    my $chunk = $manifest->{'feed_chunk'} || 65536;
    my @slices;
    for ( my $o = 0; $o < length $bytes; $o += $chunk ) {
        push @slices, substr( $bytes, $o, $chunk );
    }

    my %best;
    for my $round ( 1 .. $rounds ) {
        for my $c (@contenders) {
            my ($name, $cr) = @$c;
            my $t0 = $now->();
            my ($n, $sum) = $cr->( \@slices );
            my $dt = $now->() - $t0;
            die "$name/$w: $n messages, expected $m->{count}\n" if $n != $m->{count};
            die "$name/$w: checksum $sum, expected $m->{checksum}\n" if $sum != $m->{checksum};
            $best{$name} = $dt if !defined $best{$name} || $dt < $best{$name};
        }
    }

    printf "%s: %d messages of %d bytes (%s)\n", uc $w, $m->{count}, $m->{payload_size}, $m->{opcode} == 1 ? 'text' : 'binary';
    for my $c (@contenders) {
        my $name = $c->[0];
        my $rate = $m->{count} / $best{$name};
        my $mbs = $m->{count} * $m->{payload_size} / 1e6 / $best{$name};
        my $ratio = $best{'pws'} ? sprintf( '%5.2fx Protocol::WebSocket', $best{'pws'} / $best{$name} ) : '';
        printf "  %-9s %10.0f msg/s %9.1f MB/s  %s\n", $name, $rate, $mbs, $ratio;
    }
    print "\n";
}
