// Who to call and how soon: contacts by role and acknowledgement deadlines per level, each mistake
// refused with its location.
#include "correlator/enrich/tenant_contacts.h"

#include <gtest/gtest.h>

namespace hinomi::correlator {
namespace {

std::pair<TenantContacts, std::string> read(const std::string& text) {
  config::Diagnostics d("c.yaml");
  auto c = readContacts(YAML::Load(text), d);
  return {std::move(c), d.toString()};
}

TEST(TenantContactsTest, ContactsInOrderAndDeadlinesPerLevelAndRole) {
  auto [c, errors] = read(
      "contacts:\n"
      "  - {role: csirt, name: CSIRT, email: csirt@example.lg.jp, example: true}\n"
      "  - {role: ciso, name: CISO, phone: '0745-00-0004'}\n"
      "  - {role: csirt, name: CSIRT 2, webhook: 'https://chat.example.lg.jp/hook'}\n"
      "acknowledge:\n"
      "  critical: {csirt: 0m, ciso: 1h}\n"
      "  high: {ciso: 1d}\n");
  ASSERT_EQ(errors, "");
  ASSERT_EQ(c.contacts.size(), 3u);
  EXPECT_EQ(c.contacts[0].name, "CSIRT");
  EXPECT_TRUE(c.contacts[0].example);
  EXPECT_FALSE(c.contacts[1].example);
  EXPECT_EQ(c.contacts[2].webhook, "https://chat.example.lg.jp/hook");
  EXPECT_EQ(c.acknowledge.at("critical").at("csirt"), 0);
  EXPECT_EQ(c.acknowledge.at("critical").at("ciso"), 3600);
  EXPECT_EQ(c.acknowledge.at("high").at("ciso"), 86400);
}

TEST(TenantContactsTest, MistakesAreRefusedWithTheirLocation) {
  auto [c, errors] = read(
      "contacts:\n"
      "  - {role: mayor, name: 市長, email: mayor@example.lg.jp}\n"
      "  - {role: csirt, name: CSIRT}\n"
      "  - {role: ciso, name: CISO, email: not-an-address, webhook: 'ftp://x'}\n"
      "  - {role: poc, name: PoC, phone: '1', pager: '2'}\n"
      "acknowledge:\n"
      "  critical: {csirt: soon, security_manager: 30m}\n"
      "  urgent: {csirt: 0m}\n");
  EXPECT_NE(errors.find("c.yaml:2:12: error: contacts[0].role: 'mayor' is not one of poc, csirt"), std::string::npos) << errors;
  EXPECT_NE(errors.find("c.yaml:3:5: error: contacts[1]: a contact needs at least one of email, phone, webhook"), std::string::npos) << errors;
  EXPECT_NE(errors.find("c.yaml:4:37: error: contacts[2].email: 'not-an-address' is not an e-mail address"), std::string::npos) << errors;
  EXPECT_NE(errors.find("c.yaml:4:62: error: contacts[2].webhook: expected an http:// or https:// URL"), std::string::npos) << errors;
  EXPECT_NE(errors.find("c.yaml:5:40: error: contacts[3]: unknown key 'pager'"), std::string::npos) << errors;
  EXPECT_NE(errors.find("c.yaml:7:21: error: acknowledge.critical.csirt: expected a deadline like 0m"), std::string::npos) << errors;
  EXPECT_NE(errors.find("c.yaml:7:27: error: acknowledge.critical: no contact has the role 'security_manager'"), std::string::npos) << errors;
  EXPECT_NE(errors.find("c.yaml:8:3: error: acknowledge: 'urgent' is not a level"), std::string::npos) << errors;
}

}  // namespace
}  // namespace hinomi::correlator
