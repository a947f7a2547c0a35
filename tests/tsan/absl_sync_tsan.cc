// ThreadSanitizer builds only (-DTOKEND_SANITIZE=thread): makes Debian's
// Abseil synchronisation visible to TSan.
//
// Debian's libabsl_synchronization is not built with -fsanitize=thread, so
// TSan does not see absl::Mutex, CondVar or Notification synchronise:
// every field guarded by an absl::Mutex and touched by two threads (i.e.
// all of tokend's shared state) would be reported as a race. This file
// interposes the out-of-line entry points of those classes (the executable's
// definitions win over the shared library's), calls the real ones (found with
// dlsym(RTLD_NEXT)) and tells TSan about the happens-before edge each one
// makes: __tsan_release on the object before it is given up, __tsan_acquire
// after it is obtained. That is all TSan needs to find races (it does not
// give TSan's lock-order checks). Linked into every target of a TSan build
// by the top-level CMakeLists.txt; gRPC's own uses of absl::Mutex go
// through it too.
#include <dlfcn.h>
#include <sanitizer/tsan_interface.h>

#include <cstdio>
#include <cstdlib>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

namespace {

// The shared library's definition of the mangled `name`.
template <typename F>
F Real(const char* name) {
  void* f = dlsym(RTLD_NEXT, name);
  if (f == nullptr) {
    std::fprintf(stderr, "absl_sync_tsan: %s not found\n", name);
    std::abort();
  }
  return reinterpret_cast<F>(f);
}

// A Condition's function runs with the mutex held but inside the library:
// in the waiting thread before Await returns, or in another thread's Unlock.
// The wrapper tells TSan the mutex is held around it.
struct HeldCondition {
  const absl::Condition* cond;
  absl::Mutex* mu;

  static bool Eval(void* arg) {
    auto* self = static_cast<HeldCondition*>(arg);
    __tsan_acquire(self->mu);
    const bool result = self->cond->Eval();
    __tsan_release(self->mu);
    return result;
  }
};

// Mangled names of Debian's Abseil (inline namespace debian3).
#define TOKEND_ABSL(x) "_ZN4absl7debian3" x
#define TOKEND_ABSL_CONST(x) "_ZNK4absl7debian3" x

}  // namespace

namespace absl {
ABSL_NAMESPACE_BEGIN

using MutexFn = void (*)(Mutex*);
using MutexTryFn = bool (*)(Mutex*);
using MutexCondFn = void (*)(Mutex*, const Condition&);
using MutexCondDurationFn = bool (*)(Mutex*, const Condition&, Duration);
using MutexCondTimeFn = bool (*)(Mutex*, const Condition&, Time);

void Mutex::Lock() {
  static const auto real = Real<MutexFn>(TOKEND_ABSL("5Mutex4LockEv"));
  real(this);
  __tsan_acquire(this);
}

void Mutex::ReaderLock() {
  static const auto real = Real<MutexFn>(TOKEND_ABSL("5Mutex10ReaderLockEv"));
  real(this);
  __tsan_acquire(this);
}

bool Mutex::TryLock() {
  static const auto real = Real<MutexTryFn>(TOKEND_ABSL("5Mutex7TryLockEv"));
  const bool locked = real(this);
  if (locked) __tsan_acquire(this);
  return locked;
}

bool Mutex::ReaderTryLock() {
  static const auto real =
      Real<MutexTryFn>(TOKEND_ABSL("5Mutex13ReaderTryLockEv"));
  const bool locked = real(this);
  if (locked) __tsan_acquire(this);
  return locked;
}

void Mutex::Unlock() {
  static const auto real = Real<MutexFn>(TOKEND_ABSL("5Mutex6UnlockEv"));
  __tsan_release(this);
  real(this);
}

void Mutex::ReaderUnlock() {
  static const auto real = Real<MutexFn>(TOKEND_ABSL("5Mutex12ReaderUnlockEv"));
  __tsan_release(this);
  real(this);
}

void Mutex::LockWhen(const Condition& cond) {
  static const auto real =
      Real<MutexCondFn>(TOKEND_ABSL("5Mutex8LockWhenERKNS0_9ConditionE"));
  HeldCondition ctx{&cond, this};
  const Condition held(&HeldCondition::Eval, &ctx);
  real(this, held);
  __tsan_acquire(this);
}

void Mutex::ReaderLockWhen(const Condition& cond) {
  static const auto real = Real<MutexCondFn>(
      TOKEND_ABSL("5Mutex14ReaderLockWhenERKNS0_9ConditionE"));
  HeldCondition ctx{&cond, this};
  const Condition held(&HeldCondition::Eval, &ctx);
  real(this, held);
  __tsan_acquire(this);
}

bool Mutex::LockWhenWithTimeout(const Condition& cond, Duration timeout) {
  static const auto real = Real<MutexCondDurationFn>(TOKEND_ABSL(
      "5Mutex19LockWhenWithTimeoutERKNS0_9ConditionENS0_8DurationE"));
  HeldCondition ctx{&cond, this};
  const Condition held(&HeldCondition::Eval, &ctx);
  const bool ok = real(this, held, timeout);
  __tsan_acquire(this);  // held either way
  return ok;
}

bool Mutex::LockWhenWithDeadline(const Condition& cond, Time deadline) {
  static const auto real = Real<MutexCondTimeFn>(
      TOKEND_ABSL("5Mutex20LockWhenWithDeadlineERKNS0_9ConditionENS0_4TimeE"));
  HeldCondition ctx{&cond, this};
  const Condition held(&HeldCondition::Eval, &ctx);
  const bool ok = real(this, held, deadline);
  __tsan_acquire(this);
  return ok;
}

bool Mutex::ReaderLockWhenWithTimeout(const Condition& cond, Duration timeout) {
  static const auto real = Real<MutexCondDurationFn>(TOKEND_ABSL(
      "5Mutex25ReaderLockWhenWithTimeoutERKNS0_9ConditionENS0_8DurationE"));
  HeldCondition ctx{&cond, this};
  const Condition held(&HeldCondition::Eval, &ctx);
  const bool ok = real(this, held, timeout);
  __tsan_acquire(this);
  return ok;
}

bool Mutex::ReaderLockWhenWithDeadline(const Condition& cond, Time deadline) {
  static const auto real = Real<MutexCondTimeFn>(TOKEND_ABSL(
      "5Mutex26ReaderLockWhenWithDeadlineERKNS0_9ConditionENS0_4TimeE"));
  HeldCondition ctx{&cond, this};
  const Condition held(&HeldCondition::Eval, &ctx);
  const bool ok = real(this, held, deadline);
  __tsan_acquire(this);
  return ok;
}

// Await releases the mutex while it waits and holds it again on return.
void Mutex::Await(const Condition& cond) {
  static const auto real =
      Real<MutexCondFn>(TOKEND_ABSL("5Mutex5AwaitERKNS0_9ConditionE"));
  HeldCondition ctx{&cond, this};
  const Condition held(&HeldCondition::Eval, &ctx);
  __tsan_release(this);
  real(this, held);
  __tsan_acquire(this);
}

bool Mutex::AwaitWithTimeout(const Condition& cond, Duration timeout) {
  static const auto real = Real<MutexCondDurationFn>(
      TOKEND_ABSL("5Mutex16AwaitWithTimeoutERKNS0_9ConditionENS0_8DurationE"));
  HeldCondition ctx{&cond, this};
  const Condition held(&HeldCondition::Eval, &ctx);
  __tsan_release(this);
  const bool ok = real(this, held, timeout);
  __tsan_acquire(this);
  return ok;
}

bool Mutex::AwaitWithDeadline(const Condition& cond, Time deadline) {
  static const auto real = Real<MutexCondTimeFn>(
      TOKEND_ABSL("5Mutex17AwaitWithDeadlineERKNS0_9ConditionENS0_4TimeE"));
  HeldCondition ctx{&cond, this};
  const Condition held(&HeldCondition::Eval, &ctx);
  __tsan_release(this);
  const bool ok = real(this, held, deadline);
  __tsan_acquire(this);
  return ok;
}

// CondVar waits release `mu` and hold it again on return.
void CondVar::Wait(Mutex* mu) {
  static const auto real = Real<void (*)(CondVar*, Mutex*)>(
      TOKEND_ABSL("7CondVar4WaitEPNS0_5MutexE"));
  __tsan_release(mu);
  real(this, mu);
  __tsan_acquire(mu);
}

bool CondVar::WaitWithTimeout(Mutex* mu, Duration timeout) {
  static const auto real = Real<bool (*)(CondVar*, Mutex*, Duration)>(
      TOKEND_ABSL("7CondVar15WaitWithTimeoutEPNS0_5MutexENS0_8DurationE"));
  __tsan_release(mu);
  const bool timed_out = real(this, mu, timeout);
  __tsan_acquire(mu);
  return timed_out;
}

bool CondVar::WaitWithDeadline(Mutex* mu, Time deadline) {
  static const auto real = Real<bool (*)(CondVar*, Mutex*, Time)>(
      TOKEND_ABSL("7CondVar16WaitWithDeadlineEPNS0_5MutexENS0_4TimeE"));
  __tsan_release(mu);
  const bool timed_out = real(this, mu, deadline);
  __tsan_acquire(mu);
  return timed_out;
}

// Notify happens before every wait that sees it.
void Notification::Notify() {
  static const auto real =
      Real<void (*)(Notification*)>(TOKEND_ABSL("12Notification6NotifyEv"));
  __tsan_release(this);
  real(this);
}

void Notification::WaitForNotification() const {
  static const auto real = Real<void (*)(const Notification*)>(
      TOKEND_ABSL_CONST("12Notification19WaitForNotificationEv"));
  real(this);
  __tsan_acquire(const_cast<Notification*>(this));
}

bool Notification::WaitForNotificationWithTimeout(Duration timeout) const {
  static const auto real =
      Real<bool (*)(const Notification*, Duration)>(TOKEND_ABSL_CONST(
          "12Notification30WaitForNotificationWithTimeoutENS0_8DurationE"));
  const bool notified = real(this, timeout);
  if (notified) __tsan_acquire(const_cast<Notification*>(this));
  return notified;
}

bool Notification::WaitForNotificationWithDeadline(Time deadline) const {
  static const auto real =
      Real<bool (*)(const Notification*, Time)>(TOKEND_ABSL_CONST(
          "12Notification31WaitForNotificationWithDeadlineENS0_4TimeE"));
  const bool notified = real(this, deadline);
  if (notified) __tsan_acquire(const_cast<Notification*>(this));
  return notified;
}

ABSL_NAMESPACE_END
}  // namespace absl
