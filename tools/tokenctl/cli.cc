#include "tools/tokenctl/cli.h"

#include <algorithm>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"

namespace tokend::tokenctl {
namespace {

// The connection flags every RPC command reads.
std::vector<std::string> Rpc(std::vector<std::string> more) {
  std::vector<std::string> flags = {"addr", "socket", "timeout", "json"};
  flags.insert(flags.end(), more.begin(), more.end());
  return flags;
}

constexpr char kIssueExamples[] =
    "tokenctl issue --tenant=dev-jwt --sub=alice --aud=dev --ttl=10m "
    "[--claim=role=admin ...]\n"
    "tokenctl issue --tenant=dev-daily --sub=alice --daily_room=r\n"
    "tokenctl issue --tenant=dev-livekit --sub=alice --livekit_room=r "
    "--livekit_room_join\n"
    "tokenctl issue --tenant=dev-agora --agora_channel=c --agora_uid=42 "
    "--agora_role=publisher\n"
    "tokenctl issue --tenant=dev-vonage --sub=alice "
    "--grants='{\"vonage\":{...}}'   (any profile: the IssueTokenRequest "
    "grant fields as JSON)";

}  // namespace

const std::vector<CommandInfo>& Commands() {
  static const std::vector<CommandInfo>* commands = new std::vector<
      CommandInfo>{
      {"issue", "issue a token; prints the token alone to stdout",
       kIssueExamples,
       Rpc({"tenant",
            "sub",
            "aud",
            "ttl",
            "claim",
            "not_before",
            "grants",
            "daily_room",
            "daily_user_name",
            "daily_is_owner",
            "livekit_room",
            "livekit_name",
            "livekit_room_join",
            "livekit_can_publish",
            "livekit_can_subscribe",
            "agora_channel",
            "agora_uid",
            "agora_account",
            "agora_role",
            "agora_privileges",
            "agora_privilege_expire"})},
      {"exchange",
       "exchange an identity token (OIDC, Kubernetes, SPIFFE) for the token "
       "the exchange policy allows; prints the token alone to stdout",
       "tokenctl exchange --subject_token_file=/var/run/secrets/tokens/tokend "
       "--tenant=agora-main --agora_channel=team-blue-standup\n"
       "tokenctl exchange --subject_token_file=id.jwt "
       "--actor_token_file=svc.jwt --tenant=api --aud=reports",
       Rpc({"tenant",
            "subject_token_file",
            "subject_token_type",
            "actor_token_file",
            "actor_token_type",
            "ttl",
            "aud",
            "claim",
            "grants",
            "livekit_room",
            "livekit_name",
            "livekit_room_join",
            "livekit_can_publish",
            "livekit_can_subscribe",
            "agora_channel",
            "agora_uid",
            "agora_account",
            "agora_role",
            "agora_privileges",
            "agora_privilege_expire"})},
      {"verify", "verify a token (stdin or --token); prints the verdict",
       "tokenctl verify --tenant=dev-jwt < token.txt",
       Rpc({"tenant", "token", "aud"})},
      {"renew", "renew a token; prints the new token to stdout",
       "tokenctl renew --tenant=dev-jwt < token.txt",
       Rpc({"tenant", "token", "ttl"})},
      {"revoke", "revoke one token, a subject's tokens or a tenant's",
       "tokenctl revoke --tenant=dev-jwt --token_id=ID | --subject=S | "
       "--tenant-wide",
       Rpc({"tenant", "token_id", "subject", "tenant_wide", "reason",
            "token"})},
      {"subscribe", "subscribe and print one line per renewal event",
       "tokenctl subscribe --tenant=dev-jwt --sub=alice [--count=N] "
       "[--show_token]",
       Rpc({"tenant", "sub", "aud", "ttl", "claim", "count", "show_token",
            "token"})},
      {"jwks", "print a tenant's (or every) public key set",
       "tokenctl jwks [--tenant=T] [--json]", Rpc({"tenant"})},
      {"health", "grpc.health.v1 Check; exit 0 when SERVING",
       "tokenctl health [--service=S]", Rpc({"service"})},
      {"decode",
       "show a token's header, claims and vendor grants offline, NOT VERIFIED",
       "tokenctl decode < token.txt\ntokenctl decode --token=007eJx...",
       {"token", "json"}},
      {"keygen",
       "generate a private JWK (local, no server)",
       "tokenctl keygen --alg=ES256 --out=key.jwk",
       {"alg", "out", "kid"}},
      {"rotate",
       "safe key rotation of a key directory: a new key that signs after "
       "the publish delay, the old ones retiring then (local, no server)",
       "tokenctl rotate --dir=keys/acme --alg=ES256 [--jwks_max_age=5m "
       "--publish_margin=30s]",
       {"dir", "alg", "out", "kid", "jwks_max_age", "publish_margin"}},
      {"demo",
       "issue and verify with a throwaway key (local, no server)",
       "tokenctl demo",
       {"alg", "iss", "aud", "sub", "ttl"}},
      {"completion",
       "print the shell completion script",
       "source <(tokenctl completion bash)\n"
       "tokenctl completion zsh > \"${fpath[1]}/_tokenctl\"\n"
       "tokenctl completion fish > ~/.config/fish/completions/tokenctl.fish",
       {}},
      {"help", "help for a command", "tokenctl help issue", {}},
  };
  return *commands;
}

const CommandInfo* FindCommand(absl::string_view name) {
  for (const CommandInfo& c : Commands()) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

size_t EditDistance(absl::string_view a, absl::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1,
                         diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::optional<std::string> Closest(absl::string_view word,
                                   const std::vector<std::string>& candidates) {
  const size_t limit = std::max<size_t>(2, word.size() / 3);
  std::optional<std::string> best;
  size_t best_distance = limit + 1;
  for (const std::string& c : candidates) {
    const size_t d = EditDistance(word, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

std::vector<std::string> FlagNames() {
  std::vector<std::string> names;
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    if (absl::EndsWith(flag->Filename(), "tokenctl_main.cc")) {
      names.emplace_back(name);
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string GeneralHelp() {
  std::string out =
      "tokenctl: tokend's command-line client\n\n"
      "usage: tokenctl <command> [flags]     tokenctl help <command>\n\n"
      "commands:\n";
  for (const CommandInfo& c : Commands()) {
    absl::StrAppend(&out, "  ", c.name, std::string(12 - c.name.size(), ' '),
                    c.summary, "\n");
  }
  absl::StrAppend(
      &out,
      "\nexit codes: 0 ok, 1 usage, 2 invalid token (or not SERVING), "
      "3 RPC error\n"
      "`tokenctl <command> --help` lists the command's flags.\n");
  return out;
}

std::string CommandHelp(const CommandInfo& command) {
  std::string out =
      absl::StrCat("tokenctl ", command.name, ": ", command.summary, "\n\n");
  for (absl::string_view line : absl::StrSplit(command.usage, '\n')) {
    absl::StrAppend(&out, "  ", line, "\n");
  }
  if (!command.flags.empty()) absl::StrAppend(&out, "\nflags:\n");
  const auto all = absl::GetAllFlags();
  for (const std::string& name : command.flags) {
    auto it = all.find(name);
    if (it == all.end()) continue;
    const std::string def = it->second->DefaultValue();
    absl::StrAppend(&out, "  --", name,
                    def.empty() ? "" : absl::StrCat(" (default: ", def, ")"),
                    "\n      ", it->second->Help(), "\n");
  }
  return out;
}

std::optional<std::string> CompletionScript(absl::string_view shell) {
  std::vector<std::string> names;
  for (const CommandInfo& c : Commands()) names.push_back(c.name);
  const std::string commands = absl::StrJoin(names, " ");
  if (shell == "bash" || shell == "zsh") {
    std::string cases;
    for (const CommandInfo& c : Commands()) {
      std::vector<std::string> flags;
      for (const std::string& f : c.flags) flags.push_back("--" + f);
      flags.push_back("--help");
      absl::StrAppend(&cases, "    ", c.name, ") words=\"",
                      absl::StrJoin(flags, " "), "\" ;;\n");
    }
    std::string script = absl::StrCat(
        shell == "zsh" ? "#compdef tokenctl\n"
                         "# zsh: loads the bash completion through "
                         "bashcompinit.\n"
                         "autoload -U +X bashcompinit && bashcompinit\n"
                       : "",
        "# tokenctl completion: source <(tokenctl completion ", shell,
        ")\n"
        "# The word being completed is $2 and the earlier ones are taken as a\n"
        "# slice, so the same function works in bash and in zsh's\n"
        "# bashcompinit (whose COMP_WORDS is 1-based).\n"
        "_tokenctl() {\n"
        "  local cur=\"$2\" cmd=\"\" words w\n"
        "  for w in \"${COMP_WORDS[@]:1:$((COMP_CWORD - 1))}\"; do\n"
        "    case \"$w\" in -*) ;; *) cmd=\"$w\"; break ;; esac\n"
        "  done\n"
        "  if [[ -z \"$cmd\" ]]; then\n"
        "    COMPREPLY=($(compgen -W \"",
        commands,
        " --help\" -- \"$cur\"))\n"
        "    return 0\n"
        "  fi\n"
        "  case \"$cmd\" in\n",
        cases,
        "    *) words=\"\" ;;\n"
        "  esac\n"
        "  if [[ \"$cmd\" == help || \"$cmd\" == completion ]] && "
        "[[ \"$cur\" != -* ]]; then\n"
        "    [[ \"$cmd\" == help ]] && words=\"",
        commands,
        "\" || words=\"bash zsh fish\"\n"
        "  fi\n"
        "  COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n"
        "}\n"
        "complete -F _tokenctl tokenctl\n");
    return script;
  }
  if (shell == "fish") {
    std::string script = absl::StrCat(
        "# tokenctl completion: tokenctl completion fish | source\n"
        "complete -c tokenctl -f\n"
        "complete -c tokenctl -n __fish_use_subcommand -a '",
        commands, "'\n");
    for (const CommandInfo& c : Commands()) {
      absl::StrAppend(
          &script, "complete -c tokenctl -n __fish_use_subcommand -a ", c.name,
          " -d '", absl::StrReplaceAll(c.summary, {{"'", "\\'"}}), "'\n");
      for (const std::string& f : c.flags) {
        absl::StrAppend(&script,
                        "complete -c tokenctl -n '__fish_seen_subcommand_from ",
                        c.name, "' -l ", f, "\n");
      }
    }
    absl::StrAppend(&script,
                    "complete -c tokenctl -n '__fish_seen_subcommand_from "
                    "help' -a '",
                    commands,
                    "'\n"
                    "complete -c tokenctl -n '__fish_seen_subcommand_from "
                    "completion' -a 'bash zsh fish'\n");
    return script;
  }
  return std::nullopt;
}

}  // namespace tokend::tokenctl
