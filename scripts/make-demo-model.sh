#!/usr/bin/env bash
# Rebuilds sample-data/models/demo: a demonstration of the machinery, NOT the paper's model.
# A small CLIP-shaped backbone with random weights (made here, no download), prompts and adapters
# trained by `medvmad train` on a synthetic-lesion set made from the real normal brain in
# sample-data/brain-mri, then calibrated on the committed synthetic validation split.
# Takes about 10–25 minutes on 2 cores with a release build.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.build/release/medvmad
work=${1:-.build-demo-work}
demo=sample-data/models/demo
swift build -c release --product medvmad
mkdir -p "$work" "$demo"
cat > "$work/clip-config.json" <<'JSON'
{
  "model_type": "clip",
  "projection_dim": 64,
  "vision_config": {"image_size": 160, "patch_size": 8, "hidden_size": 96, "intermediate_size": 384, "num_hidden_layers": 4,
                    "num_attention_heads": 4, "hidden_act": "quick_gelu", "layer_norm_eps": 1e-5, "num_channels": 3},
  "text_config": {"vocab_size": 49408, "max_position_embeddings": 77, "hidden_size": 64, "intermediate_size": 256,
                  "num_hidden_layers": 2, "num_attention_heads": 4, "hidden_act": "quick_gelu", "layer_norm_eps": 1e-5}
}
JSON
$bin weights random --config "$work/clip-config.json" --seed 2026 --output "$demo/clip"
$bin sample-data bmad --volume sample-data/brain-mri/ch2bet.nii.gz --output "$work/bmad-train" --seed 11 \
    --train 400 --valid 60 --test 60 --replace
rm -rf "$work/model"
$bin train --clip "$demo/clip" --data "$work/bmad-train" --output "$work/model" --epochs 8 --lr 0.002 --batch-size 8 --class-name brain
cp "$work/model/learned.safetensors" "$work/model/losses.csv" "$demo/"
# The backbone travels with the model: record it by a path relative to the model folder.
python3 - "$work/model/medvmad.json" "$demo/medvmad.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m["clip"]["path"] = "clip"
m["name"] = "demo"
m["description"] = ("Demonstration model: random-weight CLIP-shaped backbone (not pretrained) with prompts and adapters "
                    "trained on synthetic lesions in a real normal brain. Shows the machinery; not the paper's model, not for clinical use.")
json.dump(m, open(sys.argv[2], "w"), indent=2, sort_keys=True)
PY
$bin calibrate --model "$demo" --normals sample-data/bmad-synthetic --split valid --specificity 0.9
