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
  auto& errors = event.fields[kDecodeErrors];
  if (!errors.is_array()) errors = nlohmann::json::array();
  if (std::find(errors.begin(), errors.end(), field) == errors.end()) errors.push_back(field);
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
      set = std::make_unique<RE2::Set>(options, RE2::UNANCHORED);
      bool ok = true;
      for (const auto& p : d.patterns) ok = ok && set->Add(p.regex->pattern(), nullptr) >= 0;
      // Without a set (it could not be built) the patterns are tried one by one, as before.
      if (!ok || !set->Compile()) set.reset();
    }
    pattern_sets_.push_back(std::move(set));
  }
}

namespace {
// Working memory of decode(), kept per thread so the steady state allocates no vectors.
struct DecodeScratch {
  std::vector<re2::StringPiece> groups;
  std::vector<const std::string*> touched;  // field names this decoder wrote, for its `types`
  std::vector<int> set_hits;
  std::vector<std::pair<const std::string*, std::string>> values;
};
}  // namespace

bool DecoderSet::decode(Event& event) const {
  thread_local DecodeScratch scratch;
  std::string applied;
  auto& groups = scratch.groups;
  auto& touched = scratch.touched;
  auto& set_hits = scratch.set_hits;
  for (size_t di = 0; di < decoders_.size(); ++di) {
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
      nlohmann::json value;
      if (m.from.front() == '@') {
        const std::string* member = eventText(event, m.from);
        if (member == nullptr || member->empty()) continue;
        value = *member;
      } else {
        if (!event.fields.is_object()) continue;
        auto& object = event.fields.get_ref<nlohmann::json::object_t&>();
        auto it = object.find(m.from);
        if (it == object.end()) continue;
        if (m.remove_source) {
          // A rename: the map node moves to its new key, nothing is copied or allocated.
          auto node = object.extract(it);
          node.key() = m.to;
          object.erase(m.to);
          object.insert(std::move(node));
          touched.push_back(&m.to);
          continue;
        }
        value = it->second;
      }
      event.fields[m.to] = std::move(value);
      touched.push_back(&m.to);
    }
    if (hit != nullptr) {
      // Copied before writing: the text may be a field this decoder overwrites.
      auto& values = scratch.values;
      values.clear();
      for (const auto& c : hit->captures) {
        const auto& g = groups[c.group];
        if (g.data() != nullptr && !g.empty()) values.emplace_back(&c.field, std::string(g.data(), g.size()));
      }
      for (auto& [field, value] : values) {
        event.fields[*field] = std::move(value);
        touched.push_back(field);
      }
      for (auto it = hit->fields.begin(); it != hit->fields.end(); ++it) {
        event.fields[it.key()] = it.value();
        touched.push_back(&it.key());
      }
    }
    for (auto it = d.fields.begin(); it != d.fields.end(); ++it) {
      event.fields[it.key()] = it.value();
      touched.push_back(&it.key());
    }
    for (const auto& typed : d.types) {
      const std::string& field = typed.first;
      const FieldType type = typed.second;
      if (std::none_of(touched.begin(), touched.end(), [&field](const std::string* t) { return *t == field; })) continue;
      auto it = event.fields.find(field);
      if (it == event.fields.end()) continue;
      if (auto converted = convertField(*it, type)) *it = std::move(*converted);
      else flagError(event, field);
    }
    if (!applied.empty()) applied.push_back(',');
    applied += d.name;
  }
  if (applied.empty()) return false;
  event.decoder = std::move(applied);
  return true;
}

}  // namespace hinomi::correlator
