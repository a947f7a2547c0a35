// The embedded development default, used when tokend starts with no
// config at all:
//  - state folder: --state_dir, else $TOKEND_STATE_DIR, else ./.tokend
//    (created 0700);
//  - unix socket <state>/tokend.sock and loopback TCP 127.0.0.1:50051;
//  - development keys generated once into <state>/keys/ (0600) and reused;
//  - one development tenant per available profile ("dev-jwt", ES256,
//    issuer "tokend-dev", audience "dev");
//  - callers: this process's uid (unix socket) and loopback TCP may do
//    everything.
// NOT for production: keys are on local disk and every local process of
// the same user can mint tokens.
#ifndef TOKEND_SERVER_RUNTIME_DEV_DEFAULT_H_
#define TOKEND_SERVER_RUNTIME_DEV_DEFAULT_H_

#include <string>

#include "absl/status/statusor.h"
#include "server/config/config.h"

namespace tokend {

// The state folder the default uses (see above).
std::string DefaultStateDir(const std::string& flag_value);

// Creates the folder and keys when missing and returns the config.
absl::StatusOr<Config> DevelopmentConfig(const std::string& state_dir);

// The banner printed at start in development mode.
std::string DevelopmentBanner(const Config& config);

}  // namespace tokend

#endif  // TOKEND_SERVER_RUNTIME_DEV_DEFAULT_H_
