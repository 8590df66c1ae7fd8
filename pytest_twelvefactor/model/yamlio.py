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
MAX_DEPTH = 100  # Kubernetes objects nest ~20 levels, CRD schemas ~50; constructing deeper recurses too far


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
    """A document refused before construction: alias bomb, nesting, self-containing alias."""

    problem_mark = None


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
    _refuse_duplicate_keys(node)
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:  # `name: {{ .Values.name }}` parses as a mapping used as a key
            raise yaml.constructor.ConstructorError(
                None, None, "a mapping key that is itself a mapping or list (an unquoted {{ }} template?)",
                key_node.start_mark) from None
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.key_lines[key] = key_node.start_mark.line + 1


def _refuse_duplicate_keys(node) -> None:
    """kubectl, Kustomize and compose (Go yaml.v3) reject a key written twice in one mapping;
    PyYAML would silently keep the last value. Merge keys (``<<``) may be overridden."""
    seen: dict = {}
    for key_node, _value in node.value:
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = (key_node.tag, key_node.value)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key_node.value!r} (first at line {seen[key]})", key_node.start_mark)
        seen[key] = key_node.start_mark.line + 1


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
    """Node count with every alias expanded, computed without expanding; also the nesting depth.

    Aliases share nodes, so a "billion laughs" document is small to load but
    explodes for anything that walks it; this measures the explosion first,
    without recursion, and refuses documents nested deeper than ``MAX_DEPTH``
    or holding an alias to one of their own ancestors.
    """
    sizes: dict[int, int] = {}
    heights: dict[int, int] = {}
    expanding: set[int] = set()
    stack = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if isinstance(node, yaml.ScalarNode):
            sizes[key] = heights[key] = 1
            continue
        children = [v for pair in node.value for v in pair] if isinstance(node, yaml.MappingNode) else list(node.value)
        if children_done:
            expanding.discard(key)
            sizes[key] = 1 + sum(sizes[id(c)] for c in children)
            heights[key] = 1 + max((heights[id(c)] for c in children), default=0)
            if sizes[key] > MAX_EXPANDED_NODES:
                raise YAMLBoundsError(
                    f"expands to more than {MAX_EXPANDED_NODES:,} nodes through aliases (alias bomb?)"
                )
            if heights[key] > MAX_DEPTH:
                raise YAMLBoundsError(f"nested deeper than {MAX_DEPTH} levels")
            continue
        if key in sizes:
            continue
        if key in expanding:
            raise YAMLBoundsError("an alias refers to a node that contains it (recursive alias)")
        expanding.add(key)
        stack.append((node, True))
        stack.extend((c, False) for c in children if id(c) not in sizes)
    return sizes[id(root)]


def load_all(text: str) -> list:
    """All documents of a YAML stream; raises ``yaml.YAMLError`` with a mark."""
    loader = _LineLoader(text)
    has_alias = "*" in text if isinstance(text, str) else True
    try:
        documents = []
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            if has_alias:  # without an alias (``*name``) the expansion is the parsed size itself
                _expanded_size(node)
            documents.append(loader.construct_document(node))
        return documents
    finally:
        loader.dispose()


def describe_error(exc: Exception) -> str:
    """One line for the report, e.g. ``line 4: mapping values are not allowed here``."""
    if isinstance(exc, YAMLBoundsError):
        return f"not analysed: {exc}"
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if mark is not None:
        return f"invalid YAML at line {mark.line + 1}: {problem}"
    return f"invalid YAML: {problem}"
