"""Reward for training a thinker on a thinkedit export with GRPO (EasyR1, verl, ms-swift).

Written into every export's train/ folder by `thinkedit export`. A completion is the thinker's
answer to one sample: <think>reasoning</think><score>{"semantic": S, "quality": Q}</score>
<answer>next instruction</answer>. Three terms, each in [0, 1]:

  format       1 when the three blocks come in that order and <score> holds a JSON object with
               numeric "semantic" and "quality"; else 0.
  critique     how close the predicted scores are to the judge's scores of the critiqued image:
               max(0, 10 - mean squared error over the two) / 10.
  improvement  the edit-improvement term of EditThinker's RL reward: the editor runs the answer
               on the source image, the judge scores the new edit against the user's instruction,
               and the term is ((new semantic - critiqued semantic) / 10 + 1) / 2 (0.5 = no change).
               It needs model servers, so it is on only when THINKEDIT_EDITOR_URL and
               THINKEDIT_JUDGE_URL are set (see below); offline it is left out.

The total is 0.5 * format + 0.5 * critique offline, and 0.5 * format + 0.5 * improvement with the
servers, as EditThinker's released reward combines them. THINKEDIT_REWARD_WEIGHTS="f,c,i" sets
other weights (normalised to sum to 1; terms that are off count as 0).

Servers for the improvement term, speaking the wire formats thinkedit's backends speak:
  THINKEDIT_EDITOR_URL   an editthinker-http editor: POST {url}/edit with {"image": base64,
                         "prompt": ..., "seed": ...} answers {"success": true, "edited_image": base64}
                         (several URLs separated by commas are used in turn).
  THINKEDIT_JUDGE_URL    an OpenAI-compatible chat completions base URL (".../v1").
  THINKEDIT_JUDGE_MODEL  the judge model (default gpt-4.1).
  THINKEDIT_JUDGE_KEY_ENV  the name of the environment variable holding the judge's API key
                         (default OPENAI_API_KEY); the key itself is never written anywhere.
  THINKEDIT_EDITOR_SEED  the seed the editor is given (default 0).
The judge is asked with the run's own judge prompts (prompts/ beside this file), as the run's
score stage asked it: the semantic score is the lower of the two numbers of the semantic prompt.
A failed edit or judgement gives the neutral 0.5.

Entry points:
  EasyR1 (batch reward):   compute_score(reward_inputs) -> [{"overall": ..., ...}]
  verl (custom_reward_function): verl_compute_score(data_source, solution_str, ground_truth, extra_info)
  ms-swift (--external_plugins this file): --reward_funcs thinkedit_format thinkedit_critique thinkedit_improvement
"""
import base64
import json
import os
import re
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))

_BLOCK = {name: re.compile(r"<\s*%s\s*>(.*?)<\s*/\s*%s\s*>" % (name, name), re.DOTALL | re.IGNORECASE)
          for name in ("think", "score", "answer")}


# ---------------------------------------------------------------------------- parsing

def _block(text, name):
    """The content of the first <name>...</name> block and where it starts, or (None, -1)."""
    if not isinstance(text, str):
        return None, -1
    m = _BLOCK[name].search(text)
    return (m.group(1).strip(), m.start()) if m else (None, -1)


def predicted_scores(text):
    """{"semantic": float, "quality": float} from the <score> block, or None."""
    body, _ = _block(text, "score")
    if body is None:
        return None
    try:
        value = json.loads(body)
    except ValueError:
        return None
    if not isinstance(value, dict):
        return None
    out = {}
    for key in ("semantic", "quality"):
        v = value.get(key)
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            return None
        out[key] = float(v)
    return out


def answer_text(text):
    body, _ = _block(text, "answer")
    return body


def truth_from_target(target):
    """The judge's scores of the critiqued image, from an exported target text."""
    return predicted_scores(target)


def truth_from_evaluation(evaluation):
    """The judge's scores from an editthinker-rl `evaluation` column ({"semantics", "quality"})."""
    if isinstance(evaluation, str):
        evaluation = json.loads(evaluation)
    return {"semantic": float(evaluation["semantics"]), "quality": float(evaluation["quality"])}


# ---------------------------------------------------------------------------- the terms

def format_reward(text):
    positions = [_block(text, name)[1] for name in ("think", "score", "answer")]
    if min(positions) < 0 or not positions[0] < positions[1] < positions[2]:
        return 0.0
    return 1.0 if predicted_scores(text) is not None else 0.0


def critique_reward(text, truth):
    predicted = predicted_scores(text)
    if predicted is None or truth is None:
        return 0.0
    mse = sum((predicted[k] - truth[k]) ** 2 for k in ("semantic", "quality")) / 2.0
    return max(0.0, 10.0 - mse) / 10.0


def _weights(improvement_on):
    given = os.environ.get("THINKEDIT_REWARD_WEIGHTS")
    if given:
        w = [float(x) for x in given.split(",")]
        if len(w) != 3 or min(w) < 0 or sum(w) <= 0:
            raise ValueError("THINKEDIT_REWARD_WEIGHTS must be three non-negative numbers, e.g. 0.5,0.5,0")
    else:
        w = [0.5, 0.0, 0.5] if improvement_on else [0.5, 0.5, 0.0]
    if not improvement_on:
        w[2] = 0.0
    total = sum(w) or 1.0
    return [x / total for x in w]


# ---------------------------------------------------------------------------- edit improvement

def improvement_enabled():
    return bool(os.environ.get("THINKEDIT_EDITOR_URL")) and bool(os.environ.get("THINKEDIT_JUDGE_URL"))


_editor_turn = [0]


def _post_json(url, body, headers=None, timeout=300):
    data = json.dumps(body).encode("utf-8")
    request = urllib.request.Request(url, data=data, method="POST",
                                     headers={"Content-Type": "application/json", **(headers or {})})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read().decode("utf-8"))


def _edit(image_bytes, instruction):
    urls = [u.strip().rstrip("/") for u in os.environ["THINKEDIT_EDITOR_URL"].split(",") if u.strip()]
    url = urls[_editor_turn[0] % len(urls)]
    _editor_turn[0] += 1
    answer = _post_json(url + "/edit", {"image": base64.b64encode(image_bytes).decode("ascii"), "prompt": instruction,
                                        "seed": int(os.environ.get("THINKEDIT_EDITOR_SEED", "0"))})
    if not answer.get("success") or not answer.get("edited_image"):
        raise RuntimeError("the editor answered without an image: %s" % str(answer.get("error", ""))[:200])
    return base64.b64decode(answer["edited_image"])


def _prompt(name):
    with open(os.path.join(HERE, "prompts", name), encoding="utf-8") as f:
        return f.read()


def _render(template, values):
    """The run's placeholder rules: {name} is filled, {{ and }} are literal braces."""
    out, i = [], 0
    while i < len(template):
        if template.startswith("{{", i) or template.startswith("}}", i):
            out.append(template[i])
            i += 2
            continue
        if template[i] == "{":
            end = template.find("}", i)
            if end > i and template[i + 1:end] in values:
                out.append(values[template[i + 1:end]])
                i = end + 1
                continue
        out.append(template[i])
        i += 1
    return "".join(out)


def _data_url(image_bytes):
    kind = "image/jpeg" if image_bytes[:2] == b"\xff\xd8" else "image/png"
    return "data:%s;base64,%s" % (kind, base64.b64encode(image_bytes).decode("ascii"))


def _judge_semantic(source_bytes, edited_bytes, instruction, task=""):
    values = {"instruction": instruction, "task": task}
    key = os.environ.get(os.environ.get("THINKEDIT_JUDGE_KEY_ENV", "OPENAI_API_KEY"), "")
    body = {
        "model": os.environ.get("THINKEDIT_JUDGE_MODEL", "gpt-4.1"),
        "temperature": 0,
        "messages": [
            {"role": "system", "content": _render(_prompt("judge_system.txt"), values)},
            {"role": "user", "content": [
                {"type": "text", "text": _render(_prompt("judge_semantic.txt"), values)},
                {"type": "image_url", "image_url": {"url": _data_url(source_bytes)}},
                {"type": "image_url", "image_url": {"url": _data_url(edited_bytes)}},
            ]},
        ],
    }
    headers = {"Authorization": "Bearer " + key} if key else {}
    answer = _post_json(os.environ["THINKEDIT_JUDGE_URL"].rstrip("/") + "/chat/completions", body, headers)
    content = answer["choices"][0]["message"]["content"]
    start, end = content.find("{"), content.rfind("}")
    scores = json.loads(content[start:end + 1])["score"]
    return float(min(float(x) for x in scores))


def improvement_reward(text, truth, source_image_path, instruction, task=""):
    """((new semantic - critiqued semantic) / 10 + 1) / 2; 0.5 when the edit or judge fails."""
    answer = answer_text(text)
    if not answer or truth is None:
        return 0.5
    try:
        with open(source_image_path, "rb") as f:
            source = f.read()
        edited = _edit(source, answer)
        semantic = _judge_semantic(source, edited, instruction, task)
    except Exception as error:  # a failed call is neutral, as in EditThinker's reward
        print("thinkedit_reward: edit improvement unavailable: %s" % error)
        return 0.5
    return ((semantic - truth["semantic"]) / 10.0 + 1.0) / 2.0


# ---------------------------------------------------------------------------- one completion

def score_completion(text, truth, source_image_path=None, instruction=None, task=""):
    """Every term and the weighted total for one completion."""
    on = improvement_enabled() and source_image_path is not None and instruction is not None
    terms = {"format": format_reward(text), "critique": critique_reward(text, truth)}
    terms["improvement"] = improvement_reward(text, truth, source_image_path, instruction, task) if on else 0.5
    w = _weights(on)
    terms["overall"] = w[0] * terms["format"] + w[1] * terms["critique"] + w[2] * terms["improvement"]
    return terms


def _resolve(path, folder):
    if path and not os.path.isabs(path):
        return os.path.join(folder or os.path.dirname(HERE), path)
    return path


# ---------------------------------------------------------------------------- EasyR1

def compute_score(reward_inputs, **_):
    """EasyR1's batch reward: each input has "response" and "ground_truth" (the row's
    `evaluation`, through answer_key) and the row's other columns."""
    results = []
    for item in reward_inputs:
        truth = truth_from_evaluation(item["ground_truth"])
        results.append(score_completion(item["response"], truth,
                                        _resolve(item.get("origin_image_path"), item.get("image_dir")),
                                        item.get("origin_prompt")))
    return results


# ---------------------------------------------------------------------------- verl

def verl_compute_score(data_source, solution_str, ground_truth, extra_info=None, **_):
    """verl's custom reward: ground_truth is the exported target text; extra_info holds the
    metadata columns. verl takes the reward from "score" and logs the other keys."""
    info = extra_info or {}
    terms = score_completion(solution_str, truth_from_target(ground_truth),
                             _resolve(info.get("source_image"), None), info.get("original_instruction"), info.get("task", ""))
    terms["score"] = terms["overall"]
    return terms


# ---------------------------------------------------------------------------- ms-swift

try:  # registered only where ms-swift is installed (ms-swift 4: swift.rewards; 3: swift.plugin)
    try:
        from swift.rewards import ORM, orms
    except ImportError:
        from swift.plugin import ORM, orms

    class _ThinkEditORM(ORM):
        term = "overall"

        def __call__(self, completions, solution=None, **kwargs):
            out = []
            for i, completion in enumerate(completions):
                truth = truth_from_target(solution[i]) if solution is not None else None
                if self.term == "format":
                    out.append(format_reward(completion))
                elif self.term == "critique":
                    out.append(critique_reward(completion, truth))
                else:
                    images = kwargs.get("images")
                    source = images[i][0] if images else None
                    if isinstance(source, dict):
                        source = source.get("path")
                    instruction = kwargs.get("original_instruction", [None] * len(completions))[i]
                    out.append(improvement_reward(completion, truth, source, instruction) if improvement_enabled() else 0.5)
            return out

    class ThinkEditFormat(_ThinkEditORM):
        term = "format"

    class ThinkEditCritique(_ThinkEditORM):
        term = "critique"

    class ThinkEditImprovement(_ThinkEditORM):
        term = "improvement"

    orms["thinkedit_format"] = ThinkEditFormat
    orms["thinkedit_critique"] = ThinkEditCritique
    orms["thinkedit_improvement"] = ThinkEditImprovement
except ImportError:
    pass
