#include "core/jose/base64url.h"

#include <array>
#include <cstdint>
#include <string>

#include "core/reason.h"

namespace tokend {
namespace {

constexpr char kUrlAlphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr char kStdAlphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Marks a byte outside the alphabet. Any value with a bit above the low six
// works: the decoder ORs every looked-up value and tests this bit once per
// call instead of branching per character.
constexpr uint8_t kInvalid = 0x80;

using DecodeTable = std::array<uint8_t, 256>;

constexpr DecodeTable MakeDecodeTable(const char* alphabet) {
  DecodeTable table{};
  for (auto& entry : table) entry = kInvalid;
  for (int i = 0; i < 64; ++i) {
    table[static_cast<uint8_t>(alphabet[i])] = static_cast<uint8_t>(i);
  }
  return table;
}

constexpr DecodeTable kUrlDecode = MakeDecodeTable(kUrlAlphabet);
constexpr DecodeTable kStdDecode = MakeDecodeTable(kStdAlphabet);

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
  for (size_t i = 0; i < full; ++i, src += 3, dst += 4) {
    const uint32_t v = (uint32_t{src[0]} << 16) | (uint32_t{src[1]} << 8) |
                       uint32_t{src[2]};
    dst[0] = alphabet[v >> 18];
    dst[1] = alphabet[(v >> 12) & 0x3f];
    dst[2] = alphabet[(v >> 6) & 0x3f];
    dst[3] = alphabet[v & 0x3f];
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

// Decodes `in` (no padding; in.size() % 4 != 1 already checked) into
// out[0..), which must have room for the decoded length. Returns false on a
// byte outside the table's alphabet or non-zero unused trailing bits.
bool DecodeUnpadded(absl::string_view in, const DecodeTable& table,
                    uint8_t* out) {
  const auto* src = reinterpret_cast<const uint8_t*>(in.data());
  const size_t full = in.size() / 4;
  const size_t rest = in.size() % 4;
  uint32_t seen = 0;
  for (size_t i = 0; i < full; ++i, src += 4, out += 3) {
    const uint32_t a = table[src[0]];
    const uint32_t b = table[src[1]];
    const uint32_t c = table[src[2]];
    const uint32_t d = table[src[3]];
    seen |= a | b | c | d;
    const uint32_t v = (a << 18) | (b << 12) | (c << 6) | d;
    out[0] = static_cast<uint8_t>(v >> 16);
    out[1] = static_cast<uint8_t>(v >> 8);
    out[2] = static_cast<uint8_t>(v);
  }
  if (rest == 2) {
    const uint32_t a = table[src[0]];
    const uint32_t b = table[src[1]];
    seen |= a | b;
    // Two characters carry 12 bits for one byte: the low 4 must be zero.
    if ((b & 0x0f) != 0) return false;
    out[0] = static_cast<uint8_t>((a << 2) | (b >> 4));
  } else if (rest == 3) {
    const uint32_t a = table[src[0]];
    const uint32_t b = table[src[1]];
    const uint32_t c = table[src[2]];
    seen |= a | b | c;
    // Three characters carry 18 bits for two bytes: the low 2 must be zero.
    if ((c & 0x03) != 0) return false;
    const uint32_t v = (a << 18) | (b << 12) | (c << 6);
    out[0] = static_cast<uint8_t>(v >> 16);
    out[1] = static_cast<uint8_t>(v >> 8);
  }
  return (seen & kInvalid) == 0;
}

size_t DecodedSize(size_t encoded_size) {
  return encoded_size / 4 * 3 + (encoded_size % 4 == 0 ? 0 : encoded_size % 4 - 1);
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
