#!/usr/bin/perl
# wsbench-perl: the Perl surfaces on the shared workloads
# (shared/bench/WORKLOADS.md) for bench/run.py — the libws binding's native
# layer (Net::WebSocket::LibWS::Connection), the original Net::WebSocket API
# on libws, and Debian's Protocol::WebSocket.
#
#   perl bench/perl/harness.pl DATA_DIR
#
# Requests on stdin, one JSON object a line ({"w":"w1","impl":"native",
# "min_time":0.3,"clock":"cpu"}): passes run until min_time seconds of
# process CPU time (or wall time, "clock":"wall") have gone by; one JSON line
# answers each, with both times.
#
# Server side, W1-W4: the contenders are the binding's own benchmark's
# (bindings/perl/bench/bench.pl: run_native, run_original, run_pws, ...),
# loaded from that file — so work on the binding and its benchmark shows
# here as it is — under the names that script gives them. Its "parser"
# contender (frames without message-level checks) is left out, as that
# script says it is not comparable, and so are its send_* contenders (its
# C100 frame-building workload, not a server one).
# W5a-d, W6c, W6d, W7c, W7d are written here, in the same style: one
# connection, one send call per message, its output taken right after
# (WORKLOADS.md: the host writes after each message; "native-batched", W5a-d,
# takes it once 64 KiB of payload were sent, a second row); for W6 and W7,
# Protocol::WebSocket (which has no permessage-deflate) is paired with
# Compress::Raw::Zlib, as the original Net::WebSocket did. W7 (context
# takeover 15/15): the native layer, Protocol::WebSocket + one zlib stream
# for the connection, and "zlib", Compress::Raw::Zlib alone (deflate level 6
# with a sync flush per message, a frame header with a zero key so the
# output check reads it; or inflating each unmasked compressed payload).
# The Net::WebSocket API is not run on W7.
# Client output is checked once by an independent re-parser (frame walker
# and Compress::Raw::Zlib); server passes check count and checksum.

use strict;
use warnings;

use FindBin ();
my $ROOT;
BEGIN { $ROOT = "$FindBin::Bin/../.." }
use lib "$ROOT/bindings/perl/lib";

use Compress::Raw::Zlib ();
use JSON::PP ();
use Time::HiRes ();

use Net::WebSocket::LibWS ();
use Net::WebSocket::LibWS::Connection ();
use Net::WebSocket::Endpoint::Client ();
use Net::WebSocket::Endpoint::Server ();
use Net::WebSocket::Parser ();
use Net::WebSocket::PMCE::deflate::Client ();
use Protocol::WebSocket::Frame ();

my $dir = shift or die "usage: $0 DATA_DIR  (requests on stdin, see bench/run.py)\n";
my $CHUNK = 65536;
my $NO_TAKEOVER = 'permessage-deflate; server_no_context_takeover; client_no_context_takeover';

# ---- the binding's benchmark, loaded for its contenders ----------------------

my $BENCH_PL = "$ROOT/bindings/perl/bench/bench.pl";
my %server_subs;    # name => code ref (sub taking [slices], returning (n, sum))
my $load_error = '';
{
    my $text = do { open my $fh, '<', $BENCH_PL or die "$BENCH_PL: $!"; local $/; <$fh> };
    my @names;
    while ( $text =~ m{\[\s*'?([\w+]+)'?\s*=>\s*\\&(\w+)\s*\]}g ) {
        push @names, [ $1, $2 ];
    }
    # Compile it with a workload name that does not exist: its subs get
    # defined and its main loop dies at once (quietly).
    open my $saved, '>&', \*STDOUT or die $!;
    open STDOUT, '>', '/dev/null' or die $!;
    {
        local @ARGV = ( '--data', $dir, '--rounds', 1, 'no_such_workload' );
        package main;
        do $BENCH_PL;
    }
    open STDOUT, '>&', $saved or die $!;
    for (@names) {
        my ( $label, $sub ) = @$_;
        next if $label eq 'parser';
        next if $sub =~ m<\Asend_>;    # bench.pl's send contenders (C100), not server ones
        my $cr = main->can($sub);
        $server_subs{$label} = $cr if $cr;
    }
    $load_error = "no contenders found in $BENCH_PL" if !%server_subs;
}

# ---- workloads ---------------------------------------------------------------

my $man = JSON::PP::decode_json( do { open my $fh, '<', "$dir/manifest.json" or die $!; local $/; <$fh> } );
my %SRC = ( w1 => 'w1', w2 => 'w2', w3 => 'w3', w4 => 'w4', w5a => 'w1', w5b => 'w2', w5c => 'w3', w5d => 'w4', w6c => 'w6', w6d => 'w6', w7c => 'w7', w7d => 'w7' );
my $TAKEOVER = 'permessage-deflate';
my %W;

sub slurp { open my $fh, '<:raw', "$dir/$_[0]" or die "$_[0]: $!"; local $/; return scalar <$fh> }

sub workload {
    my ($id) = @_;
    return $W{$id} if $W{$id};
    my $src = $SRC{$id} or die "unknown workload $id\n";
    my $m = $man->{$src};
    my $w = {
        id => $id, count => $m->{count}, size => $m->{payload_size}, checksum => $m->{checksum},
        text => $m->{opcode} == 1, deflate => ( $src eq 'w6' || $src eq 'w7' ), takeover => $src eq 'w7',
        server => ( $id =~ m<\Aw[1-4]\z> || $id eq 'w6d' || $id eq 'w7d' ) ? 1 : 0,
    };
    my $p = slurp( $m->{payloads} );
    if ( $m->{lengths} ) {
        my @lens = unpack 'V*', slurp( $m->{lengths} );
        my $o = 0;
        $w->{payloads} = [ map { my $s = substr $p, $o, $_; $o += $_; $s } @lens ];
    }
    else {
        $w->{payloads} = [ map { substr $p, $_ * $w->{size}, $w->{size} } 0 .. $w->{count} - 1 ];
    }
    if ( $w->{server} ) {
        my $f = slurp( $m->{frames} );
        my @s;
        for ( my $o = 0; $o < length $f; $o += $CHUNK ) { push @s, substr( $f, $o, $CHUNK ) }
        $w->{slices} = \@s;
        if ( $w->{takeover} ) {    # the compressed payloads, unmasked ("zlib")
            my ( $pos, @z ) = (0);
            while ( $pos < length $f ) {
                my ( $len, $h ) = ( ord( substr $f, $pos + 1, 1 ) & 0x7f, 2 );
                ( $len, $h ) = ( unpack( 'n', substr $f, $pos + 2, 2 ), 4 ) if $len == 126;
                my $key = substr $f, $pos + $h, 4;
                push @z, substr( $f, $pos + $h + 4, $len ) ^ substr( $key x ( $len / 4 + 1 ), 0, $len );
                $pos += $h + 4 + $len;
            }
            $w->{compressed} = \@z;
        }
    }
    return $W{$id} = $w;
}

# ---- server side for W6d (in the style of bench.pl's) ------------------------

sub w6d_native { return native_inflating( $_[0], $NO_TAKEOVER ) }

sub native_inflating {
    my ( $slices, $ext ) = @_;
    my $conn = Net::WebSocket::LibWS::Connection->new_open( role => 'server', extensions => $ext );
    my ( $n, $sum ) = ( 0, 0 );
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

sub w6d_original {
    my ($slices) = @_;
    my $reader = Bench::Reader->new();
    my $ept = Net::WebSocket::Endpoint::Server->new(
        parser => Net::WebSocket::Parser->new($reader),
        out => Bench::Writer->new(), extensions => [$NO_TAKEOVER],
        max_message => 0, max_frame => 0,
    );
    my ( $n, $sum ) = ( 0, 0 );
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

sub w7d_native { return native_inflating( $_[0], $TAKEOVER ) }

sub w7d_zlib {
    my ( $slices, $w ) = @_;
    my ($inf) = Compress::Raw::Zlib::Inflate->new( -WindowBits => -15, -Bufsize => 65536 );
    my ( $n, $sum ) = ( 0, 0 );
    for my $c ( @{ $w->{compressed} } ) {
        my $in = $c . "\x00\x00\xff\xff";
        my $m;
        my $st = $inf->inflate( $in, $m );
        die "inflate: $st\n" if $st != Compress::Raw::Zlib::Z_OK() && $st != Compress::Raw::Zlib::Z_BUF_ERROR();
        $n++;
        $sum += ord($m) + ord( substr $m, -1 );
    }
    return ( $n, $sum % 2**32 );
}

sub w7d_pws_zlib { return w6d_pws_zlib( $_[0], 1 ) }

sub w6d_pws_zlib {
    my ( $slices, $takeover ) = @_;
    my $f = Protocol::WebSocket::Frame->new( max_payload_size => 0, max_fragments_amount => 1_000_000 );
    my ($inf) = Compress::Raw::Zlib::Inflate->new( -WindowBits => -15, -Bufsize => 65536 );
    my ( $n, $sum ) = ( 0, 0 );
    for my $slice (@$slices) {
        my $copy = $slice;    # append() empties its argument
        $f->append($copy);
        while ( defined( my $m = $f->next_bytes ) ) {
            if ( $f->rsv && $f->rsv->[0] ) {
                $inf->inflateReset() if !$takeover;
                my $in = $m . "\x00\x00\xff\xff";
                my $out;
                my $st = $inf->inflate( $in, $out );
                die "inflate: $st\n" if $st != Compress::Raw::Zlib::Z_OK() && $st != Compress::Raw::Zlib::Z_BUF_ERROR();
                $m = $out;
            }
            $n++;
            $sum += ord($m) + ord( substr $m, -1 );
        }
    }
    return ( $n, $sum % 2**32 );
}

# bench.pl's reader and writer classes, if it did not define them.
if ( !Bench::Reader->can('new') ) {
    eval q{
        package Bench::Reader;
        sub new { return bless { buf => q<> }, shift }
        sub add { $_[0]{buf} .= $_[1] }
        sub read { return undef if length( $_[0]{buf} ) < $_[1]; return substr( $_[0]{buf}, 0, $_[1], q<> ) }
        package Bench::Writer;
        sub new { return bless {}, shift }
        sub write { 1 }
        1;
    } or die $@;
}

# ---- client side ---------------------------------------------------------------
# Each maker returns a sub that sends the workload once and returns the
# bytes written; with a capture reference it also keeps them.

sub client_native {
    my ($w) = @_;
    my $conn = Net::WebSocket::LibWS::Connection->new_open( role => 'client', $w->{deflate} ? ( extensions => $w->{takeover} ? $TAKEOVER : $NO_TAKEOVER ) : () );
    my $send = $w->{text} ? $conn->can('send_text') : $conn->can('send_binary');
    return sub {
        my ($cap) = @_;
        my $total = 0;
        for my $p ( @{ $w->{payloads} } ) {
            $send->( $conn, $p );
            my $o = $conn->take_output();
            $total += length $o;
            $$cap .= $o if $cap;
        }
        return $total;
    };
}

# native-batched: the output taken once 64 KiB of payload were sent.
sub client_native_batched {
    my ($w) = @_;
    return undef if $w->{deflate};
    my $conn = Net::WebSocket::LibWS::Connection->new_open( role => 'client' );
    my $send = $w->{text} ? $conn->can('send_text') : $conn->can('send_binary');
    return sub {
        my ($cap) = @_;
        my ( $total, $since ) = ( 0, 0 );
        for my $p ( @{ $w->{payloads} } ) {
            $send->( $conn, $p );
            if ( ( $since += length $p ) >= $CHUNK ) {
                my $o = $conn->take_output();
                $total += length $o;
                $$cap .= $o if $cap;
                $since = 0;
            }
        }
        my $o = $conn->take_output();
        $$cap .= $o if $cap;
        return $total + length $o;
    };
}

sub client_original {
    my ($w) = @_;
    return undef if $w->{takeover};
    my $type = $w->{text} ? 'text' : 'binary';
    my $make;
    if ( $w->{deflate} ) {
        my $d = Net::WebSocket::PMCE::deflate::Client->new( deflate_no_context_takeover => 1, inflate_no_context_takeover => 1 );
        $d->consume_parameters( server_no_context_takeover => undef, client_no_context_takeover => undef );
        my $data = $d->create_data_object();
        $make = sub { $data->create_message( $type, $_[0] ) };
    }
    else {
        my $ept = Net::WebSocket::Endpoint::Client->new( parser => Net::WebSocket::Parser->new( Bench::Reader->new() ), out => Bench::Writer->new() );
        $make = sub { $ept->create_message( $type, $_[0] ) };
    }
    return sub {
        my ($cap) = @_;
        my $total = 0;
        for my $p ( @{ $w->{payloads} } ) {
            my $b = $make->($p)->to_bytes();    # the bytes to write, after every message
            $total += length $b;
            $$cap .= $b if $cap;
        }
        return $total;
    };
}

sub client_pws {
    my ($w) = @_;
    my $type = $w->{text} ? 'text' : 'binary';
    my $defl;
    if ( $w->{deflate} ) {
        ($defl) = Compress::Raw::Zlib::Deflate->new( -Level => 6, -WindowBits => -15, -MemLevel => 8, -AppendOutput => 1, -Bufsize => 65536 );
    }
    return sub {
        my ($cap) = @_;
        my $total = 0;
        for my $p ( @{ $w->{payloads} } ) {
            my $buf;
            if ($defl) {
                $defl->deflateReset() if !$w->{takeover};
                my $c = '';
                $defl->deflate( $p, $c );
                $defl->flush( $c, Compress::Raw::Zlib::Z_SYNC_FLUSH() );
                substr( $c, -4 ) = '';
                $buf = Protocol::WebSocket::Frame->new( buffer => $c, type => $type, masked => 1, rsv => [ 1, 0, 0 ], max_payload_size => 0 )->to_bytes();
            }
            else {
                $buf = Protocol::WebSocket::Frame->new( buffer => $p, type => $type, masked => 1, max_payload_size => 0 )->to_bytes();
            }
            $total += length $buf;    # the bytes to write, after every message
            $$cap .= $buf if $cap;
        }
        return $total;
    };
}

# zlib alone (W7c): one stream, sync flush per message, a zero-key header.
sub client_zlib {
    my ($w) = @_;
    return undef if !$w->{takeover};
    my ($defl) = Compress::Raw::Zlib::Deflate->new( -Level => 6, -WindowBits => -15, -MemLevel => 8, -AppendOutput => 1, -Bufsize => 65536 );
    return sub {
        my ($cap) = @_;
        my $total = 0;
        for my $p ( @{ $w->{payloads} } ) {
            my $c = '';
            $defl->deflate( $p, $c );
            $defl->flush( $c, Compress::Raw::Zlib::Z_SYNC_FLUSH() );
            substr( $c, -4 ) = '';
            my $n = length $c;
            my $b = ( $n <= 125 ? pack( 'CC', 0xc1, 0x80 | $n ) : pack( 'CCn', 0xc1, 0xfe, $n ) ) . "\0\0\0\0" . $c;
            $total += length $b;
            $$cap .= $b if $cap;
        }
        return $total;
    };
}

# An independent check of a client's output: (messages, payload bytes).
sub verify_client {
    my ( $w, $out ) = @_;
    my ( $pos, $n, $wire, $msg, $in, $comp ) = ( 0, 0, 0, '', 0, 0 );
    my ($inf) = Compress::Raw::Zlib::Inflate->new( -WindowBits => -15 );
    while ( $pos < length $out ) {
        my ( $b0, $b1 ) = unpack 'CC', substr( $out, $pos, 2 );
        my ( $fin, $rsv, $op ) = ( $b0 >> 7, ( $b0 >> 4 ) & 7, $b0 & 15 );
        die "unmasked frame\n" if !( $b1 & 0x80 );
        my ( $len, $h ) = ( $b1 & 0x7f, 2 );
        if    ( $len == 126 ) { ( $len, $h ) = ( unpack( 'n', substr $out, $pos + 2, 2 ), 4 ) }
        elsif ( $len == 127 ) { ( $len, $h ) = ( unpack( 'Q>', substr $out, $pos + 2, 8 ), 10 ) }
        my $key = substr $out, $pos + $h, 4;
        my $p = substr $out, $pos + $h + 4, $len;
        $pos += $h + 4 + $len;
        $wire += $len;
        if ( !$in ) {
            die "message $n: opcode $op rsv $rsv\n" if $op != ( $w->{text} ? 1 : 2 ) || ( $rsv & 3 ) || ( ( $rsv & 4 ) ? 1 : 0 ) != ( $w->{deflate} ? 1 : 0 );
            ( $in, $comp, $msg ) = ( 1, $rsv & 4, '' );
        }
        elsif ( $op || $rsv ) { die "bad continuation\n" }
        $msg .= $p ^ substr( $key x ( $len / 4 + 1 ), 0, $len );
        next if !$fin;
        $in = 0;
        if ($comp) {
            $inf->inflateReset() if !$w->{takeover};
            my $c = $msg . "\x00\x00\xff\xff";
            my $o;
            $inf->inflate( $c, $o );
            $msg = $o;
        }
        die "message $n differs\n" if $n >= $w->{count} || $msg ne $w->{payloads}[$n];
        $n++;
    }
    die "$n messages, want $w->{count}\n" if $in || $n != $w->{count};
    return ( $n, $wire );
}

# ---- the request loop ------------------------------------------------------------

my %CLIENT = ( native => \&client_native, 'native-batched' => \&client_native_batched, original => \&client_original, pws => \&client_pws, zlib => \&client_zlib );
my %W6D = ( native => \&w6d_native, original => \&w6d_original, pws => \&w6d_pws_zlib );
my %W7D = ( native => \&w7d_native, pws => \&w7d_pws_zlib, zlib => \&w7d_zlib );
my @IMPLS = ( ( grep { $server_subs{$_} } qw( native raw original orig+ra ) ), ( grep { !m<\A(?:native|raw|original|orig\+ra)\z> } sort keys %server_subs ) );
push @IMPLS, 'pws' if !grep { $_ eq 'pws' } @IMPLS;
splice @IMPLS, 1, 0, 'native-batched';
push @IMPLS, 'zlib';

my $json = JSON::PP->new->canonical;
$| = 1;
print $json->encode( { hello => { surface => 'perl', impls => \@IMPLS, versions => {
    perl => sprintf( '%vd', $^V ),
    libws => Net::WebSocket::LibWS::version(),
    'Protocol::WebSocket' => $Protocol::WebSocket::Frame::VERSION // eval { require Protocol::WebSocket; $Protocol::WebSocket::VERSION } // '?',
    'Compress::Raw::Zlib' => $Compress::Raw::Zlib::VERSION,
    'FFI::Platypus' => eval { require FFI::Platypus; $FFI::Platypus::VERSION } // '?',
    ( $load_error ? ( load_error => $load_error ) : () ),
} } } ), "\n";

my %runner;
while ( my $line = <STDIN> ) {
    my $rq = $json->decode($line);
    my %res = ( w => $rq->{w}, impl => $rq->{impl} );
    eval {
        my $w = workload( $rq->{w} );
        my $key = "$rq->{impl}/$rq->{w}";
        my $r = $runner{$key};
        if ( !$r ) {
            if ( $w->{server} ) {
                my $cr = $w->{takeover} ? $W7D{ $rq->{impl} } : $w->{deflate} ? $W6D{ $rq->{impl} } : $server_subs{ $rq->{impl} };
                if ($cr) {
                    $r = { server => 1, cr => $cr };
                    check_server( $w, $r );    # warm-up
                }
            }
            elsif ( ( my $mk = $CLIENT{ $rq->{impl} } ) and !$w->{server} ) {
                my $cr = $mk->($w);
                $r = $cr ? { cr => $cr } : undef;
            }
            if ( $r && !$r->{server} && !$r->{wire} ) {
                my $cap = '';
                $r->{cr}->( \$cap );           # warm-up, checked
                my ( undef, $wire ) = verify_client( $w, $cap );
                @$r{qw( wire payload_wire )} = ( length $cap, $wire );
            }
            if ( !$r ) {
                $res{skip} = 'not applicable';
                die "skip\n";
            }
            $runner{$key} = $r;
        }
        my $wall = ( $rq->{clock} // 'cpu' ) eq 'wall';
        my ( $passes, $t0, $c0, $t, $c ) = ( 0, Time::HiRes::time(), cpu_time() );
        while (1) {
            if   ( $r->{server} ) { check_server( $w, $r ) }
            else                  { $r->{cr}->(undef) }
            $passes++;
            ( $t, $c ) = ( Time::HiRes::time(), cpu_time() );
            last if ( $wall ? $t - $t0 : $c - $c0 ) >= ( $rq->{min_time} // 0.3 );
        }
        @res{qw( messages seconds cpu_seconds passes )} = ( $passes * $w->{count}, $t - $t0, $c - $c0, $passes );
        @res{qw( wire_bytes payload_wire_bytes )} = @$r{qw( wire payload_wire )} if $r->{wire};
        1;
    } or do {
        my $e = $@;
        $res{error} = "$e" if $e ne "skip\n";
        $res{error} =~ s/\s+\z// if $res{error};
    };
    print $json->encode( \%res ), "\n";
}

sub cpu_time { return Time::HiRes::clock_gettime( Time::HiRes::CLOCK_PROCESS_CPUTIME_ID() ) }

sub check_server {
    my ( $w, $r ) = @_;
    my ( $n, $sum ) = $r->{cr}->( $w->{slices}, $w );
    die "$n messages, checksum $sum; want $w->{count}, $w->{checksum}\n" if $n != $w->{count} || $sum != $w->{checksum};
}
