#include "correlator/rules/value_modifiers.h"

#include <charconv>
#include <optional>
#include <set>

#include <re2/re2.h>

#include "common/text.h"

namespace hinomi::rules {
namespace {

bool isWordByte(char c) {
  auto u = static_cast<unsigned char>(c);
  return std::isalnum(u) || c == '_' || u >= 0x80;
}

tl::unexpected<Error> refuse(std::string why) { return makeError(ErrorCode::kConfig, std::move(why)); }

bool parseNumber(const std::string& s, double& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

std::string wildcardToRegex(const std::string& value, bool windash, std::optional<std::string>* plain) {
  std::string out, literal, unescaped;
  bool is_plain = true;
  auto flush = [&] {
    unescaped += literal;
    out += RE2::QuoteMeta(literal);
    literal.clear();
  };
  for (size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    if (c == '\\' && i + 1 < value.size() &&
        (value[i + 1] == '*' || value[i + 1] == '?' || value[i + 1] == '\\')) {
      literal += value[++i];
    } else if (c == '*') {
      flush();
      out += ".*";
      is_plain = false;
    } else if (c == '?') {
      flush();
      out += ".";
      is_plain = false;
    } else if (windash && (c == '-' || c == '/') && (i == 0 || !isWordByte(value[i - 1])) &&
               i + 1 < value.size() && isWordByte(value[i + 1])) {
      flush();
      out += "(?:-|/|\u2013|\u2014|\u2015)";
      is_plain = false;
    } else {
      literal += c;
    }
  }
  flush();
  if (plain != nullptr) {
    if (is_plain) *plain = std::move(unescaped);
    else plain->reset();
  }
  return out;
}

std::vector<std::string> base64Offsets(const std::string& value) {
  static const size_t kStart[] = {0, 2, 3};
  static const int kEndTrim[] = {0, 3, 2};  // indexed by (len + shift) % 3
  std::vector<std::string> out;
  for (size_t shift = 0; shift < 3; ++shift) {
    std::string b64 = base64Encode(std::string(shift, ' ') + value);
    size_t end = b64.size() - static_cast<size_t>(kEndTrim[(value.size() + shift) % 3]);
    if (end <= kStart[shift]) continue;
    out.push_back(b64.substr(kStart[shift], end - kStart[shift]));
  }
  return out;
}

Result<Item> buildItem(const std::string& field, const std::vector<std::string>& modifiers,
                       const std::vector<Value>& values, Rule& rule) {
  static const std::set<std::string> kKnown = {
      "contains", "startswith", "endswith", "all", "re", "i", "m", "s", "cidr", "windash",
      "base64", "base64offset", "exists", "fieldref", "lt", "lte", "gt", "gte", "cased"};
  std::set<std::string> mods;
  for (const auto& m : modifiers) {
    if (!kKnown.count(m)) {
      if (m == "utf16le" || m == "utf16be" || m == "utf16" || m == "wide")
        return refuse("modifier '" + m + "' (UTF-16 encodings) is not supported");
      if (m == "expand") return refuse("modifier 'expand' (placeholders) is not supported");
      return refuse("unknown modifier '" + m + "'");
    }
    if (!mods.insert(m).second) return refuse("modifier '" + m + "' given twice");
  }
  auto has = [&](const char* m) { return mods.count(m) > 0; };
  int position = has("contains") + has("startswith") + has("endswith");
  if (position > 1) return refuse("only one of contains, startswith, endswith may be given");
  bool re = has("re");
  if ((has("i") || has("m") || has("s")) && !re) return refuse("modifiers i, m, s only go with 're'");
  if (re && mods.size() - has("i") - has("m") - has("s") - has("all") > 1)
    return refuse("'re' cannot be combined with other modifiers than i, m, s");
  if (has("base64offset") && !has("contains")) return refuse("'base64offset' needs 'contains'");
  if (has("base64") && has("base64offset")) return refuse("'base64' and 'base64offset' exclude each other");
  if ((has("base64") || has("base64offset")) && (has("windash") || has("cased")))
    return refuse("base64 values are exact bytes: no 'windash' or 'cased' with them");
  const char* special[] = {"cidr", "exists", "fieldref", "lt", "lte", "gt", "gte"};
  for (const char* sp : special) {
    if (!has(sp)) continue;
    if (mods.size() - has("all") > 1)
      return refuse(std::string("'") + sp + "' cannot be combined with other modifiers");
  }
  if (field.empty() && (has("exists") || has("fieldref")))
    return refuse("keywords (values without a field) take no 'exists' or 'fieldref'");
  if (values.empty()) return refuse("a detection item needs at least one value");

  Item item;
  item.all = has("all");
  std::string target = field.empty() ? "message" : field;
  for (const auto& v : values) {
    Predicate p;
    p.field = target;
    if (v.is_null) {
      if (!mods.empty()) return refuse("a null value takes no modifiers");
      p.kind = PredicateKind::kNull;
    } else if (has("exists")) {
      p.kind = PredicateKind::kExists;
      if (v.text == "true" || v.text == "yes") p.exists = true;
      else if (v.text == "false" || v.text == "no") p.exists = false;
      else return refuse("'exists' takes true or false, not '" + v.text + "'");
    } else if (has("cidr")) {
      auto c = parseCidr(v.text);
      if (!c) return refuse("'" + v.text + "' is not an IPv4 or IPv6 network (cidr)");
      p.kind = PredicateKind::kCidr;
      p.cidr = *c;
    } else if (has("lt") || has("lte") || has("gt") || has("gte")) {
      p.kind = PredicateKind::kNumeric;
      p.op = has("lt") ? NumericOp::kLt : has("lte") ? NumericOp::kLte : has("gt") ? NumericOp::kGt : NumericOp::kGte;
      if (!parseNumber(v.text, p.number)) return refuse("'" + v.text + "' is not a number");
    } else if (has("fieldref")) {
      if (v.text.empty()) return refuse("'fieldref' needs a field name");
      p.kind = PredicateKind::kFieldRef;
      p.other_field = v.text;
    } else if (re) {
      std::string flags = std::string(has("i") ? "i" : "") + (has("m") ? "m" : "") + (has("s") ? "s" : "");
      p.pattern = "(?" + flags + ":" + v.text + ")";
      RE2::Options opts;
      opts.set_log_errors(false);
      RE2 check(p.pattern, opts);
      if (!check.ok()) return refuse("regex '" + v.text + "' is not valid RE2 syntax: " + check.error());
    } else {
      std::string body;
      std::optional<std::string> plain;
      bool cased = has("cased");
      if (has("base64")) {
        plain = base64Encode(v.text);
        body = RE2::QuoteMeta(*plain);
        cased = true;
      } else if (has("base64offset")) {
        auto variants = base64Offsets(v.text);
        if (variants.empty()) return refuse("'base64offset' needs a non-empty value");
        body = "(?:";
        for (size_t i = 0; i < variants.size(); ++i) body += (i ? "|" : "") + RE2::QuoteMeta(variants[i]);
        body += ")";
        cased = true;
      } else {
        // RE2 reads patterns as UTF-8: such a value would fail the whole field's set, not just
        // this rule (base64 encodes the bytes, so any value is fine there).
        if (!isValidUtf8(v.text)) return refuse("a value is not valid UTF-8 text");
        body = wildcardToRegex(v.text, has("windash"), &plain);
      }
      // Keywords are searched anywhere in the message, as Sigma backends do for full-text search.
      // The sets search unanchored, so a free end is simply left unanchored: `\A…\z` for a whole
      // value, one anchor for startswith / endswith, none for contains. (Spelling it `.*x.*` made
      // a 1,000-pattern set several times slower.)
      bool contains = has("contains") || field.empty();
      bool anchor_start = !contains && !has("endswith");
      bool anchor_end = !contains && !has("startswith");
      p.pattern = std::string(anchor_start ? "\\A" : "") + "(?" + (cased ? "s" : "is") + ":" + body + ")" +
                  (anchor_end ? "\\z" : "");
      if (anchor_start && anchor_end && plain) {
        p.exact = std::move(plain);
        p.cased = cased;
      }
    }
    item.predicates.push_back(static_cast<int>(rule.predicates.size()));
    rule.predicates.push_back(std::move(p));
  }
  return item;
}

}  // namespace hinomi::rules
