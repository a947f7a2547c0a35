// Helpers for the identity tests: a scripted Fetcher (the HTTP client is
// server/'s; these tests drive the engine through the Fetcher seam, and the
// real HTTP cases come with it), key sets to publish, and tokens signed
// with any header and claims.
#ifndef TOKEND_TESTS_IDENTITY_IDENTITY_TEST_UTIL_H_
#define TOKEND_TESTS_IDENTITY_IDENTITY_TEST_UTIL_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "core/crypto/key.h"
#include "core/identity/fetcher.h"
#include "core/jose/base64url.h"
#include "core/json/json.h"
#include "core/keys/jwk.h"
#include "core/keys/key_set.h"
#include "gtest/gtest.h"

namespace tokend::identity::testing {

// Answers each URL from a script; counts requests. Thread-safe. A URL with
// no script answers a transport error (connection refused).
class FakeFetcher final : public Fetcher {
 public:
  using Handler =
      std::function<absl::StatusOr<FetchResponse>(const FetchRequest&)>;

  void Set(const std::string& url, Handler handler) {
    absl::MutexLock lock(&mu_);
    handlers_[url] = std::move(handler);
  }
  // A 200 JSON answer with optional Cache-Control.
  void SetBody(const std::string& url, std::string body,
               std::string cache_control = "",
               std::string content_type = "application/json") {
    Set(url,
        [url, body = std::move(body), cache_control = std::move(cache_control),
         content_type = std::move(content_type)](const FetchRequest&) {
          FetchResponse response;
          response.status = 200;
          response.final_url = url;
          response.body = body;
          if (!content_type.empty()) {
            response.headers.emplace_back("content-type", content_type);
          }
          if (!cache_control.empty()) {
            response.headers.emplace_back("cache-control", cache_control);
          }
          return response;
        });
  }
  void SetStatus(const std::string& url, int status, std::string body = "") {
    Set(url, [url, status, body = std::move(body)](const FetchRequest&) {
      FetchResponse response;
      response.status = status;
      response.final_url = url;
      response.body = body;
      return response;
    });
  }
  void SetError(const std::string& url, absl::Status error) {
    Set(url, [error](const FetchRequest&) -> absl::StatusOr<FetchResponse> {
      return error;
    });
  }
  // Fetches of `url` wait until Release() (a slow or stalled endpoint).
  void Stall(const std::string& url) {
    absl::MutexLock lock(&mu_);
    stalled_[url] = std::make_shared<absl::Notification>();
  }
  void Release(const std::string& url) {
    std::shared_ptr<absl::Notification> gate;
    {
      absl::MutexLock lock(&mu_);
      gate = stalled_[url];
      stalled_.erase(url);
    }
    if (gate != nullptr) gate->Notify();
  }
  // Blocks until a fetch of `url` is waiting on its stall.
  void AwaitStalledFetch(const std::string& url) {
    std::pair<FakeFetcher*, const std::string*> arg(this, &url);
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](std::pair<FakeFetcher*, const std::string*>* a)
             ABSL_EXCLUSIVE_LOCKS_REQUIRED(a->first->mu_) {
               auto it = a->first->waiting_.find(*a->second);
               return it != a->first->waiting_.end() && it->second > 0;
             },
        &arg));
  }

  absl::StatusOr<FetchResponse> Fetch(const FetchRequest& request) override {
    Handler handler;
    std::shared_ptr<absl::Notification> gate;
    {
      absl::MutexLock lock(&mu_);
      ++count_[request.url];
      last_request_ = request;
      auto it = handlers_.find(request.url);
      if (it != handlers_.end()) handler = it->second;
      auto stalled = stalled_.find(request.url);
      if (stalled != stalled_.end()) {
        gate = stalled->second;
        ++waiting_[request.url];
      }
    }
    if (gate != nullptr) {
      gate->WaitForNotification();
      absl::MutexLock lock(&mu_);
      --waiting_[request.url];
    }
    if (!handler) {
      return absl::UnavailableError(
          absl::StrCat("connection refused: ", request.url));
    }
    return handler(request);
  }

  int count(const std::string& url) const {
    absl::MutexLock lock(&mu_);
    auto it = count_.find(url);
    return it == count_.end() ? 0 : it->second;
  }
  FetchRequest last_request() const {
    absl::MutexLock lock(&mu_);
    return last_request_;
  }

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, Handler> handlers_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::shared_ptr<absl::Notification>> stalled_
      ABSL_GUARDED_BY(mu_);
  std::map<std::string, int> waiting_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int> count_ ABSL_GUARDED_BY(mu_);
  FetchRequest last_request_ ABSL_GUARDED_BY(mu_);
};

inline std::shared_ptr<const Key> NewKey(Algorithm alg, std::string kid) {
  absl::StatusOr<std::shared_ptr<const Key>> key =
      GenerateKey(alg, std::move(kid));
  EXPECT_TRUE(key.ok()) << key.status();
  return *key;
}

// {"keys":[...]} of the public JWKs of `keys`.
inline std::string Jwks(const std::vector<std::shared_ptr<const Key>>& keys) {
  json::Array entries;
  for (const auto& key : keys) {
    absl::StatusOr<json::Object> jwk = PublicJwk(*key);
    EXPECT_TRUE(jwk.ok()) << jwk.status();
    entries.push_back(*jwk);
  }
  json::Object root;
  root.Set("keys", std::move(entries));
  return json::Serialize(root);
}

// A compact JWS of exactly these header and claims, signed by `key`
// whatever the header says.
inline std::string SignRaw(const Key& key, const json::Object& header,
                           const json::Object& claims) {
  std::string input =
      absl::StrCat(Base64UrlEncode(json::Serialize(header)), ".",
                   Base64UrlEncode(json::Serialize(claims)));
  absl::StatusOr<std::string> signature = key.Sign(input);
  EXPECT_TRUE(signature.ok()) << signature.status();
  return absl::StrCat(input, ".", Base64UrlEncode(*signature));
}

// The header tokend's issuers write: alg and kid of `key`, typ JWT.
inline json::Object HeaderFor(const Key& key) {
  json::Object header;
  header.Set("alg", std::string(AlgorithmName(key.alg())));
  if (!key.kid().empty()) header.Set("kid", key.kid());
  header.Set("typ", "JWT");
  return header;
}

inline std::string Sign(const Key& key, const json::Object& claims) {
  return SignRaw(key, HeaderFor(key), claims);
}

inline json::Object ParseOrDie(absl::string_view text) {
  absl::StatusOr<json::Object> parsed = json::ParseObject(text);
  EXPECT_TRUE(parsed.ok()) << parsed.status() << " in: " << text;
  return parsed.ok() ? *std::move(parsed) : json::Object();
}

}  // namespace tokend::identity::testing

#endif  // TOKEND_TESTS_IDENTITY_IDENTITY_TEST_UTIL_H_
