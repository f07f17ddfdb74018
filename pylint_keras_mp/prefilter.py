"""The narrow pre-filter's words: the identifiers without which a module holds no finding (each
rule's declared ``words``, see ``pylint_keras_mp.rule.Rule``), looked for as whole identifiers of
the normalised text. The engine and the project scan ask it."""

from __future__ import annotations

import re

from .config import Options
from .rules import prefilter_words
from .text import names_a_word

# Words without which a module holds no finding (besides KMP901): every word a rule declares it
# needs (``Rule.words``: a Keras loader base, a worker argument, a Keras 2 generator method...).
# They are looked for as whole identifiers.
_DECLARED_WORDS = prefilter_words()
# A declared word ``a+b`` is named only when every part is (``torch+Dataset``: ``Dataset`` alone
# is tf.data's everyday word, and a torch Dataset module names torch where it imports it).
_NEEDED_WORDS = tuple(word for word in _DECLARED_WORDS if "+" not in word)
_NEEDED_TOGETHER = tuple(tuple(word.split("+")) for word in _DECLARED_WORDS if "+" in word)
# A launch whose ``**mapping`` the analysis cannot read may start processes without naming them,
# which counts only with the assume-multiprocessing option (unknown is silent otherwise): it
# needs ``**`` and a launch method call.
_LAUNCH_CALL = re.compile(r"\.[\s\\]*(?:fit|evaluate|predict)\b")


def _probes(words: tuple[str, ...]) -> tuple[str, ...]:
    """Substrings of which each word holds one, for a cheap first test: the words, except that
    words sharing what follows their first underscore share it as one probe (``_generator`` for
    fit_generator, evaluate_generator and predict_generator: one pass over the text)."""
    tails: dict[str, list[str]] = {}
    for word in words:
        head, sep, tail = word.partition("_")
        tails.setdefault(sep + tail if sep and head else word, []).append(word)
    return tuple(dict.fromkeys(tail if len(group) > 1 else group[0] for tail, group in tails.items()))


_NEEDED_PROBES = _probes(_NEEDED_WORDS)


def names_needed_words(text: str, options: Options) -> bool:
    """The pre-filter's words (a loader base, a worker argument, a Keras 2 generator method, a
    configured base; with assume-multiprocessing a launch with a ``**mapping``) in a normalised
    text: without them a module holds a finding only through the project (``takes_part``)."""
    if names_a_word(text, _NEEDED_WORDS, _NEEDED_PROBES):
        return True
    if any(all(names_a_word(text, (part,)) for part in parts) for parts in _NEEDED_TOGETHER):
        return True
    if options.sequence_bases:
        configured = tuple(base.rpartition(".")[2] for base in options.sequence_bases)
        if names_a_word(text, configured):
            return True
    return options.assume_multiprocessing and "**" in text and _LAUNCH_CALL.search(text) is not None


def names_declared_word(text: str, words: tuple[str, ...]) -> bool:
    """Whether a normalised text names one of ``words`` as the pre-filter reads them (``a+b``:
    both)."""
    return any(all(names_a_word(text, (part,)) for part in word.split("+")) for word in words)
