package NWDemo::Output;

# A server connection's output over a non-blocking socket: bytes are
# kept until the socket takes them, and nothing ever waits, so the loop
# (NWDemo::Session) can stop making output while too much is unsent.
#
# Two ways in. send(BYTES) is the application's (answers, pushes).
# write(BYTES) is the endpoint's (pongs, close frames): while hold() is
# in force those bytes wait behind the answers of the messages already
# queued, so that a close frame never overtakes them (RFC 6455 §5.5.1:
# no data frame after our close); release() lets them follow.

use strict;
use warnings;

use Errno ();
use IO::Select ();
use Time::HiRes ();

# The bytes are kept as the strings given (no copy into one big buffer,
# which would grow and stay grown): q, the unsent strings, and off, how
# much of the first was written; held strings wait in held.
sub new {
    my ($class, $fh) = @_;
    return bless { fh => $fh, q => [], off => 0, n => 0, held => [], held_n => 0, hold => 0, dead => 0 }, $class;
}

sub send {
    my ($self) = @_;    # $_[1]: bytes
    return 1 if !length $_[1];
    push @{ $self->{'q'} }, $_[1];
    $self->{'n'} += length $_[1];
    return $self->flush();
}

sub write {
    my ($self) = @_;
    return $self->send( $_[1] ) if !$self->{'hold'};
    push @{ $self->{'held'} }, $_[1];
    $self->{'held_n'} += length $_[1];
    return 1;
}

sub hold { $_[0]{'hold'} = 1; return }

sub release {
    my ($self) = @_;
    $self->{'hold'} = 0;
    return 1 if !$self->{'held_n'};
    push @{ $self->{'q'} }, splice @{ $self->{'held'} };
    $self->{'n'} += $self->{'held_n'};
    $self->{'held_n'} = 0;
    return $self->flush();
}

# Unsent bytes the socket could take now, and all unsent bytes.
sub unsent  { return $_[0]{'n'} }
sub pending { return $_[0]{'n'} + $_[0]{'held_n'} }

# Whether the peer is gone (a write failed).
sub dead { return $_[0]{'dead'} }

# Writes what the socket takes now. False once the peer is gone. (The
# session ignores SIGPIPE: a write to a closed socket fails with EPIPE.)
sub flush {
    my ($self) = @_;
    my $q = $self->{'q'};
    while ( @$q && !$self->{'dead'} ) {
        my $n = syswrite( $self->{'fh'}, $q->[0], length( $q->[0] ) - $self->{'off'}, $self->{'off'} );
        if ( !defined $n ) {
            last if $!{'EAGAIN'} || $!{'EWOULDBLOCK'};
            next if $!{'EINTR'};
            @$self{qw( dead n held_n )} = ( 1, 0, 0 );
            @$q = @{ $self->{'held'} } = ();
            last;
        }
        $self->{'n'} -= $n;
        if ( ( $self->{'off'} += $n ) == length $q->[0] ) {
            shift @$q;
            $self->{'off'} = 0;
        }
    }
    return !$self->{'dead'};
}

# At the end: everything, held bytes included, waiting up to SECONDS.
sub drain {
    my ($self, $seconds) = @_;
    $self->release();
    my $end = Time::HiRes::time() + $seconds;
    my $sel = IO::Select->new( $self->{'fh'} );
    while ( $self->unsent && $self->flush() ) {
        my $left = $end - Time::HiRes::time();
        last if $left <= 0;
        $sel->can_write($left);
    }
    return !$self->unsent;
}

1;
