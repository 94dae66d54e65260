#include "correlator/decoders/decoder.h"

namespace hinomi::correlator {

const std::string* eventText(const Event& event, const std::string& name) {
  if (name.empty() || name == "@message") return &event.message;
  if (name == "@app") return &event.app;
  if (name == "@host") return &event.host;
  const FieldValue* v = event.fields.find(name);
  if (v == nullptr || !v->isString()) return nullptr;
  return &v->str();
}

bool anchoredAtStart(std::string_view re) {
  if (re.substr(0, 1) == "^") re.remove_prefix(1);
  else if (re.substr(0, 2) == "\\A") re.remove_prefix(2);
  else return false;
  if (!re.empty() && std::string_view("*+?{").find(re[0]) != std::string_view::npos) return false;  // "^*"
  int depth = 0;
  bool in_class = false;
  for (size_t i = 0; i < re.size(); ++i) {
    const char c = re[i];
    if (c == '\\') {
      ++i;  // an escaped character is never structure
    } else if (in_class) {
      if (c == '[' && re.substr(i, 2) == "[:") {
        size_t end = re.find(":]", i + 2);
        if (end == std::string_view::npos) return false;
        i = end + 1;
      } else if (c == ']') {
        in_class = false;
      }
    } else if (c == '[') {
      in_class = true;
      if (i + 1 < re.size() && re[i + 1] == '^') ++i;
      if (i + 1 < re.size() && re[i + 1] == ']') ++i;  // a leading ] is a member
    } else if (c == '(') {
      ++depth;
    } else if (c == ')') {
      --depth;
    } else if (c == '|' && depth == 0) {
      return false;
    }
  }
  return true;
}

std::string fieldFromGroupName(const std::string& group) {
  std::string out;
  for (size_t i = 0; i < group.size(); ++i) {
    if (group[i] != '_') {
      out.push_back(group[i]);
    } else if (i + 1 < group.size() && group[i + 1] == '_') {
      out.push_back('_');
      ++i;
    } else {
      out.push_back('.');
    }
  }
  return out;
}

}  // namespace hinomi::correlator
