#include "tools/tokenctl/request.h"

#include <limits>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace tokend::tokenctl {
namespace {

google::protobuf::Value ClaimValue(const std::string& text) {
  google::protobuf::Value value;
  if (!google::protobuf::util::JsonStringToMessage(text, &value).ok()) {
    value.Clear();
    value.set_string_value(text);
  }
  return value;
}

void SetDuration(absl::Duration d, google::protobuf::Duration* out) {
  const int64_t nanos = absl::ToInt64Nanoseconds(d);
  out->set_seconds(nanos / 1000000000);
  out->set_nanos(static_cast<int32_t>(nanos % 1000000000));
}

void DailyGrants(const Options& o, v1::IssueTokenRequest* request) {
  v1::DailyGrants* g = request->mutable_daily();
  g->set_room_name(o.daily_room);
  g->set_user_name(o.daily_user_name);
  if (o.daily_is_owner) g->set_is_owner(*o.daily_is_owner);
}

void LiveKitGrants(const Options& o, v1::IssueTokenRequest* request) {
  v1::LiveKitGrants* g = request->mutable_livekit();
  g->set_name(o.livekit_name);
  v1::LiveKitVideoGrant* v = g->mutable_video();
  v->set_room(o.livekit_room);
  v->set_room_join(o.livekit_room_join);
  if (o.livekit_can_publish) v->set_can_publish(*o.livekit_can_publish);
  if (o.livekit_can_subscribe) v->set_can_subscribe(*o.livekit_can_subscribe);
}

// One RTC service: the channel, the uid or account (else the subject), and
// a role or explicit privileges, every privilege at the same expiry.
absl::Status AgoraGrants(const Options& o, v1::IssueTokenRequest* request) {
  v1::AgoraRtcService* rtc =
      request->mutable_agora()->add_services()->mutable_rtc();
  rtc->set_channel_name(o.agora_channel);
  if (o.agora_uid) {
    if (*o.agora_uid < 0 ||
        *o.agora_uid > std::numeric_limits<uint32_t>::max()) {
      return absl::InvalidArgumentError("--agora_uid is a uint32");
    }
    rtc->set_uid(static_cast<uint32_t>(*o.agora_uid));
  } else if (!o.agora_account.empty()) {
    rtc->set_user_account(o.agora_account);
  }
  const absl::Duration expire =
      o.agora_privilege_expire.value_or(absl::ZeroDuration());
  if (expire < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "--agora_privilege_expire must not be negative");
  }
  if (!o.agora_privileges.empty()) {
    if (!o.agora_role.empty()) {
      return absl::InvalidArgumentError(
          "--agora_role and --agora_privileges exclude each other");
    }
    v1::AgoraRtcPrivileges* e = rtc->mutable_explicit_privileges();
    for (absl::string_view name :
         absl::StrSplit(o.agora_privileges, ',', absl::SkipWhitespace())) {
      name = absl::StripAsciiWhitespace(name);
      google::protobuf::Duration* d = nullptr;
      if (name == "join_channel") d = e->mutable_join_channel();
      if (name == "publish_audio_stream") d = e->mutable_publish_audio_stream();
      if (name == "publish_video_stream") d = e->mutable_publish_video_stream();
      if (name == "publish_data_stream") d = e->mutable_publish_data_stream();
      if (d == nullptr) {
        return absl::InvalidArgumentError(
            absl::StrCat("--agora_privileges: unknown privilege '", name, "'"));
      }
      SetDuration(expire, d);
    }
    return absl::OkStatus();
  }
  if (o.agora_role == "publisher") {
    rtc->set_role(v1::AGORA_RTC_ROLE_PUBLISHER);
  } else if (o.agora_role.empty() || o.agora_role == "subscriber") {
    rtc->set_role(v1::AGORA_RTC_ROLE_SUBSCRIBER);
  } else {
    return absl::InvalidArgumentError(
        "--agora_role is publisher or subscriber");
  }
  if (o.agora_privilege_expire) {
    SetDuration(expire, rtc->mutable_role_privilege_expire());
  }
  return absl::OkStatus();
}

// --grants='{"vonage":{...}}': the JSON names one member of the request's
// grants oneof; nothing else of the request may be set through it.
absl::Status GrantsFromJson(const std::string& json,
                            v1::IssueTokenRequest* request) {
  constexpr char kWant[] =
      " (want {\"<profile>\": {...}} with one of agora, apirtc, vonage, "
      "daily, livekit, twilio, zoom, jwt and that profile's grant fields, "
      "as in proto/tokend/v1)";
  v1::IssueTokenRequest parsed;
  google::protobuf::util::JsonParseOptions parse_options;
  parse_options.ignore_unknown_fields = false;
  const auto parsed_status =
      google::protobuf::util::JsonStringToMessage(json, &parsed, parse_options);
  if (!parsed_status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--grants: ", parsed_status.message().as_string(), kWant));
  }
  if (parsed.grants_case() == v1::IssueTokenRequest::GRANTS_NOT_SET ||
      !parsed.tenant().empty() || parsed.has_subject() || parsed.has_ttl() ||
      parsed.has_not_before()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--grants: names no profile's grants", kWant));
  }
  request->MergeFrom(parsed);
  return absl::OkStatus();
}

}  // namespace

absl::Status BuildExchangeRequest(const Options& options,
                                  v1::ExchangeTokenRequest* request) {
  v1::IssueTokenRequest issue;
  if (absl::Status s = BuildIssueRequest(options, &issue); !s.ok()) return s;
  request->set_tenant(issue.tenant());
  if (issue.has_ttl()) *request->mutable_ttl() = issue.ttl();
  const int number = static_cast<int>(issue.grants_case());
  if (number == 0) return absl::OkStatus();
  const google::protobuf::FieldDescriptor* from =
      issue.GetDescriptor()->FindFieldByNumber(number);
  const google::protobuf::FieldDescriptor* to =
      request->GetDescriptor()->FindFieldByNumber(number);
  if (from == nullptr || to == nullptr ||
      from->message_type() != to->message_type()) {
    return absl::InvalidArgumentError("these grants cannot be exchanged");
  }
  request->GetReflection()
      ->MutableMessage(request, to)
      ->CopyFrom(issue.GetReflection()->GetMessage(issue, from));
  return absl::OkStatus();
}

absl::Status BuildIssueRequest(const Options& options,
                               v1::IssueTokenRequest* request) {
  request->set_tenant(options.tenant);
  if (!options.sub.empty()) {
    request->mutable_subject()->set_user_id(options.sub);
  }
  if (options.ttl < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--ttl must not be negative");
  }
  if (options.ttl > absl::ZeroDuration()) {
    SetDuration(options.ttl, request->mutable_ttl());
  }
  if (options.not_before != absl::InfinitePast()) {
    const int64_t seconds = absl::ToUnixSeconds(options.not_before);
    request->mutable_not_before()->set_seconds(seconds);
    request->mutable_not_before()->set_nanos(
        static_cast<int32_t>(absl::ToInt64Nanoseconds(
            options.not_before - absl::FromUnixSeconds(seconds))));
  }
  const bool jwt_flags = !options.aud.empty() || !options.claims.empty();
  const bool daily_flags = !options.daily_room.empty() ||
                           !options.daily_user_name.empty() ||
                           options.daily_is_owner.has_value();
  const bool livekit_flags =
      !options.livekit_room.empty() || !options.livekit_name.empty() ||
      options.livekit_room_join || options.livekit_can_publish.has_value() ||
      options.livekit_can_subscribe.has_value();
  const bool agora_flags =
      !options.agora_channel.empty() || options.agora_uid.has_value() ||
      !options.agora_account.empty() || !options.agora_role.empty() ||
      !options.agora_privileges.empty() ||
      options.agora_privilege_expire.has_value();
  if (!options.grants.empty()) {
    if (jwt_flags || daily_flags || livekit_flags || agora_flags) {
      return absl::InvalidArgumentError(
          "--grants replaces the grant flags (--aud/--claim, --daily_*, "
          "--livekit_*, --agora_*): give one or the other");
    }
    return GrantsFromJson(options.grants, request);
  }
  if (jwt_flags + daily_flags + livekit_flags + agora_flags > 1) {
    return absl::InvalidArgumentError(
        "grant flags of one profile only (--aud/--claim, --daily_*, "
        "--livekit_* or --agora_*)");
  }
  if (daily_flags) DailyGrants(options, request);
  if (livekit_flags) LiveKitGrants(options, request);
  if (agora_flags) return AgoraGrants(options, request);
  if (!jwt_flags) return absl::OkStatus();

  // --aud and --claim name JWT claims: they select the generic profile's
  // grants (tokend refuses them for a vendor tenant).
  v1::JwtGrants* jwt = request->mutable_jwt();
  for (absl::string_view aud :
       absl::StrSplit(options.aud, ',', absl::SkipWhitespace())) {
    jwt->add_audience(std::string(absl::StripAsciiWhitespace(aud)));
  }
  for (const std::string& claim : options.claims) {
    const size_t eq = claim.find('=');
    if (eq == std::string::npos || eq == 0) {
      return absl::InvalidArgumentError("--claim wants key=value");
    }
    (*jwt->mutable_extra_claims()->mutable_fields())[claim.substr(0, eq)] =
        ClaimValue(claim.substr(eq + 1));
  }
  return absl::OkStatus();
}

}  // namespace tokend::tokenctl
