// Writes a JWT's JSON claims straight into bytes, without building a
// json::Object first: how the vendor profiles write theirs before
// JwtWriter (jwt_writer.h) signs them.
//
// Members may be added in any order; Finish emits them sorted by name (byte
// order), which is exactly what json::Serialize prints for the same object,
// so tokens stay byte-identical to the model-built ones. Each value is
// serialised as it is added into one scratch string shared with the nested
// writers, and members are only (name, range) pairs, so a claims set costs
// no allocation per member.
//
// Not thread-safe: one writer tree per call, on the calling thread. The
// names passed in must outlive the writer (literals, or the grants' own
// strings), and must be unique within one object.
#ifndef TOKEND_CORE_JOSE_CLAIMS_WRITER_H_
#define TOKEND_CORE_JOSE_CLAIMS_WRITER_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/container/inlined_vector.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "core/json/json.h"

namespace tokend {

class ClaimsWriter {
 public:
  // `scratch` holds the serialised values; it is appended to (never
  // cleared) and must outlive the writer. A per-thread string that the
  // caller clears before each token keeps the steady state allocation-free.
  explicit ClaimsWriter(std::string* scratch) : scratch_(scratch) {}

  ClaimsWriter(const ClaimsWriter&) = delete;
  ClaimsWriter& operator=(const ClaimsWriter&) = delete;

  void AddString(absl::string_view name, absl::string_view value);
  void AddBool(absl::string_view name, bool value);
  void AddInt(absl::string_view name, int64_t value);
  void AddValue(absl::string_view name, const json::Value& value);
  void AddObject(absl::string_view name, const json::Object& value);
  void AddStringArray(absl::string_view name,
                      absl::Span<const std::string> values);
  // Adds a nested object built with another writer over the same scratch.
  void AddWriter(absl::string_view name, const ClaimsWriter& object);

  bool empty() const { return members_.empty(); }

  // Appends the object ("{...}") to *out (which may be the scratch).
  void Finish(std::string* out) const;

 private:
  struct Member {
    absl::string_view name;
    size_t begin;  // the serialised value is scratch[begin, end)
    size_t end;
  };

  // Records the value appended to the scratch since `begin`.
  void Close(absl::string_view name, size_t begin) {
    members_.push_back(Member{name, begin, scratch_->size()});
  }
  // Members sorted by name; the order Finish writes.
  absl::InlinedVector<const Member*, 16> Sorted() const;

  std::string* scratch_;
  absl::InlinedVector<Member, 16> members_;
};

}  // namespace tokend

#endif  // TOKEND_CORE_JOSE_CLAIMS_WRITER_H_
