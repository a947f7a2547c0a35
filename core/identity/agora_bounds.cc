#include "core/identity/agora_bounds.h"

#include <cstdint>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace tokend::identity {
namespace {

// Agora's RTC privilege ids and RTM login (docs/formats/agora.md §1.5).
constexpr uint16_t kJoinChannel = 1;
constexpr uint16_t kPublishAudio = 2;
constexpr uint16_t kPublishVideo = 3;
constexpr uint16_t kPublishData = 4;
constexpr uint16_t kRtmLogin = 1;

absl::string_view ServiceName(uint16_t type) {
  switch (type) {
    case kAgoraRtc:
      return "RTC";
    case kAgoraRtm:
      return "RTM";
    case kAgoraStreaming:
      return "Streaming";
    case kAgoraFpa:
      return "FPA";
    case kAgoraChat:
      return "Chat";
    case kAgoraFcdn:
      return "FCDN";
    case kAgoraApaas:
      return "APaaS";
    case kAgoraRtm2:
      return "RTM2";
  }
  return "unknown";
}

absl::StatusOr<Template> CompileOptional(const std::string& text,
                                         const std::string& field) {
  if (text.empty()) return Template();
  return Template::Compile(text, field);
}

// Lowers each privilege expiry (seconds after issue) to the TTL; 0 ("with
// the token") stays.
void CapExpiries(const BoundsContext& context,
                 std::map<uint16_t, uint32_t>* privileges) {
  const int64_t ttl = absl::ToInt64Seconds(context.ttl);
  for (auto& [id, expiry] : *privileges) {
    if (expiry > ttl) expiry = static_cast<uint32_t>(ttl);
  }
}

}  // namespace

absl::string_view AgoraRoleName(AgoraRole role) {
  return role == AgoraRole::kPublisher ? "publisher" : "subscriber";
}

absl::StatusOr<AgoraBounds> AgoraBounds::Compile(const AgoraBoundsSpec& spec,
                                                 absl::string_view field) {
  AgoraBounds out;
  if (!spec.rtc.has_value() && !spec.rtm.has_value()) {
    return Error(Reason::kInvalidArgument,
                 "name the services the rule covers: rtc and/or rtm", field);
  }
  if (spec.rtc.has_value()) {
    const std::string rtc = absl::StrCat(field, ".rtc");
    out.rtc_ = true;
    if (spec.rtc->channel.empty()) {
      return Error(Reason::kInvalidArgument,
                   "is required: the pattern channels must match (\"*\" for "
                   "any)",
                   absl::StrCat(rtc, ".channel"));
    }
    absl::StatusOr<Template> channel =
        Template::Compile(spec.rtc->channel, absl::StrCat(rtc, ".channel"));
    if (!channel.ok()) return channel.status();
    out.channel_ = *std::move(channel);
    if (!spec.rtc->uid.empty() && !spec.rtc->account.empty()) {
      return Error(Reason::kInvalidArgument, "set uid or account, not both",
                   absl::StrCat(rtc, ".uid"));
    }
    absl::StatusOr<Template> uid =
        CompileOptional(spec.rtc->uid, absl::StrCat(rtc, ".uid"));
    if (!uid.ok()) return uid.status();
    out.uid_ = *std::move(uid);
    absl::StatusOr<Template> account =
        CompileOptional(spec.rtc->account, absl::StrCat(rtc, ".account"));
    if (!account.ok()) return account.status();
    out.account_ = *std::move(account);
    out.max_role_ = spec.rtc->max_role;
  }
  if (spec.rtm.has_value()) {
    out.rtm_ = true;
    absl::StatusOr<Template> user_id =
        CompileOptional(spec.rtm->user_id, absl::StrCat(field, ".rtm.user_id"));
    if (!user_id.ok()) return user_id.status();
    out.user_id_ = *std::move(user_id);
  }
  return out;
}

absl::Status AgoraBounds::ApplyRtc(const BoundsContext& context,
                                   const std::string& field,
                                   AgoraService* service) const {
  absl::StatusOr<GlobPattern> channel =
      channel_.RenderPattern(context.identity);
  if (!channel.ok()) return channel.status();
  if (!channel->Matches(service->channel)) {
    return GrantDenied(
        absl::StrCat(field, ".channel"),
        absl::StrCat("the channel does not match ", channel->ToString()));
  }

  // The identity the rule maps from the caller: a numeric uid, an account,
  // or the subject.
  std::optional<uint32_t> rule_uid;
  std::string rule_identity;
  if (!uid_.empty()) {
    absl::StatusOr<std::string> text = uid_.Render(context.identity);
    if (!text.ok()) return text.status();
    uint32_t value = 0;
    if (!absl::SimpleAtoi(*text, &value) || value == 0 ||
        absl::StrCat(value) != *text) {
      return GrantDenied(absl::StrCat(field, ".uid"),
                         "the rule's uid does not render a decimal uid in "
                         "[1, 4294967295]");
    }
    rule_uid = value;
    rule_identity = *text;
  } else if (!account_.empty()) {
    absl::StatusOr<std::string> text = account_.Render(context.identity);
    if (!text.ok()) return text.status();
    rule_identity = *std::move(text);
  } else {
    rule_identity = context.subject;
  }

  if (!service->uid.has_value() && service->account.empty()) {
    if (rule_uid.has_value()) {
      service->uid = *rule_uid;
    } else {
      service->account = rule_identity;
    }
  } else {
    // As the 007 builders do: a uid is written in decimal, uid 0 as "".
    const std::string asked =
        service->uid.has_value()
            ? (*service->uid == 0 ? "" : absl::StrCat(*service->uid))
            : service->account;
    if (asked != rule_identity) {
      return GrantDenied(
          absl::StrCat(field, service->uid.has_value() ? ".uid" : ".account"),
          asked.empty() ? "a token for any uid is never allowed"
                        : "the uid must be the one the rule maps from the "
                          "caller's identity");
    }
  }

  for (auto& [id, expiry] : service->privileges) {
    const bool join = id == kJoinChannel;
    const bool publish =
        id == kPublishAudio || id == kPublishVideo || id == kPublishData;
    if (join) continue;
    if (publish && max_role_ == AgoraRole::kPublisher) continue;
    return GrantDenied(absl::StrCat(field, ".privileges[", id, "]"),
                       publish
                           ? "publishing needs role publisher; the rule allows "
                             "subscriber"
                           : "privilege not covered by the rule");
  }
  CapExpiries(context, &service->privileges);
  return absl::OkStatus();
}

absl::Status AgoraBounds::ApplyRtm(const BoundsContext& context,
                                   const std::string& field,
                                   AgoraService* service) const {
  std::string rule_user = context.subject;
  if (!user_id_.empty()) {
    absl::StatusOr<std::string> text = user_id_.Render(context.identity);
    if (!text.ok()) return text.status();
    rule_user = *std::move(text);
  }
  if (service->user_id.empty()) {
    service->user_id = rule_user;
  } else if (service->user_id != rule_user) {
    return GrantDenied(absl::StrCat(field, ".user_id"),
                       "the RTM user id must be the one the rule maps from "
                       "the caller's identity");
  }
  for (const auto& [id, expiry] : service->privileges) {
    if (id != kRtmLogin) {
      return GrantDenied(absl::StrCat(field, ".privileges[", id, "]"),
                         "RTM allows login (1) only");
    }
  }
  CapExpiries(context, &service->privileges);
  return absl::OkStatus();
}

absl::Status AgoraBounds::Apply(const BoundsContext& context,
                                AgoraGrants* grants) const {
  if (grants->legacy_006) {
    return GrantDenied("grants.agora.legacy_006",
                       "the legacy 006 format is not covered by exchange "
                       "rules");
  }
  if (grants->services.empty()) {
    return GrantDenied("grants.agora.services", "ask for at least one service");
  }
  for (size_t i = 0; i < grants->services.size(); ++i) {
    AgoraService& service = grants->services[i];
    const std::string field = absl::StrCat("grants.agora.services[", i, "]");
    absl::Status status;
    if (service.type == kAgoraRtc && rtc_) {
      status = ApplyRtc(context, field, &service);
    } else if (service.type == kAgoraRtm && rtm_) {
      status = ApplyRtm(context, field, &service);
    } else {
      status = GrantDenied(absl::StrCat(field, ".type"),
                           absl::StrCat("service type ", service.type, " (",
                                        ServiceName(service.type),
                                        ") is not covered by the rule"));
    }
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

}  // namespace tokend::identity
