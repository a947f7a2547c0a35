// libFuzzer target for the strict JSON layer: whatever ParseObject accepts
// must serialise to text that parses back to an equal Object, and that
// serialisation must be a fixed point.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/string_view.h"
#include "core/json/json.h"
#include "core/reason.h"

namespace {

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "fuzz_json: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using tokend::json::ParseObject;
  using tokend::json::Serialize;
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = ParseObject(text);
  if (!parsed.ok()) {
    switch (tokend::GetReason(parsed.status())) {
      case tokend::Reason::kBadJson:
      case tokend::Reason::kJsonTooDeep:
      case tokend::Reason::kDuplicateKey:
      case tokend::Reason::kTokenTooLarge:
        return 0;
      default:
        Fail("unexpected failure reason");
    }
  }
  const std::string serialized = Serialize(*parsed);
  // Serialisation may lengthen the text ("1" stays, "1e0" becomes "1.0",
  // a raw control byte cannot occur but "\u0000" stays six bytes), so the
  // re-parse is limited by what it has to read, not by the input's limit.
  tokend::json::ParseLimits limits;
  limits.max_bytes = serialized.size();
  auto reparsed = ParseObject(serialized, limits);
  if (!reparsed.ok()) Fail("serialised output does not parse");
  if (!(*reparsed == *parsed)) Fail("round trip changed the object");
  if (Serialize(*reparsed) != serialized) Fail("serialisation not stable");
  return 0;
}
