#include "core/json/fast_scan.h"

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>

#include "core/json/byte_scan.h"

namespace tokend::json::internal {
namespace {

// Integers of up to 18 digits fit int64 whatever they are; longer ones are
// left to the full parser, whose typing (int64, uint64 as double) rules.
constexpr size_t kMaxIntDigits = 18;
// Member names held at once across the open objects; more goes to the full
// parser.
constexpr size_t kMaxKeys = 128;
// Objects whose names are not already in byte order are checked for repeats
// pairwise up to this size; larger ones go to the full parser.
constexpr size_t kMaxPairwise = 16;

// The high bit of each byte of `w` that a string's plain run stops at: one
// JSON requires escaped, or a non-ASCII one (>= 0x80), whose UTF-8 is
// checked byte by byte.
inline uint64_t SpecialBytes(uint64_t w) {
  return EscapeFlags(w) | (w & kHigh);
}

inline bool IsWhitespace(char c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }

inline bool IsContinuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// One pass over a text. Each Scan* method starts at the first byte of its
// value and returns false to give up (invalid, or outside the subset).
class Scanner {
 public:
  Scanner(absl::string_view text, size_t max_depth,
          absl::Span<const absl::string_view> names)
      : p_(text.data()),
        end_(text.data() + text.size()),
        max_depth_(max_depth) {
    for (absl::string_view name : names) {
      if (name.size() < 64) {
        wanted_sizes_ |= uint64_t{1} << name.size();
      } else {
        wanted_sizes_ = ~uint64_t{0};
      }
    }
  }

  bool ScanRoot(absl::Span<const absl::string_view> names,
                absl::Span<std::optional<Value>> found) {
    SkipWhitespace();
    if (p_ == end_ || *p_ != '{') return false;
    if (!ScanObject(1, names, found)) return false;
    SkipWhitespace();
    return p_ == end_;
  }

 private:
  void SkipWhitespace() {
    while (p_ != end_ && IsWhitespace(*p_)) ++p_;
  }

  // The next byte that is not whitespace, with p_ left on it, or '\0' at
  // the end of the text (a NUL inside it is invalid wherever this is asked,
  // so the two never need telling apart). Compact JSON has no whitespace,
  // so one comparison usually settles it.
  char Next() {
    if (p_ != end_ && static_cast<unsigned char>(*p_) > ' ') return *p_;
    SkipWhitespace();
    return p_ == end_ ? '\0' : *p_;
  }

  // `depth` is the nesting of this object (the root is 1). Root members
  // named in `names` are built into `found`.
  bool ScanObject(size_t depth, absl::Span<const absl::string_view> names,
                  absl::Span<std::optional<Value>> found) {
    if (depth > max_depth_) return false;
    ++p_;  // '{'
    const size_t first_key = key_count_;
    if (Next() == '}') {
      ++p_;
      return true;
    }
    for (;;) {
      if (Next() != '"') return false;
      ++p_;
      absl::string_view name;
      bool escaped = false;
      // Escaped names would have to be decoded to compare them.
      if (!ScanString(&name, &escaped) || escaped) return false;
      if (key_count_ == kMaxKeys) return false;
      keys_[key_count_++] = Name{name.data(), name.size()};
      if (Next() != ':') return false;
      ++p_;
      const char first = Next();
      if (first == '\0') return false;
      std::optional<Value>* out = nullptr;
      if (MayBeWanted(name)) {
        for (size_t i = 0; i < names.size(); ++i) {
          if (SameBytes(names[i], name)) {
            out = &found[i];
            break;
          }
        }
      }
      if (!ScanValue(first, depth, out)) return false;
      const char after = Next();
      if (after == ',') {
        ++p_;
        continue;
      }
      if (after != '}') return false;
      ++p_;
      break;
    }
    const bool unique = NamesUnique(first_key, key_count_);
    key_count_ = first_key;
    return unique;
  }

  bool ScanArray(size_t depth, std::optional<Value>* out) {
    if (depth > max_depth_) return false;
    ++p_;  // '['
    Array* array = nullptr;
    if (out != nullptr) array = &out->emplace(Array()).mutable_array();
    if (Next() == ']') {
      ++p_;
      return true;
    }
    for (;;) {
      const char first = Next();
      if (first == '\0') return false;
      if (array != nullptr) {
        std::optional<Value> item;
        if (!ScanValue(first, depth, &item)) return false;
        array->push_back(*std::move(item));
      } else if (!ScanValue(first, depth, nullptr)) {
        return false;
      }
      const char after = Next();
      if (after == ',') {
        ++p_;
        continue;
      }
      if (after != ']') return false;
      ++p_;
      return true;
    }
  }

  // A value inside a container of nesting `depth`; built into *out when
  // `out` is set. p_ is at its first byte, `first`.
  bool ScanValue(char first, size_t depth, std::optional<Value>* out) {
    switch (first) {
      case '{':
        // A built object member is rare (no registered claim is one).
        if (out != nullptr) return false;
        return ScanObject(depth + 1, {}, {});
      case '[':
        return ScanArray(depth + 1, out);
      case '"': {
        ++p_;
        absl::string_view raw;
        bool escaped = false;
        if (!ScanString(&raw, &escaped)) return false;
        if (out != nullptr) {
          out->emplace(escaped ? Unescape(raw) : std::string(raw));
        }
        return true;
      }
      case 't':
        return ScanLiteral("true", out, Value(true));
      case 'f':
        return ScanLiteral("false", out, Value(false));
      case 'n':
        return ScanLiteral("null", out, Value());
      default:
        return ScanNumber(out);
    }
  }

  bool ScanLiteral(absl::string_view literal, std::optional<Value>* out,
                   Value value) {
    if (static_cast<size_t>(end_ - p_) < literal.size() ||
        std::memcmp(p_, literal.data(), literal.size()) != 0) {
      return false;
    }
    p_ += literal.size();
    if (out != nullptr) out->emplace(std::move(value));
    return true;
  }

  // RFC 8259 §6 without an exponent (whose range rules are the full
  // parser's); only non-negative integers are built.
  bool ScanNumber(std::optional<Value>* out) {
    const bool negative = *p_ == '-';
    if (negative) ++p_;
    const char* digits = p_;
    if (p_ == end_) return false;
    // Accumulated while scanning; wraps harmlessly past 18 digits, where it
    // is not used.
    uint64_t magnitude = 0;
    if (*p_ == '0') {
      ++p_;
    } else if (*p_ >= '1' && *p_ <= '9') {
      while (p_ != end_ && IsDigit(*p_)) {
        magnitude = magnitude * 10 + static_cast<uint64_t>(*p_ - '0');
        ++p_;
      }
    } else {
      return false;
    }
    const size_t int_digits = static_cast<size_t>(p_ - digits);
    if (int_digits > kMaxIntDigits) return false;
    bool fraction = false;
    if (p_ != end_ && *p_ == '.') {
      ++p_;
      if (p_ == end_ || !IsDigit(*p_)) return false;
      while (p_ != end_ && IsDigit(*p_)) ++p_;
      fraction = true;
    }
    if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) return false;
    if (out != nullptr) {
      if (negative || fraction) return false;
      out->emplace(Value(static_cast<int64_t>(magnitude)));
    }
    return true;
  }

  // p_ is just past the opening quote. On success p_ is past the closing
  // one and *raw holds the bytes between them; *escaped says whether they
  // hold a (short-form) escape.
  // Inlined into its two callers: a call per string cost about a tenth of
  // the scan.
  [[gnu::always_inline]] bool ScanString(absl::string_view* raw,
                                         bool* escaped) {
    const char* start = p_;
    for (;;) {
      // Eight bytes at a time; a word may reach into the padding, so a stop
      // found there means the text ended inside the string.
      uint64_t special = 0;
      for (;;) {
        if (p_ >= end_) return false;
        special = SpecialBytes(LoadWord(p_));
        if (special != 0) break;
        p_ += 8;
      }
      p_ += std::countr_zero(special) / 8;
      if (p_ >= end_) return false;
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        *raw = absl::string_view(start, static_cast<size_t>(p_ - start));
        ++p_;
        return true;
      }
      if (c == '\\') {
        if (end_ - p_ < 2) return false;
        switch (p_[1]) {
          case '"':
          case '\\':
          case '/':
          case 'b':
          case 'f':
          case 'n':
          case 'r':
          case 't':
            *escaped = true;
            p_ += 2;
            continue;
          default:
            // \u escapes (and surrogate pairing) are the full parser's.
            return false;
        }
      }
      if (c >= 0x80) {
        if (!SkipUtf8Sequence()) return false;
        continue;
      }
      return false;  // a control byte
    }
  }

  // One well-formed UTF-8 sequence (RFC 3629: no overlong forms, no
  // surrogates, nothing above U+10FFFF) starting at the lead byte p_.
  [[gnu::noinline]] bool SkipUtf8Sequence() {
    const auto* s = reinterpret_cast<const unsigned char*>(p_);
    const size_t left = static_cast<size_t>(end_ - p_);
    const unsigned char lead = s[0];
    size_t length = 0;
    unsigned char second_min = 0x80;
    unsigned char second_max = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      if (lead == 0xE0) second_min = 0xA0;  // overlong
      if (lead == 0xED) second_max = 0x9F;  // surrogates
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      if (lead == 0xF0) second_min = 0x90;  // overlong
      if (lead == 0xF4) second_max = 0x8F;  // above U+10FFFF
    } else {
      return false;
    }
    if (left < length) return false;
    if (s[1] < second_min || s[1] > second_max) return false;
    for (size_t i = 2; i < length; ++i) {
      if (!IsContinuation(s[i])) return false;
    }
    p_ += length;
    return true;
  }

  // `raw` holds only the short escapes ScanString lets through.
  static std::string Unescape(absl::string_view raw) {
    std::string out;
    out.reserve(raw.size());
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] != '\\') {
        out.push_back(raw[i]);
        continue;
      }
      switch (raw[++i]) {
        case 'b':
          out.push_back('\b');
          break;
        case 'f':
          out.push_back('\f');
          break;
        case 'n':
          out.push_back('\n');
          break;
        case 'r':
          out.push_back('\r');
          break;
        case 't':
          out.push_back('\t');
          break;
        default:
          out.push_back(raw[i]);
          break;  // '"', '\\', '/'
      }
    }
    return out;
  }

  // Whether keys_[first, last) holds no name twice. Tokens tokend issues
  // have their names in byte order, which one pass confirms.
  bool NamesUnique(size_t first, size_t last) const {
    bool sorted = true;
    for (size_t i = first + 1; i < last; ++i) {
      if (!ByteLess(keys_[i - 1].view(), keys_[i].view())) {
        sorted = false;
        break;
      }
    }
    if (sorted) return true;
    if (last - first > kMaxPairwise) return false;
    for (size_t i = first; i < last; ++i) {
      for (size_t j = i + 1; j < last; ++j) {
        if (SameBytes(keys_[i].view(), keys_[j].view())) return false;
      }
    }
    return true;
  }

  // Whether a member name could be among those to build: most names are
  // ruled out by their length alone.
  bool MayBeWanted(absl::string_view name) const {
    return name.size() >= 64 || (wanted_sizes_ >> name.size() & 1) != 0;
  }

  // Trivial, so the array below is not initialised on every scan.
  struct Name {
    const char* data;
    size_t size;
    absl::string_view view() const { return absl::string_view(data, size); }
  };

  const char* p_;
  const char* const end_;
  const size_t max_depth_;
  // Bit n set when a wanted name is n bytes long (all bits for 64 and up).
  uint64_t wanted_sizes_ = 0;
  // The names of the open objects' members, innermost last.
  Name keys_[kMaxKeys];
  size_t key_count_ = 0;
};

}  // namespace

bool FastScanObject(absl::string_view text, size_t max_depth,
                    absl::Span<const absl::string_view> names,
                    absl::Span<std::optional<Value>> found) {
  if (max_depth < 1 || names.size() != found.size()) return false;
  Scanner scanner(text, max_depth, names);
  return scanner.ScanRoot(names, found);
}

}  // namespace tokend::json::internal
