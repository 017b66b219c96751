"""Seeded synthetic corpus of policy documents, with the extraction each should yield.

    python benchmarks/generate.py OUT_DIR --documents 1000 [--seed 7] [--chars 15000]

Writes OUT_DIR/NNNNN.txt and OUT_DIR/gold/NNNNN.json (the gold FORMAT of ../shared/gold),
so `policykg eval --gold OUT_DIR/gold --sources OUT_DIR` measures quality at scale too.
Vocabulary and templates live in benchmarks/grammar.toml.
"""
from __future__ import annotations

import argparse
import json
import random
import tomllib
from pathlib import Path

GRAMMAR = tomllib.loads((Path(__file__).parent / "grammar.toml").read_text(encoding="utf-8"))
CN = "一二三四五六七八九十"


def cn_number(n: int) -> str:
    return CN[n - 1] if n <= 10 else "十" + CN[n - 11] if n < 20 else str(n)


class Writer:
    def __init__(self, rng: random.Random, city: str, doc_no: int):
        self.rng, self.city, self.doc_no = rng, city, doc_no
        self.lines: list[str] = []
        self.provisions: list[dict] = []
        self.item = 0

    def pick(self, key: str):
        return self.rng.choice(GRAMMAR[key])

    def document(self, target_chars: int) -> tuple[str, dict]:
        industry = self.pick("industries")
        year = self.rng.choice([2022, 2023, 2024])
        title = f"{self.city}{industry}产业高质量发展{self.pick('doc_types')}"
        self.lines += [title, "（征求意见稿）", "", f"为加快推进{industry}产业发展，结合我市实际，制定本方案。"]
        section = 0
        while sum(len(l) + 1 for l in self.lines) < target_chars:
            section += 1
            self.lines.append(f"{cn_number(section)}、{self.rng.choice(GRAMMAR['sections'])}")
            for group in range(1, self.rng.randint(2, 4) + 1):
                self.lines.append(f"（{cn_number(group)}）{self.pick('groups')}")
                for _ in range(self.rng.randint(2, 5)):
                    self.task(f"{cn_number(section)}/（{cn_number(group)}）", year)
        text = "\n".join(self.lines) + "\n"
        gold = {"source": f"{self.doc_no:05d}.txt",
                "document": {"title": title, "city": self.city, "province": None, "status": "draft",
                             "issuers": [], "issued": None, "period": None},
                "aliases": {}, "provisions": self.provisions}
        return text, gold

    def task(self, parent: str, year: int) -> None:
        self.item += 1
        heading = f"{self.pick('verbs')}{self.pick('objects')}"
        anchor = f"第{self.doc_no}号第{self.item}项任务"
        body = [f"{anchor}，{self.pick('fillers')}"]       # ends with 。
        deadlines, targets = [], []
        if self.rng.random() < 0.6:
            spec = self.rng.choice(GRAMMAR["deadlines"])
            due = year + self.rng.randint(1, 3)
            phrase = spec["template"].format(year=due)
            deadlines.append({"text": phrase, "date": spec.get("date", f"{due}-12-31"), "kind": spec["kind"]})
            body.append(f"{phrase}完成阶段任务，")
        else:
            body.append("持续推进，")
        for _ in range(self.rng.randint(0, 2)):
            spec = self.rng.choice(GRAMMAR["targets"])
            value = self.rng.randint(2, 300)
            sentence = spec["template"].format(metric=self.rng.choice(spec["metrics"]), value=value)
            targets.append({"text": sentence, "value": value, "unit": spec["unit"], "comparator": spec["comparator"]})
            body.append(sentence + "，")
        lead = self.rng.sample(GRAMMAR["units"], 1)
        responsible = self.rng.sample([u for u in GRAMMAR["units"] if u not in lead], self.rng.randint(1, 3))
        if self.rng.random() < 0.5:
            responsible.append(self.rng.choice(GRAMMAR["collectives"]))
        text = body[0] + "".join(body[1:]).rstrip("，") + "。"
        self.lines.append(f"{self.item}．{heading}。{text}（牵头单位：{'、'.join(lead)}；责任单位：{'、'.join(responsible)}）")
        self.provisions.append({"id": f"{parent}/{self.item}", "heading": heading, "anchor": anchor,
                                "lead_units": lead, "responsible_units": responsible,
                                "deadlines": deadlines, "targets": targets})


def generate(out: Path, documents: int, seed: int = 7, chars: int = 15000) -> list[Path]:
    rng = random.Random(seed)
    (out / "gold").mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(documents):
        city = GRAMMAR["cities"][n % len(GRAMMAR["cities"])]
        text, gold = Writer(rng, city, n).document(chars)
        path = out / f"{n:05d}.txt"
        path.write_text(text, encoding="utf-8")
        (out / "gold" / f"{n:05d}.json").write_text(json.dumps(gold, ensure_ascii=False), encoding="utf-8")
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--documents", type=int, default=10)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--chars", type=int, default=15000)
    args = parser.parse_args()
    generate(args.out, args.documents, args.seed, args.chars)


if __name__ == "__main__":
    main()
