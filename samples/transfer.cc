// Copyright 2026 The ckpt Authors. SPDX-License-Identifier: Apache-2.0
//
// Transfer: transfer learning by partial restore.
//
//  1. Pretrain: TrainMlp writes <dir>/source/ckpt-1, a model 8 -> 32 -> 16 -> 1
//     with its Adam state, data stream and step.
//  2. A new model 8 -> 32 -> 16 -> 3 shares the two hidden layers (the
//     backbone) and has a new head. The source's model is restored into it
//     with a path mapping: `from` roots the restore at the source's "model"
//     object, and drop rules leave out the old head (1 output: a shape
//     error if it were matched against the new 3-output head) and the
//     source's optimizer (the head is trained with a fresh one):
//
//        from:  model
//        rules: layer_with_weights-2 -> (dropped)
//               optimizer            -> (dropped)
//
//     The restore happens before the model is built: the backbone's values
//     wait and are assigned when Build() creates the variables. The report
//     says what was left out and why (unused) and that the new head's
//     values are not in the checkpoint (missing); ExpectPartial() accepts
//     that.
//  3. Only the head is trained, on a new 3-output task; the backbone stays
//     bit-identical to the source checkpoint. The result is saved to
//     <dir>/target/ckpt-1 as a complete checkpoint of the new model.

#include <memory>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "ckpt/bundle_reader.h"
#include "ckpt/checkpoint.h"
#include "ckpt/env.h"
#include "ckpt/path_map.h"
#include "ckpt/status.h"
#include "nn.h"
#include "samples.h"

namespace ckpt_samples {
namespace {

// Whether every backbone variable of `model` equals the source's tensor.
absl::StatusOr<bool> BackboneEqualsSource(Sequential& model,
                                          const ckpt::BundleReader& source,
                                          int* count) {
  *count = 0;
  for (size_t i = 0; i < 2; ++i) {
    for (auto [var, name] : {std::pair{&model.layer(i).kernel(), "kernel"},
                             std::pair{&model.layer(i).bias(), "bias"}}) {
      CKPT_ASSIGN_OR_RETURN(
          ckpt::Tensor stored,
          source.Read(absl::StrCat("model/layer_with_weights-", i, "/", name,
                                   "/.ATTRIBUTES/VARIABLE_VALUE")));
      if (!var->value().Equals(stored)) return false;
      ++*count;
    }
  }
  return true;
}

}  // namespace

absl::StatusOr<TransferResult> Transfer(const std::string& dir,
                                        std::ostream* log) {
  TransferResult result;
  // 1. Pretrain the source model.
  TrainOptions pretrain;
  pretrain.dir = dir + "/source";
  pretrain.steps = 300;
  pretrain.save_every = 300;
  pretrain.seed = 7;
  CKPT_ASSIGN_OR_RETURN(TrainResult source_run, TrainMlp(pretrain));
  result.source = source_run.saved.back();
  if (log != nullptr) {
    *log << absl::StrFormat("pretrained %s: loss %.6f after %d steps\n",
                            result.source, source_run.final_loss,
                            source_run.final_step);
  }

  // 2. The new model, restored from the source's "model" subtree without
  // its old head and optimizer.
  Sequential model(8, {{32, Activation::kRelu},
                       {16, Activation::kRelu},
                       {3, Activation::kLinear}});
  // [transfer]
  ckpt::RestoreOptions options;
  options.from = "model";
  options.path_map = {ckpt::PathRule::Drop("layer_with_weights-2"),
                      ckpt::PathRule::Drop("optimizer")};
  CKPT_ASSIGN_OR_RETURN(ckpt::RestoreStatus status,
                        ckpt::RestoreObjectGraph(ckpt::ObjectRef::Of(model),
                                                 result.source, options));
  CKPT_RETURN_IF_ERROR(model.Build(/*seed=*/99));  // backbone values land here
  CKPT_RETURN_IF_ERROR(status.ExpectPartial());
  // [transfer]
  result.report = status.report();
  if (log != nullptr) {
    *log << "partial restore: " << result.report.matched.size()
         << " values assigned, " << result.report.unused.size()
         << " left out (old head, optimizer, data, step), "
         << result.report.missing.size() << " new (the head)\n";
    for (const ckpt::RestoreReport::Entry& e : result.report.unused) {
      if (e.path.rfind("model/layer_with_weights-2", 0) == 0) {
        *log << "  unused " << e.path << ": " << e.detail << "\n";
      }
    }
  }
  CKPT_ASSIGN_OR_RETURN(
      std::unique_ptr<ckpt::BundleReader> source,
      ckpt::BundleReader::Open(ckpt::Env::Default(), result.source));
  CKPT_ASSIGN_OR_RETURN(
      bool restored_ok,
      BackboneEqualsSource(model, *source, &result.backbone_values));
  if (!restored_ok) {
    return absl::InternalError("Transfer: backbone differs after restore");
  }

  // 3. Train only the head on a new task; save the whole new model.
  Adam adam(/*learning_rate=*/0.01f);
  model.set_optimizer(&adam);
  DataStream data(8, 3, /*seed=*/11);
  const std::vector<ckpt::Variable*> all = model.TrainableVariables();
  const std::vector<ckpt::Variable*> head(all.end() - 2, all.end());
  for (int s = 0; s < 200; ++s) {
    Matrix x, y, dpred;
    data.Next(32, &x, &y);
    const float loss = MeanSquaredError(model.Forward(x), y, &dpred);
    std::vector<std::vector<float>> grads = model.Backward(dpred);
    grads.erase(grads.begin(), grads.end() - 2);
    CKPT_RETURN_IF_ERROR(adam.Apply(head, grads));
    if (s == 0) result.head_loss_before = loss;
    result.head_loss_after = loss;
  }
  int unchanged = 0;
  CKPT_ASSIGN_OR_RETURN(result.backbone_unchanged,
                        BackboneEqualsSource(model, *source, &unchanged));

  ckpt::Checkpoint target;
  CKPT_RETURN_IF_ERROR(target.Track("model", model));
  CKPT_RETURN_IF_ERROR(target.Track("data", data));
  CKPT_ASSIGN_OR_RETURN(result.target, target.Save(dir + "/target/ckpt"));
  if (log != nullptr) {
    *log << absl::StrFormat(
        "trained the new head: loss %.6f -> %.6f; backbone %s; saved %s\n",
        result.head_loss_before, result.head_loss_after,
        result.backbone_unchanged ? "unchanged (bit for bit)" : "CHANGED",
        result.target);
  }
  return result;
}

}  // namespace ckpt_samples
