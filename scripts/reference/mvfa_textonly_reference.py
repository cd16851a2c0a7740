"""Reference forward, losses, gradients and Adam steps of the `mvfa` and `text-only` profiles on the
tiny CLIP fixture, written in PyTorch from the method description (docs: reference-methods §1.5,
§1.6, §4; the profile table of method.md), for the Swift parity tests.

usage: mvfa_textonly_reference.py [CLIPDIR] [OUTDIR]
  CLIPDIR defaults to Tests/Fixtures/tiny-clip, OUTDIR to Tests/Fixtures/baselines.
Runs on the PyTorch CPU wheel (torch 2.13); everything is computed in float64, stored as float32.
"""
import gzip, hashlib, html, json, math, os, sys
import numpy as np, regex, torch, torch.nn.functional as F
from safetensors.torch import load_file, save_file

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
clipdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "Tests/Fixtures/tiny-clip")
outdir = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "Tests/Fixtures/baselines")
torch.set_default_dtype(torch.float64)
cfg = json.load(open(f"{clipdir}/config.json"))
vc, tc = cfg["vision_config"], cfg["text_config"]
W = {k: v.double() for k, v in load_file(f"{clipdir}/model.safetensors").items()}
clip_sha = hashlib.sha256(open(f"{clipdir}/model.safetensors", "rb").read()).hexdigest()
P = vc["patch_size"]; S0 = vc["image_size"]; G0 = S0 // P; Dv = vc["hidden_size"]; Dt = tc["hidden_size"]
E = cfg["projection_dim"]; Hv = vc["num_attention_heads"]; Ht = tc["num_attention_heads"]; LAYERS = vc["num_hidden_layers"]
FEATURES = [2, 4] if LAYERS == 4 else [LAYERS // 2, LAYERS]
MIX = (0.8, 0.1, 0.1); LEAKY = 0.01

# ---------------------------------------------------------------- tokenizer (CLIP byte-level BPE)
def byte_unicode():
    """Byte → printable character; the vocabulary lists the printable bytes first, then the others (mapped past 255)."""
    keep = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    table = {b: chr(b) for b in keep}
    for extra, b in enumerate(b for b in range(256) if b not in keep): table[b] = chr(256 + extra)
    return table

class Tokenizer:
    def __init__(self, path):
        lines = gzip.open(path).read().decode("utf-8").split("\n")[1:49152 - 256 - 2 + 1]
        merges = [tuple(l.split()) for l in lines]
        self.bu = byte_unicode()
        vocab = list(self.bu.values()); vocab += [v + "</w>" for v in vocab]
        vocab += ["".join(m) for m in merges] + ["<|startoftext|>", "<|endoftext|>"]
        self.ids = {t: i for i, t in enumerate(vocab)}
        self.rank = {m: i for i, m in enumerate(merges)}
        self.pat = regex.compile(r"""<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+""", regex.IGNORECASE)

    def bpe(self, token):
        word = list(token[:-1]) + [token[-1] + "</w>"]
        while len(word) > 1:
            pairs = [(word[i], word[i + 1]) for i in range(len(word) - 1)]
            best = min(pairs, key=lambda p: self.rank.get(p, 1 << 30))
            if best not in self.rank: break
            out, i = [], 0
            while i < len(word):
                if i < len(word) - 1 and (word[i], word[i + 1]) == best: out.append(word[i] + word[i + 1]); i += 2
                else: out.append(word[i]); i += 1
            word = out
        return word

    def __call__(self, texts, n=77):
        rows = []
        for t in texts:
            t = " ".join(html.unescape(html.unescape(t)).split()).strip().lower()
            ids = [self.ids["<|startoftext|>"]]
            for w in self.pat.findall(t):
                ids += [self.ids[b] for b in self.bpe("".join(self.bu[c] for c in w.encode("utf-8")))]
            ids = ids[:n - 1] + [self.ids["<|endoftext|>"]]
            rows.append(ids + [0] * (n - len(ids)))
        return torch.tensor(rows, dtype=torch.long)

vocab_path = os.path.join(ROOT, "Sources/CLIP/Resources/bpe_simple_vocab_16e6.txt.gz")
tok = Tokenizer(vocab_path)

# ---------------------------------------------------------------- CLIP pieces
def ln(x, p): return F.layer_norm(x, (x.shape[-1],), W[p + ".weight"], W[p + ".bias"], 1e-5)
def lin(x, p): return x @ W[p + ".weight"].t() + W[p + ".bias"]
def quick_gelu(x): return x * torch.sigmoid(1.702 * x)
def gelu(x): return 0.5 * x * (1 + torch.erf(x / math.sqrt(2)))

def attention(x, p, heads, causal):
    B, T, D = x.shape; hd = D // heads
    q = lin(x, p + ".q_proj").view(B, T, heads, hd).transpose(1, 2) * hd ** -0.5
    k = lin(x, p + ".k_proj").view(B, T, heads, hd).transpose(1, 2)
    v = lin(x, p + ".v_proj").view(B, T, heads, hd).transpose(1, 2)
    a = q @ k.transpose(-1, -2)
    if causal: a = a + torch.full((T, T), float("-inf")).triu(1)
    return lin((a.softmax(-1) @ v).transpose(1, 2).reshape(B, T, D), p + ".out_proj")

def block(x, p, heads, causal, act):
    x = x + attention(ln(x, p + ".layer_norm1"), p + ".self_attn", heads, causal)
    return x + lin(act(lin(ln(x, p + ".layer_norm2"), p + ".mlp.fc1")), p + ".mlp.fc2")

def encode_text(emb, eot, act, deep=None, deep_tokens=0, depth=1):
    """emb [N,77,Dt] token embeddings (context already inserted) → unit-free projected EOT rows [N,E]."""
    x = emb + W["text_model.embeddings.position_embedding.weight"]
    for j in range(tc["num_hidden_layers"]):
        if deep is not None and 1 <= j < depth:
            d = deep[j - 1].unsqueeze(0).expand(x.shape[0], -1, -1)
            x = torch.cat([x[:, :1], d, x[:, 1 + deep_tokens:]], 1)
        x = block(x, f"text_model.encoder.layers.{j}", Ht, True, act)
    x = ln(x, "text_model.final_layer_norm")
    return x[torch.arange(x.shape[0]), eot] @ W["text_projection.weight"].t()

def positions(grid, antialias):
    pos = W["vision_model.embeddings.position_embedding.weight"]
    if grid == G0: return pos
    rows = pos[1:].t().reshape(1, Dv, G0, G0)
    # The position grid resized as MVFA does at load time: bicubic, antialias, half-pixel.
    rows = F.interpolate(rows, size=(grid, grid), mode="bicubic", antialias=antialias, align_corners=False)
    return torch.cat([pos[:1], rows.reshape(Dv, grid * grid).t()], 0)

def vision_stream(pix, act, pos, adapters=None, keep_cls=False):
    """Residual stream of the vision tower; with adapters, the residual mix at FEATURES and the bottlenecks."""
    B = pix.shape[0]; grid = pix.shape[-1] // P
    x = F.conv2d(pix, W["vision_model.embeddings.patch_embedding.weight"], stride=P).flatten(2).transpose(1, 2)
    x = torch.cat([W["vision_model.embeddings.class_embedding"].expand(B, 1, Dv), x], 1) + pos
    x = ln(x, "vision_model.pre_layrnorm")
    after, seg, det = {}, [], []
    for i in range(1, LAYERS + 1):
        x = block(x, f"vision_model.encoder.layers.{i - 1}", Hv, False, act)
        if adapters is not None and i in FEATURES:
            k = FEATURES.index(i)
            ms = F.leaky_relu(x @ adapters[f"adapters.seg.{k}.fc1.weight"].t(), LEAKY)
            os_ = F.leaky_relu(ms @ adapters[f"adapters.seg.{k}.fc2.weight"].t(), LEAKY)
            md = F.leaky_relu(x @ adapters[f"adapters.det.{k}.fc1.weight"].t(), LEAKY)
            od = F.leaky_relu(md @ adapters[f"adapters.det.{k}.fc2.weight"].t(), LEAKY)
            x = MIX[0] * x + MIX[1] * os_ + MIX[2] * od
            seg.append(ms[:, 1:]); det.append(md[:, 1:])
        after[i] = x
    return after, seg, det

def project(x): return ln(x, "vision_model.post_layernorm") @ W["visual_projection.weight"].t()
def unit(x): return x / x.norm(dim=-1, keepdim=True)

def level_maps(seg, det, text, scale, size):
    """seg/det [B,N,E] → probabilities [B,2,S,S] (upsample logits bilinear-AC, softmax) and mean-patch p(abn) [B]."""
    B, N, _ = seg.shape; g = int(round(math.sqrt(N)))
    logits = (scale * unit(seg) @ text.t()).transpose(1, 2).reshape(B, 2, g, g)
    prob = F.interpolate(logits, size=(size, size), mode="bilinear", align_corners=True).softmax(1)
    score = (scale * unit(det) @ text.t()).softmax(-1)[..., 1].mean(-1)
    return prob, score

def focal(prob, g, gamma=2.0, smooth=1e-5):
    p1, p0 = prob[:, 1], prob[:, 0]
    pt = torch.where(g > 0.5, (1 - smooth) * p1 + smooth * p0, (1 - smooth) * p0 + smooth * p1) + smooth
    return (-(1 - pt) ** gamma * pt.log()).mean()

def dice(p, g):
    B = g.shape[0]; p = p.reshape(B, -1); g = g.reshape(B, -1)
    return 1 - ((2 * (p * g).sum(1) + 1) / (p.sum(1) + g.sum(1) + 1)).mean()

def gaussian(maps, sigma, truncate=4.0):
    """SciPy-style Gaussian: radius ⌊truncate·σ + 0.5⌋, half-sample-symmetric edges, separable."""
    r = int(truncate * sigma + 0.5); x = np.arange(-r, r + 1); w = np.exp(-x ** 2 / (2 * sigma ** 2)); w /= w.sum()
    out = []
    for m in maps:
        a = np.pad(m, ((0, 0), (r, r)), mode="symmetric"); a = np.stack([np.convolve(row, w, mode="valid") for row in a])
        a = np.pad(a, ((r, r), (0, 0)), mode="symmetric"); a = np.stack([np.convolve(col, w, mode="valid") for col in a.T]).T
        out.append(a)
    return np.stack(out)

def uni(o, i, gen): return (torch.rand(o, i, generator=gen) * 2 - 1) / math.sqrt(i)

def inputs(size, normalised, gen):
    """Three images: a lesion square, a normal one, a lesion bar; masks in {0, 1}; labels."""
    B = 3
    pix = torch.randn(B, 3, size, size, generator=gen) * 0.5 if normalised else torch.rand(B, 3, size, size, generator=gen) * 0.6
    mask = torch.zeros(B, size, size)
    r0, c0, h = size // 4, size // 3, size // 4
    pix[0, :, r0:r0 + h, c0:c0 + h] += 2.0 if normalised else 0.4; mask[0, r0:r0 + h, c0:c0 + h] = 1
    pix[2, :, size // 2:size // 2 + h // 2, 5:5 + h] += 2.5 if normalised else 0.4; mask[2, size // 2:size // 2 + h // 2, 5:5 + h] = 1
    return pix, mask, torch.tensor([1.0, 0.0, 1.0])

def adam_steps(params, loss_of, lr, n=3):
    opt = torch.optim.Adam(list(params.values()), lr=lr, betas=(0.5, 0.999), eps=1e-8)
    losses = []
    for _ in range(n):
        opt.zero_grad(); l = loss_of(); losses.append(l.item()); l.backward(); opt.step()
    return losses

def save(ref, meta, name):
    os.makedirs(outdir, exist_ok=True)
    meta = {**meta, "clip_model_sha256": clip_sha, "clip_set": os.path.basename(os.path.normpath(clipdir)),
            "precision": "float64 reference, stored as float32", "script": "scripts/reference/mvfa_textonly_reference.py"}
    save_file({k: v.detach().to(torch.float32).contiguous() if v.is_floating_point() else v.contiguous() for k, v in ref.items()},
              os.path.join(outdir, name), metadata=meta)

# ---------------------------------------------------------------- mvfa
def augment(img):
    """MVFA's 11 views of each image: original, 4 rotations, 4 translations (affine grid + bilinear sampling,
    reflection padding, half-pixel), horizontal and vertical flip."""
    views = [img]
    thetas = [[[math.cos(a), -math.sin(a), 0.0], [math.sin(a), math.cos(a), 0.0]] for a in (-math.pi / 8, -math.pi / 16, math.pi / 16, math.pi / 8)]
    thetas += [[[1.0, 0.0, a], [0.0, 1.0, b]] for a, b in ((0.1, 0.1), (-0.1, 0.1), (-0.1, -0.1), (0.1, -0.1))]
    for t in thetas:
        grid = F.affine_grid(torch.tensor([t]).expand(img.shape[0], 2, 3), list(img.shape), align_corners=False)
        views.append(F.grid_sample(img, grid, mode="bilinear", padding_mode="reflection", align_corners=False))
    views += [img.flip(-1), img.flip(-2)]
    return torch.stack(views, 1).reshape(-1, *img.shape[1:])                      # per image, its 11 views

def few_shot(ref, params, pix, pos, zero_map, size, grid):
    """Few-shot mode with image 1 (normal) as the only support: bank of seg tokens (CLS included) of its 11 views,
    min over the bank of 1 − cos per test patch, bilinear-AC upsampling, Σ levels; 0.5/0.5 min–max fusion over the set."""
    with torch.no_grad():
        support = pix[1:2]
        views = augment(support)
        _, bank, _ = vision_stream(views, gelu, pos, params, keep_cls=True)
        _, seg, _ = vision_stream(pix, gelu, pos, params)
        maps = 0
        for k in range(len(FEATURES)):
            b = unit(bank[k].reshape(-1, E))
            d = (1 - unit(seg[k]) @ b.t()).min(-1).values                         # [B, N]
            maps = maps + F.interpolate(d.reshape(-1, 1, grid, grid), size=(size, size), mode="bilinear", align_corners=True)[:, 0]
        mm = lambda m: (m - m.min()) / (m.max() - m.min())
        fused = 0.5 * mm(zero_map) + 0.5 * mm(maps)
    ref["fewshot.support"] = support; ref["fewshot.views"] = views; ref["fewshot.maps"] = maps
    ref["fewshot.fused_maps"] = fused; ref["fewshot.scores"] = fused.flatten(1).max(-1).values

def make_mvfa():
    gen = torch.Generator().manual_seed(2024)
    # 44 px: grid 3 from the native 4 (shrinking, so the antialiased kernel is stretched), 2 px past the last patch ignored.
    size = (G0 - 1) * P + 2
    grid = size // P
    scale, lr, class_name = 100.0, 1e-4, "Brain"
    normal_states = ["{}", "flawless {}", "perfect {}", "unblemished {}", "{} without flaw", "{} without defect", "{} without damage"]
    abnormal_states = ["damaged {}", "broken {}", "{} with flaw", "{} with defect", "{} with damage"]
    templates = ["a bad photo of a {}.", "a low resolution photo of the {}.", "a bad photo of the {}.", "a cropped photo of the {}.",
                 "a bright photo of a {}.", "a dark photo of the {}.", "a photo of my {}.", "a photo of the cool {}.",
                 "a close-up photo of a {}.", "a black and white photo of the {}.", "a bright photo of the {}.", "a cropped photo of a {}.",
                 "a jpeg corrupted photo of a {}.", "a blurry photo of the {}.", "a photo of the {}.", "a good photo of the {}.",
                 "a photo of one {}.", "a close-up photo of the {}.", "a photo of a {}.", "a low resolution photo of a {}.",
                 "a photo of a large {}.", "a blurry photo of a {}.", "a jpeg corrupted photo of the {}.", "a good photo of a {}.",
                 "a photo of the small {}.", "a photo of the large {}.", "a black and white photo of a {}.", "a dark photo of a {}.",
                 "a photo of a cool {}.", "a photo of a small {}.", "there is a {} in the scene.", "there is the {} in the scene.",
                 "this is a {} in the scene.", "this is the {} in the scene.", "this is one {} in the scene."]
    feats = []
    for states in (normal_states, abnormal_states):
        sentences = [t.format(s.format(class_name)) for s in states for t in templates]
        ids = tok(sentences)
        emb = encode_text(W["text_model.embeddings.token_embedding.weight"][ids], ids.argmax(-1), gelu)
        feats.append(unit(unit(emb).mean(0)))
    text = torch.stack(feats)                                                    # [2,E] normal, abnormal
    pos = positions(grid, antialias=True)
    params = {}
    for k in range(len(FEATURES)):
        for head in ("seg", "det"):
            params[f"adapters.{head}.{k}.fc1.weight"] = uni(E, Dv, gen) * 3.0
            params[f"adapters.{head}.{k}.fc2.weight"] = uni(Dv, E, gen) * 3.0
    for v in params.values(): v.requires_grad_(True)
    pix, mask, label = inputs(size, normalised=False, gen=gen)

    def run(prm):
        _, seg, det = vision_stream(pix, gelu, pos, prm)
        out, probs, scores, parts, total = {}, [], [], {}, 0
        for k in range(len(FEATURES)):
            prob, score = level_maps(seg[k], det[k], text, scale, size)
            probs.append(prob); scores.append(score)
            out[f"level.{k}.seg_tokens"] = seg[k]; out[f"level.{k}.det_tokens"] = det[k]
            out[f"level.{k}.probability"] = prob; out[f"level.{k}.image_score"] = score
            parts[f"loss.level.{k}.focal"] = focal(prob, mask)
            parts[f"loss.level.{k}.dice_abnormal"] = dice(prob[:, 1], mask)
            parts[f"loss.level.{k}.bce"] = F.binary_cross_entropy_with_logits(score, label)
            total = total + parts[f"loss.level.{k}.focal"] + parts[f"loss.level.{k}.dice_abnormal"] + parts[f"loss.level.{k}.bce"]
        parts["loss.total"] = total
        out["anomaly_map"] = sum(p[:, 1] for p in probs)                          # no smoothing
        out["image_score"] = sum(scores)
        return out, parts

    ref = {"inputs.pixel_values": pix, "inputs.masks": mask, "inputs.labels": label, "inputs.position_embedding": pos}
    for k, v in params.items(): ref["params." + k] = v.detach().clone()
    # The same adapters in the layout of MVFA's checkpoints: {"seg_adapters": ..., "det_adapters": ...}, each a
    # ModuleList state dict whose fc1/fc2 are Sequential(Linear, LeakyReLU) → keys "k.fc1.0.weight".
    layout = {f"{head}_adapters": {f"{k}.{fc}.0.weight": params[f"adapters.{head}.{k}.{fc}.weight"].detach().to(torch.float32).clone()
                                   for k in range(len(FEATURES)) for fc in ("fc1", "fc2")} for head in ("seg", "det")}
    torch.save(layout, os.path.join(outdir, "mvfa-layout.pth"))
    out, parts = run(params)
    ref["outputs.text_features"] = text
    few_shot(ref, params, pix, pos, out["anomaly_map"].detach(), size, grid)
    for k, v in out.items(): ref["outputs." + k] = v
    for k, v in parts.items(): ref["outputs." + k] = v.reshape(())
    parts["loss.total"].backward()
    for k, v in params.items(): ref["grads." + k] = v.grad.detach().clone() if v.grad is not None else torch.zeros_like(v)
    losses = adam_steps(params, lambda: run(params)[1]["loss.total"], lr)
    ref["adam.losses_before_each_step"] = torch.tensor(losses)
    for k, v in params.items(): ref["adam.params_after_3_steps." + k] = v.detach().clone()
    meta = {"profile": "mvfa", "feature_layers": json.dumps(FEATURES), "image_size": str(size), "adapter_mix": json.dumps(MIX),
            "leaky_slope": str(LEAKY), "logit_scale": str(scale), "class_name": class_name, "learning_rate": str(lr),
            "normal_states": json.dumps(normal_states), "abnormal_states": json.dumps(abnormal_states), "templates": json.dumps(templates)}
    save(ref, meta, "mvfa-reference.safetensors")
    print("mvfa loss", parts["loss.total"].item(), "adam", losses, "scores", out["image_score"].tolist())

# ---------------------------------------------------------------- text-only
def make_text_only():
    gen = torch.Generator().manual_seed(2025)
    N_CTX, DEEP, DEPTH, SIGMA, scale, lr, class_name = 4, 2, 2, 4.0, 1.0, 1e-3, "brain"
    normal_t, abnormal_t = "normal {}", "abnormal {} with lesion"
    texts = [" ".join(["X"] * N_CTX) + " " + t.format(class_name) + "." for t in (normal_t, abnormal_t)]
    ids = tok(texts); eot = ids.argmax(-1)
    params = {"prompt.ctx_normal": torch.randn(N_CTX, Dt, generator=gen) * 0.2, "prompt.ctx_abnormal": torch.randn(N_CTX, Dt, generator=gen) * 0.2}
    for j in range(DEPTH - 1): params[f"prompt.deep.{j}"] = torch.randn(DEEP, Dt, generator=gen) * 0.2
    for v in params.values(): v.requires_grad_(True)
    pix, mask, label = inputs(S0, normalised=True, gen=gen)
    stream, _, _ = vision_stream(pix, quick_gelu, positions(G0, False))
    tokens = [project(stream[i][:, 1:]) for i in FEATURES]                       # ln_post + proj, CLS dropped
    glob = project(stream[LAYERS][:, 0])                                         # global embedding [B,E]

    def run(prm):
        x = W["text_model.embeddings.token_embedding.weight"][ids].clone()
        x = torch.cat([x[:, :1], torch.stack([prm["prompt.ctx_normal"], prm["prompt.ctx_abnormal"]]), x[:, 1 + N_CTX:]], 1)
        deep = [prm[f"prompt.deep.{j}"] for j in range(DEPTH - 1)]
        text = unit(encode_text(x, eot, quick_gelu, deep, DEEP, DEPTH))
        out, probs, parts, total = {"text_features": text}, [], {}, 0
        for k in range(len(FEATURES)):
            prob, _ = level_maps(tokens[k], tokens[k], text, scale, S0)
            probs.append(prob)
            out[f"level.{k}.tokens"] = tokens[k]; out[f"level.{k}.probability"] = prob
            parts[f"loss.level.{k}.focal"] = focal(prob, mask)
            parts[f"loss.level.{k}.dice_abnormal"] = dice(prob[:, 1], mask)
            parts[f"loss.level.{k}.dice_normal"] = dice(prob[:, 0], 1 - mask)
            total = total + parts[f"loss.level.{k}.focal"] + parts[f"loss.level.{k}.dice_abnormal"] + parts[f"loss.level.{k}.dice_normal"]
        score = (scale * unit(glob) @ text.t()).softmax(-1)[:, 1]
        parts["loss.bce"] = F.binary_cross_entropy_with_logits(score, label)
        parts["loss.total"] = total + parts["loss.bce"]
        out["global_embedding"] = glob; out["image_score"] = score
        out["summed_map"] = sum(p[:, 1] for p in probs)
        return out, parts

    ref = {"inputs.pixel_values": pix, "inputs.masks": mask, "inputs.labels": label, "inputs.input_ids": ids.to(torch.int32)}
    for k, v in params.items(): ref["params." + k] = v.detach().clone()
    out, parts = run(params)
    for k, v in out.items(): ref["outputs." + k] = v
    ref["outputs.anomaly_map"] = torch.from_numpy(gaussian(out["summed_map"].detach().numpy(), SIGMA))
    for k, v in parts.items(): ref["outputs." + k] = v.reshape(())
    parts["loss.total"].backward()
    for k, v in params.items(): ref["grads." + k] = v.grad.detach().clone()
    losses = adam_steps(params, lambda: run(params)[1]["loss.total"], lr)
    ref["adam.losses_before_each_step"] = torch.tensor(losses)
    for k, v in params.items(): ref["adam.params_after_3_steps." + k] = v.detach().clone()
    meta = {"profile": "text-only", "feature_layers": json.dumps(FEATURES), "image_size": str(S0), "n_ctx": str(N_CTX),
            "deep_prompt_tokens": str(DEEP), "prompt_depth": str(DEPTH), "sigma": str(SIGMA), "logit_scale": str(scale),
            "class_name": class_name, "normal_template": normal_t, "abnormal_template": abnormal_t, "learning_rate": str(lr),
            "prompt_texts": json.dumps(texts), "eot_index": json.dumps(eot.tolist())}
    save(ref, meta, "text-only-reference.safetensors")
    print("text-only loss", parts["loss.total"].item(), "adam", losses, "scores", out["image_score"].tolist())

make_mvfa()
make_text_only()
