#pragma once
// One compiled decoder: which events it selects, the patterns that extract fields, and the
// constant, mapped and typed fields it sets. Built by the loader (decoder_loader.h), then only read.

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <re2/re2.h>

#include "common/event.h"
#include "common/result.h"
#include "correlator/decoders/field_types.h"

namespace hinomi::correlator {

// A named group of a pattern and the field it fills (`source_ip` → `source.ip`).
struct Capture {
  int group = 0;
  std::string field;
};

struct DecoderPattern {
  std::unique_ptr<RE2> regex;
  std::vector<Capture> captures;
  Fields fields;  // set when this pattern matches
};

// Copies (or, with remove_source, moves) a field a parser already set (JSON, key=value).
struct FieldMapping {
  std::string from;
  std::string to;
  bool remove_source = false;
};

struct Decoder {
  std::string name;
  Location location;                 // where it is defined, for messages
  int order = 100;                   // lower runs first; equal: load order
  // Selection: every part given must hold.
  std::vector<std::string> apps;     // Event::app equals one of them
  std::unique_ptr<RE2> app_regex;    // or Event::app matches this (partial match)
  std::string prefilter;             // substring of the matched text
  std::unique_ptr<RE2> prefilter_regex;
  std::vector<std::string> has_fields;
  std::string match_field;           // the text patterns run on: empty = Event::message; a field
                                     // name or @app / @host / @message (the event's own members)
  // Extraction: the first pattern that matches applies; no patterns = selection alone applies.
  std::vector<DecoderPattern> patterns;
  // Positional CSV: the text split on `csv_separator`, position i set as field csv_columns[i]
  // (an empty name skips the position). Applied before `map`, so maps and types see the columns.
  std::vector<std::string> csv_columns;
  char csv_separator = ',';
  std::vector<FieldMapping> mappings;
  Fields fields;                     // constants
  std::vector<std::pair<std::string, FieldType>> types;
};

// The text of `name` in `event`: @app, @host, @message name the event's members, anything else a
// string field. nullptr when absent or not a string.
const std::string* eventText(const Event& event, const std::string& name);

// True when `regex` can only match at the start of the text: it begins with ^ or \A and has no
// alternative outside parentheses ("^a|b" matches "xb"). False when unsure; that only costs speed.
bool anchoredAtStart(std::string_view regex);

// A re2 group name as a field name: `_` is a dot, `__` an underscore (re2 names cannot hold '.').
// `source_ip` → `source.ip`, `user__agent_original` → `user_agent.original`.
std::string fieldFromGroupName(const std::string& group);

}  // namespace hinomi::correlator
