"""Feature families: each one a registered class giving its config schema, its transformer, and how
its features read back as text.

A family is a :class:`Family` subclass decorated with :func:`register`, declared in a module of
this package (found by name at first use) or in another installed package that names the module
under the ``framing.families`` entry-point group. Everything else follows from the declaration:

- ``features.<name>`` in a run config is validated by the family's ``config`` schema (a
  :class:`Section`); a field listed in ``resources`` is a resource file, resolved against the
  config's folder;
- the pipeline's ``features`` union gets the family's :meth:`Family.build` transformer as the step
  ``<name>``, families in ``order``;
- ``framing explain`` and ``framing score --explain`` describe one of its columns with
  :meth:`Family.describe` (a sentence and the cues, with spans, in the text);
- the plots colour it with ``colour``.

So adding a family is its transformer (a scikit-learn transformer whose feature names are
``<name>__<column>``, or any step a FeatureUnion takes) and its declaration, and nothing else. The
declaration modules import neither scikit-learn nor the transformer at import time: reading a
config stays light, which keeps ``framing score --workers N``'s parent process small. Transformers
are imported inside :meth:`Family.build`.

Examples
--------
A family that counts digits, declared in ``mypackage/digits.py`` and named in that package's
``pyproject.toml`` as ``[project.entry-points."framing.families"] digits = "mypackage.digits"``:

>>> from framing.families import Family, Section, register
>>> class DigitsConfig(Section):  # doctest: +SKIP
...     enabled: bool = True
>>> @register  # doctest: +SKIP
... class Digits(Family):
...     name, kind, config = "digits", "digits", DigitsConfig
...     transformer = "mypackage.transform:DigitCounter"  # imported by build(), called with the section
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Mapping
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict

from framing.errors import FramingError

if TYPE_CHECKING:
    from framing.explain import Reading

__all__ = ["ENTRY_POINTS", "Cues", "Family", "Section", "family", "freeze", "register", "registry"]

# The entry-point group another package uses to add families.
ENTRY_POINTS = "framing.families"
_NAME = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")

Cues = list[dict[str, Any]]


class Section(BaseModel):
    """A config section: unknown keys are errors, assignments are validated."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class Family:
    """One feature family. Subclass it, set the class attributes, decorate it with :func:`register`.

    Attributes
    ----------
    name
        The config section (``features.<name>``), the pipeline step and the prefix of the
        family's column names (``<name>__<column>``): lower-case words joined by ``_``.
    kind
        What ``evidence`` calls its items (``ngram``, ``lexicon``, ...); families may share one.
    config
        The schema of ``features.<name>``; it must have an ``enabled`` field.
    order
        Place in the pipeline's union (smaller first; ties by name). It fixes the column order.
    resources
        Fields of ``config`` that name resource files (YAML): relative paths in a config file
        resolve against its folder; ``default`` (or ``None``) is passed on as it is, for the
        transformer to read its packaged file.
    colour
        Its colour in the plots (a matplotlib colour), or ``None`` for a spare one.
    transformer
        ``"module:Class"`` of the transformer the default :meth:`build` makes, with the section's
        fields (``enabled`` aside) as keyword arguments; imported only then.
    wants_groups
        The transformer's ``fit`` takes ``groups`` (the split's outlets or time blocks), routed to
        it by scikit-learn's metadata routing; the transformer must also request them, as
        :class:`framing.features.text_scores.TextScoreFeatures` does with
        ``__metadata_request__fit = {"groups": True}`` (and the same for ``fit_transform``).
    located_cues_only
        Cues that cannot be placed in the original text are left out of its evidence.
    """

    name: ClassVar[str]
    kind: ClassVar[str]
    config: ClassVar[type[Section]]
    order: ClassVar[int] = 100
    resources: ClassVar[tuple[str, ...]] = ()
    colour: ClassVar[str | None] = None
    transformer: ClassVar[str | None] = None
    wants_groups: ClassVar[bool] = False
    located_cues_only: ClassVar[bool] = False

    def default(self) -> Section:
        """The section a config gets when it does not write ``features.<name>``."""
        return self.config()

    def build(self, section: Any, seed: int) -> Any:
        """The unfitted transformer for an enabled ``section`` (``seed``: the run's seed): by
        default ``transformer`` called with the section's fields."""
        if self.transformer is None:
            raise NotImplementedError(f"feature family {self.name!r} sets neither transformer nor build()")
        module, _, name = self.transformer.partition(":")
        return getattr(importlib.import_module(module), name)(**section.model_dump(exclude={"enabled"}))

    def describe(self, reading: Reading, column: str, value: float) -> tuple[str, Cues]:
        """One evidence item: a sentence for column ``<name>__<column>`` at ``value`` in the article
        ``reading`` reads, and its cues (dicts with ``text`` and ``start``/``end`` in the cleaned
        text; :func:`framing.explain.locate` moves them to the original)."""
        return f"{self.name} feature {column} = {value:.3g}", []


_F = TypeVar("_F", bound=type[Family])
_REGISTRY: dict[str, Family] = {}
_LOADED = False
_FROZEN = False  # set by freeze(): the config schema is built from the families registered so far


def register(cls: _F) -> _F:
    """Class decorator: add a :class:`Family` subclass to the registry (one instance of it).

    Raises
    ------
    FramingError
        The class is not a ``Family``, lacks ``name``, ``kind`` or ``config``, its name is not
        lower-case words joined by ``_``, its schema is not a :class:`Section` with an ``enabled``
        field, another family already has its name, or :mod:`framing.config` has already built
        its schema (:func:`freeze`), so no config could turn the family on.
    """
    if not (isinstance(cls, type) and issubclass(cls, Family)):
        raise FramingError(f"@register takes a subclass of framing.families.Family, got {cls!r}.")
    missing = [attr for attr in ("name", "kind", "config") if not hasattr(cls, attr)]
    if missing:
        raise FramingError(f"Feature family {cls.__qualname__} does not set {', '.join(missing)}.")
    name = cls.name
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise FramingError(f"Feature family {cls.__qualname__} has name {name!r}: expected lower-case words joined by '_', e.g. 'quote_marks'.")
    if not (isinstance(cls.config, type) and issubclass(cls.config, Section)) or "enabled" not in cls.config.model_fields:
        raise FramingError(f"Feature family {name!r}: config must be a framing.families.Section with an 'enabled' field.")
    unknown = [field for field in cls.resources if field not in cls.config.model_fields]
    if unknown:
        raise FramingError(f"Feature family {name!r}: resources names {unknown}, which are not fields of its config.")
    previous = _REGISTRY.get(name)
    if previous is not None and (type(previous).__module__, type(previous).__qualname__) != (cls.__module__, cls.__qualname__):
        raise FramingError(f"Two feature families are named {name!r}: {type(previous).__module__}.{type(previous).__qualname__} and {cls.__module__}.{cls.__qualname__}.")
    if previous is None and _FROZEN:
        raise FramingError(
            f"Feature family {name!r} ({cls.__module__}) was registered after framing.config built the config schema, so no config "
            "could turn it on. Declare it in a module named by a 'framing.families' entry point, and do not import framing.config "
            "at the top of that module."
        )
    _REGISTRY[name] = cls()
    return cls


def _load() -> None:
    """Import the declaration modules: this package's, then those named by entry points."""
    global _LOADED
    if _LOADED:
        return
    _LOADED = True  # set first: a declaration module imports this package while it loads
    try:
        for module in pkgutil.iter_modules(__path__):
            importlib.import_module(f"{__name__}.{module.name}")
        for point in entry_points(group=ENTRY_POINTS):
            try:
                point.load()
            except Exception as exc:
                raise FramingError(f"Cannot load feature family {point.name!r} ({point.value}), named by the {ENTRY_POINTS!r} entry point of an installed package: {exc}.") from exc
    except BaseException:
        _LOADED = False
        raise


def freeze() -> Mapping[str, Family]:
    """The registry, closed to new families: what :mod:`framing.config` builds its schema from."""
    global _FROZEN
    families = registry()
    _FROZEN = True
    return families


def registry() -> Mapping[str, Family]:
    """Every registered family by name, in pipeline order."""
    _load()
    return dict(sorted(_REGISTRY.items(), key=lambda item: (item[1].order, item[0])))


def family(name: str) -> Family:
    """The registered family called ``name``.

    A name no family has (a model pickled with a family this install lacks) gets a plain
    :class:`Family` of that name and kind, which describes a column by its name and value.
    """
    _load()
    found = _REGISTRY.get(name)
    if found is None:
        found = _UNREGISTERED.get(name)
        if found is None:
            found = _UNREGISTERED[name] = type(f"Unregistered_{name}", (Family,), {"name": name, "kind": name, "config": Section})()
    return found


_UNREGISTERED: dict[str, Family] = {}
