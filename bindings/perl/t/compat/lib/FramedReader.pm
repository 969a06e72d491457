package FramedReader;

# A reader with IO::Framed's read() contract (IO::Framed is not in
# Debian): read(N) returns exactly N bytes, or undef when fewer are
# buffered; at end of input it throws, as IO::Framed's EmptyRead does.

use strict;
use warnings;

sub new { return bless { buf => $_[1] // q<>, eof => 0 }, $_[0] }
sub add { $_[0]{'buf'} .= $_[1]; return $_[0] }
sub eof { $_[0]{'eof'} = 1; return $_[0] }

sub read {
    my ($self, $n) = @_;
    if ( length( $self->{'buf'} ) < $n ) {
        die bless( {}, 'FramedReader::EmptyRead' ) if $self->{'eof'};
        return undef;
    }
    return substr( $self->{'buf'}, 0, $n, q<> );
}

1;
