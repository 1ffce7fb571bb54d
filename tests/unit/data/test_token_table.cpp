// TokenTable against std::map on many tokens (growth, probing, first-occurrence order).
#include <gtest/gtest.h>

#include <map>

#include "s2s/core/philox.h"
#include "s2s/data/token_table.h"

using namespace s2s::data;

TEST(TokenTable, AgreesWithStdMapThroughGrowth) {
  TokenTable t;
  std::map<std::string, std::int64_t> ref;
  std::vector<std::string> first_seen;
  s2s::PhiloxStream rng(1, 2);
  for (int i = 0; i < 200000; ++i) {
    // Tokens of 1..20 bytes from a small alphabet: many repeats and many equal lengths.
    std::string tok(1 + rng.below(20), 'a');
    for (char& c : tok) c = static_cast<char>('a' + rng.below(3));
    bool inserted;
    ++*t.insert(tok, 0, inserted);
    EXPECT_EQ(inserted, ref.find(tok) == ref.end());
    if (inserted) first_seen.push_back(tok);
    ++ref[tok];
  }
  ASSERT_EQ(t.size(), ref.size());
  auto entries = t.entries();
  ASSERT_EQ(entries.size(), first_seen.size());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    EXPECT_EQ(entries[i].token, first_seen[i]);
    EXPECT_EQ(entries[i].value, ref[first_seen[i]]);
  }
  for (const auto& [tok, n] : ref) ASSERT_EQ(*t.find(tok), n) << tok;
  EXPECT_EQ(t.find("zzz"), nullptr);
  EXPECT_EQ(t.find(""), nullptr);
  bool inserted;
  EXPECT_EQ(*t.insert("", 7, inserted), 7);  // the empty token is a key like any other
  EXPECT_TRUE(inserted);
  EXPECT_EQ(*t.find(""), 7);
}
