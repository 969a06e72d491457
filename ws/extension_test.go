package ws

import (
	"reflect"
	"testing"
)

func TestExtensionParse(t *testing.T) {
	pmd := "permessage-deflate"
	flag := func(name string) ExtensionParam { return ExtensionParam{Name: name} }
	val := func(name, v string) ExtensionParam { return ExtensionParam{Name: name, Value: v, HasValue: true} }
	tests := []struct {
		name   string
		values []string
		want   []Extension
	}{
		{"none", nil, nil},
		{"empty field", []string{""}, nil},
		{"only commas", []string{" , ,, "}, nil},
		{"RFC 7692 §7.1.3 simplest", []string{"permessage-deflate"}, []Extension{{Name: pmd}}},
		{"RFC 7692 §7.1.3 with fallback", []string{"permessage-deflate; client_max_window_bits; server_max_window_bits=10, permessage-deflate; client_max_window_bits"},
			[]Extension{
				{Name: pmd, Params: []ExtensionParam{flag("client_max_window_bits"), val("server_max_window_bits", "10")}},
				{Name: pmd, Params: []ExtensionParam{flag("client_max_window_bits")}},
			}},
		// RFC 7692 §5.2's framework examples use invented extensions.
		{"RFC 7692 §5.2 foo and bar", []string{"permessage-foo, permessage-bar"}, []Extension{{Name: "permessage-foo"}, {Name: "permessage-bar"}}},
		{"RFC 7692 §5.2 use_y", []string{"permessage-foo; use_y, permessage-foo"},
			[]Extension{{Name: "permessage-foo", Params: []ExtensionParam{flag("use_y")}}, {Name: "permessage-foo"}}},
		{"several fields", []string{"a", "b; x=1", "c"}, []Extension{{Name: "a"}, {Name: "b", Params: []ExtensionParam{val("x", "1")}}, {Name: "c"}}},
		{"whitespace everywhere", []string{" \ta \t; \tx \t= \t1 \t, b ;y"}, []Extension{{Name: "a", Params: []ExtensionParam{val("x", "1")}}, {Name: "b", Params: []ExtensionParam{flag("y")}}}},
		{"empty elements", []string{",a,,b,"}, []Extension{{Name: "a"}, {Name: "b"}}},
		{"quoted token", []string{`a; x="10"`}, []Extension{{Name: "a", Params: []ExtensionParam{val("x", "10")}}}},
		{"quoted with escapes", []string{`a; x="\1\0"`}, []Extension{{Name: "a", Params: []ExtensionParam{val("x", "10")}}}},
		{"token characters", []string{"x!#$%&'*+-.^_`|~9; y=!#$%&'*+-.^_`|~9"}, []Extension{{Name: "x!#$%&'*+-.^_`|~9", Params: []ExtensionParam{val("y", "!#$%&'*+-.^_`|~9")}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseExtensions(tt.values...)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseExtensions(%q) =\n%+v\nwant\n%+v", tt.values, got, tt.want)
			}
		})
	}
}

func TestExtensionParseErrors(t *testing.T) {
	tests := []string{
		"a;",
		"a; ",
		";a",
		"a; =1",
		"a; x=",
		"a; x= ,b",
		`a; x=""`,
		`a; x="b c"`,
		`a; x="b,c"`,
		`a; x="unterminated`,
		`a; x="escape at end\`,
		"a; x=\"bad\\\x01escape\"",
		"a; x=\"control\x01\"",
		"a b",
		"a, b c",
		"a; x=1=2",
		"a; x=1 y",
		"a; x=\"1\"2",
		"é",
		"a/b",
		"a\x00",
		"a; x=\"\xff\"", // obs-text is a valid quoted-string but not a token
	}
	for _, v := range tests {
		exts, err := ParseExtensions("ok", v)
		if exts != nil {
			t.Errorf("ParseExtensions(%q) returned %v with an error", v, exts)
		}
		wantError(t, err, CodeHandshake, 0)
	}
}

func TestExtensionString(t *testing.T) {
	tests := []struct {
		ext  Extension
		want string
	}{
		{Extension{Name: "permessage-deflate"}, "permessage-deflate"},
		{Extension{Name: "permessage-deflate", Params: []ExtensionParam{
			{Name: "client_max_window_bits"},
			{Name: "server_max_window_bits", Value: "10", HasValue: true},
		}}, "permessage-deflate; client_max_window_bits; server_max_window_bits=10"},
		{Extension{Name: "x", Params: []ExtensionParam{{Name: "v", Value: `a "b" \c`, HasValue: true}}}, `x; v="a \"b\" \\c"`},
		{Extension{Name: "x", Params: []ExtensionParam{{Name: "v", HasValue: true}}}, `x; v=""`},
	}
	for _, tt := range tests {
		if got := tt.ext.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
	exts := []Extension{tests[0].ext, tests[1].ext}
	s := FormatExtensions(exts)
	if s != "permessage-deflate, permessage-deflate; client_max_window_bits; server_max_window_bits=10" {
		t.Errorf("FormatExtensions = %q", s)
	}
	back, err := ParseExtensions(s)
	if err != nil || !reflect.DeepEqual(back, exts) {
		t.Errorf("round trip = %+v, %v", back, err)
	}
	if FormatExtensions(nil) != "" {
		t.Error("FormatExtensions(nil) is not empty")
	}
}
