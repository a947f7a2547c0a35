#include "server/wire/struct_json.h"

#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"
#include "core/reason.h"

namespace tokend {
namespace {

constexpr int kMaxDepth = 16;

absl::StatusOr<json::Value> ToJson(const google::protobuf::Value& v,
                                   const std::string& field, int depth);

absl::StatusOr<json::Object> ObjectToJson(const google::protobuf::Struct& s,
                                          const std::string& field, int depth) {
  if (depth > kMaxDepth) {
    return Error(Reason::kInvalidArgument, "nested too deeply", field);
  }
  json::Object out;
  for (const auto& [name, value] : s.fields()) {
    absl::StatusOr<json::Value> converted =
        ToJson(value, absl::StrCat(field, ".", name), depth + 1);
    if (!converted.ok()) return converted.status();
    out.Set(name, *std::move(converted));
  }
  return out;
}

absl::StatusOr<json::Value> ToJson(const google::protobuf::Value& v,
                                   const std::string& field, int depth) {
  switch (v.kind_case()) {
    case google::protobuf::Value::kNullValue:
    case google::protobuf::Value::KIND_NOT_SET:
      return json::Value(nullptr);
    case google::protobuf::Value::kBoolValue:
      return json::Value(v.bool_value());
    case google::protobuf::Value::kStringValue:
      return json::Value(v.string_value());
    case google::protobuf::Value::kNumberValue: {
      const double d = v.number_value();
      if (!std::isfinite(d)) {
        return Error(Reason::kInvalidArgument, "number is not finite", field);
      }
      // ±2^63 bounds, exclusive at the top.
      if (std::trunc(d) == d && d >= -9223372036854775808.0 &&
          d < 9223372036854775808.0) {
        return json::Value(static_cast<int64_t>(d));
      }
      return json::Value(d);
    }
    case google::protobuf::Value::kStructValue: {
      absl::StatusOr<json::Object> o =
          ObjectToJson(v.struct_value(), field, depth);
      if (!o.ok()) return o.status();
      return json::Value(*std::move(o));
    }
    case google::protobuf::Value::kListValue: {
      if (depth > kMaxDepth) {
        return Error(Reason::kInvalidArgument, "nested too deeply", field);
      }
      json::Array array;
      for (int i = 0; i < v.list_value().values_size(); ++i) {
        absl::StatusOr<json::Value> item =
            ToJson(v.list_value().values(i), absl::StrCat(field, "[", i, "]"),
                   depth + 1);
        if (!item.ok()) return item.status();
        array.push_back(*std::move(item));
      }
      return json::Value(std::move(array));
    }
  }
  return json::Value(nullptr);
}

void ToProto(const json::Value& v, google::protobuf::Value* out) {
  switch (v.type()) {
    case json::Value::Type::kNull:
      out->set_null_value(google::protobuf::NULL_VALUE);
      break;
    case json::Value::Type::kBool:
      out->set_bool_value(v.as_bool());
      break;
    case json::Value::Type::kInt:
      out->set_number_value(static_cast<double>(v.as_int()));
      break;
    case json::Value::Type::kDouble:
      out->set_number_value(v.as_double());
      break;
    case json::Value::Type::kString:
      out->set_string_value(v.as_string());
      break;
    case json::Value::Type::kArray:
      for (const json::Value& item : v.as_array()) {
        ToProto(item, out->mutable_list_value()->add_values());
      }
      out->mutable_list_value();
      break;
    case json::Value::Type::kObject:
      JsonToStruct(v.as_object(), out->mutable_struct_value());
      break;
  }
}

}  // namespace

absl::StatusOr<json::Object> StructToJson(const google::protobuf::Struct& s,
                                          absl::string_view field) {
  return ObjectToJson(s, std::string(field), 1);
}

void JsonToStruct(const json::Object& object, google::protobuf::Struct* out) {
  for (const auto& [name, value] : object.members()) {
    ToProto(value, &(*out->mutable_fields())[name]);
  }
}

}  // namespace tokend
