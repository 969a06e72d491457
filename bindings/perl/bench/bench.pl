#!/usr/bin/env perl

# Messages per second on the shared workloads (shared/bench/WORKLOADS.md):
# a server connection fed the workload's .frames in 64 KiB slices, every
# message delivered as a Perl string, the checksum (first + last byte of
# every message, mod 2^32) checked against the manifest. Three contenders
# in the same run:
#
#   native     Net::WebSocket::LibWS::Connection (feed, next_events batches)
#   original   Net::WebSocket::Endpoint::Server over a Parser and a read(N)
#              reader (the original Net::WebSocket API, on libws)
#   orig+ra    the same with a reader that also offers read_available()
#   pws        Debian's Protocol::WebSocket::Frame (append, next_bytes)
#
#   perl bench/bench.pl [--data DIR] [--rounds N] [W1 W2 ...]
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
Getopt::Long::GetOptions(
    'data=s'   => \$data_dir,
    'rounds=i' => \$rounds,
    'gen=s'    => \$gen,
    'only=s'   => \@only,
) or die "usage: $0 [--data DIR] [--rounds N] [--only native|original|pws] [W1 W2 ...]\n";

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
        $conn->feed($slice);
        while ( my @ev = $conn->next_events() ) {
            for my $ev (@ev) {
                my $m = $ev->[1];
                $n++;
                $sum += ord($m) + ord( substr $m, -1 );
            }
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

my @contenders = (
    [ native   => \&run_native ],
    [ original => \&run_original ],
    [ 'orig+ra' => \&run_original_ra ],
    ( $have_pws ? ( [ pws => \&run_pws ] ) : () ),
);
if (@only) {
    my %only = map { $_ => 1 } @only;
    @contenders = grep { $only{ $_->[0] } } @contenders;
}

printf "libws %s from %s; perl %vd; %d rounds, best of each\n\n",
    Net::WebSocket::LibWS::version(), Net::WebSocket::LibWS->library_path(), $^V, $rounds;

for my $w (@workloads) {
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
            my $t0 = Time::HiRes::time();
            my ($n, $sum) = $cr->( \@slices );
            my $dt = Time::HiRes::time() - $t0;
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
