#pragma once
// How a (mapped) field name reads an Event: the top-level members by name, anything else as a
// key of `fields` (flat ECS-style dotted names, docs/event.md).

#include <string>
#include <string_view>

#include "common/event.h"

namespace hinomi::rules {

struct FieldRef {
  enum class Top { kFields, kId, kTenant, kListener, kHost, kApp, kMessage, kRaw, kDecoder,
                   kParseStatus, kFacility, kSeverity };
  Top top = Top::kFields;
  std::string key;  // kFields: the key in Event::fields
};

FieldRef resolveField(std::string_view name);

// The field's text into `out` (numbers in decimal, booleans as true/false); false when the field
// is absent, null or not a scalar. Empty top-level strings count as absent-but-empty: present.
bool fieldText(const Event& event, const FieldRef& field, std::string& out);
// The same as a view: into the event for text, into `scratch` for numbers and booleans (the
// matcher scans every rule field of every event; copying each string was a measurable share).
bool fieldView(const Event& event, const FieldRef& field, std::string& scratch, std::string_view& out);
// The field as a number (a JSON number, or text that parses fully as one).
bool fieldNumber(const Event& event, const FieldRef& field, double& out);

}  // namespace hinomi::rules
