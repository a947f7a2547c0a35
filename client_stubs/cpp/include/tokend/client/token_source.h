// tokend::TokenSource: one SubscribeToken stream to tokend that keeps a
// fresh token for the process, and hands it out without blocking.
//
//   tokend::TokenSourceOptions options;
//   options.target = "unix:/run/tokend/tokend.sock";
//   options.request.set_tenant("app");
//   options.request.mutable_spec()->mutable_subject()->set_user_id("svc-a");
//   std::unique_ptr<tokend::TokenSource> source =
//       tokend::TokenSource::Start(std::move(options));
//   absl::StatusOr<tokend::SourceToken> token = source->Current();
//
// Behaviour (the same in every language's stub):
//  - subscribes once over a unix socket or TCP, with the marker header;
//  - when the stream ends it reconnects with exponential backoff and full
//    jitter, and resets the backoff only after a valid event arrived;
//  - it resumes with its current token (SubscribeTokenRequest.current_token)
//    while that is unexpired, else with the original spec;
//  - Current() never blocks on the network: it returns the current token
//    while it is valid (even with tokend down) and fails at once with
//    kUnavailable (never subscribed yet / expired) or kPermissionDenied /
//    kInvalidArgument (a terminal error) when it holds none;
//  - INVALID_ARGUMENT, PERMISSION_DENIED and reason REVOKED are terminal:
//    no retry (a revoked token is dropped at once);
//  - Close() (and the destructor) cancels the stream and joins the thread.
#ifndef TOKEND_CLIENT_TOKEN_SOURCE_H_
#define TOKEND_CLIENT_TOKEN_SOURCE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "tokend/v1/token_service.grpc.pb.h"

namespace tokend {

// Where tokend is when no target is given and $TOKEND_TARGET is unset: the
// socket the Kubernetes manifests share with the app.
inline constexpr char kDefaultTarget[] = "unix:/run/tokend/tokend.sock";

// $TOKEND_TARGET (the manifests set it), else kDefaultTarget.
std::string DefaultTarget();

struct TokenSourceOptions {
  // "unix:/path/tokend.sock" or "127.0.0.1:50051" (plaintext); empty:
  // DefaultTarget(). Ignored when `channel` is set.
  std::string target;
  std::shared_ptr<grpc::Channel> channel;
  // The tenant and the spec of the first token (source `spec`).
  v1::SubscribeTokenRequest request;
  absl::Duration initial_backoff = absl::Milliseconds(100);
  absl::Duration max_backoff = absl::Seconds(30);
  // A token counts as valid until expires_at minus this margin, so that a
  // token handed out does not expire on its way.
  absl::Duration expiry_margin = absl::Seconds(1);
};

// What Current() hands out. `token` is a secret: never log it.
struct SourceToken {
  std::string token;
  std::string token_id;
  absl::Time expires_at;
  absl::Time next_refresh_at;
  uint64_t sequence = 0;
};

// Counters for monitoring and tests.
struct TokenSourceStats {
  int64_t attempts = 0;            // SubscribeToken calls started
  int64_t events = 0;              // valid events received, all streams
  int64_t streams_with_event = 0;  // streams that delivered >= 1 valid event
};

class TokenSource {
 public:
  static std::unique_ptr<TokenSource> Start(TokenSourceOptions options);
  ~TokenSource();
  TokenSource(const TokenSource&) = delete;
  TokenSource& operator=(const TokenSource&) = delete;

  // The current token, without blocking on the network.
  absl::StatusOr<SourceToken> Current() const;
  // Waits up to `timeout` for a valid token (for start-up); then Current().
  absl::StatusOr<SourceToken> WaitForToken(absl::Duration timeout) const;
  // The terminal error that stopped the source, or OK while it runs.
  absl::Status TerminalError() const;
  TokenSourceStats Stats() const;
  // Cancels the stream and joins the background thread. Idempotent.
  void Close();

 private:
  explicit TokenSource(TokenSourceOptions options);
  void Run();
  // One stream: returns its final status; *had_event tells whether a valid
  // event arrived on it.
  grpc::Status Stream(bool* had_event);
  bool ValidLocked(absl::Time now) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const TokenSourceOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::TokenService::Stub> stub_;

  mutable absl::Mutex mu_;
  SourceToken current_ ABSL_GUARDED_BY(mu_);
  bool has_token_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status terminal_ ABSL_GUARDED_BY(mu_);
  absl::Status last_error_ ABSL_GUARDED_BY(mu_);
  bool closing_ ABSL_GUARDED_BY(mu_) = false;
  grpc::ClientContext* live_context_ ABSL_GUARDED_BY(mu_) = nullptr;
  TokenSourceStats stats_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

// The ErrorInfo reason in a failed status's google.rpc.Status details
// (e.g. "REVOKED"), or "" when there is none.
std::string ErrorReasonOf(const grpc::Status& status);

// True for the failures a source must not retry.
bool IsTerminal(const grpc::Status& status);

}  // namespace tokend

#endif  // TOKEND_CLIENT_TOKEN_SOURCE_H_
