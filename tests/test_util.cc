#include "tests/test_util.h"

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace tokend::testing {

std::string SharedTestdataPath(absl::string_view relative) {
  return absl::StrCat(TOKEND_SHARED_DIR, "/testdata/", relative);
}

std::string ReadFileOrDie(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "cannot read test file %s\n", path.c_str());
    std::abort();
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string HexDecode(absl::string_view hex) {
  if (hex.size() % 2 != 0) {
    std::fprintf(stderr, "odd-length hex in test data\n");
    std::abort();
  }
  for (char c : hex) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) {
      std::fprintf(stderr, "bad hex in test data\n");
      std::abort();
    }
  }
  return absl::HexStringToBytes(hex);
}

std::string HexEncode(absl::string_view bytes) {
  return absl::BytesToHexString(bytes);
}

json::Object ReadJsonFileOrDie(const std::string& path) {
  std::string text = ReadFileOrDie(path);
  json::ParseLimits limits;
  limits.max_bytes = 64 * 1024 * 1024;
  limits.max_depth = 64;
  absl::StatusOr<json::Object> parsed = json::ParseObject(text, limits);
  if (!parsed.ok()) {
    std::fprintf(stderr, "cannot parse %s: %s\n", path.c_str(),
                 std::string(parsed.status().message()).c_str());
    std::abort();
  }
  return *std::move(parsed);
}

}  // namespace tokend::testing
