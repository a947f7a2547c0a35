#include "tools/tokenctl/decode.h"

#include <cstdio>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "core/jose/base64url.h"
#include "core/profiles/agora/agora_grants.h"
#include "core/profiles/agora/agora_legacy.h"
#include "core/profiles/agora/agora_packer.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace tokend::tokenctl {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

constexpr size_t kMaxTokenBytes = 64 * 1024;

Value Str(absl::string_view s) {
  Value v;
  v.set_string_value(std::string(s));
  return v;
}
Value Num(double n) {
  Value v;
  v.set_number_value(n);
  return v;
}
Value Time(int64_t unix_seconds) {
  return Str(absl::StrCat(
      unix_seconds, " (",
      absl::FormatTime(absl::RFC3339_sec, absl::FromUnixSeconds(unix_seconds),
                       absl::UTCTimeZone()),
      ")"));
}

absl::StatusOr<Struct> JsonObject(absl::string_view json,
                                  absl::string_view part) {
  Struct out;
  if (!google::protobuf::util::JsonStringToMessage(std::string(json), &out)
           .ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the JWT's ", part, " is not a JSON object"));
  }
  return out;
}

// Which vendor's JWT this looks like, and the claims that carry its grants.
void JwtVendor(const Struct& header, const Struct& claims, Struct* out) {
  const auto& c = claims.fields();
  auto has = [&](const char* name) { return c.contains(name); };
  std::string vendor = "jwt";
  std::vector<std::string> grant_claims;
  const auto cty = header.fields().find("cty");
  if (has("grants") && cty != header.fields().end() &&
      absl::StartsWith(cty->second.string_value(), "twilio")) {
    vendor = "twilio", grant_claims = {"grants"};
  } else if (has("video") || (has("sub") && has("metadata") && has("name"))) {
    vendor = "livekit", grant_claims = {"video"};
  } else if (has("application_id") || has("acl")) {
    vendor = "vonage", grant_claims = {"acl", "application_id"};
  } else if (has("r") && (has("d") || has("o") || has("u"))) {
    vendor = "daily", grant_claims = {"r", "u", "o", "d"};
  } else if (has("app_key") || has("tpc") || has("role_type")) {
    vendor = "zoom", grant_claims = {"app_key", "tpc", "role_type",
                                     "user_identity", "session_key"};
  } else if (has("grants")) {
    vendor = "apirtc", grant_claims = {"grants"};
  }
  (*out->mutable_fields())["vendor"] = Str(vendor);
  if (vendor == "jwt") {
    // A plain JWT's grants: its claims beyond RFC 7519's registered ones.
    for (const auto& [name, value] : c) {
      if (name != "iss" && name != "sub" && name != "aud" && name != "exp" &&
          name != "nbf" && name != "iat" && name != "jti") {
        grant_claims.push_back(name);
      }
    }
  }
  Struct grants;
  for (const std::string& name : grant_claims) {
    auto it = c.find(name);
    if (it != c.end()) (*grants.mutable_fields())[name] = it->second;
  }
  if (!grants.fields().empty()) {
    *(*out->mutable_fields())["grants"].mutable_struct_value() = grants;
  }
}

absl::StatusOr<Struct> DecodeJwt(absl::string_view token) {
  std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  if (parts.size() != 3) {
    return absl::InvalidArgumentError(absl::StrCat(
        "a JWT has 3 dot-separated parts, this has ", parts.size()));
  }
  Struct out;
  absl::StatusOr<std::string> header_json = Base64UrlDecode(parts[0]);
  if (!header_json.ok()) {
    return absl::InvalidArgumentError("the JWT's header is not base64url");
  }
  absl::StatusOr<std::string> claims_json = Base64UrlDecode(parts[1]);
  if (!claims_json.ok()) {
    return absl::InvalidArgumentError("the JWT's payload is not base64url");
  }
  absl::StatusOr<Struct> header = JsonObject(*header_json, "header");
  if (!header.ok()) return header.status();
  absl::StatusOr<Struct> claims = JsonObject(*claims_json, "payload");
  if (!claims.ok()) return claims.status();
  (*out.mutable_fields())["format"] = Str("JWT");
  *(*out.mutable_fields())["header"].mutable_struct_value() = *header;
  *(*out.mutable_fields())["claims"].mutable_struct_value() = *claims;
  JwtVendor(*header, *claims, &out);
  for (const char* t : {"iat", "nbf", "exp"}) {
    auto it = claims->fields().find(t);
    if (it != claims->fields().end() && it->second.has_number_value()) {
      (*out.mutable_fields())[absl::StrCat(t, "_utc")] =
          Time(static_cast<int64_t>(it->second.number_value()));
    }
  }
  return out;
}

Value Privileges(const std::map<uint16_t, uint32_t>& privileges) {
  Value v;
  for (const auto& [id, expire] : privileges) {
    (*v.mutable_struct_value()->mutable_fields())[absl::StrCat(id)] =
        Num(expire);
  }
  if (privileges.empty()) v.mutable_struct_value();
  return v;
}

absl::StatusOr<Struct> DecodeAgora007(absl::string_view token) {
  absl::StatusOr<absl::string_view> payload =
      agora::DecodeAccessToken2(token, kMaxTokenBytes, 1024 * 1024);
  if (!payload.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("not an Agora 007 token: ", payload.status().message()));
  }
  agora::ParsedAccessToken2 parsed;
  if (absl::Status s = agora::ParseAccessToken2Payload(*payload, &parsed);
      !s.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("not an Agora 007 token: ", s.message()));
  }
  Struct out;
  auto& f = *out.mutable_fields();
  f["format"] = Str("Agora AccessToken2 (007)");
  f["vendor"] = Str("agora");
  f["app_id"] = Str(parsed.app_id);
  f["issue_ts"] = Time(parsed.issue_ts);
  f["expire_seconds"] = Num(parsed.expire);
  f["expires_utc"] = Time(int64_t{parsed.issue_ts} + parsed.expire);
  f["salt"] = Num(parsed.salt);
  static const char* const kTypes[] = {
      "", "rtc", "rtm", "streaming", "fpa", "chat", "fcdn", "apaas", "rtm2"};
  Value services;
  services.mutable_list_value();
  for (const AgoraService& s : parsed.services) {
    Struct service;
    auto& g = *service.mutable_fields();
    g["type"] = Num(s.type);
    g["service"] =
        Str(IsKnownAgoraService(s.type) ? kTypes[s.type] : "unknown");
    g["privileges"] = Privileges(s.privileges);
    if (!s.channel.empty()) g["channel"] = Str(s.channel);
    if (s.uid) g["uid"] = Num(static_cast<double>(*s.uid));
    if (!s.account.empty()) g["account"] = Str(s.account);
    if (!s.user_id.empty()) g["user_id"] = Str(s.user_id);
    if (!s.room_uuid.empty()) g["room_uuid"] = Str(s.room_uuid);
    if (!s.user_uuid.empty()) g["user_uuid"] = Str(s.user_uuid);
    if (s.apaas_role >= 0) g["apaas_role"] = Num(s.apaas_role);
    if (!s.unknown_body.empty()) {
      g["unknown_body_bytes"] = Num(static_cast<double>(s.unknown_body.size()));
    }
    *services.mutable_list_value()->add_values()->mutable_struct_value() =
        service;
  }
  f["grants"] = services;
  return out;
}

absl::StatusOr<Struct> DecodeAgora006(absl::string_view token) {
  agora::ParsedAccessToken006 parsed;
  if (absl::Status s =
          agora::ParseAccessToken006(token, kMaxTokenBytes, &parsed);
      !s.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("not an Agora 006 token: ", s.message()));
  }
  Struct out;
  auto& f = *out.mutable_fields();
  f["format"] = Str("Agora AccessToken (006)");
  f["vendor"] = Str("agora");
  f["app_id"] = Str(parsed.app_id);
  f["ts"] = Time(parsed.ts);
  f["salt"] = Num(parsed.salt);
  f["crc_channel"] = Num(parsed.crc_channel);
  f["crc_uid"] = Num(parsed.crc_uid);
  Struct grants;
  (*grants.mutable_fields())["privileges"] = Privileges(parsed.privileges);
  *f["grants"].mutable_struct_value() = grants;
  return out;
}

}  // namespace

absl::StatusOr<std::string> DecodeToken(absl::string_view token, bool pretty) {
  token = absl::StripAsciiWhitespace(token);
  if (token.empty()) return absl::InvalidArgumentError("no token given");
  if (token.size() > kMaxTokenBytes) {
    return absl::InvalidArgumentError("the token is over 64 KiB");
  }
  absl::StatusOr<Struct> decoded =
      absl::StartsWith(token, "007")   ? DecodeAgora007(token)
      : absl::StartsWith(token, "006") ? DecodeAgora006(token)
                                       : DecodeJwt(token);
  if (!decoded.ok()) return decoded.status();
  Struct out = *std::move(decoded);
  Value verified;
  verified.set_bool_value(false);
  (*out.mutable_fields())["verified"] = verified;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = pretty;
  options.preserve_proto_field_names = true;
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(out, &json, options).ok()) {
    return absl::InternalError("could not print the decoded token");
  }
  return json;
}

int Decode(const Options& options) {
  std::string token = options.token;
  if (token.empty() || token == "-") {
    token.assign(std::istreambuf_iterator<char>(std::cin),
                 std::istreambuf_iterator<char>());
  }
  absl::StatusOr<std::string> json = DecodeToken(token, !options.json);
  if (!json.ok()) {
    std::fprintf(stderr, "tokenctl: decode: %s\n",
                 std::string(json.status().message()).c_str());
    return kExitUsage;
  }
  // Loud: on stdout for a reader, on stderr when stdout is --json for a
  // program (whose JSON says "verified": false).
  std::fprintf(options.json ? stderr : stdout,
               "*** NOT VERIFIED: decoded offline; the signature, expiry, "
               "audience and revocation were NOT checked. Use `tokenctl "
               "verify` before trusting any of it. ***\n");
  std::fflush(stderr);
  std::printf("%s", json->c_str());
  if (json->empty() || json->back() != '\n') std::printf("\n");
  return kExitOk;
}

}  // namespace tokend::tokenctl
