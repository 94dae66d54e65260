#include "correlator/decoders/decoder_set.h"

#include <algorithm>
#include <atomic>

#include "correlator/decoders/csv_columns.h"

namespace hinomi::correlator {
namespace {

constexpr const char* kDecodeErrors = "hinomi.decode_errors";

bool selectsApp(const Decoder& d, const std::string& app) {
  if (d.apps.empty() && !d.app_regex) return true;
  if (std::find(d.apps.begin(), d.apps.end(), app) != d.apps.end()) return true;
  return d.app_regex && RE2::PartialMatch(app, *d.app_regex);
}

bool hasFields(const Decoder& d, const Event& event) {
  for (const auto& f : d.has_fields)
    if (!event.fields.contains(f)) return false;
  return true;
}

int typeIndex(const Decoder& d, const std::string& field) {
  for (size_t i = 0; i < d.types.size(); ++i)
    if (d.types[i].first == field) return int(i);
  return -1;
}

std::atomic<uint64_t> next_set_id{1};

// The bytes an anchored match of any of `patterns` can start with; every byte when unsure (a
// pattern that may match the empty string, or one RE2 gives no range for).
std::bitset<256> firstBytes(const std::vector<DecoderPattern>& patterns, bool anchored) {
  std::bitset<256> out;
  if (!anchored) return out.set();
  for (const auto& p : patterns) {
    std::string min, max;
    if (!p.regex->PossibleMatchRange(&min, &max, 8) || min.empty() || max.empty()) return out.set();
    for (unsigned b = static_cast<unsigned char>(min[0]); b <= static_cast<unsigned char>(max[0]); ++b) out.set(b);
  }
  return out;
}

bool selectsText(const Decoder& d, const std::string& text) {
  if (!d.prefilter.empty() && text.find(d.prefilter) == std::string::npos) return false;
  if (d.prefilter_regex && !RE2::PartialMatch(text, *d.prefilter_regex)) return false;
  return true;
}

void flagError(Event& event, const std::string& field) {
  FieldValue& errors = event.fields[kDecodeErrors];
  nlohmann::json list = errors.isArray() ? errors.toJson() : nlohmann::json::array();
  if (!list.is_array()) list = nlohmann::json::array();
  if (std::find(list.begin(), list.end(), field) == list.end()) list.push_back(field);
  errors = FieldValue::fromJson(list);
}

}  // namespace

DecoderSet::DecoderSet() = default;
DecoderSet::~DecoderSet() = default;
DecoderSet::DecoderSet(DecoderSet&&) noexcept = default;
DecoderSet& DecoderSet::operator=(DecoderSet&&) noexcept = default;

DecoderSet::DecoderSet(std::vector<Decoder> decoders) : decoders_(std::move(decoders)) {
  std::stable_sort(decoders_.begin(), decoders_.end(),
                   [](const Decoder& a, const Decoder& b) { return a.order < b.order; });
  RE2::Options options;
  options.set_log_errors(false);
  for (const auto& d : decoders_) {
    std::unique_ptr<RE2::Set> set;
    const bool anchored = !d.patterns.empty() && std::all_of(d.patterns.begin(), d.patterns.end(), [](const DecoderPattern& p) {
      return anchoredAtStart(p.regex->pattern());
    });
    first_bytes_.push_back(firstBytes(d.patterns, anchored));
    if (d.patterns.size() > 1) {
      // Anchored patterns in an unanchored set still scan the whole text (the set puts .* before
      // them); anchored, the scan ends where the last pattern fails, a few bytes in for most
      // events. pam's patterns meet every syslog line.
      set = std::make_unique<RE2::Set>(options, anchored ? RE2::ANCHOR_START : RE2::UNANCHORED);
      bool ok = true;
      for (const auto& p : d.patterns) ok = ok && set->Add(p.regex->pattern(), nullptr) >= 0;
      // Without a set (it could not be built) the patterns are tried one by one, as before.
      if (!ok || !set->Compile()) set.reset();
    }
    pattern_sets_.push_back(std::move(set));
    Typing& t = typing_.emplace_back();
    for (const auto& p : d.patterns) {
      auto& captures = t.captures.emplace_back();
      for (const auto& c : p.captures) captures.push_back(typeIndex(d, c.field));
      auto& fields = t.pattern_fields.emplace_back();
      for (const auto& f : p.fields) fields.push_back(typeIndex(d, f.name));
    }
    for (const auto& c : d.csv_columns) t.columns.push_back(c.empty() ? -1 : typeIndex(d, c));
    for (const auto& m : d.mappings) t.mappings.push_back(typeIndex(d, m.to));
    for (const auto& f : d.fields) t.fields.push_back(typeIndex(d, f.name));
  }
  id_ = next_set_id.fetch_add(1);
  for (uint32_t i = 0; i < decoders_.size(); ++i)
    if (decoders_[i].apps.empty() || decoders_[i].app_regex) candidates_any_app_.push_back(i);
  for (uint32_t i = 0; i < decoders_.size(); ++i)
    for (const auto& app : decoders_[i].apps) candidates_by_app_.try_emplace(app);
  for (auto& [app, list] : candidates_by_app_)
    for (uint32_t i = 0; i < decoders_.size(); ++i) {
      const auto& apps = decoders_[i].apps;
      if (apps.empty() || decoders_[i].app_regex || std::find(apps.begin(), apps.end(), app) != apps.end())
        list.push_back(i);
    }
}

struct DecoderSet::AppCandidates {
  static constexpr int kNotRemembered = -3;
  std::vector<uint32_t> decoders;
  std::vector<int> app_hit;  // per decoder: matchText's answer on the app, or kNotRemembered
  std::vector<std::vector<std::pair<uint32_t, uint32_t>>> app_groups;  // its groups: offset, size
};

const DecoderSet::AppCandidates& DecoderSet::candidatesFor(const std::string& app) const {
  struct Memo {
    uint64_t set = 0;
    std::unordered_map<std::string, AppCandidates> by_app;
  };
  thread_local Memo memo;
  if (memo.set != id_) {
    memo.by_app.clear();
    memo.set = id_;
  }
  if (auto found = memo.by_app.find(app); found != memo.by_app.end()) return found->second;
  if (memo.by_app.size() >= 4096) memo.by_app.clear();  // bounded: apps such as %ASA-6-302013 vary
  auto listed = candidates_by_app_.find(app);
  const auto& all = listed != candidates_by_app_.end() ? listed->second : candidates_any_app_;
  AppCandidates out;
  std::vector<re2::StringPiece> groups;
  std::vector<int> set_hits;
  for (uint32_t di : all) {
    if (!selectsApp(decoders_[di], app)) continue;
    out.decoders.push_back(di);
    auto& spans = out.app_groups.emplace_back();
    if (decoders_[di].match_field != "@app") {
      out.app_hit.push_back(AppCandidates::kNotRemembered);
      continue;
    }
    const int hit = matchText(di, app, groups, set_hits);
    out.app_hit.push_back(hit);
    if (hit >= 0)
      for (const auto& g : groups)  // a group that took no part keeps a null offset
        spans.emplace_back(g.data() == nullptr ? UINT32_MAX : uint32_t(g.data() - app.data()), uint32_t(g.size()));
  }
  return memo.by_app.emplace(app, std::move(out)).first->second;
}

int DecoderSet::matchText(uint32_t di, const std::string& text, std::vector<re2::StringPiece>& groups,
                          std::vector<int>& set_hits) const {
  const Decoder& d = decoders_[di];
  if (!selectsText(d, text)) return kNotSelected;
  if (d.patterns.empty()) return kNoPatterns;
  if (!text.empty() && !first_bytes_[di].test(static_cast<unsigned char>(text[0]))) return kNotSelected;
  size_t first = 0;
  if (const RE2::Set* set = pattern_sets_[di].get()) {
    set_hits.clear();
    if (!set->Match(text, &set_hits)) return kNotSelected;
    first = size_t(*std::min_element(set_hits.begin(), set_hits.end()));
  }
  for (size_t pi = first; pi < d.patterns.size(); ++pi) {
    const auto& p = d.patterns[pi];
    groups.assign(p.regex->NumberOfCapturingGroups() + 1, re2::StringPiece());
    if (p.regex->Match(text, 0, text.size(), RE2::UNANCHORED, groups.data(), static_cast<int>(groups.size())))
      return int(pi);
  }
  return kNotSelected;
}

namespace {
// Working memory of decode(), kept per thread so the steady state allocates no vectors.
struct DecodeScratch {
  std::vector<re2::StringPiece> groups;
  std::vector<uint8_t> typed;  // per entry of the decoder's `types`: it wrote that field
  std::string applied;         // the names of the decoders that applied, comma-separated
  std::vector<int> set_hits;
  std::vector<std::pair<const std::string*, std::string>> values;  // [0, value_count) in use
  size_t value_count = 0;
  std::vector<std::string> csv;  // a csv decoder's values
};
}  // namespace

bool DecoderSet::decode(Event& event) const {
  thread_local DecodeScratch scratch;
  std::string& applied = scratch.applied;
  applied.clear();
  auto& groups = scratch.groups;
  auto& typed = scratch.typed;
  auto& set_hits = scratch.set_hits;
  const AppCandidates& candidates = candidatesFor(event.app);
  for (size_t k = 0; k < candidates.decoders.size(); ++k) {
    const uint32_t di = candidates.decoders[k];
    const Decoder& d = decoders_[di];
    const Typing& typing = typing_[di];
    if (!hasFields(d, event)) continue;
    int hit_index = candidates.app_hit[k];
    if (hit_index == AppCandidates::kNotRemembered) {
      const std::string* text = eventText(event, d.match_field);
      if (text == nullptr) {
        if (!d.patterns.empty() || !d.prefilter.empty() || d.prefilter_regex) continue;
        static const std::string kEmpty;
        text = &kEmpty;
      }
      hit_index = matchText(di, *text, groups, set_hits);
    } else if (hit_index >= 0) {  // the app's remembered groups, over this event's app
      groups.clear();
      for (const auto& [offset, size] : candidates.app_groups[k])
        groups.emplace_back(offset == UINT32_MAX ? nullptr : event.app.data() + offset, size);
    }
    if (hit_index == kNotSelected) continue;
    const DecoderPattern* hit = hit_index >= 0 ? &d.patterns[size_t(hit_index)] : nullptr;

    typed.assign(d.types.size(), 0);
    auto wrote = [&typed](int type) {
      if (type >= 0) typed[size_t(type)] = 1;
    };
    if (!d.csv_columns.empty()) {
      const std::string* text = eventText(event, d.match_field);
      // Split into owned strings first: the text may be a field that a column overwrites.
      splitCsv(text ? std::string_view(*text) : std::string_view(), d.csv_separator, scratch.csv);
      const size_t n = std::min(scratch.csv.size(), d.csv_columns.size());
      for (size_t ci = 0; ci < n; ++ci) {
        if (d.csv_columns[ci].empty() || scratch.csv[ci].empty()) continue;
        event.fields[d.csv_columns[ci]].assignString(scratch.csv[ci]);
        wrote(typing.columns[ci]);
      }
    }
    for (size_t mi = 0; mi < d.mappings.size(); ++mi) {
      const auto& m = d.mappings[mi];
      if (m.from.front() == '@') {
        const std::string* member = eventText(event, m.from);
        if (member == nullptr || member->empty()) continue;
        event.fields[m.to].assignString(*member);
      } else if (m.remove_source) {
        if (!event.fields.rename(m.from, m.to)) continue;  // a rename moves nothing but the name
      } else {
        const FieldValue* source = event.fields.find(m.from);
        if (source == nullptr) continue;
        FieldValue value = *source;  // copied: adding m.to may move the slots
        event.fields[m.to] = std::move(value);
      }
      wrote(typing.mappings[mi]);
    }
    if (hit != nullptr) {
      // A field's text is copied before writing: this decoder may overwrite or move that field.
      // The message and the other members are not fields and are read in place.
      const bool text_is_field = !d.match_field.empty() && d.match_field.front() != '@';
      auto& values = scratch.values;
      scratch.value_count = 0;
      for (size_t ci = 0; ci < hit->captures.size(); ++ci) {
        const auto& c = hit->captures[ci];
        const auto& g = groups[c.group];
        if (g.data() == nullptr || g.empty()) continue;
        wrote(typing.captures[size_t(hit_index)][ci]);
        if (!text_is_field) {
          event.fields[c.field].assignString(std::string_view(g.data(), g.size()));
          continue;
        }
        if (scratch.value_count == values.size()) values.emplace_back();
        auto& slot = values[scratch.value_count++];
        slot.first = &c.field;
        slot.second.assign(g.data(), g.size());
      }
      for (size_t i = 0; i < scratch.value_count; ++i) event.fields[*values[i].first].assignString(values[i].second);
      size_t fi = 0;
      for (const auto& f : hit->fields) {
        event.fields[f.name] = f.value;
        wrote(typing.pattern_fields[size_t(hit_index)][fi++]);
      }
    }
    size_t fi = 0;
    for (const auto& f : d.fields) {
      event.fields[f.name] = f.value;
      wrote(typing.fields[fi++]);
    }
    for (size_t ti = 0; ti < d.types.size(); ++ti) {
      if (!typed[ti]) continue;
      const std::string& field = d.types[ti].first;
      FieldValue* value = event.fields.find(field);
      if (value == nullptr) continue;
      if (!convertInPlace(*value, d.types[ti].second)) flagError(event, field);
    }
    if (!applied.empty()) applied.push_back(',');
    applied += d.name;
  }
  if (applied.empty()) return false;
  event.decoder.assign(applied);  // into the event's kept buffer ("syslog,fortigate" is past SSO)
  return true;
}

}  // namespace hinomi::correlator
