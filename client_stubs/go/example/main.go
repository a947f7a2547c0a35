// Example (see client_stubs/README.md): example [target] [tenant] [subject]
package main

import (
	"fmt"
	"os"
	"time"

	"github.com/example/tokend/client_stubs/go/tokendclient"
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
	// Without Target, Start dials $TOKEND_TARGET (the manifests set it).
	source, err := tokendclient.Start(tokendclient.Options{Target: target, Tenant: tenant,
		Subject: subject})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
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
