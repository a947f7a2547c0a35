#include "tokend/client/token_source.h"

#include <algorithm>
#include <cstdlib>
#include <random>
#include <utility>

#include "absl/strings/str_cat.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"

namespace tokend {
namespace {

constexpr char kMarkerHeader[] = "tokend-request";
constexpr char kMarkerValue[] = "1";

absl::Time FromProto(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

absl::Status ToAbsl(const grpc::Status& s) {
  return absl::Status(static_cast<absl::StatusCode>(s.error_code()),
                      s.error_message());
}

// gRPC's own reconnect backoff (1 s growing to 120 s by default) would hide
// a restarted tokend from our retries: keep it within ours.
grpc::ChannelArguments ReconnectArguments(const TokenSourceOptions& options) {
  grpc::ChannelArguments args;
  args.SetInt(
      GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS,
      static_cast<int>(absl::ToInt64Milliseconds(options.initial_backoff)));
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS,
              static_cast<int>(absl::ToInt64Milliseconds(options.max_backoff)));
  return args;
}

}  // namespace

std::string DefaultTarget() {
  const char* env = std::getenv("TOKEND_TARGET");
  return env != nullptr && *env != '\0' ? env : kDefaultTarget;
}

std::string ErrorReasonOf(const grpc::Status& status) {
  if (status.error_details().empty()) return "";
  google::rpc::Status details;
  if (!details.ParseFromString(status.error_details())) return "";
  for (const google::protobuf::Any& any : details.details()) {
    google::rpc::ErrorInfo info;
    if (any.UnpackTo(&info)) return info.reason();
  }
  return "";
}

bool IsTerminal(const grpc::Status& status) {
  return status.error_code() == grpc::StatusCode::INVALID_ARGUMENT ||
         status.error_code() == grpc::StatusCode::PERMISSION_DENIED ||
         ErrorReasonOf(status) == "REVOKED";
}

std::unique_ptr<TokenSource> TokenSource::Start(TokenSourceOptions options) {
  std::unique_ptr<TokenSource> source(new TokenSource(std::move(options)));
  source->thread_ = std::thread([s = source.get()] { s->Run(); });
  return source;
}

TokenSource::TokenSource(TokenSourceOptions options)
    : options_(std::move(options)),
      channel_(
          options_.channel != nullptr
              ? options_.channel
              : grpc::CreateCustomChannel(
                    options_.target.empty() ? DefaultTarget() : options_.target,
                    grpc::InsecureChannelCredentials(),
                    ReconnectArguments(options_))),
      stub_(v1::TokenService::NewStub(channel_)) {}

TokenSource::~TokenSource() { Close(); }

void TokenSource::Close() {
  {
    absl::MutexLock lock(&mu_);
    closing_ = true;
    if (live_context_ != nullptr) live_context_->TryCancel();
  }
  if (thread_.joinable()) thread_.join();
}

bool TokenSource::ValidLocked(absl::Time now) const {
  return has_token_ && now < current_.expires_at - options_.expiry_margin;
}

absl::StatusOr<SourceToken> TokenSource::Current() const {
  absl::MutexLock lock(&mu_);
  if (ValidLocked(absl::Now())) return current_;
  if (!terminal_.ok()) {
    return absl::Status(
        terminal_.code(),
        absl::StrCat("tokend token source stopped: ", terminal_.message()));
  }
  return absl::UnavailableError(absl::StrCat(
      "tokend token source holds no valid token",
      has_token_ ? " (the last one expired)" : " (none received yet)",
      last_error_.ok() ? "" : "; last error: ", last_error_.message()));
}

absl::StatusOr<SourceToken> TokenSource::WaitForToken(
    absl::Duration timeout) const {
  {
    absl::MutexLock lock(&mu_);
    auto ready = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
      return ValidLocked(absl::Now()) || !terminal_.ok() || closing_;
    };
    mu_.AwaitWithTimeout(absl::Condition(&ready), timeout);
  }
  return Current();
}

absl::Status TokenSource::TerminalError() const {
  absl::MutexLock lock(&mu_);
  return terminal_;
}

TokenSourceStats TokenSource::Stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

grpc::Status TokenSource::Stream(bool* had_event) {
  grpc::ClientContext context;
  context.AddMetadata(kMarkerHeader, kMarkerValue);
  // While tokend is down the call waits for the channel's reconnects
  // instead of failing at once: failing at once let every attempt of a
  // short outage double the retry ceiling, so a restart took seconds to be
  // noticed.
  context.set_wait_for_ready(true);
  v1::SubscribeTokenRequest request = options_.request;
  {
    absl::MutexLock lock(&mu_);
    if (closing_) return grpc::Status::CANCELLED;
    live_context_ = &context;
    ++stats_.attempts;
    // Resume with the token we hold while it is unexpired (tokend keeps it
    // if still fresh, else replaces it within the same session).
    if (has_token_ && absl::Now() < current_.expires_at) {
      request.set_current_token(current_.token);
    }
  }
  std::unique_ptr<grpc::ClientReader<v1::TokenEvent>> reader =
      stub_->SubscribeToken(&context, request);
  v1::TokenEvent event;
  while (reader->Read(&event)) {
    const absl::Time expires = FromProto(event.expires_at());
    absl::MutexLock lock(&mu_);
    // A resumed stream may confirm the token we presented by its id alone,
    // without sending it back.
    const bool confirms_current = event.token().empty() && has_token_ &&
                                  event.token_id() == current_.token_id;
    if ((event.token().empty() && !confirms_current) ||
        expires <= absl::Now()) {
      continue;
    }
    if (!confirms_current) current_.token = event.token();
    current_.token_id = event.token_id();
    current_.expires_at = expires;
    current_.next_refresh_at = FromProto(event.next_refresh_at());
    current_.sequence = event.sequence();
    has_token_ = true;
    ++stats_.events;
    if (!*had_event) ++stats_.streams_with_event;
    *had_event = true;
  }
  grpc::Status status = reader->Finish();
  absl::MutexLock lock(&mu_);
  live_context_ = nullptr;
  return status;
}

void TokenSource::Run() {
  std::mt19937_64 rng(std::random_device{}());
  absl::Duration ceiling = options_.initial_backoff;
  while (true) {
    bool had_event = false;
    const grpc::Status status = Stream(&had_event);
    absl::MutexLock lock(&mu_);
    if (closing_) return;
    last_error_ = ToAbsl(status);
    if (IsTerminal(status)) {
      terminal_ =
          last_error_.ok() ? absl::UnknownError("stream ended") : last_error_;
      if (ErrorReasonOf(status) == "REVOKED") has_token_ = false;
      return;
    }
    // Full jitter: sleep uniformly in [0, ceiling); the ceiling doubles per
    // failed attempt and starts over only after a stream gave a valid event.
    if (had_event) ceiling = options_.initial_backoff;
    std::uniform_int_distribution<int64_t> pick(
        0, std::max<int64_t>(1, absl::ToInt64Microseconds(ceiling)) - 1);
    const absl::Duration delay = absl::Microseconds(pick(rng));
    ceiling = std::min(ceiling * 2, options_.max_backoff);
    auto closing = [this]()
                       ABSL_SHARED_LOCKS_REQUIRED(mu_) { return closing_; };
    if (mu_.AwaitWithTimeout(absl::Condition(&closing), delay)) return;
  }
}

}  // namespace tokend
