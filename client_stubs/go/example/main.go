// Example: go run (see client_stubs/README.md) [target] [tenant] [subject]
package main

import (
	"fmt"
	"os"
	"time"

	"google.golang.org/grpc"

	"tokend.dev/client/tokendclient"
)

func main() {
	args := append(os.Args[1:], "", "", "")
	target, tenant, subject := args[0], args[1], args[2]
	if target == "" {
		target = "unix:.tokend/tokend.sock"
	}
	if tenant == "" {
		tenant = "dev-jwt"
	}
	if subject == "" {
		subject = "example"
	}
	conn, err := grpc.Dial(target, grpc.WithInsecure())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer conn.Close()
	source := tokendclient.Start(tokendclient.Options{Conn: conn, Tenant: tenant, Subject: subject})
	defer source.Close()
	// Attach to calls on your own connection (local or TLS credentials):
	//   grpc.WithPerRPCCredentials(tokendclient.PerRPCCredentials{Source: source})
	t, err := source.WaitForToken(10 * time.Second)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("token %s (#%d) expires %s\n", t.TokenID, t.Sequence, t.ExpiresAt.Format(time.RFC3339))
}
