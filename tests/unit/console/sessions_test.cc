// Console sessions expire when idle; failed logins are limited per key within a window.
#include <gtest/gtest.h>

#include "console/api/sessions.h"

namespace hinomi::console {
namespace {

constexpr int64_t kSec = 1000000;

TEST(SessionsTest, ASessionLivesWhileUsedAndEndsWhenIdleOrRemoved) {
  Sessions s(60);
  auto [id, csrf] = s.create("tanaka", 0);
  EXPECT_EQ(id.size(), 64u);
  EXPECT_NE(id, csrf);
  ASSERT_TRUE(s.find(id, 50 * kSec).has_value());
  EXPECT_EQ(s.find(id, 100 * kSec)->user, "tanaka");  // used at 50 s: alive until 110 s
  EXPECT_FALSE(s.find(id, 171 * kSec).has_value());
  auto [other, unused] = s.create("sato", 0);
  s.remove(other);
  EXPECT_FALSE(s.find(other, 1).has_value());
  EXPECT_FALSE(s.find("nosuch", 1).has_value());
}

TEST(SessionsTest, FailedLoginsAreLimitedWithinTheWindow) {
  LoginLimiter l(3, 300);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(l.waitSecs("addr:1", i * kSec), 0);
    l.failed("addr:1", i * kSec);
  }
  EXPECT_GT(l.waitSecs("addr:1", 3 * kSec), 290);
  EXPECT_EQ(l.waitSecs("addr:2", 3 * kSec), 0);
  EXPECT_EQ(l.waitSecs("addr:1", 301 * kSec), 0);  // the window has passed
  l.failed("name:x", 0);
  l.succeeded("name:x");
  EXPECT_EQ(l.waitSecs("name:x", 1), 0);
}

}  // namespace
}  // namespace hinomi::console
