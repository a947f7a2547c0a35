#include "tokend/client/call_credentials.h"

#include <utility>

namespace tokend {

grpc::Status TokenMetadataPlugin::GetMetadata(
    grpc::string_ref, grpc::string_ref, const grpc::AuthContext&,
    std::multimap<grpc::string, grpc::string>* metadata) {
  absl::StatusOr<SourceToken> token = source_->Current();
  if (!token.ok()) {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                        std::string(token.status().message()));
  }
  metadata->emplace("authorization", "Bearer " + token->token);
  return grpc::Status::OK;
}

std::shared_ptr<grpc::CallCredentials> TokenCallCredentials(
    std::shared_ptr<const TokenSource> source,
    grpc_security_level min_security_level) {
  return grpc::experimental::MetadataCredentialsFromPlugin(
      std::make_unique<TokenMetadataPlugin>(std::move(source)),
      min_security_level);
}

}  // namespace tokend
