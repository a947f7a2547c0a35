#include "server/config/credentials.h"

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/reason.h"
#include "server/config/config.h"
#include "server/observability/logging.h"

namespace tokend {

absl::StatusOr<std::string> ReadSmallFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error(Reason::kInvalidArgument, "cannot read the file");
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (buffer.str().size() > (1 << 20)) {
    return Error(Reason::kInvalidArgument, "the file is larger than 1 MiB");
  }
  return buffer.str();
}

void WarnIfOpenToOthers(const std::string& path, absl::string_view field) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0 || (st.st_mode & 0006) == 0) return;
  log::Warn(
      "a secret or private key file is readable or writable by every user; "
      "make it 0600 or 0640 (or 0400/0440)",
      {{"field", field},
       {"file", path},
       {"mode", absl::StrFormat("%04o", st.st_mode & 07777)}});
}

absl::StatusOr<std::string> ResolveCredential(absl::string_view ref,
                                              absl::string_view base_dir,
                                              absl::string_view source,
                                              absl::string_view field) {
  if (absl::StartsWith(ref, "env:")) {
    const std::string name(ref.substr(4));
    const char* value = name.empty() ? nullptr : std::getenv(name.c_str());
    if (value == nullptr) {
      return ConfigError(
          source, field,
          absl::StrCat("environment variable '", name, "' is not set"));
    }
    if (*value == '\0') {
      return ConfigError(
          source, field,
          absl::StrCat("environment variable '", name, "' is empty"));
    }
    return std::string(value);
  }
  std::string path(absl::StartsWith(ref, "file:") ? ref.substr(5) : ref);
  if (path.empty()) return ConfigError(source, field, "is empty");
  if (path[0] != '/') path = absl::StrCat(base_dir, "/", path);
  absl::StatusOr<std::string> content = ReadSmallFile(path);
  if (!content.ok()) {
    return ConfigError(source, field, absl::StrCat("cannot read '", path, "'"));
  }
  if (content->empty()) {
    return ConfigError(source, field, absl::StrCat("'", path, "' is empty"));
  }
  WarnIfOpenToOthers(path, field);
  return content;
}

}  // namespace tokend
