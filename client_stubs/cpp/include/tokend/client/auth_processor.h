// The receiving side: verify the bearer token of incoming calls through
// tokend.
//
//   tokend::VerifierOptions options;
//   options.tenant = "app";                       // target: $TOKEND_TARGET
//   auto creds = grpc::experimental::LocalServerCredentials(UDS);  // or TLS
//   creds->SetAuthMetadataProcessor(
//       std::make_shared<tokend::TokenAuthProcessor>(
//           std::make_shared<tokend::TokenVerifier>(options)));
//   builder.AddListeningPort(address, creds);
//   ...
//   // in a handler:
//   std::string who = tokend::VerifiedSubject(*context);
//
// gRPC runs an AuthMetadataProcessor only on secure server credentials (TLS
// or local), for every call of the server: serve health checks on another
// port. A call without `authorization: Bearer <token>` or with an invalid
// token fails UNAUTHENTICATED with "<REASON>: <detail>" (MISSING_TOKEN,
// TOKEN_EXPIRED, REVOKED, ...), which never contains the token; when tokend
// cannot answer, UNAVAILABLE. The token is consumed: handlers do not see the
// authorization metadata. Verdicts are not cached, so a revocation applies
// to the next call.
#ifndef TOKEND_CLIENT_AUTH_PROCESSOR_H_
#define TOKEND_CLIENT_AUTH_PROCESSOR_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "grpcpp/security/auth_metadata_processor.h"
#include "grpcpp/server_context.h"
#include "tokend/v1/token_service.grpc.pb.h"

namespace tokend {

// The reason of a call without a bearer token (the stubs' own: tokend never
// sees such a call, so its catalogue has no such verdict).
inline constexpr char kMissingToken[] = "MISSING_TOKEN";

// AuthContext properties a verified call carries.
inline constexpr char kSubjectProperty[] = "tokend.subject";
inline constexpr char kTokenIdProperty[] = "tokend.token_id";
inline constexpr char kTenantProperty[] = "tokend.tenant";

struct VerifierOptions {
  // tokend: "unix:/path" or "host:port"; empty: DefaultTarget(). Ignored
  // when `channel` is set.
  std::string target;
  std::shared_ptr<grpc::Channel> channel;
  // The tenant that verifies (required).
  std::string tenant;
  // An audience the token must have; empty: the tenant's.
  std::string audience;
  absl::Duration timeout = absl::Seconds(5);
};

// What tokend said about a valid token. Holds no token.
struct Verified {
  std::string subject;
  std::string token_id;
  std::string tenant;
  absl::Time expires_at;
};

// Asks tokend's VerifyToken. Thread-safe.
class TokenVerifier {
 public:
  explicit TokenVerifier(VerifierOptions options);
  // kUnauthenticated "<REASON>: <detail>" for a missing or invalid token;
  // kUnavailable when tokend did not answer.
  absl::StatusOr<Verified> Verify(absl::string_view token) const;

 private:
  const VerifierOptions options_;
  std::unique_ptr<v1::TokenService::Stub> stub_;
};

// The grpc::AuthMetadataProcessor. Blocking: gRPC runs it on its own
// threads, never on a thread that serves calls.
class TokenAuthProcessor : public grpc::AuthMetadataProcessor {
 public:
  explicit TokenAuthProcessor(std::shared_ptr<const TokenVerifier> verifier)
      : verifier_(std::move(verifier)) {}
  bool IsBlocking() const override { return true; }
  grpc::Status Process(const InputMetadata& auth_metadata,
                       grpc::AuthContext* context,
                       OutputMetadata* consumed_auth_metadata,
                       OutputMetadata* response_metadata) override;

 private:
  std::shared_ptr<const TokenVerifier> verifier_;
};

// The token of "authorization: Bearer <token>", or "" when there is none.
std::string BearerToken(absl::string_view authorization);

// The verified subject of the call `context` serves ("" outside a
// TokenAuthProcessor's server).
std::string VerifiedSubject(const grpc::ServerContextBase& context);

}  // namespace tokend

#endif  // TOKEND_CLIENT_AUTH_PROCESSOR_H_
