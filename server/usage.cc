#include "server/usage.h"

#include <algorithm>
#include <vector>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tokend/version.h"

namespace tokend {

std::string VersionLine() {
  return absl::StrCat("tokend ", TOKEND_VERSION, " (commit ", TOKEND_GIT_COMMIT,
                      ", ", TOKEND_BUILD_TYPE, ")");
}

std::string FlagsHelp(const std::string& usage, const std::string& flags_file) {
  std::vector<const absl::CommandLineFlag*> flags;
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    if (absl::EndsWith(flag->Filename(), flags_file)) flags.push_back(flag);
  }
  std::sort(flags.begin(), flags.end(),
            [](const auto* a, const auto* b) { return a->Name() < b->Name(); });
  std::string out = absl::StrCat(usage, "\n\nFlags:\n");
  for (const absl::CommandLineFlag* flag : flags) {
    const std::string def = flag->DefaultValue();
    absl::StrAppend(&out, "  --", flag->Name(),
                    def.empty() ? "" : absl::StrCat(" (default: ", def, ")"),
                    "\n      ", flag->Help(), "\n");
  }
  absl::StrAppend(&out,
                  "\n  -h, --help     this help\n"
                  "  --version      print the version and exit\n");
  return out;
}

}  // namespace tokend
