// Issue 18's observability against the real tokend: the process_* and
// gRPC-standard metrics on /metrics, the config-reload gauges, failed calls
// and request ids in the logs, and the health service described by
// reflection.
#include <signal.h>
#include <unistd.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/unknown_field_set.h"
#include "google/protobuf/wire_format_lite.h"
#include "grpcpp/impl/codegen/rpc_method.h"
#include "grpcpp/impl/codegen/sync_stream.h"
#include "grpcpp/support/byte_buffer.h"
#include "gtest/gtest.h"
#include "tests/server/e2e/tokend_process.h"
#include "tokend/v1/key_service.grpc.pb.h"
#include "tokend/v1/token_service.grpc.pb.h"

namespace tokend::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct Ports {
  int tcp = FreePort();
  int health = FreePort();
  int http = FreePort();
};

std::string Config(const TempDir& dir, const Ports& ports,
                   const std::string& issuer = "https://obs.test") {
  return absl::StrCat(R"(
listeners:
  unix_socket: )",
                      dir.File("run/tokend.sock"), R"(
  tcp: 127.0.0.1:)",
                      ports.tcp, R"(
  health: 127.0.0.1:)",
                      ports.health, R"(
  http: 127.0.0.1:)",
                      ports.http, R"(
tenants:
  - name: demo
    profile: jwt
    issuer: )",
                      issuer, R"(
    algorithm: ES256
    credentials:
      private_key: file:demo.pem
callers:
  - name: me
    uid: )",
                      getuid(), R"(
    issue: ["*"]
    verify: ["*"]
    revoke: ["*"]
)");
}

// The value of the sample `series` (name plus labels exactly as exposed,
// e.g. `process_open_fds` or `x{a="b"}`) in a /metrics response; nullopt
// when absent.
std::optional<double> Sample(const std::string& text,
                             const std::string& series) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (!absl::ConsumePrefix(&line, series)) continue;
    if (!absl::ConsumePrefix(&line, " ")) continue;
    double value = 0;
    if (absl::SimpleAtod(line, &value)) return value;
  }
  return std::nullopt;
}

// grpc.reflection.v1alpha file_containing_symbol, as `grpcurl describe`
// and `grpc_cli ls -l` ask it: the FileDescriptorProtos of the answer (the
// file first), or the reflection error in *error. The reflection protos are
// not compiled here, so the messages are encoded by hand (as ListServices
// in tokend_process.cc does).
std::vector<google::protobuf::FileDescriptorProto> FileContainingSymbol(
    const std::shared_ptr<grpc::Channel>& channel, const std::string& symbol,
    std::string* error) {
  const grpc::internal::RpcMethod method(
      "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
      grpc::internal::RpcMethod::BIDI_STREAMING, channel);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  std::unique_ptr<grpc::ClientReaderWriter<grpc::ByteBuffer, grpc::ByteBuffer>>
      stream(grpc::internal::ClientReaderWriterFactory<
             grpc::ByteBuffer, grpc::ByteBuffer>::Create(channel.get(), method,
                                                         &context));
  // ServerReflectionRequest{file_containing_symbol (4): symbol}.
  std::string request;
  {
    google::protobuf::io::StringOutputStream raw(&request);
    google::protobuf::io::CodedOutputStream out(&raw);
    out.WriteTag(google::protobuf::internal::WireFormatLite::MakeTag(
        4,
        google::protobuf::internal::WireFormatLite::WIRETYPE_LENGTH_DELIMITED));
    out.WriteVarint32(static_cast<uint32_t>(symbol.size()));
    out.WriteString(symbol);
  }
  grpc::Slice slice(request);
  grpc::ByteBuffer buffer(&slice, 1);
  stream->Write(buffer);
  stream->WritesDone();
  std::vector<google::protobuf::FileDescriptorProto> files;
  grpc::ByteBuffer in;
  while (stream->Read(&in)) {
    std::vector<grpc::Slice> slices;
    in.Dump(&slices);
    std::string bytes;
    for (const grpc::Slice& s : slices) {
      bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
    }
    google::protobuf::UnknownFieldSet response;
    response.ParseFromString(bytes);
    for (int i = 0; i < response.field_count(); ++i) {
      const google::protobuf::UnknownField& field = response.field(i);
      if (field.type() !=
          google::protobuf::UnknownField::TYPE_LENGTH_DELIMITED) {
        continue;
      }
      google::protobuf::UnknownFieldSet inner;
      inner.ParseFromString(field.length_delimited());
      if (field.number() == 4) {
        // FileDescriptorResponse.file_descriptor_proto (1), repeated bytes.
        for (int j = 0; j < inner.field_count(); ++j) {
          if (inner.field(j).number() != 1) continue;
          google::protobuf::FileDescriptorProto file;
          if (file.ParseFromString(inner.field(j).length_delimited())) {
            files.push_back(std::move(file));
          }
        }
      } else if (field.number() == 7) {
        // ErrorResponse.error_message (2).
        for (int j = 0; j < inner.field_count(); ++j) {
          if (inner.field(j).number() == 2) {
            *error = inner.field(j).length_delimited();
          }
        }
      }
    }
  }
  const grpc::Status status = stream->Finish();
  if (!status.ok()) *error = status.error_message();
  return files;
}

class ObservabilityTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir;
    ports_ = new Ports;
    ASSERT_EQ(Shell("openssl genpkey -algorithm EC -pkeyopt "
                    "ec_paramgen_curve:P-256 -out " +
                    dir_->File("demo.pem") + " 2>/dev/null"),
              0);
    dir_->Write("tokend.yaml", Config(*dir_, *ports_));
    process_ = new TokendProcess({"--config=" + dir_->File("tokend.yaml")},
                                 dir_->File("tokend.log"));
    ASSERT_TRUE(WaitServing(Unix())) << process_->Log();
  }
  static void TearDownTestSuite() {
    process_->Signal(SIGTERM);
    EXPECT_EQ(process_->WaitExit(), 0) << process_->Log();
    delete process_;
    delete ports_;
    delete dir_;
  }

  static std::string Unix() { return "unix:" + dir_->File("run/tokend.sock"); }
  static std::string Scrape() { return HttpGet(ports_->http, "/metrics"); }

  grpc::Status Issue(const std::string& subject, v1::IssueTokenResponse* out) {
    grpc::ClientContext context;
    AddMarker(&context);
    v1::IssueTokenRequest request;
    request.set_tenant("demo");
    request.mutable_subject()->set_user_id(subject);
    return v1::TokenService::NewStub(Connect(Unix()))
        ->IssueToken(&context, request, out);
  }

  static TempDir* dir_;
  static Ports* ports_;
  static TokendProcess* process_;
};

TempDir* ObservabilityTest::dir_ = nullptr;
Ports* ObservabilityTest::ports_ = nullptr;
TokendProcess* ObservabilityTest::process_ = nullptr;

// --- process_*
// ----------------------------------------------------------------

TEST_F(ObservabilityTest, ProcessMetricsDescribeThisProcess) {
  const std::string text = Scrape();
  ASSERT_THAT(text, HasSubstr("200 OK"));
  EXPECT_THAT(text, HasSubstr("# TYPE process_cpu_seconds_total counter"));
  // Resident memory is the tokend process's: compare with its own
  // /proc/<pid>/statm (pages), within a generous band for growth between
  // the two reads.
  const std::optional<double> rss =
      Sample(text, "process_resident_memory_bytes");
  ASSERT_TRUE(rss.has_value()) << text;
  const std::vector<std::string> statm = absl::StrSplit(
      ReadFile(absl::StrCat("/proc/", process_->pid(), "/statm")), ' ');
  ASSERT_GE(statm.size(), 2u);
  double pages = 0;
  ASSERT_TRUE(absl::SimpleAtod(statm[1], &pages));
  const double expected = pages * static_cast<double>(sysconf(_SC_PAGESIZE));
  EXPECT_GT(*rss, 0.5 * expected);
  EXPECT_LT(*rss, 2.0 * expected);
  EXPECT_GT(Sample(text, "process_virtual_memory_bytes").value_or(0), *rss);
  // Open fds: at least the listeners and stdio; no more than the limit.
  const std::optional<double> fds = Sample(text, "process_open_fds");
  const std::optional<double> max_fds = Sample(text, "process_max_fds");
  ASSERT_TRUE(fds.has_value() && max_fds.has_value()) << text;
  EXPECT_GE(*fds, 5);
  EXPECT_LT(*fds, *max_fds);
  // Started within the last ten minutes, not in the future.
  const std::optional<double> start =
      Sample(text, "process_start_time_seconds");
  ASSERT_TRUE(start.has_value()) << text;
  const double now = absl::ToDoubleSeconds(absl::Now() - absl::UnixEpoch());
  EXPECT_LE(*start, now + 1);
  EXPECT_GT(*start, now - 600);
  EXPECT_GE(Sample(text, "process_cpu_seconds_total").value_or(-1), 0);
}

TEST_F(ObservabilityTest, CpuSecondsGrowWithWork) {
  const double before =
      Sample(Scrape(), "process_cpu_seconds_total").value_or(-1);
  ASSERT_GE(before, 0);
  // ES256 signing costs CPU; keep calling until the counter moves (the
  // kernel counts in clock ticks of 10 ms), within a deadline.
  int calls = 0;
  EXPECT_TRUE(WaitFor(
      [&] {
        for (int i = 0; i < 200; ++i, ++calls) {
          v1::IssueTokenResponse issued;
          if (!Issue("cpu", &issued).ok()) return false;
        }
        return Sample(Scrape(), "process_cpu_seconds_total").value_or(0) >
               before;
      },
      absl::Seconds(60)))
      << calls << " calls";
}

// --- gRPC-standard names
// ------------------------------------------------------

TEST_F(ObservabilityTest, GrpcStandardMetricsCountStartsCodesAndLatency) {
  const std::string ok_series =
      "{grpc_code=\"OK\",grpc_method=\"IssueToken\","
      "grpc_service=\"tokend.v1.TokenService\",grpc_type=\"unary\"}";
  const std::string bad_series =
      "{grpc_code=\"InvalidArgument\",grpc_method=\"IssueToken\","
      "grpc_service=\"tokend.v1.TokenService\",grpc_type=\"unary\"}";
  const std::string started_series =
      "grpc_server_started_total{grpc_method=\"IssueToken\","
      "grpc_service=\"tokend.v1.TokenService\",grpc_type=\"unary\"}";
  const std::string count_series =
      "grpc_server_handling_seconds_count{grpc_method=\"IssueToken\","
      "grpc_service=\"tokend.v1.TokenService\",grpc_type=\"unary\"}";
  const std::string before = Scrape();
  v1::IssueTokenResponse issued;
  ASSERT_TRUE(Issue("alice", &issued).ok());
  ASSERT_TRUE(Issue("bob", &issued).ok());
  grpc::ClientContext context;
  AddMarker(&context);
  v1::IssueTokenRequest unknown;
  unknown.set_tenant("no-such-tenant");
  unknown.mutable_subject()->set_user_id("carol");
  ASSERT_EQ(v1::TokenService::NewStub(Connect(Unix()))
                ->IssueToken(&context, unknown, &issued)
                .error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  const std::string after = Scrape();
  auto delta = [&](const std::string& series) {
    return Sample(after, series).value_or(0) -
           Sample(before, series).value_or(0);
  };
  EXPECT_EQ(delta(started_series), 3) << after;
  EXPECT_EQ(delta("grpc_server_handled_total" + ok_series), 2) << after;
  EXPECT_EQ(delta("grpc_server_handled_total" + bad_series), 1) << after;
  EXPECT_EQ(delta(count_series), 3) << after;
  EXPECT_THAT(after,
              HasSubstr("# TYPE grpc_server_handling_seconds histogram"));
  EXPECT_THAT(after, HasSubstr("grpc_server_handling_seconds_bucket{grpc_"
                               "method=\"IssueToken\""));
  // tokend's own names stay beside them.
  EXPECT_THAT(after, HasSubstr("tokend_rpc_handled_total{"));
}

TEST_F(ObservabilityTest, StreamsAreLabelledServerStream) {
  grpc::ClientContext context;
  AddMarker(&context);
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  v1::WatchJwksRequest request;
  request.set_tenant("demo");
  auto stream =
      v1::KeyService::NewStub(Connect(Unix()))->WatchJwks(&context, request);
  v1::WatchJwksResponse first;
  ASSERT_TRUE(stream->Read(&first));
  EXPECT_THAT(Scrape(),
              HasSubstr("grpc_server_started_total{grpc_method=\"WatchJwks\","
                        "grpc_service=\"tokend.v1.KeyService\","
                        "grpc_type=\"server_stream\"} 1"));
  context.TryCancel();
}

// --- reload gauges
// -------------------------------------------------------------

TEST_F(ObservabilityTest, ReloadGaugesFollowFailureAndRecovery) {
  const std::string start = Scrape();
  EXPECT_EQ(Sample(start, "tokend_config_last_reload_successful"), 1);
  const double loaded =
      Sample(start, "tokend_config_last_reload_success_timestamp_seconds")
          .value_or(0);
  const double now = absl::ToDoubleSeconds(absl::Now() - absl::UnixEpoch());
  EXPECT_GT(loaded, now - 600);
  EXPECT_LE(loaded, now + 1);
  // A config that does not parse: refused, gauge 0, old config serving.
  dir_->Write("tokend.yaml", "tenants: [\n");
  process_->Signal(SIGHUP);
  EXPECT_TRUE(WaitFor([] {
    return Sample(Scrape(), "tokend_config_last_reload_successful") == 0;
  })) << process_->Log();
  EXPECT_EQ(
      Sample(Scrape(), "tokend_config_last_reload_success_timestamp_seconds"),
      loaded);
  v1::IssueTokenResponse issued;
  EXPECT_TRUE(Issue("alice", &issued).ok());
  // Fixed: 1 again, with a later timestamp (whole seconds apart at least
  // in value: the gauge has sub-second precision).
  dir_->Write("tokend.yaml", Config(*dir_, *ports_, "https://obs2.test"));
  process_->Signal(SIGHUP);
  EXPECT_TRUE(WaitFor([] {
    return Sample(Scrape(), "tokend_config_last_reload_successful") == 1;
  })) << process_->Log();
  EXPECT_GT(Sample(Scrape(),
                   "tokend_config_last_reload_success_timestamp_"
                   "seconds")
                .value_or(0),
            loaded);
  EXPECT_GE(Sample(Scrape(), "tokend_config_reloads_total{result=\"failed\"}")
                .value_or(0),
            1);
}

// --- verified-token cache ----------------------------------------------------

// `config` with a second jwt tenant, "extra", before the callers.
std::string WithExtraTenant(const std::string& config) {
  return absl::StrReplaceAll(config, {{"callers:", R"(  - name: extra
    profile: jwt
    issuer: https://extra.test
    algorithm: ES256
    credentials:
      private_key: file:demo.pem
callers:)"}});
}

// The counters are the tenant's totals over every cache it has had: a
// reload (a new, cold cache) never takes them back; the gauges are the live
// cache's, and a tenant removed by a reload loses them.
TEST_F(ObservabilityTest, VerifyCacheCountersSurviveReload) {
  const std::string kHits = "tokend_verify_cache_hits_total{tenant=\"demo\"}";
  const std::string kMisses =
      "tokend_verify_cache_misses_total{tenant=\"demo\"}";
  const std::string kExtraEntries =
      "tokend_verify_cache_entries{tenant=\"extra\"}";
  // Start from the default config plus "extra" (another test may have
  // reloaded another issuer).
  dir_->Write("tokend.yaml", WithExtraTenant(Config(*dir_, *ports_)));
  process_->Signal(SIGHUP);
  ASSERT_TRUE(WaitFor([&] { return Sample(Scrape(), kExtraEntries) == 0; }))
      << process_->Log();

  v1::IssueTokenResponse issued;
  ASSERT_TRUE(Issue("cache-user", &issued).ok());
  // "" when valid, else the reason or the RPC's failure.
  auto verify = [&]() -> std::string {
    grpc::ClientContext context;
    AddMarker(&context);
    v1::VerifyTokenRequest request;
    request.set_tenant("demo");
    request.set_token(issued.token());
    v1::VerifyTokenResponse response;
    grpc::Status status = v1::TokenService::NewStub(Connect(Unix()))
                              ->VerifyToken(&context, request, &response);
    if (!status.ok()) return "RPC: " + status.error_message();
    return response.valid() ? "" : response.reason();
  };
  const double hits0 = Sample(Scrape(), kHits).value_or(0);
  const double misses0 = Sample(Scrape(), kMisses).value_or(0);
  ASSERT_EQ(verify(), "");
  ASSERT_EQ(verify(), "");
  const std::string warm = Scrape();
  EXPECT_EQ(Sample(warm, kHits), hits0 + 1);
  EXPECT_EQ(Sample(warm, kMisses), misses0 + 1);
  EXPECT_GE(
      Sample(warm, "tokend_verify_cache_entries{tenant=\"demo\"}").value_or(0),
      1);
  EXPECT_GT(
      Sample(warm, "tokend_verify_cache_bytes{tenant=\"demo\"}").value_or(0),
      0);

  // Reload without "extra": demo gets a new, cold cache.
  dir_->Write("tokend.yaml", Config(*dir_, *ports_));
  process_->Signal(SIGHUP);
  ASSERT_TRUE(WaitFor([&] {
    return !Sample(Scrape(), kExtraEntries).has_value();
  })) << process_->Log();
  const std::string reloaded = Scrape();
  EXPECT_EQ(Sample(reloaded, kHits), hits0 + 1);
  EXPECT_FALSE(Sample(reloaded, "tokend_verify_cache_bytes{tenant=\"extra\"}")
                   .has_value());
  // Its counters stay (a counter never disappears mid-process).
  EXPECT_EQ(
      Sample(reloaded, "tokend_verify_cache_hits_total{tenant=\"extra\"}"), 0);
  EXPECT_EQ(Sample(reloaded, "tokend_verify_cache_entries{tenant=\"demo\"}"),
            0);

  ASSERT_EQ(verify(), "");  // a miss: the new cache is cold
  EXPECT_EQ(Sample(Scrape(), kHits), hits0 + 1);
  EXPECT_EQ(Sample(Scrape(), kMisses), misses0 + 2);
  ASSERT_EQ(verify(), "");  // a hit, counted on top of the old cache's
  EXPECT_EQ(Sample(Scrape(), kHits), hits0 + 2);
}

// --- failed calls and request ids in the logs --------------------------------

std::string TrailingRequestId(const grpc::ClientContext& context) {
  const auto& trailers = context.GetServerTrailingMetadata();
  auto it = trailers.find("x-request-id");
  if (it == trailers.end()) return "";
  return std::string(it->second.data(), it->second.size());
}

TEST_F(ObservabilityTest, FailedCallLoggedAtInfoWithReasonAndRequestId) {
  // A forged token given to RenewToken: refused with a reason; the log
  // line names the reason and the caller's request id, never the token.
  const std::string token =
      "eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJtYWxsb3J5In0."
      "Zm9yZ2VkLXNpZ25hdHVyZS1vYnMtdGVzdA";
  grpc::ClientContext context;
  AddMarker(&context);
  context.AddMetadata("x-request-id", "req-obs-4711");
  v1::RenewTokenRequest request;
  request.set_tenant("demo");
  request.set_token(token);
  v1::RenewTokenResponse renewed;
  const grpc::Status status = v1::TokenService::NewStub(Connect(Unix()))
                                  ->RenewToken(&context, request, &renewed);
  ASSERT_FALSE(status.ok());
  const std::string reason = DetailsOf(status).reason;
  ASSERT_FALSE(reason.empty());
  EXPECT_EQ(TrailingRequestId(context), "req-obs-4711");
  std::string line;
  ASSERT_TRUE(WaitFor([&] {
    for (absl::string_view l : absl::StrSplit(process_->Log(), '\n')) {
      if (absl::StrContains(l, "\"request_id\":\"req-obs-4711\"")) {
        line = std::string(l);
        return true;
      }
    }
    return false;
  })) << process_->Log();
  EXPECT_THAT(line, HasSubstr("\"level\":\"info\",\"msg\":\"rpc failed\""));
  EXPECT_THAT(line, HasSubstr("\"method\":\"RenewToken\""));
  EXPECT_THAT(line, HasSubstr(absl::StrCat("\"reason\":\"", reason, "\"")));
  EXPECT_THAT(line, HasSubstr("\"code\":\""));
  EXPECT_THAT(process_->Log(), Not(HasSubstr(token)));
  EXPECT_THAT(process_->Log(),
              Not(HasSubstr("Zm9yZ2VkLXNpZ25hdHVyZS1vYnMtdGVzdA")));
}

TEST_F(ObservabilityTest, RequestIdMadeWhenAbsentOrUnfit) {
  // None sent: one is made (22 base64url characters) and echoed; the
  // audit line of the issue carries it.
  grpc::ClientContext plain;
  AddMarker(&plain);
  v1::IssueTokenRequest request;
  request.set_tenant("demo");
  request.mutable_subject()->set_user_id("dave");
  v1::IssueTokenResponse issued;
  ASSERT_TRUE(v1::TokenService::NewStub(Connect(Unix()))
                  ->IssueToken(&plain, request, &issued)
                  .ok());
  const std::string made = TrailingRequestId(plain);
  ASSERT_EQ(made.size(), 22u);
  EXPECT_TRUE(WaitFor([&] {
    return absl::StrContains(process_->Log(),
                             absl::StrCat("\"request_id\":\"", made, "\""));
  })) << process_->Log();
  // An id that could forge log fields or is too long is replaced.
  for (const std::string& unfit :
       {std::string("a\"b"), std::string("x y"), std::string(129, 'a')}) {
    grpc::ClientContext context;
    AddMarker(&context);
    context.AddMetadata("x-request-id", unfit);
    ASSERT_TRUE(v1::TokenService::NewStub(Connect(Unix()))
                    ->IssueToken(&context, request, &issued)
                    .ok());
    const std::string id = TrailingRequestId(context);
    EXPECT_EQ(id.size(), 22u) << unfit;
    EXPECT_NE(id, unfit);
  }
  // Even a call refused at the gate (no marker header) gets one.
  grpc::ClientContext refused;
  refused.AddMetadata("x-request-id", "req-no-marker");
  EXPECT_EQ(v1::TokenService::NewStub(Connect(Unix()))
                ->IssueToken(&refused, request, &issued)
                .error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(TrailingRequestId(refused), "req-no-marker");
}

// --- signing-key metrics (the no-key and key-expiry alerts)
// -------------------

TEST(ObservabilityKeysTest, SigningKeyAvailabilityAndExpiry) {
  TempDir dir;
  Ports ports;
  ASSERT_EQ(Shell("mkdir -p " + dir.File("empty-keys")), 0);
  auto config = [&](bool with_empty) {
    return absl::StrCat(R"(
listeners:
  unix_socket: )",
                        dir.File("run/tokend.sock"), R"(
  health: 127.0.0.1:)",
                        ports.health, R"(
  http: 127.0.0.1:)",
                        ports.http, R"(
state_dir: )",
                        dir.File("state"), R"(
tenants:
  - name: gen
    profile: jwt
    issuer: https://gen.test
    keys: {generate: true, rotation_period: 2h}
)",
                        with_empty ? R"(
  - name: empty
    profile: jwt
    issuer: https://empty.test
    keys: {dir: empty-keys})"
                                   : "",
                        R"(
callers:
  - name: me
    uid: )",
                        getuid(), R"(
    issue: ["*"]
)");
  };
  dir.Write("tokend.yaml", config(true));
  const absl::Time before = absl::Now();
  TokendProcess process({"--config=" + dir.File("tokend.yaml")},
                        dir.File("tokend.log"));
  ASSERT_TRUE(WaitServing("unix:" + dir.File("run/tokend.sock")))
      << process.Log();
  const std::string text = HttpGet(ports.http, "/metrics");
  EXPECT_EQ(Sample(text, "tokend_signing_key_available{tenant=\"gen\"}"), 1)
      << text;
  EXPECT_EQ(Sample(text, "tokend_signing_key_available{tenant=\"empty\"}"), 0)
      << text;
  // The generated key signs from the start; its period ends 2 h later.
  const std::optional<double> expiry = Sample(
      text, "tokend_signing_key_expiry_timestamp_seconds{tenant=\"gen\"}");
  ASSERT_TRUE(expiry.has_value()) << text;
  const double started = absl::ToDoubleSeconds(before - absl::UnixEpoch());
  EXPECT_GE(*expiry, started + 7200 - 1);
  EXPECT_LE(*expiry,
            absl::ToDoubleSeconds(absl::Now() - absl::UnixEpoch()) + 7200 + 1);
  // A tenant whose keys do not expire has no expiry series.
  EXPECT_THAT(text, Not(HasSubstr("tokend_signing_key_expiry_timestamp_"
                                  "seconds{tenant=\"empty\"}")));
  // /readyz agrees with the gauge.
  EXPECT_THAT(HttpGet(ports.http, "/readyz"),
              HasSubstr("no usable signing key for tenant empty"));
  // The tenant removed by a reload: its series go, so the no-key alert
  // stops rather than firing for a tenant that no longer exists.
  dir.Write("tokend.yaml", config(false));
  process.Signal(SIGHUP);
  EXPECT_TRUE(WaitFor([&] {
    return !absl::StrContains(HttpGet(ports.http, "/metrics"),
                              "tokend_signing_key_available{tenant=\"empty\"}");
  })) << process.Log();
  EXPECT_EQ(Sample(HttpGet(ports.http, "/metrics"),
                   "tokend_signing_key_available{tenant=\"gen\"}"),
            1);
  process.Signal(SIGTERM);
  EXPECT_EQ(process.WaitExit(), 0) << process.Log();
}

// --- health described by reflection
// ---------------------------------------------

TEST_F(ObservabilityTest, ReflectionDescribesTheHealthService) {
  std::string error;
  const std::vector<google::protobuf::FileDescriptorProto> files =
      FileContainingSymbol(Connect(Unix()), "grpc.health.v1.Health", &error);
  ASSERT_FALSE(files.empty()) << error;
  const google::protobuf::FileDescriptorProto& file = files.front();
  EXPECT_EQ(file.name(), "grpc/health/v1/health.proto");
  EXPECT_EQ(file.package(), "grpc.health.v1");
  ASSERT_EQ(file.service_size(), 1);
  EXPECT_EQ(file.service(0).name(), "Health");
  std::vector<std::string> methods;
  for (const auto& m : file.service(0).method()) methods.push_back(m.name());
  EXPECT_THAT(methods, ::testing::UnorderedElementsAre("Check", "Watch"));
  // The request message resolves too (`describe
  // grpc.health.v1.HealthCheckRequest`), and tokend's own services still do.
  error.clear();
  EXPECT_FALSE(FileContainingSymbol(Connect(Unix()),
                                    "grpc.health.v1.HealthCheckRequest", &error)
                   .empty())
      << error;
  error.clear();
  EXPECT_FALSE(
      FileContainingSymbol(Connect(Unix()), "tokend.v1.TokenService", &error)
          .empty())
      << error;
  // An unknown symbol is still an error, not an empty success.
  error.clear();
  EXPECT_TRUE(
      FileContainingSymbol(Connect(Unix()), "no.such.Service", &error).empty());
  EXPECT_FALSE(error.empty());
}

}  // namespace
}  // namespace tokend::testing
