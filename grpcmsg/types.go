package grpcmsg

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
)

// Types are the services and messages of one or more FileDescriptorSets:
// they give gRPC messages their field names. A *Types is immutable and
// safe for concurrent use; a nil *Types knows no method.
type Types struct {
	files   *protoregistry.Files
	types   *dynamicpb.Types
	methods map[string]protoreflect.MethodDescriptor // "pkg.Service/Method"
}

// LoadTypes reads FileDescriptorSet files, as protoc --descriptor_set_out
// (with --include_imports) or buf build -o write them, into one Types.
func LoadTypes(paths ...string) (*Types, error) {
	sets := make([]*descriptorpb.FileDescriptorSet, 0, len(paths))
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("read descriptor set: %w", err)
		}
		set, err := UnmarshalSet(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		sets = append(sets, set)
	}
	return NewTypes(sets...)
}

// UnmarshalSet reads a serialized FileDescriptorSet.
func UnmarshalSet(data []byte) (*descriptorpb.FileDescriptorSet, error) {
	const want = "want a FileDescriptorSet, as protoc --descriptor_set_out=FILE --include_imports or buf build -o FILE writes"
	set := &descriptorpb.FileDescriptorSet{}
	if err := proto.Unmarshal(data, set); err != nil {
		return nil, fmt.Errorf("not a FileDescriptorSet (%v); %s", err, want)
	}
	if len(set.GetFile()) == 0 {
		return nil, fmt.Errorf("holds no file descriptors; %s", want)
	}
	return set, nil
}

// NewTypes builds Types from FileDescriptorSets. A file in several sets
// (each set includes its imports) is taken from the first. Every import
// must be in one of the sets.
func NewTypes(sets ...*descriptorpb.FileDescriptorSet) (*Types, error) {
	merged := &descriptorpb.FileDescriptorSet{}
	seen := map[string]bool{}
	for _, set := range sets {
		for _, fd := range set.GetFile() {
			if !seen[fd.GetName()] {
				seen[fd.GetName()] = true
				merged.File = append(merged.File, fd)
			}
		}
	}
	files, err := protodesc.NewFiles(merged)
	if err != nil {
		// protodesc does not wrap protoregistry.NotFound here.
		if strings.Contains(err.Error(), "could not resolve import") {
			return nil, fmt.Errorf("build message types: %w (write the set with protoc --include_imports, or give every set it imports)", err)
		}
		return nil, fmt.Errorf("build message types: %w", err)
	}
	t := &Types{files: files, types: dynamicpb.NewTypes(files), methods: map[string]protoreflect.MethodDescriptor{}}
	files.RangeFiles(func(fd protoreflect.FileDescriptor) bool {
		for i := range fd.Services().Len() {
			sd := fd.Services().Get(i)
			for j := range sd.Methods().Len() {
				md := sd.Methods().Get(j)
				t.methods[string(sd.FullName())+"/"+string(md.Name())] = md
			}
		}
		return true
	})
	return t, nil
}

// Services returns the full names of the services t knows, sorted.
func (t *Types) Services() []string {
	if t == nil {
		return nil
	}
	var out []string
	for _, md := range t.methods {
		name := string(md.Parent().FullName())
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// Method returns the descriptor of service's method (service is the full
// name, "package.Service", as in a gRPC path), or nil when t does not
// know it.
func (t *Types) Method(service, method string) protoreflect.MethodDescriptor {
	if t == nil {
		return nil
	}
	return t.methods[service+"/"+method]
}

// MessageType returns the type of the messages a call of service's
// method sends: its input when response is false, its output when true;
// nil when t does not know the method.
func (t *Types) MessageType(service, method string, response bool) protoreflect.MessageDescriptor {
	md := t.Method(service, method)
	switch {
	case md == nil:
		return nil
	case response:
		return md.Output()
	}
	return md.Input()
}

// JSON decodes data as a message of type md and renders it as protojson
// (field names as in the .proto file), indented by two spaces. unknown
// reports fields the schema does not name, which JSON cannot show: the
// descriptor set may be older than the service.
func (t *Types) JSON(md protoreflect.MessageDescriptor, data []byte) (out []byte, unknown bool, err error) {
	if t == nil || md == nil {
		return nil, false, errors.New("grpcmsg: no message type")
	}
	msg := dynamicpb.NewMessage(md)
	if err := (proto.UnmarshalOptions{Resolver: t.types, AllowPartial: true}).Unmarshal(data, msg); err != nil {
		return nil, false, fmt.Errorf("grpcmsg: decode %s: %w", md.FullName(), err)
	}
	js, err := protojson.MarshalOptions{Resolver: t.types, AllowPartial: true, UseProtoNames: true}.Marshal(msg)
	if err != nil {
		return nil, false, fmt.Errorf("grpcmsg: %s as JSON: %w", md.FullName(), err)
	}
	// protojson varies its spacing on purpose; settle it.
	var compact, indented bytes.Buffer
	if err := json.Compact(&compact, js); err != nil {
		return nil, false, fmt.Errorf("grpcmsg: %s as JSON: %w", md.FullName(), err)
	}
	if err := json.Indent(&indented, compact.Bytes(), "", "  "); err != nil {
		return nil, false, fmt.Errorf("grpcmsg: %s as JSON: %w", md.FullName(), err)
	}
	return indented.Bytes(), hasUnknown(msg, 0), nil
}

// hasUnknown reports whether m or a message in it has unknown fields.
func hasUnknown(m protoreflect.Message, depth int) bool {
	if len(m.GetUnknown()) > 0 {
		return true
	}
	if depth >= MaxDepth {
		return false
	}
	found := false
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if fd.Message() == nil {
			return true
		}
		switch {
		case fd.IsList():
			l := v.List()
			for i := 0; i < l.Len() && !found; i++ {
				found = hasUnknown(l.Get(i).Message(), depth+1)
			}
		case fd.IsMap():
			v.Map().Range(func(_ protoreflect.MapKey, mv protoreflect.Value) bool {
				found = fd.MapValue().Message() != nil && hasUnknown(mv.Message(), depth+1)
				return !found
			})
		default:
			found = hasUnknown(v.Message(), depth+1)
		}
		return !found
	})
	return found
}
