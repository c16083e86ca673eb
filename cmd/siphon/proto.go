package main

import (
	"flag"
	"os"
	"strings"

	"google.golang.org/protobuf/types/descriptorpb"

	"github.com/siphonproxy/siphon/grpcmsg"
	"github.com/siphonproxy/siphon/session"
)

func (o *proxyOptions) registerProto(fs *flag.FlagSet) {
	fs.Var(&o.proto, "proto", "FileDescriptorSet `FILE` (protoc --descriptor_set_out=FILE --include_imports, or buf build -o FILE) that gives gRPC messages their field names (repeatable)")
}

// loadProto reads the --proto files into one grpcmsg.Types; nil without
// them. A file that is missing or not a FileDescriptorSet is a usage error
// naming it.
func (o *proxyOptions) loadProto() (*grpcmsg.Types, error) {
	if len(o.proto) == 0 {
		return nil, nil
	}
	sets := make([]*descriptorpb.FileDescriptorSet, 0, len(o.proto))
	for _, path := range o.proto {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, usagef("--proto %s: %v", path, err)
		}
		set, err := grpcmsg.UnmarshalSet(data)
		if err != nil {
			return nil, usagef("--proto %s: %v", path, err)
		}
		sets = append(sets, set)
	}
	types, err := grpcmsg.NewTypes(sets...)
	if err != nil {
		return nil, usagef("--proto %s: %v", strings.Join(o.proto, ", "), err)
	}
	return types, nil
}

// withGRPCBodies returns f with its bodies loaded from store when f is a
// gRPC-Web call whose status is not in its headers or trailers: then it
// is in the trailer frame at the end of the body, which Store.All leaves
// on disk. Other flows, and flows that cannot be loaded, come back as they
// are.
func withGRPCBodies(store *session.Store, f *session.Flow) *session.Flow {
	if f.Response == nil || !f.Response.Body.Unloaded {
		return f
	}
	if fr := grpcmsg.FlowFraming(f); fr != grpcmsg.Web && fr != grpcmsg.WebText {
		return f
	}
	if _, ok := grpcmsg.StatusOf(f); ok {
		return f
	}
	if full, err := store.Get(f.ID); err == nil {
		return full
	}
	return f
}
