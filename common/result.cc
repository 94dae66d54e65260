#include "common/result.h"

namespace hinomi {

std::string Error::toString() const {
  if (location.file.empty()) return message;
  return location.file + ":" + std::to_string(location.line) + ":" + std::to_string(location.column) +
         ": error: " + message;
}

}  // namespace hinomi
