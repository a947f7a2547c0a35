// The C++ token-source driver for run_stub_test.py (see its protocol).
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/security/credentials.h"
#include "tokend/client/call_credentials.h"
#include "tokend/client/token_source.h"

namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? "" : v;
}

double Ms(absl::Duration d) { return absl::ToDoubleMilliseconds(d); }

std::unique_ptr<tokend::TokenSource> NewSource(const std::string& target,
                                               const std::string& tenant) {
  tokend::TokenSourceOptions options;
  options.target = target;
  options.request.set_tenant(tenant);
  options.request.mutable_spec()->set_tenant(tenant);
  options.request.mutable_spec()->mutable_subject()->set_user_id("alice");
  options.initial_backoff = absl::Milliseconds(50);
  options.max_backoff = absl::Seconds(1);
  return tokend::TokenSource::Start(std::move(options));
}

template <typename F>
bool WaitUntil(F done, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (done()) return true;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return done();
}

std::string Echo(std::shared_ptr<tokend::TokenSource> source) {
  auto creds = grpc::CompositeChannelCredentials(
      grpc::experimental::LocalCredentials(UDS),
      tokend::TokenCallCredentials(source));
  auto channel = grpc::CreateChannel(Env("ECHO_TARGET"), creds);
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  grpc::Slice slice("hi");
  grpc::ByteBuffer request(&slice, 1), response;
  grpc::CompletionQueue cq;
  auto call =
      stub.PrepareUnaryCall(&context, "/tokend.test.Echo/Echo", request, &cq);
  call->StartCall();
  grpc::Status status;
  call->Finish(&response, &status, reinterpret_cast<void*>(1));
  void* tag;
  bool ok;
  cq.Next(&tag, &ok);
  if (!status.ok()) return "error " + status.error_message();
  std::vector<grpc::Slice> slices;
  (void)response.Dump(&slices);
  std::string out;
  for (const grpc::Slice& s : slices)
    out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return out;
}

std::string CodeName(absl::StatusCode code) {
  return absl::StatusCodeToString(code) == "INVALID_ARGUMENT" ||
                 absl::StatusCodeToString(code) == "PERMISSION_DENIED"
             ? absl::StatusCodeToString(code)
             : "OTHER_" + absl::StatusCodeToString(code);
}

void Terminal(const char* label, const std::string& tenant) {
  auto src = NewSource(Env("TOKEND_TARGET"), tenant);
  WaitUntil([&] { return !src->TerminalError().ok(); }, absl::Seconds(10));
  absl::SleepFor(absl::Milliseconds(500));  // a retry would have happened
  const absl::Status terminal = src->TerminalError();
  std::printf("%s %s %lld\n", label,
              terminal.ok() ? "NONE" : CodeName(terminal.code()).c_str(),
              static_cast<long long>(src->Stats().attempts));
  std::fflush(stdout);
}

void Full() {
  {
    auto dead = NewSource(Env("TOKEND_DEAD_TARGET"), "app");
    const absl::Time t0 = absl::Now();
    absl::StatusOr<tokend::SourceToken> t = dead->Current();
    std::printf(
        "FAILFAST %f %s\n", t.ok() ? 9999.0 : Ms(absl::Now() - t0),
        t.ok() ? "got-a-token" : std::string(t.status().message()).c_str());
  }
  Terminal("NORETRY_DENIED", "other");
  Terminal("NORETRY_INVALID", "");
  std::shared_ptr<tokend::TokenSource> src =
      NewSource(Env("TOKEND_TARGET"), "app");
  absl::StatusOr<tokend::SourceToken> tok =
      src->WaitForToken(absl::Seconds(15));
  if (!tok.ok()) {
    std::printf("TOKEN none %s\n", std::string(tok.status().message()).c_str());
    return;
  }
  std::printf("TOKEN %s %llu\n", tok->token_id.c_str(),
              static_cast<unsigned long long>(tok->sequence));
  std::printf("ECHO %s\nSTOP_TOKEND\n", Echo(src).c_str());
  std::fflush(stdout);
  std::string line;
  std::getline(std::cin, line);
  double worst = 0;
  bool same = true;
  for (int i = 0; i < 50; ++i) {
    const absl::Time t0 = absl::Now();
    absl::StatusOr<tokend::SourceToken> t = src->Current();
    worst = std::max(worst, Ms(absl::Now() - t0));
    same = same && t.ok() && t->token_id == tok->token_id;
  }
  std::printf("DOWN %d %f\nSTART_TOKEND\n", same ? 1 : 0, worst);
  std::fflush(stdout);
  std::getline(std::cin, line);
  WaitUntil([&] { return src->Stats().streams_with_event >= 2; },
            absl::Seconds(40));
  std::printf("RESUMED %lld %lld\n",
              static_cast<long long>(src->Stats().streams_with_event),
              static_cast<long long>(src->Stats().attempts));
  std::printf("ECHO2 %s\n", Echo(src).c_str());
  const absl::Time t0 = absl::Now();
  src->Close();
  std::printf("CLOSED %f\n", Ms(absl::Now() - t0));
}

void Renewal() {
  auto src = NewSource(Env("TOKEND_TARGET"), "short");
  absl::StatusOr<tokend::SourceToken> tok =
      src->WaitForToken(absl::Seconds(15));
  if (!tok.ok()) {
    std::printf("TOKEN none 0\n");
    return;
  }
  std::printf("TOKEN %s %lld\n", tok->token_id.c_str(),
              static_cast<long long>(absl::ToUnixSeconds(tok->expires_at)));
  std::fflush(stdout);
  std::string id;
  uint64_t seq = 0;
  const bool renewed = WaitUntil(
      [&] {
        absl::StatusOr<tokend::SourceToken> t = src->Current();
        if (t.ok()) id = t->token_id, seq = t->sequence;
        return t.ok() && t->token_id != tok->token_id;
      },
      tok->expires_at - absl::Now());
  std::printf("RENEWAL %d %s %llu\n", renewed ? 1 : 0, id.c_str(),
              static_cast<unsigned long long>(seq));
}

}  // namespace

int main() {
  if (Env("STUB_MODE") == "full") {
    Full();
  } else {
    Renewal();
  }
  std::printf("DONE\n");
  std::fflush(stdout);
  return 0;
}
