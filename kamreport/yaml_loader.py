"""YAML read strictly: a key written twice in one mapping is an error, not a silent
overwrite (PyYAML keeps the last), and dates stay text for the caller to parse.

A params file with ``scoring:`` twice would otherwise lose every setting of the first
section without a word; a message catalog would lose a message.
"""

from __future__ import annotations

import yaml
from yaml.constructor import ConstructorError

# libyaml's parser where PyYAML was built with it (the wheels are): the message catalogs
# parse in a tenth of the time of the pure-Python parser, the same documents.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class StrictLoader(_SafeLoader):  # type: ignore[misc, valid-type]
    """A safe loader that refuses duplicate keys and leaves dates as strings."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: dict[object, yaml.Mark] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                first = seen[key]
                raise ConstructorError(
                    "while reading a mapping",
                    node.start_mark,
                    f"found the key {key!r} a second time (first on line {first.line + 1}); "
                    "keep one of them",
                    key_node.start_mark,
                )
            seen[key] = key_node.start_mark
        return super().construct_mapping(node, deep=deep)


StrictLoader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_strict(text: str) -> object:
    """``text`` parsed as YAML with :class:`StrictLoader`."""
    return yaml.load(text, Loader=StrictLoader)


__all__ = ["StrictLoader", "load_strict"]
