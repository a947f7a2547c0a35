// `tokenctl rotate`: the safe key rotation of a key directory (local, no
// server). It writes a new private JWK whose "tokend_activate_at" is now +
// jwks_max_age + publish_margin and gives every signing key of the
// directory a "tokend_retire_at" at that same instant, each file replaced
// atomically (written beside it, then renamed). Every tokend replica that
// reads the directory, restarted or not, then switches signer at that
// instant, and keeps verifying the old key until its tokens expired.
// A PEM signing key is converted to a JWK file (kid kept) carrying the
// retirement, and the PEM file removed. A Kubernetes Secret mount (`..data`)
// is refused: it is read-only; rotate a copy of the Secret's files and
// apply them all.
#ifndef TOKEND_SERVER_TOKENCTL_ROTATE_H_
#define TOKEND_SERVER_TOKENCTL_ROTATE_H_

#include "tools/tokenctl/options.h"

namespace tokend::tokenctl {

int Rotate(const Options& options);

}  // namespace tokend::tokenctl

#endif  // TOKEND_SERVER_TOKENCTL_ROTATE_H_
