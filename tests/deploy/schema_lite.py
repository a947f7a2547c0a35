"""A JSON Schema (draft-07) validator for the keywords the Helm chart's
values.schema.json uses: type, enum, const, required, properties,
additionalProperties, items, minItems, minimum, maximum, minLength,
pattern, if/then/else. Debian 12 has no python3-jsonschema installed here,
so CI checks with this; any other keyword raises SchemaError so that the
schema cannot silently outgrow the checker.
"""

import re

KNOWN = {"$schema", "title", "description", "type", "enum", "const",
         "required", "properties", "additionalProperties", "items",
         "minItems", "minimum", "maximum", "minLength", "pattern", "if",
         "then", "else"}


class SchemaError(Exception):
    pass


def _type_ok(value, t):
    if t == "object":
        return isinstance(value, dict)
    if t == "array":
        return isinstance(value, list)
    if t == "string":
        return isinstance(value, str)
    if t == "boolean":
        return isinstance(value, bool)
    if t == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if t == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if t == "null":
        return value is None
    raise SchemaError("unknown type %s" % t)


def validate(value, schema, path="$"):
    """The list of errors ("<path>: <what>"), empty when `value` is valid."""
    unknown = set(schema) - KNOWN
    if unknown:
        raise SchemaError("%s: unsupported keywords %s" % (path, sorted(unknown)))
    errors = []
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_type_ok(value, t) for t in types):
            return ["%s: %r is not of type %s" % (path, value, "/".join(types))]
    if "enum" in schema and value not in schema["enum"]:
        errors.append("%s: %r is not one of %s" % (path, value, schema["enum"]))
    if "const" in schema and value != schema["const"]:
        errors.append("%s: %r is not %r" % (path, value, schema["const"]))
    if isinstance(value, dict):
        for name in schema.get("required", []):
            if name not in value:
                errors.append("%s: %s is required" % (path, name))
        props = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for k, v in value.items():
            if k in props:
                errors += validate(v, props[k], "%s.%s" % (path, k))
            elif extra is False:
                errors.append("%s: unknown key %s" % (path, k))
            elif isinstance(extra, dict):
                errors += validate(v, extra, "%s.%s" % (path, k))
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            errors.append("%s: fewer than %d items" % (path, schema["minItems"]))
        if "items" in schema:
            for i, v in enumerate(value):
                errors += validate(v, schema["items"], "%s[%d]" % (path, i))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            errors.append("%s: %r < minimum %r" % (path, value, schema["minimum"]))
        if "maximum" in schema and value > schema["maximum"]:
            errors.append("%s: %r > maximum %r" % (path, value, schema["maximum"]))
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0):
            errors.append("%s: shorter than %d" % (path, schema["minLength"]))
        if "pattern" in schema and not re.search(schema["pattern"], value):
            errors.append("%s: %r does not match %s" % (path, value, schema["pattern"]))
    if "if" in schema:
        branch = "then" if not validate(value, schema["if"], path) else "else"
        if branch in schema:
            errors += validate(value, schema[branch], path)
    return errors


def property_paths(schema, prefix=()):
    """Every path of nested `properties` (object schemas only)."""
    out = set()
    for k, sub in schema.get("properties", {}).items():
        out.add(prefix + (k,))
        out |= property_paths(sub, prefix + (k,))
    return out
