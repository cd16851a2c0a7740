"""Reference forward, losses, gradients and Adam steps of the AnomalyCLIP baseline on the tiny CLIP
fixture, written from the method description (docs: reference-methods.md §1.5 and §3), in PyTorch
float64, for the Swift parity tests.

usage: python3 scripts/reference/anomalyclip_reference.py [CLIPDIR] [OUTDIR]
  CLIPDIR defaults to Tests/Fixtures/tiny-clip, OUTDIR to Tests/Fixtures/baselines.
Writes OUTDIR/anomalyclip-reference.safetensors and OUTDIR/anomalyclip-layout.pth (the same prompt
parameters in the public AnomalyCLIP checkpoint layout {"prompt_learner": state_dict}).
Needs torch (CPU) and safetensors; nothing else.

What is computed (B images of side S, grid G = S // patch):
* positions: the native grid rows of the position embedding resized to G×G with bilinear,
  align_corners=False, no antialias (the 518-px path of AnomalyCLIP; here 56 → 84 px, grid 4 → 6);
* vision: standard pre-norm blocks with QuickGELU before DPAM_FROM; from layer DPAM_FROM on, each block
  also computes v-v attention softmax(V Vᵀ/√d) V through the same out_proj and adds it to a second
  stream (started from the stream entering layer DPAM_FROM) that never feeds any attention and has no
  MLP; the original stream goes on as a standard block;
* tokens at each feature layer: the v-v stream (original stream before DPAM_FROM) → ln_post → @ proj;
* global embedding: CLS of the original stream after the last layer @ proj, without ln_post;
* pixel probabilities: per patch softmax(cos/0.07) over (normal, abnormal), then bilinear
  half-pixel upsampling of the two probability planes to S×S; map = Σ levels ½(p_abn + 1 − p_norm),
  Gaussian σ 4 (radius 4σ, half-sample-symmetric edges);
* image score: softmax(cos(global, text)/0.07)[abnormal];
* loss: LOCAL_WEIGHT · Σ levels (Focal + Dice(abn, g) + Dice(normal, 1 − g)) + cross-entropy over the
  two global logits with the image label; only the prompt learner is trained.
"""
import collections, json, math, os, sys
import numpy as np, torch, torch.nn.functional as F
from safetensors.torch import load_file, save_file

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
clipdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "Tests/Fixtures/tiny-clip")
outdir = sys.argv[2] if len(sys.argv) > 2 else os.path.join(root, "Tests/Fixtures/baselines")
os.makedirs(outdir, exist_ok=True)

torch.manual_seed(20250413)
torch.set_default_dtype(torch.float64)
cfg = json.load(open(os.path.join(clipdir, "config.json")))
vc, tc = cfg["vision_config"], cfg["text_config"]
W = {k: v.double() for k, v in load_file(os.path.join(clipdir, "model.safetensors")).items()}
PATCH = vc["patch_size"]; G0 = vc["image_size"] // PATCH; Dv = vc["hidden_size"]; Dt = tc["hidden_size"]
Hv = vc["num_attention_heads"]; Ht = tc["num_attention_heads"]; LAYERS = vc["num_hidden_layers"]

# Settings (the anomalyclip profile's, scaled to the 4-layer tower; the Swift test reads them from metadata).
S = 84                      # larger than the native 56 px, as 518 is larger than 336: positions are resized
G = S // PATCH
DPAM_FROM = 2               # 1-based layer from which the v-v path runs (6 on a 24-layer tower)
FEATURES = [1, 3, 4]        # one level before the v-v path starts, two on it (to check the sum over levels)
N_CTX, DEEP_TOKENS, DEPTH = 12, 4, min(9, tc["num_hidden_layers"])
TEMPERATURE = 0.07
LOCAL_WEIGHT = 4.0
SIGMA, TRUNCATE = 4.0, 4.0
CLS_NAME, NORMAL_T, ABNORMAL_T = "object", "{}", "damaged {}"
BETAS, LR, EPS = (0.5, 0.999), 1e-3, 1e-8

# Token ids of "X ×12 object." and "X ×12 damaged object." (CLIP BPE: X = 343, object = 14115,
# "." = 269, damaged = 13568, SOT 49406, EOT 49407; the Swift test checks its tokenizer agrees).
def ids_for(words):
    seq = [49406] + [343] * N_CTX + words + [269, 49407]
    return seq + [0] * (tc["max_position_embeddings"] - len(seq))
ids = torch.tensor([ids_for([14115]), ids_for([13568, 14115])])
eot = ids.argmax(-1)
texts = [" ".join(["X"] * N_CTX) + " " + t.format(CLS_NAME) + "." for t in (NORMAL_T, ABNORMAL_T)]


def ln(x, p): return F.layer_norm(x, (x.shape[-1],), W[p + ".weight"], W[p + ".bias"], 1e-5)
def lin(x, p): return x @ W[p + ".weight"].t() + W[p + ".bias"]
def quick_gelu(x): return x * torch.sigmoid(1.702 * x)


def heads_of(x, heads):
    B, T, D = x.shape
    return x.view(B, T, heads, D // heads).transpose(1, 2)


def merge(o):
    B, H, T, d = o.shape
    return o.transpose(1, 2).reshape(B, T, H * d)


def attend(q, k, v, causal=False):
    """Scaled dot-product attention on [B, H, T, d] heads."""
    a = (q @ k.transpose(-1, -2)) * q.shape[-1] ** -0.5
    if causal:
        a = a + torch.full(a.shape[-2:], float("-inf")).triu(1)
    return a.softmax(-1) @ v


def mlp(x, p): return lin(quick_gelu(lin(ln(x, p + ".layer_norm2"), p + ".mlp.fc1")), p + ".mlp.fc2")


# ---- text side: learned context + deep prompts through the frozen text tower -----------------
params = {"prompt.ctx_normal": torch.randn(N_CTX, Dt) * 0.02, "prompt.ctx_abnormal": torch.randn(N_CTX, Dt) * 0.02}
for j in range(DEPTH - 1):
    params[f"prompt.deep.{j}"] = torch.randn(DEEP_TOKENS, Dt) * 0.02
# Widen the values so that the fixture is sensitive to the prompts (N(0, 0.02²) barely moves a random tower).
for k in params: params[k] = params[k] * 10.0
for v in params.values(): v.requires_grad_(True)


def text_features(prm):
    x = W["text_model.embeddings.token_embedding.weight"][ids].clone()
    x = torch.cat([x[:, :1], torch.stack([prm["prompt.ctx_normal"], prm["prompt.ctx_abnormal"]]), x[:, 1 + N_CTX:]], 1)
    x = x + W["text_model.embeddings.position_embedding.weight"]
    for j in range(tc["num_hidden_layers"]):
        if 1 <= j < DEPTH:
            d = prm[f"prompt.deep.{j - 1}"].unsqueeze(0).expand(2, -1, -1)
            x = torch.cat([x[:, :1], d, x[:, 1 + DEEP_TOKENS:]], 1)
        p = f"text_model.encoder.layers.{j}"
        h = ln(x, p + ".layer_norm1")
        q, k, v = (heads_of(lin(h, f"{p}.self_attn.{n}_proj"), Ht) for n in "qkv")
        x = x + lin(merge(attend(q, k, v, causal=True)), p + ".self_attn.out_proj")
        x = x + mlp(x, p)
    x = ln(x, "text_model.final_layer_norm")
    x = x[torch.arange(2), eot] @ W["text_projection.weight"].t()
    return x / x.norm(dim=-1, keepdim=True)


# ---- vision side: frozen, forward only -----------------------------------------------------------
def resized_positions():
    pos = W["vision_model.embeddings.position_embedding.weight"]
    grid = pos[1:].reshape(G0, G0, Dv).permute(2, 0, 1).unsqueeze(0)
    grid = F.interpolate(grid, size=(G, G), mode="bilinear", align_corners=False, antialias=False)
    return torch.cat([pos[:1], grid[0].permute(1, 2, 0).reshape(G * G, Dv)], 0)


def vision(pix):
    B = pix.shape[0]
    x = F.conv2d(pix, W["vision_model.embeddings.patch_embedding.weight"], stride=PATCH).flatten(2).transpose(1, 2)
    x = torch.cat([W["vision_model.embeddings.class_embedding"].expand(B, 1, Dv), x], 1) + resized_positions()
    x = ln(x, "vision_model.pre_layrnorm")
    vv = None
    tokens = []
    proj = W["visual_projection.weight"].t()
    for i in range(1, LAYERS + 1):
        p = f"vision_model.encoder.layers.{i - 1}"
        h = ln(x, p + ".layer_norm1")
        q, k, v = (heads_of(lin(h, f"{p}.self_attn.{n}_proj"), Hv) for n in "qkv")
        if i >= DPAM_FROM:
            w = lin(merge(attend(v, v, v)), p + ".self_attn.out_proj")
            vv = (x if vv is None else vv) + w          # the v-v stream starts from the stream entering DPAM_FROM
        x = x + lin(merge(attend(q, k, v)), p + ".self_attn.out_proj")
        x = x + mlp(x, p)
        if i in FEATURES:
            state = vv if i >= DPAM_FROM else x
            tokens.append(ln(state, "vision_model.post_layernorm") @ proj)
    return tokens, x[:, 0] @ proj


def gaussian(m):
    """scipy.ndimage.gaussian_filter(m, SIGMA, mode='reflect', truncate=TRUNCATE), written out."""
    r = int(TRUNCATE * SIGMA + 0.5)
    xs = np.arange(-r, r + 1, dtype=np.float64)
    k = np.exp(-0.5 * xs ** 2 / SIGMA ** 2); k /= k.sum()
    out = m.astype(np.float64)
    for axis in (0, 1):
        pad = [(0, 0), (0, 0)]; pad[axis] = (r, r)
        padded = np.pad(out, pad, mode="symmetric")   # numpy 'symmetric' = scipy 'reflect' (half-sample)
        n = out.shape[axis]
        out = sum(k[i] * np.take(padded, np.arange(i, i + n), axis=axis) for i in range(2 * r + 1))
    return out


def focal(prob, g, gamma=2.0, smooth=1e-5):
    p1, p0 = prob[:, 1], prob[:, 0]
    pt = torch.where(g > 0.5, (1 - smooth) * p1 + smooth * p0, (1 - smooth) * p0 + smooth * p1) + smooth
    return (-(1 - pt) ** gamma * pt.log()).mean()


def dice(p, g):
    B = g.shape[0]; p = p.reshape(B, -1); g = g.reshape(B, -1)
    return 1 - ((2 * (p * g).sum(1) + 1) / (p.sum(1) + g.sum(1) + 1)).mean()


def run(prm, pix, mask, label):
    t = text_features(prm)
    tokens, glob = vision(pix)
    B = pix.shape[0]
    out, parts = {"text_features": t, "global_embedding": glob}, {}
    local = 0
    maps = []
    for k, tok in enumerate(tokens):
        f = tok[:, 1:]
        f = f / f.norm(dim=-1, keepdim=True)
        patch = ((f @ t.t()) / TEMPERATURE).softmax(-1)                       # [B, P, 2], before upsampling
        planes = patch.transpose(1, 2).reshape(B, 2, G, G)
        prob = F.interpolate(planes, size=(S, S), mode="bilinear", align_corners=False)
        out[f"level.{k}.tokens"] = tok[:, 1:]
        out[f"level.{k}.patch_probability"] = patch
        out[f"level.{k}.probability"] = prob
        maps.append(0.5 * (prob[:, 1] + 1 - prob[:, 0]))
        parts[f"loss.level.{k}.focal"] = focal(prob, mask)
        parts[f"loss.level.{k}.dice_abnormal"] = dice(prob[:, 1], mask)
        parts[f"loss.level.{k}.dice_normal"] = dice(prob[:, 0], 1 - mask)
        local = local + parts[f"loss.level.{k}.focal"] + parts[f"loss.level.{k}.dice_abnormal"] + parts[f"loss.level.{k}.dice_normal"]
    g = glob / glob.norm(dim=-1, keepdim=True)
    logits = (g @ t.t()) / TEMPERATURE
    out["image_logits"] = logits
    out["image_score"] = logits.softmax(-1)[:, 1]
    parts["loss.local"] = LOCAL_WEIGHT * local
    parts["loss.image_ce"] = F.cross_entropy(logits, label.long())
    parts["loss.total"] = parts["loss.local"] + parts["loss.image_ce"]
    out["anomaly_map_unsmoothed"] = sum(maps)
    return out, parts


# ---- inputs: three images, two with a bright "lesion" square and its mask ----------------------
B = 3
pix = torch.randn(B, 3, S, S) * 0.5
mask = torch.zeros(B, S, S)
r0, c0, h = S // 4, S // 3, S // 4
pix[0, :, r0:r0 + h, c0:c0 + h] += 2.0; mask[0, r0:r0 + h, c0:c0 + h] = 1
pix[2, :, S // 2:S // 2 + h // 2, 5:5 + h] += 2.5; mask[2, S // 2:S // 2 + h // 2, 5:5 + h] = 1
label = torch.tensor([1.0, 0.0, 1.0])

ref = {"inputs.pixel_values": pix, "inputs.masks": mask, "inputs.labels": label, "inputs.input_ids": ids.to(torch.int32),
       "outputs.position_embedding": resized_positions()}
for k, v in params.items(): ref["params." + k] = v.detach().clone()
out, parts = run(params, pix, mask, label)
for k, v in out.items(): ref["outputs." + k] = v.detach()
for k, v in parts.items(): ref["outputs." + k] = v.detach().reshape(())
ref["outputs.anomaly_map"] = torch.from_numpy(np.stack([gaussian(m) for m in out["anomaly_map_unsmoothed"].detach().numpy()]))
parts["loss.total"].backward()
for k, v in params.items(): ref["grads." + k] = v.grad.detach().clone()

opt = torch.optim.Adam(list(params.values()), lr=LR, betas=BETAS, eps=EPS)
losses = []
for step in range(3):
    opt.zero_grad()
    _, pr = run(params, pix, mask, label)
    losses.append(pr["loss.total"].item())
    pr["loss.total"].backward()
    opt.step()
ref["adam.losses_before_each_step"] = torch.tensor(losses)
for k, v in params.items(): ref["adam.params_after_3_steps." + k] = v.detach().clone()

meta = {"profile": "anomalyclip", "clip_set": os.path.relpath(os.path.abspath(clipdir), os.path.abspath(outdir)),
        "image_size": str(S), "dpam_from_layer": str(DPAM_FROM), "feature_layers": json.dumps(FEATURES),
        "n_ctx": str(N_CTX), "deep_prompt_tokens": str(DEEP_TOKENS), "prompt_depth": str(DEPTH),
        "class_name": CLS_NAME, "normal_template": NORMAL_T, "abnormal_template": ABNORMAL_T,
        "prompt_texts": json.dumps(texts), "eot_index": json.dumps(eot.tolist()),
        "temperature": str(TEMPERATURE), "local_weight": str(LOCAL_WEIGHT), "sigma": str(SIGMA), "truncate": str(TRUNCATE),
        "adam": json.dumps({"lr": LR, "betas": BETAS, "eps": EPS}),
        "precision": "float64 reference, stored as float32"}
save_file({k: v.to(torch.float32).contiguous() if v.is_floating_point() else v.contiguous() for k, v in ref.items()},
          os.path.join(outdir, "anomalyclip-reference.safetensors"), metadata=meta)

# The same (initial) prompt parameters in the public checkpoint layout, with the buffers and the
# unused projections the public prompt learner also saves.
sd = collections.OrderedDict()
sd["ctx_pos"] = ref["params.prompt.ctx_normal"].float().reshape(1, 1, N_CTX, Dt)
sd["ctx_neg"] = ref["params.prompt.ctx_abnormal"].float().reshape(1, 1, N_CTX, Dt)
for j in range(DEPTH - 1):
    sd[f"compound_prompts_text.{j}"] = ref[f"params.prompt.deep.{j}"].float()
    sd[f"compound_prompt_projections.{j}.weight"] = torch.zeros(896, Dt, dtype=torch.float32)
    sd[f"compound_prompt_projections.{j}.bias"] = torch.zeros(896, dtype=torch.float32)
emb = W["text_model.embeddings.token_embedding.weight"].float()
for name, row in (("pos", 0), ("neg", 1)):
    sd[f"token_prefix_{name}"] = emb[ids[row, :1]].reshape(1, 1, 1, Dt)
    sd[f"token_suffix_{name}"] = emb[ids[row, 1 + N_CTX:]].reshape(1, 1, -1, Dt)
    sd[f"tokenized_prompts_{name}"] = ids[row].reshape(1, 1, -1)
torch.save({"prompt_learner": sd}, os.path.join(outdir, "anomalyclip-layout.pth"))
print("loss", parts["loss.total"].item(), "adam", losses, "scores", out["image_score"].tolist())
