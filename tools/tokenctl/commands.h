// tokenctl's RPC commands over tokend's gRPC API. Each returns the process
// exit code: kExitOk, kExitUsage, kExitRefused (an invalid token verdict, or
// a health answer other than SERVING) or kExitRpcError.
#ifndef TOKEND_SERVER_TOKENCTL_COMMANDS_H_
#define TOKEND_SERVER_TOKENCTL_COMMANDS_H_

#include "tools/tokenctl/options.h"

namespace tokend::tokenctl {

int Issue(const Options& options);   // the token alone to stdout
int Verify(const Options& options);  // the verdict; never the token
int Renew(const Options& options);   // the new token alone to stdout
int Revoke(const Options& options);
// An identity token (--subject_token_file) for the token the exchange
// policy allows; prints like issue.
int Exchange(const Options& options);  // --token_id | --subject | --tenant_wide
int Subscribe(const Options& options);  // one line per event
int Jwks(const Options& options);       // the tenant's (or every) JWKS
int Health(const Options& options);     // grpc.health.v1 Check

}  // namespace tokend::tokenctl

#endif  // TOKEND_SERVER_TOKENCTL_COMMANDS_H_
