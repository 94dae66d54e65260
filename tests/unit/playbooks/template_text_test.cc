// Playbook templates: placeholders checked at load, rendered as plain text.
#include <gtest/gtest.h>

#include "playbooks/template_text.h"

namespace hinomi::playbooks {
namespace {

TEST(TemplateTextTest, PlaceholdersAreListedAndTheirRootsChecked) {
  std::string error;
  auto p = templatePlaceholders("[{{incident.level}}] {{ fields.source.ip }} → {{fields.destination.ip}}", error);
  ASSERT_TRUE(p.has_value()) << error;
  EXPECT_EQ(*p, (std::vector<std::string>{"incident.level", "fields.source.ip", "fields.destination.ip"}));
  EXPECT_TRUE(templatePlaceholders("no placeholder at all", error)->empty());

  EXPECT_FALSE(templatePlaceholders("{{env.HOME}}", error));
  EXPECT_NE(error.find("'{{env.HOME}}'"), std::string::npos) << error;
  EXPECT_FALSE(templatePlaceholders("{{fields.host.name", error));
  EXPECT_NE(error.find("without a closing"), std::string::npos) << error;
  EXPECT_FALSE(templatePlaceholders("{{}}", error));
  EXPECT_FALSE(templatePlaceholders("{{fields.}}", error));
  EXPECT_FALSE(templatePlaceholders("{{fields..x}}", error));
  EXPECT_FALSE(templatePlaceholders("{{case}}", error));
}

TEST(TemplateTextTest, RenderingSubstitutesTextOnlyOnce) {
  auto lookup = [](const std::string& path) -> std::string {
    if (path == "fields.user.name") return "{{case.id}}; rm -rf /";  // event data that looks like a template
    if (path == "case.id") return "SECRET";
    return "";
  };
  // The value is inserted as text: the braces in it are not expanded again.
  EXPECT_EQ(renderTemplate("user={{fields.user.name}} case={{ case.id }}", lookup),
            "user={{case.id}}; rm -rf / case=SECRET");
  EXPECT_EQ(renderTemplate("unknown: [{{fields.nope}}]", lookup), "unknown: []");
  EXPECT_EQ(renderTemplate("plain", lookup), "plain");
}

}  // namespace
}  // namespace hinomi::playbooks
