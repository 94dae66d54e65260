#include "correlator/decoders/decoder_set.h"

#include <algorithm>

namespace hinomi::correlator {
namespace {

constexpr const char* kDecodeErrors = "hinomi.decode_errors";

// The cheap part of the selection (app, fields present), checked before the text is looked up.
bool selectsEvent(const Decoder& d, const Event& event) {
  bool app_listed = !d.apps.empty() && std::find(d.apps.begin(), d.apps.end(), event.app) != d.apps.end();
  bool app_matched = !app_listed && d.app_regex && RE2::PartialMatch(event.app, *d.app_regex);
  if ((!d.apps.empty() || d.app_regex) && !app_listed && !app_matched) return false;
  for (const auto& f : d.has_fields)
    if (!event.fields.contains(f)) return false;
  return true;
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
    if (d.patterns.size() > 1) {
      // Anchored patterns in an unanchored set still scan the whole text (the set puts .* before
      // them); anchored, the scan ends where the last pattern fails, a few bytes in for most
      // events. pam's patterns meet every syslog line.
      const bool anchored = std::all_of(d.patterns.begin(), d.patterns.end(), [](const DecoderPattern& p) {
        return anchoredAtStart(p.regex->pattern());
      });
      set = std::make_unique<RE2::Set>(options, anchored ? RE2::ANCHOR_START : RE2::UNANCHORED);
      bool ok = true;
      for (const auto& p : d.patterns) ok = ok && set->Add(p.regex->pattern(), nullptr) >= 0;
      // Without a set (it could not be built) the patterns are tried one by one, as before.
      if (!ok || !set->Compile()) set.reset();
    }
    pattern_sets_.push_back(std::move(set));
  }
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

namespace {
// Working memory of decode(), kept per thread so the steady state allocates no vectors.
struct DecodeScratch {
  std::vector<re2::StringPiece> groups;
  std::vector<const std::string*> touched;  // field names this decoder wrote, for its `types`
  std::vector<int> set_hits;
  std::vector<std::pair<const std::string*, std::string>> values;  // [0, value_count) in use
  size_t value_count = 0;
};
}  // namespace

bool DecoderSet::decode(Event& event) const {
  thread_local DecodeScratch scratch;
  std::string applied;
  auto& groups = scratch.groups;
  auto& touched = scratch.touched;
  auto& set_hits = scratch.set_hits;
  auto listed = candidates_by_app_.find(event.app);
  const auto& candidates = listed != candidates_by_app_.end() ? listed->second : candidates_any_app_;
  for (uint32_t di : candidates) {
    const Decoder& d = decoders_[di];
    if (!selectsEvent(d, event)) continue;
    const std::string* text = eventText(event, d.match_field);
    if (text == nullptr) {
      if (!d.patterns.empty() || !d.prefilter.empty() || d.prefilter_regex) continue;
      static const std::string kEmpty;
      text = &kEmpty;
    }
    if (!selectsText(d, *text)) continue;
    const DecoderPattern* hit = nullptr;
    size_t first = 0;
    if (const RE2::Set* set = pattern_sets_[di].get()) {
      set_hits.clear();
      if (!set->Match(*text, &set_hits)) continue;
      first = size_t(*std::min_element(set_hits.begin(), set_hits.end()));
    }
    for (size_t pi = first; pi < d.patterns.size(); ++pi) {
      const auto& p = d.patterns[pi];
      groups.assign(p.regex->NumberOfCapturingGroups() + 1, re2::StringPiece());
      if (p.regex->Match(*text, 0, text->size(), RE2::UNANCHORED, groups.data(), static_cast<int>(groups.size()))) {
        hit = &p;
        break;
      }
    }
    if (!d.patterns.empty() && hit == nullptr) continue;

    touched.clear();
    for (const auto& m : d.mappings) {
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
      touched.push_back(&m.to);
    }
    if (hit != nullptr) {
      // A field's text is copied before writing: this decoder may overwrite or move that field.
      // The message and the other members are not fields and are read in place.
      const bool text_is_field = !d.match_field.empty() && d.match_field.front() != '@';
      auto& values = scratch.values;
      scratch.value_count = 0;
      for (const auto& c : hit->captures) {
        const auto& g = groups[c.group];
        if (g.data() == nullptr || g.empty()) continue;
        if (!text_is_field) {
          event.fields[c.field].assignString(std::string_view(g.data(), g.size()));
          touched.push_back(&c.field);
          continue;
        }
        if (scratch.value_count == values.size()) values.emplace_back();
        auto& slot = values[scratch.value_count++];
        slot.first = &c.field;
        slot.second.assign(g.data(), g.size());
      }
      for (size_t i = 0; i < scratch.value_count; ++i) {
        event.fields[*values[i].first].assignString(values[i].second);
        touched.push_back(values[i].first);
      }
      for (const auto& f : hit->fields) {
        event.fields[f.name] = f.value;
        touched.push_back(&f.name);
      }
    }
    for (const auto& f : d.fields) {
      event.fields[f.name] = f.value;
      touched.push_back(&f.name);
    }
    for (const auto& typed : d.types) {
      const std::string& field = typed.first;
      const FieldType type = typed.second;
      if (std::none_of(touched.begin(), touched.end(), [&field](const std::string* t) { return *t == field; })) continue;
      FieldValue* value = event.fields.find(field);
      if (value == nullptr) continue;
      if (!convertInPlace(*value, type)) flagError(event, field);
    }
    if (!applied.empty()) applied.push_back(',');
    applied += d.name;
  }
  if (applied.empty()) return false;
  event.decoder = std::move(applied);
  return true;
}

}  // namespace hinomi::correlator
