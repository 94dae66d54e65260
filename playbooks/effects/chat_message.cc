#include "playbooks/effects/chat_message.h"

#include <vector>

#include <nlohmann/json.hpp>

#include "common/text.h"

namespace hinomi::playbooks::effects {
namespace {

using nlohmann::json;

// Slack refuses a header over 150 characters and a section over 3,000; a Teams card over ~28 KB.
constexpr size_t kSlackTitleChars = 150;
constexpr size_t kSlackTextChars = 3000;
constexpr size_t kTeamsTitleChars = 250;
constexpr size_t kTeamsTextChars = 6000;
constexpr size_t kTeamsLines = 60;
constexpr std::string_view kEllipsis = "\u2026";
constexpr std::string_view kReplacement = "\uFFFD";

// The code points of `s`, invalid bytes each replaced by U+FFFD.
std::vector<std::string_view> codePoints(std::string_view s) {
  std::vector<std::string_view> out;
  for (size_t i = 0; i < s.size();) {
    size_t n = utf8SequenceLength(reinterpret_cast<const unsigned char*>(s.data()) + i, s.size() - i);
    out.push_back(n == 0 ? kReplacement : s.substr(i, n));
    i += n == 0 ? 1 : n;
  }
  return out;
}

std::string_view slackEscape(std::string_view cp) {
  if (cp == "&") return "&amp;";
  if (cp == "<") return "&lt;";
  if (cp == ">") return "&gt;";
  return cp;
}

// `s` as Slack text of at most `max_chars` characters (an entity counts as its length), cut with "…"
// between characters, never inside an entity.
std::string slackText(std::string_view s, size_t max_chars) {
  auto cps = codePoints(s);
  size_t total = 0;
  for (auto cp : cps) total += slackEscape(cp).size() == cp.size() ? 1 : slackEscape(cp).size();
  size_t budget = total <= max_chars ? total : max_chars - 1;
  std::string out;
  size_t used = 0;
  for (auto cp : cps) {
    auto e = slackEscape(cp);
    size_t chars = e.size() == cp.size() ? 1 : e.size();
    if (used + chars > budget) break;
    out += e;
    used += chars;
  }
  if (total > max_chars) out += kEllipsis;
  return out;
}

std::string plainText(std::string_view s, size_t max_chars) {
  auto cps = codePoints(s);
  std::string out;
  for (size_t i = 0; i < cps.size(); ++i) {
    if (cps.size() > max_chars && i + 1 == max_chars) {
      out += kEllipsis;
      break;
    }
    out += cps[i];
  }
  return out;
}

bool isWebLink(const std::string& link) {
  return (link.rfind("https://", 0) == 0 || link.rfind("http://", 0) == 0) &&
         link.find_first_of(std::string_view(" \t\r\n<>|\"\0", 9)) == std::string::npos;
}

std::string slackBody(const std::string& title, const std::string& text, const std::string& link) {
  const std::string heading = slackText(title.empty() ? "hinomi" : title, kSlackTitleChars);
  json blocks = json::array();
  blocks.push_back({{"type", "header"}, {"text", {{"type", "plain_text"}, {"text", heading}, {"emoji", false}}}});
  if (!text.empty()) {
    blocks.push_back({{"type", "section"},
                      {"text", {{"type", "mrkdwn"}, {"text", slackText(text, kSlackTextChars)}, {"verbatim", true}}}});
  }
  if (isWebLink(link)) {
    // The link is hinomi's own (console URL + case id); & still must be written as &amp; in <…|…>.
    blocks.push_back({{"type", "context"},
                      {"elements", json::array({{{"type", "mrkdwn"},
                                                 {"text", "<" + slackText(link, 2000) + "|hinomi で開く / Open in hinomi>"}}})}});
  }
  std::string fallback = heading;
  if (!text.empty()) fallback += "\n" + slackText(text, kSlackTextChars);
  return json{{"text", fallback}, {"blocks", blocks}}.dump(-1, ' ', false, json::error_handler_t::replace);
}

json richText(const std::string& text, bool heading) {
  json run = {{"type", "TextRun"}, {"text", text}};
  if (heading) {
    run["weight"] = "Bolder";
    run["size"] = "Medium";
  }
  return {{"type", "RichTextBlock"}, {"inlines", json::array({run})}, {"spacing", heading ? "Default" : "None"}};
}

std::string teamsBody(const std::string& title, const std::string& text, const std::string& link) {
  json body = json::array();
  body.push_back(richText(plainText(title.empty() ? "hinomi" : title, kTeamsTitleChars), true));
  // One block per line: a run's own line breaks are not kept by every client.
  std::string cut = plainText(text, kTeamsTextChars);
  while (!cut.empty() && (cut.back() == '\n' || cut.back() == '\r')) cut.pop_back();
  size_t lines = 0;
  for (size_t at = 0; !cut.empty();) {
    size_t nl = cut.find('\n', at);
    std::string line = cut.substr(at, nl == std::string::npos ? std::string::npos : nl - at);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (++lines > kTeamsLines) {
      body.push_back(richText(std::string(kEllipsis), false));
      break;
    }
    body.push_back(richText(line.empty() ? " " : line, false));
    if (nl == std::string::npos) break;
    at = nl + 1;
  }
  json card = {{"$schema", "http://adaptivecards.io/schemas/adaptive-card.json"},
               {"type", "AdaptiveCard"},
               {"version", "1.4"},
               {"body", body},
               {"msteams", {{"width", "Full"}}}};
  if (isWebLink(link)) {
    card["actions"] = json::array({{{"type", "Action.OpenUrl"}, {"title", "hinomi で開く / Open in hinomi"}, {"url", link}}});
  }
  json message = {{"type", "message"},
                  {"attachments", json::array({{{"contentType", "application/vnd.microsoft.card.adaptive"},
                                                {"contentUrl", nullptr},
                                                {"content", card}}})}};
  return message.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

std::optional<ChatFormat> chatFormatNamed(std::string_view name) {
  if (name == "slack") return ChatFormat::kSlack;
  if (name == "teams") return ChatFormat::kTeams;
  return std::nullopt;
}

std::string chatBody(ChatFormat f, const std::string& title, const std::string& text, const std::string& link) {
  return f == ChatFormat::kSlack ? slackBody(title, text, link) : teamsBody(title, text, link);
}

}  // namespace hinomi::playbooks::effects
