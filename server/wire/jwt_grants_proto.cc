// The generic JWT profile's grants: audiences and free-form extra claims.
#include "server/wire/grants_proto.h"
#include "server/wire/struct_json.h"

namespace tokend {

absl::StatusOr<JwtGrants> JwtGrantsFromProto(const v1::JwtGrants& proto) {
  JwtGrants grants;
  grants.audiences.assign(proto.audience().begin(), proto.audience().end());
  absl::StatusOr<json::Object> extra =
      StructToJson(proto.extra_claims(), "grants.jwt.extra_claims");
  if (!extra.ok()) return extra.status();
  grants.extra_claims = *std::move(extra);
  return grants;
}

void JwtGrantsToProto(const JwtGrants& grants, v1::JwtGrants* proto) {
  for (const std::string& aud : grants.audiences) proto->add_audience(aud);
  JsonToStruct(grants.extra_claims, proto->mutable_extra_claims());
}

}  // namespace tokend
