#include "server/wire/grants.h"

#include <string>
#include <variant>

#include "absl/strings/str_cat.h"
#include "core/reason.h"

namespace tokend {
namespace {

struct ProfileName {
  absl::string_view name;
  v1::Profile proto;
};
constexpr ProfileName kProfiles[] = {
    {"agora", v1::PROFILE_AGORA},     {"apirtc", v1::PROFILE_APIRTC},
    {"vonage", v1::PROFILE_VONAGE},   {"daily", v1::PROFILE_DAILY},
    {"livekit", v1::PROFILE_LIVEKIT}, {"twilio", v1::PROFILE_TWILIO},
    {"zoom", v1::PROFILE_ZOOM},       {"jwt", v1::PROFILE_JWT},
};

// The profile name a request's grants oneof belongs to.
absl::string_view GrantsProfile(v1::IssueTokenRequest::GrantsCase c) {
  switch (c) {
    case v1::IssueTokenRequest::kAgora:
      return "agora";
    case v1::IssueTokenRequest::kApirtc:
      return "apirtc";
    case v1::IssueTokenRequest::kVonage:
      return "vonage";
    case v1::IssueTokenRequest::kDaily:
      return "daily";
    case v1::IssueTokenRequest::kLivekit:
      return "livekit";
    case v1::IssueTokenRequest::kTwilio:
      return "twilio";
    case v1::IssueTokenRequest::kZoom:
      return "zoom";
    case v1::IssueTokenRequest::kJwt:
      return "jwt";
    case v1::IssueTokenRequest::GRANTS_NOT_SET:
      return "";
  }
  return "";
}

}  // namespace

v1::Profile ProfileToProto(absl::string_view profile_name) {
  for (const ProfileName& p : kProfiles) {
    if (p.name == profile_name) return p.proto;
  }
  return v1::PROFILE_UNSPECIFIED;
}

absl::StatusOr<Grants> GrantsFromRequest(const v1::IssueTokenRequest& request,
                                         absl::string_view profile_name) {
  const absl::string_view given = GrantsProfile(request.grants_case());
  if (given.empty()) {
    if (profile_name == "jwt") return Grants(JwtGrants{});
    return Grants(std::monostate{});
  }
  if (given != profile_name) {
    return Error(
        Reason::kInvalidArgument,
        absl::StrCat("grants are for profile '", given,
                     "' but the tenant's profile is '", profile_name, "'"),
        "grants");
  }
  switch (request.grants_case()) {
    case v1::IssueTokenRequest::kJwt: {
      absl::StatusOr<JwtGrants> g = JwtGrantsFromProto(request.jwt());
      if (!g.ok()) return g.status();
      return Grants(*std::move(g));
    }
    case v1::IssueTokenRequest::kApirtc: {
      absl::StatusOr<ApiRtcGrants> g = ApiRtcGrantsFromProto(request.apirtc());
      if (!g.ok()) return g.status();
      return Grants(*std::move(g));
    }
    case v1::IssueTokenRequest::kZoom: {
      absl::StatusOr<ZoomGrants> g = ZoomGrantsFromProto(request.zoom());
      if (!g.ok()) return g.status();
      return Grants(*std::move(g));
    }
    case v1::IssueTokenRequest::kTwilio: {
      absl::StatusOr<TwilioGrants> g = TwilioGrantsFromProto(request.twilio());
      if (!g.ok()) return g.status();
      return Grants(*std::move(g));
    }
    case v1::IssueTokenRequest::kVonage: {
      absl::StatusOr<VonageGrants> g = VonageGrantsFromProto(request.vonage());
      if (!g.ok()) return g.status();
      return Grants(*std::move(g));
    }
    case v1::IssueTokenRequest::kDaily: {
      absl::StatusOr<DailyGrants> g = DailyGrantsFromProto(request.daily());
      if (!g.ok()) return g.status();
      return Grants(*std::move(g));
    }
    case v1::IssueTokenRequest::kLivekit: {
      absl::StatusOr<LiveKitGrants> g =
          LiveKitGrantsFromProto(request.livekit());
      if (!g.ok()) return g.status();
      return Grants(*std::move(g));
    }
    case v1::IssueTokenRequest::kAgora: {
      absl::StatusOr<AgoraGrants> g = AgoraGrantsFromProto(request.agora());
      if (!g.ok()) return g.status();
      return Grants(*std::move(g));
    }
    case v1::IssueTokenRequest::GRANTS_NOT_SET:
      break;
  }
  return Grants(std::monostate{});
}

void GrantsToResponse(const Grants& grants, v1::VerifyTokenResponse* response) {
  if (const auto* jwt = std::get_if<JwtGrants>(&grants)) {
    JwtGrantsToProto(*jwt, response->mutable_jwt());
  } else if (const auto* apirtc = std::get_if<ApiRtcGrants>(&grants)) {
    ApiRtcGrantsToProto(*apirtc, response->mutable_apirtc());
  } else if (const auto* zoom = std::get_if<ZoomGrants>(&grants)) {
    ZoomGrantsToProto(*zoom, response->mutable_zoom());
  } else if (const auto* twilio = std::get_if<TwilioGrants>(&grants)) {
    TwilioGrantsToProto(*twilio, response->mutable_twilio());
  } else if (const auto* vonage = std::get_if<VonageGrants>(&grants)) {
    VonageGrantsToProto(*vonage, response->mutable_vonage());
  } else if (const auto* daily = std::get_if<DailyGrants>(&grants)) {
    DailyGrantsToProto(*daily, response->mutable_daily());
  } else if (const auto* livekit = std::get_if<LiveKitGrants>(&grants)) {
    LiveKitGrantsToProto(*livekit, response->mutable_livekit());
  } else if (const auto* agora = std::get_if<AgoraGrants>(&grants)) {
    AgoraGrantsToProto(*agora, response->mutable_agora());
  }
}

}  // namespace tokend
