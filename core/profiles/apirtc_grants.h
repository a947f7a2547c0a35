// ApiRTC grants: plain data, validated by the apirtc profile.
//
// The token's `grants.apiRTC_UserAgent_Id` is the request's subject; these
// grants only choose the wildcard instead.
#ifndef TOKEND_CORE_PROFILES_APIRTC_GRANTS_H_
#define TOKEND_CORE_PROFILES_APIRTC_GRANTS_H_

namespace tokend {

struct ApiRtcGrants {
  // Writes `grants.apiRTC_UserAgent_Id` = "ApiKey_Token", the wildcard valid
  // for every user of the apiKey, instead of the subject (which must then be
  // empty). Refused unless the tenant allows wildcards.
  bool all_users = false;
};

}  // namespace tokend

#endif  // TOKEND_CORE_PROFILES_APIRTC_GRANTS_H_
