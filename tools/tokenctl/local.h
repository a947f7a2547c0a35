// tokenctl's local commands: they use core/ directly and need no server.
#ifndef TOKEND_SERVER_TOKENCTL_LOCAL_H_
#define TOKEND_SERVER_TOKENCTL_LOCAL_H_

#include "tools/tokenctl/options.h"

namespace tokend::tokenctl {

// Issues and verifies a token with a throwaway key, printing each verdict.
int Demo(const Options& options);

// Writes a fresh private JWK to --out (mode 0600; never to stdout).
int Keygen(const Options& options);

}  // namespace tokend::tokenctl

#endif  // TOKEND_SERVER_TOKENCTL_LOCAL_H_
