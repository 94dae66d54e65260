#pragma once
// The loaded decoders in the order they apply. decode() is const and thread-safe: a set is built
// once at load and shared read-only by every worker; reload swaps the whole set.

#include <bitset>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <re2/set.h>

#include "common/event.h"
#include "correlator/decoders/decoder.h"

namespace hinomi::correlator {

class DecoderSet {
 public:
  DecoderSet();
  ~DecoderSet();
  DecoderSet(DecoderSet&&) noexcept;
  DecoderSet& operator=(DecoderSet&&) noexcept;
  // Sorts by `order`, stable, so equal orders keep the load order (directory, file name, position).
  explicit DecoderSet(std::vector<Decoder> decoders);

  // Applies every decoder that selects `event`, in order; each sees the fields of the ones before.
  // Sets event.decoder to the names that applied, comma-separated ("pam,sshd"), and the fields.
  // A typed value that does not convert stays text and its field name is added to the list
  // `hinomi.decode_errors`. Returns whether any decoder applied.
  bool decode(Event& event) const;

  const std::vector<Decoder>& decoders() const { return decoders_; }
  size_t size() const { return decoders_.size(); }

 private:
  std::vector<Decoder> decoders_;
  // Per decoder with several patterns: all of them in one RE2::Set, so one scan of the text says
  // which (if any) matches, and only that one runs again to extract its groups.
  std::vector<std::unique_ptr<RE2::Set>> pattern_sets_;
  // The decoders that can select an event, in order, by its app: those listing the app plus those
  // listing none or matching apps by regex (decoding never changes the app). Most decoders name their program, so an event
  // meets two or three of them instead of all.
  std::unordered_map<std::string, std::vector<uint32_t>> candidates_by_app_;
  std::vector<uint32_t> candidates_any_app_;
  // Those whose app test passes for `app`, app_regex included, and for the decoders whose patterns
  // read the app itself (`field: '@app'`, e.g. `syslog`) what they matched: remembered per thread
  // and app (an app repeats on nearly every line; the regexes would otherwise run for every event).
  struct AppCandidates;
  const AppCandidates& candidatesFor(const std::string& app) const;
  // Selection by text and the patterns: the index of the pattern that matched (its groups in
  // `groups`), kNoPatterns when the decoder has none but selects the text, kNotSelected otherwise.
  static constexpr int kNoPatterns = -1, kNotSelected = -2;
  int matchText(uint32_t di, const std::string& text, std::vector<re2::StringPiece>& groups,
                std::vector<int>& set_hits) const;
  uint64_t id_ = 0;  // tells one set's remembered candidates from another's
  // Per decoder, per entry of its `types`: which type (if any) each field it writes has, so the
  // types are applied by index instead of by comparing names.
  struct Typing {
    std::vector<std::vector<int>> captures;        // [pattern][capture]
    std::vector<std::vector<int>> pattern_fields;  // [pattern][constant of the pattern]
    std::vector<int> columns;  // per csv column (-1: skipped)
    std::vector<int> mappings;
    std::vector<int> fields;
  };
  std::vector<Typing> typing_;
  // Per decoder whose patterns are all anchored at the start: the first bytes a match can begin
  // with (RE2::PossibleMatchRange), so a text starting otherwise skips its patterns. pam's five
  // meet every syslog line and most begin elsewhere ("Failed …", "CMD …").
  std::vector<std::bitset<256>> first_bytes_;
};

}  // namespace hinomi::correlator
