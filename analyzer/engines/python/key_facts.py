"""Load the key-material, framework-key, algorithm-reference and DH-group sections of
``rules/knowledge/python_apis.toml`` for the checks that read them (issues 13 and 15)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from analyzer.knowledge.files import knowledge_file


@dataclass(frozen=True)
class KeyFacts:
    """What decides that a literal is key material, a framework key, a chosen algorithm or a group."""

    public_markers: tuple[str, ...]
    min_bytes: int
    placeholders: frozenset[str]
    framework_settings: frozenset[str]
    framework_attributes: frozenset[str]
    config_methods: frozenset[str]
    config_objects: frozenset[str]
    settings_modules: frozenset[str]
    config_classes: tuple[str, ...]
    reference_ignore_calls: frozenset[str]
    reference_exclude_words: frozenset[str]
    dh_modulus_calls: frozenset[str]
    dh_name_words: frozenset[str]
    dh_exclude_words: frozenset[str]
    dh_min_plausible_bits: int
    expectation_calls: frozenset[str]

    def is_public(self, value: str | bytes) -> bool:
        """Public material (a public key, a certificate) is never a secret."""
        text = value.decode("latin-1") if isinstance(value, bytes) else value
        return any(marker in text for marker in self.public_markers)

    def is_placeholder(self, value: str | bytes) -> bool:
        """``changeme``, ``<your-key>``, ``${SECRET}``, ``xxxx``: a value meant to be replaced."""
        text = value.decode("latin-1") if isinstance(value, bytes) else value
        text = text.strip()
        lowered = text.lower()
        if not text or lowered in self.placeholders or len(set(lowered)) <= 2:
            return True
        if (text[0], text[-1]) in (("<", ">"), ("{", "}"), ("[", "]")) or "${" in text:
            return True
        return lowered.startswith(("your", "replace", "change", "insert", "put-", "put_"))


@cache
def key_facts() -> KeyFacts:
    """Parse the sections once per process."""
    data = knowledge_file("python_apis.toml")
    material, framework = data["key_material"], data["framework_keys"]
    refs, dh = data["algorithm_references"], data["dh_groups"]
    return KeyFacts(
        public_markers=tuple(material["public_markers"]),
        min_bytes=int(material["min_bytes"]),
        placeholders=frozenset(p.lower() for p in material["placeholders"]),
        framework_settings=frozenset(s.upper() for s in framework["settings"]),
        framework_attributes=frozenset(framework["attributes"]),
        config_methods=frozenset(framework["config_methods"]),
        config_objects=frozenset(framework["config_objects"]),
        settings_modules=frozenset(framework["settings_modules"]),
        config_classes=tuple(framework["config_classes"]),
        reference_ignore_calls=frozenset(refs["ignore_calls"]),
        reference_exclude_words=frozenset(refs["exclude_words"]),
        dh_modulus_calls=frozenset(dh["modulus_calls"]),
        dh_name_words=frozenset(dh["name_words"]),
        dh_exclude_words=frozenset(dh["exclude_words"]),
        dh_min_plausible_bits=int(dh["min_plausible_bits"]),
        expectation_calls=frozenset(data["expectations"]["calls"]),
    )
