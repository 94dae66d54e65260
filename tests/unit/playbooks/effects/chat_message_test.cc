// Chat bodies: the JSON shape each service takes, and event data kept as text.
#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "playbooks/effects/chat_message.h"

namespace hinomi::playbooks::effects {
namespace {

using nlohmann::json;

TEST(ChatMessageTest, FormatsAreNamed) {
  EXPECT_EQ(chatFormatNamed("slack"), ChatFormat::kSlack);
  EXPECT_EQ(chatFormatNamed("teams"), ChatFormat::kTeams);
  EXPECT_EQ(chatFormatNamed("Slack"), std::nullopt);
  EXPECT_EQ(chatFormatNamed("discord"), std::nullopt);
  EXPECT_EQ(chatFormatNamed(""), std::nullopt);
}

TEST(ChatMessageTest, SlackHasAFallbackAndBlocks) {
  auto body = json::parse(chatBody(ChatFormat::kSlack, "【重大】不正ログイン", "srv-01 で 12 回失敗\n送信元 203.0.113.7",
                                   "https://hinomi.example.jp/cases/42?tab=steps&x=1"));
  ASSERT_TRUE(body.is_object());
  EXPECT_NE(body["text"].get<std::string>().find("【重大】不正ログイン"), std::string::npos);
  const auto& blocks = body["blocks"];
  ASSERT_TRUE(blocks.is_array());
  ASSERT_EQ(blocks.size(), 3u);
  EXPECT_EQ(blocks[0]["type"], "header");
  EXPECT_EQ(blocks[0]["text"]["type"], "plain_text");
  EXPECT_EQ(blocks[0]["text"]["text"], "【重大】不正ログイン");
  EXPECT_EQ(blocks[1]["type"], "section");
  EXPECT_EQ(blocks[1]["text"]["type"], "mrkdwn");
  EXPECT_EQ(blocks[1]["text"]["text"], "srv-01 で 12 回失敗\n送信元 203.0.113.7");
  EXPECT_EQ(blocks[2]["type"], "context");
  const std::string link = blocks[2]["elements"][0]["text"];
  EXPECT_EQ(link.rfind("<https://hinomi.example.jp/cases/42?tab=steps&amp;x=1|", 0), 0u) << link;
}

TEST(ChatMessageTest, SlackEscapesMentionsAndMarkup) {
  const std::string body_text = chatBody(ChatFormat::kSlack, "<!here> & co", "<!channel> <script> <@U123|boss> a&b", "");
  auto body = json::parse(body_text);
  EXPECT_EQ(body["blocks"][0]["text"]["text"], "&lt;!here&gt; &amp; co");
  EXPECT_EQ(body["blocks"][1]["text"]["text"], "&lt;!channel&gt; &lt;script&gt; &lt;@U123|boss&gt; a&amp;b");
  EXPECT_EQ(body["blocks"].size(), 2u) << "no link, no context block";
  EXPECT_EQ(body_text.find("<!channel>"), std::string::npos);
  EXPECT_EQ(body_text.find("<script>"), std::string::npos);
  EXPECT_EQ(body_text.find("<!here>"), std::string::npos);
}

TEST(ChatMessageTest, SlackTextIsCutToItsLimits) {
  std::string long_title, long_text;
  for (int i = 0; i < 400; ++i) long_title += "警";
  for (int i = 0; i < 1000; ++i) long_text += "<&>";
  auto body = json::parse(chatBody(ChatFormat::kSlack, long_title, long_text, ""));
  const std::string title = body["blocks"][0]["text"]["text"];
  const std::string text = body["blocks"][1]["text"]["text"];
  std::string expected_title;
  for (int i = 0; i < 149; ++i) expected_title += "警";
  EXPECT_EQ(title, expected_title + "…");  // 150 characters with the ellipsis
  EXPECT_LE(text.size(), 3000u + 3u);
  EXPECT_EQ(text.substr(text.size() - 3), "…");
  EXPECT_EQ(text.substr(0, 13), "&lt;&amp;&gt;");
  EXPECT_EQ(text.find("<"), std::string::npos);
}

TEST(ChatMessageTest, TeamsIsAnAdaptiveCardMessage) {
  const std::string text = "srv-01 で 12 回失敗\n送信元 [click](https://evil.example) **now** <at>boss</at>";
  auto body = json::parse(chatBody(ChatFormat::kTeams, "【重大】不正ログイン", text, "https://hinomi.example.jp/cases/42"));
  EXPECT_EQ(body["type"], "message");
  ASSERT_EQ(body["attachments"].size(), 1u);
  const auto& attachment = body["attachments"][0];
  EXPECT_EQ(attachment["contentType"], "application/vnd.microsoft.card.adaptive");
  const auto& card = attachment["content"];
  EXPECT_EQ(card["type"], "AdaptiveCard");
  EXPECT_EQ(card["version"], "1.4");
  ASSERT_EQ(card["body"].size(), 3u);  // the title, then one block per line
  // RichTextBlock runs are never read as markdown: the text goes in exactly as given.
  for (const auto& block : card["body"]) {
    EXPECT_EQ(block["type"], "RichTextBlock");
    EXPECT_EQ(block["inlines"][0]["type"], "TextRun");
  }
  EXPECT_EQ(card["body"][0]["inlines"][0]["text"], "【重大】不正ログイン");
  EXPECT_EQ(card["body"][0]["inlines"][0]["weight"], "Bolder");
  EXPECT_EQ(card["body"][1]["inlines"][0]["text"], "srv-01 で 12 回失敗");
  EXPECT_EQ(card["body"][2]["inlines"][0]["text"], "送信元 [click](https://evil.example) **now** <at>boss</at>");
  ASSERT_EQ(card["actions"].size(), 1u);
  EXPECT_EQ(card["actions"][0]["type"], "Action.OpenUrl");
  EXPECT_EQ(card["actions"][0]["url"], "https://hinomi.example.jp/cases/42");
}

TEST(ChatMessageTest, OnlyWebLinksAreLinked) {
  for (const char* link : {"javascript:alert(1)", "file:///etc/passwd", "https://x.example/<!channel>", ""}) {
    auto slack = json::parse(chatBody(ChatFormat::kSlack, "t", "x", link));
    EXPECT_EQ(slack["blocks"].size(), 2u) << link;
    auto teams = json::parse(chatBody(ChatFormat::kTeams, "t", "x", link));
    EXPECT_FALSE(teams["attachments"][0]["content"].contains("actions")) << link;
  }
}

TEST(ChatMessageTest, BytesThatAreNotUtf8StillMakeJson) {
  const std::string bad = "user \xff\xfe admin";
  for (auto f : {ChatFormat::kSlack, ChatFormat::kTeams}) {
    auto text = chatBody(f, bad, bad, "");
    EXPECT_TRUE(json::accept(text)) << text;
    EXPECT_NE(text.find("\xEF\xBF\xBD"), std::string::npos);
  }
}

}  // namespace
}  // namespace hinomi::playbooks::effects
