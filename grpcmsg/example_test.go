package grpcmsg_test

import (
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/siphonproxy/siphon/grpcmsg"
)

func ExampleText() {
	var inner, m []byte
	inner = protowire.AppendTag(inner, 1, protowire.BytesType)
	inner = protowire.AppendString(inner, "ada")
	m = protowire.AppendTag(m, 1, protowire.VarintType)
	m = protowire.AppendVarint(m, 42)
	m = protowire.AppendTag(m, 2, protowire.BytesType)
	m = protowire.AppendBytes(m, inner)
	fmt.Print(grpcmsg.Text(m))
	// Output:
	// 1: 42
	// 2 {
	//   1: "ada"
	// }
}

func ExampleSplit() {
	body := []byte("\x00\x00\x00\x00\x02\x08\x01" + // a message: 1: 1
		"\x80\x00\x00\x00\x0fgrpc-status: 0\r\n") // gRPC-Web's trailer frame
	b := grpcmsg.Split(body, grpcmsg.Web, "", false)
	st, _ := grpcmsg.ParseStatus(b.Trailer)
	fmt.Printf("%d message: %q; status %v\n", len(b.Messages), grpcmsg.Text(b.Messages[0].Data), st)
	// Output:
	// 1 message: "1: 1\n"; status OK
}
