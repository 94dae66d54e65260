#pragma once
// Positional CSV records (Palo Alto's syslog, exports of access-control servers): the decoder key
// `csv: {columns: [...]}` names each position, and the record is split once per event.

#include <string>
#include <string_view>
#include <vector>

namespace hinomi::correlator {

// Splits one record on `sep`. A value that starts with '"' runs to the closing quote ("" inside
// is one quote) and the separator after it; an unterminated quote takes the rest of the text.
// Never fails: any bytes give some list of values (at least one).
void splitCsv(std::string_view text, char sep, std::vector<std::string>& out);

}  // namespace hinomi::correlator
