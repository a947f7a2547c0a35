#include "core/json/json.h"

#include <simdjson.h>

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "core/json/byte_scan.h"
#include "core/json/fast_scan.h"
#include "core/reason.h"

namespace tokend::json {
namespace {

namespace dom = simdjson::dom;

// Orders members by name in byte order (std::string compares as unsigned
// char), the order Serialize() prints them in.
bool NameLess(const Object::Member& m, absl::string_view name) {
  return absl::string_view(m.first) < name;
}

// The input copied into a buffer with SIMDJSON_PADDING readable bytes after
// it, reused by the thread so the hot path does not allocate.
class PaddedBuffer {
 public:
  const char* Fill(absl::string_view text) {
    const size_t needed = text.size() + simdjson::SIMDJSON_PADDING;
    if (needed > capacity_) {
      capacity_ = std::max(needed, size_t{16 * 1024});
      data_ = std::make_unique<char[]>(capacity_);
    }
    if (!text.empty()) std::memcpy(data_.get(), text.data(), text.size());
    return data_.get();
  }

 private:
  std::unique_ptr<char[]> data_;
  size_t capacity_ = 0;
};

absl::Status BadJson(absl::string_view detail) {
  return Error(Reason::kBadJson, detail);
}

absl::Status TooDeep() {
  return Error(Reason::kJsonTooDeep, "JSON nesting exceeds the depth limit");
}

// Shortest text that parses back to exactly `d` and to a double (never to
// an integer). Integral values below 2^53 print in full without an exponent
// (1700000000.0, not 1.7e+09) so NumericDates stay readable.
void AppendDouble(double d, std::string* out) {
  if (!std::isfinite(d)) {
    // JSON has no NaN or Infinity; ParseObject never yields them, so only a
    // caller-built Value can get here. "null" keeps the output valid JSON.
    out->append("null");
    return;
  }
  char buf[64];
  std::to_chars_result r;
  constexpr double kExactIntegers = 9007199254740992.0;  // 2^53
  if (d == std::trunc(d) && std::fabs(d) < kExactIntegers) {
    r = std::to_chars(buf, buf + sizeof(buf), d, std::chars_format::fixed);
  } else {
    r = std::to_chars(buf, buf + sizeof(buf), d);
  }
  out->append(buf, r.ptr);
  // Shortest form can be plain digits (e.g. 18446744073709552000), which
  // would read back as an integer or overflow one: mark it as a double.
  if (std::find_if(buf, r.ptr, [](char c) { return c == '.' || c == 'e'; }) ==
      r.ptr) {
    out->append(".0");
  }
}

void AppendInt(int64_t v, std::string* out) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, r.ptr);
}

// True for the bytes RFC 8259 §7 requires escaped: '"', '\\' and
// U+0000..U+001F.
constexpr bool NeedsEscape(unsigned char c) {
  return c < 0x20 || c == '"' || c == '\\';
}

void AppendObject(const Object& object, std::string* out) {
  out->push_back('{');
  bool first = true;
  for (const auto& [name, value] : object.members()) {
    if (!first) out->push_back(',');
    first = false;
    AppendQuoted(name, out);
    out->push_back(':');
    SerializeAppend(value, out);
  }
  out->push_back('}');
}

}  // namespace

// Builds the model from simdjson's DOM. A friend of Object, so each object's
// members are emplaced once, already in sorted order. The first error is
// kept in status_ and stops the walk; the partial result is discarded.
class Parser {
 private:
  struct Field {
    std::string_view name;
    dom::element value;
  };

  // Byte order, inlined: member names are short, so a loop beats a call to
  // memcmp.
  static bool FieldLess(const Field& a, const Field& b) {
    return internal::ByteLess(absl::string_view(a.name.data(), a.name.size()),
                              absl::string_view(b.name.data(), b.name.size()));
  }

 public:
  explicit Parser(size_t max_depth) : max_depth_(max_depth) {}

  const absl::Status& status() const { return status_; }

  // `depth` is the nesting of `in` itself (the root object is 1).
  void BuildObject(dom::object in, size_t depth, Object* out) {
    SortedFields fields(in);
    if (!CheckNames(fields)) return;
    auto& members = out->members_;
    members.reserve(fields.size());
    for (const Field& field : fields) {
      members.emplace_back(std::string(field.name), Build(field.value, depth));
      if (!status_.ok()) return;
    }
  }

  // The root object checked by every rule BuildObject applies, in the same
  // order (so the first error is the same), building only the members named
  // in `names`: found[i] receives the value of names[i].
  void ScanObject(dom::object in, absl::Span<const absl::string_view> names,
                  absl::Span<std::optional<Value>> found) {
    SortedFields fields(in);
    if (!CheckNames(fields)) return;
    for (const Field& field : fields) {
      const absl::string_view name(field.name.data(), field.name.size());
      size_t i = 0;
      while (i < names.size() && names[i] != name) ++i;
      if (i < names.size()) {
        found[i].emplace(Build(field.value, 1));
      } else {
        Check(field.value, 1);
      }
      if (!status_.ok()) return;
    }
  }

  // `parent_depth` is the nesting of the container holding `in`.
  Value Build(dom::element in, size_t parent_depth) {
    switch (in.type()) {
      case dom::element_type::OBJECT: {
        if (parent_depth + 1 > max_depth_) return Fail(TooDeep());
        Object object;
        BuildObject(dom::object(in), parent_depth + 1, &object);
        return Value(std::move(object));
      }
      case dom::element_type::ARRAY: {
        if (parent_depth + 1 > max_depth_) return Fail(TooDeep());
        dom::array in_array(in);
        Array array;
        array.reserve(in_array.size());
        for (dom::element child : in_array) {
          array.push_back(Build(child, parent_depth + 1));
          if (!status_.ok()) break;
        }
        return Value(std::move(array));
      }
      case dom::element_type::INT64:
        return Value(int64_t{in.get_int64().value_unsafe()});
      case dom::element_type::UINT64:
        // simdjson reports INT64 whenever the value fits, so this is above
        // INT64_MAX: keep it as the nearest double.
        return Value(static_cast<double>(in.get_uint64().value_unsafe()));
      case dom::element_type::DOUBLE:
        return Value(in.get_double().value_unsafe());
      case dom::element_type::STRING:
        return Value(std::string(in.get_string().value_unsafe()));
      case dom::element_type::BOOL:
        return Value(in.get_bool().value_unsafe());
      case dom::element_type::NULL_VALUE:
        return Value();
    }
    return Fail(BadJson("unexpected JSON value type"));
  }

 private:
  // An object's members as light (name, element) handles in byte order of
  // their names. Names are views into simdjson's string buffer, valid until
  // the next parse on this thread. Typical JOSE objects fit the inline array.
  class SortedFields {
   public:
    explicit SortedFields(dom::object in) {
      // size() is exact below simdjson's saturation point (2^24 - 1).
      if (in.size() > kInline) {
        heap_.reserve(in.size());
        for (dom::key_value_pair field : in) {
          heap_.push_back(Field{field.key, field.value});
        }
        fields_ = heap_.data();
        n_ = heap_.size();
      } else {
        for (dom::key_value_pair field : in) {
          inline_[n_++] = Field{field.key, field.value};
        }
      }
      // Tokens tokend issued are already sorted.
      if (!std::is_sorted(begin(), end(), FieldLess)) {
        std::sort(begin(), end(), FieldLess);
      }
    }
    SortedFields(const SortedFields&) = delete;
    SortedFields& operator=(const SortedFields&) = delete;

    const Field* begin() const { return fields_; }
    const Field* end() const { return fields_ + n_; }
    Field* begin() { return fields_; }
    Field* end() { return fields_ + n_; }
    size_t size() const { return n_; }

   private:
    static constexpr size_t kInline = 16;
    Field inline_[kInline];
    std::vector<Field> heap_;
    Field* fields_ = inline_;
    size_t n_ = 0;
  };

  // False (with status_ set) when two members share a name.
  bool CheckNames(const SortedFields& fields) {
    for (const Field* f = fields.begin() + 1; f < fields.end(); ++f) {
      if (f[-1].name == f->name) {
        Fail(Error(Reason::kDuplicateKey,
                   "a JSON object repeats a member name"));
        return false;
      }
    }
    return true;
  }

  // Build's checks (depth, and duplicate names at every level) without the
  // model.
  void Check(dom::element in, size_t parent_depth) {
    switch (in.type()) {
      case dom::element_type::OBJECT: {
        if (parent_depth + 1 > max_depth_) {
          Fail(TooDeep());
          return;
        }
        SortedFields fields{dom::object(in)};
        if (!CheckNames(fields)) return;
        for (const Field& field : fields) {
          Check(field.value, parent_depth + 1);
          if (!status_.ok()) return;
        }
        return;
      }
      case dom::element_type::ARRAY:
        if (parent_depth + 1 > max_depth_) {
          Fail(TooDeep());
          return;
        }
        for (dom::element child : dom::array(in)) {
          Check(child, parent_depth + 1);
          if (!status_.ok()) return;
        }
        return;
      default:
        return;
    }
  }

  Value Fail(absl::Status status) {
    if (status_.ok()) status_ = std::move(status);
    return Value();
  }

  const size_t max_depth_;
  absl::Status status_;
};

const Value* Object::Find(absl::string_view name) const {
  auto it = std::lower_bound(members_.begin(), members_.end(), name, NameLess);
  if (it == members_.end() || it->first != name) return nullptr;
  return &it->second;
}

void Object::Set(std::string name, Value value) {
  auto it = std::lower_bound(members_.begin(), members_.end(),
                             absl::string_view(name), NameLess);
  if (it != members_.end() && it->first == name) {
    it->second = std::move(value);
  } else {
    members_.emplace(it, std::move(name), std::move(value));
  }
}

bool Object::Erase(absl::string_view name) {
  auto it = std::lower_bound(members_.begin(), members_.end(), name, NameLess);
  if (it == members_.end() || it->first != name) return false;
  members_.erase(it);
  return true;
}

bool Object::operator==(const Object& other) const {
  return members_ == other.members_;
}

namespace {

// Inputs up to this size use the thread's reusable parser and buffer (JOSE
// headers, claims, JWK sets); larger ones (test vector files) get a parser of
// their own so a thread does not keep megabytes around afterwards.
constexpr size_t kReusableSize = 64 * 1024;

// Building the model recurses once per nesting level; this bound keeps the
// stack use small (well under 1 MiB even with sanitizers) whatever limit a
// caller asks for.
constexpr size_t kMaxSupportedDepth = 256;

// Parses `padded` (text.size() bytes followed by SIMDJSON_PADDING readable
// bytes) and applies the root rules; the depth limit is clamped in place.
absl::StatusOr<dom::object> ParseRoot(dom::parser& parser, const char* padded,
                                      size_t size, ParseLimits& limits) {
  limits.max_depth = std::min(limits.max_depth, kMaxSupportedDepth);
  // simdjson's own depth limit (1024 by default) is only a backstop: the
  // exact limit is enforced and reported by Parser.
  const size_t wanted_depth = limits.max_depth < 1 ? 1 : limits.max_depth + 1;
  if (parser.max_depth() < wanted_depth) {
    if (parser.allocate(std::max({parser.capacity(), size, size_t{4096}}),
                        wanted_depth) != simdjson::SUCCESS) {
      return Error(Reason::kResourceExhausted, "JSON parser allocation failed");
    }
  }
  dom::element root;
  simdjson::error_code err =
      parser.parse(padded, size, /*realloc_if_needed=*/false).get(root);
  if (err == simdjson::DEPTH_ERROR) return TooDeep();
  if (err != simdjson::SUCCESS) return BadJson("not a strict JSON text");
  if (root.type() != dom::element_type::OBJECT) {
    return BadJson("JSON root is not an object");
  }
  if (limits.max_depth < 1) return TooDeep();
  return dom::object(root);
}

absl::StatusOr<Object> ParseWith(dom::parser& parser, const char* padded,
                                 size_t size, ParseLimits limits) {
  absl::StatusOr<dom::object> root = ParseRoot(parser, padded, size, limits);
  if (!root.ok()) return root.status();
  // Built in place, so the result is never moved on the way out.
  absl::StatusOr<Object> result(absl::in_place);
  Parser builder(limits.max_depth);
  builder.BuildObject(*root, 1, &*result);
  if (!builder.status().ok()) return builder.status();
  return result;
}

absl::Status ScanWith(dom::parser& parser, const char* padded, size_t size,
                      ParseLimits limits,
                      absl::Span<const absl::string_view> names,
                      absl::Span<std::optional<Value>> found) {
  absl::StatusOr<dom::object> root = ParseRoot(parser, padded, size, limits);
  if (!root.ok()) return root.status();
  Parser scanner(limits.max_depth);
  scanner.ScanObject(*root, names, found);
  return scanner.status();
}

// The parser every small input on this thread goes through.
dom::parser& ThreadParser() {
  thread_local dom::parser parser;
  return parser;
}

}  // namespace

absl::StatusOr<Object> ParseObject(absl::string_view text,
                                   const ParseLimits& limits) {
  // Checked before touching the bytes: oversized input costs nothing.
  if (text.size() > limits.max_bytes) {
    return Error(Reason::kTokenTooLarge, "JSON text exceeds the size limit");
  }
  if (text.size() > kReusableSize) {
    PaddedBuffer buffer;
    dom::parser parser;
    return ParseWith(parser, buffer.Fill(text), text.size(), limits);
  }
  thread_local PaddedBuffer buffer;
  return ParseWith(ThreadParser(), buffer.Fill(text), text.size(), limits);
}

namespace {

using internal::EscapeFlags;
using internal::kEveryByte;
using internal::kHigh;
using internal::LoadWord;

// Four bytes, in the low half of the result, in LoadWord's order.
uint64_t LoadHalfWord(const char* p) {
  uint32_t w;
  std::memcpy(&w, p, sizeof(w));
  if constexpr (std::endian::native == std::endian::big) {
    w = __builtin_bswap32(w);
  }
  return w;
}

// EscapeFlags agrees with NeedsEscape for every byte value in every lane,
// whatever the other lanes hold.
constexpr bool EscapeFlagsMatchNeedsEscape() {
  for (const unsigned filler : {0x00u, 0x1fu, 0x20u, 0x22u, 0x5cu, 0xffu}) {
    for (unsigned b = 0; b < 256; ++b) {
      for (unsigned lane = 0; lane < 8; ++lane) {
        const uint64_t w =
            (kEveryByte * filler & ~(uint64_t{0xff} << 8 * lane)) |
            (uint64_t{b} << 8 * lane);
        uint64_t expected = NeedsEscape(filler) ? kHigh : 0;
        expected &= ~(uint64_t{0x80} << 8 * lane);
        if (NeedsEscape(b)) expected |= uint64_t{0x80} << 8 * lane;
        if (EscapeFlags(w) != expected) return false;
      }
    }
  }
  return true;
}
static_assert(EscapeFlagsMatchNeedsEscape());

// The index of the first byte at or after `from` that needs escaping, or
// s.size().
size_t NextEscape(absl::string_view s, size_t from) {
  const char* p = s.data();
  const size_t n = s.size();
  size_t i = from;
  for (; i + 8 <= n; i += 8) {
    const uint64_t flags = EscapeFlags(LoadWord(p + i));
    if (flags != 0) return i + std::countr_zero(flags) / 8;
  }
  if (i == n) return n;
  if (n >= 8) {
    // The last eight bytes, ignoring the ones before `i` (already scanned,
    // and possibly escapes).
    const size_t base = n - 8;
    const uint64_t flags =
        EscapeFlags(LoadWord(p + base)) & (~uint64_t{0} << (8 * (i - base)));
    return flags == 0 ? n : base + std::countr_zero(flags) / 8;
  }
  // A string shorter than a word. From 4 bytes on, two overlapping 4-byte
  // loads cover [i, n): lanes 0-3 are bytes i..i+3, lanes 4-7 are n-4..n-1.
  if (n - i >= 4) {
    const uint64_t flags =
        EscapeFlags(LoadHalfWord(p + i) | LoadHalfWord(p + n - 4) << 32);
    if (flags == 0) return n;
    const size_t lane = std::countr_zero(flags) / 8;
    return lane < 4 ? i + lane : n - 8 + lane;
  }
  for (; i < n; ++i) {
    if (NeedsEscape(static_cast<unsigned char>(p[i]))) return i;
  }
  return n;
}

}  // namespace

// Escapes only what RFC 8259 §7 requires. Other bytes, including UTF-8
// sequences, are copied as they are; an unescaped run is appended at once.
void AppendQuoted(absl::string_view s, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  size_t run = 0;  // start of the pending unescaped run
  for (size_t i = NextEscape(s, 0); i < s.size(); i = NextEscape(s, i + 1)) {
    const auto c = static_cast<unsigned char>(s[i]);
    out->append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default: {
        const char esc[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xf]};
        out->append(esc, sizeof(esc));
      }
    }
  }
  out->append(s.data() + run, s.size() - run);
  out->push_back('"');
}

absl::StatusOr<Object> ParsePaddedObject(absl::string_view text,
                                         const ParseLimits& limits) {
  static_assert(kParsePadding >= simdjson::SIMDJSON_PADDING);
  if (text.size() > limits.max_bytes) {
    return Error(Reason::kTokenTooLarge, "JSON text exceeds the size limit");
  }
  if (text.size() > kReusableSize) return ParseObject(text, limits);
  return ParseWith(ThreadParser(), text.data(), text.size(), limits);
}

absl::Status ScanPaddedObject(absl::string_view text, const ParseLimits& limits,
                              absl::Span<const absl::string_view> names,
                              absl::Span<std::optional<Value>> found) {
  static_assert(kParsePadding >= simdjson::SIMDJSON_PADDING);
  if (names.size() != found.size()) {
    return Error(Reason::kInternal, "ScanPaddedObject: names and found differ");
  }
  for (std::optional<Value>& value : found) value.reset();
  if (text.size() > limits.max_bytes) {
    return Error(Reason::kTokenTooLarge, "JSON text exceeds the size limit");
  }
  // The common shapes pass in one pass without simdjson; the rest (and
  // every invalid text) get the full parser, which gives the exact reason.
  if (internal::FastScanObject(
          text, std::min(limits.max_depth, kMaxSupportedDepth), names, found)) {
    return absl::OkStatus();
  }
  for (std::optional<Value>& value : found) value.reset();
  absl::Status status;
  if (text.size() > kReusableSize) {
    PaddedBuffer buffer;
    dom::parser parser;
    status =
        ScanWith(parser, buffer.Fill(text), text.size(), limits, names, found);
  } else {
    status = ScanWith(ThreadParser(), text.data(), text.size(), limits, names,
                      found);
  }
  // All or nothing: a rejected text yields no members.
  if (!status.ok()) {
    for (std::optional<Value>& value : found) value.reset();
  }
  return status;
}

void SerializeAppend(const Value& value, std::string* out) {
  switch (value.type()) {
    case Value::Type::kNull:
      out->append("null");
      return;
    case Value::Type::kBool:
      out->append(value.as_bool() ? "true" : "false");
      return;
    case Value::Type::kInt:
      AppendInt(value.as_int(), out);
      return;
    case Value::Type::kDouble:
      AppendDouble(value.as_double(), out);
      return;
    case Value::Type::kString:
      AppendQuoted(value.as_string(), out);
      return;
    case Value::Type::kArray: {
      out->push_back('[');
      bool first = true;
      for (const Value& v : value.as_array()) {
        if (!first) out->push_back(',');
        first = false;
        SerializeAppend(v, out);
      }
      out->push_back(']');
      return;
    }
    case Value::Type::kObject:
      AppendObject(value.as_object(), out);
      return;
  }
}

std::string Serialize(const Value& value) {
  std::string out;
  SerializeAppend(value, &out);
  return out;
}

std::string Serialize(const Object& object) {
  std::string out;
  AppendObject(object, &out);
  return out;
}

}  // namespace tokend::json
