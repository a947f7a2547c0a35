// ApiRTC grants: only the wildcard switch; the user agent id is the subject.
#include "server/wire/grants_proto.h"

namespace tokend {

absl::StatusOr<ApiRtcGrants> ApiRtcGrantsFromProto(
    const v1::ApiRtcGrants& proto) {
  ApiRtcGrants grants;
  grants.all_users = proto.all_users();
  return grants;
}

void ApiRtcGrantsToProto(const ApiRtcGrants& grants, v1::ApiRtcGrants* proto) {
  proto->set_all_users(grants.all_users);
}

}  // namespace tokend
