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
its elements and checks that each is an HTTP token (libws
checks it); a non-token throws
L<Net::WebSocket::X::BadToken|Net::WebSocket::X>. Call it in list
context: in scalar or void context it throws, as the original did (with
L<Call::Context>'s exception where that module is installed, Debian's
C<libcall-context-perl>; otherwise C<BadArg>).

=back

=cut

use Net::WebSocket::LibWS ();
use Net::WebSocket::X ();

sub split_tokens {
    my ($value) = @_;

    # As the original (Call::Context::must_be_list): list context only.
    if ( !wantarray ) {
        if ( eval { require Call::Context; 1 } ) {
            Call::Context::must_be_list();
        }
        my $where = join ' line ', ( caller 0 )[ 1, 2 ];
        die Net::WebSocket::X->create('BadArg', context => ( defined wantarray ? 'scalar' : 'void' ),
            "Net::WebSocket::HTTP::split_tokens called in non-list context from $where");
    }

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
