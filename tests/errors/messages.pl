#!/usr/bin/perl
# The Perl surface's side of the error-message table (cases.tsv): for each
# case, the libws text as Net::WebSocket::LibWS::Connection gives it
# (failure, and the rejected/close event's reason and code), then what a
# user of the original Net::WebSocket API reads: for a frame case ("open"
# role), the exception of Net::WebSocket::Endpoint::Server's
# get_next_message as "Class: message"; else the event's reason.
# Tab-separated, as messages.c prints them plus that column; check.py
# judges them.
#
#   perl -Ibindings/perl/lib messages.pl CASES.TSV
use strict;
use warnings;

use Net::WebSocket::LibWS::Connection ();
use Net::WebSocket::Endpoint::Server ();
use Net::WebSocket::Parser ();

# An IO::Framed-style reader over a string, and a writer that keeps bytes.
package StrReader {
    sub new { my ($c, $s) = @_; return bless { buf => $s }, $c }
    sub read {
        my ($self, $n) = @_;
        return '' if !length $self->{'buf'};    # end of input
        return undef if length $self->{'buf'} < $n;
        return substr $self->{'buf'}, 0, $n, '';
    }
}
package StrWriter {
    sub new { return bless { out => '' }, $_[0] }
    sub write { $_[0]{'out'} .= $_[1]; return 1 }
}
package main;

sub one_line {
    my ($s) = @_;
    $s = "$s";
    $s =~ s/\s+\z//;
    $s =~ s/[\t\n]/ /g;
    return $s;
}

open my $fh, '<', $ARGV[0] or die "messages.pl: $ARGV[0]: $!\n";
while ( my $line = <$fh> ) {
    next if $line =~ /^#/ || $line !~ /\S/;
    chomp $line;
    my ( $name, $role, $hex ) = split /\t/, $line;
    my $bytes = pack 'H*', $hex;
    my $C = 'Net::WebSocket::LibWS::Connection';
    my $c = $role eq 'client' ? $C->new_client('ws://example.com/chat')
          : $role eq 'server' ? $C->new_server()
          :                     $C->new_open( role => 'server' );
    $c->take_output();
    my ( $reason, $code ) = ( '', -1 );
    my @events = $c->feed_events($bytes);
    while (@events) {
        my ($ev) = grep { $_->type eq 'rejected' || $_->type eq 'close' } @events;
        if ($ev) { ( $reason, $code ) = ( $ev->reason, $ev->code ); last }
        @events = $c->next_events();
    }
    my $user = $reason;
    if ( $role eq 'open' ) {
        my $ept = Net::WebSocket::Endpoint::Server->new(
            parser => Net::WebSocket::Parser->new( StrReader->new($bytes) ),
            out    => StrWriter->new(),
        );
        $user = '(no exception)';
        for ( 1 .. 10 ) {
            my $m = eval { $ept->get_next_message };
            if ( my $e = $@ ) {
                $user = ref($e) ? ref($e) . ': ' . ( $e->can('get_message') ? $e->get_message : "$e" ) : $e;
                last;
            }
            last if defined $m && !ref $m;
        }
    }
    print join( "\t", $name, one_line( $c->failure ), one_line($reason), $code, one_line($user) ), "\n";
}
