package Net::WebSocket::LibWS;

# (POD after __END__.)

use strict;
use warnings;

our $VERSION = '1.000';

use Net::WebSocket::LibWS ();    # (loaded already: the constants below are its)

my %INT_OPTION = (
    max_message     => WS_OPT_MAX_MESSAGE,
    max_frame       => WS_OPT_MAX_FRAME,
    max_output      => WS_OPT_MAX_OUTPUT,
    max_queued      => WS_OPT_MAX_QUEUED,
    max_handshake   => WS_OPT_MAX_HANDSHAKE,
    max_headers     => WS_OPT_MAX_HEADERS,
    streaming       => WS_OPT_STREAMING,
    chunk_per_frame => WS_OPT_CHUNK_PER_FRAME,
    validate_utf8   => WS_OPT_VALIDATE_UTF8,
    auto_pong       => WS_OPT_AUTO_PONG,
    max_pings       => WS_OPT_MAX_PINGS,
    echo_close_reason => WS_OPT_ECHO_CLOSE_REASON,
    manual_accept   => WS_OPT_MANUAL_ACCEPT,
    allow_rsv       => WS_OPT_ALLOW_RSV,
    allow_opcodes   => WS_OPT_ALLOW_OPCODES,
);

my %DEFLATE_OPTION = (
    server_no_context_takeover => WS_OPT_DEFLATE_SERVER_NO_CONTEXT_TAKEOVER,
    client_no_context_takeover => WS_OPT_DEFLATE_CLIENT_NO_CONTEXT_TAKEOVER,
    server_max_window_bits     => WS_OPT_DEFLATE_SERVER_MAX_WINDOW_BITS,
    client_max_window_bits     => WS_OPT_DEFLATE_CLIENT_MAX_WINDOW_BITS,
    level                      => WS_OPT_DEFLATE_LEVEL,
    min_size                   => WS_OPT_DEFLATE_MIN_SIZE,
    required                   => WS_OPT_DEFLATE_REQUIRED,
);

sub _config_build {
    my ($role, $opts) = @_;

    _ensure();

    my $rc = _ws_config_new($role, \my $cfg);
    _croak_rc($rc, 'ws_config_new') if $rc < 0;

    my $ok = eval {
        my $set = sub {
            my ($opt, $value, $name) = @_;
            my $v = $value;
            $v = 1 if $v && $v !~ m<\A-?[0-9]+\z>;    # true non-numbers
            $v ||= 0;
            my $rc = _ws_config_set($cfg, $opt, $v);
            _croak_rc($rc, "option $name") if $rc < 0;
        };

        for my $name (sort keys %$opts) {
            my $value = $opts->{$name};
            next if !defined $value;

            if (my $opt = $INT_OPTION{$name}) {
                $set->($opt, $value, $name);
            }
            elsif ($name eq 'deflate') {
                next if !$value;
                $set->(WS_OPT_DEFLATE, 1, 'deflate');
                if (ref $value eq 'HASH') {
                    for my $k (sort keys %$value) {
                        next if !defined $value->{$k};
                        if (my $opt = $DEFLATE_OPTION{$k}) {
                            $set->($opt, $value->{$k}, "deflate $k");
                        }
                        elsif ($k eq 'offers') {
                            for my $o (@{ $value->{$k} }) {
                                my @o = ref $o eq 'HASH'
                                    ? @{$o}{qw(server_no_context_takeover client_no_context_takeover server_max_window_bits client_max_window_bits)}
                                    : @$o;
                                my $rc = _ws_config_add_deflate_offer($cfg, map { $_ || 0 } @o[0 .. 3]);
                                _croak_rc($rc, 'deflate offer') if $rc < 0;
                            }
                        }
                        else {
                            die Net::WebSocket::X->create('BadArg', "deflate option" => $k, 'Unknown permessage-deflate option');
                        }
                    }
                }
                elsif (ref $value) {
                    die Net::WebSocket::X->create('BadArg', deflate => $value, 'Give 1 or a hash reference of options');
                }
            }
            elsif ($name eq 'subprotocols') {
                for my $p (@$value) {
                    my $rc = _ws_config_add_subprotocol($cfg, "$p");
                    _croak_rc($rc, "subprotocol “$p”") if $rc < 0;
                }
            }
            elsif ($name eq 'headers') {
                my @kv = @$value;
                while (my ($k, $v) = splice @kv, 0, 2) {
                    my $rc = _ws_config_add_header($cfg, "$k", "" . ($v // ''));
                    _croak_rc($rc, "header “$k”") if $rc < 0;
                }
            }
            elsif ($name eq 'origin') {
                my $rc = _ws_config_set_origin($cfg, "$value");
                _croak_rc($rc, 'origin') if $rc < 0;
            }
            elsif ($name eq 'key') {
                # libws checks it (base64 of 16 bytes; clients only).
                my $rc = _ws_config_set_key($cfg, "$value");
                _croak_rc($rc, 'key') if $rc < 0;
            }
            elsif ($name eq 'extension_offers') {
                for my $x (@$value) {
                    my $rc = _ws_config_add_extension_offer($cfg, "$x");
                    _croak_rc($rc, "extension offer “$x”") if $rc < 0;
                }
            }
            else {
                die Net::WebSocket::X->create('BadArg', option => $name, 'Unknown option');
            }
        }
        1;
    };

    if (!$ok) {
        my $err = $@;
        _ws_config_free($cfg);
        die $err;
    }

    return $cfg;
}

1;

__END__

=encoding utf-8

=head1 NAME

Net::WebSocket::LibWS::Config - a libws ws_config from connection options

=head1 DESCRIPTION

Internal. Builds the C<ws_config> of a new connection from the options of
L<Net::WebSocket::LibWS::Connection/Options>, calling C<ws_config_set>
and the other C<ws_config_*> functions of libws for each; an unknown
option or a value libws refuses throws. C<Net::WebSocket::LibWS::_config>
loads this file when the first connection is made, so a program that only
parses or builds frames does not compile it. The code lives in
Net::WebSocket::LibWS's package, beside the functions and constants it
uses.

=cut
