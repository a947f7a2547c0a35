// Package rawcodec passes message bytes through unchanged, for the drivers'
// generic echo methods (request and reply are *[]byte).
package rawcodec

// Codec is both an encoding.Codec (client ForceCodec) and a grpc.Codec
// (server CustomCodec).
type Codec struct{}

// Marshal returns the bytes *v holds.
func (Codec) Marshal(v interface{}) ([]byte, error) { return *(v.(*[]byte)), nil }

// Unmarshal stores data in *v.
func (Codec) Unmarshal(data []byte, v interface{}) error { *(v.(*[]byte)) = data; return nil }

// Name is the content subtype it replaces.
func (Codec) Name() string { return "proto" }

// String names it for grpc.CustomCodec.
func (Codec) String() string { return "proto" }
