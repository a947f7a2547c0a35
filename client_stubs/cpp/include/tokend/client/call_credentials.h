// Attaches a TokenSource's token to outgoing gRPC calls as
// "authorization: Bearer <token>" through grpc::MetadataCredentialsPlugin.
//
//   auto creds = grpc::CompositeChannelCredentials(
//       grpc::experimental::LocalCredentials(UDS),   // or TLS
//       tokend::TokenCallCredentials(source));
//
// gRPC sends call credentials only on channels at least as secure as
// `min_security_level` (default: privacy and integrity, i.e. TLS or local
// credentials); GetMetadata never blocks, and a call fails with
// UNAVAILABLE and the source's message when it holds no valid token.
#ifndef TOKEND_CLIENT_CALL_CREDENTIALS_H_
#define TOKEND_CLIENT_CALL_CREDENTIALS_H_

#include <map>
#include <memory>
#include <string>

#include "grpc/grpc_security_constants.h"
#include "grpcpp/security/credentials.h"
#include "tokend/client/token_source.h"

namespace tokend {

class TokenMetadataPlugin : public grpc::MetadataCredentialsPlugin {
 public:
  explicit TokenMetadataPlugin(std::shared_ptr<const TokenSource> source)
      : source_(std::move(source)) {}
  bool IsBlocking() const override { return false; }
  const char* GetType() const override { return "tokend"; }
  grpc::Status GetMetadata(
      grpc::string_ref service_url, grpc::string_ref method_name,
      const grpc::AuthContext& channel_auth_context,
      std::multimap<grpc::string, grpc::string>* metadata) override;

 private:
  std::shared_ptr<const TokenSource> source_;
};

std::shared_ptr<grpc::CallCredentials> TokenCallCredentials(
    std::shared_ptr<const TokenSource> source,
    grpc_security_level min_security_level = GRPC_PRIVACY_AND_INTEGRITY);

}  // namespace tokend

#endif  // TOKEND_CLIENT_CALL_CREDENTIALS_H_
