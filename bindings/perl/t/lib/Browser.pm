package Browser;

# Headless Chromium as a WebSocket client, driven the way the interop
# matrix drives it: tests/interop/node/chromium.js serves the matrix page
# (page.html, script.js), starts Debian's chromium on it and prints the
# RESULT {json} line the page posts for each connection (open, deflate,
# text, binary, large, compressed, close, end; see tests/interop/README.md).
# A missing browser, node or driver is an exception saying what to
# install: the tests fail then, they never skip.

use strict;
use warnings;

use Cwd ();
use File::Basename ();
use IPC::Open3 ();
use JSON::PP ();
use Symbol ();

my $ROOT = Cwd::abs_path( File::Basename::dirname(__FILE__) . '/../../../..' );

sub driver {
    my $js = "$ROOT/tests/interop/node/chromium.js";
    -e $js or die "$js is missing: the browser test needs the libws source tree's tests/interop\n";
    my $node = ( grep { -x "$_/node" } split /:/, $ENV{'PATH'} // '' )[0]
        or die "node is not on the PATH: install Debian's nodejs (apt-get install nodejs)\n";
    my $chromium = $ENV{'CHROMIUM'} || '/usr/bin/chromium';
    -x $chromium or die "$chromium is missing: install Debian's chromium (apt-get install chromium)\n";
    return ( "$node/node", $js );
}

# Runs the page against URLS (ws://.../A etc.; the last path segment names
# the connection; not B, whose script expects the server to close).
# Returns (exit status, [ RESULT objects ], everything it printed).
sub run {
    my (@urls) = @_;
    my @cmd = driver();
    my $out = Symbol::gensym();
    my $pid = IPC::Open3::open3( my $in, $out, undef, @cmd, @urls );
    local $SIG{'ALRM'} = sub { kill 'KILL', $pid };
    alarm 70;
    my $text = do { local $/; <$out> } // '';
    waitpid $pid, 0;
    my $status = $?;
    alarm 0;
    my @results = map { JSON::PP::decode_json($_) } $text =~ m<^RESULT (\{.*\})$>mg;
    return ( $status, \@results, $text );
}

1;
