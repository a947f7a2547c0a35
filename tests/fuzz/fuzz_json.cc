// libFuzzer target for the strict JSON layer: whatever ParseObject accepts
// must serialise to text that parses back to an equal Object, and that
// serialisation must be a fixed point. ScanPaddedObject must give the same
// verdict and reason as ParseObject and build the same members, and its fast
// path (json::internal::FastScanObject) may only accept what ParseObject
// accepts.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "core/json/fast_scan.h"
#include "core/json/json.h"
#include "core/reason.h"

namespace {

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "fuzz_json: %s\n", what);
  std::abort();
}

// Short names, as fuzzed inputs mostly have, and the registered claims.
constexpr absl::string_view kNames[] = {"a", "b", "", "exp", "iss", "aud"};

// ScanPaddedObject and the fast path against ParseObject's result.
void CheckScan(absl::string_view text,
               const absl::StatusOr<tokend::json::Object>& parsed) {
  using tokend::json::Value;
  std::string padded(text);
  padded.resize(text.size() + tokend::json::kParsePadding, '"');
  const absl::string_view view(padded.data(), text.size());
  std::optional<Value> found[std::size(kNames)];
  const absl::Status scanned =
      tokend::json::ScanPaddedObject(view, {}, kNames, found);
  if (scanned.ok() != parsed.ok()) Fail("scan and parse disagree");
  if (!parsed.ok()) {
    if (tokend::GetReason(scanned) != tokend::GetReason(parsed.status())) {
      Fail("scan and parse give different reasons");
    }
    for (const std::optional<Value>& value : found) {
      if (value.has_value()) Fail("a refused scan built a member");
    }
  }
  std::optional<Value> fast[std::size(kNames)];
  const bool fast_ok =
      tokend::json::internal::FastScanObject(view, 32, kNames, fast);
  // The fast path leaves the size cap to its caller.
  if (fast_ok && !parsed.ok() &&
      tokend::GetReason(parsed.status()) != tokend::Reason::kTokenTooLarge) {
    Fail("fast path accepted a refused text");
  }
  if (!parsed.ok()) return;
  for (size_t i = 0; i < std::size(kNames); ++i) {
    const Value* want = parsed->Find(kNames[i]);
    if (found[i].has_value() != (want != nullptr) ||
        (want != nullptr && !(*found[i] == *want))) {
      Fail("scan built a member differently");
    }
    if (fast_ok && (fast[i].has_value() != (want != nullptr) ||
                    (want != nullptr && !(*fast[i] == *want)))) {
      Fail("fast path built a member differently");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using tokend::json::ParseObject;
  using tokend::json::Serialize;
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = ParseObject(text);
  CheckScan(text, parsed);
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
