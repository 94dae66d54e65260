#include "playbooks/template_text.h"

namespace hinomi::playbooks {
namespace {

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

}  // namespace

bool validPlaceholderPath(const std::string& path) {
  static const char* kRoots[] = {"case.", "incident.", "tenant.", "fields."};
  for (const char* root : kRoots) {
    std::string r(root);
    if (path.size() > r.size() && path.compare(0, r.size(), r) == 0) {
      for (char c : path)
        if (c == ' ' || c == '\t' || c == '{' || c == '}' || c == '\n') return false;
      return path.back() != '.' && path.find("..") == std::string::npos;
    }
  }
  return false;
}

std::optional<std::vector<std::string>> templatePlaceholders(const std::string& text, std::string& error) {
  std::vector<std::string> out;
  size_t pos = 0;
  while ((pos = text.find("{{", pos)) != std::string::npos) {
    size_t end = text.find("}}", pos + 2);
    if (end == std::string::npos) {
      error = "'{{' without a closing '}}'";
      return std::nullopt;
    }
    std::string path = trim(text.substr(pos + 2, end - pos - 2));
    if (!validPlaceholderPath(path)) {
      error = "placeholder '{{" + path + "}}': a template names case.…, incident.…, tenant.… or fields.…";
      return std::nullopt;
    }
    out.push_back(std::move(path));
    pos = end + 2;
  }
  return out;
}

std::string renderTemplate(const std::string& text, const std::function<std::string(const std::string&)>& lookup) {
  std::string out;
  size_t pos = 0;
  while (true) {
    size_t open = text.find("{{", pos);
    size_t close = open == std::string::npos ? std::string::npos : text.find("}}", open + 2);
    if (close == std::string::npos) {
      out.append(text, pos, std::string::npos);
      return out;
    }
    out.append(text, pos, open - pos);
    out += lookup(trim(text.substr(open + 2, close - open - 2)));
    pos = close + 2;
  }
}

}  // namespace hinomi::playbooks
