#include "core/profiles/livekit_profile.h"

#include <algorithm>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "core/jose/claims_writer.h"
#include "core/jose/jwt.h"
#include "core/jose/jwt_writer.h"
#include "core/keys/key_set.h"
#include "core/profiles/internal/profile_common.h"
#include "core/profiles/internal/two_phase_jwt_profile.h"
#include "core/profiles/internal/utf16_length.h"
#include "core/random.h"
#include "core/reason.h"

namespace tokend {
namespace {

constexpr absl::string_view kIssuePrefix = "grants.livekit.";

constexpr absl::string_view kKinds[] = {
    "standard", "ingress", "egress", "sip", "agent", "connector", "bridge"};
constexpr absl::string_view kKindDetails[] = {
    "cloud_agent",      "forwarded",   "connector_whatsapp",
    "connector_twilio", "bridge_rtsp", "simulation"};
constexpr absl::string_view kTrackSources[] = {
    "camera", "microphone", "screen_share", "screen_share_audio"};
// Egress outputs that would carry storage credentials inside roomConfig.
constexpr absl::string_view kStorageOutputs[] = {"s3", "gcp", "azure", "aliOSS",
                                                 "ali_oss"};

bool OneOf(absl::string_view value, absl::Span<const absl::string_view> set) {
  return std::find(set.begin(), set.end(), value) != set.end();
}

// Boolean members of a grant object, by JSON name. Plain ones are written
// only when true; tri-state ones whenever set.
template <typename T>
struct PlainBool {
  absl::string_view name;
  bool T::*member;
};
template <typename T>
struct TriBool {
  absl::string_view name;
  std::optional<bool> T::*member;
};

constexpr PlainBool<LiveKitVideoGrant> kVideoPlain[] = {
    {"roomCreate", &LiveKitVideoGrant::room_create},
    {"roomList", &LiveKitVideoGrant::room_list},
    {"roomRecord", &LiveKitVideoGrant::room_record},
    {"roomAdmin", &LiveKitVideoGrant::room_admin},
    {"roomJoin", &LiveKitVideoGrant::room_join},
    {"ingressAdmin", &LiveKitVideoGrant::ingress_admin},
    {"hidden", &LiveKitVideoGrant::hidden},
    {"recorder", &LiveKitVideoGrant::recorder},
    {"agent", &LiveKitVideoGrant::agent},
};
constexpr TriBool<LiveKitVideoGrant> kVideoTri[] = {
    {"canPublish", &LiveKitVideoGrant::can_publish},
    {"canSubscribe", &LiveKitVideoGrant::can_subscribe},
    {"canPublishData", &LiveKitVideoGrant::can_publish_data},
    {"canUpdateOwnMetadata", &LiveKitVideoGrant::can_update_own_metadata},
    {"canSubscribeMetrics", &LiveKitVideoGrant::can_subscribe_metrics},
    {"canManageAgentSession", &LiveKitVideoGrant::can_manage_agent_session},
};
constexpr PlainBool<LiveKitSipGrant> kSipPlain[] = {
    {"admin", &LiveKitSipGrant::admin},
    {"call", &LiveKitSipGrant::call},
};
constexpr PlainBool<LiveKitAgentGrant> kAgentPlain[] = {
    {"admin", &LiveKitAgentGrant::admin},
    {"simulationAdmin", &LiveKitAgentGrant::simulation_admin},
    {"databaseAdmin", &LiveKitAgentGrant::database_admin},
};
constexpr PlainBool<LiveKitInferenceGrant> kInferencePlain[] = {
    {"perform", &LiveKitInferenceGrant::perform},
};
constexpr PlainBool<LiveKitObservabilityGrant> kObservabilityPlain[] = {
    {"write", &LiveKitObservabilityGrant::write},
};

// ----------------------------------------------------------------- issue --

absl::Status BadGrant(absl::string_view detail, absl::string_view name) {
  return Error(Reason::kInvalidArgument, detail,
               absl::StrCat(kIssuePrefix, name));
}

// LiveKit documents no lengths (formats doc §4): every cap is tokend's.
std::string OverCap(size_t max_bytes) {
  return absl::StrCat("exceeds tokend's cap of ", max_bytes,
                      " bytes (LiveKit documents no limit)");
}

absl::Status CheckText(absl::string_view value, size_t max_bytes,
                       absl::string_view name) {
  if (!Utf16Length(value).has_value()) return BadGrant("is not UTF-8", name);
  if (value.size() > max_bytes) return BadGrant(OverCap(max_bytes), name);
  return absl::OkStatus();
}

// Grants that act on the whole project rather than in one room as one
// participant: creating, listing and recording any room, ingress, SIP and
// agent administration (what RoomServiceClient, EgressClient,
// IngressClient, SipClient and AgentDispatchClient mint for themselves).
bool HasProjectGrant(const LiveKitGrants& grants) {
  if (grants.video.has_value()) {
    const LiveKitVideoGrant& v = *grants.video;
    if (v.room_create || v.room_list || v.room_record || v.ingress_admin) {
      return true;
    }
  }
  if (grants.sip.has_value() && (grants.sip->admin || grants.sip->call)) {
    return true;
  }
  return grants.agent.has_value() &&
         (grants.agent->admin || grants.agent->simulation_admin ||
          grants.agent->database_admin);
}

// The total size of the attributes' names and values, for tokend's cap.
size_t AttributesBytes(const std::map<std::string, std::string>& attributes) {
  size_t total = 0;
  for (const auto& [name, value] : attributes) {
    total += name.size() + value.size();
  }
  return total;
}

// Writes the plain booleans that are set (LiveKit omits false ones).
template <typename T>
void AddBools(const T& grant, absl::Span<const PlainBool<T>> plain,
              ClaimsWriter* out) {
  for (const PlainBool<T>& field : plain) {
    if (grant.*field.member) out->AddBool(field.name, true);
  }
}

// The members of the "video" object.
absl::Status AddVideo(const LiveKitVideoGrant& video, bool has_identity,
                      ClaimsWriter* out) {
  if ((video.room_join || video.room_admin) && video.room.empty()) {
    return BadGrant("roomJoin and roomAdmin need a room", "video.room");
  }
  if (video.room_join && !has_identity) {
    return Error(Reason::kInvalidArgument, "a roomJoin token needs an identity",
                 "subject");
  }
  absl::Status status =
      CheckText(video.room, kLiveKitMaxNameBytes, "video.room");
  if (!status.ok()) return status;
  status = CheckText(video.destination_room, kLiveKitMaxNameBytes,
                     "video.destinationRoom");
  if (!status.ok()) return status;
  AddBools<LiveKitVideoGrant>(video, kVideoPlain, out);
  for (const TriBool<LiveKitVideoGrant>& field : kVideoTri) {
    const std::optional<bool>& value = video.*field.member;
    if (value.has_value()) out->AddBool(field.name, *value);
  }
  if (!video.room.empty()) out->AddString("room", video.room);
  if (!video.destination_room.empty()) {
    out->AddString("destinationRoom", video.destination_room);
  }
  if (!video.can_publish_sources.empty()) {
    for (const std::string& source : video.can_publish_sources) {
      if (!OneOf(source, kTrackSources)) {
        return BadGrant(
            "sources are camera, microphone, screen_share or "
            "screen_share_audio",
            "video.canPublishSources");
      }
    }
    out->AddStringArray("canPublishSources", video.can_publish_sources);
  }
  return absl::OkStatus();
}

// A grant object made of plain booleans only.
template <typename T>
void AddBoolGrant(absl::string_view name, const std::optional<T>& grant,
                  absl::Span<const PlainBool<T>> plain, std::string* scratch,
                  ClaimsWriter* claims) {
  if (!grant.has_value()) return;
  ClaimsWriter object(scratch);
  AddBools<T>(*grant, plain, &object);
  claims->AddWriter(name, object);
}

// True when `value` holds a storage output anywhere below it.
bool HasStorageOutput(const json::Value& value) {
  if (value.is_array()) {
    for (const json::Value& item : value.as_array()) {
      if (HasStorageOutput(item)) return true;
    }
  } else if (value.is_object()) {
    for (const auto& [name, member] : value.as_object().members()) {
      if (OneOf(name, kStorageOutputs) || HasStorageOutput(member)) {
        return true;
      }
    }
  }
  return false;
}

absl::Status CheckRoomConfig(const json::Object& config) {
  // As LiveKit's ToJWT without SetAllowSensitiveCredentials: a token is no
  // place for egress storage credentials.
  const json::Value* egress = config.Find("egress");
  if (egress != nullptr && HasStorageOutput(*egress)) {
    return BadGrant("roomConfig may not embed egress storage credentials",
                    "roomConfig");
  }
  if (json::Serialize(config).size() > kLiveKitMaxRoomConfigBytes) {
    return BadGrant(OverCap(kLiveKitMaxRoomConfigBytes), "roomConfig");
  }
  return absl::OkStatus();
}

// Writes the LiveKit claims of `grants` (everything but the registered
// claims); nested objects share the claims' scratch.
absl::Status GrantsToClaims(const LiveKitGrants& grants,
                            const std::string& identity, std::string* scratch,
                            ClaimsWriter* claims) {
  const std::pair<const std::string*, absl::string_view> texts[] = {
      {&grants.name, "name"},
      {&grants.room_preset, "roomPreset"},
      {&grants.sha256, "sha256"},
  };
  for (const auto& [value, name] : texts) {
    absl::Status status = CheckText(*value, kLiveKitMaxNameBytes, name);
    if (!status.ok()) return status;
    if (!value->empty()) claims->AddString(name, *value);
  }
  absl::Status status =
      CheckText(grants.metadata, kLiveKitMaxMetadataBytes, "metadata");
  if (!status.ok()) return status;
  if (!grants.metadata.empty()) claims->AddString("metadata", grants.metadata);
  if (!grants.kind.empty()) {
    if (!OneOf(grants.kind, kKinds)) {
      return BadGrant("not a LiveKit participant kind", "kind");
    }
    claims->AddString("kind", grants.kind);
  }
  if (!grants.kind_details.empty()) {
    for (const std::string& detail : grants.kind_details) {
      if (!OneOf(detail, kKindDetails)) {
        return BadGrant("not a LiveKit kind detail", "kindDetails");
      }
    }
    claims->AddStringArray("kindDetails", grants.kind_details);
  }
  if (!grants.attributes.empty()) {
    ClaimsWriter attributes(scratch);
    for (const auto& [name, value] : grants.attributes) {
      if (name.empty() || !Utf16Length(name).has_value() ||
          !Utf16Length(value).has_value()) {
        return BadGrant("names must be non-empty and both UTF-8", "attributes");
      }
      attributes.AddString(name, value);
    }
    if (AttributesBytes(grants.attributes) > kLiveKitMaxAttributesBytes) {
      return BadGrant(OverCap(kLiveKitMaxAttributesBytes), "attributes");
    }
    claims->AddWriter("attributes", attributes);
  }
  if (grants.video.has_value()) {
    ClaimsWriter video(scratch);
    status = AddVideo(*grants.video, !identity.empty(), &video);
    if (!status.ok()) return status;
    claims->AddWriter("video", video);
  }
  AddBoolGrant<LiveKitSipGrant>("sip", grants.sip, kSipPlain, scratch, claims);
  AddBoolGrant<LiveKitAgentGrant>("agent", grants.agent, kAgentPlain, scratch,
                                  claims);
  AddBoolGrant<LiveKitInferenceGrant>("inference", grants.inference,
                                      kInferencePlain, scratch, claims);
  AddBoolGrant<LiveKitObservabilityGrant>("observability", grants.observability,
                                          kObservabilityPlain, scratch, claims);
  if (!grants.room_config.empty()) {
    status = CheckRoomConfig(grants.room_config);
    if (!status.ok()) return status;
    claims->AddObject("roomConfig", grants.room_config);
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------- verify --

absl::Status BadClaim(absl::string_view detail, absl::string_view field) {
  return Error(Reason::kBadClaim, detail, field);
}

// found[i] = the member of `object` named names[i], or nullptr; one pass
// over the object instead of a lookup per name.
void FindMembers(const json::Object& object,
                 absl::Span<const absl::string_view> names,
                 const json::Value** found) {
  std::fill(found, found + names.size(), nullptr);
  for (const json::Object::Member& member : object.members()) {
    for (size_t i = 0; i < names.size(); ++i) {
      if (member.first == names[i]) {
        found[i] = &member.second;
        break;
      }
    }
  }
}

// An optional string claim; absent (nullptr) leaves *out empty.
absl::Status ReadString(const json::Value* value, absl::string_view field,
                        size_t max_bytes, std::string* out) {
  if (value == nullptr) return absl::OkStatus();
  if (!value->is_string()) return BadClaim("must be a string", field);
  if (value->as_string().size() > max_bytes) {
    return BadClaim(OverCap(max_bytes), field);
  }
  *out = value->as_string();
  return absl::OkStatus();
}

// An optional array of strings from `set`.
absl::Status ReadEnumArray(const json::Value* value, absl::string_view field,
                           absl::Span<const absl::string_view> set,
                           std::vector<std::string>* out) {
  if (value == nullptr) return absl::OkStatus();
  if (!value->is_array()) return BadClaim("must be an array", field);
  for (const json::Value& item : value->as_array()) {
    if (!item.is_string() || !OneOf(item.as_string(), set)) {
      return BadClaim("holds a value outside the LiveKit enum", field);
    }
    out->push_back(item.as_string());
  }
  return absl::OkStatus();
}

// The known booleans of a grant object, type-checked and read in table
// order; other members (newer LiveKit fields) are ignored.
template <typename T>
absl::Status ReadBools(const json::Object& object, absl::string_view name,
                       absl::Span<const PlainBool<T>> plain, T* grant) {
  absl::InlinedVector<absl::string_view, 16> names;
  for (const PlainBool<T>& field : plain) names.push_back(field.name);
  const json::Value* found[16];
  FindMembers(object, names, found);
  for (size_t i = 0; i < plain.size(); ++i) {
    if (found[i] == nullptr) continue;
    if (!found[i]->is_bool()) {
      return BadClaim("must be a boolean",
                      absl::StrCat(name, ".", plain[i].name));
    }
    grant->*plain[i].member = found[i]->as_bool();
  }
  return absl::OkStatus();
}

// A grant object made of plain booleans (absent: nullopt).
template <typename T>
absl::Status ReadBoolGrant(const json::Value* value, absl::string_view name,
                           absl::Span<const PlainBool<T>> plain,
                           std::optional<T>* out) {
  if (value == nullptr) return absl::OkStatus();
  if (!value->is_object()) return BadClaim("must be an object", name);
  T grant;
  absl::Status status = ReadBools<T>(value->as_object(), name, plain, &grant);
  if (!status.ok()) return status;
  *out = std::move(grant);
  return absl::OkStatus();
}

// The members of "video" other than the plain booleans, in check order.
constexpr absl::string_view kVideoOther[] = {
    "canPublish",
    "canSubscribe",
    "canPublishData",
    "canUpdateOwnMetadata",
    "canSubscribeMetrics",
    "canManageAgentSession",
    "room",
    "destinationRoom",
    "canPublishSources",
};
static_assert(std::size(kVideoTri) == 6, "kVideoOther lists kVideoTri first");

absl::Status ReadVideo(const json::Value* value,
                       std::optional<LiveKitVideoGrant>* out) {
  if (value == nullptr) return absl::OkStatus();
  if (!value->is_object()) return BadClaim("must be an object", "video");
  const json::Object& object = value->as_object();
  LiveKitVideoGrant grant;
  absl::Status status =
      ReadBools<LiveKitVideoGrant>(object, "video", kVideoPlain, &grant);
  if (!status.ok()) return status;
  const json::Value* found[std::size(kVideoOther)];
  FindMembers(object, kVideoOther, found);
  for (size_t i = 0; i < std::size(kVideoTri); ++i) {
    if (found[i] == nullptr) continue;
    if (!found[i]->is_bool()) {
      return BadClaim("must be a boolean",
                      absl::StrCat("video.", kVideoTri[i].name));
    }
    grant.*kVideoTri[i].member = found[i]->as_bool();
  }
  status =
      ReadString(found[6], "video.room", kLiveKitMaxNameBytes, &grant.room);
  if (!status.ok()) return status;
  status = ReadString(found[7], "video.destinationRoom", kLiveKitMaxNameBytes,
                      &grant.destination_room);
  if (!status.ok()) return status;
  status = ReadEnumArray(found[8], "video.canPublishSources", kTrackSources,
                         &grant.can_publish_sources);
  if (!status.ok()) return status;
  if (grant.room_join && grant.room.empty()) {
    return BadClaim("a roomJoin grant needs a room", "video.room");
  }
  *out = std::move(grant);
  return absl::OkStatus();
}

// The LiveKit claims read from the claims set, in check order.
enum ClaimIndex {
  kAtName,
  kAtRoomPreset,
  kAtSha256,
  kAtMetadata,
  kAtKind,
  kAtKindDetails,
  kAtAttributes,
  kAtRoomConfig,
  kAtVideo,
  kAtSip,
  kAtAgent,
  kAtInference,
  kAtObservability,
  kClaimCount
};
constexpr absl::string_view kClaimNames[kClaimCount] = {
    "name",        "roomPreset", "sha256",        "metadata", "kind",
    "kindDetails", "attributes", "roomConfig",    "video",    "sip",
    "agent",       "inference",  "observability",
};

absl::Status ClaimsToGrants(const json::Object& claims, LiveKitGrants* out) {
  const json::Value* found[kClaimCount];
  FindMembers(claims, kClaimNames, found);
  LiveKitGrants& grants = *out;
  const std::pair<std::string*, ClaimIndex> texts[] = {
      {&grants.name, kAtName},
      {&grants.room_preset, kAtRoomPreset},
      {&grants.sha256, kAtSha256},
  };
  for (const auto& [text, index] : texts) {
    absl::Status status = ReadString(found[index], kClaimNames[index],
                                     kLiveKitMaxNameBytes, text);
    if (!status.ok()) return status;
  }
  absl::Status status = ReadString(found[kAtMetadata], "metadata",
                                   kLiveKitMaxMetadataBytes, &grants.metadata);
  if (!status.ok()) return status;
  status =
      ReadString(found[kAtKind], "kind", kLiveKitMaxNameBytes, &grants.kind);
  if (!status.ok()) return status;
  if (!grants.kind.empty() && !OneOf(grants.kind, kKinds)) {
    return BadClaim("not a LiveKit participant kind", "kind");
  }
  status = ReadEnumArray(found[kAtKindDetails], "kindDetails", kKindDetails,
                         &grants.kind_details);
  if (!status.ok()) return status;
  if (const json::Value* attributes = found[kAtAttributes]) {
    if (!attributes->is_object()) {
      return BadClaim("must be an object of strings", "attributes");
    }
    for (const auto& [name, value] : attributes->as_object().members()) {
      if (name.empty() || !value.is_string()) {
        return BadClaim("names must be non-empty and values strings",
                        "attributes");
      }
      grants.attributes.emplace(name, value.as_string());
    }
    if (AttributesBytes(grants.attributes) > kLiveKitMaxAttributesBytes) {
      return BadClaim(OverCap(kLiveKitMaxAttributesBytes), "attributes");
    }
  }
  if (const json::Value* config = found[kAtRoomConfig]) {
    if (!config->is_object()) {
      return BadClaim("must be an object", "roomConfig");
    }
    grants.room_config = config->as_object();
    if (json::Serialize(grants.room_config).size() >
        kLiveKitMaxRoomConfigBytes) {
      return BadClaim(OverCap(kLiveKitMaxRoomConfigBytes), "roomConfig");
    }
  }
  status = ReadVideo(found[kAtVideo], &grants.video);
  if (!status.ok()) return status;
  status = ReadBoolGrant<LiveKitSipGrant>(found[kAtSip], "sip", kSipPlain,
                                          &grants.sip);
  if (!status.ok()) return status;
  status = ReadBoolGrant<LiveKitAgentGrant>(found[kAtAgent], "agent",
                                            kAgentPlain, &grants.agent);
  if (!status.ok()) return status;
  status = ReadBoolGrant<LiveKitInferenceGrant>(
      found[kAtInference], "inference", kInferencePlain, &grants.inference);
  if (!status.ok()) return status;
  return ReadBoolGrant<LiveKitObservabilityGrant>(
      found[kAtObservability], "observability", kObservabilityPlain,
      &grants.observability);
}

class LiveKitProfile final : public TwoPhaseJwtProfile {
 public:
  LiveKitProfile(LiveKitProfileConfig config, JwtWriter writer, KeySet keys)
      : config_(std::move(config)),
        writer_(std::move(writer)),
        keys_(std::move(keys)) {
    policy_.issuer = config_.api_key;
    policy_.leeway = config_.leeway;
    policy_.require_exp = true;
    policy_.max_lifetime = config_.ttl.max_ttl;
    policy_.max_token_bytes = kLiveKitMaxTokenBytes;
  }

  absl::string_view name() const override { return "livekit"; }

  // A token without an identity is a server-API token (what
  // RoomServiceClient and the other service clients mint): it acts for the
  // whole project. So does one with a project-wide grant, whoever holds it.
  bool IsAppLevel(const IssueInput& input) const override {
    if (input.subject.empty()) return true;
    const LiveKitGrants* grants = std::get_if<LiveKitGrants>(&input.grants);
    return grants != nullptr && HasProjectGrant(*grants);
  }

  absl::StatusOr<TokenInfo> Issue(const IssueInput& input,
                                  absl::Time now) const override {
    static const LiveKitGrants kNoGrants;
    const LiveKitGrants* grants = std::get_if<LiveKitGrants>(&input.grants);
    if (grants == nullptr) {
      if (!std::holds_alternative<std::monostate>(input.grants)) {
        return Error(Reason::kInvalidArgument, "grants are not LiveKit grants",
                     "grants");
      }
      grants = &kNoGrants;
    }
    absl::StatusOr<absl::Duration> ttl = ResolveTtl(config_.ttl, input.ttl);
    if (!ttl.ok()) return ttl.status();
    if (!Utf16Length(input.subject).has_value() ||
        input.subject.size() > kLiveKitMaxIdentityBytes) {
      return Error(Reason::kInvalidArgument,
                   absl::StrCat("the identity must be UTF-8 and ",
                                OverCap(kLiveKitMaxIdentityBytes)),
                   "subject");
    }

    // The claims go straight to JSON through per-thread buffers.
    thread_local std::string scratch;
    thread_local std::string claims_json;
    scratch.clear();
    claims_json.clear();
    ClaimsWriter claims(&scratch);
    absl::Status status =
        GrantsToClaims(*grants, input.subject, &scratch, &claims);
    if (!status.ok()) return status;
    absl::StatusOr<JwtTimes> times = ComputeJwtTimes(now, *ttl);
    if (!times.ok()) return times.status();
    std::string jti = NewTokenId();
    AddRegisteredClaims(*times, jti, /*include_nbf=*/true, config_.api_key,
                        input.subject, &claims);
    // The Go SDK writes the identity claim next to sub.
    if (!input.subject.empty()) claims.AddString("identity", input.subject);
    AddSessionStartClaim(input.session_started, &claims);
    claims.Finish(&claims_json);
    absl::StatusOr<std::string> token = writer_.Sign(claims_json);
    if (!token.ok()) return token.status();
    if (token->size() > kLiveKitMaxTokenBytes) {
      return Error(Reason::kInvalidArgument,
                   "the token would exceed the verifier's size limit",
                   "grants.livekit");
    }
    return IssuedTokenInfo(*std::move(token), std::move(jti), input, *times,
                           now, *grants);
  }

 private:
  const KeySet& verification_keys() const override { return keys_; }
  const ValidationPolicy& policy() const override { return policy_; }

  // LiveKit's rules over a token whose signature and registered claim types
  // passed.
  absl::Status ReadClaims(absl::string_view token, const VerifiedJwt& jwt,
                          VerifiedToken* out) const override {
    // LiveKit tokens carry no cty; Twilio's do. Refusing it keeps a Twilio
    // token out even where a tenant reuses the same key and secret.
    if (!jwt.header.cty.empty()) {
      return Error(Reason::kUnsupportedHeader,
                   "a LiveKit token has no cty header", "cty");
    }
    absl::StatusOr<json::Object> decoded = jwt.DecodeClaims();
    if (!decoded.ok()) return decoded.status();
    const json::Object& claims = *decoded;
    if (const json::Value* claim = claims.Find("identity");
        claim != nullptr && !claim->is_string()) {
      return BadClaim("must be a string", "identity");
    }
    // Filled in place inside the TokenInfo: no copy of the grants.
    TokenInfo& info = out->info;
    LiveKitGrants& grants = info.grants.emplace<LiveKitGrants>();
    absl::Status status = ClaimsToGrants(claims, &grants);
    if (!status.ok()) return status;
    // Joining a room needs an identity: sub, or jti when sub is empty, as
    // livekit/protocol's verifier reads it. Any other token may name none:
    // a server-API token (roomCreate, roomList, roomAdmin, ...) acts for
    // the project, and its subject stays empty even when it has a jti, so
    // a renewal does not turn its id into an identity.
    const bool joins = grants.video.has_value() && grants.video->room_join;
    std::string identity = jwt.subject;
    if (identity.empty() && joins) identity = jwt.jti;
    if (identity.empty() && joins) {
      return BadClaim("a roomJoin token must name its identity in sub", "sub");
    }
    if (identity.size() > kLiveKitMaxIdentityBytes) {
      return BadClaim(OverCap(kLiveKitMaxIdentityBytes), "sub");
    }

    info.subject = std::move(identity);
    // livekit-server-sdk writes no iat (only nbf 0) and no jti. Such a
    // token's issue time is unknown (InfinitePast): every subject or tenant
    // revocation still in force covers it, since it cannot show it came
    // after one. Its session counts from now (Match).
    info.session_started = SessionStartFromClaims(claims, jwt.issued_at);
    info.claims = *std::move(decoded);
    return absl::OkStatus();
  }

  absl::Status Match(const VerifiedToken& verified,
                     const VerifyExpectations& expect, absl::Time now,
                     TokenInfo* info) const override {
    const auto& grants = std::get<LiveKitGrants>(info->grants);
    if (expect.channel.has_value()) {
      if (!grants.video.has_value() || !grants.video->room_join) {
        return BadClaim("the token does not grant roomJoin", "video.roomJoin");
      }
      if (grants.video->room != *expect.channel) {
        return BadClaim("the token is for another room", "video.room");
      }
    }
    if (expect.account.has_value() && info->subject != *expect.account) {
      return BadClaim("the token is for another identity", "sub");
    }
    // Without iat or a session-start claim the session counts from now.
    if (info->session_started == absl::InfinitePast()) {
      info->session_started = now;
    }
    return absl::OkStatus();
  }

  const LiveKitProfileConfig config_;
  const JwtWriter writer_;
  const KeySet keys_;
  ValidationPolicy policy_;
};

}  // namespace

absl::StatusOr<std::shared_ptr<const Profile>> NewLiveKitProfile(
    LiveKitProfileConfig config) {
  const bool printable =
      std::all_of(config.api_key.begin(), config.api_key.end(),
                  [](char c) { return c > 0x20 && c < 0x7F; });
  if (config.api_key.empty() || config.api_key.size() > 256 || !printable) {
    return Error(Reason::kInvalidArgument,
                 "api_key must be 1-256 printable ASCII characters", "api_key");
  }
  absl::Status status = ValidateTtlBounds(config.ttl, "ttl");
  if (!status.ok()) return status;
  if (config.leeway < absl::ZeroDuration() ||
      config.leeway > kLiveKitMaxLeeway) {
    return Error(Reason::kInvalidArgument,
                 "leeway must be between 0 and 60 s (LiveKit's own)", "leeway");
  }
  absl::StatusOr<std::shared_ptr<const Key>> key =
      Key::FromHmacSecret(Algorithm::kHS256, config.api_secret);
  if (!key.ok()) {
    return Error(GetReason(key.status()),
                 "api_secret is not a usable HS256 secret (32+ bytes)",
                 "api_secret");
  }
  absl::StatusOr<KeySet> keys = KeySet::Create({*key});
  if (!keys.ok()) return keys.status();
  absl::StatusOr<JwtWriter> writer = JwtWriter::Create(*key, json::Object());
  if (!writer.ok()) return writer.status();
  config.api_secret.clear();  // the Key holds it
  return std::make_shared<const LiveKitProfile>(
      std::move(config), *std::move(writer), *std::move(keys));
}

}  // namespace tokend
