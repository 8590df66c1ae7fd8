"""YAML with line numbers, safe constructors and bounds.

Mappings come back as :class:`YMap` (a dict that remembers the 1-based line
of itself and of each key), so evaluators can cite ``path:line`` for any
field. Unknown tags (``!ENV``, ``!Ref``) construct as plain values instead of
failing the file, and expanding aliases is bounded against "billion laughs".
"""

from __future__ import annotations

import yaml

try:  # libyaml is ~9x faster; fall back to the pure-Python loader.
    _BaseLoader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on the PyYAML build
    _BaseLoader = yaml.SafeLoader

MAX_EXPANDED_NODES = 2_000_000
MAX_DEPTH = 200


class YMap(dict):
    """A mapping that knows where it and each of its keys stand in the file."""

    __slots__ = ("line", "key_lines")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.line = 0
        self.key_lines: dict = {}

    def line_of(self, key) -> int:
        return self.key_lines.get(key, self.line)


class YAMLBoundsError(yaml.YAMLError):
    pass


class _LineLoader(_BaseLoader):
    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0

    def construct_object(self, node, deep=False):
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise YAMLBoundsError(f"nested deeper than {MAX_DEPTH} levels")
            return super().construct_object(node, deep=deep)
        finally:
            self._depth -= 1


def _construct_mapping(loader, node):
    mapping = YMap()
    mapping.line = node.start_mark.line + 1
    yield mapping
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            key = str(key)
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.key_lines[key] = key_node.start_mark.line + 1


def _construct_unknown(loader, tag_suffix, node):
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_scalar(node)


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_multi_constructor("!", _construct_unknown)
_LineLoader.add_multi_constructor("tag:", _construct_unknown)


def _expanded_size(root) -> int:
    """Node count with every alias expanded, computed without expanding.

    Aliases share nodes, so a "billion laughs" document is small to load but
    explodes for anything that walks it; this measures the explosion first.
    """
    sizes: dict[int, int] = {}
    stack = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes:
            continue
        if isinstance(node, yaml.ScalarNode):
            sizes[id(node)] = 1
            continue
        children = [v for pair in node.value for v in pair] if isinstance(node, yaml.MappingNode) else list(node.value)
        if children_done:
            sizes[id(node)] = 1 + sum(sizes[id(c)] for c in children)
            if sizes[id(node)] > MAX_EXPANDED_NODES:
                raise YAMLBoundsError(
                    f"expands to more than {MAX_EXPANDED_NODES:,} nodes through aliases (alias bomb?)"
                )
        else:
            if len(stack) > 100_000:
                raise YAMLBoundsError(f"nested deeper than {MAX_DEPTH} levels")
            stack.append((node, True))
            stack.extend((c, False) for c in children if id(c) not in sizes)
    return sizes[id(root)]


def load_all(text: str) -> list:
    """All documents of a YAML stream; raises ``yaml.YAMLError`` with a mark."""
    loader = _LineLoader(text)
    try:
        documents = []
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            _expanded_size(node)
            documents.append(loader.construct_document(node))
        return documents
    finally:
        loader.dispose()


def describe_error(exc: Exception) -> str:
    """One line for the report, e.g. ``line 4: mapping values are not allowed here``."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if mark is not None:
        return f"invalid YAML at line {mark.line + 1}: {problem}"
    return f"invalid YAML: {problem}"
