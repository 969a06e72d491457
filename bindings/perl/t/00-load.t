use strict;
use warnings;

use Test::More;
use File::Find ();
use FindBin ();

# Every module loads; none of them loads libws at "use" time.
my @modules;
File::Find::find( sub {
    return if !/\.pm\z/;
    my $m = $File::Find::name;
    $m =~ s<\A.*?/lib/><>;
    $m =~ s<\.pm\z><>;
    $m =~ s</><::>g;
    push @modules, $m;
}, "$FindBin::Bin/../lib" );

ok( scalar(@modules) >= 35, 'found the modules' ) or diag "@modules";

for my $m ( sort @modules ) {
    ok( eval "require $m; 1", "require $m" ) or diag $@;
}

ok( !Net::WebSocket::LibWS::is_loaded(), 'loading every module does not load libws' );
my $maps = do { open my $fh, '<', "/proc/$$/maps" or die; local $/; <$fh> };
unlike( $maps, qr<libws\.so>, 'libws.so is not mapped into the process' );

ok( Net::WebSocket::LibWS::load(), 'load()' );
ok( Net::WebSocket::LibWS::is_loaded(), 'is_loaded' );
is( Net::WebSocket::LibWS::abi_version(), Net::WebSocket::LibWS::ABI_VERSION(), 'ABI version' );
like( Net::WebSocket::LibWS::version(), qr<\A\d+\.\d+\.\d+>, 'version' );
like( Net::WebSocket::LibWS->library_path(), qr<libws\.so>, 'library_path reports what was loaded' );

# POD for every public module.
for my $m ( sort @modules ) {
    ( my $f = "$FindBin::Bin/../lib/$m.pm" ) =~ s<::></>g;
    my $text = do { open my $fh, '<', $f or die "$f: $!"; local $/; <$fh> };
    like( $text, qr<^=head1 NAME\s*\n\s*\n\Q$m\E\b>m, "$m has POD with its NAME" );
}

done_testing();
