#include "core/jose/claims_writer.h"

#include <algorithm>
#include <charconv>

namespace tokend {

void ClaimsWriter::AddString(absl::string_view name, absl::string_view value) {
  const size_t begin = scratch_->size();
  json::AppendQuoted(value, scratch_);
  Close(name, begin);
}

void ClaimsWriter::AddBool(absl::string_view name, bool value) {
  const size_t begin = scratch_->size();
  scratch_->append(value ? "true" : "false");
  Close(name, begin);
}

void ClaimsWriter::AddInt(absl::string_view name, int64_t value) {
  const size_t begin = scratch_->size();
  char buf[24];
  const std::to_chars_result r = std::to_chars(buf, buf + sizeof(buf), value);
  scratch_->append(buf, r.ptr);
  Close(name, begin);
}

void ClaimsWriter::AddValue(absl::string_view name, const json::Value& value) {
  const size_t begin = scratch_->size();
  json::SerializeAppend(value, scratch_);
  Close(name, begin);
}

void ClaimsWriter::AddObject(absl::string_view name,
                             const json::Object& value) {
  const size_t begin = scratch_->size();
  // The object's members are already sorted: json::Serialize's own order.
  scratch_->push_back('{');
  bool first = true;
  for (const json::Object::Member& member : value.members()) {
    if (!first) scratch_->push_back(',');
    first = false;
    json::AppendQuoted(member.first, scratch_);
    scratch_->push_back(':');
    json::SerializeAppend(member.second, scratch_);
  }
  scratch_->push_back('}');
  Close(name, begin);
}

void ClaimsWriter::AddStringArray(absl::string_view name,
                                  absl::Span<const std::string> values) {
  const size_t begin = scratch_->size();
  scratch_->push_back('[');
  for (size_t i = 0; i < values.size(); ++i) {
    if (i != 0) scratch_->push_back(',');
    json::AppendQuoted(values[i], scratch_);
  }
  scratch_->push_back(']');
  Close(name, begin);
}

void ClaimsWriter::AddWriter(absl::string_view name,
                             const ClaimsWriter& object) {
  const size_t begin = scratch_->size();
  object.Finish(scratch_);
  Close(name, begin);
}

absl::InlinedVector<const ClaimsWriter::Member*, 16> ClaimsWriter::Sorted()
    const {
  absl::InlinedVector<const Member*, 16> sorted;
  sorted.reserve(members_.size());
  for (const Member& member : members_) sorted.push_back(&member);
  // string_view compares bytes as unsigned char, as json::Object sorts.
  std::sort(sorted.begin(), sorted.end(),
            [](const Member* a, const Member* b) { return a->name < b->name; });
  return sorted;
}

void ClaimsWriter::Finish(std::string* out) const {
  // Reserved up front so that *out does not move while values are copied
  // out of the scratch, which *out may be. A name escapes to at most six
  // bytes per byte.
  size_t needed = 2;
  for (const Member& member : members_) {
    needed += member.name.size() * 6 + 4 + (member.end - member.begin);
  }
  out->reserve(out->size() + needed);
  out->push_back('{');
  bool first = true;
  for (const Member* member : Sorted()) {
    if (!first) out->push_back(',');
    first = false;
    json::AppendQuoted(member->name, out);
    out->push_back(':');
    out->append(scratch_->data() + member->begin, member->end - member->begin);
  }
  out->push_back('}');
}

}  // namespace tokend
