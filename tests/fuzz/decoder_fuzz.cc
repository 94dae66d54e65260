// Any bytes as one line through the auto parser and the shipped decoders (config/decoders): never
// a crash, and the decoded event still serialises and reads back.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string_view>

#include "collector/parsers/parser_factory.h"
#include "correlator/decoders/decoder_loader.h"

namespace {

// The repository's config/decoders, found from this file's path (the replay runs from the build tree).
const hinomi::correlator::DecoderSet& shippedDecoders() {
  static const hinomi::correlator::DecoderLoad load = [] {
    auto dir = std::filesystem::path(__FILE__).parent_path().parent_path().parent_path() / "config" / "decoders";
    auto l = hinomi::correlator::loadDecoderDirectories({dir.string()});
    if (!l.ok()) {
      std::fputs(l.errorText().c_str(), stderr);
      std::abort();
    }
    return l;
  }();
  return load.set;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto parser = hinomi::collector::makeParser("auto");
  const auto& decoders = shippedDecoders();
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  hinomi::Event event;
  hinomi::collector::ParseContext ctx;
  ctx.ingest_ts_us = 1'800'000'000'000'000;
  parser->parse(bytes, ctx, event);
  decoders.decode(event);
  if (!hinomi::eventFromJson(hinomi::toJson(event))) std::abort();
  return 0;
}
