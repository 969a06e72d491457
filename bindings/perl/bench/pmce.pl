#!/usr/bin/env perl

# permessage-deflate through the Net::WebSocket::PMCE::deflate data
# objects, on the shared W6 workload (shared/bench/WORKLOADS.md): 256
# JSON-like texts of 16 KiB.
#
#   W6c  a client's data object: create_message + to_bytes (compress,
#        frame, mask) per text
#   W6d  a server's data object: decompress per message (the payloads of
#        w6.frames: compressed with no context takeover)
#   W6s  create_streamer: each text in four chunks (create_chunk x 3,
#        create_final)
#
# Both without context takeover (as the workload's frames were made).
# The compressed output is checked by inflating it again; the inflated
# texts by the manifest's checksum.
#
#   perl bench/pmce.pl [--data DIR] [--rounds N] [--clock wall|cpu]

use strict;
use warnings;

use FindBin ();
use lib "$FindBin::Bin/../lib";

use Getopt::Long ();
use JSON::PP ();
use Time::HiRes ();

use Net::WebSocket::PMCE::deflate::Client ();
use Net::WebSocket::PMCE::deflate::Server ();
use Net::WebSocket::Parser ();

my $data_dir = "$FindBin::Bin/data";
my $rounds = 5;
my $clock = 'cpu';
Getopt::Long::GetOptions( 'data=s' => \$data_dir, 'rounds=i' => \$rounds, 'clock=s' => \$clock )
    or die "usage: $0 [--data DIR] [--rounds N] [--clock wall|cpu]\n";
die "no $data_dir/manifest.json: run bench/bench.pl once (it generates the workloads)\n" if !-e "$data_dir/manifest.json";
my $now = $clock eq 'cpu'
    ? sub { Time::HiRes::clock_gettime( Time::HiRes::CLOCK_PROCESS_CPUTIME_ID() ) }
    : \&Time::HiRes::time;

my $manifest = JSON::PP::decode_json( do { open my $fh, '<', "$data_dir/manifest.json" or die $!; local $/; <$fh> } );
my $m = $manifest->{'w6'};
my $slurp = sub { open my $fh, '<:raw', "$data_dir/$_[0]" or die "$_[0]: $!"; local $/; <$fh> };
my $all = $slurp->( $m->{'payloads'} );
my @texts = unpack "(a$m->{payload_size})*", $all;
die "w6: " . scalar(@texts) . " texts\n" if @texts != $m->{'count'};

# The compressed payloads of w6.frames (one frame per message).
my @compressed;
{
    package Bench::StrReader;
    sub new { my ($c, $s) = @_; return bless { s => $s }, $c }
    sub read { return q<> if !length $_[0]{s}; return undef if length( $_[0]{s} ) < $_[1]; return substr( $_[0]{s}, 0, $_[1], q<> ) }
}
my $p = Net::WebSocket::Parser->new( Bench::StrReader->new( $slurp->( $m->{'frames'} ) ) );
while ( ref( my $f = $p->get_next_frame() ) ) { push @compressed, $f->get_payload() }
die "w6.frames: " . scalar(@compressed) . " frames\n" if @compressed != @texts;

my $nct = { deflate_no_context_takeover => 1, inflate_no_context_takeover => 1 };
my $client = Net::WebSocket::PMCE::deflate::Client->new(%$nct);
my $server = Net::WebSocket::PMCE::deflate::Server->new(%$nct);
$_->_set_agreement( { server_no_context_takeover => 1, client_no_context_takeover => 1, server_max_window_bits => 15, client_max_window_bits => 15 } ) for $client, $server;

sub checksum { my $s = 0; $s += ord( $_ ) + ord( substr $_, -1 ) for @_; return $s % 2**32 }

my %best;
my %bytes;
for ( 1 .. $rounds ) {
    my $cdata = $client->create_data_object();
    my $t0 = $now->();
    my @wire = map { $cdata->create_message( 'text', $_ )->to_bytes() } @texts;
    my $dt = $now->() - $t0;
    $best{'W6c create_message'} = $dt if !$best{'W6c create_message'} || $dt < $best{'W6c create_message'};
    $bytes{'W6c create_message'} = length join '', @wire;

    my $sdata = $server->create_data_object();
    $t0 = $now->();
    my @plain = map { $sdata->decompress($_) } @compressed;
    $dt = $now->() - $t0;
    die "W6d: checksum\n" if checksum(@plain) != $m->{'checksum'};
    $best{'W6d decompress'} = $dt if !$best{'W6d decompress'} || $dt < $best{'W6d decompress'};

    my $cdata2 = $client->create_data_object();
    my $q = $m->{'payload_size'} / 4;
    $t0 = $now->();
    my @frames;
    for my $t (@texts) {
        my $st = $cdata2->create_streamer('text');
        push @frames, map( { $st->create_chunk( substr $t, $_ * $q, $q ) } 0 .. 2 ), $st->create_final( substr $t, 3 * $q );
    }
    $dt = $now->() - $t0;
    $best{'W6s create_streamer'} = $dt if !$best{'W6s create_streamer'} || $dt < $best{'W6s create_streamer'};
    $bytes{'W6s create_streamer'} = length join '', map { $_->to_bytes() } @frames;

    # The server inflates what the client made.
    my $check = $server->create_data_object();
    my @back = map { $check->decompress( ( $_->get_frames() )[0]->get_payload() ) } map { $cdata->create_message( 'text', $_ ) } @texts[ 0 .. 7 ];
    die "W6c: round trip\n" if join( '', @back ) ne join( '', @texts[ 0 .. 7 ] );
    my @sf = @frames[ 0 .. 3 ];
    die "W6s: round trip\n" if $check->decompress( join '', map { $_->get_payload() } @sf ) ne $texts[0];
}

printf "libws %s; perl %vd; W6: %d texts of %d bytes; %d rounds, best (%s clock)\n",
    Net::WebSocket::LibWS::version(), $^V, scalar @texts, $m->{'payload_size'}, $rounds, $clock;
for my $k ( sort keys %best ) {
    printf "  %-22s %8.0f msg/s %7.1f MB/s%s\n", $k, @texts / $best{$k}, @texts * $m->{'payload_size'} / 1e6 / $best{$k},
        ( $bytes{$k} ? sprintf( '  (%d bytes on the wire)', $bytes{$k} ) : '' );
}
