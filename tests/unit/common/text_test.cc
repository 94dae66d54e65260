#include "common/text.h"

#include <gtest/gtest.h>

namespace hinomi {
namespace {

TEST(TextTest, Utf8Validity) {
  EXPECT_TRUE(isValidUtf8(""));
  EXPECT_TRUE(isValidUtf8("plain ascii"));
  EXPECT_TRUE(isValidUtf8("火の見 マイナンバー利用事務系 🔥"));
  EXPECT_FALSE(isValidUtf8("\xff"));
  EXPECT_FALSE(isValidUtf8("\xe7\x81"));          // truncated 火
  EXPECT_FALSE(isValidUtf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(isValidUtf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(isValidUtf8("\xf4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(isValidUtf8("\x82\xa0\x82\xa2"));  // Shift_JIS あい, common from old devices
}

TEST(TextTest, Base64RoundTripsAnyBytes) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(char(i));
  for (const std::string& s : {std::string(), std::string("a"), std::string("ab"), std::string("abc"), all}) {
    auto back = base64Decode(base64Encode(s));
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, s);
  }
  EXPECT_EQ(base64Encode("hinomi"), "aGlub21p");
  EXPECT_FALSE(base64Decode("abc").has_value());
  EXPECT_FALSE(base64Decode("a*c=").has_value());
}

}  // namespace
}  // namespace hinomi
