#!/usr/bin/perl
# Wall-clock times of whole commands, interleaved: each round runs every
# command once, in turn, so that the load of the machine weighs on all of
# them alike. Prints each command's median and minimum (ms).
#
#   perl bench/interleave.pl ROUNDS 'perl -I$PWD/lib bench/first_frame.pl' 'perl -e1' ...
use strict;
use warnings;
use Time::HiRes ();

my ( $rounds, @cmds ) = @ARGV;
die "usage: $0 ROUNDS COMMAND...\n" if !$rounds || !@cmds;
my %ms;
for my $round ( 1 .. $rounds + 2 ) {    # two warm-up rounds
    for my $cmd (@cmds) {
        my $t0 = Time::HiRes::time();
        my $pid = fork // die "fork: $!";
        if ( !$pid ) {
            open STDOUT, '>', '/dev/null';
            exec '/bin/sh', '-c', "exec $cmd" or exit 127;
        }
        waitpid $pid, 0;
        die "$cmd: exit status $?\n" if $?;
        push @{ $ms{$cmd} }, ( Time::HiRes::time() - $t0 ) * 1000 if $round > 2;
    }
}
for my $cmd (@cmds) {
    my @s = sort { $a <=> $b } @{ $ms{$cmd} };
    printf "%-60s median %6.2f ms  min %6.2f ms  (n=%d)\n", $cmd, $s[ @s / 2 ], $s[0], scalar @s;
}
