#pragma once
// Owns: checkpoint averaging (`s2s average`): the element-wise mean of the parameters of several
// model files of one model, accumulated in float64 in file order and rounded once to each
// parameter's stored dtype. The inputs must have the same parameters (names, shapes, dtypes) and
// the same vocabularies, tokenizer and buckets; otherwise an error naming the two files and the
// first difference. The result keeps the newest input's config and step (the largest step; ties:
// the last given) and records its inputs in `source`.
#include <vector>

#include "s2s/model/model_file.h"

namespace s2s::model {

ModelFile average_models(const std::vector<ModelFile>& inputs);

}  // namespace s2s::model
