#include "server/ext_authz/responses.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "core/json/json.h"
#include "google/rpc/code.pb.h"

namespace tokend {
namespace {

using envoy::config::core::v3::HeaderValueOption;

void SetHeader(absl::string_view name, absl::string_view value,
               google::protobuf::RepeatedPtrField<HeaderValueOption>* headers) {
  HeaderValueOption* h = headers->Add();
  h->mutable_header()->set_key(std::string(name));
  h->mutable_header()->set_value(std::string(value));
  h->set_append_action(HeaderValueOption::OVERWRITE_IF_EXISTS_OR_ADD);
}

struct Shape {
  int http;
  google::rpc::Code code;
  const char* error;  // RFC 6750 error code, or null
};

Shape ShapeOf(Denial denial) {
  switch (denial) {
    case Denial::kNoToken:
      return {401, google::rpc::UNAUTHENTICATED, nullptr};
    case Denial::kInvalidToken:
      return {401, google::rpc::UNAUTHENTICATED, "invalid_token"};
    case Denial::kBadRequest:
      return {400, google::rpc::INVALID_ARGUMENT, "invalid_request"};
    case Denial::kTooLarge:
      return {431, google::rpc::INVALID_ARGUMENT, "invalid_request"};
    case Denial::kForbidden:
      return {403, google::rpc::PERMISSION_DENIED, "insufficient_scope"};
    case Denial::kUnavailable:
      return {503, google::rpc::UNAVAILABLE, nullptr};
  }
  return {403, google::rpc::PERMISSION_DENIED, nullptr};
}

}  // namespace

void AddUpstreamHeader(absl::string_view name, absl::string_view value,
                       envoy::service::auth::v3::OkHttpResponse* ok) {
  SetHeader(name, value, ok->mutable_headers());
}

envoy::service::auth::v3::OkHttpResponse* Allow(EnvoyCheckResponse* response) {
  response->mutable_status()->set_code(google::rpc::OK);
  return response->mutable_ok_response();
}

void Deny(Denial denial, absl::string_view reason, absl::string_view detail,
          EnvoyCheckResponse* response) {
  const Shape shape = ShapeOf(denial);
  response->mutable_status()->set_code(shape.code);
  response->mutable_status()->set_message(absl::StrCat(reason, ": ", detail));
  auto* denied = response->mutable_denied_response();
  denied->mutable_status()->set_code(
      static_cast<envoy::type::v3::StatusCode>(shape.http));
  if (shape.http == 401) {
    // RFC 6750 §3: no error attribute when the request had no credentials.
    SetHeader("www-authenticate",
              shape.error == nullptr
                  ? std::string("Bearer")
                  : absl::StrCat("Bearer error=\"", shape.error,
                                 "\", error_description=\"", reason, "\""),
              denied->mutable_headers());
  }
  SetHeader("content-type", "application/json", denied->mutable_headers());
  SetHeader("x-tokend-reason", reason, denied->mutable_headers());
  std::string body = "{\"error\":";
  json::AppendQuoted(
      shape.error == nullptr
          ? (shape.http == 503 ? "temporarily_unavailable" : "invalid_request")
          : shape.error,
      &body);
  body += ",\"error_description\":";
  json::AppendQuoted(reason, &body);
  body += ",\"detail\":";
  json::AppendQuoted(detail, &body);
  body += "}";
  denied->set_body(std::move(body));
}

}  // namespace tokend
