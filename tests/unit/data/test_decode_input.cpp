// translate's decode helpers on hand cases: tokenisation + lookup, bucket choice with
// truncation to the last I tokens, the B=1 decode batch, and output ids -> text.
#include <gtest/gtest.h>

#include "s2s/data/decode_input.h"

using namespace s2s::data;
using I32 = std::vector<std::int32_t>;

namespace {
Vocabulary small_vocab() {
  return Vocabulary::from_tokens({"_PAD", "_GO", "_EOS", "_UNK", "the", "cat", ",", "00", "'"}, "test");
}
}  // namespace

TEST(DecodeInput, SentenceToIds) {
  Vocabulary v = small_vocab();
  EXPECT_EQ(sentence_to_token_ids("the cat, 42 dogs", v, {}), (I32{4, 5, 6, 7, 3}));
  EXPECT_EQ(sentence_to_token_ids("cat's _EOS", v, {}), (I32{5, 8, 3, 3}));  // a literal _EOS is _UNK
  TokenizerOptions raw{TokenizerKind::Space, false};
  EXPECT_EQ(sentence_to_token_ids("the cat, 42", v, raw), (I32{4, 3, 3}));
}

TEST(DecodeInput, BucketChoiceAndTruncation) {
  std::vector<Bucket> buckets = {{3, 5}, {6, 8}};
  I32 three = {10, 11, 12};
  DecodeInput a = prepare_decode_input(three, buckets);
  EXPECT_EQ(a.bucket, 1);  // the training rule: I = 3 is not > 3
  EXPECT_FALSE(a.truncated);
  EXPECT_TRUE(a.warning.empty());
  DecodeInput t = prepare_decode_input(three, buckets, DecodeBucketRule::Translate);
  EXPECT_EQ(t.bucket, 0);  // translate's non-strict rule: I = 3 >= 3
  EXPECT_FALSE(t.truncated);
  EXPECT_EQ(t.source, three);
  EXPECT_EQ(make_decode_batch(t, buckets).encoder_inputs.to_vector<std::int32_t>(), (I32{12, 11, 10}));  // no PAD
  I32 six = {1, 2, 3, 4, 5, 6};  // exactly the last I: the last bucket, nothing cut, no warning
  for (auto rule : {DecodeBucketRule::Training, DecodeBucketRule::Translate}) {
    DecodeInput c = prepare_decode_input(six, buckets, rule);
    EXPECT_EQ(c.bucket, 1);
    EXPECT_FALSE(c.truncated);
    EXPECT_TRUE(c.warning.empty());
    EXPECT_EQ(c.source, six);
  }
  I32 eight = {1, 2, 3, 4, 5, 6, 7, 8};
  DecodeInput b = prepare_decode_input(eight, buckets);
  EXPECT_EQ(b.bucket, 1);
  EXPECT_TRUE(b.truncated);
  EXPECT_EQ(b.source, (I32{3, 4, 5, 6, 7, 8}));  // the last I = 6 tokens
  EXPECT_NE(b.warning.find("Sentence truncated"), std::string::npos);
  // The encoder sees them reversed: translate feeds the first I of reverse(input).
  s2s::data::Batch batch = make_decode_batch(b, buckets);
  EXPECT_EQ(batch.encoder_inputs.to_vector<std::int32_t>(), (I32{8, 7, 6, 5, 4, 3}));
  EXPECT_EQ(batch.decoder_inputs.to_vector<std::int32_t>(), (I32{1, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(batch.batch_size, 1);
}

TEST(DecodeInput, IdsToTextCutsAtTheFirstEos) {
  Vocabulary v = small_vocab();
  EXPECT_EQ(ids_to_text(I32{4, 5, 3, 2, 4, 4}, v), "the cat _UNK");
  EXPECT_EQ(ids_to_text(I32{2, 4}, v), "");
  EXPECT_EQ(ids_to_text(I32{4, 0, 1}, v), "the _PAD _GO");  // specials print literally
  EXPECT_THROW(ids_to_text(I32{99}, v), s2s::Error);
}

TEST(DecodeInput, DetokenizedTextCutsAtTheFirstEos) {
  Vocabulary v = small_vocab();  // 4 the, 5 cat, 6 ",", 7 00, 8 '
  EXPECT_EQ(ids_to_detokenized_text(I32{4, 5, 8, 4, 6, 3, 2, 6}, v, TokenizerKind::Basic), "the cat'the, _UNK");
  EXPECT_EQ(ids_to_detokenized_text(I32{7, 6, 7, 2}, v, TokenizerKind::Basic), "00,00");
  EXPECT_EQ(ids_to_detokenized_text(I32{4, 6, 5, 2}, v, TokenizerKind::Space), "the , cat");
  EXPECT_EQ(ids_to_detokenized_text(I32{2, 4}, v, TokenizerKind::Basic), "");
  EXPECT_THROW(ids_to_detokenized_text(I32{99}, v, TokenizerKind::Basic), s2s::Error);
}
