"""Small documents, one topic each, whose first sentence answers its question: the load, two-process
and PostgreSQL tests ask them so that every hit can be traced to the one file it must come from."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

TOPICS = {
    "lighthouse.txt": ("Marta Quell keeps the lighthouse on Skarvoy island and rows ashore on Sundays.",
                       "Who keeps the lighthouse on Skarvoy island?"),
    "glassworks.txt": ("The glassblower Ivo Brandt shapes cobalt lanterns in the Murrow glassworks.",
                       "Who shapes cobalt lanterns in the Murrow glassworks?"),
    "orchard.txt": ("Farmer Lotte Seidl grows quinces and medlars in the Ashgrove orchard.",
                    "Who grows quinces and medlars in the Ashgrove orchard?"),
    "observatory.txt": ("Astronomer Tomas Reyna tracks comet Halvard from the Pellan observatory.",
                        "Which comet is tracked from the Pellan observatory?"),
    "bakery.txt": ("The baker Ona Petrov fires her rye loaves in a wood oven on Kettle Lane.",
                   "Who bakes rye loaves in a wood oven on Kettle Lane?"),
    "shipyard.txt": ("Shipwright Aksel Varga builds oak ferries at the Norrhamn shipyard.",
                     "Who builds oak ferries at the Norrhamn shipyard?"),
    "apiary.txt": ("Beekeeper Ines Morrow keeps forty hives of black bees at the Lindholm apiary.",
                   "How many hives are kept at the Lindholm apiary?"),
    "clocktower.txt": ("Clockmaker Piet Osei repairs the astronomical clock in the Vennberg town hall.",
                       "Who repairs the astronomical clock in the Vennberg town hall?"),
}


def topic_text(name: str, notes: int) -> str:
    """The topic sentence, then ``notes`` sentences of filler that mention nothing else."""
    subject = name.removesuffix(".txt")
    filler = " ".join(f"Note {i} of the {subject} ledger records an ordinary day without news." for i in range(notes))
    return f"{TOPICS[name][0]}\n\n{filler}\n"


def write_topic_files(folder: Path, names: Iterable[str], notes: int) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for name in names:
        out[name] = folder / name
        out[name].write_text(topic_text(name, notes), encoding="utf-8")
    return out
