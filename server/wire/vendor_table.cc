#include "server/wire/vendor_table.h"

#include <utility>
#include <variant>

#include "server/wire/grants_proto.h"

namespace tokend {
namespace {

using Request = v1::IssueTokenRequest;
using Response = v1::VerifyTokenResponse;

// One row: the oneof member's accessors on the request and the response and
// the vendor's two conversions (<vendor>_grants_proto.cc).
template <typename Core, typename Proto, const Proto& (Request::*kGet)() const,
          Proto* (Response::*kMutable)(),
          absl::StatusOr<Core> (*kFrom)(const Proto&),
          void (*kTo)(const Core&, Proto*)>
constexpr VendorWire Row(absl::string_view name, v1::Profile profile,
                         Request::GrantsCase grants_case,
                         bool unset_is_empty_message = false) {
  return VendorWire{name,
                    profile,
                    grants_case,
                    [](const Request& request) -> absl::StatusOr<Grants> {
                      absl::StatusOr<Core> g = kFrom((request.*kGet)());
                      if (!g.ok()) return g.status();
                      return Grants(*std::move(g));
                    },
                    [](const Grants& grants, Response* response) {
                      const Core* g = std::get_if<Core>(&grants);
                      if (g == nullptr) return false;
                      kTo(*g, (response->*kMutable)());
                      return true;
                    },
                    unset_is_empty_message};
}

const VendorWire kVendorWires[] = {
    Row<AgoraGrants, v1::AgoraGrants, &Request::agora, &Response::mutable_agora,
        AgoraGrantsFromProto, AgoraGrantsToProto>("agora", v1::PROFILE_AGORA,
                                                  Request::kAgora),
    Row<ApiRtcGrants, v1::ApiRtcGrants, &Request::apirtc,
        &Response::mutable_apirtc, ApiRtcGrantsFromProto, ApiRtcGrantsToProto>(
        "apirtc", v1::PROFILE_APIRTC, Request::kApirtc),
    Row<VonageGrants, v1::VonageGrants, &Request::vonage,
        &Response::mutable_vonage, VonageGrantsFromProto, VonageGrantsToProto>(
        "vonage", v1::PROFILE_VONAGE, Request::kVonage),
    Row<DailyGrants, v1::DailyGrants, &Request::daily, &Response::mutable_daily,
        DailyGrantsFromProto, DailyGrantsToProto>("daily", v1::PROFILE_DAILY,
                                                  Request::kDaily),
    Row<LiveKitGrants, v1::LiveKitGrants, &Request::livekit,
        &Response::mutable_livekit, LiveKitGrantsFromProto,
        LiveKitGrantsToProto>("livekit", v1::PROFILE_LIVEKIT,
                              Request::kLivekit),
    Row<TwilioGrants, v1::TwilioGrants, &Request::twilio,
        &Response::mutable_twilio, TwilioGrantsFromProto, TwilioGrantsToProto>(
        "twilio", v1::PROFILE_TWILIO, Request::kTwilio),
    Row<ZoomGrants, v1::ZoomGrants, &Request::zoom, &Response::mutable_zoom,
        ZoomGrantsFromProto, ZoomGrantsToProto>("zoom", v1::PROFILE_ZOOM,
                                                Request::kZoom),
    Row<JwtGrants, v1::JwtGrants, &Request::jwt, &Response::mutable_jwt,
        JwtGrantsFromProto, JwtGrantsToProto>("jwt", v1::PROFILE_JWT,
                                              Request::kJwt,
                                              /*unset_is_empty_message=*/true),
};

}  // namespace

absl::Span<const VendorWire> VendorWires() { return kVendorWires; }

const VendorWire* FindVendorWire(absl::string_view name) {
  for (const VendorWire& v : kVendorWires) {
    if (v.name == name) return &v;
  }
  return nullptr;
}

const VendorWire* FindVendorWire(v1::IssueTokenRequest::GrantsCase c) {
  for (const VendorWire& v : kVendorWires) {
    if (v.grants_case == c) return &v;
  }
  return nullptr;
}

}  // namespace tokend
