// Vocabulary: order (count desc, ties by first occurrence), size limit including specials,
// specials never added and mapped to _UNK, files (strip, later duplicate wins, header check).
#include <gtest/gtest.h>

#include "s2s/core/error.h"
#include "s2s/data/vocabulary.h"
#include "unit/io/temp_dir.h"

using namespace s2s::data;
using V = std::vector<std::string>;

TEST(Vocabulary, CountOrderWithTiesInFirstOccurrenceOrder) {
  VocabularyCounter c;
  // counts: b=3, a=2, d=2 (a seen before d), c=1, e=1 (c before e)
  for (const char* t : {"a", "b", "c", "b", "a", "d", "b", "e", "d"}) c.add(t);
  Vocabulary v = c.build(100);
  EXPECT_EQ(v.tokens(), (V{"_PAD", "_GO", "_EOS", "_UNK", "b", "a", "d", "c", "e"}));
  EXPECT_EQ(v.id("b"), 4);
  EXPECT_EQ(v.id("e"), 8);
  EXPECT_EQ(v.id("zzz"), kUnkId);
  // The size limit includes the four specials: 6 keeps b and a.
  EXPECT_EQ(c.build(6).tokens(), (V{"_PAD", "_GO", "_EOS", "_UNK", "b", "a"}));
  EXPECT_EQ(c.build(4).size(), 4);
  EXPECT_THROW(c.build(3), s2s::Error);
}

TEST(Vocabulary, SpecialsInTheCorpusAreNeverAddedAndMapToUnk) {
  VocabularyCounter c;
  for (const char* t : {"_PAD", "_EOS", "_EOS", "x", "_GO", "_UNK"}) c.add(t);
  EXPECT_EQ(c.distinct(), 1u);
  Vocabulary v = c.build(40);
  EXPECT_EQ(v.tokens(), (V{"_PAD", "_GO", "_EOS", "_UNK", "x"}));
  for (const char* s : {"_PAD", "_GO", "_EOS", "_UNK"}) EXPECT_EQ(v.id(s), kUnkId) << s;
  EXPECT_EQ(v.token(kPadId), "_PAD");
  EXPECT_EQ(v.token(kEosId), "_EOS");
  EXPECT_THROW(v.token(5), s2s::Error);
}

TEST(Vocabulary, FilesRoundTripStripAndLaterDuplicateWins) {
  s2s::test_support::TempDir dir;
  auto path = dir.write("vocab.from", "_PAD\n_GO\n_EOS\n_UNK\n  the \t\nhouse\r\nthe\n");
  Vocabulary v = Vocabulary::load(path);
  EXPECT_EQ(v.size(), 7);
  EXPECT_EQ(v.token(4), "the");
  EXPECT_EQ(v.token(5), "house");
  EXPECT_EQ(v.id("the"), 6);  // translate's dict: the later line wins
  EXPECT_EQ(v.id("house"), 5);
  v.save(dir.file("copy"));
  EXPECT_EQ(Vocabulary::load(dir.file("copy")).tokens(), v.tokens());
}

TEST(Vocabulary, FileMustStartWithTheSpecials) {
  s2s::test_support::TempDir dir;
  try {
    Vocabulary::load(dir.write("bad", "_PAD\n_EOS\n_GO\n_UNK\nx\n"));
    FAIL();
  } catch (const s2s::Error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("bad:2"), std::string::npos) << msg;
    EXPECT_NE(msg.find("_GO"), std::string::npos) << msg;
  }
  EXPECT_THROW(Vocabulary::load(dir.write("short", "_PAD\n_GO\n")), s2s::Error);
  EXPECT_THROW(Vocabulary::load(dir.write("utf", "_PAD\n_GO\n_EOS\n_UNK\n\xff\n")), s2s::Error);
  EXPECT_THROW(Vocabulary::load(dir.file("missing")), s2s::Error);
}
