// Vonage grants: an application JWT (optional ACL) or a Video client token
// (session, role, connection data, layout classes). The ACL becomes
// {"paths": {"<path>": {"methods": [...], "filters": {...}}}}.
#include "absl/strings/str_cat.h"
#include "core/reason.h"
#include "server/wire/grants_proto.h"
#include "server/wire/struct_json.h"

namespace tokend {
namespace {

absl::StatusOr<json::Object> AclToJson(const v1::VonageAcl& acl,
                                       absl::string_view field) {
  json::Object paths;
  for (const auto& [path, rule] : acl.paths()) {
    json::Object entry;
    if (rule.methods_size() > 0) {
      json::Array methods;
      for (const std::string& m : rule.methods()) methods.emplace_back(m);
      entry.Set("methods", json::Value(std::move(methods)));
    }
    if (rule.has_filters()) {
      absl::StatusOr<json::Object> filters = StructToJson(
          rule.filters(), absl::StrCat(field, ".paths.", path, ".filters"));
      if (!filters.ok()) return filters.status();
      entry.Set("filters", json::Value(*std::move(filters)));
    }
    paths.Set(path, json::Value(std::move(entry)));
  }
  json::Object out;
  if (!paths.empty()) out.Set("paths", json::Value(std::move(paths)));
  return out;
}

void AclToProto(const json::Object& acl, v1::VonageAcl* out) {
  const json::Value* paths = acl.Find("paths");
  if (paths == nullptr || !paths->is_object()) return;
  for (const auto& [path, rule] : paths->as_object().members()) {
    v1::VonageAclPath& p = (*out->mutable_paths())[path];
    if (!rule.is_object()) continue;
    if (const json::Value* m = rule.as_object().Find("methods");
        m != nullptr && m->is_array()) {
      for (const json::Value& v : m->as_array()) {
        if (v.is_string()) p.add_methods(v.as_string());
      }
    }
    if (const json::Value* f = rule.as_object().Find("filters");
        f != nullptr && f->is_object()) {
      JsonToStruct(f->as_object(), p.mutable_filters());
    }
  }
}

constexpr std::pair<v1::VonageVideoRole, const char*> kRoles[] = {
    {v1::VONAGE_VIDEO_ROLE_PUBLISHER, "publisher"},
    {v1::VONAGE_VIDEO_ROLE_SUBSCRIBER, "subscriber"},
    {v1::VONAGE_VIDEO_ROLE_MODERATOR, "moderator"},
    {v1::VONAGE_VIDEO_ROLE_PUBLISHER_ONLY, "publisheronly"},
};

}  // namespace

absl::StatusOr<VonageGrants> VonageGrantsFromProto(
    const v1::VonageGrants& proto) {
  VonageGrants g;
  if (proto.has_video()) {
    const v1::VonageVideoToken& v = proto.video();
    g.kind = VonageGrants::Kind::kVideoClient;
    g.session_id = v.session_id();
    if (v.role() != v1::VONAGE_VIDEO_ROLE_UNSPECIFIED) {
      for (const auto& [role, name] : kRoles) {
        if (role == v.role()) g.role = name;
      }
      if (g.role.empty()) {
        return Error(Reason::kInvalidArgument, "unknown role",
                     "grants.vonage.video.role");
      }
    }
    g.connection_data = v.data();
    g.initial_layout_class_list.assign(v.initial_layout_class_list().begin(),
                                       v.initial_layout_class_list().end());
    if (v.has_acl()) {
      absl::StatusOr<json::Object> acl =
          AclToJson(v.acl(), "grants.vonage.video.acl");
      if (!acl.ok()) return acl.status();
      g.acl = *std::move(acl);
    }
    return g;
  }
  g.kind = VonageGrants::Kind::kApplication;
  if (proto.application().has_acl()) {
    absl::StatusOr<json::Object> acl =
        AclToJson(proto.application().acl(), "grants.vonage.application.acl");
    if (!acl.ok()) return acl.status();
    g.acl = *std::move(acl);
  }
  return g;
}

void VonageGrantsToProto(const VonageGrants& g, v1::VonageGrants* proto) {
  if (g.kind == VonageGrants::Kind::kVideoClient) {
    v1::VonageVideoToken* v = proto->mutable_video();
    v->set_session_id(g.session_id);
    for (const auto& [role, name] : kRoles) {
      if (g.role == name) v->set_role(role);
    }
    v->set_data(g.connection_data);
    for (const std::string& c : g.initial_layout_class_list) {
      v->add_initial_layout_class_list(c);
    }
    if (!g.acl.empty()) AclToProto(g.acl, v->mutable_acl());
    return;
  }
  v1::VonageApplicationToken* a = proto->mutable_application();
  if (!g.acl.empty()) AclToProto(g.acl, a->mutable_acl());
}

}  // namespace tokend
