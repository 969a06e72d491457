package X::Tiny;
use strict; use warnings;
1;
