// Temp directories, key files and the Kubernetes Secret mount layout for the
// key tests.
#ifndef TOKEND_TESTS_KEYS_KEY_TEST_UTIL_H_
#define TOKEND_TESTS_KEYS_KEY_TEST_UTIL_H_

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "core/crypto/key.h"
#include "core/json/json.h"
#include "core/keys/jwk.h"
#include "core/keys/pem.h"
#include "gtest/gtest.h"

namespace tokend::testing {

// A fresh directory removed (with its contents) at the end of the test.
class TempDir {
 public:
  TempDir() {
    const char* base = getenv("TEST_TMPDIR");
    std::string tmpl =
        absl::StrCat(base != nullptr ? base : "/tmp", "/tokend_keys_XXXXXX");
    char* made = mkdtemp(tmpl.data());
    EXPECT_NE(made, nullptr);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const {
    return absl::StrCat(path_, "/", name);
  }

 private:
  std::string path_;
};

inline void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  ASSERT_TRUE(out.good()) << path;
}

// Written beside `path`, then renamed over it (how editors and tools save).
inline void ReplaceFile(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".tmp";
  WriteFile(tmp, content);
  std::filesystem::rename(tmp, path);
}

inline std::shared_ptr<const Key> NewKey(Algorithm alg = Algorithm::kES256) {
  absl::StatusOr<std::shared_ptr<const Key>> key = GenerateKey(alg);
  EXPECT_TRUE(key.ok()) << key.status();
  return *key;
}

inline std::string PrivatePem(const Key& key) {
  absl::StatusOr<std::string> pem = PrivateKeyToPem(key);
  EXPECT_TRUE(pem.ok()) << pem.status();
  return *pem;
}

inline std::string PublicPem(const Key& key) {
  absl::StatusOr<std::string> pem = PublicKeyToPem(key);
  EXPECT_TRUE(pem.ok()) << pem.status();
  return *pem;
}

// The private JWK text, with `kid` (none when empty).
inline std::string PrivateJwkText(const Key& key, const std::string& kid) {
  absl::StatusOr<json::Object> jwk = PrivateJwk(key);
  EXPECT_TRUE(jwk.ok()) << jwk.status();
  jwk->Erase("kid");
  if (!kid.empty()) jwk->Set("kid", kid);
  return json::Serialize(*jwk);
}

inline std::string Thumb(const Key& key) {
  absl::StatusOr<std::string> t = Thumbprint(key);
  EXPECT_TRUE(t.ok()) << t.status();
  return *t;
}

// A Kubernetes Secret volume: `..<version>/` directories holding the files,
// `..data` pointing at the current one, and `name -> ..data/name` links.
// Publish() updates it the way the kubelet does: new version directory, a
// `..data_tmp` symlink renamed atomically over `..data`, then the visible
// links, then the old version is deleted.
class SecretDir {
 public:
  explicit SecretDir(std::string root) : root_(std::move(root)) {}

  void Publish(const std::map<std::string, std::string>& files) {
    namespace fs = std::filesystem;
    const std::string version = absl::StrCat("..2026_01_01_00_00_", ++count_);
    const fs::path version_dir = fs::path(root_) / version;
    fs::create_directory(version_dir);
    for (const auto& [name, content] : files) {
      WriteFile((version_dir / name).string(), content);
    }
    const fs::path tmp = fs::path(root_) / "..data_tmp";
    fs::create_directory_symlink(version, tmp);
    fs::rename(tmp, fs::path(root_) / "..data");
    for (const auto& [name, content] : files) {
      const fs::path link = fs::path(root_) / name;
      if (!fs::is_symlink(fs::symlink_status(link))) {
        fs::create_symlink(fs::path("..data") / name, link);
      }
    }
    for (const std::string& name : visible_) {
      if (files.count(name) == 0) fs::remove(fs::path(root_) / name);
    }
    visible_.clear();
    for (const auto& entry : files) visible_.push_back(entry.first);
    if (!current_.empty()) fs::remove_all(fs::path(root_) / current_);
    current_ = version;
  }

 private:
  const std::string root_;
  int count_ = 0;
  std::string current_;
  std::vector<std::string> visible_;
};

// Counts events from another thread; tests wait with a deadline, never sleep.
class EventCounter {
 public:
  void Increment() {
    std::lock_guard<std::mutex> lock(mu_);
    ++count_;
    cv_.notify_all();
  }
  // True once the count reaches `target` within `timeout` (real time).
  bool WaitFor(int target, absl::Duration timeout = absl::Seconds(10)) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, absl::ToChronoNanoseconds(timeout),
                        [&] { return count_ >= target; });
  }
  int count() {
    std::lock_guard<std::mutex> lock(mu_);
    return count_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int count_ = 0;
};

}  // namespace tokend::testing

#endif  // TOKEND_TESTS_KEYS_KEY_TEST_UTIL_H_
