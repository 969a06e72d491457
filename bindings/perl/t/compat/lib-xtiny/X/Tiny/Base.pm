package X::Tiny::Base;
# Stands in for CPAN X::Tiny::Base (not in Debian) in t/compat/02-behaviour.t.
use strict; use warnings;
1;
