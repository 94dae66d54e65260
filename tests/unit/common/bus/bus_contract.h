#pragma once
// The contract every Bus implementation passes. An implementation's test file instantiates it:
//   INSTANTIATE_TEST_SUITE_P(Embedded, BusContractTest, ::testing::Values(BusHarnessFactory{...}));

#include <functional>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "common/bus/bus.h"

namespace hinomi::bus::testing {

// Owns whatever a bus needs (a temp dir, a mock cluster) for the length of one test.
class BusHarness {
 public:
  virtual ~BusHarness() = default;
  // A new client on the same storage / cluster. Embedded: the previous client must be gone first.
  virtual std::unique_ptr<Bus> open() = 0;
};

struct BusHarnessFactory {
  std::string name;
  std::function<std::unique_ptr<BusHarness>()> make;
};

inline std::string PrintToString(const BusHarnessFactory& f) { return f.name; }

class BusContractTest : public ::testing::TestWithParam<BusHarnessFactory> {
 protected:
  void SetUp() override { harness_ = GetParam().make(); }
  void TearDown() override { harness_.reset(); }
  std::unique_ptr<BusHarness> harness_;
};

}  // namespace hinomi::bus::testing
