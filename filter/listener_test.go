package filter

import (
	"testing"

	"github.com/siphonproxy/siphon/session"
)

func TestListener(t *testing.T) {
	flows := map[string]*session.Flow{
		"regular": {Listener: "regular@8080"},
		"socks":   {Listener: "socks5@1080"},
		"reverse": {Listener: "reverse:https://api.example.com@8081"},
		"old":     {}, // recorded before listeners were named
	}
	tests := []struct {
		expr string
		want []string
	}{
		{"~listener socks5", []string{"socks"}},
		{"~listener ^reverse:", []string{"reverse"}},
		{"~listener @8080$", []string{"regular"}},
		{"~listener api.example", []string{"reverse"}},
		{"!~listener socks5", []string{"regular", "reverse", "old"}},
		{"~listener SOCKS5", []string{"socks"}}, // case-insensitive, as ~d
	}
	for _, tt := range tests {
		f, err := Parse(tt.expr)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tt.expr, err)
		}
		for name, fl := range flows {
			want := false
			for _, w := range tt.want {
				want = want || w == name
			}
			if got := f.Match(fl); got != want {
				t.Errorf("%q matches %s flow: %v, want %v", tt.expr, name, got, want)
			}
		}
	}
}
