// Owns: self-contained models end to end (issue 13 items 2 and 8): a checkpoint directory copied
// elsewhere with its dataset deleted decodes exactly as before; `s2s eval --source --target` needs
// no dataset and gives the dataset split's perplexity, plus BLEU/chrF equal to `s2s score` of
// `s2s decode`'s output; a dataset whose vocabularies differ (same sizes) is an error naming both
// files; a format-1 checkpoint (no /model group) loads with its dataset or asks for --dataset;
// `s2s export` writes a file h5py reads (vocabulary and parameters compared with the dataset and
// the checkpoint) that decodes as the checkpoint does; `s2s average` equals the element-wise mean
// computed here in long double; and each error of export/average/eval.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <hdf5.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <sstream>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "s2s/checkpoint/checkpoint.h"
#include "s2s/checkpoint/checksummed.h"
#include "s2s/data/dataset_file.h"
#include "s2s/io/crc32c.h"
#include "s2s/io/h5_file.h"
#include "s2s/model/model_file.h"
#include "support.h"

namespace s2s::itest {
namespace {
namespace fs = std::filesystem;
using ::testing::AllOf;
using ::testing::HasSubstr;

// The dev split of a dataset as text, one pair per line (tokens joined by spaces).
void write_dev_text(const std::string& dataset, const std::string& src, const std::string& tgt) {
  auto ds = data::Dataset::open(dataset);
  std::string s, t;
  const auto sizes = ds->bucket_sizes("dev");
  for (std::size_t b = 0; b < sizes.size(); ++b) {
    const auto block = ds->read("dev", static_cast<int>(b), 0, sizes[b]);
    for (std::int64_t i = 0; i < block.size(); ++i) {
      auto join = [](std::span<const std::int32_t> ids, const data::Vocabulary& v) {
        std::string out;
        for (auto id : ids) out += (out.empty() ? "" : " ") + v.token(id);
        return out + "\n";
      };
      s += join(block.source(i), ds->source_vocab());
      t += join(block.target(i), ds->target_vocab());
    }
  }
  write_file(src, s);
  write_file(tgt, t);
}

class SelfContained : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmp_ = new TempDir;
    dataset_ = *tmp_ / "tiny.h5";
    make_dataset(dataset_);
    dir_ = *tmp_ / "train";
    train_local(make_config(tiny_overrides(dataset_, dir_)));  // checkpoints 4, 8, 12
    write_dev_text(dataset_, *tmp_ / "dev.src", *tmp_ / "dev.tgt");
  }
  static void TearDownTestSuite() { delete tmp_; }
  static std::string scratch() { return tmp_->path(); }
  static std::string decode(const std::string& model, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"decode", "--checkpoint", model, "-i", *tmp_ / "dev.src"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = run_s2s(args, scratch());
    EXPECT_EQ(r.code, 0) << r.err;
    return r.out;
  }
  static inline TempDir* tmp_ = nullptr;
  static inline std::string dataset_, dir_;
};

TEST_F(SelfContained, CopiedCheckpointDecodesWithoutTheDataset) {
  TempDir own;
  const std::string data = own / "data.h5", train = own / "train";
  make_dataset(data);
  train_local(make_config([&] {
    auto s = tiny_overrides(data, train);
    s.push_back("train.max_steps=8");
    return s;
  }()));
  const std::string before = decode(train);
  ASSERT_EQ(lines_of(before).size(), lines_of(read_file(*tmp_ / "dev.src")).size());
  TempDir elsewhere;
  fs::copy(train, elsewhere / "model", fs::copy_options::recursive);
  fs::remove_all(own.path());  // the dataset and the original train_dir are gone
  ASSERT_FALSE(fs::exists(data));
  EXPECT_EQ(decode(elsewhere / "model"), before);
  auto r = run_s2s({"eval", "--checkpoint", elsewhere / "model", "--source", *tmp_ / "dev.src", "--target",
                    *tmp_ / "dev.tgt", "--json"},
                   scratch());
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_TRUE(j.contains("bleu") && j.contains("chrf")) << r.out;
  // Without text and without the dataset there is nothing to evaluate.
  r = run_s2s({"eval", "--checkpoint", elsewhere / "model"}, scratch());
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, AllOf(HasSubstr(data + ", does not exist here"), HasSubstr("pass --source and --target")));
}

TEST_F(SelfContained, EvalOnTextEqualsTheDatasetSplitAndScoresTheDecodedText) {
  auto text = run_s2s({"eval", "--checkpoint", dir_, "--source", *tmp_ / "dev.src", "--target", *tmp_ / "dev.tgt",
                       "--json"},
                      scratch());
  ASSERT_EQ(text.code, 0) << text.err;
  auto split = run_s2s({"eval", "--checkpoint", dir_, "--dataset", dataset_, "--split", "dev", "--json"}, scratch());
  ASSERT_EQ(split.code, 0) << split.err;
  const auto jt = nlohmann::json::parse(text.out), js = nlohmann::json::parse(split.out);
  EXPECT_EQ(jt.at("overall").at("examples"), js.at("overall").at("examples"));
  EXPECT_EQ(jt.at("overall").at("tokens"), js.at("overall").at("tokens"));
  EXPECT_NEAR(jt.at("overall").at("loss").get<double>(), js.at("overall").at("loss").get<double>(), 1e-12);
  EXPECT_EQ(jt.at("pairs_too_long").get<int>(), 0);
  // BLEU/chrF of eval = s2s score of s2s decode's output against the same references.
  write_file(scratch() + "/dev.hyp", decode(dir_));
  auto sc = run_s2s({"score", "--hyp", scratch() + "/dev.hyp", "--ref", *tmp_ / "dev.tgt", "--json"}, scratch());
  ASSERT_EQ(sc.code, 0) << sc.err;
  const auto jsc = nlohmann::json::parse(sc.out);
  EXPECT_DOUBLE_EQ(jt.at("bleu").at("score").get<double>(), jsc.at("bleu").at("score").get<double>());
  EXPECT_DOUBLE_EQ(jt.at("chrf").at("score").get<double>(), jsc.at("chrf").at("score").get<double>());
  // The table names both metrics.
  auto table = run_s2s({"eval", "--checkpoint", dir_, "--source", *tmp_ / "dev.src", "--target", *tmp_ / "dev.tgt"},
                       scratch());
  ASSERT_EQ(table.code, 0) << table.err;
  EXPECT_THAT(table.out, AllOf(HasSubstr("BLEU|nrefs:1"), HasSubstr("chrF2|nrefs:1"), HasSubstr("greedy")));
}

TEST_F(SelfContained, DatasetWithAnotherVocabularyOfTheSameSizeIsAnError) {
  const std::string other = scratch() + "/other.h5";
  TinyData d;
  d.seed = 99;
  make_dataset(other, d);
  const auto a = data::Dataset::open(dataset_), b = data::Dataset::open(other);
  ASSERT_EQ(a->source_vocab().size(), b->source_vocab().size());
  ASSERT_NE(a->source_vocab().tokens(), b->source_vocab().tokens()) << "pick another seed: the test needs a difference";
  for (const std::string cmd : {"decode", "eval"}) {
    auto r = run_s2s({cmd, "--checkpoint", dir_, "--dataset", other, "--batch-size", "4"},
                     scratch(), 60, "a b\n");
    EXPECT_EQ(r.code, 1) << cmd;
    EXPECT_THAT(r.err, AllOf(HasSubstr(other), HasSubstr(dir_ + "/ckpt-12.h5"), HasSubstr("vocabulary: id")))
        << cmd;
  }
  // The right dataset is accepted.
  EXPECT_EQ(decode(dir_, {"--dataset", dataset_}), decode(dir_));
}

// Every dataset's crc32c recomputed over its bytes alone, as formats 1-2 wrote them (format 3
// also sums the path): what turns a rewritten file into a genuine older one. The scheme is
// written out here from docs/checkpoint-format.md, not taken from the writer.
void restamp_data_only(io::File& f) {
  std::function<void(const io::Group&)> walk = [&](const io::Group& g) {
    for (const auto& child : g.children()) {
      if (g.contains_group(child)) {
        walk(g.open_group(child));
        continue;
      }
      io::Dataset ds = g.open_dataset(child);
      std::uint32_t crc = 0;
      io::H5Lock lock;
      io::H5Id type(H5Dget_type(ds.id()));
      if (H5Tget_class(type.get()) == H5T_STRING) {
        const auto v = ds.read_strings();
        EXPECT_EQ(v.size(), 1u) << ds.path() << ": only single strings are left in a format-1 file";
        crc = io::crc32c(v.at(0));
      } else if (H5Tget_class(type.get()) == H5T_INTEGER && H5Tget_sign(type.get()) == H5T_SGN_NONE) {
        std::uint64_t v[3] = {};  // the RNG triples
        EXPECT_EQ(H5Dread(ds.id(), H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, v), 0);
        crc = io::crc32c(v, sizeof(v));
      } else {
        const Tensor t = ds.read_tensor();
        crc = io::crc32c(t.raw(), t.nbytes());
      }
      ds.set_attribute("crc32c", static_cast<std::int64_t>(crc));
    }
  };
  walk(f);
}

// ckpt-8.h5 turned into format 1: no /model group, no manifest or run id, data-only checksums,
// format_version 1, its config naming `named`.
std::string make_format_one(const std::string& from, const std::string& to, const std::string& named,
                            const std::string& was) {
  fs::copy_file(from, to, fs::copy_options::overwrite_existing);
  std::string yaml = checkpoint::read_checkpoint(from).config_yaml;
  const auto at = yaml.find(was);
  EXPECT_NE(at, std::string::npos);
  yaml.replace(at, was.size(), named);
  io::File f = io::File::open(to, io::FileAccess::ReadWrite);
  {
    io::H5Lock lock;
    for (const char* gone : {"model", "meta/config_yaml", "manifest", "state/run_id"})
      S2S_H5_CHECK(H5Ldelete(f.id(), gone, H5P_DEFAULT));
    S2S_H5_CHECK(H5Adelete(f.id(), "format_version"));
  }
  f.set_attribute("format_version", std::int64_t{1});
  io::Group meta = f.open_group("meta");
  checkpoint::put_string(meta, "config_yaml", yaml);
  meta = io::Group();
  restamp_data_only(f);
  f.close();
  return to;
}

TEST_F(SelfContained, FormatOneCheckpointNeedsItsDataset) {
  const std::string v1 = make_format_one(dir_ + "/ckpt-8.h5", scratch() + "/v1.h5", scratch() + "/gone/tiny.h5",
                                         dataset_);
  EXPECT_EQ(checkpoint::read_checkpoint(v1).info.format_version, 1);
  EXPECT_TRUE(checkpoint::read_checkpoint(v1).assets.empty());
  auto r = run_s2s({"decode", "--checkpoint", v1}, scratch(), 60, "a b\n");
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, AllOf(HasSubstr(v1), HasSubstr("format version 1"), HasSubstr(scratch() + "/gone/tiny.h5"),
                           HasSubstr("pass --dataset")));
  EXPECT_EQ(decode(v1, {"--dataset", dataset_}), decode(dir_ + "/ckpt-8.h5"));
  // The dataset its config names, when it exists, is used.
  const std::string v1_named = make_format_one(dir_ + "/ckpt-8.h5", scratch() + "/v1b.h5", dataset_, dataset_);
  EXPECT_EQ(decode(v1_named), decode(dir_ + "/ckpt-8.h5"));
  // export needs the dataset too, and then carries it.
  r = run_s2s({"export", "--checkpoint", v1, "-o", scratch() + "/v1.export.h5"}, scratch());
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("pass --dataset"));
  r = run_s2s({"export", "--checkpoint", v1, "--dataset", dataset_, "-o", scratch() + "/v1.export.h5"}, scratch());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(decode(scratch() + "/v1.export.h5"), decode(dir_ + "/ckpt-8.h5"));
}

TEST_F(SelfContained, ExportIsReadableWithH5pyAndDecodesAsTheCheckpoint) {
  const std::string out = scratch() + "/model.h5";
  auto r = run_s2s({"export", "--checkpoint", dir_, "-o", out}, scratch());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, out + "\n");
  EXPECT_EQ(decode(out), decode(dir_));
  const auto ckpt = checkpoint::read_checkpoint(dir_ + "/ckpt-12.h5");
  std::string param;  // the output projection's bias [V] (full softmax)
  for (const auto& [name, t] : ckpt.params)
    if (name.ends_with("AttnOutputProjection/bias")) param = name;
  ASSERT_FALSE(param.empty());
  std::string python;  // the first interpreter with h5py (a pyenv shim may shadow Debian's)
  for (const std::string candidate : {"python3", "/usr/bin/python3"})
    if (python.empty() && run_process({candidate, "-c", "import h5py"}, scratch()).code == 0) python = candidate;
  if (python.empty()) GTEST_SKIP() << "python3-h5py is not installed";
  const std::string script =
      "import h5py, sys\n"
      "f = h5py.File(sys.argv[1], 'r')\n"
      "print(f.attrs['format'])\n"
      "print('optimizer' in f, 'state' in f)\n"
      "print(' '.join(t.decode() for t in f['model/vocab/source'][:]))\n"
      "print(f['model/tokenizer/type'][0].decode(), int(f['model/tokenizer/normalize_digits'][()]))\n"
      "print(' '.join(repr(float(x)) for x in f['params/" + param + "'][:]))\n";
  auto py = run_process({python, "-c", script, out}, scratch());
  ASSERT_EQ(py.code, 0) << py.err;
  const auto lines = lines_of(py.out);
  ASSERT_EQ(lines.size(), 5u) << py.out;
  EXPECT_EQ(lines[0], "s2s-model");
  EXPECT_EQ(lines[1], "False False");
  std::string vocab;
  const auto ds = data::Dataset::open(dataset_);
  for (const auto& t : ds->source_vocab().tokens()) vocab += (vocab.empty() ? "" : " ") + t;
  EXPECT_EQ(lines[2], vocab);
  EXPECT_EQ(lines[3], "basic 1");
  std::istringstream values(lines[4]);
  const Tensor& p = ckpt.params.at(param);
  for (std::int64_t i = 0; i < p.numel(); ++i) {
    double v = 0;
    values >> v;
    EXPECT_EQ(static_cast<float>(v), p.data<float>()[i]) << i;
  }
}

TEST_F(SelfContained, AverageIsTheElementwiseMean) {
  const std::string out = scratch() + "/avg.h5";
  auto r = run_s2s({"average", "--last", "3", "--train-dir", dir_, "-o", out}, scratch());
  ASSERT_EQ(r.code, 0) << r.err;
  const auto avg = model::read_model_file(out);
  EXPECT_EQ(avg.global_step, 12);
  std::vector<checkpoint::CheckpointState> in;
  for (int step : {4, 8, 12}) in.push_back(checkpoint::read_checkpoint(dir_ + "/ckpt-" + std::to_string(step) + ".h5"));
  ASSERT_EQ(avg.params.size(), in[0].params.size());
  for (const auto& [name, t] : in[0].params) {
    const Tensor& a = avg.params.at(name);
    ASSERT_EQ(a.dtype(), DType::F32);
    ASSERT_EQ(a.shape(), t.shape());
    for (std::int64_t i = 0; i < t.numel(); ++i) {
      long double sum = 0;
      for (const auto& st : in) sum += st.params.at(name).data<float>()[i];
      const float want = static_cast<float>(sum / 3);
      const float got = a.data<float>()[i];
      // Rounded once from a float64 sum: at most one float32 step from the exact mean's rounding.
      EXPECT_LE(std::fabs(got - want), std::fabs(std::nextafter(want, 2 * want + 1) - want)) << name << "[" << i << "]";
    }
  }
  // --checkpoints with the same files gives the same parameters; the result decodes.
  const std::string out2 = scratch() + "/avg2.h5";
  r = run_s2s({"average", "--checkpoints", dir_ + "/ckpt-4.h5", dir_ + "/ckpt-8.h5", dir_ + "/ckpt-12.h5", "-o", out2},
              scratch());
  ASSERT_EQ(r.code, 0) << r.err;
  const auto avg2 = model::read_model_file(out2);
  for (const auto& [name, t] : avg.params)
    EXPECT_EQ(0, std::memcmp(t.raw(), avg2.params.at(name).raw(), t.nbytes())) << name;
  EXPECT_EQ(lines_of(decode(out)).size(), lines_of(read_file(*tmp_ / "dev.src")).size());
}

TEST_F(SelfContained, AverageErrors) {
  // Another vocabulary (same size): not the same model.
  auto m = model::read_model_file(dir_ + "/ckpt-4.h5");
  std::swap(m.assets.target_vocab[4], m.assets.target_vocab[5]);
  model::write_model_file(scratch() + "/swapped.h5", m);
  auto r = run_s2s({"average", "--checkpoints", dir_ + "/ckpt-8.h5", scratch() + "/swapped.h5", "-o",
                    scratch() + "/bad.h5"},
                   scratch());
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, AllOf(HasSubstr("not the same model"), HasSubstr("target vocabulary: id 4"),
                           HasSubstr(dir_ + "/ckpt-8.h5"), HasSubstr("swapped.h5")));
  EXPECT_FALSE(fs::exists(scratch() + "/bad.h5"));
  // A parameter of another shape.
  m = model::read_model_file(dir_ + "/ckpt-4.h5");
  m.params["proj_b"] = Tensor::from_vector<float>({2}, {1, 2});
  model::write_model_file(scratch() + "/reshaped.h5", m);
  r = run_s2s({"average", "--checkpoints", dir_ + "/ckpt-8.h5", scratch() + "/reshaped.h5", "-o",
               scratch() + "/bad.h5"},
              scratch());
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, AllOf(HasSubstr("parameter proj_b"), HasSubstr("reshaped.h5")));
  r = run_s2s({"average", "--last", "9", "--train-dir", dir_, "-o", scratch() + "/bad.h5"}, scratch());
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("has only 3 checkpoint(s)"));
  r = run_s2s({"average", "-o", scratch() + "/bad.h5"}, scratch());
  EXPECT_NE(r.code, 0);
  EXPECT_THAT(r.err, HasSubstr("--last N --train-dir DIR"));
}

TEST_F(SelfContained, EvalErrors) {
  auto r = run_s2s({"eval", "--checkpoint", dir_, "--source", *tmp_ / "dev.src"}, scratch());
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("--source and --target go together"));
  write_file(scratch() + "/short.tgt", "a\n");
  r = run_s2s({"eval", "--checkpoint", dir_, "--source", *tmp_ / "dev.src", "--target", scratch() + "/short.tgt"},
              scratch());
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, HasSubstr("short.tgt"));
}

TEST_F(SelfContained, CorruptVocabularyIsDetected) {
  // Flip the stored checksum of the source vocabulary: reading must refuse the file.
  const std::string copy = scratch() + "/corrupt.h5";
  fs::copy_file(dir_ + "/ckpt-4.h5", copy, fs::copy_options::overwrite_existing);
  {
    io::File f = io::File::open(copy, io::FileAccess::ReadWrite);
    io::Dataset ds = f.open_dataset("model/vocab/source");
    const std::int64_t crc = ds.attribute_int("crc32c");
    {
      io::H5Lock lock;
      S2S_H5_CHECK(H5Adelete(ds.id(), "crc32c"));
    }
    ds.set_attribute("crc32c", crc ^ 1);
    ds = io::Dataset();
    f.close();
  }
  auto r = run_s2s({"decode", "--checkpoint", copy}, scratch(), 60, "a b\n");
  EXPECT_EQ(r.code, 1);
  EXPECT_THAT(r.err, AllOf(HasSubstr("corrupt.h5"), HasSubstr("model/vocab/source"), HasSubstr("checksum mismatch")));
}

}  // namespace
}  // namespace s2s::itest
