#include "core/profiles/daily_profile.h"

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "core/jose/claims_writer.h"
#include "core/jose/jwt.h"
#include "core/jose/jwt_writer.h"
#include "core/json/json.h"
#include "core/profiles/internal/profile_common.h"
#include "core/profiles/internal/two_phase_jwt_profile.h"
#include "core/profiles/internal/vendor_checks.h"
#include "core/random.h"
#include "core/reason.h"
#include "core/uuid.h"

namespace tokend {
namespace {

// Daily documents no lengths for these; the cap only bounds hostile input
// (the whole token is capped at 8 KiB anyway).
constexpr size_t kMaxTextLength = 2048;

struct BoolClaim {
  const char* claim;
  const char* property;
  std::optional<bool> DailyGrants::*member;
};

constexpr BoolClaim kBoolClaims[] = {
    {"o", "is_owner", &DailyGrants::is_owner},
    {"k", "knocking", &DailyGrants::knocking},
    {"ctoe", "close_tab_on_exit", &DailyGrants::close_tab_on_exit},
    {"ij", "intercom_join_alert", &DailyGrants::intercom_join_alert},
    {"sr", "start_cloud_recording", &DailyGrants::start_cloud_recording},
    {"ast", "auto_start_transcription", &DailyGrants::auto_start_transcription},
    {"ss", "enable_screenshare", &DailyGrants::enable_screenshare},
    {"vo", "start_video_off", &DailyGrants::start_video_off},
    {"ao", "start_audio_off", &DailyGrants::start_audio_off},
    {"ejt", "eject_at_token_exp", &DailyGrants::eject_at_token_exp},
    {"erui", "enable_recording_ui", &DailyGrants::enable_recording_ui},
};

struct StringClaim {
  const char* claim;
  const char* property;
  std::string DailyGrants::*member;
};

constexpr StringClaim kStringClaims[] = {
    {"u", "user_name", &DailyGrants::user_name},
    {"rome", "redirect_on_meeting_exit",
     &DailyGrants::redirect_on_meeting_exit},
    {"er", "enable_recording", &DailyGrants::enable_recording},
    {"mjh", "meeting_join_hook", &DailyGrants::meeting_join_hook},
    {"uil", "lang", &DailyGrants::lang},
};

constexpr absl::string_view kRecordingTypes[] = {"cloud", "local",
                                                 "raw-tracks"};
constexpr absl::string_view kLanguages[] = {
    "da", "de", "en", "es",    "fi", "fr", "it", "jp", "ka",
    "nl", "no", "pt", "pt-BR", "pl", "ru", "sv", "tr", "user"};

struct Abbreviation {
  absl::string_view long_name;
  absl::string_view short_name;
};
constexpr Abbreviation kMedia[] = {{"video", "v"},
                                   {"audio", "a"},
                                   {"screenVideo", "sv"},
                                   {"screenAudio", "sa"}};
constexpr absl::string_view kAdminAreas[] = {"participants", "streaming",
                                             "transcription"};

template <size_t N>
bool OneOf(absl::string_view value, const absl::string_view (&set)[N]) {
  for (absl::string_view item : set) {
    if (item == value) return true;
  }
  return false;
}

bool HasDuplicates(const std::vector<std::string>& items) {
  for (size_t i = 0; i < items.size(); ++i) {
    for (size_t j = i + 1; j < items.size(); ++j) {
      if (items[i] == items[j]) return true;
    }
  }
  return false;
}

// What is wrong with a room name, or nullopt (kDailyMaxRoomNameLength).
std::optional<std::string> RoomNameProblem(absl::string_view room) {
  if (room.empty()) return "empty";
  if (room.size() > kDailyMaxRoomNameLength) {
    return "longer than Daily's limit of 128 characters for a room name";
  }
  for (char c : room) {
    if (!absl::ascii_isalnum(c) && c != '-' && c != '_') {
      return "holds a character Daily refuses in a room name (only A-Z, "
             "a-z, 0-9, '-' and '_')";
    }
  }
  return std::nullopt;
}

// What is wrong with a string property's value, or nullopt. Used with
// kInvalidArgument on issue and kBadClaim on verify.
std::optional<std::string> StringProblem(absl::string_view claim,
                                         absl::string_view value,
                                         size_t max_length) {
  if (claim == "r") return RoomNameProblem(value);
  std::optional<size_t> length = vendor::Utf16Length(value);
  if (!length.has_value()) return "not valid UTF-8";
  if (*length == 0) return "empty";
  if (*length > max_length) {
    return absl::StrCat("longer than tokend's cap of ", max_length,
                        " characters (Daily documents no limit)");
  }
  if (claim == "er" && !OneOf(value, kRecordingTypes)) {
    return "not cloud, local or raw-tracks";
  }
  if (claim == "uil" && !OneOf(value, kLanguages)) {
    return "not a supported language";
  }
  return std::nullopt;
}

// ---- Issue: long names to claims ----

absl::StatusOr<json::Value> EncodeCanSend(const DailyBoolOrList& cs,
                                          absl::string_view field) {
  if (cs.all.has_value()) {
    if (!cs.items.empty()) {
      return Error(Reason::kInvalidArgument, "either all or items", field);
    }
    return json::Value(*cs.all);
  }
  if (HasDuplicates(cs.items)) {
    return Error(Reason::kInvalidArgument, "repeats a media kind", field);
  }
  std::vector<absl::string_view> shorts;
  for (const std::string& item : cs.items) {
    const Abbreviation* found = nullptr;
    for (const Abbreviation& media : kMedia) {
      if (media.long_name == item) found = &media;
    }
    if (found == nullptr) {
      return Error(Reason::kInvalidArgument,
                   "not video, audio, screenVideo or screenAudio", field);
    }
    shorts.push_back(found->short_name);
  }
  return json::Value(absl::StrJoin(shorts, ","));
}

absl::StatusOr<json::Value> EncodeCanAdmin(const DailyBoolOrList& ca,
                                           absl::string_view field) {
  if (ca.all.has_value()) {
    if (!ca.items.empty()) {
      return Error(Reason::kInvalidArgument, "either all or items", field);
    }
    return json::Value(*ca.all);
  }
  if (HasDuplicates(ca.items)) {
    return Error(Reason::kInvalidArgument, "repeats an area", field);
  }
  json::Array areas;
  for (const std::string& item : ca.items) {
    if (!OneOf(item, kAdminAreas)) {
      return Error(Reason::kInvalidArgument,
                   "not participants, streaming or transcription", field);
    }
    areas.push_back(json::Value(item));
  }
  return json::Value(std::move(areas));
}

absl::StatusOr<json::Value> EncodePermissions(const DailyPermissions& p) {
  constexpr absl::string_view kField = "grants.daily.permissions";
  json::Object out;
  if (p.has_presence.has_value()) out.Set("hp", json::Value(*p.has_presence));
  if (p.can_send.is_set()) {
    absl::StatusOr<json::Value> cs =
        EncodeCanSend(p.can_send, absl::StrCat(kField, ".can_send"));
    if (!cs.ok()) return cs.status();
    out.Set("cs", *std::move(cs));
  }
  if (p.can_receive.has_value()) {
    const std::string field = absl::StrCat(kField, ".can_receive");
    const DailyCanReceive& cr = *p.can_receive;
    json::Object encoded = cr.other;
    if (encoded.Find("b") != nullptr) {
      return Error(Reason::kInvalidArgument, "base is set through base",
                   absl::StrCat(field, ".other"));
    }
    if (cr.base.has_value()) {
      if (!cr.base->is_bool() && !cr.base->is_object()) {
        return Error(Reason::kInvalidArgument, "must be a bool or an object",
                     absl::StrCat(field, ".base"));
      }
      encoded.Set("b", *cr.base);
    }
    if (encoded.empty()) {
      return Error(Reason::kInvalidArgument, "is empty", field);
    }
    out.Set("cr", json::Value(std::move(encoded)));
  }
  if (p.can_admin.is_set()) {
    absl::StatusOr<json::Value> ca =
        EncodeCanAdmin(p.can_admin, absl::StrCat(kField, ".can_admin"));
    if (!ca.ok()) return ca.status();
    out.Set("ca", *std::move(ca));
  }
  if (out.empty()) {
    return Error(Reason::kInvalidArgument, "is empty", kField);
  }
  return json::Value(std::move(out));
}

absl::Status GrantsToClaims(const DailyGrants& g, absl::string_view user_id,
                            ClaimsWriter* claims) {
  if (g.room_name.empty()) {
    return Error(Reason::kInvalidArgument, "required",
                 "grants.daily.room_name");
  }
  if (std::optional<std::string> problem =
          StringProblem("r", g.room_name, kMaxTextLength)) {
    return Error(Reason::kInvalidArgument, *problem, "grants.daily.room_name");
  }
  claims->AddString("r", g.room_name);
  if (!user_id.empty()) {
    if (!vendor::CheckText(user_id, kDailyMaxUserIdLength, "subject").ok()) {
      return Error(Reason::kInvalidArgument,
                   "the user id must be UTF-8 within Daily's limit of 36 "
                   "characters (ud)",
                   "subject");
    }
    claims->AddString("ud", user_id);
  }
  for (const StringClaim& s : kStringClaims) {
    const std::string& value = g.*s.member;
    if (value.empty()) continue;
    if (std::optional<std::string> problem =
            StringProblem(s.claim, value, kMaxTextLength)) {
      return Error(Reason::kInvalidArgument, *problem,
                   absl::StrCat("grants.daily.", s.property));
    }
    claims->AddString(s.claim, value);
  }
  for (const BoolClaim& b : kBoolClaims) {
    const std::optional<bool>& value = g.*b.member;
    if (value.has_value()) claims->AddBool(b.claim, *value);
  }
  if (g.start_cloud_recording_opts.has_value()) {
    claims->AddObject("sro", *g.start_cloud_recording_opts);
  }
  if (g.eject_after_elapsed.has_value()) {
    if (*g.eject_after_elapsed <= 0) {
      return Error(Reason::kInvalidArgument, "must be positive seconds",
                   "grants.daily.eject_after_elapsed");
    }
    claims->AddInt("eje", *g.eject_after_elapsed);
  }
  if (g.permissions.has_value()) {
    absl::StatusOr<json::Value> p = EncodePermissions(*g.permissions);
    if (!p.ok()) return p.status();
    claims->AddValue("p", *p);
  }
  return absl::OkStatus();
}

// ---- Verify: claims back to long names ----

absl::Status BadClaim(absl::string_view detail, absl::string_view claim) {
  return Error(Reason::kBadClaim, detail, claim);
}

absl::StatusOr<DailyBoolOrList> DecodeCanSend(const json::Value& v) {
  DailyBoolOrList out;
  if (v.is_bool()) {
    out.all = v.as_bool();
    return out;
  }
  if (!v.is_string()) return BadClaim("must be a bool or a string", "p.cs");
  for (absl::string_view part : absl::StrSplit(v.as_string(), ',')) {
    const Abbreviation* found = nullptr;
    for (const Abbreviation& media : kMedia) {
      if (media.short_name == part) found = &media;
    }
    if (found == nullptr) return BadClaim("not v, a, sv or sa", "p.cs");
    out.items.emplace_back(found->long_name);
  }
  if (HasDuplicates(out.items)) return BadClaim("repeats a kind", "p.cs");
  return out;
}

absl::StatusOr<DailyBoolOrList> DecodeCanAdmin(const json::Value& v) {
  DailyBoolOrList out;
  if (v.is_bool()) {
    out.all = v.as_bool();
    return out;
  }
  if (!v.is_array() || v.as_array().empty()) {
    return BadClaim("must be a bool or a non-empty array", "p.ca");
  }
  for (const json::Value& item : v.as_array()) {
    if (!item.is_string() || !OneOf(item.as_string(), kAdminAreas)) {
      return BadClaim("not participants, streaming or transcription", "p.ca");
    }
    out.items.push_back(item.as_string());
  }
  if (HasDuplicates(out.items)) return BadClaim("repeats an area", "p.ca");
  return out;
}

absl::StatusOr<DailyPermissions> DecodePermissions(const json::Value& v) {
  if (!v.is_object()) return BadClaim("must be an object", "p");
  DailyPermissions out;
  for (const auto& [name, value] : v.as_object().members()) {
    if (name == "hp") {
      if (!value.is_bool()) return BadClaim("must be a bool", "p.hp");
      out.has_presence = value.as_bool();
    } else if (name == "cs") {
      absl::StatusOr<DailyBoolOrList> cs = DecodeCanSend(value);
      if (!cs.ok()) return cs.status();
      out.can_send = *std::move(cs);
    } else if (name == "cr") {
      if (!value.is_object() || value.as_object().empty()) {
        return BadClaim("must be a non-empty object", "p.cr");
      }
      DailyCanReceive cr;
      for (const auto& [sub, sub_value] : value.as_object().members()) {
        if (sub == "b") {
          if (!sub_value.is_bool() && !sub_value.is_object()) {
            return BadClaim("must be a bool or an object", "p.cr.b");
          }
          cr.base = sub_value;
        } else {
          cr.other.Set(sub, sub_value);
        }
      }
      out.can_receive = std::move(cr);
    } else if (name == "ca") {
      absl::StatusOr<DailyBoolOrList> ca = DecodeCanAdmin(value);
      if (!ca.ok()) return ca.status();
      out.can_admin = *std::move(ca);
    } else {
      return BadClaim("unknown permission", absl::StrCat("p.", name));
    }
  }
  return out;
}

absl::StatusOr<DailyGrants> ClaimsToGrants(const json::Object& claims) {
  DailyGrants g;
  const json::Value* r = claims.Find("r");
  if (r == nullptr) return BadClaim("r (room) is required", "r");
  if (!r->is_string()) return BadClaim("must be a string", "r");
  if (std::optional<std::string> problem = RoomNameProblem(r->as_string())) {
    return BadClaim(*problem, "r");
  }
  g.room_name = r->as_string();
  for (const StringClaim& s : kStringClaims) {
    const json::Value* v = claims.Find(s.claim);
    if (v == nullptr) continue;
    if (!v->is_string()) return BadClaim("must be a string", s.claim);
    if (std::optional<std::string> problem =
            StringProblem(s.claim, v->as_string(), kMaxTextLength)) {
      return BadClaim(*problem, s.claim);
    }
    g.*s.member = v->as_string();
  }
  for (const BoolClaim& b : kBoolClaims) {
    const json::Value* v = claims.Find(b.claim);
    if (v == nullptr) continue;
    if (!v->is_bool()) return BadClaim("must be a bool", b.claim);
    g.*b.member = v->as_bool();
  }
  if (const json::Value* sro = claims.Find("sro")) {
    if (!sro->is_object()) return BadClaim("must be an object", "sro");
    g.start_cloud_recording_opts = sro->as_object();
  }
  if (const json::Value* eje = claims.Find("eje")) {
    if (!eje->is_int() || eje->as_int() <= 0) {
      return BadClaim("must be a positive integer", "eje");
    }
    g.eject_after_elapsed = eje->as_int();
  }
  if (const json::Value* p = claims.Find("p")) {
    absl::StatusOr<DailyPermissions> permissions = DecodePermissions(*p);
    if (!permissions.ok()) return permissions.status();
    g.permissions = *std::move(permissions);
  }
  g.include_nbf = claims.Find("nbf") != nullptr;
  return g;
}

class DailyProfile final : public TwoPhaseJwtProfile {
 public:
  DailyProfile(DailyProfileConfig config, vendor::HmacKeys keys,
               JwtWriter writer)
      : config_(std::move(config)),
        keys_(std::move(keys)),
        writer_(std::move(writer)) {
    config_.api_key.clear();  // the Key holds it; keep one copy only
    policy_.leeway = config_.leeway;
    policy_.require_exp = true;
    policy_.max_lifetime = config_.ttl.max_ttl;
  }

  absl::string_view name() const override { return "daily"; }
  bool CarriesNotBefore() const override { return true; }

  absl::StatusOr<TokenInfo> Issue(const IssueInput& input,
                                  absl::Time now) const override {
    absl::StatusOr<absl::Duration> ttl = ResolveTtl(config_.ttl, input.ttl);
    if (!ttl.ok()) return ttl.status();
    const DailyGrants* grants = std::get_if<DailyGrants>(&input.grants);
    if (grants == nullptr) {
      return Error(Reason::kInvalidArgument, "Daily grants are required",
                   "grants");
    }
    if (!grants->domain_id.empty() &&
        !absl::EqualsIgnoreCase(grants->domain_id, config_.domain_id)) {
      return Error(Reason::kInvalidArgument, "not the tenant's domain",
                   "grants.daily.domain_id");
    }
    // The claims go straight to JSON through per-thread buffers.
    thread_local std::string scratch;
    thread_local std::string claims_json;
    scratch.clear();
    claims_json.clear();
    ClaimsWriter claims(&scratch);
    absl::Status status = GrantsToClaims(*grants, input.subject, &claims);
    if (!status.ok()) return status;
    claims.AddString("d", config_.domain_id);
    absl::StatusOr<JwtTimes> times = ComputeJwtTimes(now, *ttl);
    if (!times.ok()) return times.status();
    if (absl::Status s = ApplyNotBefore(input.not_before, &*times); !s.ok()) {
      return s;
    }
    std::string jti = NewTokenId();
    AddRegisteredClaims(*times, jti, grants->include_nbf, /*issuer=*/"",
                        /*subject=*/"", &claims);
    AddSessionStartClaim(input.session_started, &claims);
    claims.Finish(&claims_json);
    absl::StatusOr<std::string> token = writer_.Sign(claims_json);
    if (!token.ok()) return token.status();

    DailyGrants normalised = *grants;
    normalised.domain_id = config_.domain_id;
    return IssuedTokenInfo(*std::move(token), std::move(jti), input, *times,
                           now, std::move(normalised));
  }

  absl::Status CheckRequest(const VerifyExpectations& expect) const override {
    if (expect.audience.has_value()) {
      return Error(Reason::kInvalidArgument, "daily tokens carry no audience",
                   "audience");
    }
    if (!expect.privileges.empty()) {
      return Error(Reason::kInvalidArgument, "daily tokens carry no privileges",
                   "privileges");
    }
    return absl::OkStatus();
  }

 private:
  const KeySet& verification_keys() const override { return *keys_.key_set; }
  const ValidationPolicy& policy() const override { return policy_; }

  // Daily's rules over a token whose signature and registered claim types
  // passed.
  absl::Status ReadClaims(absl::string_view token, const VerifiedJwt& jwt,
                          VerifiedToken* out) const override {
    absl::StatusOr<json::Object> decoded = jwt.DecodeClaims();
    if (!decoded.ok()) return decoded.status();
    const json::Object& claims = *decoded;

    if (claims.Find("iat") == nullptr) {
      return BadClaim("iat is required", "iat");
    }
    const json::Value* d = claims.Find("d");
    if (d == nullptr || !d->is_string() ||
        !absl::EqualsIgnoreCase(d->as_string(), config_.domain_id)) {
      return BadClaim("d is not the tenant's domain", "d");
    }
    std::string user_id;
    if (const json::Value* ud = claims.Find("ud")) {
      if (!ud->is_string() ||
          !vendor::CheckText(ud->as_string(), kDailyMaxUserIdLength, "ud")
               .ok()) {
        return BadClaim(
            "must be a string within Daily's limit of 36 "
            "characters",
            "ud");
      }
      user_id = ud->as_string();
    }
    absl::StatusOr<DailyGrants> grants = ClaimsToGrants(claims);
    if (!grants.ok()) return grants.status();
    grants->domain_id = d->as_string();

    TokenInfo& info = out->info;
    info.subject = std::move(user_id);
    info.session_started = SessionStartFromClaims(claims, jwt.issued_at);
    info.grants = *std::move(grants);
    info.claims = *std::move(decoded);
    return absl::OkStatus();
  }

  absl::Status Match(const VerifiedToken& verified,
                     const VerifyExpectations& expect, absl::Time now,
                     TokenInfo* info) const override {
    const auto& grants = std::get<DailyGrants>(info->grants);
    if (expect.channel.has_value() && grants.room_name != *expect.channel) {
      return BadClaim("the token is for another room", "r");
    }
    if (expect.account.has_value() && info->subject != *expect.account) {
      return BadClaim("the token is for another user", "ud");
    }
    return absl::OkStatus();
  }

  DailyProfileConfig config_;
  vendor::HmacKeys keys_;
  JwtWriter writer_;  // keys_.key with the standard header
  ValidationPolicy policy_;
};

}  // namespace

absl::StatusOr<std::shared_ptr<const Profile>> NewDailyProfile(
    DailyProfileConfig config) {
  if (!IsUuid(config.domain_id)) {
    return Error(Reason::kInvalidArgument, "must be the domain's UUID",
                 "domain_id");
  }
  absl::Status ttl = ValidateTtlBounds(config.ttl, "ttl");
  if (!ttl.ok()) return ttl;
  if (config.ttl.max_ttl == absl::InfiniteDuration()) {
    return Error(Reason::kInvalidArgument, "must be finite", "ttl.max_ttl");
  }
  if (config.leeway < absl::ZeroDuration()) {
    return Error(Reason::kInvalidArgument, "must not be negative", "leeway");
  }
  absl::StatusOr<vendor::HmacKeys> keys =
      vendor::Hs256Keys(config.api_key, "api_key");
  if (!keys.ok()) return keys.status();
  absl::StatusOr<JwtWriter> writer =
      JwtWriter::Create(keys->key, json::Object());
  if (!writer.ok()) return writer.status();
  return std::make_shared<const DailyProfile>(
      std::move(config), *std::move(keys), *std::move(writer));
}

}  // namespace tokend
