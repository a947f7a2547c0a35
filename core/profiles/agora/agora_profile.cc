#include "core/profiles/agora/agora_profile.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/profiles/agora/agora_legacy.h"
#include "core/profiles/agora/agora_limits.h"
#include "core/profiles/agora/agora_packer.h"
#include "core/profiles/internal/profile_common.h"
#include "core/random.h"
#include "core/reason.h"
#include "core/token_facts.h"

namespace tokend {
namespace {

constexpr int64_t kMaxUint32 = 0xFFFFFFFFll;
const int64_t kMaxTtlSeconds = absl::ToInt64Seconds(kAgoraMaxTtl);

// A 006 token carries its expiry but no issue time. Agora caps a token at
// 24 h, and Agora's own builder writes an expiry of exactly issue + 24 h, so
// no 006 token can have been issued before its expiry less 24 h.
absl::Time EarliestIssueOf006(absl::Time expires_at) {
  return expires_at - kAgoraMaxTtl;
}

std::string ServiceField(size_t index, absl::string_view field) {
  return absl::StrCat("grants.agora.services[", index, "].", field);
}

std::string PrivilegeField(uint16_t type, uint16_t id) {
  return absl::StrCat("privilege.", type, ".", id);
}

bool HasChannel(uint16_t type) {
  return type == kAgoraRtc || type == kAgoraStreaming || type == kAgoraFcdn;
}

// The identity a service names: RTC/Streaming/FCDN account (uid resolved),
// RTM/RTM2/Chat user id, APaaS user uuid; "" for FPA.
std::string IdentityOf(const AgoraService& s) {
  switch (s.type) {
    case kAgoraRtc:
    case kAgoraStreaming:
    case kAgoraFcdn:
      if (s.uid.has_value()) {
        return *s.uid == 0 ? std::string() : absl::StrCat(*s.uid);
      }
      return s.account;
    case kAgoraRtm:
    case kAgoraRtm2:
    case kAgoraChat:
      return s.user_id;
    case kAgoraApaas:
      return s.user_uuid;
    default:
      return std::string();
  }
}

// TokenInfo.subject: the identity of the first service in token order.
std::string SubjectOf(const std::vector<AgoraService>& services) {
  const AgoraService* first = nullptr;
  for (const AgoraService& s : services) {
    if (first == nullptr || s.type < first->type) first = &s;
  }
  return first == nullptr ? std::string() : IdentityOf(*first);
}

// Agora's builder defaults for a service given without privileges (Chat and
// APaaS: their resolved kind's privilege).
std::map<uint16_t, uint32_t> DefaultPrivileges(const AgoraService& s,
                                               uint32_t ttl) {
  switch (s.type) {
    case kAgoraStreaming:
    case kAgoraFcdn:
      return {{1, ttl}, {2, ttl}};
    case kAgoraChat:
      return {
          {static_cast<uint16_t>(s.chat_kind == AgoraChatKind::kApp ? 2 : 1),
           ttl}};
    case kAgoraApaas:
      switch (s.apaas_kind) {
        case AgoraApaasKind::kUser:
          return {{2, ttl}};
        case AgoraApaasKind::kApp:
          return {{3, ttl}};
        default:
          return {{1, ttl}};
      }
    default:
      return {{1, ttl}};
  }
}

// A Chat service is a user token (privilege 1, for user_id or the subject)
// or an app token (privilege 2, no user id): the kind or the privileges say
// which, and without either it is a user token. An app token is never the
// fallback for a missing user id.
absl::Status ResolveChat(AgoraService* s, const std::string& subject,
                         size_t i) {
  const bool user =
      s->chat_kind == AgoraChatKind::kUser || s->privileges.count(1) != 0 ||
      (s->chat_kind == AgoraChatKind::kUnspecified && s->privileges.empty());
  const bool app =
      s->chat_kind == AgoraChatKind::kApp || s->privileges.count(2) != 0;
  if (user && app) {
    return Error(Reason::kInvalidArgument,
                 "a Chat service is a user token (privilege 1) or an app "
                 "token (privilege 2), not both",
                 ServiceField(i, "privileges"));
  }
  if (app) {
    if (!s->user_id.empty()) {
      return Error(Reason::kInvalidArgument,
                   "must be empty for a Chat app token",
                   ServiceField(i, "user_id"));
    }
    s->chat_kind = AgoraChatKind::kApp;
    return absl::OkStatus();
  }
  if (s->user_id.empty()) s->user_id = subject;
  if (s->user_id.empty()) {
    return Error(Reason::kInvalidArgument,
                 "a Chat user token needs a user id (user_id or the "
                 "request's subject); an app token is asked for with kind APP",
                 ServiceField(i, "user_id"));
  }
  s->chat_kind = AgoraChatKind::kUser;
  return absl::OkStatus();
}

// An APaaS kind names exactly one privilege (room user 1, user 2, app 3):
// explicit privileges of another kind would smuggle it in.
absl::Status CheckApaasPrivileges(const AgoraService& s, size_t i) {
  uint16_t only = 0;
  const char* kind = "";
  switch (s.apaas_kind) {
    case AgoraApaasKind::kExplicit:
      return absl::OkStatus();
    case AgoraApaasKind::kRoomUser:
      only = 1;
      kind = "ROOM_USER";
      break;
    case AgoraApaasKind::kUser:
      only = 2;
      kind = "USER";
      break;
    case AgoraApaasKind::kApp:
      only = 3;
      kind = "APP";
      break;
  }
  for (const auto& [id, expire] : s.privileges) {
    if (id != only) {
      return Error(Reason::kInvalidArgument,
                   absl::StrCat("an APaaS ", kind,
                                " token carries only privilege ", only),
                   ServiceField(i, "privileges"));
    }
  }
  return absl::OkStatus();
}

// Applies the subject and privilege defaults, checks Agora's limits and
// expands APaaS room-user services (appended after the given ones, so error
// indices stay those of the request). The result is what gets packed and
// reported back; it re-issues to the same services (kinds made explicit).
absl::StatusOr<std::vector<AgoraService>> ExpandServices(
    const std::vector<AgoraService>& given, const std::string& subject,
    uint32_t ttl) {
  std::vector<AgoraService> out = given;
  std::vector<AgoraService> extra;
  for (size_t i = 0; i < out.size(); ++i) {
    AgoraService& s = out[i];
    if (!IsKnownAgoraService(s.type)) {
      return Error(Reason::kInvalidArgument,
                   absl::StrCat("cannot issue service type ", s.type,
                                ": tokend does not know its layout"),
                   ServiceField(i, "type"));
    }
    for (const auto& [id, expire] : s.privileges) {
      if (expire > kMaxTtlSeconds) {
        return ErrorWithCode(
            absl::StatusCode::kInvalidArgument, Reason::kLifetimeExceeded,
            "privilege expiry over 24 h", ServiceField(i, "privileges"));
      }
    }
    switch (s.type) {
      case kAgoraRtc:
      case kAgoraStreaming:
      case kAgoraFcdn:
        if (!s.uid.has_value() && s.account.empty()) s.account = subject;
        if (!s.uid.has_value() && s.account.empty()) {
          return Error(Reason::kInvalidArgument,
                       "name the user: a uid, an account or the request's "
                       "subject (uid 0 asks for any uid)",
                       ServiceField(i, "account"));
        }
        break;
      case kAgoraRtm:
      case kAgoraRtm2:
        if (s.user_id.empty()) s.user_id = subject;
        break;
      case kAgoraChat:
        if (absl::Status st = ResolveChat(&s, subject, i); !st.ok()) {
          return st;
        }
        break;
      case kAgoraApaas:
        switch (s.apaas_kind) {
          case AgoraApaasKind::kExplicit:
            break;
          case AgoraApaasKind::kRoomUser:
            if (s.user_uuid.empty()) s.user_uuid = subject;
            if (s.room_uuid.empty() || s.user_uuid.empty()) {
              return Error(Reason::kInvalidArgument,
                           "a room-user token needs room_uuid and user_uuid",
                           ServiceField(i, s.room_uuid.empty() ? "room_uuid"
                                                               : "user_uuid"));
            }
            break;
          case AgoraApaasKind::kUser:
            if (s.user_uuid.empty()) s.user_uuid = subject;
            s.room_uuid.clear();
            s.apaas_role = -1;
            if (s.user_uuid.empty()) {
              return Error(Reason::kInvalidArgument,
                           "a user token needs user_uuid",
                           ServiceField(i, "user_uuid"));
            }
            break;
          case AgoraApaasKind::kApp:
            s.room_uuid.clear();
            s.user_uuid.clear();
            s.apaas_role = -1;
            break;
        }
        if (absl::Status st = CheckApaasPrivileges(s, i); !st.ok()) return st;
        break;
      default:
        break;
    }
    if (s.privileges.empty()) s.privileges = DefaultPrivileges(s, ttl);
    if (absl::Status st = agora::CheckAgoraLimits(
            s, Reason::kInvalidArgument,
            absl::StrCat("grants.agora.services[", i, "]"));
        !st.ok()) {
      return st;
    }
    if (s.type == kAgoraApaas && s.apaas_kind == AgoraApaasKind::kRoomUser) {
      // ApaasTokenBuilder.buildRoomUserToken: RTM login for the user and a
      // Chat user token for md5_hex(user_uuid), both expiring with the token.
      AgoraService rtm;
      rtm.type = kAgoraRtm;
      rtm.user_id = s.user_uuid;
      rtm.privileges = {{1, ttl}};
      extra.push_back(std::move(rtm));
      AgoraService chat;
      chat.type = kAgoraChat;
      chat.user_id = agora::Md5Hex(s.user_uuid);
      chat.privileges = {{1, ttl}};
      extra.push_back(std::move(chat));
    }
    // What the caller gets back re-issues to the same services.
    s.apaas_kind = AgoraApaasKind::kExplicit;
    s.chat_kind = AgoraChatKind::kUnspecified;
  }
  for (AgoraService& s : extra) out.push_back(std::move(s));
  return out;
}

// A service that acts for the whole app rather than one user: a Chat app
// token (privilege 2) or an APaaS app token (privilege 3). The same test
// serves an expanded request and a verified token's grants.
bool ActsForTheApp(const AgoraService& s) {
  return (s.type == kAgoraChat && s.privileges.count(2) != 0) ||
         (s.type == kAgoraApaas && s.privileges.count(3) != 0);
}

// Token order: stable by type.
void SortByType(std::vector<AgoraService>* services) {
  const auto by_type = [](const AgoraService& a, const AgoraService& b) {
    return a.type < b.type;
  };
  // Usually sorted already; stable_sort would still allocate a buffer.
  if (std::is_sorted(services->begin(), services->end(), by_type)) return;
  std::stable_sort(services->begin(), services->end(), by_type);
}

// Whether a service is for the expected channel: only RTC, Streaming and
// FCDN services name one; an RTC service for Agora's wildcard channel "*"
// is for every channel.
bool ServesChannel(const AgoraService& s, const std::string& channel) {
  if (!HasChannel(s.type)) return false;
  return s.channel == channel ||
         (s.type == kAgoraRtc && s.channel == agora::kWildcardChannel);
}

// Whether a service is for the expected identity. RTC, Streaming and FCDN
// with no account ("", uid 0) admit any uid, as Agora does. Every other
// service must name the identity: an app token (Chat, APaaS) is nobody's
// user token, and FPA or an unknown service names nobody.
bool ServesAccount(const AgoraService& s, const std::string& account) {
  const std::string identity = IdentityOf(s);
  if (HasChannel(s.type)) return identity.empty() || identity == account;
  switch (s.type) {
    case kAgoraRtm:
    case kAgoraRtm2:
    case kAgoraChat:
    case kAgoraApaas:
      return !identity.empty() && identity == account;
    default:
      return false;
  }
}

// The service holding an expected privilege must be for the expected
// channel when it names channels at all. RTM, RTM2, Chat, FPA and APaaS
// services name none: for them the channel is met by the token as a whole,
// which CheckServices requires to have a service for that channel (and
// refuses when it has none).
bool ChannelMatches(const AgoraService& s, const VerifyExpectations& expect) {
  return !expect.channel.has_value() || !HasChannel(s.type) ||
         ServesChannel(s, *expect.channel);
}

bool AccountMatches(const AgoraService& s, const VerifyExpectations& expect) {
  return !expect.account.has_value() || ServesAccount(s, *expect.account);
}

// Agora tokens carry no audience: an expected one cannot be met.
absl::Status CheckNoAudience(const VerifyExpectations& expect) {
  if (!expect.audience.has_value()) return absl::OkStatus();
  return Error(Reason::kAudienceMismatch, "Agora tokens carry no audience",
               "audience");
}

// Checks channel/account and every requested privilege of a 007 token.
absl::Status CheckServices(const std::vector<AgoraService>& services,
                           const VerifyExpectations& expect,
                           absl::Time issued_at, absl::Time expires_at,
                           absl::Time now, absl::Duration slack) {
  if (absl::Status st = CheckNoAudience(expect); !st.ok()) return st;
  if (expect.channel.has_value() || expect.account.has_value()) {
    bool channel_seen = false, matched = false;
    for (const AgoraService& s : services) {
      if (expect.channel.has_value() && !ServesChannel(s, *expect.channel)) {
        continue;
      }
      channel_seen = true;
      if (AccountMatches(s, expect)) {
        matched = true;
        break;
      }
    }
    if (!channel_seen) {
      return Error(Reason::kBadClaim, "no service for this channel", "channel");
    }
    if (!matched) {
      return Error(Reason::kBadClaim, "no service for this account", "account");
    }
  }
  for (const auto& [type, id] : expect.privileges) {
    bool present = false, channel_seen = false, found = false;
    absl::Time best = absl::InfinitePast();
    for (const AgoraService& s : services) {
      if (s.type != type) continue;
      auto it = s.privileges.find(id);
      if (it == s.privileges.end()) continue;
      present = true;
      if (!ChannelMatches(s, expect)) continue;
      channel_seen = true;
      if (!AccountMatches(s, expect)) continue;
      found = true;
      const absl::Time until =
          it->second == 0 ? expires_at : issued_at + absl::Seconds(it->second);
      best = std::max(best, until);
    }
    if (!present) {
      return Error(Reason::kBadClaim, "privilege not granted",
                   PrivilegeField(type, id));
    }
    if (!channel_seen) {
      return Error(Reason::kBadClaim, "privilege not granted for this channel",
                   "channel");
    }
    if (!found) {
      return Error(Reason::kBadClaim, "privilege not granted for this account",
                   "account");
    }
    if (now >= best + slack) {
      return Error(Reason::kTokenExpired, "privilege expired",
                   PrivilegeField(type, id));
    }
  }
  return absl::OkStatus();
}

// Agora's names in every service a verified token carries.
absl::Status CheckLimitsOnVerify(const std::vector<AgoraService>& services) {
  for (size_t i = 0; i < services.size(); ++i) {
    if (absl::Status st = agora::CheckAgoraLimits(
            services[i], Reason::kBadClaim, absl::StrCat("services[", i, "]"));
        !st.ok()) {
      return st;
    }
  }
  return absl::OkStatus();
}

class AgoraProfile final : public Profile {
 public:
  explicit AgoraProfile(AgoraProfileConfig config)
      : config_(std::move(config)) {}

  absl::string_view name() const override { return "agora"; }

  // Chat and APaaS app tokens. A request is judged by the services it would
  // write (defaults applied), a verified token by the services it carries:
  // the same test on the same services.
  bool IsAppLevel(const IssueInput& input) const override {
    const AgoraGrants* grants = std::get_if<AgoraGrants>(&input.grants);
    if (grants == nullptr) return false;
    absl::StatusOr<std::vector<AgoraService>> services =
        ExpandServices(grants->services, input.subject, /*ttl=*/1);
    // A request that does not expand is refused by Issue anyway.
    if (!services.ok()) return false;
    return std::any_of(services->begin(), services->end(), ActsForTheApp);
  }

  absl::StatusOr<TokenInfo> Issue(const IssueInput& input,
                                  absl::Time now) const override;
  absl::StatusOr<TokenInfo> Verify(absl::string_view token,
                                   const VerifyExpectations& expect,
                                   absl::Time now) const override {
    return VerifyInTwoPhases(token, expect, now);
  }

  // 007: Authenticate is the size cap, decode, parse, signature, app id and
  // the 24 h bounds (all before any clock rule in Agora's order); Check is
  // issue time and expiry, then Agora's name limits (kept as `deferred`,
  // since they come after the clock), then the call's channel, account and
  // privileges. 006 tokens (no issue time; a salted signature over the
  // call's channel and uid) are kept whole and verified in full by Check.
  bool SupportsAuthenticate() const override { return true; }
  absl::StatusOr<VerifiedToken> Authenticate(
      absl::string_view token) const override;
  absl::StatusOr<TokenInfo> Check(const VerifiedToken& verified,
                                  const VerifyExpectations& expect,
                                  absl::Time now) const override;
  // The app certificate is the profile's own: a new one is a new profile.
  bool Trusts(const VerifiedToken& verified) const override { return true; }

 private:
  absl::StatusOr<TokenInfo> IssueLegacy(const IssueInput& input,
                                        AgoraGrants grants, uint32_t issue_ts,
                                        uint32_t ttl, absl::Time now) const;
  // The checks after a good 007 signature: those that need neither the
  // clock nor the call (app id, 24 h bounds), then the rest in order (issue
  // time, expiry, `limits` — Agora's name limits, found by Authenticate —
  // and the call's expectations).
  absl::Status CheckAccessToken2Bounds(
      const agora::ParsedAccessToken2& parsed) const;
  absl::Status CheckAccessToken2Times(const std::vector<AgoraService>& services,
                                      const TokenInfo& info,
                                      const absl::Status& limits,
                                      const VerifyExpectations& expect,
                                      absl::Time now) const;
  absl::StatusOr<TokenInfo> VerifyLegacy(absl::string_view token,
                                         const VerifyExpectations& expect,
                                         absl::Time now) const;
  // The checks after a good 006 signature.
  absl::Status CheckAccessToken006(const agora::ParsedAccessToken006& parsed,
                                   const AgoraService& service,
                                   const VerifyExpectations& expect,
                                   absl::Time now) const;
  // Leeway plus the renewal grace, if any.
  absl::Duration Slack(const VerifyExpectations& expect) const {
    return config_.leeway + std::max(expect.expiry_grace, absl::ZeroDuration());
  }

  const AgoraProfileConfig config_;
};

absl::StatusOr<TokenInfo> AgoraProfile::Issue(const IssueInput& input,
                                              absl::Time now) const {
  const AgoraGrants* given = std::get_if<AgoraGrants>(&input.grants);
  if (given == nullptr) {
    return Error(Reason::kInvalidArgument, "agora grants are required",
                 "grants.agora");
  }
  absl::StatusOr<absl::Duration> ttl = ResolveTtl(config_.ttl, input.ttl);
  if (!ttl.ok()) return ttl.status();
  if (!given->app_id.empty() && given->app_id != config_.app_id) {
    return Error(Reason::kInvalidArgument, "not this tenant's app id",
                 "grants.agora.app_id");
  }
  const int64_t now_s = absl::ToUnixSeconds(now);
  const int64_t ttl_s = absl::ToInt64Seconds(*ttl);
  if (now_s < 0 || now_s + ttl_s > kMaxUint32) {
    return Error(Reason::kInternal, "clock outside the uint32 range");
  }
  const auto issue_ts = static_cast<uint32_t>(now_s);
  absl::StatusOr<std::vector<AgoraService>> services = ExpandServices(
      given->services, input.subject, static_cast<uint32_t>(ttl_s));
  if (!services.ok()) return services.status();

  AgoraGrants grants;
  grants.legacy_006 = given->legacy_006;
  grants.services = *std::move(services);
  grants.app_id = config_.app_id;
  if (grants.legacy_006) {
    return IssueLegacy(input, std::move(grants), issue_ts,
                       static_cast<uint32_t>(ttl_s), now);
  }
  grants.salt = SecureRandomUint32();
  TokenInfo info;
  absl::StatusOr<std::string> token =
      agora::BuildAccessToken2(config_.app_id, config_.app_certificate,
                               issue_ts, static_cast<uint32_t>(ttl_s),
                               grants.salt, grants.services, &info.token_id);
  if (!token.ok()) return token.status();

  SortByType(&grants.services);
  info.token = *std::move(token);
  info.subject = SubjectOf(grants.services);
  info.issued_at = absl::FromUnixSeconds(issue_ts);
  info.expires_at = info.issued_at + *ttl;
  info.session_started = EffectiveSessionStart(input.session_started, now);
  info.grants = std::move(grants);
  return info;
}

absl::StatusOr<TokenInfo> AgoraProfile::IssueLegacy(const IssueInput& input,
                                                    AgoraGrants grants,
                                                    uint32_t issue_ts,
                                                    uint32_t ttl,
                                                    absl::Time now) const {
  if (grants.services.size() != 1) {
    return Error(Reason::kInvalidArgument,
                 "a 006 token takes exactly one RTC or RTM service",
                 "grants.agora.services");
  }
  const AgoraService& s = grants.services[0];
  std::string channel, uid;
  std::map<uint16_t, uint32_t> privileges;
  const auto absolute = [&](uint32_t relative) {
    return issue_ts + (relative == 0 ? ttl : relative);
  };
  if (s.type == kAgoraRtc) {
    absl::StatusOr<std::string> account = agora::ResolveServiceAccount(s, 0);
    if (!account.ok()) return account.status();
    for (const auto& [id, relative] : s.privileges) {
      if ((id < 1 || id > 4) && id != agora::kLegacyAdministrateChannel) {
        return Error(Reason::kInvalidArgument,
                     absl::StrCat("unknown 006 RTC privilege ", id),
                     ServiceField(0, "privileges"));
      }
      privileges[id] = absolute(relative);
    }
    channel = s.channel;
    uid = *std::move(account);
  } else if (s.type == kAgoraRtm) {
    for (const auto& [id, relative] : s.privileges) {
      if (id != 1) {
        return Error(Reason::kInvalidArgument,
                     absl::StrCat("unknown RTM privilege ", id),
                     ServiceField(0, "privileges"));
      }
      privileges[agora::kLegacyRtmLogin] = absolute(relative);
    }
    // 006 RTM: AccessToken(appId, cert, channelName = user id, uid = "").
    channel = s.user_id;
  } else {
    return Error(Reason::kInvalidArgument,
                 "a 006 token takes an RTC or RTM service",
                 ServiceField(0, "type"));
  }
  const uint32_t salt = SecureRandomUint32();
  TokenInfo info;
  absl::StatusOr<std::string> token = agora::BuildAccessToken006(
      config_.app_id, config_.app_certificate, channel, uid, salt,
      issue_ts + ttl, privileges, &info.token_id);
  if (!token.ok()) return token.status();
  grants.salt = salt;
  info.token = *std::move(token);
  info.subject = IdentityOf(s);
  info.issued_at = absl::FromUnixSeconds(issue_ts);
  info.expires_at = info.issued_at + absl::Seconds(ttl);
  info.earliest_issue = EarliestIssueOf006(info.expires_at);
  info.session_started = EffectiveSessionStart(input.session_started, now);
  info.grants = std::move(grants);
  return info;
}

absl::StatusOr<VerifiedToken> AgoraProfile::Authenticate(
    absl::string_view token) const {
  if (token.size() > config_.max_token_bytes) {
    return Error(Reason::kTokenTooLarge, "token over the size limit");
  }
  absl::StatusOr<VerifiedToken> out(absl::in_place);
  if (absl::StartsWith(token, agora::kVersion006)) {
    if (!config_.accept_legacy_006) {
      return Error(Reason::kMalformed, "006 tokens are not accepted");
    }
    // Verified in full by Check (see above): the token is kept.
    out->info.token = std::string(token);
    return out;
  }
  absl::StatusOr<absl::string_view> payload = agora::DecodeAccessToken2(
      token, config_.max_token_bytes, config_.max_payload_bytes);
  if (!payload.ok()) return payload.status();
  agora::ParsedAccessToken2 parsed;
  if (absl::Status st = agora::ParseAccessToken2Payload(*payload, &parsed);
      !st.ok()) {
    return st;
  }
  // The signature first: any altered byte, the app id's included, is a
  // bad signature. A genuine token of another app id signed with the same
  // certificate is then refused on the app id.
  const agora::Sha256Digest signature =
      agora::AccessToken2Signature(config_.app_certificate, parsed.issue_ts,
                                   parsed.salt, parsed.signing_info);
  if (CRYPTO_memcmp(parsed.signature.data(), signature.data(),
                    signature.size()) != 0) {
    return Error(Reason::kBadSignature, "signature mismatch");
  }
  // From here on the id and times are the issuer's own: every failure
  // carries them (core/token_facts.h).
  TokenInfo& info = out->info;
  info.token_id = agora::AgoraContentId(agora::kVersion007, *payload);
  info.issued_at = absl::FromUnixSeconds(parsed.issue_ts);
  info.expires_at = info.issued_at + absl::Seconds(parsed.expire);
  if (absl::Status st = CheckAccessToken2Bounds(parsed); !st.ok()) {
    return WithTokenFacts(std::move(st),
                          {info.token_id, info.issued_at, info.expires_at});
  }
  out->deferred = CheckLimitsOnVerify(parsed.services);
  // The services as the token carries them: Check matches the call against
  // these, then reports them as a renewal needs them.
  AgoraGrants& grants = info.grants.emplace<AgoraGrants>();
  grants.app_id = std::string(parsed.app_id);
  grants.salt = parsed.salt;
  grants.services = std::move(parsed.services);
  info.session_started = info.issued_at;
  return out;
}

absl::StatusOr<TokenInfo> AgoraProfile::Check(const VerifiedToken& verified,
                                              const VerifyExpectations& expect,
                                              absl::Time now) const {
  if (!verified.info.token.empty()) {
    return VerifyLegacy(verified.info.token, expect, now);
  }
  const TokenInfo& stored = verified.info;
  const AgoraGrants& carried = std::get<AgoraGrants>(stored.grants);
  if (absl::Status st = CheckAccessToken2Times(carried.services, stored,
                                               verified.deferred, expect, now);
      !st.ok()) {
    return WithTokenFacts(
        std::move(st), {stored.token_id, stored.issued_at, stored.expires_at});
  }
  TokenInfo info = stored;
  AgoraGrants& grants = std::get<AgoraGrants>(info.grants);
  for (AgoraService& s : grants.services) {
    // The "any uid" wildcard comes back as uid 0, so a renewal keeps it
    // instead of filling in the subject.
    if (HasChannel(s.type) && s.account.empty()) s.uid = 0;
  }
  info.subject = SubjectOf(grants.services);
  return info;
}

absl::Status AgoraProfile::CheckAccessToken2Bounds(
    const agora::ParsedAccessToken2& parsed) const {
  if (parsed.app_id != config_.app_id) {
    return Error(Reason::kBadClaim, "not this tenant's app id", "app_id");
  }
  // Agora's 24 h maximum holds for the token and for every privilege in it
  // (a privilege written as a timestamp instead of seconds is the usual
  // mistake, and reads as decades).
  if (parsed.expire > kMaxTtlSeconds) {
    return Error(Reason::kLifetimeExceeded,
                 "token lifetime over 24 h (Agora's maximum)", "expire");
  }
  for (const AgoraService& s : parsed.services) {
    for (const auto& [id, expire] : s.privileges) {
      if (expire > kMaxTtlSeconds) {
        return Error(Reason::kLifetimeExceeded,
                     "privilege expiry over 24 h (Agora's maximum)",
                     PrivilegeField(s.type, id));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status AgoraProfile::CheckAccessToken2Times(
    const std::vector<AgoraService>& services, const TokenInfo& info,
    const absl::Status& limits, const VerifyExpectations& expect,
    absl::Time now) const {
  if (info.issued_at > now + config_.leeway) {
    return Error(Reason::kIatInFuture, "issued in the future", "issue_ts");
  }
  const absl::Duration slack = Slack(expect);
  if (now >= info.expires_at + slack) {
    return Error(Reason::kTokenExpired, "token expired", "expire");
  }
  if (!limits.ok()) return limits;
  return CheckServices(services, expect, info.issued_at, info.expires_at, now,
                       slack);
}

absl::StatusOr<TokenInfo> AgoraProfile::VerifyLegacy(
    absl::string_view token, const VerifyExpectations& expect,
    absl::Time now) const {
  agora::ParsedAccessToken006 parsed;
  if (absl::Status st =
          agora::ParseAccessToken006(token, config_.max_token_bytes, &parsed);
      !st.ok()) {
    return st;
  }
  // The channel and uid are only CRC-32s in the token: the signature can be
  // checked only against the caller's. An RTM token signs channel = user
  // id, uid = "".
  const bool rtm = parsed.privileges.count(agora::kLegacyRtmLogin) != 0;
  const uint32_t any_uid_crc = agora::Crc32("");
  std::string channel, uid;
  if (rtm) {
    if (!expect.account.has_value()) {
      return Error(Reason::kInvalidArgument,
                   "verifying a 006 RTM token needs the user id", "account");
    }
    channel = *expect.account;
    if (parsed.crc_channel != agora::Crc32(channel)) {
      return Error(Reason::kBadClaim, "token is for another user", "account");
    }
  } else {
    if (!expect.channel.has_value()) {
      return Error(Reason::kInvalidArgument,
                   "verifying a 006 token needs the channel", "channel");
    }
    channel = *expect.channel;
    if (parsed.crc_channel != agora::Crc32(channel)) {
      return Error(Reason::kBadClaim, "token is for another channel",
                   "channel");
    }
    if (parsed.crc_uid != any_uid_crc) {
      if (!expect.account.has_value()) {
        return Error(Reason::kInvalidArgument,
                     "verifying this 006 token needs the uid or account",
                     "account");
      }
      uid = *expect.account;
      if (parsed.crc_uid != agora::Crc32(uid)) {
        return Error(Reason::kBadClaim, "token is for another account",
                     "account");
      }
    }
  }
  if (!agora::VerifyAccessToken006Signature(parsed, config_.app_certificate,
                                            channel, uid)) {
    return Error(Reason::kBadSignature, "signature mismatch");
  }

  // No issue time in 006: a verdict reports the verification time, capped
  // at the expiry, and relative expiries for a re-issue are what is left.
  const absl::Time expires_at = absl::FromUnixSeconds(parsed.ts);
  const absl::Time issued_at = std::min(now, expires_at);
  const int64_t issued_s = absl::ToUnixSeconds(issued_at);
  AgoraService service;
  service.type = rtm ? kAgoraRtm : kAgoraRtc;
  for (const auto& [id, absolute] : parsed.privileges) {
    uint32_t relative = 0;
    if (absolute != 0 && absolute < parsed.ts) {
      relative = static_cast<uint32_t>(
          std::max<int64_t>(int64_t{absolute} - issued_s, 1));
    }
    service.privileges[rtm && id == agora::kLegacyRtmLogin ? 1 : id] = relative;
  }
  if (rtm) {
    service.user_id = channel;
  } else {
    service.channel = channel;
    if (uid.empty()) {
      service.uid = 0;
    } else {
      service.account = uid;
    }
  }
  TokenInfo info;
  info.token_id = agora::AccessToken006Id(parsed.app_id, parsed.content);
  info.issued_at = issued_at;
  info.expires_at = expires_at;
  info.earliest_issue = EarliestIssueOf006(expires_at);
  if (absl::Status st = CheckAccessToken006(parsed, service, expect, now);
      !st.ok()) {
    return WithTokenFacts(std::move(st),
                          {info.token_id, info.issued_at, info.expires_at});
  }

  AgoraGrants grants;
  grants.legacy_006 = true;
  grants.app_id = std::string(parsed.app_id);
  grants.salt = parsed.salt;
  info.subject = IdentityOf(service);
  grants.services.push_back(std::move(service));
  info.token = std::string(token);
  info.session_started = issued_at;
  info.grants = std::move(grants);
  return info;
}

absl::Status AgoraProfile::CheckAccessToken006(
    const agora::ParsedAccessToken006& parsed, const AgoraService& service,
    const VerifyExpectations& expect, absl::Time now) const {
  const bool rtm = service.type == kAgoraRtm;
  if (parsed.app_id != config_.app_id) {
    return Error(Reason::kBadClaim, "not this tenant's app id", "app_id");
  }
  if (absl::Status st = CheckNoAudience(expect); !st.ok()) return st;
  if (rtm) {
    // An RTM token signs its user id in the channel's place: it is for no
    // channel, so an expected one cannot be met.
    if (expect.channel.has_value()) {
      return Error(Reason::kBadClaim, "a 006 RTM token is for no channel",
                   "channel");
    }
    for (const auto& [id, absolute] : parsed.privileges) {
      if (id != agora::kLegacyRtmLogin) {
        return Error(Reason::kBadClaim,
                     "a 006 RTM token carries only the RTM login privilege",
                     PrivilegeField(kAgoraRtc, id));
      }
    }
  }
  // 006 times are absolute, and there is no issue time: Agora's 24 h
  // maximum holds from now for `ts`, the token's own expiry. A privilege
  // lasts at most until `ts` whatever its own timestamp says (Agora's own
  // 006 vectors write privileges years past `ts`), so this caps them too.
  if (absl::FromUnixSeconds(parsed.ts) > now + kAgoraMaxTtl + config_.leeway) {
    return Error(Reason::kLifetimeExceeded,
                 "token valid for more than 24 h from now (Agora's maximum)",
                 "ts");
  }
  const absl::Time expires_at = absl::FromUnixSeconds(parsed.ts);
  const absl::Duration slack = Slack(expect);
  if (now >= expires_at + slack) {
    return Error(Reason::kTokenExpired, "token expired", "ts");
  }
  if (absl::Status st =
          agora::CheckAgoraLimits(service, Reason::kBadClaim, "services[0]");
      !st.ok()) {
    return st;
  }
  for (const auto& [type, id] : expect.privileges) {
    uint16_t legacy_id = 0;
    if (!rtm && type == kAgoraRtc) legacy_id = id;
    if (rtm && type == kAgoraRtm && id == 1) legacy_id = agora::kLegacyRtmLogin;
    auto it = parsed.privileges.find(legacy_id);
    if (legacy_id == 0 || it == parsed.privileges.end()) {
      return Error(Reason::kBadClaim, "privilege not granted",
                   PrivilegeField(type, id));
    }
    const absl::Time until =
        it->second == 0 ? expires_at : absl::FromUnixSeconds(it->second);
    if (now >= until + slack) {
      return Error(Reason::kTokenExpired, "privilege expired",
                   PrivilegeField(type, id));
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::string AgoraTokenId(absl::string_view token) {
  const AgoraProfileConfig limits;
  if (absl::StartsWith(token, agora::kVersion006)) {
    agora::ParsedAccessToken006 parsed;
    if (!agora::ParseAccessToken006(token, limits.max_token_bytes, &parsed)
             .ok()) {
      return std::string();
    }
    return agora::AccessToken006Id(parsed.app_id, parsed.content);
  }
  absl::StatusOr<absl::string_view> payload = agora::DecodeAccessToken2(
      token, limits.max_token_bytes, limits.max_payload_bytes);
  if (!payload.ok()) return std::string();
  return agora::AgoraContentId(agora::kVersion007, *payload);
}

absl::StatusOr<std::shared_ptr<const Profile>> NewAgoraProfile(
    AgoraProfileConfig config) {
  if (!agora::IsAgoraId(config.app_id)) {
    return Error(Reason::kInvalidArgument, "must be 32 hex characters",
                 "app_id");
  }
  if (!agora::IsAgoraId(config.app_certificate)) {
    return Error(Reason::kInvalidArgument, "must be 32 hex characters",
                 "app_certificate");
  }
  if (absl::Status st = ValidateTtlBounds(config.ttl, "ttl"); !st.ok()) {
    return st;
  }
  if (config.ttl.max_ttl > kAgoraMaxTtl) {
    return Error(Reason::kInvalidArgument, "Agora tokens last at most 24 h",
                 "ttl.max_ttl");
  }
  if (config.leeway < absl::ZeroDuration()) {
    return Error(Reason::kInvalidArgument, "must not be negative", "leeway");
  }
  if (config.max_token_bytes == 0) {
    return Error(Reason::kInvalidArgument, "must be positive",
                 "max_token_bytes");
  }
  if (config.max_payload_bytes == 0 ||
      config.max_payload_bytes > (size_t{1} << 24)) {
    return Error(Reason::kInvalidArgument, "must be in (0, 16 MiB]",
                 "max_payload_bytes");
  }
  return std::make_shared<const AgoraProfile>(std::move(config));
}

}  // namespace tokend
