// A strict JSON value model for JOSE headers, JWT claims and JWKs.
//
// Parsing is RFC 8259 as profiled by I-JSON (RFC 7493): the root must be an
// object; duplicate member names, invalid UTF-8, lone surrogates, trailing
// data, comments, trailing commas, NaN/Infinity and a BOM are all refused.
// The size limit is checked before any parsing, and nesting is capped.
// simdjson does the validation and tokenising; this layer adds the
// duplicate-key, depth and root rules and builds the immutable model.
//
// Serialisation is deterministic: object members are kept sorted by name
// (byte order), numbers print in their shortest exact form, and strings
// escape only what RFC 8259 requires (plus U+007F and '/', never).
#ifndef TOKEND_CORE_JSON_JSON_H_
#define TOKEND_CORE_JSON_JSON_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace tokend::json {

class Value;

// Members sorted by name, names unique. Build with Set(); lookups are binary
// searches.
class Object {
 public:
  using Member = std::pair<std::string, Value>;

  Object() = default;
  const Value* Find(absl::string_view name) const;
  // Inserts or replaces.
  void Set(std::string name, Value value);
  bool Erase(absl::string_view name);
  const std::vector<Member>& members() const { return members_; }
  // Defined below Value: clang instantiates the vector's size() here, where
  // Value is still incomplete.
  size_t size() const;
  bool empty() const;
  bool operator==(const Object& other) const;

 private:
  friend class Parser;
  std::vector<Member> members_;
};

using Array = std::vector<Value>;

class Value {
 public:
  enum class Type { kNull, kBool, kInt, kDouble, kString, kArray, kObject };

  Value() : v_(std::monostate{}) {}
  Value(std::nullptr_t) : v_(std::monostate{}) {}
  Value(bool b) : v_(b) {}
  Value(int v) : v_(static_cast<int64_t>(v)) {}
  Value(int64_t v) : v_(v) {}
  Value(double v) : v_(v) {}
  Value(const char* s) : v_(std::string(s)) {}
  Value(std::string s) : v_(std::move(s)) {}
  Value(absl::string_view s) : v_(std::string(s)) {}
  Value(Array a) : v_(std::move(a)) {}
  Value(Object o) : v_(std::move(o)) {}

  Type type() const { return static_cast<Type>(v_.index()); }
  bool is_null() const { return type() == Type::kNull; }
  bool is_bool() const { return type() == Type::kBool; }
  bool is_int() const { return type() == Type::kInt; }
  bool is_double() const { return type() == Type::kDouble; }
  bool is_number() const { return is_int() || is_double(); }
  bool is_string() const { return type() == Type::kString; }
  bool is_array() const { return type() == Type::kArray; }
  bool is_object() const { return type() == Type::kObject; }

  // Accessors require the matching type (checked with assert in debug).
  bool as_bool() const { return std::get<bool>(v_); }
  int64_t as_int() const { return std::get<int64_t>(v_); }
  double as_double() const { return std::get<double>(v_); }
  const std::string& as_string() const { return std::get<std::string>(v_); }
  const Array& as_array() const { return std::get<Array>(v_); }
  const Object& as_object() const { return std::get<Object>(v_); }
  std::string& mutable_string() { return std::get<std::string>(v_); }
  Array& mutable_array() { return std::get<Array>(v_); }
  Object& mutable_object() { return std::get<Object>(v_); }

  bool operator==(const Value& other) const { return v_ == other.v_; }

 private:
  std::variant<std::monostate, bool, int64_t, double, std::string, Array,
               Object>
      v_;
};

inline size_t Object::size() const { return members_.size(); }
inline bool Object::empty() const { return members_.empty(); }

struct ParseLimits {
  size_t max_bytes = 8 * 1024;
  size_t max_depth = 32;  // the root object is depth 1; at most 256 applies
};

// Parses a JSON text whose root must be an object. Errors carry
// Reason::kBadJson, kJsonTooDeep, kDuplicateKey or kTokenTooLarge.
// Integers that fit int64 become kInt; other numbers become kDouble.
absl::StatusOr<Object> ParseObject(absl::string_view text,
                                   const ParseLimits& limits = {});

// Deterministic compact serialisation (no whitespace). Doubles always read
// back as doubles: integral ones below 2^53 print as "1700000000.0", others
// in their shortest round-trip form. NaN and infinities (which ParseObject
// never yields) print as null. Strings are written as they are apart from
// the RFC 8259 escapes, so they must hold UTF-8.
std::string Serialize(const Value& value);
std::string Serialize(const Object& object);
void SerializeAppend(const Value& value, std::string* out);
// Appends `s` as a JSON string literal with Serialize's escaping, for callers
// that write a document directly (the JWT issue path).
void AppendQuoted(absl::string_view s, std::string* out);

// ParseObject without its copy: text.data()[text.size()] onwards must have
// kParsePadding readable bytes (their values do not matter).
inline constexpr size_t kParsePadding = 64;
absl::StatusOr<Object> ParsePaddedObject(absl::string_view text,
                                         const ParseLimits& limits = {});

// ParsePaddedObject's checks, every one of them with the same errors, but
// only the root members named in `names` are built: found[i] receives the
// value of names[i] and stays empty when the root has no such member (all
// stay empty on an error). For callers that need a few members now and the
// rest perhaps never (JWT verification reads the registered claims); the
// cost of the rest is validation alone, no allocation.
absl::Status ScanPaddedObject(absl::string_view text, const ParseLimits& limits,
                              absl::Span<const absl::string_view> names,
                              absl::Span<std::optional<Value>> found);

}  // namespace tokend::json

#endif  // TOKEND_CORE_JSON_JSON_H_
