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
