// Package grpctest gives tests the descriptors of grpc-go's interop
// TestService (package grpc.testing, ready generated in
// google.golang.org/grpc/interop/grpc_testing) as siphon --proto reads
// them: a FileDescriptorSet, as protoc --descriptor_set_out writes one.
// It imports no siphon package, so grpcmsg's own tests can use it.
package grpctest

import (
	"os"
	"path/filepath"
	"testing"

	testpb "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
)

// DescriptorSet returns the FileDescriptorSet of grpc_testing's
// test.proto, its imports first (protoc --include_imports), or the file
// alone when bare.
func DescriptorSet(bare bool) *descriptorpb.FileDescriptorSet {
	set := &descriptorpb.FileDescriptorSet{}
	seen := map[string]bool{}
	var add func(fd protoreflect.FileDescriptor)
	add = func(fd protoreflect.FileDescriptor) {
		if seen[fd.Path()] {
			return
		}
		seen[fd.Path()] = true
		for i := 0; i < fd.Imports().Len() && !bare; i++ {
			add(fd.Imports().Get(i).FileDescriptor)
		}
		set.File = append(set.File, protodesc.ToFileDescriptorProto(fd))
	}
	add(testpb.File_grpc_testing_test_proto)
	return set
}

// WriteDescriptorSet writes DescriptorSet(bare) to a file in a temporary
// directory of tb and returns its path, for --proto.
func WriteDescriptorSet(tb testing.TB, bare bool) string {
	tb.Helper()
	data, err := proto.Marshal(DescriptorSet(bare))
	if err != nil {
		tb.Fatal(err)
	}
	path := filepath.Join(tb.TempDir(), "test.pb")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}
