package TestWS;

# Helpers for the tests: an in-memory reader (read(N) contract) and
# writer, and connection pairs with the handshake done.

use strict;
use warnings;

use Exporter 'import';
our @EXPORT_OK = qw( reader writer open_pair hexs x_class throws_x all_events );

use Test::More ();

sub reader { return TestWS::Reader->new(@_) }

# The messages an endpoint returns until it needs more input:
# get_next_message reads one frame per call, so undef after a control
# frame or a fragment is not the end; an undef call that handled no frame
# is. Stops at end of file ('') too.
sub drain {
    my ($ept) = @_;
    my $d = $ept->{'_defragger'} // $ept;
    my @m;
    for ( 1 .. 10_000_000 ) {
        my $before = $d->{'_frames_handled'} // 0;
        my $m = $ept->get_next_message();
        if ( ref $m ) { push @m, $m; next }
        last if defined $m;
        last if ( $d->{'_frames_handled'} // 0 ) == $before;
    }
    return @m;
}
sub writer { return TestWS::Writer->new() }

# Every queued event (next_events returns one batch; a close starts its own).
sub all_events {
    my ($conn) = @_;
    my @all;
    while ( my @batch = $conn->next_events() ) { push @all, @batch }
    return @all;
}

sub hexs { return join ' ', map { sprintf '%02x', $_ } unpack 'C*', $_[0] }

# A client and a server Net::WebSocket::LibWS::Connection that completed
# their handshake. %opts go to both; client_opts/server_opts to one.
sub open_pair {
    my (%opts) = @_;
    require Net::WebSocket::LibWS::Connection;
    my $c_opts = delete $opts{'client_opts'} || {};
    my $s_opts = delete $opts{'server_opts'} || {};
    my $s = Net::WebSocket::LibWS::Connection->new_server( %opts, %$s_opts );
    my $c = Net::WebSocket::LibWS::Connection->new_client( 'ws://localhost/', %opts, %$c_opts );
    $s->feed( $c->take_output() );
    my @sev = $s->next_events();
    $c->feed( $s->take_output() );
    my @cev = $c->next_events();
    die "handshake failed: @{[ map { $_->type . ':' . $_->data } @sev, @cev ]}" if !grep { $_->type eq 'open' } @cev;
    return ( $c, $s );
}

# The class of an exception, or '' if none.
sub x_class {
    my ($code) = @_;
    local $@;
    my $ok = eval { $code->(); 1 };
    return '' if $ok;
    return ref($@) || "die: $@";
}

sub throws_x {
    my ($code, $class, $name) = @_;
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    local $@;
    my $ok = eval { $code->(); 1 };
    my $err = $@;
    if ($ok) {
        Test::More::fail("$name: no exception");
        return undef;
    }
    Test::More::isa_ok( $err, "Net::WebSocket::X::$class", $name ) or Test::More::diag("got: $err");
    return $err;
}

package TestWS::Reader;

sub new {
    my ($class, $buf) = @_;
    return bless { buf => $buf // q<>, eof => 0, reads => 0 }, $class;
}

sub add { $_[0]{'buf'} .= $_[1]; return $_[0] }

sub eof { $_[0]{'eof'} = 1; return $_[0] }

sub read {
    my ($self, $n) = @_;
    $self->{'reads'}++;
    if ( length( $self->{'buf'} ) < $n ) {
        return q<> if $self->{'eof'} && !length $self->{'buf'};
        return undef;
    }
    return substr( $self->{'buf'}, 0, $n, q<> );
}

package TestWS::Writer;

sub new { return bless { out => q<> }, shift }

sub write { $_[0]{'out'} .= $_[1]; return 1 }

sub take { my $o = $_[0]{'out'}; $_[0]{'out'} = q<>; return $o }

1;
