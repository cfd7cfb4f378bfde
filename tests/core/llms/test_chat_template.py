"""gpt4all gets each model file's own chat template, read from the GGUF header and rendered in a
sandbox, not ChatML for every file. GGUFs are generated with gguf's own writer (metadata only, no
tensors); the shipped model files are read too when they are installed."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from core.llms.chat_template import CHATML_SYSTEM, CHATML_TURN, STOP_MARKERS, ChatTemplateError, chat_format
from core.llms.gguf_meta import MAX_TEMPLATE_BYTES, ChatMetadata, GGUFError, read_chat_metadata
from core.llms.model_files import DEFAULT_GGUF, shipped_smollm2
from core.llms.registry import DEFAULT_MODELS_DIR

gguf = pytest.importorskip("gguf", reason="the gguf package writes the test files (requirements.txt has it)")

# A Llama-3-style template, written for this test: BOS first, a header per turn, <|eot_id|> after each.
HEADERS = ("{{ bos_token }}{% for message in messages %}<|start_header_id|>{{ message['role'] }}<|end_header_id|>"
           "\n\n{{ message['content'] | trim }}<|eot_id|>{% endfor %}"
           "{% if add_generation_prompt %}<|start_header_id|>assistant<|end_header_id|>\n\n{% endif %}")
TOKENS = ["<unk>", "<|begin_of_text|>", "<|end_of_text|>", "<|eot_id|>", "hello", "world"]
SYSTEM = "Answer from the passages only."


def write_gguf(path: Path, template: str | None = None, add_bos: bool | None = True, tokens: list[str] = TOKENS,
               extra: bool = True) -> Path:
    """A GGUF with tokenizer metadata only, written by the reference writer."""
    writer = gguf.GGUFWriter(path, "llama")
    writer.add_tokenizer_model("gpt2")
    if extra:  # values the reader must step over: numbers, a float array, a string array, a string
        writer.add_context_length(2048)
        writer.add_array("tokenizer.ggml.scores", [0.5] * len(tokens))
    writer.add_token_list(tokens)
    if extra:
        writer.add_array("tokenizer.ggml.merges", ["h e", "l l", "o w"])
        writer.add_string("general.name", "tiny test model")
    writer.add_bos_token_id(1)
    writer.add_eos_token_id(2)
    if add_bos is not None:
        writer.add_add_bos_token(add_bos)
    if template is not None:
        writer.add_chat_template(template)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def test_the_reader_finds_the_template_and_tokens_past_every_other_value(tmp_path):
    meta = read_chat_metadata(write_gguf(tmp_path / "m.gguf", HEADERS))
    assert meta == ChatMetadata(chat_template=HEADERS, bos_token="<|begin_of_text|>", eos_token="<|end_of_text|>",
                                adds_bos=True)
    assert read_chat_metadata(write_gguf(tmp_path / "plain.gguf")).chat_template is None


def test_the_files_own_template_becomes_gpt4alls_system_prompt_and_turn(tmp_path):
    form = chat_format(write_gguf(tmp_path / "m.gguf", HEADERS))
    system_prompt, turn = form.session(SYSTEM)
    # gpt4all puts the BOS token in front itself (add_bos_token): the rendered one is dropped
    assert system_prompt == (f"<|start_header_id|>system<|end_header_id|>\n\n{SYSTEM}<|eot_id|>"
                             "<|start_header_id|>user<|end_header_id|>\n\n")
    assert turn == "{0}<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n{1}<|eot_id|>"
    assert turn.format("%1", "%2") == "%1<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n%2<|eot_id|>"
    assert form.stop_markers[:2] == ("<|eot_id|>", "<|end_of_text|>")
    assert "<|im_start|>" not in system_prompt + turn


def test_the_bos_token_stays_when_the_runtime_does_not_add_one(tmp_path):
    system_prompt, _ = chat_format(write_gguf(tmp_path / "m.gguf", HEADERS, add_bos=False)).session(SYSTEM)
    assert system_prompt.startswith("<|begin_of_text|><|start_header_id|>system")


def test_no_system_message_leaves_the_templates_default(tmp_path):
    template = ("{% if messages[0].role != 'system' %}[default system]{% endif %}"
                "{% for m in messages %}[{{ m.role }}]{{ m.content }}{% endfor %}"
                "{% if add_generation_prompt %}[a]{% endif %}")
    assert chat_format(write_gguf(tmp_path / "m.gguf", template)).session("") == ("[default system][user]", "{0}[a]{1}")


def test_a_file_without_a_template_gets_chatml(tmp_path):
    form = chat_format(write_gguf(tmp_path / "m.gguf", None))
    assert form.session(SYSTEM) == (CHATML_SYSTEM.format(SYSTEM), CHATML_TURN)
    assert form.stop_markers == STOP_MARKERS


def test_braces_the_template_writes_are_literal_for_gpt4all(tmp_path):
    template = ("{% for m in messages %}<{{ m.role }}>{ {{- m.content -}} }{% endfor %}"
                "{% if add_generation_prompt %}<bot>{% endif %}")
    system_prompt, turn = chat_format(write_gguf(tmp_path / "m.gguf", template)).session(SYSTEM)
    assert system_prompt == "<system>{" + SYSTEM + "}<user>{"
    assert turn.format("%1", "%2") == "%1}<bot>%2}"  # what gpt4all hands its C++ side


@pytest.mark.parametrize(("template", "message"), [
    ("{{ ''.__class__.__mro__[1].__subclasses__() }}", "failed"),  # the sandbox refuses Python internals
    ("{% for m in messages %}{{ messages.append(m) }}{% endfor %}", "failed"),  # and changing the messages
    ("{{ raise_exception('System role not supported') }}", "System role not supported"),
    ("{% for m in messages %}", "does not compile"),
    ("{% for m in messages %}{{ m.content }}{{ m.content }}{% endfor %}", "exactly once"),
])
def test_a_template_that_cannot_work_fails_at_load_time_with_a_reason(tmp_path, template, message):
    with pytest.raises(ChatTemplateError, match=message):
        chat_format(write_gguf(tmp_path / "m.gguf", template))


def test_a_file_that_is_not_a_gguf_or_breaks_a_bound_is_refused(tmp_path):
    (tmp_path / "text.gguf").write_bytes(b"not a gguf at all, just some text" * 4)
    with pytest.raises(GGUFError, match="not a GGUF"):
        read_chat_metadata(tmp_path / "text.gguf")
    whole = write_gguf(tmp_path / "m.gguf", HEADERS).read_bytes()
    (tmp_path / "cut.gguf").write_bytes(whole[: len(whole) // 2])
    with pytest.raises(GGUFError, match="not a GGUF"):
        read_chat_metadata(tmp_path / "cut.gguf")
    huge = MAGIC_V3 + struct.pack("<QQ", 0, 1) + struct.pack("<Q", 2**62)  # a key "2^62 bytes long"
    (tmp_path / "huge.gguf").write_bytes(huge + b"\0" * 64)
    with pytest.raises(GGUFError):
        read_chat_metadata(tmp_path / "huge.gguf")
    with pytest.raises(GGUFError, match="at most"):
        read_chat_metadata(write_gguf(tmp_path / "long.gguf", "x" * (MAX_TEMPLATE_BYTES + 1)))


MAGIC_V3 = b"GGUF" + struct.pack("<I", 3)


def shipped(path: Path | None) -> Path:
    if path is None or not path.is_file():
        pytest.skip(f"{path or 'the model'} is not installed (scripts/setup.sh assembles it; --dev adds SmolLM2)")
    return path


@pytest.mark.integration
def test_the_default_qwen_model_renders_exactly_the_chatml_it_was_given_before():
    path = shipped(DEFAULT_MODELS_DIR / DEFAULT_GGUF)
    form = chat_format(path)
    assert form.meta.chat_template and "<|im_start|>" in form.meta.chat_template
    system_prompt, turn = form.session(SYSTEM)
    assert system_prompt + turn == CHATML_SYSTEM.format(SYSTEM) + CHATML_TURN
    assert "<|im_end|>" in form.stop_markers


@pytest.mark.integration
def test_the_shipped_smollm2_file_has_its_template_read():
    form = chat_format(shipped(shipped_smollm2()))
    system_prompt, turn = form.session(SYSTEM)
    assert system_prompt.endswith(f"{SYSTEM}<|im_end|>\n<|im_start|>user\n")
    assert turn == "{0}<|im_end|>\n<|im_start|>assistant\n{1}<|im_end|>\n"
