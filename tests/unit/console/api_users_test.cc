// The API's users file: roles, tenant scopes, approver roles, token hashes, and every mistake at
// its line.
#include <gtest/gtest.h>

#include "common/sha256.h"
#include "console/api/api_users.h"

namespace hinomi::console {
namespace {

TEST(ApiUsersTest, FindsAUserByTokenAndScopesIt) {
  const std::string text = "users:\n"
                           "  - {name: tanaka, role: approver, tenants: [katsuragi], acts_as: [chief_security_officer], "
                           "token_sha256: " + sha256Hex("secret-1") + "}\n"
                           "  - {name: pref, role: viewer, tenants: [\"*\"], token_sha256: " + sha256Hex("secret-2") + "}\n";
  auto users = ApiUsers::parse(text, "users.yaml");
  ASSERT_TRUE(users.has_value()) << users.error().message;
  EXPECT_EQ(users->size(), 2u);
  auto t = users->byToken("secret-1");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->name, "tanaka");
  EXPECT_EQ(t->role, ApiRole::kApprover);
  EXPECT_TRUE(t->seesTenant("katsuragi"));
  EXPECT_FALSE(t->seesTenant("shunan"));
  EXPECT_TRUE(t->actsAs("chief_security_officer"));
  EXPECT_FALSE(t->actsAs("ciso"));
  EXPECT_TRUE(users->byToken("secret-2")->seesTenant("shunan"));
  EXPECT_FALSE(users->byToken("secret-3").has_value());
  EXPECT_FALSE(users->byToken("").has_value());
  EXPECT_FALSE(users->byToken(sha256Hex("secret-1")).has_value());  // the hash is not the token
}

TEST(ApiUsersTest, ReportsEveryMistakeAtItsLine) {
  auto users = ApiUsers::parse("users:\n"
                               "  - {name: a, role: boss, tenants: [x], token_sha256: abc}\n"
                               "  - {name: a, role: viewer, token_sha256: " + sha256Hex("x") + ", colour: red}\n",
                               "users.yaml");
  ASSERT_FALSE(users.has_value());
  const std::string m = users.error().message;
  EXPECT_NE(m.find("users.yaml:2:"), std::string::npos) << m;
  EXPECT_NE(m.find("'boss' is not one of"), std::string::npos) << m;
  EXPECT_NE(m.find("64 hex digits"), std::string::npos) << m;
  EXPECT_NE(m.find("users.yaml:3:"), std::string::npos) << m;
  EXPECT_NE(m.find("defined twice"), std::string::npos) << m;
  EXPECT_NE(m.find("no tenants"), std::string::npos) << m;
  EXPECT_NE(m.find("unknown key 'colour'"), std::string::npos) << m;
  EXPECT_FALSE(ApiUsers::parse("users: [", "u.yaml").has_value());
  EXPECT_FALSE(ApiUsers::parse("people: []", "u.yaml").has_value());
}

TEST(ApiUsersTest, PasswordsAreCheckedAgainstTheirScryptHash) {
  ApiUser u;
  u.password_scrypt = hashPassword("correct horse battery staple");
  EXPECT_EQ(u.password_scrypt.rfind("scrypt$16384$8$1$", 0), 0u);
  EXPECT_TRUE(u.passwordMatches("correct horse battery staple"));
  EXPECT_FALSE(u.passwordMatches("correct horse battery stapler"));
  EXPECT_FALSE(u.passwordMatches(""));
  EXPECT_NE(hashPassword("x"), hashPassword("x"));  // salted
  u.password_scrypt = "scrypt$bad";
  EXPECT_FALSE(u.passwordMatches("x"));
}

TEST(ApiUsersTest, NewTokensAreRandomAndHashed) {
  auto [a, ha] = newToken();
  auto [b, hb] = newToken();
  EXPECT_EQ(a.size(), 64u);
  EXPECT_NE(a, b);
  EXPECT_EQ(ha, sha256Hex(a));
}

}  // namespace
}  // namespace hinomi::console
