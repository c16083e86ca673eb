// Package grpcmsg decodes the gRPC and gRPC-Web calls that siphon captures:
// it splits a body into its length-prefixed messages (undoing
// grpc-encoding and gRPC-Web's base64 text form, and reading gRPC-Web's
// trailer frame), renders each message as protobuf without a schema (field
// numbers and wire types, as protoc --decode_raw does), and, given the
// FileDescriptorSet of the service (Types), as JSON with field names. It
// also reads what a flow says about its call: the service and method from
// the URL path, and the grpc-status from the trailers, a Trailers-Only
// response's headers, or gRPC-Web's trailer frame.
//
// Everything here works on captured bytes, which may be cut at the capture
// limit or be garbage: decoding never panics, bounds the memory and text it
// produces, and reports what it could not read as data (Message.Err,
// Body.Cut, Body.Err) next to what it could.
package grpcmsg
