package MemHWM;

# Loaded into the Perl echo server by run.py (PERL5OPT=-MMemHWM): when a
# process ends normally (exit, die), appends "PID VmHWM-in-kB" to the file
# named by MEM_HWM_FILE. The server forks a child per connection, and the
# child exits as soon as its connection is closed — before run.py could
# read its /proc/PID/status. (wait4's ru_maxrss cannot stand in: across
# exec the kernel keeps the exec'ing process's peak, which here is
# run.py's own.) Nothing else in the server changes.

use strict;
use warnings;

END {
    my $out = $ENV{'MEM_HWM_FILE'};
    if ( defined $out && open my $st, '<', '/proc/self/status' ) {
        while ( my $line = <$st> ) {
            next if $line !~ m<^VmHWM:\s+(\d+)>;
            if ( open my $fh, '>>', $out ) {
                print {$fh} "$$ $1\n";
                close $fh;
            }
            last;
        }
    }
}

1;
