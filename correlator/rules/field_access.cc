#include "correlator/rules/field_access.h"

#include <charconv>

namespace hinomi::rules {

FieldRef resolveField(std::string_view name) {
  using T = FieldRef::Top;
  static const std::pair<std::string_view, T> kTop[] = {
      {"id", T::kId}, {"tenant", T::kTenant}, {"listener", T::kListener}, {"host", T::kHost},
      {"hostname", T::kHost}, {"app", T::kApp}, {"message", T::kMessage}, {"raw", T::kRaw},
      {"decoder", T::kDecoder}, {"parse_status", T::kParseStatus}, {"facility", T::kFacility},
      {"severity", T::kSeverity}};
  for (const auto& [n, t] : kTop)
    if (n == name) return FieldRef{t, {}};
  // "fields.user.name" reads the same as "user.name", for rules that spell the event's layout.
  if (name.substr(0, 7) == "fields.") name.remove_prefix(7);
  return FieldRef{T::kFields, std::string(name)};
}

bool fieldView(const Event& e, const FieldRef& f, std::string& scratch, std::string_view& out) {
  using T = FieldRef::Top;
  switch (f.top) {
    case T::kId: out = e.id; return true;
    case T::kTenant: out = e.tenant; return true;
    case T::kListener: out = e.listener; return true;
    case T::kHost: out = e.host; return true;
    case T::kApp: out = e.app; return true;
    case T::kMessage: out = e.message; return true;
    case T::kRaw: out = e.raw; return true;
    case T::kDecoder: out = e.decoder; return true;
    case T::kParseStatus: out = e.parse_status; return true;
    case T::kFacility:
      if (e.facility < 0) return false;
      scratch = std::to_string(e.facility);
      out = scratch;
      return true;
    case T::kSeverity:
      if (e.severity < 0) return false;
      scratch = std::to_string(e.severity);
      out = scratch;
      return true;
    case T::kFields: break;
  }
  const FieldValue* v = e.fields.find(f.key);
  return v != nullptr && v->text(scratch, out);
}

bool fieldText(const Event& e, const FieldRef& f, std::string& out) {
  std::string_view view;
  if (!fieldView(e, f, out, view)) return false;
  if (view.data() != out.data()) out.assign(view);
  return true;
}

bool fieldNumber(const Event& e, const FieldRef& f, double& out) {
  if (f.top == FieldRef::Top::kFields) {
    const FieldValue* v = e.fields.find(f.key);
    if (v != nullptr && v->isNumber()) {
      out = v->number();
      return true;
    }
  }
  std::string text;
  if (!fieldText(e, f, text) || text.empty()) return false;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && p == text.data() + text.size();
}

}  // namespace hinomi::rules
