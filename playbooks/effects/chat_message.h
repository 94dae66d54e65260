#pragma once
// Chat notifications as the bodies Slack and Microsoft Teams incoming webhooks take. Titles and
// text carry event data, so each format gets it as text only: Slack's control characters are
// escaped, and Teams gets it in RichTextBlock runs, which no Teams client parses as markdown.

#include <optional>
#include <string>
#include <string_view>

namespace hinomi::playbooks::effects {

enum class ChatFormat { kSlack, kTeams };

// "slack" / "teams" → the format; anything else nullopt.
std::optional<ChatFormat> chatFormatNamed(std::string_view name);

// The JSON body to POST (Content-Type: application/json).
// Slack incoming webhook: {"text": fallback, "blocks": [header, section (mrkdwn, verbatim), context
// with the link]}; & < > become &amp; &lt; &gt; so event data cannot add links or mentions.
// Teams incoming webhook / Workflows: {"type":"message","attachments":[{"contentType":
// "application/vnd.microsoft.card.adaptive","content":{AdaptiveCard 1.4: the title and each line of
// text as a RichTextBlock, an Action.OpenUrl for the link}}]}.
// `link` is left out unless it is an http(s) URL; text is cut (with "…") to the services' limits;
// bytes that are not UTF-8 become U+FFFD.
std::string chatBody(ChatFormat f, const std::string& title, const std::string& text, const std::string& link);

}  // namespace hinomi::playbooks::effects
