#include "core/profiles/twilio_profile.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "core/jose/base64url.h"
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

constexpr absl::string_view kIssuePrefix = "grants.twilio.";
constexpr size_t kMaxRegionBytes = 32;

// "<prefix>" followed by 32 lower-case hex digits, as Twilio writes SIDs.
bool IsSid(absl::string_view sid, absl::string_view prefix) {
  if (sid.size() != 34 || sid.substr(0, 2) != prefix) return false;
  return std::all_of(sid.begin() + 2, sid.end(), [](char c) {
    return absl::ascii_isdigit(c) || (c >= 'a' && c <= 'f');
  });
}

// String members of a grant, by JSON name; written only when non-empty.
template <typename T>
struct StringMember {
  absl::string_view name;
  std::string T::*member;
};

constexpr StringMember<TwilioChatGrant> kChatMembers[] = {
    {"service_sid", &TwilioChatGrant::service_sid},
    {"endpoint_id", &TwilioChatGrant::endpoint_id},
    {"deployment_role_sid", &TwilioChatGrant::deployment_role_sid},
    {"push_credential_sid", &TwilioChatGrant::push_credential_sid},
};
constexpr StringMember<TwilioVideoGrant> kVideoMembers[] = {
    {"room", &TwilioVideoGrant::room},
};
constexpr StringMember<TwilioSyncGrant> kSyncMembers[] = {
    {"service_sid", &TwilioSyncGrant::service_sid},
    {"endpoint_id", &TwilioSyncGrant::endpoint_id},
};
constexpr StringMember<TwilioTaskRouterGrant> kTaskRouterMembers[] = {
    {"workspace_sid", &TwilioTaskRouterGrant::workspace_sid},
    {"worker_sid", &TwilioTaskRouterGrant::worker_sid},
    {"role", &TwilioTaskRouterGrant::role},
};
constexpr StringMember<TwilioVoiceGrant> kVoiceMembers[] = {
    {"push_credential_sid", &TwilioVoiceGrant::push_credential_sid},
    {"endpoint_id", &TwilioVoiceGrant::endpoint_id},
};

// ----------------------------------------------------------------- issue --

// Writes a grant's non-empty string members.
template <typename T>
absl::Status AddStrings(const T& grant,
                        absl::Span<const StringMember<T>> members,
                        absl::string_view grant_name, ClaimsWriter* out) {
  for (const StringMember<T>& field : members) {
    const std::string& value = grant.*field.member;
    if (!Utf16Length(value).has_value()) {
      return Error(Reason::kInvalidArgument, "is not UTF-8",
                   absl::StrCat(kIssuePrefix, grant_name, ".", field.name));
    }
    if (!value.empty()) out->AddString(field.name, value);
  }
  return absl::OkStatus();
}

// A grant made of string members only, as the object `grant_name`.
template <typename T>
absl::Status AddStringGrant(const std::optional<T>& grant,
                            absl::Span<const StringMember<T>> members,
                            absl::string_view grant_name, std::string* scratch,
                            ClaimsWriter* grants) {
  if (!grant.has_value()) return absl::OkStatus();
  ClaimsWriter object(scratch);
  absl::Status status = AddStrings<T>(*grant, members, grant_name, &object);
  if (!status.ok()) return status;
  grants->AddWriter(grant_name, object);
  return absl::OkStatus();
}

absl::Status AddVoice(const TwilioVoiceGrant& voice, std::string* scratch,
                      ClaimsWriter* out) {
  absl::Status status =
      AddStrings<TwilioVoiceGrant>(voice, kVoiceMembers, "voice", out);
  if (!status.ok()) return status;
  if (voice.incoming_allow) {
    ClaimsWriter incoming(scratch);
    incoming.AddBool("allow", true);
    out->AddWriter("incoming", incoming);
  }
  if (!Utf16Length(voice.outgoing_application_sid).has_value()) {
    return Error(Reason::kInvalidArgument, "is not UTF-8",
                 "grants.twilio.voice.outgoing_application_sid");
  }
  if (!voice.outgoing_application_sid.empty()) {
    ClaimsWriter outgoing(scratch);
    outgoing.AddString("application_sid", voice.outgoing_application_sid);
    if (!voice.outgoing_params.empty()) {
      outgoing.AddObject("params", voice.outgoing_params);
    }
    out->AddWriter("outgoing", outgoing);
  } else if (!voice.outgoing_params.empty()) {
    // twilio-node drops them silently; tokend says so instead.
    return Error(Reason::kInvalidArgument,
                 "outgoing params need an outgoing application_sid",
                 "grants.twilio.voice.outgoing_params");
  }
  return absl::OkStatus();
}

// Twilio Voice identities: letters, digits and underscore only (Access
// Tokens docs: "Voice tokens may only contain alpha-numeric and underscore
// characters").
bool IsVoiceIdentity(absl::string_view identity) {
  return std::all_of(identity.begin(), identity.end(),
                     [](char c) { return absl::ascii_isalnum(c) || c == '_'; });
}

// An identity's length as Twilio Video counts it (error 53200): a
// character outside ASCII counts as 2. `identity` is valid UTF-8.
size_t VideoIdentityLength(absl::string_view identity) {
  size_t length = 0;
  for (char c : identity) {
    const uint8_t b = static_cast<uint8_t>(c);
    if (b < 0x80) {
      length += 1;
    } else if ((b & 0xC0) != 0x80) {
      length += 2;  // the lead byte of a multi-byte character
    }
  }
  return length;
}

// What Twilio's products refuse in an identity, given the grants it comes
// with, or nullopt. Shared by issue and verify.
std::optional<std::string> IdentityProblem(absl::string_view identity,
                                           bool voice, bool video) {
  if (identity.empty()) return "must be a non-empty string";
  if (!Utf16Length(identity).has_value()) return "is not UTF-8";
  if (identity.size() > kTwilioMaxIdentityBytes) {
    return "is longer than tokend's cap of 1024 bytes";
  }
  if (voice && !IsVoiceIdentity(identity)) {
    return "holds a character outside Twilio Voice's set (letters, digits "
           "and '_')";
  }
  if (video && VideoIdentityLength(identity) > kTwilioMaxVideoIdentity) {
    return "is longer than Twilio Video's limit of 128 characters (a "
           "non-ASCII character counts as 2)";
  }
  return std::nullopt;
}

// The twr region header: lower-case letters, digits and '-', at most 32
// bytes (Twilio's region names, e.g. "us1", "ie1", "au1").
bool IsRegion(absl::string_view region) {
  return region.size() <= kMaxRegionBytes &&
         std::all_of(region.begin(), region.end(), [](char c) {
           return absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '-';
         });
}

// Writes the members of the "grants" claim; nested objects share `scratch`.
absl::Status GrantsToClaims(const TwilioGrants& grants,
                            const std::string& identity, std::string* scratch,
                            ClaimsWriter* out) {
  out->AddString("identity", identity);
  absl::Status status = AddStringGrant<TwilioChatGrant>(
      grants.chat, kChatMembers, "chat", scratch, out);
  if (!status.ok()) return status;
  status = AddStringGrant<TwilioVideoGrant>(grants.video, kVideoMembers,
                                            "video", scratch, out);
  if (!status.ok()) return status;
  status = AddStringGrant<TwilioSyncGrant>(grants.data_sync, kSyncMembers,
                                           "data_sync", scratch, out);
  if (!status.ok()) return status;
  if (grants.voice.has_value()) {
    ClaimsWriter voice(scratch);
    status = AddVoice(*grants.voice, scratch, &voice);
    if (!status.ok()) return status;
    out->AddWriter("voice", voice);
  }
  status = AddStringGrant<TwilioTaskRouterGrant>(
      grants.task_router, kTaskRouterMembers, "task_router", scratch, out);
  if (!status.ok()) return status;
  if (grants.player.has_value()) out->AddObject("player", *grants.player);
  return absl::OkStatus();
}

// ---------------------------------------------------------------- verify --

absl::Status BadClaim(absl::string_view detail, absl::string_view field) {
  return Error(Reason::kBadClaim, detail, field);
}

// grants.<name> as an object, or nullptr when absent.
absl::StatusOr<const json::Object*> GrantObject(const json::Object& grants,
                                                absl::string_view name) {
  const json::Value* value = grants.Find(name);
  if (value == nullptr) return nullptr;
  if (!value->is_object()) {
    return BadClaim("must be an object", absl::StrCat("grants.", name));
  }
  return &value->as_object();
}

template <typename T>
absl::Status ReadStrings(const json::Object& object,
                         absl::Span<const StringMember<T>> members,
                         absl::string_view grant_name, T* grant) {
  for (const StringMember<T>& field : members) {
    const json::Value* value = object.Find(field.name);
    if (value == nullptr) continue;
    if (!value->is_string()) {
      return BadClaim("must be a string",
                      absl::StrCat("grants.", grant_name, ".", field.name));
    }
    grant->*field.member = value->as_string();
  }
  return absl::OkStatus();
}

// A grant made only of string members.
template <typename T>
absl::Status ReadStringGrant(const json::Object& grants, absl::string_view name,
                             absl::Span<const StringMember<T>> members,
                             std::optional<T>* out) {
  absl::StatusOr<const json::Object*> object = GrantObject(grants, name);
  if (!object.ok()) return object.status();
  if (*object == nullptr) return absl::OkStatus();
  T grant;
  absl::Status status = ReadStrings<T>(**object, members, name, &grant);
  if (!status.ok()) return status;
  *out = std::move(grant);
  return absl::OkStatus();
}

absl::Status ReadVoice(const json::Object& grants,
                       std::optional<TwilioVoiceGrant>* out) {
  absl::StatusOr<const json::Object*> object = GrantObject(grants, "voice");
  if (!object.ok()) return object.status();
  if (*object == nullptr) return absl::OkStatus();
  TwilioVoiceGrant voice;
  absl::Status status =
      ReadStrings<TwilioVoiceGrant>(**object, kVoiceMembers, "voice", &voice);
  if (!status.ok()) return status;
  if (const json::Value* incoming = (*object)->Find("incoming")) {
    const json::Value* allow =
        incoming->is_object() ? incoming->as_object().Find("allow") : nullptr;
    if (!incoming->is_object() || (allow != nullptr && !allow->is_bool())) {
      return BadClaim("must be {\"allow\": bool}", "grants.voice.incoming");
    }
    voice.incoming_allow = allow != nullptr && allow->as_bool();
  }
  if (const json::Value* outgoing = (*object)->Find("outgoing")) {
    if (!outgoing->is_object()) {
      return BadClaim("must be an object", "grants.voice.outgoing");
    }
    const json::Object& fields = outgoing->as_object();
    const json::Value* sid = fields.Find("application_sid");
    const json::Value* params = fields.Find("params");
    if ((sid != nullptr && !sid->is_string()) ||
        (params != nullptr && !params->is_object())) {
      return BadClaim("application_sid must be a string, params an object",
                      "grants.voice.outgoing");
    }
    if (sid != nullptr) voice.outgoing_application_sid = sid->as_string();
    if (params != nullptr) voice.outgoing_params = params->as_object();
  }
  *out = std::move(voice);
  return absl::OkStatus();
}

// The formats doc: grants an object, identity a non-empty string, known
// grants type-checked, unknown ones ignored (and not carried into renewals).
absl::StatusOr<TwilioGrants> ClaimsToGrants(const json::Object& claims,
                                            std::string* identity) {
  const json::Value* value = claims.Find("grants");
  if (value == nullptr || !value->is_object()) {
    return BadClaim("grants must be an object", "grants");
  }
  const json::Object& grants = value->as_object();
  const json::Value* id = grants.Find("identity");
  if (id == nullptr || !id->is_string()) {
    return BadClaim("must be a non-empty string", "grants.identity");
  }
  *identity = id->as_string();
  TwilioGrants out;
  absl::Status status =
      ReadStringGrant<TwilioChatGrant>(grants, "chat", kChatMembers, &out.chat);
  if (!status.ok()) return status;
  status = ReadStringGrant<TwilioVideoGrant>(grants, "video", kVideoMembers,
                                             &out.video);
  if (!status.ok()) return status;
  status = ReadStringGrant<TwilioSyncGrant>(grants, "data_sync", kSyncMembers,
                                            &out.data_sync);
  if (!status.ok()) return status;
  status = ReadStringGrant<TwilioTaskRouterGrant>(
      grants, "task_router", kTaskRouterMembers, &out.task_router);
  if (!status.ok()) return status;
  status = ReadVoice(grants, &out.voice);
  if (!status.ok()) return status;
  absl::StatusOr<const json::Object*> player = GrantObject(grants, "player");
  if (!player.ok()) return player.status();
  if (*player != nullptr) out.player = **player;
  if (std::optional<std::string> problem = IdentityProblem(
          *identity, out.voice.has_value(), out.video.has_value())) {
    return BadClaim(*problem, "grants.identity");
  }
  return out;
}

// The twr header, which JoseHeader does not carry. Runs only after the
// signature has verified, so the header segment is known to parse. A header
// segment equal to `plain_header` (the profile's own, without twr) names no
// region and is not decoded again.
absl::StatusOr<std::string> ReadRegion(absl::string_view token,
                                       absl::string_view plain_header) {
  const absl::string_view segment = token.substr(0, token.find('.'));
  if (segment == plain_header) return std::string();
  absl::StatusOr<std::string> raw = Base64UrlDecode(segment);
  if (!raw.ok()) return raw.status();
  // Most tokens name no region: the second parse runs only when the header
  // holds "twr" or a \u escape (through which a name could spell it).
  if (!absl::StrContains(*raw, "twr") && !absl::StrContains(*raw, "\\u")) {
    return std::string();
  }
  absl::StatusOr<json::Object> header = json::ParseObject(*raw);
  if (!header.ok()) return header.status();
  const json::Value* twr = header->Find("twr");
  if (twr == nullptr) return std::string();
  if (!twr->is_string()) {
    return Error(Reason::kBadHeader, "twr header is not a string", "twr");
  }
  return twr->as_string();
}

class TwilioProfile final : public TwoPhaseJwtProfile {
 public:
  TwilioProfile(TwilioProfileConfig config, JwtWriter writer, KeySet keys)
      : config_(std::move(config)),
        writer_(std::move(writer)),
        keys_(std::move(keys)) {
    policy_.issuer = config_.api_key_sid;
    policy_.leeway = config_.leeway;
    policy_.require_exp = true;
  }

  absl::string_view name() const override { return "twilio"; }
  bool CarriesNotBefore() const override { return true; }

  absl::StatusOr<TokenInfo> Issue(const IssueInput& input,
                                  absl::Time now) const override {
    static const TwilioGrants kNoGrants;
    const TwilioGrants* grants = std::get_if<TwilioGrants>(&input.grants);
    if (grants == nullptr) {
      if (!std::holds_alternative<std::monostate>(input.grants)) {
        return Error(Reason::kInvalidArgument, "grants are not Twilio grants",
                     "grants");
      }
      grants = &kNoGrants;
    }
    absl::StatusOr<absl::Duration> ttl = ResolveTtl(config_.ttl, input.ttl);
    if (!ttl.ok()) return ttl.status();
    // twilio-node requires an identity; the products add their own rules.
    if (std::optional<std::string> problem =
            IdentityProblem(input.subject, grants->voice.has_value(),
                            grants->video.has_value())) {
      return Error(Reason::kInvalidArgument,
                   absl::StrCat("the identity ", *problem), "subject");
    }
    const std::string& region = grants->region;
    if (!IsRegion(region)) {
      return Error(Reason::kInvalidArgument,
                   "region is lower-case letters, digits and '-'",
                   "grants.twilio.region");
    }

    // The claims go straight to JSON through per-thread buffers.
    thread_local std::string scratch;
    thread_local std::string claims_json;
    scratch.clear();
    claims_json.clear();
    ClaimsWriter claims(&scratch);
    ClaimsWriter grants_claim(&scratch);
    absl::Status status =
        GrantsToClaims(*grants, input.subject, &scratch, &grants_claim);
    if (!status.ok()) return status;
    claims.AddWriter("grants", grants_claim);
    absl::StatusOr<JwtTimes> times = ComputeJwtTimes(now, *ttl);
    if (!times.ok()) return times.status();
    if (absl::Status s = ApplyNotBefore(input.not_before, &*times); !s.ok()) {
      return s;
    }
    // twilio-node writes "<key SID>-<unix now>"; a random suffix keeps the
    // shape and makes the id unique.
    std::string jti = absl::StrCat(config_.api_key_sid, "-", NewTokenId());
    AddRegisteredClaims(*times, jti, /*include_nbf=*/false, config_.api_key_sid,
                        config_.account_sid, &claims);
    AddSessionStartClaim(input.session_started, &claims);
    claims.Finish(&claims_json);
    absl::StatusOr<std::string> token;
    if (region.empty()) {
      token = writer_.Sign(claims_json);
    } else {
      json::Object twr;
      twr.Set("twr", json::Value(region));
      absl::StatusOr<std::string> header = writer_.EncodeHeader(twr);
      if (!header.ok()) return header.status();
      token = writer_.SignWithHeader(*header, claims_json);
    }
    if (!token.ok()) return token.status();
    if (token->size() > ValidationPolicy().max_token_bytes) {
      return Error(Reason::kInvalidArgument,
                   "the token would exceed the verifier's size limit",
                   "grants.twilio");
    }
    return IssuedTokenInfo(*std::move(token), std::move(jti), input, *times,
                           now, *grants);
  }

 private:
  const KeySet& verification_keys() const override { return keys_; }
  const ValidationPolicy& policy() const override { return policy_; }

  // Twilio's rules over a token whose signature and registered claim types
  // passed.
  absl::Status ReadClaims(absl::string_view token, const VerifiedJwt& jwt,
                          VerifiedToken* out) const override {
    if (jwt.header.cty != kTwilioContentType) {
      return Error(Reason::kBadHeader, "cty must be twilio-fpa;v=1", "cty");
    }
    absl::StatusOr<std::string> region =
        ReadRegion(token, writer_.encoded_header());
    if (!region.ok()) return region.status();
    if (!IsRegion(*region)) {
      return Error(Reason::kBadHeader,
                   "twr is not a Twilio region (lower-case letters, digits "
                   "and '-', at most 32)",
                   "twr");
    }
    if (jwt.subject != config_.account_sid) {
      return BadClaim("sub is not this tenant's Account SID", "sub");
    }
    // twilio-node always writes a jti and Twilio's docs list it; without
    // one the token could not be revoked by id.
    if (jwt.jti.empty()) {
      return BadClaim("jti is required (Twilio Access Tokens carry one)",
                      "jti");
    }
    // From here on the grants hold Twilio grants: ClockRules reads that as
    // "the checks above passed".
    TokenInfo& info = out->info;
    TwilioGrants& grants = info.grants.emplace<TwilioGrants>();
    grants.region = *region;
    // exp − (iat, or nbf, or now) within the maximum; from now in
    // ClockRules.
    const absl::Time start = LifetimeStart(jwt);
    if (start != absl::InfinitePast() &&
        jwt.expires_at - start > config_.ttl.max_ttl) {
      return LifetimeExceeded();
    }
    absl::StatusOr<json::Object> claims = jwt.DecodeClaims();
    if (!claims.ok()) return claims.status();
    std::string identity;
    absl::StatusOr<TwilioGrants> read = ClaimsToGrants(*claims, &identity);
    if (!read.ok()) return read.status();
    grants = *std::move(read);
    grants.region = *std::move(region);

    info.subject = std::move(identity);
    // Only iat says when the token was issued; without it the issue time is
    // unknown (InfinitePast), so revocations by subject or tenant cover it.
    // Without iat or nbf the session counts from now (Match).
    info.session_started = SessionStartFromClaims(*claims, start);
    info.claims = *std::move(claims);
    return absl::OkStatus();
  }

  absl::Status ClockRules(const VerifiedToken& verified,
                          absl::Time now) const override {
    if (!std::holds_alternative<TwilioGrants>(verified.info.grants) ||
        LifetimeStart(verified.jwt) != absl::InfinitePast()) {
      return absl::OkStatus();
    }
    if (verified.jwt.expires_at - now > config_.ttl.max_ttl) {
      return LifetimeExceeded();
    }
    return absl::OkStatus();
  }

  absl::Status Match(const VerifiedToken& verified,
                     const VerifyExpectations& expect, absl::Time now,
                     TokenInfo* info) const override {
    const auto& grants = std::get<TwilioGrants>(info->grants);
    if (expect.channel.has_value()) {
      // An empty room grants any room.
      if (!grants.video.has_value()) {
        return BadClaim("the token has no video grant", "grants.video");
      }
      if (!grants.video->room.empty() &&
          grants.video->room != *expect.channel) {
        return BadClaim("the token is for another room", "grants.video.room");
      }
    }
    if (expect.account.has_value() && info->subject != *expect.account) {
      return BadClaim("the token is for another identity", "grants.identity");
    }
    if (info->session_started == absl::InfinitePast()) {
      info->session_started = now;
    }
    return absl::OkStatus();
  }

  // iat, else nbf; InfinitePast when the token has neither.
  static absl::Time LifetimeStart(const VerifiedJwt& jwt) {
    return jwt.issued_at != absl::InfinitePast() ? jwt.issued_at
                                                 : jwt.not_before;
  }
  static absl::Status LifetimeExceeded() {
    return Error(Reason::kLifetimeExceeded,
                 "token lifetime exceeds the maximum", "exp");
  }

  const TwilioProfileConfig config_;
  const JwtWriter writer_;  // header: alg, cty, typ
  const KeySet keys_;
  ValidationPolicy policy_;
};

}  // namespace

absl::StatusOr<std::shared_ptr<const Profile>> NewTwilioProfile(
    TwilioProfileConfig config) {
  if (!IsSid(config.account_sid, "AC")) {
    return Error(Reason::kInvalidArgument,
                 "account_sid must be AC followed by 32 lower-case hex digits",
                 "account_sid");
  }
  if (!IsSid(config.api_key_sid, "SK")) {
    return Error(Reason::kInvalidArgument,
                 "api_key_sid must be SK followed by 32 lower-case hex digits",
                 "api_key_sid");
  }
  if (config.algorithm != Algorithm::kHS256 &&
      config.algorithm != Algorithm::kHS384 &&
      config.algorithm != Algorithm::kHS512) {
    return Error(Reason::kInvalidArgument,
                 "Twilio tokens use HS256, HS384 or HS512", "algorithm");
  }
  absl::Status status = ValidateTtlBounds(config.ttl, "ttl");
  if (!status.ok()) return status;
  if (config.ttl.max_ttl > kTwilioMaxTtl) {
    return Error(Reason::kInvalidArgument, "exceeds Twilio's maximum of 24h",
                 "ttl.max_ttl");
  }
  if (config.leeway < absl::ZeroDuration()) {
    return Error(Reason::kInvalidArgument, "leeway must not be negative",
                 "leeway");
  }
  absl::StatusOr<std::shared_ptr<const Key>> key =
      Key::FromHmacSecret(config.algorithm, config.api_key_secret);
  if (!key.ok()) {
    return Error(GetReason(key.status()),
                 "api_key_secret is not a usable secret for the algorithm",
                 "api_key_secret");
  }
  absl::StatusOr<KeySet> keys = KeySet::Create({*key});
  if (!keys.ok()) return keys.status();
  json::Object header;
  header.Set("cty", json::Value(kTwilioContentType));
  absl::StatusOr<JwtWriter> writer = JwtWriter::Create(*key, header);
  if (!writer.ok()) return writer.status();
  config.api_key_secret.clear();  // the Key holds it
  return std::make_shared<const TwilioProfile>(
      std::move(config), *std::move(writer), *std::move(keys));
}

}  // namespace tokend
