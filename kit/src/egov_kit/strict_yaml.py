"""YAML of the landscape's own files (regulations, the ШЭП registry): safe, and no duplicate keys.

PyYAML silently keeps the last of two equal keys in a mapping, so a typo can hide a value. The
:class:`StrictLoader` is a ``SafeLoader`` that refuses a mapping naming a key twice (merge keys still
work as YAML defines them: an explicit key overrides a merged one)::

    data = strict_yaml.load(path.read_text(encoding="utf-8"))  # yaml.YAMLError on a duplicate
"""

from __future__ import annotations

from typing import Any

import yaml


class StrictLoader(yaml.SafeLoader):
    """A safe loader that refuses duplicate mapping keys (PyYAML silently keeps the last one)."""


def _construct_mapping(loader: StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _value_node in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping",
                node.start_mark,
                f"found duplicate key {key!r}",
                key_node.start_mark,
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load(text: str | bytes) -> Any:
    """The document in ``text``; :class:`yaml.YAMLError` when it is not YAML or repeats a key."""
    return yaml.load(text, Loader=StrictLoader)  # noqa: S506 - a SafeLoader subclass
