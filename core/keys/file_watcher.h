// Watches one directory and calls back when its contents change.
//
// inotify watches the directory itself for IN_CREATE, IN_MOVED_TO/FROM,
// IN_DELETE, IN_CLOSE_WRITE, IN_MODIFY and IN_ATTRIB. That covers a
// Kubernetes Secret update (a new `..2026_...` directory, then a `..data_tmp`
// symlink renamed over `..data`), editors' write-to-temp-then-rename, and
// in-place writes. Events are debounced: the callback runs once the directory
// has been quiet for `debounce`, so one swap (several events) gives one
// reload. When inotify is unavailable (or the directory disappears and comes
// back), the watcher polls a signature of the directory (every entry's name,
// type, inode, size, mtime, and symlink target, following symlinks one
// level) every `poll_interval` and calls back when it changes.
//
// The callback runs on the watcher's own thread, one call at a time. It must
// not call Stop() or destroy the watcher.
#ifndef TOKEND_CORE_KEYS_FILE_WATCHER_H_
#define TOKEND_CORE_KEYS_FILE_WATCHER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace tokend {

struct FileWatcherOptions {
  absl::Duration debounce = absl::Milliseconds(100);
  // A burst of events that never goes quiet still calls back this long after
  // its first event.
  absl::Duration max_delay = absl::Seconds(2);
  absl::Duration poll_interval = absl::Seconds(2);
  // Skip inotify (tests, or file systems whose events do not arrive, such as
  // some network mounts).
  bool force_polling = false;
};

class FileWatcher {
 public:
  // Starts the thread. kInvalidArgument when `directory` is not a readable
  // directory.
  static absl::StatusOr<std::unique_ptr<FileWatcher>> Start(
      std::string directory, FileWatcherOptions options,
      std::function<void()> on_change);

  ~FileWatcher();  // Stop()
  FileWatcher(const FileWatcher&) = delete;
  FileWatcher& operator=(const FileWatcher&) = delete;

  // Stops and joins the thread; idempotent. No callback runs after it returns.
  void Stop();

  // True while polling (inotify unavailable or lost).
  bool polling() const { return polling_.load(std::memory_order_acquire); }
  // Callbacks made so far.
  uint64_t changes() const { return changes_.load(std::memory_order_acquire); }

 private:
  FileWatcher(std::string directory, FileWatcherOptions options,
              std::function<void()> on_change);
  void Run();
  bool AddInotifyWatch();
  void DropInotify();
  // Drains inotify; true when a relevant event arrived. Sets *lost when the
  // watch is gone (directory deleted or moved).
  bool DrainEvents(bool* lost);
  std::string Signature() const;
  void Notify();

  const std::string directory_;
  const FileWatcherOptions options_;
  const std::function<void()> on_change_;
  // Taken in Start(), so a change right after Start() returns is seen.
  std::string initial_signature_;
  int inotify_fd_ = -1;
  int wake_fd_ = -1;
  std::atomic<bool> polling_{false};
  std::atomic<bool> stopped_{false};
  std::atomic<uint64_t> changes_{0};
  std::thread thread_;
};

}  // namespace tokend

#endif  // TOKEND_CORE_KEYS_FILE_WATCHER_H_
