// Tests of the typed config: defaults against translate's (spec §8, listed here by hand), YAML and
// --set parsing, error messages (key, bad value, allowed values, did-you-mean), dump round trip,
// and that docs/config.md holds the table generated from the option table.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "s2s/core/error.h"
#include "s2s/config/config.h"

using namespace s2s;
using namespace s2s::config;
using ::testing::HasSubstr;

namespace {

std::string source_dir() {
  if (const char* d = std::getenv("S2S_SOURCE_DIR")) return d;
  const std::string here = __FILE__;  // <root>/tests/unit/train/test_config.cpp
  return here.substr(0, here.rfind("/tests/unit/train/"));
}

std::string error_of(auto&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST(Config, DefaultsAreTranslateTutorial) {
  TrainConfig c;
  EXPECT_EQ(c.model.cell, CellType::Gru);
  EXPECT_EQ(c.model.size, 1024);
  EXPECT_EQ(c.model.num_layers, 3);
  EXPECT_EQ(c.model.effective_embedding_size(), 1024);
  EXPECT_EQ(c.model.num_heads, 1);
  EXPECT_TRUE(c.model.attention);
  EXPECT_EQ(c.model.num_samples, 512);
  EXPECT_EQ(c.model.dtype, DType::F32);
  EXPECT_EQ(c.optim.optimizer, OptimizerKind::Sgd);
  EXPECT_DOUBLE_EQ(c.optim.learning_rate, 0.5);
  EXPECT_DOUBLE_EQ(c.optim.learning_rate_decay_factor, 0.99);
  EXPECT_EQ(c.optim.decay, DecayPolicy::Plateau);
  EXPECT_DOUBLE_EQ(c.optim.max_gradient_norm, 5.0);
  EXPECT_EQ(c.optim.warmup_steps, 0);
  EXPECT_EQ(c.train.batch_size, 64);
  EXPECT_EQ(c.train.steps_per_checkpoint, 200);
  EXPECT_EQ(c.train.keep_checkpoints, 5);
  EXPECT_EQ(c.data.max_train_data_size, 0);
  const std::vector<Bucket> translate_buckets = {{5, 10}, {10, 15}, {20, 25}, {40, 50}};
  EXPECT_EQ(c.data.buckets, translate_buckets);
  EXPECT_TRUE(c.explicit_keys.empty());
  EXPECT_NO_THROW(config_validate(c));
}

TEST(Config, SampledSoftmaxRule) {
  TrainConfig c;
  EXPECT_TRUE(c.model.use_sampled_softmax(40000));
  EXPECT_FALSE(c.model.use_sampled_softmax(512));  // num_samples must be < vocabulary
  c.model.num_samples = 0;
  EXPECT_FALSE(c.model.use_sampled_softmax(40000));
}

TEST(Config, TranslateYamlHasTutorialValues) {
  TrainConfig c = config_from_yaml_file(source_dir() + "/configs/translate.yaml");
  EXPECT_EQ(c.model.size, 1024);
  EXPECT_EQ(c.model.num_layers, 3);
  EXPECT_EQ(c.model.source_vocab_size, 40000);
  EXPECT_EQ(c.model.target_vocab_size, 40000);
  EXPECT_EQ(c.model.num_samples, 512);
  EXPECT_EQ(c.train.batch_size, 64);
  EXPECT_DOUBLE_EQ(c.optim.learning_rate, 0.5);
  EXPECT_DOUBLE_EQ(c.optim.learning_rate_decay_factor, 0.99);
  EXPECT_DOUBLE_EQ(c.optim.max_gradient_norm, 5.0);
  EXPECT_EQ(c.train.steps_per_checkpoint, 200);
  EXPECT_TRUE(c.is_explicit("model.size"));
}

TEST(Config, YamlAndOverrides) {
  TrainConfig c = config_from_yaml_text(
      "model:\n  cell: lstm\n  size: 32\noptim:\n  optimizer: adam\n  learning_rate: 1e-3\n");
  EXPECT_EQ(c.model.cell, CellType::Lstm);
  EXPECT_EQ(c.model.size, 32);
  EXPECT_EQ(c.model.effective_embedding_size(), 32);
  EXPECT_EQ(c.optim.optimizer, OptimizerKind::Adam);
  EXPECT_DOUBLE_EQ(c.optim.learning_rate, 1e-3);
  config_apply_overrides(c, {"data.buckets=[[3, 3], [6, 6]]", "model.embedding_size=16",
                             "train.nan_policy=skip", "model.attention=false"});
  EXPECT_EQ(c.data.buckets, (std::vector<Bucket>{{3, 3}, {6, 6}}));
  EXPECT_EQ(c.model.effective_embedding_size(), 16);
  EXPECT_EQ(c.train.nan_policy, NanPolicy::Skip);
  EXPECT_FALSE(c.model.attention);
  EXPECT_TRUE(c.is_explicit("data.buckets"));
  EXPECT_FALSE(c.is_explicit("model.num_layers"));
}

TEST(Config, UnknownKeysSuggestTheNearest) {
  auto e1 = error_of([] { config_from_yaml_text("optim:\n  learnig_rate: 0.1\n", "x.yaml"); });
  EXPECT_THAT(e1, HasSubstr("x.yaml:2"));
  EXPECT_THAT(e1, HasSubstr("unknown key 'optim.learnig_rate'"));
  EXPECT_THAT(e1, HasSubstr("did you mean 'optim.learning_rate'"));
  auto e2 = error_of([] { config_from_yaml_text("learning_rate: 0.1\n"); });
  EXPECT_THAT(e2, HasSubstr("did you mean 'optim.learning_rate'"));
  auto e3 = error_of([] { config_from_yaml_text("modle:\n  size: 3\n"); });
  EXPECT_THAT(e3, HasSubstr("did you mean 'model'"));
  TrainConfig c;
  auto e4 = error_of([&] { config_apply_override(c, "train.batchsize=3"); });
  EXPECT_THAT(e4, HasSubstr("--set train.batchsize=3"));
  EXPECT_THAT(e4, HasSubstr("did you mean 'train.batch_size'"));
}

TEST(Config, BadValuesNameKeyValueAndAllowed) {
  TrainConfig c;
  auto e1 = error_of([&] { config_apply_override(c, "model.cell=rnn"); });
  EXPECT_THAT(e1, HasSubstr("model.cell = 'rnn'"));
  EXPECT_THAT(e1, HasSubstr("gru | lstm"));
  auto e2 = error_of([&] { config_apply_override(c, "optim.learning_rate=-1"); });
  EXPECT_THAT(e2, HasSubstr("optim.learning_rate = '-1'"));
  EXPECT_THAT(e2, HasSubstr("> 0"));
  auto e3 = error_of([&] { config_apply_override(c, "train.batch_size=1.5"); });
  EXPECT_THAT(e3, HasSubstr("an int >= 1"));
  auto e4 = error_of([&] { config_apply_override(c, "model.input_keep_prob=0"); });
  EXPECT_THAT(e4, HasSubstr("(0, 1]"));
  auto e5 = error_of([&] { config_apply_override(c, "data.buckets=[[5, 10], [0, 3]]"); });
  EXPECT_THAT(e5, HasSubstr("data.buckets"));
  auto e6 = error_of([] { config_from_yaml_text("model:\n  size: big\n", "f.yaml"); });
  EXPECT_THAT(e6, HasSubstr("f.yaml:2"));
  EXPECT_THAT(e6, HasSubstr("model.size = 'big'"));
  auto e7 = error_of([] { config_from_yaml_text("model: [1, 2]\n"); });
  EXPECT_THAT(e7, HasSubstr("section 'model' must be a map"));
  auto e8 = error_of([] { config_from_yaml_text("model:\n  size: [1\n"); });
  EXPECT_THAT(e8, HasSubstr("not valid YAML"));
}

TEST(Config, CrossFieldValidation) {
  TrainConfig c;
  auto e1 = error_of([&] { config_apply_overrides(c, {"data.buckets=[[10, 15], [5, 10]]"}); });
  EXPECT_THAT(e1, HasSubstr("ascending"));
  TrainConfig d;
  auto e2 = error_of([&] { config_apply_overrides(d, {"model.device=cuda", "model.dtype=float64"}); });
  EXPECT_THAT(e2, HasSubstr("model.dtype = float64"));
  TrainConfig f;
  auto e3 = error_of([&] { config_apply_overrides(f, {"dist.reducer=nccl"}); });
  EXPECT_THAT(e3, HasSubstr("dist.reducer = nccl"));
}

TEST(Config, DumpRoundTrips) {
  TrainConfig c;
  config_apply_overrides(c, {"model.cell=lstm", "optim.adam_epsilon=1e-7", "optim.momentum=0.95",
                             "data.dataset=/data/wmt fr-en.h5", "train.seed=18446744073709551615",
                             "data.buckets=[[2, 4]]", "train.train_dir=yes"});
  const std::string yaml = config_to_yaml(c);
  TrainConfig back = config_from_yaml_text(yaml, "dump");
  EXPECT_TRUE(config_equal(c, back)) << yaml;
  EXPECT_EQ(back.train.train_dir, "yes");
  EXPECT_EQ(back.train.seed, 18446744073709551615ull);
  EXPECT_EQ(back.optim.adam_epsilon, 1e-7);
  EXPECT_EQ(back.optim.learning_rate_decay_factor, 0.99);  // exact, not 0.98999...
  EXPECT_THAT(yaml, HasSubstr("learning_rate_decay_factor: 0.99\n"));
  TrainConfig other;
  EXPECT_FALSE(config_equal(c, other));
}

TEST(Config, StringOverridesAreVerbatim) {
  TrainConfig c;
  config_apply_overrides(c, {"data.dataset=/data/a: b #1.h5", "train.resume=[x]"});
  EXPECT_EQ(c.data.dataset, "/data/a: b #1.h5");
  EXPECT_EQ(c.train.resume, "[x]");
  EXPECT_THAT(error_of([&] { config_apply_override(c, "train.train_dir="); }), HasSubstr("non-empty"));
  TrainConfig back = config_from_yaml_text(config_to_yaml(c));
  EXPECT_EQ(back.data.dataset, "/data/a: b #1.h5");
}

TEST(Config, DatasetAgreement) {
  TrainConfig c;
  const std::vector<Bucket> recorded = {{3, 3}, {6, 6}};
  EXPECT_EQ(config_resolve_buckets(c, recorded, "d.h5"), recorded);  // default loses
  EXPECT_EQ(config_resolve_buckets(c, {}, "d.h5"), c.data.buckets);
  config_apply_override(c, "data.buckets=[[3, 3], [6, 6]]");
  EXPECT_EQ(config_resolve_buckets(c, recorded, "d.h5"), recorded);
  config_apply_override(c, "data.buckets=[[3, 3]]");
  auto e = error_of([&] { config_resolve_buckets(c, recorded, "d.h5"); });
  EXPECT_THAT(e, HasSubstr("data.buckets = [[3, 3]] but dataset d.h5 was prepared with buckets [[3, 3], [6, 6]]"));
  EXPECT_EQ(config_resolve_vocab(0, 40000, "model.source_vocab_size", "d.h5"), 40000);
  EXPECT_EQ(config_resolve_vocab(40000, 40000, "model.source_vocab_size", "d.h5"), 40000);
  EXPECT_THAT(error_of([&] { config_resolve_vocab(100, 40000, "model.target_vocab_size", "d.h5"); }),
              HasSubstr("model.target_vocab_size = 100 but dataset d.h5 has a vocabulary of 40000"));
}

TEST(Config, DocMatchesTable) {
  const std::string path = source_dir() + "/docs/config.md";
  const std::string begin = "<!-- BEGIN GENERATED: config_markdown_table() -->\n";
  const std::string end = "<!-- END GENERATED -->";
  std::string doc = read_file(path);
  auto b = doc.find(begin);
  auto e = doc.find(end);
  ASSERT_NE(b, std::string::npos) << path << " lacks the marker " << begin;
  ASSERT_NE(e, std::string::npos) << path << " lacks the marker " << end;
  const std::string generated = config_markdown_table();
  const std::string current = doc.substr(b + begin.size(), e - b - begin.size());
  if (current != generated && std::getenv("S2S_UPDATE_DOCS") != nullptr) {
    doc.replace(b + begin.size(), e - b - begin.size(), generated);
    std::ofstream(path) << doc;
    return;
  }
  EXPECT_EQ(current, generated)
      << "docs/config.md is out of date; regenerate with S2S_UPDATE_DOCS=1 s2s_test_config "
         "--gtest_filter=Config.DocMatchesTable";
}

TEST(Config, NonFiniteFloatsAreRefusedForEveryFloatOption) {
  // Issue 15 item 4: `.inf` and `1e309` (which overflows to infinity) used to pass validation
  // for options whose range has no upper bound, and an infinite learning rate saved Inf
  // parameters. Every float option of the table is tried, with every spelling.
  int float_options = 0;
  for (const auto& o : config_options()) {
    if (o.type != "float") continue;
    ++float_options;
    for (const char* v : {".inf", "+.inf", "-.inf", ".nan", ".NaN", "1e309", "-1e309", "inf", "nan"}) {
      TrainConfig c;
      const std::string e = error_of([&] { config_apply_override(c, o.key + "=" + v); });
      EXPECT_THAT(e, HasSubstr(o.key + " = '" + v + "'")) << o.key << "=" << v;
      EXPECT_THAT(e, HasSubstr("a finite number")) << o.key << "=" << v;
    }
    const std::string y = error_of([&] {
      const std::string sec = o.key.substr(0, o.key.find('.')), name = o.key.substr(o.key.find('.') + 1);
      config_from_yaml_text(sec + ":\n  " + name + ": .inf\n", "inf.yaml");
    });
    EXPECT_THAT(y, HasSubstr("inf.yaml:2")) << o.key;
    EXPECT_THAT(y, HasSubstr("a finite number")) << o.key;
  }
  EXPECT_GE(float_options, 10);  // the table's float options (model, optim, dist)
  TrainConfig c;  // large finite values inside a range stay accepted
  config_apply_override(c, "optim.learning_rate=1e300");
  EXPECT_EQ(c.optim.learning_rate, 1e300);
}

TEST(Config, DuplicateYamlKeysAreAnErrorNamingBothLines) {
  // yaml-cpp keeps both pairs and the last one used to win silently.
  auto e1 = error_of([] {
    config_from_yaml_text("optim:\n  learning_rate: 0.1\n  momentum: 0.5\n  learning_rate: 0.3\n", "dup.yaml");
  });
  EXPECT_THAT(e1, HasSubstr("dup.yaml:4"));
  EXPECT_THAT(e1, HasSubstr("duplicate key 'optim.learning_rate'"));
  EXPECT_THAT(e1, HasSubstr("first given on line 2"));
  auto e2 = error_of([] {
    config_from_yaml_text("optim:\n  learning_rate: 0.1\nmodel:\n  size: 8\noptim:\n  momentum: 0.5\n", "sec.yaml");
  });
  EXPECT_THAT(e2, HasSubstr("sec.yaml:5"));
  EXPECT_THAT(e2, HasSubstr("duplicate key 'optim'"));
  EXPECT_THAT(e2, HasSubstr("first given on line 1"));
  // The same option name in two sections is not a duplicate.
  EXPECT_EQ(error_of([] { config_from_yaml_text("model:\n  size: 8\ntrain:\n  seed: 3\ndata:\n  seed: 3\n"); }),
            "(no error)");
}
