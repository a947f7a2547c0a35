// Example: get a token from the tokend sidecar and attach it to calls.
//
//   tokend_client_example [unix:/run/tokend/tokend.sock] [tenant] [subject]
//
// Prints the token id and expiry (never the token), then keeps printing
// whenever tokend replaces the token, until interrupted.
#include <cstdio>
#include <memory>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "tokend/client/call_credentials.h"
#include "tokend/client/token_source.h"

int main(int argc, char** argv) {
  tokend::TokenSourceOptions options;
  options.target = argc > 1 ? argv[1] : "unix:.tokend/tokend.sock";
  options.request.set_tenant(argc > 2 ? argv[2] : "dev-jwt");
  tokend::v1::IssueTokenRequest* spec = options.request.mutable_spec();
  spec->set_tenant(options.request.tenant());
  spec->mutable_subject()->set_user_id(argc > 3 ? argv[3] : "example");
  std::shared_ptr<tokend::TokenSource> source =
      tokend::TokenSource::Start(std::move(options));

  // Attach to your own channel like this (TLS or local credentials: gRPC
  // sends call credentials only on secure channels):
  //   grpc::CompositeChannelCredentials(
  //       grpc::experimental::LocalCredentials(UDS),
  //       tokend::TokenCallCredentials(source));
  std::shared_ptr<grpc::CallCredentials> call_credentials =
      tokend::TokenCallCredentials(source);
  (void)call_credentials;

  absl::StatusOr<tokend::SourceToken> token =
      source->WaitForToken(absl::Seconds(10));
  if (!token.ok()) {
    std::fprintf(stderr, "no token: %s\n",
                 std::string(token.status().message()).c_str());
    return 1;
  }
  std::string last_id;
  for (;;) {
    token = source->Current();
    if (token.ok() && token->token_id != last_id) {
      last_id = token->token_id;
      std::printf("token %s (#%llu) expires %s\n", last_id.c_str(),
                  static_cast<unsigned long long>(token->sequence),
                  absl::FormatTime(token->expires_at).c_str());
      std::fflush(stdout);
    } else if (!token.ok()) {
      std::fprintf(stderr, "%s\n",
                   std::string(token.status().message()).c_str());
      if (!source->TerminalError().ok()) return 1;
    }
    absl::SleepFor(absl::Seconds(1));
  }
}
