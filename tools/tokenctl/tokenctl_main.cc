// tokenctl: tokend's command-line client. The commands, their examples and
// the flags each reads are in tools/tokenctl/cli.cc (`tokenctl help
// <command>`).
//
// RPC commands talk to a running tokend over its gRPC API (unix socket by
// default; --addr=unix:///path or host:port):
//   tokenctl issue --tenant=dev-jwt --sub=alice --aud=dev --ttl=10m
//                  [--claim=role=admin ...]       the token alone to stdout
//   tokenctl issue --tenant=dev-daily --sub=alice --daily_room=r
//   tokenctl issue --tenant=dev-livekit --sub=alice --livekit_room=r ...
//   tokenctl issue --tenant=dev-agora --agora_channel=c --agora_uid=42 ...
//   tokenctl issue --tenant=dev-zoom --sub=alice --grants='{"zoom":{...}}'
//                  (any profile: the request's grants oneof as JSON)
//   tokenctl verify --tenant=dev-jwt < token.txt  the verdict (never the token)
//   tokenctl renew --tenant=dev-jwt < token.txt   the new token to stdout
//   tokenctl exchange --subject_token_file=F [--actor_token_file=F]
//                  [--tenant=T] [grant flags] [--ttl]  the token to stdout
//   tokenctl revoke --tenant=dev-jwt --token_id=ID | --subject=S |
//   --tenant-wide tokenctl subscribe --tenant=dev-jwt --sub=alice [--count=N]
//   [--show_token] tokenctl jwks [--tenant=T] [--json] tokenctl health
//   [--service=S]                 exit 0 when SERVING
// Local commands need no server:
//   tokenctl decode < token.txt        header, claims, grants: NOT VERIFIED
//   tokenctl demo                      issue and verify with throwaway keys
//   tokenctl keygen --alg=ES256 --out=key.jwk
//   tokenctl completion bash|zsh|fish  the shell completion script
//   tokenctl help [command]            also `tokenctl <command> --help`
// Before Abseil parses the flags, help and completion are answered, and a
// mistyped command or flag is refused with the closest one (edit distance).
// --json prints the whole response as JSON. Exit codes: 0 ok, 1 usage,
// 2 invalid token verdict (or not SERVING), 3 RPC error (the status code
// and ErrorInfo reason go to stderr). Tokens never reach stderr, and
// stdout only where the command's output is the token.
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "tools/tokenctl/cli.h"
#include "tools/tokenctl/commands.h"
#include "tools/tokenctl/decode.h"
#include "tools/tokenctl/local.h"
#include "tools/tokenctl/options.h"
#include "tools/tokenctl/rotate.h"

ABSL_FLAG(std::string, addr, "",
          "tokend address: unix:///path, unix:/path or host:port (default: "
          "unix:$TOKEND_STATE_DIR/tokend.sock, else unix:.tokend/tokend.sock)");
ABSL_FLAG(std::string, socket, "", "alias of --addr");
ABSL_FLAG(absl::Duration, timeout, absl::Seconds(10), "deadline of each call");
ABSL_FLAG(std::string, tenant, "", "the tenant");
ABSL_FLAG(bool, json, false, "print the whole response as JSON");
ABSL_FLAG(std::string, sub, "", "subject (user id)");
ABSL_FLAG(absl::Duration, ttl, absl::ZeroDuration(),
          "token lifetime (0: the tenant's default; demo: 10m)");
ABSL_FLAG(std::string, aud, "",
          "audiences, comma separated (issue: jwt profile; verify: the "
          "expected audience; demo: demo-service)");
ABSL_FLAG(std::vector<std::string>, claim, {},
          "extra claim key=value (repeatable; JSON values are kept typed)");
ABSL_FLAG(std::string, iss, "tokend-dev", "issuer (demo)");
ABSL_FLAG(std::string, alg, "ES256", "JWS algorithm (keygen, demo)");
ABSL_FLAG(std::string, out, "", "where keygen writes the private JWK");
ABSL_FLAG(std::string, kid, "",
          "key id for keygen (default: RFC 7638 thumbprint)");
ABSL_FLAG(std::string, dir, "", "rotate: the key directory (keys.dir)");
ABSL_FLAG(absl::Duration, jwks_max_age, absl::Minutes(5),
          "rotate: the tenant's keys.jwks_max_age");
ABSL_FLAG(absl::Duration, publish_margin, absl::Seconds(30),
          "rotate: the tenant's keys.publish_margin");
ABSL_FLAG(std::string, token, "",
          "the token (verify, renew: default stdin; revoke, subscribe: - for "
          "stdin)");
ABSL_FLAG(std::string, token_id, "", "revoke: the token id");
ABSL_FLAG(std::string, subject_token_file, "",
          "exchange: the file holding the identity token (- for stdin)");
ABSL_FLAG(std::string, subject_token_type, "",
          "exchange: its RFC 8693 type (default "
          "urn:ietf:params:oauth:token-type:jwt; also ...:id_token, "
          "...:access_token)");
ABSL_FLAG(std::string, actor_token_file, "",
          "exchange: the file holding the actor's token (delegation)");
ABSL_FLAG(std::string, actor_token_type, "",
          "exchange: the actor token's RFC 8693 type");
ABSL_FLAG(std::string, subject, "", "revoke: every token of this subject");
ABSL_FLAG(bool, tenant_wide, false, "revoke: every token of the tenant");
ABSL_FLAG(std::string, reason, "", "revoke: the reason recorded");
ABSL_FLAG(bool, show_token, false, "subscribe: print each token too");
ABSL_FLAG(int, count, 0, "subscribe: stop after N events (0: never)");
ABSL_FLAG(std::string, service, "", "health: the service name to check");
ABSL_FLAG(absl::Time, not_before, absl::InfinitePast(),
          "issue: not valid before this RFC 3339 time (jwt, daily, twilio)");
ABSL_FLAG(std::string, daily_room, "", "issue, Daily: the room (r)");
ABSL_FLAG(std::string, daily_user_name, "", "issue, Daily: display name (u)");
ABSL_FLAG(std::optional<bool>, daily_is_owner, std::nullopt,
          "issue, Daily: meeting owner (o), true or false");
ABSL_FLAG(std::string, livekit_room, "", "issue, LiveKit: video.room");
ABSL_FLAG(std::string, livekit_name, "", "issue, LiveKit: display name");
ABSL_FLAG(bool, livekit_room_join, false, "issue, LiveKit: video.roomJoin");
ABSL_FLAG(std::optional<bool>, livekit_can_publish, std::nullopt,
          "issue, LiveKit: video.canPublish, true or false");
ABSL_FLAG(std::optional<bool>, livekit_can_subscribe, std::nullopt,
          "issue, LiveKit: video.canSubscribe, true or false");
ABSL_FLAG(std::string, agora_channel, "", "issue, Agora RTC: the channel");
ABSL_FLAG(std::optional<int64_t>, agora_uid, std::nullopt,
          "issue, Agora RTC: numeric uid (0: any)");
ABSL_FLAG(std::string, agora_account, "",
          "issue, Agora RTC: user account (default: --sub)");
ABSL_FLAG(std::string, agora_role, "",
          "issue, Agora RTC: publisher or subscriber (default)");
ABSL_FLAG(std::string, agora_privileges, "",
          "issue, Agora RTC: explicit privileges instead of a role, comma "
          "separated: join_channel, publish_audio_stream, "
          "publish_video_stream, publish_data_stream");
ABSL_FLAG(std::optional<absl::Duration>, agora_privilege_expire, std::nullopt,
          "issue, Agora RTC: each privilege's expiry after the issue time "
          "(default 0: with the token)");
ABSL_FLAG(std::string, grants, "",
          "issue, any profile: the grants as JSON, {\"<profile>\": {...}} "
          "with profile agora, apirtc, vonage, daily, livekit, twilio, zoom "
          "or jwt and its grant fields as in proto/tokend/v1, e.g. "
          "'{\"zoom\":{\"role_type\":1,\"session_name\":\"s\"}}'");

namespace {

// absl flags cannot accumulate a repeated flag, and their names cannot
// contain '-'. Before absl parses argv: spell "--tenant-wide" style names
// with underscores, and collect every --claim (=value or next argument).
std::vector<char*> Preprocess(int argc, char** argv,
                              std::vector<std::string>* storage,
                              std::vector<std::string>* claims) {
  storage->reserve(argc);
  std::vector<char*> rest;
  for (int i = 0; i < argc; ++i) {
    std::string arg = argv[i];
    if (i > 0 && absl::StartsWith(arg, "--") && arg.size() > 2) {
      const size_t name_end = arg.find('=');
      for (size_t j = 2; j < arg.size() && j < name_end; ++j) {
        if (arg[j] == '-') arg[j] = '_';
      }
      if (arg == "--claim" && i + 1 < argc) {
        claims->push_back(argv[++i]);
        continue;
      }
      if (absl::StartsWith(arg, "--claim=")) {
        claims->push_back(arg.substr(8));
        continue;
      }
    }
    storage->push_back(std::move(arg));
    rest.push_back(storage->back().data());
  }
  return rest;
}

tokend::tokenctl::Options OptionsFromFlags(std::vector<std::string> claims) {
  tokend::tokenctl::Options o;
  o.addr = absl::GetFlag(FLAGS_addr);
  if (o.addr.empty()) o.addr = absl::GetFlag(FLAGS_socket);
  o.timeout = absl::GetFlag(FLAGS_timeout);
  o.tenant = absl::GetFlag(FLAGS_tenant);
  o.json = absl::GetFlag(FLAGS_json);
  o.sub = absl::GetFlag(FLAGS_sub);
  o.ttl = absl::GetFlag(FLAGS_ttl);
  o.aud = absl::GetFlag(FLAGS_aud);
  o.claims = std::move(claims);
  o.iss = absl::GetFlag(FLAGS_iss);
  o.alg = absl::GetFlag(FLAGS_alg);
  o.out = absl::GetFlag(FLAGS_out);
  o.kid = absl::GetFlag(FLAGS_kid);
  o.dir = absl::GetFlag(FLAGS_dir);
  o.jwks_max_age = absl::GetFlag(FLAGS_jwks_max_age);
  o.publish_margin = absl::GetFlag(FLAGS_publish_margin);
  o.token = absl::GetFlag(FLAGS_token);
  o.token_id = absl::GetFlag(FLAGS_token_id);
  o.subject_token_file = absl::GetFlag(FLAGS_subject_token_file);
  o.subject_token_type = absl::GetFlag(FLAGS_subject_token_type);
  o.actor_token_file = absl::GetFlag(FLAGS_actor_token_file);
  o.actor_token_type = absl::GetFlag(FLAGS_actor_token_type);
  o.subject = absl::GetFlag(FLAGS_subject);
  o.tenant_wide = absl::GetFlag(FLAGS_tenant_wide);
  o.reason = absl::GetFlag(FLAGS_reason);
  o.show_token = absl::GetFlag(FLAGS_show_token);
  o.count = absl::GetFlag(FLAGS_count);
  o.service = absl::GetFlag(FLAGS_service);
  o.not_before = absl::GetFlag(FLAGS_not_before);
  o.daily_room = absl::GetFlag(FLAGS_daily_room);
  o.daily_user_name = absl::GetFlag(FLAGS_daily_user_name);
  o.daily_is_owner = absl::GetFlag(FLAGS_daily_is_owner);
  o.livekit_room = absl::GetFlag(FLAGS_livekit_room);
  o.livekit_name = absl::GetFlag(FLAGS_livekit_name);
  o.livekit_room_join = absl::GetFlag(FLAGS_livekit_room_join);
  o.livekit_can_publish = absl::GetFlag(FLAGS_livekit_can_publish);
  o.livekit_can_subscribe = absl::GetFlag(FLAGS_livekit_can_subscribe);
  o.agora_channel = absl::GetFlag(FLAGS_agora_channel);
  o.agora_uid = absl::GetFlag(FLAGS_agora_uid);
  o.agora_account = absl::GetFlag(FLAGS_agora_account);
  o.agora_role = absl::GetFlag(FLAGS_agora_role);
  o.agora_privileges = absl::GetFlag(FLAGS_agora_privileges);
  o.agora_privilege_expire = absl::GetFlag(FLAGS_agora_privilege_expire);
  o.grants = absl::GetFlag(FLAGS_grants);
  return o;
}

namespace ctl = tokend::tokenctl;

// The arguments that are not flags nor flag values, in order.
std::vector<std::string> Positionals(const std::vector<char*>& args) {
  std::vector<std::string> words;
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string arg = args[i];
    if (arg == "--") {
      for (++i; i < args.size(); ++i) words.emplace_back(args[i]);
      break;
    }
    if (arg.size() < 2 || arg[0] != '-') {
      words.push_back(arg);
      continue;
    }
    // "--name value": a non-boolean flag takes the next argument.
    if (absl::StrContains(arg, '=')) continue;
    const absl::CommandLineFlag* flag = absl::FindCommandLineFlag(
        absl::string_view(arg).substr(arg[1] == '-' ? 2 : 1));
    if (flag != nullptr && !flag->IsOfType<bool>() && i + 1 < args.size()) {
      ++i;
    }
  }
  return words;
}

bool IsHelpFlag(absl::string_view arg) {
  return arg == "--help" || arg == "-h" || arg == "-help" ||
         arg == "--helpshort" || arg == "--helpfull";
}

// Abseil's own flags, which its parser handles.
bool IsAbseilFlag(absl::string_view name) {
  for (absl::string_view f :
       {"flagfile", "fromenv", "tryfromenv", "undefok", "helpmatch", "helpon",
        "helppackage", "only_check_args", "version"}) {
    if (name == f) return true;
  }
  return false;
}

// Each --name must be one of tokenctl's flags (or --noname for a boolean
// one): else exit 1 naming the closest flag.
bool CheckFlagNames(const std::vector<char*>& args) {
  const std::vector<std::string> names = ctl::FlagNames();
  for (size_t i = 1; i < args.size(); ++i) {
    const absl::string_view arg = args[i];
    if (arg == "--") break;
    if (arg.size() < 2 || arg[0] != '-' || IsHelpFlag(arg)) continue;
    absl::string_view name = arg.substr(arg[1] == '-' ? 2 : 1);
    name = name.substr(0, name.find('='));
    if (IsAbseilFlag(name)) continue;
    const absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    if (flag == nullptr && absl::StartsWith(name, "no")) {
      flag = absl::FindCommandLineFlag(name.substr(2));
      if (flag != nullptr && !flag->IsOfType<bool>()) flag = nullptr;
    }
    if (flag != nullptr) {
      // A non-boolean "--name value" consumes the value.
      if (!absl::StrContains(arg, '=') && !flag->IsOfType<bool>()) ++i;
      continue;
    }
    const std::optional<std::string> near = ctl::Closest(name, names);
    std::fprintf(stderr, "tokenctl: unknown flag '--%s'%s\n",
                 std::string(name).c_str(),
                 near ? absl::StrCat("; did you mean --", *near, "?").c_str()
                      : "; `tokenctl --help` lists the commands");
    return false;
  }
  return true;
}

int UnknownCommand(const std::string& command) {
  std::vector<std::string> names;
  for (const ctl::CommandInfo& c : ctl::Commands()) names.push_back(c.name);
  const std::optional<std::string> near = ctl::Closest(command, names);
  std::fprintf(
      stderr, "tokenctl: unknown command '%s'%s\n", command.c_str(),
      near ? absl::StrCat("; did you mean '", *near, "'?").c_str() : "");
  std::fputs(ctl::GeneralHelp().c_str(), stderr);
  return ctl::kExitUsage;
}

// help, --help, -h and completion, before Abseil parses the flags. Returns
// the exit code, or -1 to go on with the command.
int HandleHelpAndCompletion(const std::vector<char*>& args) {
  const std::vector<std::string> words = Positionals(args);
  bool help = false;
  for (size_t i = 1; i < args.size(); ++i) {
    if (std::string(args[i]) == "--") break;
    help = help || IsHelpFlag(args[i]);
  }
  if (!words.empty() && words[0] == "help") {
    help = true;
    if (words.size() > 2) {
      std::fprintf(stderr, "tokenctl: help takes one command\n");
      return ctl::kExitUsage;
    }
  }
  if (help) {
    const std::string topic =
        words.empty()
            ? ""
            : (words[0] == "help" && words.size() > 1 ? words[1] : words[0]);
    if (topic.empty() || topic == "help") {
      std::fputs(ctl::GeneralHelp().c_str(), stdout);
      return ctl::kExitOk;
    }
    const ctl::CommandInfo* command = ctl::FindCommand(topic);
    if (command == nullptr) return UnknownCommand(topic);
    std::fputs(ctl::CommandHelp(*command).c_str(), stdout);
    return ctl::kExitOk;
  }
  if (!words.empty() && words[0] == "completion") {
    const std::optional<std::string> script =
        words.size() == 2 ? ctl::CompletionScript(words[1]) : std::nullopt;
    if (!script) {
      std::fprintf(stderr,
                   "tokenctl: completion wants one shell: bash, zsh or fish\n");
      return ctl::kExitUsage;
    }
    std::fputs(script->c_str(), stdout);
    return ctl::kExitOk;
  }
  if (!CheckFlagNames(args)) return ctl::kExitUsage;
  if (!words.empty() && ctl::FindCommand(words[0]) == nullptr) {
    return UnknownCommand(words[0]);
  }
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "tokenctl <command> [flags]   (tokenctl --help lists the commands)\n"
      "  exit codes: 0 ok, 1 usage, 2 invalid token (or not SERVING), 3 RPC "
      "error");
  std::vector<std::string> storage;
  std::vector<std::string> claims;
  std::vector<char*> rest = Preprocess(argc, argv, &storage, &claims);
  if (int rc = HandleHelpAndCompletion(rest); rc >= 0) return rc;
  std::vector<char*> args =
      absl::ParseCommandLine(static_cast<int>(rest.size()), rest.data());
  if (args.size() > 2) {
    std::fprintf(stderr, "tokenctl: unexpected argument '%s'\n%s\n", args[2],
                 std::string(absl::ProgramUsageMessage()).c_str());
    return tokend::tokenctl::kExitUsage;
  }
  const std::string command = args.size() > 1 ? args[1] : "demo";
  const tokend::tokenctl::Options options = OptionsFromFlags(std::move(claims));
  if (command == "demo") return ctl::Demo(options);
  if (command == "keygen") return ctl::Keygen(options);
  if (command == "rotate") return ctl::Rotate(options);
  if (command == "issue") return ctl::Issue(options);
  if (command == "verify") return ctl::Verify(options);
  if (command == "renew") return ctl::Renew(options);
  if (command == "revoke") return ctl::Revoke(options);
  if (command == "exchange") return ctl::Exchange(options);
  if (command == "subscribe") return ctl::Subscribe(options);
  if (command == "jwks") return ctl::Jwks(options);
  if (command == "health") return ctl::Health(options);
  if (command == "decode") return ctl::Decode(options);
  std::fprintf(stderr, "tokenctl: unknown command '%s'\n%s\n", command.c_str(),
               std::string(absl::ProgramUsageMessage()).c_str());
  return ctl::kExitUsage;
}
