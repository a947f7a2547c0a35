// tokend's --help and --version text. Runs on the main thread, before
// anything else starts.
#ifndef TOKEND_SERVER_USAGE_H_
#define TOKEND_SERVER_USAGE_H_

#include <string>

namespace tokend {

// "tokend 0.1.0 (commit 0123456789ab, RelWithDebInfo)".
std::string VersionLine();

// The usage message, then every flag defined in a file whose name ends in
// `flags_file` (tokend's main.cc) with its help text and default, sorted.
// Abseil's own --help lists only the flags of a file named like the
// binary, and exits 1; tokend prints this and exits 0.
std::string FlagsHelp(const std::string& usage, const std::string& flags_file);

}  // namespace tokend

#endif  // TOKEND_SERVER_USAGE_H_
