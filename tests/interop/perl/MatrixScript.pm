package MatrixScript;

# The interop matrix's exchange for the Perl programs (the Mojolicious peer
# and our Perl surface): payloads, as bytes, and the RESULT line each side
# prints per connection. The same script is written in Python
# (python/matrix_common.py), C, JavaScript and Go; README.md describes it.

use strict;
use warnings;
use utf8;

use Encode ();
use JSON::PP ();

use constant {
    FRAG        => 65536,    # the 1 MiB message goes out in 16 fragments
    TIMEOUT     => 10,       # seconds for any one wait
    WINDOW_BITS => 10,       # connection C: server_ and client_max_window_bits
    CLOSE_A     => 4000,     # the client closes connections A and C
    CLOSE_B     => 4001,     # the server closes connection B
};

our $TEXT        = Encode::encode( 'UTF-8', 'héllo wörld ✓ 中文 😀 — libws interop' );
our $BIN         = pack 'C*', map { ( $_ * 37 + 11 ) & 0xff } 0 .. 999;
our $LARGE       = pack 'C*', map { ( $_ * 31 + ( $_ >> 9 ) ) & 0xff } 0 .. ( 1 << 20 ) - 1;
our $COMP        = Encode::encode( 'UTF-8', 'compressible text — context takeover; ' x 100 );
our $SERVER_PING = Encode::encode( 'UTF-8', 'server ping ✓' );
our $CLIENT_PING = Encode::encode( 'UTF-8', 'client ping ✓' );
our $CLOSE_A_REASON = Encode::encode( 'UTF-8', 'matrix done ✓' );
our $CLOSE_B_REASON = Encode::encode( 'UTF-8', 'server done ✓' );

# The messages the client sends, in order ([is_text, bytes]); the server
# echoes each.
our @SCRIPT = ( [ 1, $TEXT ], [ 0, $BIN ], [ 0, $LARGE ], ( [ 1, $COMP ] ) x 3 );
our @STEP_OF = qw(text binary large compressed compressed compressed);
our @STEPS   = qw(open deflate server-ping text client-ping binary large compressed rsv1 close end);

sub fragments {
    my ($data) = @_;
    my @out;
    for ( my $off = 0; $off < length $data; $off += FRAG ) {
        push @out, substr( $data, $off, FRAG );
    }
    return @out;
}

# libws's deflate_params (a hash or undef) as the RESULT's "deflate" field.
sub deflate_info {
    my ($p) = @_;
    return undef if !$p;
    return {
        map( { $_ => ( $p->{$_} ? JSON::PP::true : JSON::PP::false ) } qw(server_no_context_takeover client_no_context_takeover) ),
        map( { $_ => 0 + $p->{$_} } qw(server_max_window_bits client_max_window_bits) ),
    };
}

# What one side saw on one connection. The first failure is kept.
package MatrixScript::Report;

sub new {
    my ( $class, $impl, $role, $conn ) = @_;
    return bless {
        impl => $impl, role => $role, conn => $conn, passed => [], na => {},
        failed => '', error => '', info => {},
    }, $class;
}

sub ok {
    my ( $self, $step ) = @_;
    push @{ $self->{passed} }, $step unless grep { $_ eq $step } @{ $self->{passed} };
    return 1;
}

sub fail {
    my ( $self, $step, $error ) = @_;
    print STDERR "[$self->{impl} $self->{role} $self->{conn}] FAIL $step: $error\n";
    @{$self}{qw(failed error)} = ( $step, $error ) unless $self->{failed};
    return 0;
}

sub check {
    my ( $self, $step, $cond, $error ) = @_;
    return $cond ? $self->ok($step) : $self->fail( $step, $error );
}

sub not_observable {
    my ( $self, $step, $why ) = @_;
    $self->{na}{$step} = $why;
}

# The first step not passed yet: where an error happened.
sub current {
    my ($self) = @_;
    for my $s (@MatrixScript::STEPS) {
        next if exists $self->{na}{$s} || grep { $_ eq $s } @{ $self->{passed} };
        return $s;
    }
    return 'end';
}

sub message {
    my ( $self, $i, $is_text, $got ) = @_;
    my ( $want_text, $want ) = @{ $MatrixScript::SCRIPT[$i] };
    my $step = $MatrixScript::STEP_OF[$i];
    my $n = $i + 1;
    return $self->fail( $step, "message $n: text=" . ( $is_text ? 1 : 0 ) . ", want $want_text" )
        if ( $is_text ? 1 : 0 ) != $want_text;
    return $self->fail( $step, sprintf 'message %d: got %d bytes, want %d', $n, length $got, length $want )
        if length $got != length $want;
    if ( $got ne $want ) {
        my $k = 0;
        $k++ while substr( $got, $k, 1 ) eq substr( $want, $k, 1 );
        return $self->fail( $step, "message $n: differs at offset $k" );
    }
    return $self->ok($step);
}

sub emit {
    my ($self) = @_;
    return if $self->{emitted}++;
    if ( !$self->{failed} ) {
        my $cur = $self->current;
        $self->fail( $cur, 'not reached' ) unless grep { $_ eq $cur } @{ $self->{passed} };
    }
    my %line = (
        impl   => $self->{impl},
        role   => $self->{role},
        conn   => $self->{conn},
        ok     => $self->{failed} ? JSON::PP::false : JSON::PP::true,
        failed => $self->{failed},
        error  => $self->{error},
        passed => $self->{passed},
        na     => $self->{na},
        %{ $self->{info} },
    );
    local $| = 1;
    print 'RESULT ' . JSON::PP->new->ascii->canonical->encode( \%line ) . "\n";
}

1;
