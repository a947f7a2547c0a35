#include "tools/tokenctl/rpc.h"

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/json_util.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"

namespace tokend::tokenctl {

std::string DefaultAddress() {
  const char* state = std::getenv("TOKEND_STATE_DIR");
  const std::string dir =
      state != nullptr && *state != '\0' ? state : ".tokend";
  return absl::StrCat("unix:", dir, "/tokend.sock");
}

std::shared_ptr<grpc::Channel> Dial(const Options& options) {
  const std::string target =
      options.addr.empty() ? DefaultAddress() : options.addr;
  return grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
}

void Prepare(const Options& options, bool marker,
             grpc::ClientContext* context) {
  context->set_deadline(absl::ToChronoTime(absl::Now() + options.timeout));
  if (marker) context->AddMetadata("tokend-request", "1");
}

int ReportRpcError(absl::string_view command, const grpc::Status& status) {
  std::string details;
  google::rpc::Status proto;
  if (!status.error_details().empty() &&
      proto.ParseFromString(status.error_details())) {
    for (const auto& any : proto.details()) {
      google::rpc::ErrorInfo info;
      if (!any.UnpackTo(&info)) continue;
      absl::StrAppend(&details, " reason=", info.reason());
      auto field = info.metadata().find("field");
      if (field != info.metadata().end()) {
        absl::StrAppend(&details, " field=", field->second);
      }
    }
  }
  const std::string code = absl::StatusCodeToString(
      static_cast<absl::StatusCode>(status.error_code()));
  std::fprintf(stderr, "tokenctl: %s: %s%s: %s\n", std::string(command).c_str(),
               code.c_str(), details.c_str(), status.error_message().c_str());
  return kExitRpcError;
}

int UsageError(absl::string_view command, absl::string_view problem) {
  std::fprintf(stderr, "tokenctl: %s: %s\n", std::string(command).c_str(),
               std::string(problem).c_str());
  return kExitUsage;
}

absl::StatusOr<std::string> ReadToken(const Options& options) {
  std::string token = options.token;
  if (token.empty() || token == "-") {
    if (!std::getline(std::cin, token)) {
      return absl::InvalidArgumentError("no token on stdin (or use --token)");
    }
  }
  token = std::string(absl::StripAsciiWhitespace(token));
  if (token.empty()) return absl::InvalidArgumentError("empty token");
  return token;
}

void PrintJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions json_options;
  json_options.preserve_proto_field_names = true;
  std::string out;
  if (!google::protobuf::util::MessageToJsonString(message, &out, json_options)
           .ok()) {
    out = "{}";
  }
  std::printf("%s\n", out.c_str());
  std::fflush(stdout);
}

}  // namespace tokend::tokenctl
