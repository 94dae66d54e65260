// Positional CSV for decoders (Palo Alto): the split itself, the decoder key `csv`, and its errors.
#include "correlator/decoders/csv_columns.h"

#include <gtest/gtest.h>

#include "correlator/decoders/decoder_loader.h"

namespace hinomi::correlator {
namespace {

std::vector<std::string> split(std::string_view text, char sep = ',') {
  std::vector<std::string> out{"stale"};
  splitCsv(text, sep, out);
  return out;
}

using V = std::vector<std::string>;

TEST(CsvColumnsTest, PlainQuotedEmptyAndDoubledQuotes) {
  EXPECT_EQ(split("a,b,c"), (V{"a", "b", "c"}));
  EXPECT_EQ(split(""), (V{""}));
  EXPECT_EQ(split(",,"), (V{"", "", ""}));
  EXPECT_EQ(split("1,\"www.example.lg.jp/a?b=1,2\",x"), (V{"1", "www.example.lg.jp/a?b=1,2", "x"}));
  EXPECT_EQ(split("\"say \"\"hi\"\"\",2"), (V{"say \"hi\"", "2"}));
  EXPECT_EQ(split("a;b,c", ';'), (V{"a", "b,c"}));
}

TEST(CsvColumnsTest, MalformedQuotingKeepsEveryByte) {
  // An unterminated quote takes the rest; bytes after a closing quote stay in the value.
  EXPECT_EQ(split("a,\"open,b,c"), (V{"a", "open,b,c"}));
  EXPECT_EQ(split("\"q\"tail,z"), (V{"qtail", "z"}));
  EXPECT_EQ(split("a,\""), (V{"a", ""}));
}

Event decodeWith(const std::string& yaml, const std::string& message) {
  DecoderLoader loader;
  loader.addText(yaml, "d.yaml");
  auto l = std::move(loader).finish();
  EXPECT_TRUE(l.ok()) << l.errorText();
  Event e;
  e.message = message;
  l.set.decode(e);
  return e;
}

TEST(CsvColumnsTest, ColumnsBecomeFieldsBeforeMapsAndTypes) {
  const char* yaml =
      "decoders:\n"
      "  - name: csvdev\n"
      "    prefilter: 'TRAFFIC'\n"
      "    csv: {columns: ['', kind, source.ip, '', source.port]}\n"
      "    map: {kind: event.type}\n"
      "    types: {source.ip: ip, source.port: int, event.type: string}\n";
  Event e = decodeWith(yaml, "1,TRAFFIC,::ffff:10.0.0.1,skipped,51544,extra,more");
  EXPECT_EQ(e.decoder, "csvdev");
  EXPECT_EQ(e.fields["source.ip"], "10.0.0.1");
  EXPECT_EQ(e.fields["source.port"], 51544);
  EXPECT_EQ(e.fields["event.type"], "TRAFFIC");
  EXPECT_EQ(e.fields.size(), 4u);  // kind, event.type, source.ip, source.port: skipped and extra positions set nothing

  Event shorter = decodeWith(yaml, "1,TRAFFIC");
  EXPECT_EQ(shorter.fields["kind"], "TRAFFIC");
  EXPECT_FALSE(shorter.fields.contains("source.ip"));
}

TEST(CsvColumnsTest, LoaderRefusesBadCsvKeys) {
  DecoderLoader loader;
  loader.addText(
      "decoders:\n"
      "  - name: a\n"
      "    prefilter: x\n"
      "    csv: {columns: [], separator: ';;'}\n"
      "  - name: b\n"
      "    prefilter: x\n"
      "    csv: {columns: [a, b, a], quote: \"'\"}\n"
      "  - name: c\n"
      "    prefilter: x\n"
      "    csv: [a, b]\n",
      "d.yaml");
  auto l = std::move(loader).finish();
  ASSERT_FALSE(l.ok());
  auto text = l.errorText();
  EXPECT_NE(text.find("d.yaml:4:35: error: decoder 'a'.csv.separator: expected one character"), std::string::npos) << text;
  EXPECT_NE(text.find("d.yaml:4:20: error: decoder 'a'.csv.columns: expected a non-empty list"), std::string::npos) << text;
  EXPECT_NE(text.find("d.yaml:7:27: error: decoder 'b'.csv.columns: 'a' names two positions"), std::string::npos) << text;
  EXPECT_NE(text.find("d.yaml:7:31: error: decoder 'b'.csv: unknown key 'quote'"), std::string::npos) << text;
  EXPECT_NE(text.find("d.yaml:10:10: error: decoder 'c'.csv: expected {columns: [...], separator: ','}"), std::string::npos) << text;
}

}  // namespace
}  // namespace hinomi::correlator
