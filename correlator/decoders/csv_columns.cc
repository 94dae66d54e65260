#include "correlator/decoders/csv_columns.h"

namespace hinomi::correlator {

void splitCsv(std::string_view text, char sep, std::vector<std::string>& out) {
  out.clear();
  size_t i = 0;
  while (true) {
    std::string& value = out.emplace_back();
    if (i < text.size() && text[i] == '"') {
      ++i;
      while (i < text.size()) {
        if (text[i] == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            value.push_back('"');
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        value.push_back(text[i++]);
      }
      // Bytes between the closing quote and the separator (malformed) are kept, not lost.
      size_t end = text.find(sep, i);
      value.append(text.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i));
      if (end == std::string_view::npos) return;
      i = end + 1;
    } else {
      size_t end = text.find(sep, i);
      value.assign(text.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i));
      if (end == std::string_view::npos) return;
      i = end + 1;
    }
  }
}

}  // namespace hinomi::correlator
