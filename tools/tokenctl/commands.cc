#include "tools/tokenctl/commands.h"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/unknown_field_set.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/impl/client_unary_call.h"
#include "grpcpp/impl/rpc_method.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/sync_stream.h"
#include "tokend/v1/key_service.grpc.pb.h"
#include "tokend/v1/token_service.grpc.pb.h"
#include "tools/tokenctl/request.h"
#include "tools/tokenctl/rpc.h"

namespace tokend::tokenctl {
namespace {

std::string TimeText(const google::protobuf::Timestamp& t) {
  if (t.seconds() == 0 && t.nanos() == 0) return "-";
  return absl::FormatTime(
      absl::RFC3339_sec,
      absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos()),
      absl::UTCTimeZone());
}

std::unique_ptr<v1::TokenService::Stub> Tokens(const Options& options) {
  return v1::TokenService::NewStub(Dial(options));
}

// Prints an issued or renewed token: the token alone on stdout (or the whole
// response as JSON), its id and expiry on stderr.
template <typename Response>
int PrintIssued(const Options& options, const Response& response) {
  if (options.json) {
    PrintJson(response);
  } else {
    std::printf("%s\n", response.token().c_str());
  }
  std::fprintf(stderr, "token id %s, expires %s\n", response.token_id().c_str(),
               TimeText(response.expires_at()).c_str());
  return kExitOk;
}

std::string EventReasonText(v1::EventReason reason) {
  std::string name = v1::EventReason_Name(reason);
  absl::string_view short_name = name;
  absl::ConsumePrefix(&short_name, "EVENT_REASON_");
  return std::string(short_name);
}

}  // namespace

int Issue(const Options& options) {
  v1::IssueTokenRequest request;
  if (absl::Status s = BuildIssueRequest(options, &request); !s.ok()) {
    return UsageError("issue", s.message());
  }
  grpc::ClientContext context;
  Prepare(options, /*marker=*/true, &context);
  v1::IssueTokenResponse response;
  grpc::Status status =
      Tokens(options)->IssueToken(&context, request, &response);
  if (!status.ok()) return ReportRpcError("issue", status);
  return PrintIssued(options, response);
}

namespace {

// A token from a file ("-": stdin), without surrounding whitespace. Never
// echoed: errors name the file only.
absl::StatusOr<std::string> ReadTokenFile(const std::string& path,
                                          absl::string_view flag) {
  constexpr size_t kMaxBytes = 1 << 20;
  std::string text;
  if (path == "-") {
    std::getline(std::cin, text);
  } else {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", flag, ": cannot read ", path));
    }
    text.resize(kMaxBytes + 1);
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<size_t>(in.gcount()));
    if (text.size() > kMaxBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", flag, ": ", path, " is over 1 MiB"));
    }
  }
  text = std::string(absl::StripAsciiWhitespace(text));
  if (text.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, ": ", path, " holds no token"));
  }
  return text;
}

}  // namespace

int Exchange(const Options& options) {
  if (options.subject_token_file.empty()) {
    return UsageError("exchange", "--subject_token_file is required");
  }
  v1::ExchangeTokenRequest request;
  if (absl::Status s = BuildExchangeRequest(options, &request); !s.ok()) {
    return UsageError("exchange", s.message());
  }
  absl::StatusOr<std::string> subject =
      ReadTokenFile(options.subject_token_file, "subject_token_file");
  if (!subject.ok()) return UsageError("exchange", subject.status().message());
  request.set_subject_token(*subject);
  request.set_subject_token_type(options.subject_token_type);
  if (!options.actor_token_file.empty()) {
    absl::StatusOr<std::string> actor =
        ReadTokenFile(options.actor_token_file, "actor_token_file");
    if (!actor.ok()) return UsageError("exchange", actor.status().message());
    request.set_actor_token(*actor);
    request.set_actor_token_type(options.actor_token_type);
  }
  grpc::ClientContext context;
  Prepare(options, /*marker=*/true, &context);
  v1::ExchangeTokenResponse response;
  grpc::Status status =
      Tokens(options)->ExchangeToken(&context, request, &response);
  if (!status.ok()) return ReportRpcError("exchange", status);
  if (!options.json) {
    std::fprintf(stderr, "rule %s, tenant %s, subject %s\n",
                 response.rule().c_str(), response.tenant().c_str(),
                 response.subject().c_str());
  }
  return PrintIssued(options, response);
}

int Verify(const Options& options) {
  absl::StatusOr<std::string> token = ReadToken(options);
  if (!token.ok()) return UsageError("verify", token.status().message());
  v1::VerifyTokenRequest request;
  request.set_tenant(options.tenant);
  request.set_token(*token);
  if (!options.aud.empty()) {
    request.mutable_expectations()->set_audience(options.aud);
  }
  grpc::ClientContext context;
  Prepare(options, /*marker=*/true, &context);
  v1::VerifyTokenResponse response;
  grpc::Status status =
      Tokens(options)->VerifyToken(&context, request, &response);
  if (!status.ok()) return ReportRpcError("verify", status);
  if (options.json) {
    PrintJson(response);
  } else if (response.valid()) {
    std::printf("valid token_id=%s subject=%s expires=%s\n",
                response.token_id().c_str(), response.subject().c_str(),
                TimeText(response.expires_at()).c_str());
  } else {
    std::printf("invalid reason=%s detail=%s\n", response.reason().c_str(),
                response.detail().c_str());
  }
  return response.valid() ? kExitOk : kExitRefused;
}

int Renew(const Options& options) {
  absl::StatusOr<std::string> token = ReadToken(options);
  if (!token.ok()) return UsageError("renew", token.status().message());
  v1::RenewTokenRequest request;
  request.set_tenant(options.tenant);
  request.set_token(*token);
  if (options.ttl > absl::ZeroDuration()) {
    request.mutable_ttl()->set_seconds(absl::ToInt64Seconds(options.ttl));
  }
  grpc::ClientContext context;
  Prepare(options, /*marker=*/true, &context);
  v1::RenewTokenResponse response;
  grpc::Status status =
      Tokens(options)->RenewToken(&context, request, &response);
  if (!status.ok()) return ReportRpcError("renew", status);
  return PrintIssued(options, response);
}

int Revoke(const Options& options) {
  v1::RevokeTokenRequest request;
  request.set_tenant(options.tenant);
  request.set_reason(options.reason);
  int targets = 0;
  if (!options.token_id.empty()) {
    request.set_token_id(options.token_id);
    ++targets;
  }
  if (!options.subject.empty()) {
    request.set_subject(options.subject);
    ++targets;
  }
  if (options.tenant_wide) {
    request.set_whole_tenant(true);
    ++targets;
  }
  if (!options.token.empty()) {
    absl::StatusOr<std::string> token = ReadToken(options);
    if (!token.ok()) return UsageError("revoke", token.status().message());
    request.set_token(*token);
    ++targets;
  }
  if (targets != 1) {
    return UsageError("revoke",
                      "give exactly one of --token_id, --subject, "
                      "--tenant_wide, --token");
  }
  grpc::ClientContext context;
  Prepare(options, /*marker=*/true, &context);
  v1::RevokeTokenResponse response;
  grpc::Status status =
      Tokens(options)->RevokeToken(&context, request, &response);
  if (!status.ok()) return ReportRpcError("revoke", status);
  if (options.json) {
    PrintJson(response);
  } else {
    std::printf("revoked at %s\n", TimeText(response.revoked_at()).c_str());
  }
  return kExitOk;
}

int Subscribe(const Options& options) {
  v1::SubscribeTokenRequest request;
  request.set_tenant(options.tenant);
  if (!options.token.empty()) {
    absl::StatusOr<std::string> token = ReadToken(options);
    if (!token.ok()) return UsageError("subscribe", token.status().message());
    request.set_current_token(*token);
  } else if (absl::Status s =
                 BuildIssueRequest(options, request.mutable_spec());
             !s.ok()) {
    return UsageError("subscribe", s.message());
  }
  // A subscription lives as long as the stream: no deadline.
  grpc::ClientContext context;
  context.AddMetadata("tokend-request", "1");
  std::unique_ptr<grpc::ClientReader<v1::TokenEvent>> reader =
      Tokens(options)->SubscribeToken(&context, request);
  v1::TokenEvent event;
  int seen = 0;
  while (reader->Read(&event)) {
    if (!options.show_token) event.clear_token();
    if (options.json) {
      PrintJson(event);
    } else {
      std::printf("sequence=%llu reason=%s token_id=%s expires=%s%s%s\n",
                  static_cast<unsigned long long>(event.sequence()),
                  EventReasonText(event.reason()).c_str(),
                  event.token_id().c_str(),
                  TimeText(event.expires_at()).c_str(),
                  options.show_token ? " token=" : "", event.token().c_str());
      std::fflush(stdout);
    }
    if (options.count > 0 && ++seen >= options.count) {
      context.TryCancel();
      reader->Finish();
      return kExitOk;
    }
  }
  grpc::Status status = reader->Finish();
  if (!status.ok()) return ReportRpcError("subscribe", status);
  return kExitOk;
}

namespace {

// `json` parsed into a Value (an object), or the string itself when it is
// not JSON.
google::protobuf::Value JsonValue(const std::string& json) {
  google::protobuf::Value value;
  if (!google::protobuf::util::JsonStringToMessage(json, &value).ok()) {
    value.set_string_value(json);
  }
  return value;
}

std::string JwksResponseJson(const v1::GetJwksResponse& response) {
  google::protobuf::util::JsonPrintOptions print_options;
  print_options.preserve_proto_field_names = true;
  v1::GetJwksResponse rest = response;
  rest.clear_jwks_json();
  for (v1::PublishedKey& key : *rest.mutable_keys()) key.clear_jwk_json();
  std::string rest_json;
  google::protobuf::Struct out;
  if (!google::protobuf::util::MessageToJsonString(rest, &rest_json,
                                                   print_options)
           .ok() ||
      !google::protobuf::util::JsonStringToMessage(rest_json, &out).ok()) {
    out.Clear();
  }
  auto& fields = *out.mutable_fields();
  fields["jwks"] =
      JsonValue(response.jwks_json().empty() ? std::string("{\"keys\":[]}")
                                             : response.jwks_json());
  if (fields.contains("keys") && fields["keys"].has_list_value()) {
    auto* keys = fields["keys"].mutable_list_value()->mutable_values();
    for (int i = 0; i < keys->size() && i < response.keys_size(); ++i) {
      if (!response.keys(i).jwk_json().empty() &&
          (*keys)[i].has_struct_value()) {
        (*(*keys)[i].mutable_struct_value()->mutable_fields())["jwk"] =
            JsonValue(response.keys(i).jwk_json());
      }
    }
  }
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(out, &json, print_options)
           .ok()) {
    json = "{}";
  }
  return json;
}

}  // namespace

int Jwks(const Options& options) {
  v1::GetJwksRequest request;
  request.set_tenant(options.tenant);
  grpc::ClientContext context;
  Prepare(options, /*marker=*/true, &context);
  v1::GetJwksResponse response;
  grpc::Status status = v1::KeyService::NewStub(Dial(options))
                            ->GetJwks(&context, request, &response);
  if (!status.ok()) return ReportRpcError("jwks", status);
  if (options.json) {
    // JSON all the way down: the JWKS, and each key's JWK, as objects (the
    // proto carries them as JSON strings): {"jwks":{"keys":[...]},
    // "keys":[{"kid":...,"jwk":{...}}],"etag":...,"max_age":...}.
    std::printf("%s\n", JwksResponseJson(response).c_str());
  } else {
    std::printf("%s\n", response.jwks_json().c_str());
  }
  return kExitOk;
}

int Health(const Options& options) {
  // grpc.health.v1 is not compiled into tokenctl; its two messages are
  // tiny, so they are encoded by hand: HealthCheckRequest{service (1)} and
  // HealthCheckResponse{status (1): 1 SERVING, 2 NOT_SERVING, ...}.
  std::string request_bytes;
  if (!options.service.empty()) {
    if (options.service.size() > 127) {
      return UsageError("health", "--service is too long");
    }
    request_bytes.push_back('\x0a');
    request_bytes.push_back(static_cast<char>(options.service.size()));
    request_bytes.append(options.service);
  }
  std::shared_ptr<grpc::Channel> channel = Dial(options);
  const grpc::internal::RpcMethod method("/grpc.health.v1.Health/Check",
                                         grpc::internal::RpcMethod::NORMAL_RPC);
  grpc::Slice slice(request_bytes);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  grpc::ClientContext context;
  Prepare(options, /*marker=*/false, &context);
  grpc::Status status =
      grpc::internal::BlockingUnaryCall<grpc::ByteBuffer, grpc::ByteBuffer>(
          channel.get(), method, &context, request, &response);
  if (!status.ok()) return ReportRpcError("health", status);

  grpc::Slice joined;
  std::string bytes;
  if (response.TrySingleSlice(&joined).ok() ||
      response.DumpToSingleSlice(&joined).ok()) {
    bytes.assign(reinterpret_cast<const char*>(joined.begin()), joined.size());
  }
  google::protobuf::UnknownFieldSet fields;
  fields.ParseFromString(bytes);
  uint64_t serving_status = 0;  // UNKNOWN
  for (int i = 0; i < fields.field_count(); ++i) {
    if (fields.field(i).number() == 1 &&
        fields.field(i).type() == google::protobuf::UnknownField::TYPE_VARINT) {
      serving_status = fields.field(i).varint();
    }
  }
  static constexpr const char* kNames[] = {"UNKNOWN", "SERVING", "NOT_SERVING",
                                           "SERVICE_UNKNOWN"};
  const char* name = serving_status < 4 ? kNames[serving_status] : "UNKNOWN";
  if (options.json) {
    std::printf("{\"status\":\"%s\"}\n", name);
  } else {
    std::printf("%s\n", name);
  }
  return serving_status == 1 ? kExitOk : kExitRefused;
}

}  // namespace tokend::tokenctl
