package Net::WebSocket::HTTP;

use strict;
use warnings;

our $VERSION = '1.000';

=encoding utf-8

=head1 NAME

Net::WebSocket::HTTP - HTTP helpers

=head1 SYNOPSIS

    my @tokens = Net::WebSocket::HTTP::split_tokens('chat, superchat');

=head1 DESCRIPTION

=over

=item C<split_tokens(VALUE)> - splits a comma-separated header value into
its elements (list context) and checks that each is an HTTP token (libws
checks it); a non-token throws
L<Net::WebSocket::X::BadToken|Net::WebSocket::X>.

=back

=cut

use Net::WebSocket::LibWS ();
use Net::WebSocket::X ();

sub split_tokens {
    my ($value) = @_;

    $value = q<> if !defined $value;
    $value =~ s<\A[ \t]+><>;
    $value =~ s<[ \t]+\z><>;

    my @tokens = grep { length } split m<[ \t]*,[ \t]*>, $value;
    return if !@tokens;

    # libws's own token check (it refuses subprotocol names that are not
    # tokens).
    Net::WebSocket::LibWS::_ensure();
    my $rc = Net::WebSocket::LibWS::_ws_config_new( 1, \my $cfg );
    Net::WebSocket::LibWS::_croak_rc($rc, 'config') if $rc < 0;
    for my $t (@tokens) {
        if ( Net::WebSocket::LibWS::_ws_config_add_subprotocol( $cfg, "$t" ) < 0 ) {
            Net::WebSocket::LibWS::_ws_config_free($cfg);
            die Net::WebSocket::X->create('BadToken', $t);
        }
    }
    Net::WebSocket::LibWS::_ws_config_free($cfg);

    return @tokens;
}

1;
