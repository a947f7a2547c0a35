#include "core/jose/base64url.h"

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>

#if defined(__x86_64__)
#include <immintrin.h>
#define TOKEND_BASE64_AVX2 1
#endif

#include "core/reason.h"

namespace tokend {
namespace {

constexpr char kUrlAlphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr char kStdAlphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Decoding uses four tables per alphabet, one per position in a 4-character
// quantum, holding the 6-bit value already shifted into place; OR-ing the
// four lookups yields the 24-bit group. A byte outside the alphabet maps to
// kInvalid, a bit no valid entry uses, so the decoder ORs every group into
// one accumulator and tests it once per call instead of branching per byte.
constexpr uint32_t kInvalid = 0x80000000u;

struct DecodeTables {
  uint32_t shifted[4][256];
};

constexpr DecodeTables MakeDecodeTables(const char* alphabet) {
  DecodeTables t{};
  for (int pos = 0; pos < 4; ++pos) {
    for (int b = 0; b < 256; ++b) t.shifted[pos][b] = kInvalid;
    for (uint32_t i = 0; i < 64; ++i) {
      t.shifted[pos][static_cast<uint8_t>(alphabet[i])] = i << (18 - 6 * pos);
    }
  }
  return t;
}

constexpr DecodeTables kUrlDecode = MakeDecodeTables(kUrlAlphabet);
constexpr DecodeTables kStdDecode = MakeDecodeTables(kStdAlphabet);

inline uint32_t Group(const DecodeTables& t, const uint8_t* src) {
  return t.shifted[0][src[0]] | t.shifted[1][src[1]] | t.shifted[2][src[2]] |
         t.shifted[3][src[3]];
}

// Two output characters per 12 input bits, so a 3-byte group encodes with
// two lookups.
struct PairTable {
  char pairs[4096][2];
};

constexpr PairTable MakePairTable(const char* alphabet) {
  PairTable t{};
  for (int v = 0; v < 4096; ++v) {
    t.pairs[v][0] = alphabet[v >> 6];
    t.pairs[v][1] = alphabet[v & 0x3f];
  }
  return t;
}

constexpr PairTable kUrlPairs = MakePairTable(kUrlAlphabet);
constexpr PairTable kStdPairs = MakePairTable(kStdAlphabet);

// Appends the unpadded encoding of `data`; `pad` adds '=' to a multiple of 4.
void EncodeAppend(absl::string_view data, const char* alphabet, bool pad,
                  std::string* out) {
  const size_t full = data.size() / 3;
  const size_t rest = data.size() % 3;
  size_t encoded = full * 4;
  if (rest != 0) encoded += pad ? 4 : rest + 1;
  const size_t start = out->size();
  out->resize(start + encoded);
  char* dst = out->data() + start;
  const auto* src = reinterpret_cast<const uint8_t*>(data.data());
  const PairTable& t = alphabet == kUrlAlphabet ? kUrlPairs : kStdPairs;
  // Two groups (6 bytes, 8 characters) per step from one 8-byte load, while
  // those 8 bytes are all inside `data`.
  size_t i = 0;
  for (; i + 2 < full || (i + 2 == full && rest == 2); i += 2) {
    uint64_t w;
    std::memcpy(&w, src, sizeof(w));
    if constexpr (std::endian::native == std::endian::little) {
      w = __builtin_bswap64(w);
    }
    // The six bytes are the top 48 bits: four 12-bit indices.
    std::memcpy(dst, t.pairs[w >> 52], 2);
    std::memcpy(dst + 2, t.pairs[(w >> 40) & 0xfff], 2);
    std::memcpy(dst + 4, t.pairs[(w >> 28) & 0xfff], 2);
    std::memcpy(dst + 6, t.pairs[(w >> 16) & 0xfff], 2);
    src += 6;
    dst += 8;
  }
  for (; i < full; ++i, src += 3, dst += 4) {
    const uint32_t v =
        (uint32_t{src[0]} << 16) | (uint32_t{src[1]} << 8) | uint32_t{src[2]};
    std::memcpy(dst, t.pairs[v >> 12], 2);
    std::memcpy(dst + 2, t.pairs[v & 0xfff], 2);
  }
  if (rest == 1) {
    const uint32_t v = uint32_t{src[0]} << 16;
    dst[0] = alphabet[v >> 18];
    dst[1] = alphabet[(v >> 12) & 0x3f];
    if (pad) {
      dst[2] = '=';
      dst[3] = '=';
    }
  } else if (rest == 2) {
    const uint32_t v = (uint32_t{src[0]} << 16) | (uint32_t{src[1]} << 8);
    dst[0] = alphabet[v >> 18];
    dst[1] = alphabet[(v >> 12) & 0x3f];
    dst[2] = alphabet[(v >> 6) & 0x3f];
    if (pad) dst[3] = '=';
  }
}

#ifdef TOKEND_BASE64_AVX2
// Whether this CPU has AVX2 (Debian builds for baseline x86-64, so it is
// asked at run time, once).
bool HasAvx2() {
  static const bool has = __builtin_cpu_supports("avx2") != 0;
  return has;
}

// Lanes of `c` within [lo, hi]. Signed compares: bytes >= 0x80 are
// negative and match no range.
[[gnu::target("avx2")]] inline __m256i InRange(__m256i c, char lo, char hi) {
  return _mm256_and_si256(_mm256_cmpgt_epi8(c, _mm256_set1_epi8(lo - 1)),
                          _mm256_cmpgt_epi8(_mm256_set1_epi8(hi + 1), c));
}

// `offset` in the lanes `mask` selects, 0 elsewhere.
[[gnu::target("avx2")]] inline __m256i OffsetIf(__m256i mask, int offset) {
  return _mm256_and_si256(mask, _mm256_set1_epi8(static_cast<char>(offset)));
}

// The URL alphabet, 32 characters (8 whole quanta, 24 bytes) per step, while
// at least 48 characters remain so the 32-byte store stays inside the
// output. Returns how many characters it decoded (a multiple of 32); *bad is
// set when one of them is outside the alphabet. The rest, with the tail and
// its trailing-bit rule, is the scalar loop's.
[[gnu::target("avx2")]] size_t DecodeUrlBlocksAvx2(const uint8_t* src,
                                                   size_t size, uint8_t* out,
                                                   bool* bad) {
  // Each 32-bit lane ends as the 24-bit group in little-endian order; this
  // picks its three bytes big end first, 12 per 128-bit half.
  const __m256i pick =
      _mm256_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1,
                       2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1);
  const __m256i join = _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 3, 7);
  __m256i invalid = _mm256_setzero_si256();
  size_t done = 0;
  for (; done + 48 <= size; done += 32, out += 24) {
    const __m256i c =
        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + done));
    const __m256i upper = InRange(c, 'A', 'Z');
    const __m256i lower = InRange(c, 'a', 'z');
    const __m256i digit = InRange(c, '0', '9');
    const __m256i dash = _mm256_cmpeq_epi8(c, _mm256_set1_epi8('-'));
    const __m256i underscore = _mm256_cmpeq_epi8(c, _mm256_set1_epi8('_'));
    const __m256i valid =
        _mm256_or_si256(_mm256_or_si256(_mm256_or_si256(upper, lower), digit),
                        _mm256_or_si256(dash, underscore));
    invalid = _mm256_or_si256(invalid,
                              _mm256_andnot_si256(valid, _mm256_set1_epi8(-1)));
    // Character to 6-bit value: A-Z 0-25, a-z 26-51, 0-9 52-61, '-' 62,
    // '_' 63.
    const __m256i offset = _mm256_or_si256(
        _mm256_or_si256(OffsetIf(upper, -'A'), OffsetIf(lower, 26 - 'a')),
        _mm256_or_si256(OffsetIf(digit, 52 - '0'),
                        _mm256_or_si256(OffsetIf(dash, 62 - '-'),
                                        OffsetIf(underscore, 63 - '_'))));
    const __m256i values = _mm256_add_epi8(c, offset);
    // (v0 << 6 | v1) and (v2 << 6 | v3) per 16 bits, then the 24-bit group
    // per 32 bits.
    const __m256i pairs =
        _mm256_maddubs_epi16(values, _mm256_set1_epi32(0x01400140));
    const __m256i groups =
        _mm256_madd_epi16(pairs, _mm256_set1_epi32(0x00011000));
    const __m256i bytes =
        _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(groups, pick), join);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), bytes);
  }
  *bad = !_mm256_testz_si256(invalid, invalid);
  return done;
}
#endif  // TOKEND_BASE64_AVX2

// Decodes `in` (no padding; in.size() % 4 != 1 already checked) into
// out[0..DecodedSize(in.size())). Returns false on a byte outside the
// alphabet or non-zero unused trailing bits.
bool DecodeUnpadded(absl::string_view in, const DecodeTables& t, uint8_t* out) {
#ifdef TOKEND_BASE64_AVX2
  if (&t == &kUrlDecode && in.size() >= 48 && HasAvx2()) {
    bool bad = false;
    const size_t done = DecodeUrlBlocksAvx2(
        reinterpret_cast<const uint8_t*>(in.data()), in.size(), out, &bad);
    if (bad) return false;
    in.remove_prefix(done);
    out += done / 4 * 3;
  }
#endif
  const auto* src = reinterpret_cast<const uint8_t*>(in.data());
  size_t full = in.size() / 4;
  const size_t rest = in.size() % 4;
  uint32_t seen = 0;
  // Two quanta at a time with one 8-byte store (6 bytes of output, 2 that
  // the next store or the tail overwrites), while at least 2 output bytes
  // follow this pair of quanta.
  while (full >= 3 || (full == 2 && rest == 3)) {
    const uint32_t g1 = Group(t, src);
    const uint32_t g2 = Group(t, src + 4);
    seen |= g1 | g2;
    const uint64_t v = (uint64_t{g1} << 40) | (uint64_t{g2} << 16);
    const uint64_t be = __builtin_bswap64(v);
    std::memcpy(out, &be, sizeof(be));
    src += 8;
    out += 6;
    full -= 2;
  }
  for (; full > 0; --full, src += 4, out += 3) {
    const uint32_t g = Group(t, src);
    seen |= g;
    out[0] = static_cast<uint8_t>(g >> 16);
    out[1] = static_cast<uint8_t>(g >> 8);
    out[2] = static_cast<uint8_t>(g);
  }
  if (rest == 2) {
    const uint32_t g = t.shifted[0][src[0]] | t.shifted[1][src[1]];
    seen |= g;
    // Two characters carry 12 bits for one byte: the low 4 must be zero.
    if ((g & 0xf000) != 0) return false;
    out[0] = static_cast<uint8_t>(g >> 16);
  } else if (rest == 3) {
    const uint32_t g =
        t.shifted[0][src[0]] | t.shifted[1][src[1]] | t.shifted[2][src[2]];
    seen |= g;
    // Three characters carry 18 bits for two bytes: the low 2 must be zero.
    if ((g & 0x00c0) != 0) return false;
    out[0] = static_cast<uint8_t>(g >> 16);
    out[1] = static_cast<uint8_t>(g >> 8);
  }
  return (seen & kInvalid) == 0;
}

size_t DecodedSize(size_t encoded_size) {
  return encoded_size / 4 * 3 +
         (encoded_size % 4 == 0 ? 0 : encoded_size % 4 - 1);
}

absl::Status BadBase64(absl::string_view detail) {
  return Error(Reason::kBadBase64, detail);
}

}  // namespace

std::string Base64UrlEncode(absl::string_view data) {
  std::string out;
  EncodeAppend(data, kUrlAlphabet, /*pad=*/false, &out);
  return out;
}

void Base64UrlEncodeAppend(absl::string_view data, std::string* out) {
  EncodeAppend(data, kUrlAlphabet, /*pad=*/false, out);
}

bool Base64UrlDecodeTo(absl::string_view encoded, std::string* out) {
  out->clear();
  if (encoded.size() % 4 == 1) return false;
  out->resize(DecodedSize(encoded.size()));
  if (!DecodeUnpadded(encoded, kUrlDecode,
                      reinterpret_cast<uint8_t*>(out->data()))) {
    out->clear();
    return false;
  }
  return true;
}

absl::StatusOr<std::string> Base64UrlDecode(absl::string_view encoded) {
  std::string out;
  if (!Base64UrlDecodeTo(encoded, &out)) {
    return BadBase64("not strict base64url");
  }
  return out;
}

std::string Base64StdEncode(absl::string_view data) {
  std::string out;
  EncodeAppend(data, kStdAlphabet, /*pad=*/true, &out);
  return out;
}

absl::StatusOr<std::string> Base64StdDecode(absl::string_view encoded) {
  if (encoded.size() % 4 != 0) {
    return BadBase64("base64 length is not a multiple of 4");
  }
  // Strip at most two '=' from the final quantum; any other '=' falls
  // through to the alphabet check and is refused there.
  absl::string_view body = encoded;
  if (!body.empty() && body.back() == '=') body.remove_suffix(1);
  if (!body.empty() && body.back() == '=') body.remove_suffix(1);
  std::string out(DecodedSize(body.size()), '\0');
  // body.size() % 4 == 1 can only come from "x===" style input.
  if (body.size() % 4 == 1 ||
      !DecodeUnpadded(body, kStdDecode,
                      reinterpret_cast<uint8_t*>(out.data()))) {
    return BadBase64("not strict padded base64");
  }
  return out;
}

}  // namespace tokend
