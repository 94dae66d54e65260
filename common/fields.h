#pragma once
// Event::fields: the decoded, ECS-style dotted names of an event and their scalar values.
// A flat array with a small open-addressing hash index instead of a JSON object (a std::map
// node, a key string and a heap value per field): a FortiGate line carries ~45 fields and every
// stage of the correlator looks them up, so this container is on the hottest path hinomi has. clear() keeps the
// slots and their string buffers, so an Event reused across lines allocates nothing once warm.
// The JSON form (appendJson, toJson) is byte for byte what the nlohmann object it replaces wrote:
// names sorted, values as nlohmann dumps them.

#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace hinomi {

class FieldValue {
 public:
  // kArray: a list of scalars (e.g. hinomi.decode_errors), held as its JSON text.
  enum class Kind : uint8_t { kNull, kBool, kInt, kUnsigned, kDouble, kString, kArray };

  FieldValue() = default;
  FieldValue(std::string s) : kind_(Kind::kString), text_(std::move(s)) {}
  FieldValue(std::string_view s) : kind_(Kind::kString), text_(s) {}
  FieldValue(const char* s) : kind_(Kind::kString), text_(s) {}
  FieldValue(bool b) : kind_(Kind::kBool), int_(b) {}
  FieldValue(int v) : kind_(Kind::kInt), int_(v) {}
  FieldValue(long v) : kind_(Kind::kInt), int_(v) {}
  FieldValue(long long v) : kind_(Kind::kInt), int_(v) {}
  FieldValue(unsigned v) : kind_(Kind::kInt), int_(v) {}
  FieldValue(unsigned long v) { setUnsigned(v); }
  FieldValue(unsigned long long v) { setUnsigned(v); }
  FieldValue(double v) : kind_(Kind::kDouble), double_(v) {}
  // A scalar or a list of scalars; anything else is kept as its JSON text (kArray).
  static FieldValue fromJson(const nlohmann::json& v);

  Kind kind() const { return kind_; }
  bool isNull() const { return kind_ == Kind::kNull; }
  bool isString() const { return kind_ == Kind::kString; }
  bool isBool() const { return kind_ == Kind::kBool; }
  bool isNumber() const { return kind_ == Kind::kInt || kind_ == Kind::kUnsigned || kind_ == Kind::kDouble; }
  bool isInteger() const { return kind_ == Kind::kInt || kind_ == Kind::kUnsigned; }
  bool isArray() const { return kind_ == Kind::kArray; }

  // The string (kString) or the array's JSON text (kArray); empty otherwise.
  const std::string& str() const { return text_; }
  int64_t integer() const { return int_; }  // kInt (kUnsigned: the same bits)
  double number() const;                     // any number kind as a double

  // Back to null, keeping the string buffer for the next value.
  void reset() {
    kind_ = Kind::kNull;
    int_ = 0;
    double_ = 0;
    text_.clear();
  }
  // Sets a string value reusing this value's buffer (no allocation once it is large enough).
  void assignString(std::string_view s) {
    kind_ = Kind::kString;
    text_.assign(s.data(), s.size());
  }

  nlohmann::json toJson() const;
  void appendJson(std::string& out) const;
  // The value as text the way rules compare it: strings as they are, true/false, numbers as JSON
  // writes them. False for null and arrays.
  bool text(std::string& scratch, std::string_view& out) const;

  // Numbers compare by value across kinds, as JSON does (1 == 1.0).
  friend bool operator==(const FieldValue& a, const FieldValue& b);
  friend std::ostream& operator<<(std::ostream& os, const FieldValue& v);

 private:
  void setUnsigned(unsigned long long v);

  Kind kind_ = Kind::kNull;
  int64_t int_ = 0;
  double double_ = 0;
  std::string text_;
};

class Fields {
 public:
  struct Field {
    std::string name;
    FieldValue value;
  };

  Fields() = default;
  // Copies hold the live fields only (not the spare slots).
  Fields(const Fields& other)
      : slots_(other.begin(), other.end()),
        hashes_(other.hashes_.begin(), other.hashes_.begin() + other.size_),
        index_(other.index_),
        size_(other.size_) {}
  Fields& operator=(const Fields& other);
  Fields(Fields&&) noexcept = default;
  Fields& operator=(Fields&&) noexcept = default;
  Fields(std::initializer_list<std::pair<std::string_view, FieldValue>> init);
  // A JSON object of scalars (lists of scalars kept as kArray). Not an object: empty.
  static Fields fromJson(const nlohmann::json& object);

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // Removes every field; the slots and their buffers stay for the next event.
  void clear();

  const FieldValue* find(std::string_view name) const;
  FieldValue* find(std::string_view name);
  bool contains(std::string_view name) const { return find(name) != nullptr; }
  // The value of `name`, added as null when missing (as a JSON object's operator[] does).
  FieldValue& operator[](std::string_view name);
  // The value of `name`; a null value when missing.
  const FieldValue& operator[](std::string_view name) const;
  // The string value of `name`, or `fallback` when it is missing or not a string.
  std::string value(std::string_view name, std::string_view fallback) const;
  // The integer value of `name`, or `fallback` when it is missing or not an integer.
  int64_t value(std::string_view name, int64_t fallback) const;
  void set(std::string_view name, FieldValue value) { (*this)[name] = std::move(value); }
  bool erase(std::string_view name);
  // Gives field `from` the name `to` (replacing any `to`); false when there is no `from`.
  bool rename(std::string_view from, std::string_view to);

  // Live fields in insertion order (erase may move the last one into a gap).
  const Field* begin() const { return slots_.data(); }
  const Field* end() const { return slots_.data() + size_; }
  // Indexes of the live fields sorted by name, the order the JSON form uses.
  void sortedOrder(std::vector<uint32_t>& out) const;

  nlohmann::json toJson() const;
  std::string dump() const;  // the JSON form as a string (appendJson)
  // {"name":value,...} with names sorted: byte for byte what nlohmann wrote for the old object.
  void appendJson(std::string& out) const;

  friend bool operator==(const Fields& a, const Fields& b);
  friend bool operator==(const Fields& a, const nlohmann::json& b);
  friend std::ostream& operator<<(std::ostream& os, const Fields& f);

 private:
  // Both defined inline in fields.cc (their only user): every lookup and insert runs them.
  static uint32_t hashName(std::string_view name);
  int64_t indexOf(std::string_view name, uint32_t hash) const;
  void indexSlot(size_t slot);
  void rebuildIndex(size_t buckets);

  std::vector<Field> slots_;     // [0, size_) live; the rest kept for their buffers
  std::vector<uint32_t> hashes_;  // parallel to slots_: hashName of each live slot
  std::vector<uint32_t> index_;   // open addressing, linear probing: slot + 1, 0 = empty; a power
                                  // of two at least twice the live fields
  size_t size_ = 0;
};

}  // namespace hinomi
