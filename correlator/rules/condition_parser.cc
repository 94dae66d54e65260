#include "correlator/rules/condition_parser.h"

#include <cctype>

namespace hinomi::rules {
namespace {

struct Token {
  enum class Kind { kWord, kLParen, kRParen, kPipe, kEnd } kind;
  std::string text;  // kWord, lower-cased for keywords via `is`
  size_t pos;        // 0-based offset in the condition
};

bool isWordChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '*' || c == '-' ||
         c == '.' || c == '?';
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// fnmatch-like, for `1 of sel*` (only `*` and `?` are special).
bool globMatch(std::string_view pat, std::string_view s) {
  size_t p = 0, i = 0, star = std::string_view::npos, mark = 0;
  while (i < s.size()) {
    if (p < pat.size() && (pat[p] == '?' || pat[p] == s[i])) {
      ++p, ++i;
    } else if (p < pat.size() && pat[p] == '*') {
      star = p++, mark = i;
    } else if (star != std::string_view::npos) {
      p = star + 1, i = ++mark;
    } else {
      return false;
    }
  }
  while (p < pat.size() && pat[p] == '*') ++p;
  return p == pat.size();
}

class Parser {
 public:
  Parser(std::string_view text, const std::vector<std::string>& names) : text_(text), names_(names) {}

  Result<Condition> parse() {
    if (auto st = tokenize(); !st) return tl::unexpected(st.error());
    auto c = parseOr();
    if (!c) return c;
    if (peek().kind != Token::Kind::kEnd) return fail(peek(), "unexpected '" + describe(peek()) + "'");
    return c;
  }

 private:
  tl::unexpected<Error> fail(const Token& t, const std::string& why) const {
    return makeError(ErrorCode::kConfig,
                     "condition column " + std::to_string(t.pos + 1) + ": " + why);
  }
  static std::string describe(const Token& t) {
    switch (t.kind) {
      case Token::Kind::kLParen: return "(";
      case Token::Kind::kRParen: return ")";
      case Token::Kind::kPipe: return "|";
      case Token::Kind::kEnd: return "end of condition";
      default: return t.text;
    }
  }

  Status tokenize() {
    size_t i = 0;
    while (i < text_.size()) {
      char c = text_[i];
      if (std::isspace(static_cast<unsigned char>(c))) {
        ++i;
      } else if (c == '(') {
        tokens_.push_back({Token::Kind::kLParen, "(", i++});
      } else if (c == ')') {
        tokens_.push_back({Token::Kind::kRParen, ")", i++});
      } else if (c == '|') {
        return fail({Token::Kind::kPipe, "|", i},
                    "aggregations ('| count() ...') are not supported; use a correlation rule");
      } else if (isWordChar(c)) {
        size_t start = i;
        while (i < text_.size() && isWordChar(text_[i])) ++i;
        tokens_.push_back({Token::Kind::kWord, std::string(text_.substr(start, i - start)), start});
      } else {
        return fail({Token::Kind::kWord, "", i}, std::string("unexpected character '") + c + "'");
      }
    }
    tokens_.push_back({Token::Kind::kEnd, "", text_.size()});
    return {};
  }

  const Token& peek() const { return tokens_[next_]; }
  bool isKeyword(const Token& t, std::string_view kw) const {
    return t.kind == Token::Kind::kWord && lower(t.text) == kw;
  }
  const Token& take() { return tokens_[next_ < tokens_.size() - 1 ? next_++ : next_]; }

  Result<Condition> parseOr() {
    auto left = parseAnd();
    if (!left) return left;
    if (!isKeyword(peek(), "or")) return left;
    Condition node{Condition::Type::kOr, -1, {std::move(*left)}};
    while (isKeyword(peek(), "or")) {
      take();
      auto right = parseAnd();
      if (!right) return right;
      node.children.push_back(std::move(*right));
    }
    return node;
  }

  Result<Condition> parseAnd() {
    auto left = parseNot();
    if (!left) return left;
    if (!isKeyword(peek(), "and")) return left;
    Condition node{Condition::Type::kAnd, -1, {std::move(*left)}};
    while (isKeyword(peek(), "and")) {
      take();
      auto right = parseNot();
      if (!right) return right;
      node.children.push_back(std::move(*right));
    }
    return node;
  }

  Result<Condition> parseNot() {
    if (isKeyword(peek(), "not")) {
      take();
      auto inner = parseNot();
      if (!inner) return inner;
      return Condition{Condition::Type::kNot, -1, {std::move(*inner)}};
    }
    return parsePrimary();
  }

  Result<Condition> parsePrimary() {
    const Token& t = peek();
    if (t.kind == Token::Kind::kLParen) {
      take();
      auto inner = parseOr();
      if (!inner) return inner;
      if (peek().kind != Token::Kind::kRParen)
        return fail(peek(), "expected ')' but found '" + describe(peek()) + "'");
      take();
      return inner;
    }
    if (t.kind != Token::Kind::kWord || isKeyword(t, "and") || isKeyword(t, "or") ||
        isKeyword(t, "of") || isKeyword(t, "them"))
      return fail(t, "expected a selection, 'not', '(' or '1 of' / 'all of' but found '" +
                         describe(t) + "'");
    if (t.text == "1" || isKeyword(t, "all") || isKeyword(t, "any")) {
      if (isKeyword(t, "any")) return fail(t, "'any of' is not Sigma; write '1 of'");
      Token quant = take();
      if (!isKeyword(peek(), "of")) return fail(peek(), "expected 'of' after '" + quant.text + "'");
      take();
      Token target = take();
      if (target.kind != Token::Kind::kWord)
        return fail(target, "expected a selection pattern or 'them' after 'of'");
      return expandOf(quant, target);
    }
    if (std::isdigit(static_cast<unsigned char>(t.text[0])) && t.text.find_first_not_of("0123456789") == std::string::npos)
      return fail(t, "only '1 of' and 'all of' are supported, not '" + t.text + " of'");
    if (t.text.find_first_of("*?") != std::string::npos)
      return fail(t, "a wildcard selection name needs '1 of' or 'all of'");
    Token name = take();
    for (size_t i = 0; i < names_.size(); ++i)
      if (names_[i] == name.text) return Condition{Condition::Type::kSelection, static_cast<int>(i), {}};
    return fail(name, "unknown selection '" + name.text + "'");
  }

  Result<Condition> expandOf(const Token& quant, const Token& target) {
    bool them = isKeyword(target, "them");
    Condition node{quant.text == "1" ? Condition::Type::kOr : Condition::Type::kAnd, -1, {}};
    for (size_t i = 0; i < names_.size(); ++i) {
      // `them` leaves out selections named _x, as pySigma does: they are helpers for other parts.
      bool hit = them ? names_[i].rfind('_', 0) != 0 : globMatch(target.text, names_[i]);
      if (hit) node.children.push_back(Condition{Condition::Type::kSelection, static_cast<int>(i), {}});
    }
    if (node.children.empty()) return fail(target, "'" + target.text + "' names no selection");
    if (node.children.size() == 1) return std::move(node.children[0]);
    return node;
  }

  std::string_view text_;
  const std::vector<std::string>& names_;
  std::vector<Token> tokens_;
  size_t next_ = 0;
};

}  // namespace

Result<Condition> parseCondition(std::string_view text, const std::vector<std::string>& selections) {
  return Parser(text, selections).parse();
}

std::string toString(const Condition& c, const std::vector<std::string>& names) {
  switch (c.type) {
    case Condition::Type::kSelection:
      return c.selection >= 0 && static_cast<size_t>(c.selection) < names.size() ? names[c.selection] : "?";
    case Condition::Type::kNot:
      return "not " + toString(c.children.at(0), names);
    case Condition::Type::kAnd:
    case Condition::Type::kOr: {
      std::string out = "(";
      for (size_t i = 0; i < c.children.size(); ++i) {
        if (i) out += c.type == Condition::Type::kAnd ? " and " : " or ";
        out += toString(c.children[i], names);
      }
      return out + ")";
    }
  }
  return "?";
}

}  // namespace hinomi::rules
