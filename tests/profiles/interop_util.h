// Runs the vendors' own libraries (Node scripts in tests/interop, Python with
// Debian's PyJWT) from a test, passing data through argv/stdin and reading
// stdout. Secrets are passed on stdin, never argv.
#ifndef TOKEND_TESTS_PROFILES_INTEROP_UTIL_H_
#define TOKEND_TESTS_PROFILES_INTEROP_UTIL_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace tokend::testing {

struct ProcessResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs argv[0] (searched in PATH) with `input` on stdin; waits for it.
absl::StatusOr<ProcessResult> RunProcess(const std::vector<std::string>& argv,
                                         const std::string& input);

// Runs `node tests/interop/<script>` with the npm packages of tests/interop.
// A missing node or node_modules is a hard error (setup.sh installs both).
absl::StatusOr<ProcessResult> RunNodeScript(
    const std::string& script, const std::vector<std::string>& args,
    const std::string& input);

// Runs `/usr/bin/python3 tests/interop/<script>` (Debian's python3-jwt).
absl::StatusOr<ProcessResult> RunPythonScript(
    const std::string& script, const std::vector<std::string>& args,
    const std::string& input);

}  // namespace tokend::testing

#endif  // TOKEND_TESTS_PROFILES_INTEROP_UTIL_H_
