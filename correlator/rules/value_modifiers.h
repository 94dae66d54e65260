#pragma once
// Turns one detection item (`Field|mod1|mod2: values`) into predicates: wildcards and the string
// modifiers become one RE2 pattern per value (so they can join the field's RE2::Set); cidr, exists,
// fieldref and the numeric comparisons become predicates evaluated on their own.

#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "correlator/rules/rule.h"

namespace hinomi::rules {

// A YAML scalar of a detection value: null (`~`, empty) or its text.
struct Value {
  bool is_null = false;
  std::string text;
};

// Appends the item's predicates to `rule.predicates` and returns the item. `field` empty means
// keywords (matched anywhere in `message`). The error message says which modifier or value is
// unsupported; the caller adds the location.
[[nodiscard]] Result<Item> buildItem(const std::string& field, const std::vector<std::string>& modifiers,
                                     const std::vector<Value>& values, Rule& rule);

// The regex body for a Sigma string with `*`, `?` and `\` escapes; `windash` also lets a dash or
// slash that starts a word be any of - / – — ―. `plain`, when given, receives the value unescaped
// if it has no wildcard and windash changes nothing (it is then plain text), else nothing.
std::string wildcardToRegex(const std::string& value, bool windash, std::optional<std::string>* plain = nullptr);

// The three base64 encodings of `value` at offsets 0, 1, 2 with the unstable edge characters
// trimmed (what `|base64offset|contains` looks for), as pySigma computes them.
std::vector<std::string> base64Offsets(const std::string& value);

}  // namespace hinomi::rules
