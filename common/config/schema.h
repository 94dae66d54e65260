#pragma once
// Each component declares its options once — name, type, default, bounds, description — and the
// same table loads YAML into a typed struct (collecting every error with its FILE:LINE:COL) and
// documents the options (`hinomi config docs`, docs/config.md).
//
//   Schema<HttpOptions> s;
//   s.text("listen", &HttpOptions::listen, "address:port of the HTTP server");
//   s.load(node, options, diagnostics);

#include <algorithm>
#include <charconv>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "common/config/diagnostics.h"

namespace hinomi::config {

struct OptionDoc {
  std::string path;         // dotted, e.g. bus.embedded.fsync
  std::string type;         // "string", "integer 1..64", "one of: a, b", "section", …
  std::string default_value;
  std::string description;
};

// "did you mean 'x'?" for a misspelt key; empty when nothing is close.
std::string suggestKey(const std::string& key, const std::vector<std::string>& known);
// Replaces ${NAME} with the environment variable NAME (secrets stay out of config files).
std::string expandEnv(const std::string& value, const YAML::Node& node, Diagnostics& diag);
std::string describeNode(const YAML::Node& node);  // "a mapping", "'abc'", … for messages

template <typename T>
class Schema {
 public:
  using Check = std::function<void(const T&, const YAML::Node&, Diagnostics&)>;

  Schema& text(std::string name, std::string T::*field, std::string doc,
               std::vector<std::string> choices = {}) {
    std::string type = choices.empty() ? "string" : "one of: " + join(choices);
    return add(std::move(name), type, std::move(doc),
               [field](const T& t) { return t.*field; },
               [field, choices](const YAML::Node& n, T& t, Diagnostics& d, const std::string& path) {
                 if (!scalar(n, d, path, "a string")) return;
                 std::string v = expandEnv(n.Scalar(), n, d);
                 if (!choices.empty() && std::find(choices.begin(), choices.end(), v) == choices.end()) {
                   d.error(n, path + ": '" + v + "' is not one of: " + join(choices));
                   return;
                 }
                 t.*field = v;
               });
  }

  template <typename I>
  Schema& integer(std::string name, I T::*field, int64_t min, int64_t max, std::string doc) {
    return add(std::move(name), "integer " + std::to_string(min) + ".." + std::to_string(max),
               std::move(doc), [field](const T& t) { return std::to_string(t.*field); },
               [field, min, max](const YAML::Node& n, T& t, Diagnostics& d, const std::string& path) {
                 if (!scalar(n, d, path, "an integer")) return;
                 const std::string& s = n.Scalar();
                 int64_t v = 0;
                 auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
                 if (ec != std::errc() || end != s.data() + s.size()) {
                   d.error(n, path + ": expected an integer, got '" + s + "'");
                 } else if (v < min || v > max) {
                   d.error(n, path + ": " + s + " is out of range (" + std::to_string(min) + ".." +
                                  std::to_string(max) + ")");
                 } else {
                   t.*field = static_cast<I>(v);
                 }
               });
  }

  Schema& boolean(std::string name, bool T::*field, std::string doc) {
    return add(std::move(name), "boolean", std::move(doc),
               [field](const T& t) { return std::string(t.*field ? "true" : "false"); },
               [field](const YAML::Node& n, T& t, Diagnostics& d, const std::string& path) {
                 if (!scalar(n, d, path, "true or false")) return;
                 const std::string& s = n.Scalar();
                 if (s == "true") t.*field = true;
                 else if (s == "false") t.*field = false;
                 else d.error(n, path + ": expected true or false, got '" + s + "'");
               });
  }

  template <typename E>
  Schema& choice(std::string name, E T::*field, std::vector<std::pair<std::string, E>> values,
                 std::string doc) {
    std::vector<std::string> names;
    for (auto& v : values) names.push_back(v.first);
    return add(std::move(name), "one of: " + join(names), std::move(doc),
               [field, values](const T& t) {
                 for (auto& v : values)
                   if (v.second == t.*field) return v.first;
                 return std::string();
               },
               [field, values, names](const YAML::Node& n, T& t, Diagnostics& d, const std::string& path) {
                 if (!scalar(n, d, path, "one of: " + join(names))) return;
                 for (auto& v : values)
                   if (v.first == n.Scalar()) {
                     t.*field = v.second;
                     return;
                   }
                 d.error(n, path + ": '" + n.Scalar() + "' is not one of: " + join(names));
               });
  }

  Schema& textList(std::string name, std::vector<std::string> T::*field, std::string doc) {
    return add(std::move(name), "list of strings", std::move(doc),
               [field](const T& t) { return "[" + join(t.*field) + "]"; },
               [field](const YAML::Node& n, T& t, Diagnostics& d, const std::string& path) {
                 if (!n.IsSequence()) {
                   d.error(n, path + ": expected a list, got " + describeNode(n));
                   return;
                 }
                 std::vector<std::string> out;
                 for (size_t i = 0; i < n.size(); ++i) {
                   if (scalar(n[i], d, path + "[" + std::to_string(i) + "]", "a string"))
                     out.push_back(expandEnv(n[i].Scalar(), n[i], d));
                 }
                 t.*field = std::move(out);
               });
  }

  // Free-form key → scalar map (e.g. librdkafka properties passed through as they are).
  Schema& textMap(std::string name, std::map<std::string, std::string> T::*field, std::string doc) {
    return add(std::move(name), "map of string to scalar", std::move(doc),
               [](const T&) { return std::string("{}"); },
               [field](const YAML::Node& n, T& t, Diagnostics& d, const std::string& path) {
                 if (!n.IsMap()) {
                   d.error(n, path + ": expected a mapping, got " + describeNode(n));
                   return;
                 }
                 std::map<std::string, std::string> out;
                 for (auto it = n.begin(); it != n.end(); ++it) {
                   std::string key = it->first.Scalar();
                   if (out.count(key)) d.error(it->first, path + ": duplicate key '" + key + "'");
                   if (scalar(it->second, d, path + "." + key, "a scalar value"))
                     out[key] = expandEnv(it->second.Scalar(), it->second, d);
                 }
                 t.*field = std::move(out);
               });
  }

  template <typename U>
  Schema& section(std::string name, U T::*field, Schema<U> sub, std::string doc) {
    auto docs = [sub](std::vector<OptionDoc>& out, const std::string& prefix) {
      U defaults{};
      sub.document(out, prefix, defaults);
    };
    add(std::move(name), "section", std::move(doc), [](const T&) { return std::string(); },
        [field, sub](const YAML::Node& n, T& t, Diagnostics& d, const std::string& path) {
          sub.load(n, t.*field, d, path);
        });
    options_.back().nested = docs;
    return *this;
  }

  // A list of mappings, each loaded with `item` (e.g. listeners).
  template <typename U>
  Schema& list(std::string name, std::vector<U> T::*field, Schema<U> item, std::string doc) {
    auto docs = [item](std::vector<OptionDoc>& out, const std::string& prefix) {
      U defaults{};
      item.document(out, prefix + "[]", defaults);
    };
    add(std::move(name), "list of sections", std::move(doc), [](const T&) { return std::string("[]"); },
        [field, item](const YAML::Node& n, T& t, Diagnostics& d, const std::string& path) {
          if (!n.IsSequence()) {
            d.error(n, path + ": expected a list, got " + describeNode(n));
            return;
          }
          std::vector<U> out(n.size());
          for (size_t i = 0; i < n.size(); ++i) item.load(n[i], out[i], d, path + "[" + std::to_string(i) + "]");
          t.*field = std::move(out);
        });
    options_.back().nested = docs;
    return *this;
  }

  // A rule across options of this section, run after they loaded (e.g. "kafka needs brokers").
  Schema& check(Check c) {
    checks_.push_back(std::move(c));
    return *this;
  }

  // Loads `node` (a mapping, or null/absent for all defaults) into `out`; errors go to `diag`.
  void load(const YAML::Node& node, T& out, Diagnostics& diag, const std::string& path = "") const {
    if (!node || node.IsNull()) {
      for (auto& c : checks_) c(out, node, diag);
      return;
    }
    if (!node.IsMap()) {
      diag.error(node, (path.empty() ? "configuration" : path) + ": expected a mapping, got " + describeNode(node));
      return;
    }
    std::set<std::string> seen;
    for (auto it = node.begin(); it != node.end(); ++it) {
      std::string key = it->first.IsScalar() ? it->first.Scalar() : std::string("?");
      std::string full = path.empty() ? key : path + "." + key;
      if (!seen.insert(key).second) {
        diag.error(it->first, "duplicate key '" + full + "'");
        continue;
      }
      const Option* opt = find(key);
      if (opt == nullptr) {
        std::vector<std::string> names;
        for (auto& o : options_) names.push_back(o.name);
        diag.error(it->first, "unknown key '" + full + "'" + suggestKey(key, names));
        continue;
      }
      if (it->second.IsNull() && opt->type != "section") {
        diag.error(it->first, full + ": has no value (remove the key to take the default)");
        continue;
      }
      opt->load(it->second, out, diag, full);
    }
    for (auto& c : checks_) c(out, node, diag);
  }

  void document(std::vector<OptionDoc>& out, const std::string& prefix, const T& defaults) const {
    for (auto& o : options_) {
      std::string path = prefix.empty() ? o.name : prefix + "." + o.name;
      out.push_back({path, o.type, o.show_default(defaults), o.doc});
      if (o.nested) o.nested(out, path);
    }
  }

 private:
  using Loader = std::function<void(const YAML::Node&, T&, Diagnostics&, const std::string&)>;
  struct Option {
    std::string name, type, doc;
    std::function<std::string(const T&)> show_default;
    Loader load;
    std::function<void(std::vector<OptionDoc>&, const std::string&)> nested;
  };

  Schema& add(std::string name, std::string type, std::string doc,
              std::function<std::string(const T&)> show, Loader load) {
    options_.push_back(Option{std::move(name), std::move(type), std::move(doc), std::move(show),
                              std::move(load), nullptr});
    return *this;
  }

  const Option* find(const std::string& name) const {
    for (auto& o : options_)
      if (o.name == name) return &o;
    return nullptr;
  }

  static bool scalar(const YAML::Node& n, Diagnostics& d, const std::string& path, const std::string& want) {
    if (n.IsScalar()) return true;
    d.error(n, path + ": expected " + want + ", got " + describeNode(n));
    return false;
  }

  static std::string join(const std::vector<std::string>& v) {
    std::string out;
    for (auto& s : v) out += (out.empty() ? "" : ", ") + s;
    return out;
  }

  std::vector<Option> options_;
  std::vector<Check> checks_;
};

}  // namespace hinomi::config
