#include "core/identity/livekit_bounds.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/algorithm/container.h"
#include "absl/strings/str_cat.h"
#include "absl/types/span.h"

namespace tokend::identity {
namespace {

constexpr absl::string_view kSources[] = {"camera", "microphone",
                                          "screen_share", "screen_share_audio"};

// A request member no rule covers, and whether the request sets it.
struct Refused {
  bool set;
  absl::string_view name;
};

// GrantDenied for the first member set, naming prefix.member.
absl::Status FirstRefused(absl::Span<const Refused> members,
                          absl::string_view prefix) {
  for (const Refused& member : members) {
    if (member.set) {
      return GrantDenied(absl::StrCat(prefix, ".", member.name),
                         "not covered by exchange rules");
    }
  }
  return absl::OkStatus();
}

// A tri-state right: asked true beyond the rule is refused; what the rule
// withholds is written false explicitly.
absl::Status Bound(std::optional<bool>* asked, bool allowed,
                   absl::string_view field) {
  if (allowed) return absl::OkStatus();
  if (asked->value_or(false)) {
    return GrantDenied(field, "the rule does not allow it");
  }
  *asked = false;
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<LiveKitBounds> LiveKitBounds::Compile(
    const LiveKitBoundsSpec& spec, absl::string_view field) {
  LiveKitBounds out;
  if (spec.room.empty()) {
    return Error(Reason::kInvalidArgument,
                 "is required: the pattern rooms must match",
                 absl::StrCat(field, ".room"));
  }
  absl::StatusOr<Template> room =
      Template::Compile(spec.room, absl::StrCat(field, ".room"));
  if (!room.ok()) return room.status();
  out.room_ = *std::move(room);
  for (const std::string& source : spec.can_publish_sources) {
    if (std::find(std::begin(kSources), std::end(kSources), source) ==
        std::end(kSources)) {
      return Error(Reason::kInvalidArgument,
                   "must be camera, microphone, screen_share or "
                   "screen_share_audio",
                   absl::StrCat(field, ".can_publish_sources"));
    }
  }
  if (!spec.can_publish_sources.empty() && !spec.can_publish) {
    return Error(Reason::kInvalidArgument,
                 "lists sources but can_publish is false",
                 absl::StrCat(field, ".can_publish_sources"));
  }
  out.can_publish_ = spec.can_publish;
  out.can_subscribe_ = spec.can_subscribe;
  out.can_publish_data_ = spec.can_publish_data;
  out.can_update_own_metadata_ = spec.can_update_own_metadata;
  out.sources_ = spec.can_publish_sources;
  if (!spec.name.empty()) {
    absl::StatusOr<Template> name =
        Template::Compile(spec.name, absl::StrCat(field, ".name"));
    if (!name.ok()) return name.status();
    out.name_ = *std::move(name);
  }
  return out;
}

absl::Status LiveKitBounds::ApplyVideo(const BoundsContext& context,
                                       LiveKitVideoGrant* video) const {
  constexpr absl::string_view kField = "grants.livekit.video";
  absl::Status status = FirstRefused(
      {
          {video->room_create, "room_create"},
          {video->room_list, "room_list"},
          {video->room_record, "room_record"},
          {video->room_admin, "room_admin"},
          {video->ingress_admin, "ingress_admin"},
          {video->hidden, "hidden"},
          {video->recorder, "recorder"},
          {video->agent, "agent"},
          {!video->destination_room.empty(), "destination_room"},
          {video->can_subscribe_metrics.has_value(), "can_subscribe_metrics"},
          {video->can_manage_agent_session.has_value(),
           "can_manage_agent_session"},
      },
      kField);
  if (!status.ok()) return status;
  if (video->room_join || !video->room.empty()) {
    absl::StatusOr<GlobPattern> room = room_.RenderPattern(context.identity);
    if (!room.ok()) return room.status();
    if (!room->Matches(video->room)) {
      return GrantDenied(
          absl::StrCat(kField, ".room"),
          absl::StrCat("the room does not match ", room->ToString()));
    }
  }
  status = Bound(&video->can_publish, can_publish_,
                 absl::StrCat(kField, ".can_publish"));
  if (status.ok()) {
    status = Bound(&video->can_subscribe, can_subscribe_,
                   absl::StrCat(kField, ".can_subscribe"));
  }
  if (status.ok()) {
    status = Bound(&video->can_publish_data, can_publish_data_,
                   absl::StrCat(kField, ".can_publish_data"));
  }
  if (status.ok()) {
    status = Bound(&video->can_update_own_metadata, can_update_own_metadata_,
                   absl::StrCat(kField, ".can_update_own_metadata"));
  }
  if (!status.ok()) return status;
  if (!sources_.empty()) {
    for (const std::string& source : video->can_publish_sources) {
      if (!absl::c_linear_search(sources_, source)) {
        return GrantDenied(
            absl::StrCat(kField, ".can_publish_sources"),
            absl::StrCat("the rule does not allow publishing ", source));
      }
    }
    if (video->can_publish_sources.empty() &&
        video->can_publish.value_or(true)) {
      video->can_publish_sources = sources_;
    }
  } else if (!can_publish_ && !video->can_publish_sources.empty()) {
    return GrantDenied(absl::StrCat(kField, ".can_publish_sources"),
                       "the rule does not allow publishing");
  }
  return absl::OkStatus();
}

absl::Status LiveKitBounds::Apply(const BoundsContext& context,
                                  LiveKitGrants* grants) const {
  constexpr absl::string_view kField = "grants.livekit";
  absl::Status status = FirstRefused(
      {
          {grants->sip.has_value(), "sip"},
          {grants->agent.has_value(), "agent"},
          {grants->inference.has_value(), "inference"},
          {grants->observability.has_value(), "observability"},
          {!grants->room_config.empty(), "room_config"},
          {!grants->room_preset.empty(), "room_preset"},
          {!grants->metadata.empty(), "metadata"},
          {!grants->attributes.empty(), "attributes"},
          {!grants->sha256.empty(), "sha256"},
          {!grants->kind_details.empty(), "kind_details"},
          {!grants->kind.empty() && grants->kind != "standard", "kind"},
      },
      kField);
  if (!status.ok()) return status;
  if (name_.empty()) {
    if (!grants->name.empty()) {
      return GrantDenied(absl::StrCat(kField, ".name"),
                         "the rule sets no display name");
    }
  } else {
    absl::StatusOr<std::string> name = name_.Render(context.identity);
    if (!name.ok()) return name.status();
    if (grants->name.empty()) {
      grants->name = *std::move(name);
    } else if (grants->name != *name) {
      return GrantDenied(absl::StrCat(kField, ".name"),
                         "the display name must be the one the rule maps "
                         "from the caller's identity");
    }
  }
  if (grants->video.has_value()) return ApplyVideo(context, &*grants->video);
  return absl::OkStatus();
}

}  // namespace tokend::identity
