// prepare_dataset on a hand-worked corpus (vocabularies, ids, buckets, counts computed by hand
// in the comments below and read back through the raw HDF5 wrappers), gzip input, dev split,
// vocabulary reuse, synthetic data, and every bad-input case leaving no output behind.
#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>

#include "s2s/core/error.h"
#include "s2s/data/dataset_file.h"
#include "s2s/data/prepare.h"
#include "s2s/io/h5_file.h"
#include "s2s/io/sha256.h"
#include "unit/io/temp_dir.h"

using namespace s2s;
using namespace s2s::data;
using s2s::test_support::TempDir;
using I32 = std::vector<std::int32_t>;
using I64 = std::vector<std::int64_t>;

namespace {
const std::string kSource =
    "Hello, world!\n"          // 1: Hello , world !          -> bucket 0
    "don't stop\n"             // 2: don ' t stop             -> bucket 0
    "I have 12 cats.\n"        // 3: I have 00 cats .  (5)    -> bucket 1 (5 is not < 5)
    "   \n"                    // 4: empty                    -> skipped
    "a b c d e f g h i j k\n"  // 5: 11 tokens                -> bucket 2
    "world\n"                  // 6: target 9 tokens (9+1=10) -> bucket 1
    "world\n"                  // 7: target 49 tokens         -> dropped (49+1 is not < 50)
    "_UNK world\n";            // 8: a special in the text    -> bucket 0
const std::string kTarget =
    "Bonjour, monde!\n"
    "n'arrête pas\n"
    "J'ai 12 chats.\n"
    "vide\n"
    "x\n"
    "monde monde monde monde monde monde monde monde monde\n"
    "x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x\n"
    "monde _PAD\n";
// Source counts: world 4, then count-1 tokens in first-occurrence order; size 10 keeps 6.
const std::vector<std::string> kSourceVocab = {"_PAD", "_GO", "_EOS", "_UNK", "world", "Hello", ",", "!", "don", "'"};
// Target counts: x 50, monde 11, ' 2, then the rest in first-occurrence order.
const std::vector<std::string> kTargetVocab = {"_PAD", "_GO", "_EOS", "_UNK", "x", "monde", "'", "Bonjour", ",",
                                               "!", "n", "arrête", "pas", "J", "ai", "00", "chats", "."};

PrepareOptions hand_options(const TempDir& dir) {
  PrepareOptions o;
  o.source_path = dir.write("train.src", kSource);
  o.target_path = dir.write("train.tgt", kTarget);
  o.output_path = dir.file("out.h5");
  o.source_vocab_size = 10;
  o.target_vocab_size = 100;
  return o;
}

std::string gzip_file(const TempDir& dir, const std::string& name, const std::string& content) {
  std::string path = dir.file(name);
  gzFile f = gzopen(path.c_str(), "wb");
  gzwrite(f, content.data(), static_cast<unsigned>(content.size()));
  gzclose(f);
  return path;
}

// Everything a test needs to compare two datasets' contents.
struct BucketArrays {
  I32 source_ids, target_ids;
  I64 source_offsets, target_offsets, line;
  bool operator==(const BucketArrays&) const = default;
};
BucketArrays read_bucket(const io::File& f, const std::string& split, int b) {
  io::Group g = f.open_group(split + "/bucket_" + std::to_string(b));
  return {g.read_vector<std::int32_t>("source_ids"), g.read_vector<std::int32_t>("target_ids"),
          g.read_vector<std::int64_t>("source_offsets"), g.read_vector<std::int64_t>("target_offsets"),
          g.read_vector<std::int64_t>("line")};
}

// Runs prepare expecting an s2s::Error; returns its message.
std::string prepare_error(const PrepareOptions& o) {
  try {
    prepare_dataset(o);
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "prepare_dataset succeeded";
  return "";
}
}  // namespace

TEST(Prepare, HandWorkedCorpus) {
  TempDir dir;
  PrepareOptions o = hand_options(dir);
  std::vector<std::string> phases;
  PrepareSummary s = prepare_dataset(o, [&](const PrepareProgress& p) {
    if (p.done) phases.push_back(p.phase);
  });
  EXPECT_EQ(phases, (std::vector<std::string>{"scan train", "write train"}));
  EXPECT_EQ(s.train.pairs_read, 8);
  EXPECT_EQ(s.train.pairs_kept, 6);
  EXPECT_EQ(s.train.pairs_empty, 1);
  EXPECT_EQ(s.train.pairs_too_long, 1);
  EXPECT_EQ(s.train.kept_per_bucket, (I64{3, 2, 1, 0}));
  EXPECT_EQ(s.train.source_tokens, 27);  // 4 + 4 + 2 + 5 + 1 + 11
  EXPECT_EQ(s.train.source_unk, 19);     // t stop | _UNK | I have 00 cats . | a..k
  EXPECT_EQ(s.train.target_tokens, 26);  // 4 + 4 + 2 + 6 + 9 + 1
  EXPECT_EQ(s.train.target_unk, 1);      // _PAD
  EXPECT_FALSE(s.dev.has_value());
  EXPECT_EQ(dir.listing(), (std::vector<std::string>{"out.h5", "train.src", "train.tgt"}));

  auto f = io::File::open(o.output_path);
  EXPECT_EQ(f.attribute_string("format"), "s2s-dataset");
  EXPECT_EQ(f.attribute_int("version"), 1);
  EXPECT_EQ(f.attribute_ints("buckets"), (I64{5, 10, 10, 15, 20, 25, 40, 50}));
  EXPECT_EQ(f.attribute_shape("buckets"), (I64{4, 2}));
  EXPECT_EQ(f.attribute_string("tokenizer"), "basic");
  EXPECT_EQ(f.attribute_int("normalize_digits"), 1);
  EXPECT_EQ(f.read_strings("vocab/source"), kSourceVocab);
  EXPECT_EQ(f.read_strings("vocab/target"), kTargetVocab);
  io::Group train = f.open_group("train");
  EXPECT_EQ(train.attribute_string("source_sha256"), io::sha256_hex(kSource));
  EXPECT_EQ(train.attribute_string("target_sha256"), io::sha256_hex(kTarget));
  EXPECT_EQ(train.attribute_string("source_path"), o.source_path);
  EXPECT_EQ(train.attribute_ints("kept_per_bucket"), (I64{3, 2, 1, 0}));
  EXPECT_EQ(train.attribute_int("pairs_empty"), 1);

  BucketArrays b0 = read_bucket(f, "train", 0);
  EXPECT_EQ(b0.source_ids, (I32{5, 6, 4, 7, /**/ 8, 9, 3, 3, /**/ 3, 4}));
  EXPECT_EQ(b0.source_offsets, (I64{0, 4, 8, 10}));
  EXPECT_EQ(b0.target_ids, (I32{7, 8, 5, 9, /**/ 10, 6, 11, 12, /**/ 5, 3}));
  EXPECT_EQ(b0.target_offsets, (I64{0, 4, 8, 10}));
  EXPECT_EQ(b0.line, (I64{1, 2, 8}));
  BucketArrays b1 = read_bucket(f, "train", 1);
  EXPECT_EQ(b1.source_ids, (I32{3, 3, 3, 3, 3, /**/ 4}));
  EXPECT_EQ(b1.target_ids, (I32{13, 6, 14, 15, 16, 17, /**/ 5, 5, 5, 5, 5, 5, 5, 5, 5}));
  EXPECT_EQ(b1.target_offsets, (I64{0, 6, 15}));
  EXPECT_EQ(b1.line, (I64{3, 6}));
  BucketArrays b2 = read_bucket(f, "train", 2);
  EXPECT_EQ(b2.source_ids, I32(11, 3));
  EXPECT_EQ(b2.target_ids, (I32{4}));
  EXPECT_EQ(b2.line, (I64{5}));
  BucketArrays b3 = read_bucket(f, "train", 3);
  EXPECT_TRUE(b3.source_ids.empty());
  EXPECT_EQ(b3.source_offsets, (I64{0}));
  EXPECT_EQ(f.open_group("train/bucket_1").attribute_int("decoder_size"), 15);
  EXPECT_EQ(f.open_dataset("train/bucket_0/source_ids").deflate_level(), 4);
  EXPECT_TRUE(f.open_dataset("train/bucket_0/source_ids").chunked());

  // The reader agrees with the raw arrays.
  auto ds = Dataset::open(o.output_path);
  EXPECT_EQ(ds->bucket_sizes("train"), (I64{3, 2, 1, 0}));
  EXPECT_FALSE(ds->has_split("dev"));
  ExampleBlock block = ds->read("train", 0, 1, 2);
  EXPECT_EQ(std::vector<std::int32_t>(block.source(0).begin(), block.source(0).end()), (I32{8, 9, 3, 3}));
  EXPECT_EQ(std::vector<std::int32_t>(block.target(1).begin(), block.target(1).end()), (I32{5, 3}));
  EXPECT_EQ(block.example(1).line, 8);
  EXPECT_EQ(block.example(1).example_index, 2);
}

TEST(Prepare, GzipInputGivesTheSameDataset) {
  TempDir dir;
  PrepareOptions plain = hand_options(dir);
  prepare_dataset(plain);
  PrepareOptions gz = plain;
  gz.source_path = gzip_file(dir, "train.src.gz", kSource);
  gz.target_path = gzip_file(dir, "train.tgt.gz", kTarget);
  gz.output_path = dir.file("gz.h5");
  prepare_dataset(gz);
  auto a = io::File::open(plain.output_path), b = io::File::open(gz.output_path);
  EXPECT_EQ(a.read_strings("vocab/source"), b.read_strings("vocab/source"));
  for (int k = 0; k < 4; ++k) EXPECT_EQ(read_bucket(a, "train", k), read_bucket(b, "train", k)) << k;
  EXPECT_EQ(b.open_group("train").attribute_string("source_sha256"), io::sha256_file_hex(gz.source_path));
}

TEST(Prepare, DevSplitUsesTheTrainingVocabulary) {
  TempDir dir;
  PrepareOptions o = hand_options(dir);
  o.dev_source_path = dir.write("dev.src", "world !\nHello\n\n");
  o.dev_target_path = dir.write("dev.tgt", "monde inconnu\nBonjour\nx\n");
  PrepareSummary s = prepare_dataset(o);
  ASSERT_TRUE(s.dev.has_value());
  EXPECT_EQ(s.dev->pairs_read, 3);
  EXPECT_EQ(s.dev->pairs_kept, 2);
  EXPECT_EQ(s.dev->pairs_empty, 1);
  EXPECT_EQ(s.dev->target_unk, 1);  // inconnu
  auto f = io::File::open(o.output_path);
  BucketArrays d0 = read_bucket(f, "dev", 0);
  EXPECT_EQ(d0.source_ids, (I32{4, 7, 5}));
  EXPECT_EQ(d0.target_ids, (I32{5, 3, 7}));
  EXPECT_EQ(d0.line, (I64{1, 2}));
  EXPECT_EQ(Dataset::open(o.output_path)->bucket_sizes("dev"), (I64{2, 0, 0, 0}));
}

TEST(Prepare, OptionsChangeTheOutputAsDocumented) {
  TempDir dir;
  PrepareOptions o = hand_options(dir);
  o.max_pairs = 3;  // translate's max_train_data_size: the first 3 pairs only
  o.tokenizer.normalize_digits = false;
  o.buckets = {{6, 10}};
  PrepareSummary s = prepare_dataset(o);
  EXPECT_EQ(s.train.pairs_read, 3);
  EXPECT_EQ(s.train.kept_per_bucket, (I64{3}));  // "I have 12 cats ." has 5 < 6 tokens
  auto f = io::File::open(o.output_path);
  EXPECT_EQ(f.attribute_int("normalize_digits"), 0);
  // The vocabulary still comes from the whole training file (as translate's create_vocabulary).
  EXPECT_EQ(f.read_strings("vocab/source").size(), 10u);
  EXPECT_EQ(f.attribute_int("max_pairs"), 3);
}

TEST(Prepare, ReusedVocabularies) {
  TempDir dir;
  PrepareOptions o = hand_options(dir);
  o.vocab_from_path = dir.write("vocab.from", "_PAD\n_GO\n_EOS\n_UNK\nstop\nworld\n");
  o.vocab_to_path = dir.write("vocab.to", "_PAD\n_GO\n_EOS\n_UNK\nmonde\n");
  PrepareSummary s = prepare_dataset(o);
  EXPECT_EQ(s.source_vocab, 6);
  auto f = io::File::open(o.output_path);
  EXPECT_EQ(read_bucket(f, "train", 0).source_ids, (I32{3, 3, 5, 3, /**/ 3, 3, 3, 4, /**/ 3, 5}));
  EXPECT_EQ(f.attribute_string("vocab_from"), o.vocab_from_path);
  EXPECT_EQ(f.attribute_string("vocab_from_sha256"), io::sha256_file_hex(o.vocab_from_path));
  o.output_path = dir.file("bad.h5");
  o.vocab_to_path = dir.write("vocab.bad", "_GO\n_PAD\n_EOS\n_UNK\n");
  EXPECT_NE(prepare_error(o).find("vocab.bad:1"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(o.output_path));
}

TEST(Prepare, SyntheticStraightToDatasetEqualsPrepareFromEmittedText) {
  TempDir dir;
  SyntheticOptions syn;
  syn.task = SyntheticTask::Reverse;
  syn.pairs = 700;
  syn.dev_pairs = 60;
  syn.seed = 11;
  PrepareOptions direct;
  direct.synthetic = syn;
  direct.output_path = dir.file("direct.h5");
  PrepareSummary s = prepare_dataset(direct);
  EXPECT_EQ(s.train.pairs_kept, 700);
  EXPECT_EQ(s.source_vocab, 24);  // 4 specials + 20 symbols
  emit_synthetic_text(syn, dir.file("text"), false);
  PrepareOptions text;
  text.source_path = dir.file("text/train.src");
  text.target_path = dir.file("text/train.tgt");
  text.dev_source_path = dir.file("text/dev.src");
  text.dev_target_path = dir.file("text/dev.tgt");
  text.output_path = dir.file("text.h5");
  prepare_dataset(text);
  auto a = io::File::open(direct.output_path), b = io::File::open(text.output_path);
  EXPECT_EQ(a.read_strings("vocab/source"), b.read_strings("vocab/source"));
  EXPECT_EQ(a.read_strings("vocab/target"), b.read_strings("vocab/target"));
  for (const char* split : {"train", "dev"}) {
    for (int k = 0; k < 4; ++k) EXPECT_EQ(read_bucket(a, split, k), read_bucket(b, split, k)) << split << k;
    for (const char* attr : {"source_sha256", "target_sha256"})
      EXPECT_EQ(a.open_group(split).attribute_string(attr), b.open_group(split).attribute_string(attr));
  }
  EXPECT_NE(a.attribute_string("synthetic").find("synthetic:reverse seed=11"), std::string::npos);
  EXPECT_THROW(emit_synthetic_text(syn, dir.file("text"), false), Error);  // exists
}

// --- bad input: an error naming file/line/expectation, and nothing left in the folder ---

TEST(PrepareBadInput, MissingFile) {
  TempDir dir;
  PrepareOptions o = hand_options(dir);
  o.target_path = dir.file("nope.tgt");
  std::string msg = prepare_error(o);
  EXPECT_NE(msg.find("nope.tgt"), std::string::npos) << msg;
  EXPECT_EQ(dir.listing(), (std::vector<std::string>{"train.src", "train.tgt"}));
}

TEST(PrepareBadInput, MismatchedLineCountsNameBothCounts) {
  TempDir dir;
  PrepareOptions o = hand_options(dir);
  o.target_path = dir.write("short.tgt", "a\nb\nc\n");
  std::string msg = prepare_error(o);
  EXPECT_NE(msg.find("train.src has 8 lines"), std::string::npos) << msg;
  EXPECT_NE(msg.find("short.tgt has 3 lines"), std::string::npos) << msg;
  o.source_path = dir.write("short.src", "a\nb\n");
  o.target_path = dir.write("long.tgt", "a\nb\nc\nd\ne\n");
  msg = prepare_error(o);
  EXPECT_NE(msg.find("short.src has 2 lines"), std::string::npos) << msg;
  EXPECT_NE(msg.find("long.tgt has 5 lines"), std::string::npos) << msg;
  EXPECT_EQ(dir.listing(), (std::vector<std::string>{"long.tgt", "short.src", "short.tgt", "train.src", "train.tgt"}));
}

TEST(PrepareBadInput, MismatchInTheDevFilesAlsoWritesNothing) {
  TempDir dir;
  PrepareOptions o = hand_options(dir);
  o.dev_source_path = dir.write("dev.src", "a\n");
  o.dev_target_path = dir.write("dev.tgt", "a\nb\n");
  EXPECT_NE(prepare_error(o).find("dev.tgt has 2 lines"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(o.output_path));
  EXPECT_EQ(dir.listing().size(), 4u);
}

TEST(PrepareBadInput, InvalidUtf8ErrorOrSkip) {
  TempDir dir;
  PrepareOptions o = hand_options(dir);
  o.source_path = dir.write("bad.src", "fine\nab\xff" "cd\nalso fine\n");
  o.target_path = dir.write("bad.tgt", "ok\nok\nok\n");
  std::string msg = prepare_error(o);
  EXPECT_NE(msg.find("bad.src:2: invalid UTF-8 at byte 3"), std::string::npos) << msg;
  EXPECT_FALSE(std::filesystem::exists(o.output_path));
  o.on_invalid = InvalidPolicy::Skip;
  PrepareSummary s = prepare_dataset(o);
  EXPECT_EQ(s.train.pairs_invalid, 1);
  EXPECT_EQ(s.train.pairs_read, 3);
  EXPECT_EQ(s.train.pairs_kept, 2);
  EXPECT_EQ(read_bucket(io::File::open(o.output_path), "train", 0).line, (I64{1, 3}));
}

TEST(PrepareBadInput, ExistingOutputRefusedUnlessForce) {
  TempDir dir;
  PrepareOptions o = hand_options(dir);
  dir.write("out.h5", "precious");
  std::string msg = prepare_error(o);
  EXPECT_NE(msg.find("already exists"), std::string::npos) << msg;
  std::ifstream still(o.output_path);
  std::string content;
  still >> content;
  EXPECT_EQ(content, "precious");
  o.force = true;
  prepare_dataset(o);
  EXPECT_EQ(Dataset::open(o.output_path)->bucket_sizes("train"), (I64{3, 2, 1, 0}));
  EXPECT_EQ(dir.listing(), (std::vector<std::string>{"out.h5", "train.src", "train.tgt"}));
}

TEST(PrepareBadInput, CorruptGzipFailsCleanly) {
  TempDir dir;
  PrepareOptions o = hand_options(dir);
  std::string gz;
  {
    std::string path = gzip_file(dir, "t.gz", kTarget);
    std::ifstream f(path, std::ios::binary);
    gz.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
    std::filesystem::remove(path);
  }
  o.target_path = dir.write("cut.tgt.gz", gz.substr(0, gz.size() - 12));
  std::string msg = prepare_error(o);
  EXPECT_NE(msg.find("cut.tgt.gz"), std::string::npos) << msg;
  EXPECT_FALSE(std::filesystem::exists(o.output_path));
}

TEST(PrepareBadInput, BadOptions) {
  TempDir dir;
  PrepareOptions o = hand_options(dir);
  o.source_vocab_size = 3;
  EXPECT_NE(prepare_error(o).find("expected >= 4"), std::string::npos);
  o = hand_options(dir);
  o.dev_source_path = o.source_path;
  EXPECT_NE(prepare_error(o).find("--dev-target"), std::string::npos);
  o = hand_options(dir);
  o.output_path = dir.file("no/such/folder/out.h5");
  EXPECT_NE(prepare_error(o).find("does not exist"), std::string::npos);
  EXPECT_EQ(dir.listing(), (std::vector<std::string>{"train.src", "train.tgt"}));
}

TEST(PrepareBadInput, NotADatasetIsRefusedByTheReader) {
  TempDir dir;
  {
    auto f = io::File::create(dir.file("other.h5"));
    f.set_attribute("format", "s2s-conformance");
  }
  try {
    Dataset::open(dir.file("other.h5"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not an s2s dataset"), std::string::npos) << e.what();
  }
}
