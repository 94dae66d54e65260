#include "collector/sources/json_batch.h"

#include <gtest/gtest.h>

namespace hinomi::collector {
namespace {

std::vector<std::string> texts(const std::vector<JsonObjectText>& objects) {
  std::vector<std::string> out;
  for (const auto& o : objects) out.emplace_back(o.text);
  return out;
}

TEST(JsonBatchTest, OneObjectKeepsItsExactText) {
  std::vector<JsonObjectText> objects;
  JsonBatchError error;
  ASSERT_TRUE(splitJsonBatch("  {\"a\": 1,  \"b\": \"x\"}\n", false, objects, error)) << error.message;
  EXPECT_EQ(texts(objects), std::vector<std::string>{"{\"a\": 1,  \"b\": \"x\"}"});
}

TEST(JsonBatchTest, ArrayGivesEachElementWithItsLine) {
  std::vector<JsonObjectText> objects;
  JsonBatchError error;
  const std::string body = "[\n {\"a\": [1, {\"n\": \"],}\"}]},\n  {\"b\": \"\\\"{\"}\n]";
  ASSERT_TRUE(splitJsonBatch(body, false, objects, error)) << error.message;
  EXPECT_EQ(texts(objects), (std::vector<std::string>{"{\"a\": [1, {\"n\": \"],}\"}]}", "{\"b\": \"\\\"{\"}"}));
  EXPECT_EQ(objects[0].line, 2);
  EXPECT_EQ(objects[1].line, 3);
  ASSERT_TRUE(splitJsonBatch("[ ]", false, objects, error));
  EXPECT_TRUE(objects.empty());
}

TEST(JsonBatchTest, NdjsonSkipsBlankLinesAndCountsThem) {
  std::vector<JsonObjectText> objects;
  JsonBatchError error;
  ASSERT_TRUE(splitJsonBatch("{\"a\":1}\r\n\n  \n{\"b\":2}", true, objects, error)) << error.message;
  EXPECT_EQ(texts(objects), (std::vector<std::string>{"{\"a\":1}", "{\"b\":2}"}));
  EXPECT_EQ(objects[1].line, 4);
}

TEST(JsonBatchTest, FaultsNameTheirLine) {
  std::vector<JsonObjectText> objects;
  JsonBatchError error;
  EXPECT_FALSE(splitJsonBatch("{\"a\":1}\n{\"b\":2}\n{\"c\":}\n", true, objects, error));
  EXPECT_EQ(error.line, 3);
  EXPECT_NE(error.message.find("invalid JSON"), std::string::npos) << error.message;
  EXPECT_FALSE(splitJsonBatch("{\"a\":1}\n[1]\n", true, objects, error));
  EXPECT_EQ(error.line, 2);
  EXPECT_FALSE(splitJsonBatch("[\n{\"a\":1},\n{\"b\": tru}\n]", false, objects, error));
  EXPECT_EQ(error.line, 3);
  EXPECT_FALSE(splitJsonBatch("[\n{\"a\":1},\n\n 7\n]", false, objects, error));
  EXPECT_EQ(error.line, 4);
  EXPECT_NE(error.message.find("element 2"), std::string::npos) << error.message;
  EXPECT_FALSE(splitJsonBatch("\"just a string\"", false, objects, error));
  EXPECT_FALSE(splitJsonBatch("{\"a\":1} {\"b\":2}", false, objects, error));  // two values: use NDJSON
  EXPECT_FALSE(splitJsonBatch("", false, objects, error));
  EXPECT_FALSE(splitJsonBatch("{\"a\": \"\xff\"}", false, objects, error));  // not UTF-8
}

TEST(JsonBatchTest, DeepNestingIsCheckedWithoutRecursion) {
  std::string deep = "{\"a\":" + std::string(100000, '[') + std::string(100000, ']') + "}";
  std::vector<JsonObjectText> objects;
  JsonBatchError error;
  EXPECT_TRUE(splitJsonBatch(deep, false, objects, error)) << error.message;
  EXPECT_EQ(objects.size(), 1u);
}

}  // namespace
}  // namespace hinomi::collector
