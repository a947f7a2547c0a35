#include "tokend/client/auth_processor.h"

#include <chrono>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "tokend/client/token_source.h"

namespace tokend {

TokenVerifier::TokenVerifier(VerifierOptions options)
    : options_(std::move(options)),
      stub_(v1::TokenService::NewStub(
          options_.channel != nullptr
              ? options_.channel
              : grpc::CreateChannel(
                    options_.target.empty() ? DefaultTarget() : options_.target,
                    grpc::InsecureChannelCredentials()))) {}

absl::StatusOr<Verified> TokenVerifier::Verify(absl::string_view token) const {
  if (token.empty()) {
    return absl::UnauthenticatedError(absl::StrCat(
        kMissingToken, ": no authorization: Bearer <token> metadata"));
  }
  v1::VerifyTokenRequest request;
  request.set_tenant(options_.tenant);
  request.set_token(std::string(token));
  if (!options_.audience.empty()) {
    request.mutable_expectations()->set_audience(options_.audience);
  }
  grpc::ClientContext context;
  context.AddMetadata("tokend-request", "1");
  context.set_deadline(std::chrono::system_clock::now() +
                       absl::ToChronoMilliseconds(options_.timeout));
  v1::VerifyTokenResponse response;
  const grpc::Status status = stub_->VerifyToken(&context, request, &response);
  if (!status.ok()) {
    return absl::UnavailableError(
        absl::StrCat("tokend could not verify the token: ",
                     absl::StatusCodeToString(
                         static_cast<absl::StatusCode>(status.error_code()))));
  }
  if (!response.valid()) {
    const std::string reason =
        response.reason().empty() ? "INVALID" : response.reason();
    // tokend's details already start with the reason.
    return absl::UnauthenticatedError(
        absl::StartsWith(response.detail(), reason + ":")
            ? response.detail()
            : absl::StrCat(reason, ": ", response.detail()));
  }
  return Verified{response.subject(), response.token_id(), response.tenant(),
                  absl::FromUnixSeconds(response.expires_at().seconds()) +
                      absl::Nanoseconds(response.expires_at().nanos())};
}

std::string BearerToken(absl::string_view authorization) {
  const size_t space = authorization.find(' ');
  if (space == absl::string_view::npos ||
      !absl::EqualsIgnoreCase(authorization.substr(0, space), "bearer")) {
    return "";
  }
  return std::string(absl::StripAsciiWhitespace(authorization.substr(space)));
}

grpc::Status TokenAuthProcessor::Process(const InputMetadata& auth_metadata,
                                         grpc::AuthContext* context,
                                         OutputMetadata* consumed_auth_metadata,
                                         OutputMetadata*) {
  std::string token;
  for (const auto& [key, value] : auth_metadata) {
    if (key == "authorization") {
      token = BearerToken(absl::string_view(value.data(), value.size()));
      // Handlers never see the token.
      consumed_auth_metadata->emplace(std::string(key.data(), key.size()),
                                      std::string(value.data(), value.size()));
      if (!token.empty()) break;
    }
  }
  absl::StatusOr<Verified> verified = verifier_->Verify(token);
  if (!verified.ok()) {
    return grpc::Status(
        verified.status().code() == absl::StatusCode::kUnauthenticated
            ? grpc::StatusCode::UNAUTHENTICATED
            : grpc::StatusCode::UNAVAILABLE,
        std::string(verified.status().message()));
  }
  context->AddProperty(kSubjectProperty, verified->subject);
  context->AddProperty(kTokenIdProperty, verified->token_id);
  context->AddProperty(kTenantProperty, verified->tenant);
  return grpc::Status::OK;
}

std::string VerifiedSubject(const grpc::ServerContextBase& context) {
  const std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  if (auth == nullptr) return "";
  for (const grpc::string_ref& value :
       auth->FindPropertyValues(kSubjectProperty)) {
    return std::string(value.data(), value.size());
  }
  return "";
}

}  // namespace tokend
