// tokenctl's command table and what is derived from it: per-command help,
// "did you mean" for mistyped commands and flags, and the bash, zsh and fish
// completion scripts. Runs on tokenctl's only thread, before any command.
#ifndef TOKEND_SERVER_TOKENCTL_CLI_H_
#define TOKEND_SERVER_TOKENCTL_CLI_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace tokend::tokenctl {

struct CommandInfo {
  std::string name;
  std::string summary;             // one line
  std::string usage;               // example lines, each "tokenctl ..."
  std::vector<std::string> flags;  // flag names (no "--") the command reads
};

// Every command, in the order the general help lists them.
const std::vector<CommandInfo>& Commands();
const CommandInfo* FindCommand(absl::string_view name);

// Levenshtein distance; the closest of `candidates` to `word` within a third
// of its length (at least 2), or nullopt.
size_t EditDistance(absl::string_view a, absl::string_view b);
std::optional<std::string> Closest(absl::string_view word,
                                   const std::vector<std::string>& candidates);

// `tokenctl --help`: the commands and the exit codes.
std::string GeneralHelp();
// `tokenctl CMD --help` / `tokenctl help CMD`: its usage and its flags with
// their help text and defaults (from Abseil's flag registry).
std::string CommandHelp(const CommandInfo& command);

// Every flag tokenctl defines (from Abseil's registry), sorted.
std::vector<std::string> FlagNames();

// The completion script for "bash", "zsh" or "fish"; nullopt for others.
std::optional<std::string> CompletionScript(absl::string_view shell);

}  // namespace tokend::tokenctl

#endif  // TOKEND_SERVER_TOKENCTL_CLI_H_
