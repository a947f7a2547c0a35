// tokenctl's parsed command line, shared by the local and the RPC commands.
#ifndef TOKEND_SERVER_TOKENCTL_OPTIONS_H_
#define TOKEND_SERVER_TOKENCTL_OPTIONS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace tokend::tokenctl {

// Exit codes (documented in tokenctl's usage message).
inline constexpr int kExitOk = 0;
inline constexpr int kExitUsage = 1;
inline constexpr int kExitRefused = 2;  // invalid token / not SERVING
inline constexpr int kExitRpcError = 3;

struct Options {
  // Connection.
  std::string addr;  // gRPC target: "unix:///path", "unix:/path", host:port
  absl::Duration timeout = absl::Seconds(10);
  std::string tenant;
  bool json = false;

  // Token claims (issue, subscribe) and local demo/keygen settings.
  std::string sub;
  absl::Duration ttl = absl::ZeroDuration();  // zero: the tenant's default
  std::string aud;                            // comma separated
  std::vector<std::string> claims;            // "key=value", repeated --claim
  std::string iss;
  std::string alg;
  std::string out;
  std::string kid;
  // rotate: the key directory and the tenant's keys.jwks_max_age and
  // keys.publish_margin (the new key signs after their sum).
  std::string dir;
  absl::Duration jwks_max_age = absl::Minutes(5);
  absl::Duration publish_margin = absl::Seconds(30);
  // Not valid before (IssueTokenRequest.not_before). InfinitePast: unset.
  absl::Time not_before = absl::InfinitePast();

  // Vendor grants (issue, subscribe), named after the grant fields; the
  // flags of one profile at most. Unset optionals are not sent.
  std::string daily_room;
  std::string daily_user_name;
  std::optional<bool> daily_is_owner;
  std::string livekit_room;
  std::string livekit_name;
  bool livekit_room_join = false;
  std::optional<bool> livekit_can_publish;
  std::optional<bool> livekit_can_subscribe;
  std::string agora_channel;
  std::optional<int64_t> agora_uid;
  std::string agora_account;
  std::string agora_role;        // publisher | subscriber
  std::string agora_privileges;  // comma separated RTC privilege names
  std::optional<absl::Duration> agora_privilege_expire;
  // Any profile's grants as JSON: {"<profile>": {<its grant fields>}}, the
  // IssueTokenRequest's grants oneof in protobuf's JSON mapping.
  std::string grants;

  // Token input (verify, renew, revoke, subscribe): the token, "-" or ""
  // for stdin.
  std::string token;

  // exchange: files holding the subject and actor tokens ("-": stdin) and
  // their RFC 8693 types (empty: urn:ietf:params:oauth:token-type:jwt).
  std::string subject_token_file;
  std::string actor_token_file;
  std::string subject_token_type;
  std::string actor_token_type;

  // revoke targets.
  std::string token_id;
  std::string subject;
  bool tenant_wide = false;
  std::string reason;

  // subscribe.
  bool show_token = false;
  int count = 0;  // stop after this many events; 0: until the stream ends

  // health.
  std::string service;
};

}  // namespace tokend::tokenctl

#endif  // TOKEND_SERVER_TOKENCTL_OPTIONS_H_
