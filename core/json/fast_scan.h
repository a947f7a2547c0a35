// The fast path of json::ScanPaddedObject: one pass over the bytes, no
// tape, no allocation except for the members it builds.
//
// It accepts a strict subset of what the full parser accepts: plain (no
// \u escape) member names and strings with strictly valid UTF-8, integers of
// at most 18 digits where a value is built, nesting within the limit, and no
// repeated names. Anything else (every invalid text and a few rare valid
// shapes) makes it give up, and the caller runs the full parser, which then
// gives the verdict and the exact reason. So a text it accepts is one the
// full parser accepts with the same member values; the fuzz_json target
// checks that against json::ParseObject.
//
// Thread-compatible: it keeps no state between calls.
#ifndef TOKEND_CORE_JSON_FAST_SCAN_H_
#define TOKEND_CORE_JSON_FAST_SCAN_H_

#include <cstddef>
#include <optional>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "core/json/json.h"

namespace tokend::json::internal {

// True when `text` (followed by kParsePadding readable bytes) is a JSON
// object within `max_depth` that this subset covers; found[i] then holds
// the root member named names[i], if any. False says nothing about the
// text: ask the full parser, after clearing `found` (it may then hold some
// members already).
bool FastScanObject(absl::string_view text, size_t max_depth,
                    absl::Span<const absl::string_view> names,
                    absl::Span<std::optional<Value>> found);

}  // namespace tokend::json::internal

#endif  // TOKEND_CORE_JSON_FAST_SCAN_H_
