// Credential references in the config: "env:NAME" (an environment
// variable), "file:PATH" or a bare PATH (relative to the config file's
// directory). The value never appears in errors or logs.
#ifndef TOKEND_SERVER_CONFIG_CREDENTIALS_H_
#define TOKEND_SERVER_CONFIG_CREDENTIALS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace tokend {

// Errors (config errors naming `field`): unset variable, unreadable file,
// empty value. A file that every user may read or write (mode 0644, 0666,
// ...) is accepted with a warning naming the field, file and mode.
absl::StatusOr<std::string> ResolveCredential(absl::string_view ref,
                                              absl::string_view base_dir,
                                              absl::string_view source,
                                              absl::string_view field);

// Logs that warning for `path` when its mode lets every user in.
void WarnIfOpenToOthers(const std::string& path, absl::string_view field);

// Reads a whole (small) file; kInvalidArgument naming nothing on failure.
absl::StatusOr<std::string> ReadSmallFile(const std::string& path);

}  // namespace tokend

#endif  // TOKEND_SERVER_CONFIG_CREDENTIALS_H_
