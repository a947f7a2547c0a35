// The remote key set as users rely on it and as issuers fail: the first
// fetch before readiness, discovery, every kind of bad answer (down, slow,
// huge, empty, redirected, HTML, not a JWK Set, another issuer's
// discovery document), Cache-Control, backoff, unknown kids (refetch,
// rate limit, negative cache), max_stale, and readers that never wait.
// The fetcher is a scripted fake: the HTTP client lives in server/ and its
// real-socket cases come with it.
#include "core/identity/remote_key_set.h"

#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "core/clock.h"
#include "core/identity/key_refresher.h"
#include "core/renewal/executor.h"
#include "gtest/gtest.h"
#include "tests/identity/identity_test_util.h"

namespace tokend::identity {
namespace {

using testing::FakeFetcher;
using testing::Jwks;
using testing::NewKey;

const absl::Time kStart = absl::FromUnixSeconds(1735689600);
constexpr char kIssuer[] = "https://idp.test";
constexpr char kDiscovery[] =
    "https://idp.test/.well-known/openid-configuration";
constexpr char kJwks[] = "https://idp.test/keys";

std::string DiscoveryDoc(const std::string& issuer, const std::string& jwks) {
  return absl::StrCat(R"({"issuer":")", issuer, R"(","jwks_uri":")", jwks,
                      R"(","response_types_supported":["code"]})");
}

KeySourceSpec JwksSource() {
  KeySourceSpec source;
  source.kind = KeySourceKind::kJwksUri;
  source.location = kJwks;
  return source;
}

KeySourceSpec DiscoverySource() {
  KeySourceSpec source;
  source.kind = KeySourceKind::kDiscovery;
  source.location = kDiscovery;
  source.issuer = kIssuer;
  return source;
}

class RemoteKeySetTest : public ::testing::Test {
 protected:
  // Generated once per process (also under --gtest_repeat), never freed.
  static void SetUpTestSuite() {
    if (keys_ != nullptr) return;
    keys_ = new std::vector<std::shared_ptr<const Key>>{
        NewKey(Algorithm::kES256, "k1"), NewKey(Algorithm::kES256, "k2"),
        NewKey(Algorithm::kES256, "k3")};
  }
  static std::shared_ptr<const Key> key(int i) { return (*keys_)[i]; }

  std::unique_ptr<RemoteKeySet> Make(KeySourceSpec source,
                                     KeyRefreshOptions options = {},
                                     const Clock* clock = nullptr) {
    JwksImportOptions import;
    import.algorithms = {Algorithm::kES256};
    return std::make_unique<RemoteKeySet>(
        "idp", std::move(source), import, options, fetcher_,
        clock != nullptr ? *clock : clock_, [this] { return uniform_; });
  }

  // A set fetched once, successfully, serving k1.
  std::unique_ptr<RemoteKeySet> Ready(KeyRefreshOptions options = {}) {
    fetcher_.SetBody(kJwks, Jwks({key(0)}));
    auto set = Make(JwksSource(), options);
    set->Fetch();
    EXPECT_TRUE(set->Status().ready);
    return set;
  }

  static std::vector<std::shared_ptr<const Key>>* keys_;
  FakeClock clock_{kStart};
  FakeFetcher fetcher_;
  double uniform_ = 0.0;
};
std::vector<std::shared_ptr<const Key>>* RemoteKeySetTest::keys_ = nullptr;

TEST_F(RemoteKeySetTest, FirstFetchIsDueAtOnceAndReadinessWaitsForIt) {
  fetcher_.SetBody(kJwks, Jwks({key(0), key(1)}));
  auto set = Make(JwksSource());
  EXPECT_LE(set->NextFetchAt(), clock_.Now());
  EXPECT_EQ(set->Snapshot(), nullptr);
  KeySetStatus status = set->Status();
  EXPECT_FALSE(status.ready);
  EXPECT_EQ(ReadinessLine(status, clock_.Now()),
            "issuer idp: NOT READY: no key set yet (0 failed fetches)");

  set->Fetch();
  ASSERT_NE(set->Snapshot(), nullptr);
  EXPECT_EQ(set->Snapshot()->size(), 2u);
  status = set->Status();
  EXPECT_TRUE(status.ready);
  EXPECT_EQ(status.kids, (std::vector<std::string>{"k1", "k2"}));
  EXPECT_EQ(status.last_success, kStart);
  clock_.Advance(absl::Seconds(42));
  EXPECT_EQ(ReadinessLine(set->Status(), clock_.Now()),
            "issuer idp: ready (2 keys, refreshed 42s ago)");
}

TEST_F(RemoteKeySetTest, RequestsCarryTheLimitsAndCredentials) {
  KeySourceSpec source = JwksSource();
  source.ca_file = "/etc/ca.pem";
  source.bearer_token_file = "/var/run/token";
  KeyRefreshOptions options;
  options.max_body_bytes = 4096;
  options.fetch_timeout = absl::Seconds(2);
  options.max_redirects = 1;
  fetcher_.SetBody(kJwks, Jwks({key(0)}));
  auto set = Make(source, options);
  set->Fetch();
  const FetchRequest request = fetcher_.last_request();
  EXPECT_EQ(request.url, kJwks);
  EXPECT_EQ(request.max_body_bytes, 4096u);
  EXPECT_EQ(request.timeout, absl::Seconds(2));
  EXPECT_EQ(request.max_redirects, 1);
  EXPECT_FALSE(request.allow_http);
  EXPECT_EQ(request.ca_file, "/etc/ca.pem");
  EXPECT_EQ(request.bearer_token_file, "/var/run/token");
}

TEST_F(RemoteKeySetTest, DiscoveryThenJwks) {
  fetcher_.SetBody(kDiscovery, DiscoveryDoc(kIssuer, kJwks));
  fetcher_.SetBody(kJwks, Jwks({key(0)}));
  auto set = Make(DiscoverySource());
  set->Fetch();
  EXPECT_TRUE(set->Status().ready);
  EXPECT_EQ(set->Status().jwks_uri, kJwks);
  EXPECT_EQ(fetcher_.count(kDiscovery), 1);
  EXPECT_EQ(fetcher_.count(kJwks), 1);
}

TEST_F(RemoteKeySetTest, ADiscoveryDocumentNamingAnotherIssuerIsRefused) {
  // The mix-up OIDC Discovery §4.3 guards against: the document names
  // another issuer (whose keys would then verify tokens for this one).
  fetcher_.SetBody(kDiscovery,
                   DiscoveryDoc("https://evil.test", "https://evil.test/keys"));
  auto set = Make(DiscoverySource());
  set->Fetch();
  const KeySetStatus status = set->Status();
  EXPECT_FALSE(status.ready);
  EXPECT_EQ(status.last_error_reason, Reason::kIssuerMismatch);
  EXPECT_EQ(fetcher_.count("https://evil.test/keys"), 0);
  // And an https issuer cannot point its keys at plain http.
  fetcher_.SetBody(kDiscovery, DiscoveryDoc(kIssuer, "http://idp.test/keys"));
  set->Fetch();
  EXPECT_EQ(set->Status().last_error_reason, Reason::kKeySetInvalid);
  EXPECT_EQ(fetcher_.count("http://idp.test/keys"), 0);
}

TEST_F(RemoteKeySetTest, DiscoveryOutageFallsBackToTheKnownJwksUri) {
  fetcher_.SetBody(kDiscovery, DiscoveryDoc(kIssuer, kJwks));
  fetcher_.SetBody(kJwks, Jwks({key(0)}));
  auto set = Make(DiscoverySource());
  set->Fetch();
  fetcher_.SetStatus(kDiscovery, 503);
  fetcher_.SetBody(kJwks, Jwks({key(0), key(1)}));
  clock_.Advance(absl::Minutes(10));
  set->Fetch();
  const KeySetStatus status = set->Status();
  EXPECT_EQ(status.consecutive_failures, 0);
  EXPECT_EQ(status.key_count, 2u);
  EXPECT_EQ(status.discovery_error,
            "UNAVAILABLE: discovery document answered HTTP 503");
  // Without a known jwks_uri, a failed discovery is a failed fetch.
  auto fresh = Make(DiscoverySource());
  fresh->Fetch();
  EXPECT_FALSE(fresh->Status().ready);
  EXPECT_EQ(fresh->Status().last_error,
            "UNAVAILABLE: discovery: UNAVAILABLE: discovery document "
            "answered HTTP 503");
}

struct BadAnswer {
  const char* name;
  std::function<void(FakeFetcher&)> script;
  Reason reason;
};

TEST_F(RemoteKeySetTest, EveryBadAnswerKeepsTheLastGoodSet) {
  const std::string huge(600 * 1024, ' ');
  const std::vector<BadAnswer> answers = {
      {"down",
       [](FakeFetcher& f) {
         f.SetError(kJwks, absl::UnavailableError("connection refused"));
       },
       Reason::kUnavailable},
      {"timeout",
       [](FakeFetcher& f) {
         f.SetError(kJwks, Error(Reason::kUnavailable, "timed out after 5s"));
       },
       Reason::kUnavailable},
      {"http 503", [](FakeFetcher& f) { f.SetStatus(kJwks, 503); },
       Reason::kUnavailable},
      {"http 404", [](FakeFetcher& f) { f.SetStatus(kJwks, 404); },
       Reason::kUnavailable},
      {"redirect not followed", [](FakeFetcher& f) { f.SetStatus(kJwks, 302); },
       Reason::kUnavailable},
      {"redirected to http",
       [this](FakeFetcher& f) {
         f.Set(kJwks, [this](const FetchRequest&) {
           FetchResponse r;
           r.status = 200;
           r.final_url = "http://idp.test/keys";
           r.body = Jwks({key(1)});
           return r;
         });
       },
       Reason::kUnavailable},
      {"html login page",
       [](FakeFetcher& f) {
         f.SetBody(kJwks, "<!doctype html><title>Sign in</title>", "",
                   "text/html; charset=utf-8");
       },
       Reason::kKeySetInvalid},
      {"html served as json",
       [](FakeFetcher& f) { f.SetBody(kJwks, "  <html></html>"); },
       Reason::kKeySetInvalid},
      {"huge body", [huge](FakeFetcher& f) { f.SetBody(kJwks, huge); },
       Reason::kResourceExhausted},
      {"fetcher size cap",
       [](FakeFetcher& f) {
         f.SetError(kJwks, Error(Reason::kResourceExhausted,
                                 "JWKS is larger than 524288 bytes"));
       },
       Reason::kResourceExhausted},
      {"empty set", [](FakeFetcher& f) { f.SetBody(kJwks, R"({"keys":[]})"); },
       Reason::kKeySetInvalid},
      {"no usable key",
       [this](FakeFetcher& f) {
         f.SetBody(kJwks, Jwks({NewKey(Algorithm::kRS256, "rsa")}));
       },
       Reason::kKeySetInvalid},
      {"not json", [](FakeFetcher& f) { f.SetBody(kJwks, "keys: []"); },
       Reason::kKeySetInvalid},
      {"truncated", [](FakeFetcher& f) { f.SetBody(kJwks, R"({"keys":[{)"); },
       Reason::kKeySetInvalid},
  };
  auto set = Ready();
  const std::shared_ptr<const KeySet> good = set->Snapshot();
  int failures = 0;
  for (const BadAnswer& answer : answers) {
    SCOPED_TRACE(answer.name);
    answer.script(fetcher_);
    clock_.Advance(absl::Minutes(10));
    set->Fetch();
    ++failures;
    EXPECT_EQ(set->Snapshot(), good);  // the very same set
    const KeySetStatus status = set->Status();
    EXPECT_TRUE(status.ready);
    EXPECT_EQ(status.consecutive_failures, failures);
    EXPECT_EQ(status.last_error_reason, answer.reason) << status.last_error;
    EXPECT_EQ(status.key_count, 1u);
    EXPECT_TRUE(absl::StrContains(ReadinessLine(status, clock_.Now()),
                                  "serving the last good set after"));
  }
  // Recovery resets the failure count.
  fetcher_.SetBody(kJwks, Jwks({key(0), key(1)}));
  set->Fetch();
  EXPECT_EQ(set->Status().consecutive_failures, 0);
  EXPECT_EQ(set->Snapshot()->size(), 2u);
  EXPECT_EQ(set->Status().fetch_failures, answers.size());
}

TEST_F(RemoteKeySetTest, AFirstFetchThatFailsInstallsNothing) {
  // Istio's outage (#37456, #30261): a failed first fetch cached an empty
  // or fake key for a whole refresh period. Here nothing is installed and
  // the retry comes after a short backoff.
  fetcher_.SetBody(kJwks, R"({"keys":[]})");
  auto set = Make(JwksSource());
  set->Fetch();
  EXPECT_EQ(set->Snapshot(), nullptr);
  EXPECT_EQ(set->NextFetchAt(), kStart + absl::Milliseconds(500));
  EXPECT_TRUE(absl::StrContains(ReadinessLine(set->Status(), kStart),
                                "NOT READY: no key set yet (1 failed fetch; "
                                "last error: KEY_SET_INVALID"));
}

TEST_F(RemoteKeySetTest, FailuresBackOffExponentiallyWithJitter) {
  fetcher_.SetStatus(kJwks, 500);
  auto set = Make(JwksSource());
  const std::vector<absl::Duration> expected = {
      absl::Milliseconds(500), absl::Seconds(1),  absl::Seconds(2),
      absl::Seconds(4),        absl::Seconds(8),  absl::Seconds(16),
      absl::Seconds(32),       absl::Seconds(64), absl::Seconds(128),
      absl::Seconds(150),      absl::Seconds(150)};
  for (absl::Duration delay : expected) {
    set->Fetch();
    EXPECT_EQ(set->NextFetchAt() - clock_.Now(), delay);
    clock_.Set(set->NextFetchAt());
  }
  uniform_ = 0.5;
  set->Fetch();
  EXPECT_EQ(set->NextFetchAt() - clock_.Now(), absl::Seconds(225));
}

TEST_F(RemoteKeySetTest, CacheControlIsHonouredWithinBounds) {
  auto set = Ready();
  EXPECT_EQ(set->NextFetchAt(), kStart + absl::Minutes(10));  // no max-age
  fetcher_.SetBody(kJwks, Jwks({key(0)}), "public, max-age=120");
  set->Fetch();
  EXPECT_EQ(set->NextFetchAt(), kStart + absl::Seconds(120));
  fetcher_.SetBody(kJwks, Jwks({key(0)}), "max-age=5");
  set->Fetch();
  EXPECT_EQ(set->NextFetchAt(), kStart + absl::Minutes(1));  // the floor
  fetcher_.SetBody(kJwks, Jwks({key(0)}), "no-store");
  set->Fetch();
  EXPECT_EQ(set->NextFetchAt(), kStart + absl::Minutes(1));
  fetcher_.SetBody(kJwks, Jwks({key(0)}), "max-age=31536000");
  set->Fetch();
  EXPECT_EQ(set->NextFetchAt(), kStart + absl::Hours(24));  // the ceiling
  uniform_ = 0.5;
  set->Fetch();
  EXPECT_EQ(set->NextFetchAt(), kStart + absl::Hours(24) * 0.95);
}

TEST_F(RemoteKeySetTest, ASpiffeBundleRefreshHintPlansTheNextFetch) {
  json::Object bundle = testing::ParseOrDie(Jwks({key(0)}));
  bundle.Set("spiffe_refresh_hint", 180);
  fetcher_.SetBody(kJwks, json::Serialize(bundle));
  JwksImportOptions import;
  import.algorithms = {Algorithm::kES256};
  import.spiffe_bundle = true;
  RemoteKeySet set("td", JwksSource(), import, {}, fetcher_, clock_,
                   [] { return 0.0; });
  set.Fetch();
  EXPECT_EQ(set.NextFetchAt(), kStart + absl::Minutes(3));
}

TEST_F(RemoteKeySetTest, AnUnknownKidFetchesAtOnceThenAtMostOncePerInterval) {
  auto set = Ready();
  clock_.Advance(absl::Minutes(2));
  // The issuer rotated: k2 is published and signs.
  fetcher_.SetBody(kJwks, Jwks({key(0), key(1)}));
  RemoteKeySet::KidMissResult miss = set->OnUnknownKid("k2");
  EXPECT_EQ(miss.action, RemoteKeySet::KidMiss::kFetchScheduled);
  EXPECT_EQ(set->NextFetchAt(), clock_.Now());
  set->Fetch();
  EXPECT_NE(set->Snapshot()->FindByKid("k2"), nullptr);

  // Another new kid right after: the fetch waits for the interval.
  clock_.Advance(absl::Seconds(10));
  miss = set->OnUnknownKid("k3");
  EXPECT_EQ(miss.action, RemoteKeySet::KidMiss::kFetchDeferred);
  EXPECT_EQ(miss.fetch_at, kStart + absl::Minutes(3));
  EXPECT_EQ(set->NextFetchAt(), kStart + absl::Minutes(3));
  const KeySetStatus status = set->Status();
  EXPECT_EQ(status.unknown_kids, 2u);
  EXPECT_EQ(status.unknown_kid_fetches, 2u);
}

TEST_F(RemoteKeySetTest, AFloodOfRandomKidsPlansOneFetch) {
  auto set = Ready();
  clock_.Advance(absl::Minutes(5));
  int scheduled = 0;
  for (int i = 0; i < 5000; ++i) {
    if (set->OnUnknownKid(absl::StrCat("random-", i)).action ==
        RemoteKeySet::KidMiss::kFetchScheduled) {
      ++scheduled;
    }
  }
  EXPECT_EQ(scheduled, 1);
  set->Fetch();
  EXPECT_EQ(fetcher_.count(kJwks), 2);  // the first fetch and this one
  // The kids it did not find (up to the pending bound) are negatively
  // cached; new random kids plan one fetch per interval, no more.
  clock_.Advance(absl::Seconds(1));
  EXPECT_EQ(set->OnUnknownKid("random-0").action,
            RemoteKeySet::KidMiss::kNegativelyCached);
  EXPECT_EQ(set->OnUnknownKid("random-x").action,
            RemoteKeySet::KidMiss::kFetchDeferred);
  for (int i = 0; i < 5000; ++i) set->OnUnknownKid(absl::StrCat("again-", i));
  EXPECT_EQ(set->NextFetchAt(),
            clock_.Now() - absl::Seconds(1) + absl::Minutes(1));
}

TEST_F(RemoteKeySetTest, AKidStillUnknownAfterItsFetchIsNegativelyCached) {
  KeyRefreshOptions options;
  options.negative_cache_ttl = absl::Minutes(5);
  auto set = Ready(options);
  clock_.Advance(absl::Minutes(2));
  ASSERT_EQ(set->OnUnknownKid("ghost").action,
            RemoteKeySet::KidMiss::kFetchScheduled);
  set->Fetch();  // still only k1
  const absl::Time planned = set->NextFetchAt();
  clock_.Advance(absl::Minutes(2));
  EXPECT_EQ(set->OnUnknownKid("ghost").action,
            RemoteKeySet::KidMiss::kNegativelyCached);
  EXPECT_EQ(set->NextFetchAt(), planned);  // nothing brought forward
  clock_.Advance(absl::Minutes(4));
  EXPECT_EQ(set->OnUnknownKid("ghost").action,
            RemoteKeySet::KidMiss::kFetchScheduled);
}

TEST_F(RemoteKeySetTest, AFailedFetchDoesNotNegativelyCacheKids) {
  auto set = Ready();
  clock_.Advance(absl::Minutes(2));
  set->OnUnknownKid("k2");
  fetcher_.SetStatus(kJwks, 503);
  set->Fetch();
  // The backoff retry comes first; the kid may plan a fetch again later.
  EXPECT_EQ(set->NextFetchAt(), clock_.Now() + absl::Milliseconds(500));
  // The kid is not negatively cached: the retry, already due, looks again.
  clock_.Advance(absl::Seconds(30));
  EXPECT_EQ(set->OnUnknownKid("k2").action,
            RemoteKeySet::KidMiss::kFetchScheduled);
  fetcher_.SetBody(kJwks, Jwks({key(0), key(1)}));
  set->Fetch();
  EXPECT_NE(set->Snapshot()->FindByKid("k2"), nullptr);
}

TEST_F(RemoteKeySetTest, ReadersNeverWaitOnAStalledFetch) {
  auto set = Ready();
  const std::shared_ptr<const KeySet> good = set->Snapshot();
  fetcher_.Stall(kJwks);
  fetcher_.SetBody(kJwks, Jwks({key(0), key(1)}));
  clock_.Advance(absl::Minutes(10));
  std::thread background([&set] { set->Fetch(); });
  fetcher_.AwaitStalledFetch(kJwks);
  // While the fetch hangs, every reader call returns at once (if one
  // waited, this test would never finish).
  EXPECT_EQ(set->Snapshot(), good);
  EXPECT_TRUE(set->Status().ready);
  EXPECT_EQ(set->NextFetchAt(), absl::InfiniteFuture());  // one at a time
  set->Fetch();  // a second fetch returns at once: one is in flight
  EXPECT_EQ(fetcher_.count(kJwks), 2);
  // Kids seen during the fetch: one the fetch finds is settled; one it does
  // not find keeps a fetch planned (the fetch in flight may have begun
  // before the key was published), and is not negatively cached.
  EXPECT_EQ(set->OnUnknownKid("k2").action,
            RemoteKeySet::KidMiss::kFetchDeferred);
  EXPECT_EQ(set->OnUnknownKid("k3").action,
            RemoteKeySet::KidMiss::kAlreadyPending);
  fetcher_.Release(kJwks);
  background.join();
  EXPECT_NE(set->Snapshot()->FindByKid("k2"), nullptr);
  EXPECT_EQ(set->NextFetchAt(), clock_.Now() + absl::Minutes(1));
  EXPECT_EQ(set->OnUnknownKid("k3").action,
            RemoteKeySet::KidMiss::kAlreadyPending);
  // The next fetch does not find k3 either: now it is negatively cached.
  clock_.Set(set->NextFetchAt());
  set->Fetch();
  EXPECT_EQ(set->OnUnknownKid("k3").action,
            RemoteKeySet::KidMiss::kNegativelyCached);
  EXPECT_EQ(set->NextFetchAt(), clock_.Now() + absl::Minutes(10));
}

TEST_F(RemoteKeySetTest, MaxStaleWithdrawsASetTheIssuerNoLongerConfirms) {
  KeyRefreshOptions options;
  options.max_stale = absl::Hours(1);
  auto set = Ready(options);
  fetcher_.SetStatus(kJwks, 503);
  clock_.Advance(absl::Minutes(59));
  set->Fetch();
  EXPECT_NE(set->Snapshot(), nullptr);
  clock_.Advance(absl::Minutes(2));
  EXPECT_EQ(set->Snapshot(), nullptr);
  const KeySetStatus status = set->Status();
  EXPECT_FALSE(status.ready);
  EXPECT_TRUE(status.stale);
  EXPECT_TRUE(absl::StrContains(ReadinessLine(status, clock_.Now()),
                                "NOT READY: keys are past max_stale"));
  fetcher_.SetBody(kJwks, Jwks({key(0)}));
  set->Fetch();
  EXPECT_NE(set->Snapshot(), nullptr);
}

TEST_F(RemoteKeySetTest, AJwksFileIsReadLikeAnyOtherSource) {
  const std::string path =
      absl::StrCat(::testing::TempDir(), "/identity_jwks_",
                   ::testing::UnitTest::GetInstance()->random_seed(), ".json");
  FILE* file = std::fopen(path.c_str(), "wb");
  ASSERT_NE(file, nullptr);
  const std::string body = Jwks({key(0)});
  std::fwrite(body.data(), 1, body.size(), file);
  std::fclose(file);

  FileFetcher files;
  KeySourceSpec source;
  source.kind = KeySourceKind::kJwksFile;
  source.location = path;
  JwksImportOptions import;
  import.algorithms = {Algorithm::kES256};
  RemoteKeySet set("file", source, import, {}, files, clock_);
  set.Fetch();
  EXPECT_TRUE(set.Status().ready);

  std::remove(path.c_str());
  set.Fetch();
  EXPECT_TRUE(set.Status().ready);  // the last good set stays
  EXPECT_EQ(set.Status().last_error_reason, Reason::kUnavailable);

  KeyRefreshOptions small;
  small.max_body_bytes = 64;
  FetchRequest request;
  request.url = "/proc/self/status";  // larger than 64 bytes
  request.max_body_bytes = 64;
  EXPECT_EQ(GetReason(files.Fetch(request).status()),
            Reason::kResourceExhausted);
}

// ---- The refresher ---------------------------------------------------------

TEST_F(RemoteKeySetTest, TheRefresherFetchesWhenDueAndWhenWoken) {
  fetcher_.SetBody(kJwks, Jwks({key(0)}));
  auto set = std::shared_ptr<RemoteKeySet>(Make(JwksSource()));
  InlineExecutor inline_executor;
  KeyRefresher refresher(inline_executor, clock_);
  refresher.Add(set);
  EXPECT_EQ(refresher.RunDue(clock_.Now()), kStart + absl::Minutes(10));
  EXPECT_TRUE(set->Status().ready);
  EXPECT_EQ(fetcher_.count(kJwks), 1);
  // Nothing before it is due.
  clock_.Advance(absl::Minutes(5));
  refresher.RunDue(clock_.Now());
  EXPECT_EQ(fetcher_.count(kJwks), 1);
  // An unknown kid wakes it: the fetch is due now.
  fetcher_.SetBody(kJwks, Jwks({key(0), key(1)}));
  set->OnUnknownKid("k2");
  refresher.RunDue(clock_.Now());
  EXPECT_EQ(fetcher_.count(kJwks), 2);
  EXPECT_NE(set->Snapshot()->FindByKid("k2"), nullptr);
  refresher.Stop();
  set->OnUnknownKid("k9");  // after Stop: no crash, no fetch
  refresher.RunDue(clock_.Now() + absl::Hours(1));
  EXPECT_EQ(fetcher_.count(kJwks), 2);
}

// A reload keeps a set (Add again: one entry, no extra fetch) or drops it
// (Remove: never fetched again, even when woken).
TEST_F(RemoteKeySetTest, TheRefresherAddsOnceAndForgetsRemovedSets) {
  fetcher_.SetBody(kJwks, Jwks({key(0)}));
  auto set = std::shared_ptr<RemoteKeySet>(Make(JwksSource()));
  InlineExecutor inline_executor;
  KeyRefresher refresher(inline_executor, clock_);
  refresher.Add(set);
  refresher.Add(set);
  EXPECT_EQ(refresher.sets().size(), 1u);
  refresher.RunDue(clock_.Now());
  EXPECT_EQ(fetcher_.count(kJwks), 1);
  refresher.Remove(set.get());
  EXPECT_TRUE(refresher.sets().empty());
  set->OnUnknownKid("k2");
  EXPECT_EQ(refresher.RunDue(clock_.Now() + absl::Hours(1)),
            absl::InfiniteFuture());
  EXPECT_EQ(fetcher_.count(kJwks), 1);
  // Added back (a later reload restores the issuer): armed again.
  refresher.Add(set);
  refresher.RunDue(clock_.Now() + absl::Hours(1));
  EXPECT_EQ(fetcher_.count(kJwks), 2);
}

// Counts finished tasks, so a test can wait for background fetches.
class CountingExecutor final : public Executor {
 public:
  void Post(std::function<void()> task) override {
    pool_.Post([this, task = std::move(task)] {
      task();
      absl::MutexLock lock(&mu_);
      ++done_;
    });
  }
  bool AwaitDone(int n, absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    auto reached = [this, n]()
                       ABSL_SHARED_LOCKS_REQUIRED(mu_) { return done_ >= n; };
    return mu_.AwaitWithTimeout(absl::Condition(&reached), timeout);
  }

 private:
  absl::Mutex mu_;
  int done_ ABSL_GUARDED_BY(mu_) = 0;
  ThreadPool pool_{2};
};

TEST_F(RemoteKeySetTest, TheRefresherRunsOnItsOwnThreads) {
  // The sets and the refresher share the real clock: their next fetches
  // are then ten minutes away, and only the first two run here.
  const Clock& clock = RealClock::Get();
  fetcher_.SetBody(kJwks, Jwks({key(0)}));
  auto slow = std::shared_ptr<RemoteKeySet>(Make(JwksSource(), {}, &clock));
  KeySourceSpec other = JwksSource();
  other.location = "https://other.test/keys";
  fetcher_.SetBody(other.location, Jwks({key(1)}));
  fetcher_.Stall(kJwks);
  auto fast = std::shared_ptr<RemoteKeySet>(Make(other, {}, &clock));
  auto executor = std::make_unique<CountingExecutor>();
  KeyRefresher refresher(*executor, clock);
  refresher.Add(slow);
  refresher.Add(fast);
  refresher.Start();
  // One stalled issuer does not hold up another.
  ASSERT_TRUE(executor->AwaitDone(1, absl::Seconds(30)));
  EXPECT_TRUE(fast->Status().ready);
  EXPECT_FALSE(slow->Status().ready);
  fetcher_.Release(kJwks);
  ASSERT_TRUE(executor->AwaitDone(2, absl::Seconds(30)));
  EXPECT_TRUE(slow->Status().ready);
  EXPECT_EQ(fetcher_.count(kJwks), 1);
  EXPECT_EQ(fetcher_.count(other.location), 1);
  // Shutdown order: stop the timer, drain the executor, then the refresher.
  refresher.Stop();
  executor.reset();
}

}  // namespace
}  // namespace tokend::identity
