#pragma once
// A Sigma rule as the reader produced it: its metadata, its predicates (one per value of a
// detection item), its selections (how predicates combine) and its parsed condition.
// docs/rules.md describes the subset of Sigma this models.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "correlator/rules/cidr.h"

namespace hinomi::rules {

struct LogSource {
  std::string product;
  std::string service;
  std::string category;
};

enum class PredicateKind {
  kPattern,   // an RE2 pattern over the field's text: goes into the field's RE2::Set
  kNull,      // the field is absent or empty
  kExists,    // `|exists: true/false`
  kNumeric,   // `|lt`, `|lte`, `|gt`, `|gte`
  kCidr,      // `|cidr`
  kFieldRef,  // `|fieldref`: equal to another field of the same event
};

enum class NumericOp { kLt, kLte, kGt, kGte };

struct Predicate {
  PredicateKind kind = PredicateKind::kPattern;
  std::string field;         // after field mapping; keywords use "message"
  std::string pattern;       // kPattern: RE2 syntax, anchors and flags included
  // kPattern that compares the whole value with plain text (no wildcard, contains, startswith,
  // endswith or re): that text, so the matcher can look it up instead of scanning for it.
  std::optional<std::string> exact;
  bool cased = false;        // `exact` compares case-sensitively (|cased, base64)
  bool exists = true;        // kExists
  NumericOp op = NumericOp::kLt;
  double number = 0;         // kNumeric
  Cidr cidr;                 // kCidr
  std::string other_field;   // kFieldRef
  bool gate = false;         // added by a pipeline's logsource routing, not written in the rule
};

// One detection item (a field with its modifiers and values): the values' predicates are ORed,
// or ANDed with `|all`.
struct Item {
  std::vector<int> predicates;  // indexes into Rule::predicates
  bool all = false;
};

// A map of items, all of which must hold.
using Conjunction = std::vector<Item>;

// A named selection: a map (one conjunction) or a list of maps / keywords (any alternative).
struct Selection {
  std::string name;
  std::vector<Conjunction> alternatives;
};

struct Condition {
  enum class Type { kSelection, kNot, kAnd, kOr };
  Type type = Type::kSelection;
  int selection = -1;               // kSelection: index into Rule::selections
  std::vector<Condition> children;  // kNot: one; kAnd / kOr: two or more
};

struct Rule {
  std::string id;
  std::string name;  // optional; correlation rules may refer to a rule by it
  std::string title;
  std::string status;
  std::string level;
  std::string description;
  std::vector<std::string> tags;
  LogSource logsource;
  std::vector<Predicate> predicates;
  std::vector<Selection> selections;
  Condition condition;
  Location location;  // where the rule's document starts
};

}  // namespace hinomi::rules
