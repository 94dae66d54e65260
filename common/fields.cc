#include "common/fields.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <limits>
#include <ostream>

#include <nlohmann/json.hpp>

#include "common/json_writer.h"

namespace hinomi {

// ---- FieldValue ----

void FieldValue::setUnsigned(unsigned long long v) {
  // Kept signed when it fits, so 5u and 5 are the same value of the same kind.
  kind_ = v <= uint64_t(std::numeric_limits<int64_t>::max()) ? Kind::kInt : Kind::kUnsigned;
  int_ = int64_t(v);
}

FieldValue FieldValue::fromJson(const nlohmann::json& v) {
  using T = nlohmann::json::value_t;
  switch (v.type()) {
    case T::string: return FieldValue(v.get_ref<const std::string&>());
    case T::boolean: return FieldValue(v.get<bool>());
    case T::number_integer: return FieldValue(v.get<int64_t>());
    case T::number_unsigned: return FieldValue(v.get<uint64_t>());
    case T::number_float: return FieldValue(v.get<double>());
    case T::null: return FieldValue();
    default: {
      FieldValue out;
      out.kind_ = Kind::kArray;
      out.text_ = v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      return out;
    }
  }
}

double FieldValue::number() const {
  switch (kind_) {
    case Kind::kInt: return double(int_);
    case Kind::kUnsigned: return double(uint64_t(int_));
    case Kind::kDouble: return double_;
    default: return 0;
  }
}

nlohmann::json FieldValue::toJson() const {
  switch (kind_) {
    case Kind::kNull: return nullptr;
    case Kind::kBool: return int_ != 0;
    case Kind::kInt: return int_;
    case Kind::kUnsigned: return uint64_t(int_);
    case Kind::kDouble: return double_;
    case Kind::kString: return text_;
    case Kind::kArray: return nlohmann::json::parse(text_, nullptr, /*allow_exceptions=*/false);
  }
  return nullptr;
}

namespace {
template <typename Integer>
void appendInteger(std::string& out, Integer v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, size_t(end - buf));
}
}  // namespace

void FieldValue::appendJson(std::string& out) const {
  switch (kind_) {
    case Kind::kNull: out.append("null"); return;
    case Kind::kBool: out.append(int_ != 0 ? "true" : "false"); return;
    case Kind::kInt: appendInteger(out, int_); return;
    case Kind::kUnsigned: appendInteger(out, uint64_t(int_)); return;
    case Kind::kDouble: out += nlohmann::json(double_).dump(); return;  // nlohmann's shortest form
    case Kind::kString: json::appendText(out, text_); return;
    case Kind::kArray: out.append(text_); return;  // already JSON text
  }
}

bool FieldValue::text(std::string& scratch, std::string_view& out) const {
  switch (kind_) {
    case Kind::kString: out = text_; return true;
    case Kind::kBool: out = int_ != 0 ? "true" : "false"; return true;
    case Kind::kInt:
    case Kind::kUnsigned:
    case Kind::kDouble:
      scratch.clear();
      appendJson(scratch);
      out = scratch;
      return true;
    default: return false;
  }
}

bool operator==(const FieldValue& a, const FieldValue& b) {
  using K = FieldValue::Kind;
  if (a.isNumber() && b.isNumber()) {
    if (a.kind_ == K::kDouble || b.kind_ == K::kDouble) return a.number() == b.number();
    return a.kind_ == b.kind_ && a.int_ == b.int_;  // kUnsigned only holds values kInt cannot
  }
  if (a.kind_ != b.kind_) return false;
  switch (a.kind_) {
    case K::kNull: return true;
    case K::kBool: return a.int_ == b.int_;
    case K::kArray: return a.toJson() == b.toJson();  // the same list however it was spelled
    default: return a.text_ == b.text_;
  }
}

std::ostream& operator<<(std::ostream& os, const FieldValue& v) {
  std::string s;
  v.appendJson(s);
  return os << s;
}

// ---- Fields ----

Fields::Fields(std::initializer_list<std::pair<std::string_view, FieldValue>> init) {
  for (const auto& [name, value] : init) (*this)[name] = value;
}

Fields& Fields::operator=(const Fields& other) {
  if (this == &other) return *this;
  if (slots_.size() < other.size_) slots_.resize(other.size_);
  for (size_t i = 0; i < other.size_; ++i) {  // assignment reuses each slot's buffers
    slots_[i].name = other.slots_[i].name;
    slots_[i].value = other.slots_[i].value;
  }
  hashes_.resize(slots_.size());
  std::copy(other.hashes_.begin(), other.hashes_.begin() + other.size_, hashes_.begin());
  index_ = other.index_;
  size_ = other.size_;
  return *this;
}

Fields Fields::fromJson(const nlohmann::json& object) {
  Fields out;
  if (!object.is_object()) return out;
  for (const auto& [name, value] : object.items()) out[name] = FieldValue::fromJson(value);
  return out;
}

inline uint32_t Fields::hashName(std::string_view name) {
  // Length and the first and last 8 bytes (overlapping when shorter than 16): field names differ
  // there ("source.ip" / "source.port"), and a collision only costs one string compare. Loads of
  // a constant size, so no memcpy call.
  const char* p = name.data();
  const size_t n = name.size();
  uint64_t head = 0, tail = 0;
  if (n >= 8) {
    std::memcpy(&head, p, 8);
    std::memcpy(&tail, p + n - 8, 8);
  } else if (n >= 4) {
    uint32_t a, b;
    std::memcpy(&a, p, 4);
    std::memcpy(&b, p + n - 4, 4);
    head = a;
    tail = b;
  } else if (n > 0) {
    head = uint64_t(uint8_t(p[0])) | uint64_t(uint8_t(p[n / 2])) << 8 | uint64_t(uint8_t(p[n - 1])) << 16;
  }
  uint64_t h = (head * 0x9E3779B97F4A7C15ull) ^ (tail * 0xC2B2AE3D27D4EB4Full) ^ n;
  return uint32_t(h ^ (h >> 32));
}

inline int64_t Fields::indexOf(std::string_view name, uint32_t hash) const {
  if (index_.empty()) return -1;
  const size_t mask = index_.size() - 1;
  for (size_t b = hash & mask;; b = (b + 1) & mask) {
    uint32_t e = index_[b];
    if (e == 0) return -1;
    size_t i = e - 1;
    if (hashes_[i] == hash && slots_[i].name == name) return int64_t(i);
  }
}

void Fields::indexSlot(size_t slot) {
  const size_t mask = index_.size() - 1;
  size_t b = hashes_[slot] & mask;
  while (index_[b] != 0) b = (b + 1) & mask;
  index_[b] = uint32_t(slot + 1);
}

void Fields::rebuildIndex(size_t buckets) {
  index_.assign(buckets, 0);
  for (size_t i = 0; i < size_; ++i) indexSlot(i);
}

void Fields::clear() {
  size_ = 0;
  std::fill(index_.begin(), index_.end(), 0u);
}

const FieldValue* Fields::find(std::string_view name) const {
  int64_t i = indexOf(name, hashName(name));
  return i < 0 ? nullptr : &slots_[size_t(i)].value;
}

FieldValue* Fields::find(std::string_view name) {
  int64_t i = indexOf(name, hashName(name));
  return i < 0 ? nullptr : &slots_[size_t(i)].value;
}

FieldValue& Fields::operator[](std::string_view name) {
  uint32_t h = hashName(name);
  int64_t i = indexOf(name, h);
  if (i >= 0) return slots_[size_t(i)].value;
  if (size_ == slots_.size()) {
    slots_.emplace_back();
    hashes_.push_back(0);
  }
  Field& f = slots_[size_];
  f.name.assign(name.data(), name.size());  // a spare slot's buffers are reused
  f.value.reset();
  hashes_[size_] = h;
  ++size_;
  if (size_ * 2 > index_.size()) rebuildIndex(std::max<size_t>(32, index_.size() * 2));
  else indexSlot(size_ - 1);
  return f.value;
}

const FieldValue& Fields::operator[](std::string_view name) const {
  static const FieldValue kNull;
  const FieldValue* v = find(name);
  return v != nullptr ? *v : kNull;
}

std::string Fields::value(std::string_view name, std::string_view fallback) const {
  const FieldValue* v = find(name);
  return v != nullptr && v->isString() ? v->str() : std::string(fallback);
}

int64_t Fields::value(std::string_view name, int64_t fallback) const {
  const FieldValue* v = find(name);
  return v != nullptr && v->kind() == FieldValue::Kind::kInt ? v->integer() : fallback;
}

bool Fields::erase(std::string_view name) {
  int64_t i = indexOf(name, hashName(name));
  if (i < 0) return false;
  size_t last = size_ - 1;
  if (size_t(i) != last) {
    std::swap(slots_[size_t(i)], slots_[last]);
    hashes_[size_t(i)] = hashes_[last];
  }
  --size_;
  rebuildIndex(index_.size());  // a slot moved; erasing is rare next to lookups
  return true;
}

bool Fields::rename(std::string_view from, std::string_view to) {
  if (from == to) return contains(from);
  if (!contains(from)) return false;
  erase(to);
  int64_t i = indexOf(from, hashName(from));
  slots_[size_t(i)].name.assign(to.data(), to.size());
  hashes_[size_t(i)] = hashName(to);
  rebuildIndex(index_.size());
  return true;
}

void Fields::sortedOrder(std::vector<uint32_t>& out) const {
  // Sorted on each name's first 8 bytes read as a big-endian number (the byte order std::string
  // compares in), the whole names only where those are equal: most comparisons are one integer
  // compare instead of a memcmp call.
  thread_local std::vector<std::pair<uint64_t, uint32_t>> keyed;
  keyed.resize(size_);
  for (uint32_t i = 0; i < size_; ++i) {
    const std::string& name = slots_[i].name;
    uint64_t key = 0;
    for (size_t b = 0; b < 8; ++b) key = key << 8 | (b < name.size() ? uint8_t(name[b]) : 0u);
    keyed[i] = {key, i};
  }
  std::sort(keyed.begin(), keyed.end(), [this](const auto& a, const auto& b) {
    if (a.first != b.first) return a.first < b.first;
    return slots_[a.second].name < slots_[b.second].name;
  });
  out.resize(size_);
  for (uint32_t i = 0; i < size_; ++i) out[i] = keyed[i].second;
}

nlohmann::json Fields::toJson() const {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& f : *this) out[f.name] = f.value.toJson();
  return out;
}

std::string Fields::dump() const {
  std::string out;
  appendJson(out);
  return out;
}

void Fields::appendJson(std::string& out) const {
  thread_local std::vector<uint32_t> order;
  sortedOrder(order);
  out.push_back('{');
  bool first = true;
  for (uint32_t i : order) {
    if (!first) out.push_back(',');
    first = false;
    json::appendText(out, slots_[i].name);
    out.push_back(':');
    slots_[i].value.appendJson(out);
  }
  out.push_back('}');
}

bool operator==(const Fields& a, const Fields& b) {
  if (a.size_ != b.size_) return false;
  for (const auto& f : a) {
    const FieldValue* v = b.find(f.name);
    if (v == nullptr || !(*v == f.value)) return false;
  }
  return true;
}

bool operator==(const Fields& a, const nlohmann::json& b) { return b.is_object() && a == Fields::fromJson(b); }

std::ostream& operator<<(std::ostream& os, const Fields& f) {
  std::string s;
  f.appendJson(s);
  return os << s;
}

}  // namespace hinomi
