#include "correlator/windows/spilling_windows.h"

#include <stdlib.h>

#include <filesystem>
#include <vector>

namespace hinomi::correlator {

SpillingWindows::SpillingWindows(CorrelationEngine& engine, size_t bound, std::string temp_parent)
    : engine_(engine), bound_(bound), temp_parent_(std::move(temp_parent)) {}

SpillingWindows::~SpillingWindows() {
  store_.reset();  // closed before its files go
  if (!path_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
}

Status SpillingWindows::afterEvent() {
  if (bound_ == 0 || failed_ || ++events_ % kEvery != 0) return {};
  if (!store_) {
    if (engine_.stats().groups_in_memory <= bound_) return {};
    std::string templ = (std::filesystem::path(temp_parent_) / "hinomi-replay-XXXXXX").string();
    std::vector<char> buf(templ.begin(), templ.end());
    buf.push_back('\0');
    if (!mkdtemp(buf.data())) {
      failed_ = true;
      return makeError(ErrorCode::kIo, "cannot make a directory for the correlation windows in " + temp_parent_);
    }
    path_ = buf.data();
    auto store = WindowStore::open(path_);
    if (!store) {
      failed_ = true;
      return tl::unexpected(store.error());
    }
    if (auto loaded = (*store)->load(engine_, "replay"); !loaded) {
      failed_ = true;
      return tl::unexpected(loaded.error());
    }
    store_ = std::move(*store);
  }
  if (auto st = store_->commit(engine_, "replay", {}); !st) {
    // The engine keeps what it could not write and evicts nothing: memory grows, output is right.
    failed_ = true;
    return st;
  }
  return {};
}

}  // namespace hinomi::correlator
