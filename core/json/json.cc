#include "core/json/json.h"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>

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

// Escapes only what RFC 8259 §7 requires: '"', '\\' and U+0000..U+001F.
// Other bytes, including UTF-8 sequences, are copied as they are.
void AppendString(absl::string_view s, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  size_t run = 0;  // start of the pending unescaped run
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out->append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\b': out->append("\\b"); break;
      case '\f': out->append("\\f"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      default: {
        const char esc[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xf]};
        out->append(esc, sizeof(esc));
      }
    }
  }
  out->append(s.data() + run, s.size() - run);
  out->push_back('"');
}

void AppendObject(const Object& object, std::string* out) {
  out->push_back('{');
  bool first = true;
  for (const auto& [name, value] : object.members()) {
    if (!first) out->push_back(',');
    first = false;
    AppendString(name, out);
    out->push_back(':');
    SerializeAppend(value, out);
  }
  out->push_back('}');
}

}  // namespace

// Builds the model from simdjson's DOM. A friend of Object, so members are
// appended in document order and sorted once per object.
class Parser {
 public:
  explicit Parser(size_t max_depth) : max_depth_(max_depth) {}

  // `depth` is the nesting of `in` itself (the root object is 1).
  absl::Status BuildObject(dom::object in, size_t depth, Object* out) {
    auto& members = out->members_;
    members.reserve(in.size());
    for (dom::key_value_pair field : in) {
      members.emplace_back(std::string(field.key), Value());
      absl::Status s = BuildValue(field.value, depth, &members.back().second);
      if (!s.ok()) return s;
    }
    std::sort(members.begin(), members.end(),
              [](const Object::Member& a, const Object::Member& b) {
                return a.first < b.first;
              });
    auto dup = std::adjacent_find(
        members.begin(), members.end(),
        [](const Object::Member& a, const Object::Member& b) {
          return a.first == b.first;
        });
    if (dup != members.end()) {
      return Error(Reason::kDuplicateKey, "a JSON object repeats a member name");
    }
    return absl::OkStatus();
  }

  // `parent_depth` is the nesting of the container holding `in`.
  absl::Status BuildValue(dom::element in, size_t parent_depth, Value* out) {
    switch (in.type()) {
      case dom::element_type::OBJECT: {
        if (parent_depth + 1 > max_depth_) return TooDeep();
        Object object;
        absl::Status s =
            BuildObject(dom::object(in), parent_depth + 1, &object);
        if (!s.ok()) return s;
        *out = Value(std::move(object));
        return absl::OkStatus();
      }
      case dom::element_type::ARRAY: {
        if (parent_depth + 1 > max_depth_) return TooDeep();
        dom::array in_array(in);
        Array array;
        array.reserve(in_array.size());
        for (dom::element child : in_array) {
          array.emplace_back();
          absl::Status s = BuildValue(child, parent_depth + 1, &array.back());
          if (!s.ok()) return s;
        }
        *out = Value(std::move(array));
        return absl::OkStatus();
      }
      case dom::element_type::INT64:
        *out = Value(int64_t{in.get_int64().value_unsafe()});
        return absl::OkStatus();
      case dom::element_type::UINT64:
        // simdjson reports INT64 whenever the value fits, so this is above
        // INT64_MAX: keep it as the nearest double.
        *out = Value(static_cast<double>(in.get_uint64().value_unsafe()));
        return absl::OkStatus();
      case dom::element_type::DOUBLE:
        *out = Value(in.get_double().value_unsafe());
        return absl::OkStatus();
      case dom::element_type::STRING: {
        std::string_view s = in.get_string().value_unsafe();
        *out = Value(std::string(s));
        return absl::OkStatus();
      }
      case dom::element_type::BOOL:
        *out = Value(in.get_bool().value_unsafe());
        return absl::OkStatus();
      case dom::element_type::NULL_VALUE:
        *out = Value();
        return absl::OkStatus();
    }
    return BadJson("unexpected JSON value type");
  }

 private:
  const size_t max_depth_;
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

absl::StatusOr<Object> ParseObject(absl::string_view text,
                                   const ParseLimits& limits) {
  // Checked before touching the bytes: oversized input costs nothing.
  if (text.size() > limits.max_bytes) {
    return Error(Reason::kTokenTooLarge, "JSON text exceeds the size limit");
  }
  thread_local PaddedBuffer buffer;
  thread_local dom::parser parser;

  // simdjson's own depth limit (1024 by default, grown here for callers
  // asking for more) is only a backstop: the exact limit is enforced and
  // reported by Parser below. It only ever grows, so alternating limits do
  // not reallocate.
  const size_t wanted_depth = limits.max_depth < 1 ? 1 : limits.max_depth + 1;
  if (parser.max_depth() < wanted_depth) {
    if (parser.allocate(std::max({parser.capacity(), text.size(),
                                  size_t{4096}}),
                        wanted_depth) != simdjson::SUCCESS) {
      return Error(Reason::kResourceExhausted, "JSON parser allocation failed");
    }
  }

  const char* padded = buffer.Fill(text);
  dom::element root;
  simdjson::error_code err =
      parser.parse(padded, text.size(), /*realloc_if_needed=*/false).get(root);
  if (err == simdjson::DEPTH_ERROR) return TooDeep();
  if (err != simdjson::SUCCESS) return BadJson("not a strict JSON text");
  if (root.type() != dom::element_type::OBJECT) {
    return BadJson("JSON root is not an object");
  }
  if (limits.max_depth < 1) return TooDeep();
  Object object;
  Parser builder(limits.max_depth);
  absl::Status s = builder.BuildObject(dom::object(root), 1, &object);
  if (!s.ok()) return s;
  return object;
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
      AppendString(value.as_string(), out);
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
