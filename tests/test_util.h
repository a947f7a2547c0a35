// Small helpers shared by the test binaries.
#ifndef TOKEND_TESTS_TEST_UTIL_H_
#define TOKEND_TESTS_TEST_UTIL_H_

#include <string>

#include "absl/strings/string_view.h"
#include "core/json/json.h"

namespace tokend::testing {

// ${TOKEND_SHARED_DIR}/testdata/<relative>.
std::string SharedTestdataPath(absl::string_view relative);
// Whole file; aborts the test binary (with the path) when unreadable.
std::string ReadFileOrDie(const std::string& path);
// Lower- or upper-case hex; aborts on bad input (test data is trusted).
std::string HexDecode(absl::string_view hex);
std::string HexEncode(absl::string_view bytes);
// A Wycheproof (or other large) JSON file parsed with generous limits.
json::Object ReadJsonFileOrDie(const std::string& path);

}  // namespace tokend::testing

#endif  // TOKEND_TESTS_TEST_UTIL_H_
