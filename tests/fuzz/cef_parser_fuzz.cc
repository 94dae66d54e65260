// Any bytes through the cef parser (the checks: parser_fuzz_check.h).
#include "tests/fuzz/parser_fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto parser = hinomi::collector::makeParser("cef");
  return fuzzParser(*parser, data, size);
}
