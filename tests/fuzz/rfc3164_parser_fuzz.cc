// Any bytes through the rfc3164 parser (the checks: parser_fuzz_check.h).
#include "tests/fuzz/parser_fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto parser = hinomi::collector::makeParser("rfc3164");
  return fuzzParser(*parser, data, size);
}
