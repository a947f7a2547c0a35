// The Go drivers of tests/client_stubs, a module that uses the client module
// as any other would (here through a replace to the checkout).
module tokend.test/drivers

go 1.19

require (
	github.com/example/tokend/client_stubs/go v0.1.0
	google.golang.org/grpc v1.33.3
)

replace github.com/example/tokend/client_stubs/go => ../../../client_stubs/go
