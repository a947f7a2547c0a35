// The Go receiving side for run_verifier_test.py: a server behind
// tokendclient's Unary and Stream server interceptors whose handlers answer
// with the verified subject.
package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/local"
	"google.golang.org/grpc/status"

	"github.com/example/tokend/client_stubs/go/tokendclient"

	"tokend.test/drivers/rawcodec"
)

func hello(ctx context.Context) ([]byte, error) {
	v, ok := tokendclient.FromContext(ctx)
	if !ok {
		return nil, status.Error(codes.Internal, "no verified caller")
	}
	return []byte("hello " + v.Subject), nil
}

func main() {
	verifier, err := tokendclient.NewVerifier(tokendclient.VerifierOptions{
		Tenant: os.Getenv("VERIFIER_TENANT")})
	if err != nil {
		panic(err)
	}
	defer verifier.Close()
	server := grpc.NewServer(grpc.Creds(local.NewCredentials()), grpc.CustomCodec(rawcodec.Codec{}),
		grpc.UnaryInterceptor(tokendclient.UnaryServerInterceptor(verifier)),
		grpc.StreamInterceptor(tokendclient.StreamServerInterceptor(verifier)))
	server.RegisterService(&grpc.ServiceDesc{
		ServiceName: "tokend.test.Echo",
		HandlerType: (*interface{})(nil),
		Methods: []grpc.MethodDesc{{MethodName: "Hello",
			Handler: func(_ interface{}, ctx context.Context, dec func(interface{}) error,
				icpt grpc.UnaryServerInterceptor) (interface{}, error) {
				var in []byte
				if err := dec(&in); err != nil {
					return nil, err
				}
				info := &grpc.UnaryServerInfo{FullMethod: "/tokend.test.Echo/Hello"}
				out, err := icpt(ctx, &in, info, func(ctx context.Context, _ interface{}) (interface{}, error) {
					b, err := hello(ctx)
					return &b, err
				})
				return out, err
			}}},
		Streams: []grpc.StreamDesc{{StreamName: "Stream", ServerStreams: true,
			Handler: func(_ interface{}, stream grpc.ServerStream) error {
				var in []byte
				if err := stream.RecvMsg(&in); err != nil {
					return err
				}
				for i := 0; i < 2; i++ {
					b, err := hello(stream.Context())
					if err != nil {
						return err
					}
					if err := stream.SendMsg(&b); err != nil {
						return err
					}
				}
				return nil
			}}},
	}, struct{}{})
	lis, err := net.Listen("unix", strings.TrimPrefix(os.Getenv("VERIFIER_ADDRESS"), "unix:"))
	if err != nil {
		panic(err)
	}
	go server.Serve(lis)
	fmt.Println("LISTENING")
	io.Copy(io.Discard, os.Stdin) // until the harness ends us
	server.Stop()
}
