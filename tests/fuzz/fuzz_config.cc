// libFuzzer target for the config loader: YAML text -> Config.
//
// ParseConfig must never crash (yaml-cpp throws; the loader must catch at
// its boundary) and either return a Config or an INVALID_ARGUMENT whose
// field payload names the field at fault (or the YAML line) and whose
// message carries the source name. Nothing is read from disk: building the
// tenants (keys, credentials) is ConfigSnapshot::Build's job, not
// ParseConfig's.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "core/reason.h"
#include "server/config/config.h"

namespace {

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "fuzz_config: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view yaml(reinterpret_cast<const char*>(data), size);
  const absl::StatusOr<tokend::Config> config =
      tokend::ParseConfig(yaml, "/fuzz/tokend.yaml");
  if (config.ok()) return 0;
  const absl::Status& status = config.status();
  if (status.code() != absl::StatusCode::kInvalidArgument) {
    Fail("a config error that is not INVALID_ARGUMENT");
  }
  if (tokend::GetReason(status) != tokend::Reason::kInvalidArgument) {
    Fail("a config error without the INVALID_ARGUMENT reason");
  }
  if (tokend::GetField(status).empty()) {
    std::fprintf(stderr, "%s\n", status.ToString().c_str());
    Fail("a config error naming no field");
  }
  if (!absl::StrContains(status.message(), "/fuzz/tokend.yaml: ")) {
    Fail("a config error not naming the file");
  }
  return 0;
}
