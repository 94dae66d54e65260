// Any bytes through the auto parser (the checks: parser_fuzz_check.h).
#include "tests/fuzz/parser_fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto parser = hinomi::collector::makeParser("auto");
  return fuzzParser(*parser, data, size);
}
