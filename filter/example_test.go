package filter_test

import (
	"errors"
	"fmt"
	"strings"

	"github.com/siphonproxy/siphon/filter"
	"github.com/siphonproxy/siphon/session"
)

func ExampleParse() {
	f, err := filter.Parse(`~m POST & ~d example ~c >=400`)
	if err != nil {
		fmt.Println(err)
		return
	}
	flow := &session.Flow{
		Request:  &session.Request{Method: "POST", URL: "https://api.example.com/v1/users"},
		Response: &session.Response{Status: 503},
	}
	fmt.Println(f.Match(flow), f.NeedsBodies())
	// Output: true false
}

func ExampleSyntaxError() {
	expr := "~m GET ~zz"
	_, err := filter.Parse(expr)
	var se *filter.SyntaxError
	if errors.As(err, &se) {
		fmt.Println(expr)
		fmt.Println(strings.Repeat(" ", se.Offset) + "^ " + se.Msg)
	}
	// Output:
	// ~m GET ~zz
	//        ^ unknown operator "~zz"
}

func ExampleHelp() {
	for _, h := range filter.Help()[:3] {
		fmt.Printf("%-12s %s\n", h.Usage, h.Help)
	}
	// Output:
	// ~all         All flows
	// ~a           Asset in response: JavaScript, CSS, image or font
	// ~e           Flow failed with an error (transport, TLS, protocol, intercept)
}
