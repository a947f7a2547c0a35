// Rotation under load: a thread issues and verifies tokens continuously while
// the key Secret is swapped through `..data` several times, watched by the
// real FileWatcher. Not one verification may fail, and new tokens carry the
// new kid.
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/jose/jwt.h"
#include "core/keys/file_watcher.h"
#include "core/keys/key_manager.h"
#include "core/keys/key_source.h"
#include "core/reason.h"
#include "gtest/gtest.h"
#include "tests/keys/key_test_util.h"

namespace tokend {
namespace {

using ::tokend::testing::NewKey;
using ::tokend::testing::PrivatePem;
using ::tokend::testing::SecretDir;
using ::tokend::testing::TempDir;
using ::tokend::testing::Thumb;

// Kid sets filled by other threads; the test waits on them with a deadline.
class KidLog {
 public:
  void Add(const std::string& kid) {
    std::lock_guard<std::mutex> lock(mu_);
    if (kids_.insert(kid).second) cv_.notify_all();
  }
  bool WaitFor(const std::string& kid,
               absl::Duration timeout = absl::Seconds(20)) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, absl::ToChronoNanoseconds(timeout),
                        [&] { return kids_.count(kid) > 0; });
  }
  bool Has(const std::string& kid) {
    std::lock_guard<std::mutex> lock(mu_);
    return kids_.count(kid) > 0;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::set<std::string> kids_;
};

TEST(KeyRotationLoadTest, ZeroFailedVerificationsAcrossSecretSwaps) {
  TempDir dir;
  SecretDir secret(dir.path());
  FakeClock clock(absl::FromUnixSeconds(1790000000));
  auto first = NewKey();
  secret.Publish({{"key.pem", PrivatePem(*first)}});

  KeyManagerOptions options;
  options.alg = Algorithm::kES256;
  options.jwks_max_age = absl::Minutes(5);
  options.max_token_ttl = absl::Hours(1);
  KeySourceOptions source_options;
  source_options.alg = Algorithm::kES256;
  auto created = KeyManager::Create(
      options, DirectoryKeySource(dir.path(), source_options), clock);
  ASSERT_TRUE(created.ok()) << created.status();
  KeyManager& manager = **created;
  ASSERT_TRUE(manager.HasUsableSigningKey());

  KidLog published;
  manager.SetListener([&](const KeyState& state) {
    for (const ManagedKey& key : state.keys) published.Add(key.key->kid());
  });
  FileWatcherOptions watch;
  watch.debounce = absl::Milliseconds(20);
  auto watcher = FileWatcher::Start(dir.path(), watch, [&] {
    // A reload that races the kubelet's clean-up may fail; the next event
    // reloads again and the last good keys serve meanwhile.
    manager.Reload().IgnoreError();
  });
  ASSERT_TRUE(watcher.ok()) << watcher.status();

  KidLog signed_with;
  std::atomic<bool> stop{false};
  std::atomic<int64_t> verified{0};
  std::atomic<int64_t> failed{0};
  std::mutex failure_mu;
  std::string first_failure;
  std::map<std::string, std::string> first_token_of_kid;  // verifier only
  std::thread verifier([&] {
    ValidationPolicy policy;
    std::vector<std::string> recent;
    size_t next_old = 0;
    JwtSpec spec;
    spec.subject = "load";
    spec.ttl = absl::Hours(1);
    auto check = [&](const std::string& token) {
      absl::StatusOr<VerifiedJwt> result = VerifyJwt(
          token, manager.Snapshot()->verification_keys, policy, clock.Now());
      if (result.ok()) {
        verified.fetch_add(1);
        return;
      }
      failed.fetch_add(1);
      std::lock_guard<std::mutex> lock(failure_mu);
      if (first_failure.empty()) first_failure = result.status().ToString();
    };
    while (!stop.load()) {
      std::shared_ptr<const KeyState> state = manager.Snapshot();
      absl::StatusOr<IssuedJwt> issued =
          IssueJwt(*state->signing_key, spec, clock.Now());
      if (!issued.ok()) {
        failed.fetch_add(1);
        continue;
      }
      const std::string& kid = state->signing_key->kid();
      first_token_of_kid.emplace(kid, issued->token);
      signed_with.Add(kid);
      check(issued->token);
      // Also re-verify an older token, cycling through the recent ones.
      if (!recent.empty()) check(recent[next_old++ % recent.size()]);
      if (recent.size() < 32) {
        recent.push_back(issued->token);
      } else {
        recent[next_old % recent.size()] = issued->token;
      }
    }
    // Every first token of every key still verifies at the end.
    for (const auto& [kid, token] : first_token_of_kid) check(token);
  });

  ASSERT_TRUE(signed_with.WaitFor(Thumb(*first)));
  std::vector<std::shared_ptr<const Key>> keys = {first};
  for (int round = 1; round <= 4; ++round) {
    auto next = NewKey();
    const std::string kid = Thumb(*next);
    // Odd rounds replace the key in one step; even rounds add beside it.
    std::map<std::string, std::string> files = {{"key.pem", PrivatePem(*next)}};
    if (round % 2 == 0) files["previous.pem"] = PrivatePem(*keys.back());
    secret.Publish(files);
    keys.push_back(next);

    ASSERT_TRUE(published.WaitFor(kid)) << "round " << round;
    // Published but not signing until max-age has passed.
    EXPECT_FALSE(signed_with.Has(kid)) << "round " << round;
    EXPECT_NE(manager.Snapshot()->signing_key->kid(), kid);
    clock.Advance(absl::Minutes(5));
    manager.Tick();
    EXPECT_EQ(manager.Snapshot()->signing_key->kid(), kid);
    ASSERT_TRUE(signed_with.WaitFor(kid)) << "round " << round;
  }
  stop = true;
  verifier.join();
  (*watcher)->Stop();

  EXPECT_EQ(failed.load(), 0) << first_failure;
  EXPECT_GT(verified.load(), 10);
  EXPECT_EQ(first_token_of_kid.size(), keys.size());
  for (const auto& key : keys) {
    EXPECT_EQ(first_token_of_kid.count(Thumb(*key)), 1u);
  }
  // Every key is still published: none of their tokens has expired yet.
  for (const auto& key : keys) {
    EXPECT_NE(manager.Snapshot()->verification_keys.FindByKid(Thumb(*key)),
              nullptr);
  }
}

}  // namespace
}  // namespace tokend
