"""The six reward-program kinds and :data:`ProgramConfig`, their discriminated union on ``kind``.

Every kind subclasses :class:`ProgramBase` and requires its parts; :func:`validate_program`,
:func:`validate_programs` and :data:`ProgramList` (the ``programs:`` section: at least one,
names unique) raise one :class:`~loyaltylab.errors.ConfigError` naming each problem by its YAML
path (``programs[2].points.earn_rate: ...``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields as dataclass_fields
from dataclasses import is_dataclass
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, Self, TypeAlias

from pydantic import (
    AfterValidator,
    ConfigDict,
    Discriminator,
    Field,
    StrictBool,
    Tag,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from loyaltylab.config.base import ConfigModel, config_error
from loyaltylab.config.programs.parts import (
    Campaign,
    Cashback,
    Coalition,
    Economics,
    Fraction,
    PaidMembership,
    PointsRules,
    ProgramKind,
    ProgramPart,
    TierRules,
    at_least,
    rule_error,
)

__all__ = [
    "CampaignProgram",
    "CashbackProgram",
    "CoalitionProgram",
    "PaidProgram",
    "PointsProgram",
    "ProgramBase",
    "ProgramConfig",
    "ProgramList",
    "TieredProgram",
    "program_from_mapping",
    "validate_program",
    "validate_programs",
]


def _behaviour_parameters() -> set[str]:
    """Return the field names of ``loyaltylab.rewards.behaviour.Behaviour``.

    Imported when a program is validated, not when this module loads: ``rewards`` imports
    ``config``, so ``config`` must not import ``rewards`` at import time.
    """
    from loyaltylab.rewards.behaviour import Behaviour

    if is_dataclass(Behaviour):
        return {item.name for item in dataclass_fields(Behaviour)}
    return set(getattr(Behaviour, "model_fields", {}))


class ProgramBase(ProgramPart):
    """What every reward-program kind has; the kinds below say which parts they require.

    Parameters
    ----------
    name : str
        Unique, non-empty name (used as metrics key).
    kind : {"points", "tiered", "cashback", "paid", "coalition", "campaign"}
        The design family; it decides which parts are required.
    points, tiers, cashback, paid, coalition : optional
        The parts; ``points`` is required by points, coalition and campaign programs and by
        tiers that qualify on points, ``tiers`` by tiered, ``cashback`` by cashback, ``paid``
        by paid, ``coalition`` by coalition programs. Any kind may carry the other parts.
    campaigns : tuple of Campaign, default ()
        Time-boxed campaigns (at least one for ``kind="campaign"``).
    economics : Economics
        Costs and margins.
    auto_enrol : bool, default False
        Every customer is a member (ERPNext ``auto_opt_in`` [S102]).
    enrolment_rate : float or None, default None
        Share of customers who join; None uses the behaviour default.
    behaviour : mapping, default {}
        Overrides of :class:`loyaltylab.rewards.behaviour.Behaviour` fields for this program.
    """

    yaml_key: ClassVar[str] = "program"

    name: str
    kind: str
    points: PointsRules | None = None
    tiers: TierRules | None = None
    cashback: Cashback | None = None
    paid: PaidMembership | None = None
    coalition: Coalition | None = None
    campaigns: tuple[Campaign, ...] = ()
    economics: Economics = Field(default_factory=Economics)
    auto_enrol: StrictBool = False
    enrolment_rate: Fraction | None = None
    behaviour: dict[str, float] = Field(default_factory=dict)

    @field_validator("name")
    @classmethod
    def _name_not_blank(cls, name: str) -> str:
        if not name.strip():
            raise PydanticCustomError("blank_name", "a program needs a non-empty name")
        return name

    @field_validator("behaviour")
    @classmethod
    def _known_behaviour(cls, overrides: dict[str, float]) -> dict[str, float]:
        known = _behaviour_parameters()
        unknown = [key for key in overrides if key not in known]
        if unknown:
            details = [
                InitErrorDetails(
                    type=PydanticCustomError(
                        "unknown_behaviour",
                        f"unknown behaviour parameter; known: {sorted(known)}",
                    ),
                    loc=(key,),
                    input=overrides[key],
                )
                for key in unknown
            ]
            raise ValidationError.from_exception_data("behaviour", details)
        return overrides

    @model_validator(mode="after")
    def _points_for_point_tiers(self) -> Self:
        if self.tiers is not None and self.tiers.metric == "points" and self.points is None:
            raise rule_error(
                ("tiers", "metric"),
                "tiers qualify on points but the program has no points: add a 'points:' part "
                "or use metric 'spend'",
                "points",
            )
        return self


class PointsProgram(ProgramBase):
    """A points program: earn and redeem points (``points`` required)."""

    kind: Literal["points"] = "points"
    points: PointsRules


class TieredProgram(ProgramBase):
    """A tiered program: status levels on spend or points (``tiers`` required)."""

    kind: Literal["tiered"] = "tiered"
    tiers: TierRules


class CashbackProgram(ProgramBase):
    """Cashback or an instant discount (``cashback`` required)."""

    kind: Literal["cashback"] = "cashback"
    cashback: Cashback


class PaidProgram(ProgramBase):
    """A paid membership (``paid`` required)."""

    kind: Literal["paid"] = "paid"
    paid: PaidMembership


class CoalitionProgram(ProgramBase):
    """A coalition: points also earned at partners (``points`` and ``coalition`` required)."""

    kind: Literal["coalition"] = "coalition"
    points: PointsRules
    coalition: Coalition


class CampaignProgram(ProgramBase):
    """Points plus time-boxed campaigns (``points`` and at least one campaign required)."""

    kind: Literal["campaign"] = "campaign"
    points: PointsRules
    campaigns: Annotated[tuple[Campaign, ...], at_least(1, "campaign")]


class _UnknownKind(ConfigModel):
    """Takes a program whose kind is missing or unknown, so the error is at ``...kind``."""

    model_config = ConfigDict(extra="allow")

    kind: ProgramKind


_KINDS: dict[str, type[ProgramBase]] = {
    "points": PointsProgram,
    "tiered": TieredProgram,
    "cashback": CashbackProgram,
    "paid": PaidProgram,
    "coalition": CoalitionProgram,
    "campaign": CampaignProgram,
}
# Union tags appear in pydantic's error locations; the brackets keep them out of the YAML path
# (config.base.error_path skips bracketed parts), so errors read ``programs[2].points.earn_rate``.
_UNKNOWN_TAG = "kind[?]"


def _tag(kind: str) -> str:
    return f"kind[{kind}]"


def _program_tag(raw: Any) -> str | None:
    """Return the union tag of a raw program (None for input that is no program at all)."""
    if isinstance(raw, Mapping):
        kind = raw.get("kind")
    elif isinstance(raw, ProgramBase):
        kind = raw.kind
    else:
        return None
    return _tag(kind) if isinstance(kind, str) and kind in _KINDS else _UNKNOWN_TAG


def _unique_names(programs: tuple[ProgramBase, ...]) -> tuple[ProgramBase, ...]:
    first: dict[str, int] = {}
    details = []
    for index, program in enumerate(programs):
        if program.name in first:
            details.append(
                InitErrorDetails(
                    type=PydanticCustomError(
                        "repeated_name",
                        f"program name {program.name!r} is also used by entry "
                        f"[{first[program.name]}]; names must be unique (they key the metrics)",
                    ),
                    loc=(index, "name"),
                    input=program.name,
                )
            )
        else:
            first[program.name] = index
    if details:
        raise ValidationError.from_exception_data("programs", details)
    return programs


if TYPE_CHECKING:
    ProgramConfig: TypeAlias = (
        PointsProgram
        | TieredProgram
        | CashbackProgram
        | PaidProgram
        | CoalitionProgram
        | CampaignProgram
    )
    ProgramList: TypeAlias = tuple[ProgramConfig, ...]
else:
    ProgramConfig = Annotated[
        Annotated[PointsProgram, Tag(_tag("points"))]
        | Annotated[TieredProgram, Tag(_tag("tiered"))]
        | Annotated[CashbackProgram, Tag(_tag("cashback"))]
        | Annotated[PaidProgram, Tag(_tag("paid"))]
        | Annotated[CoalitionProgram, Tag(_tag("coalition"))]
        | Annotated[CampaignProgram, Tag(_tag("campaign"))]
        | Annotated[_UnknownKind, Tag(_UNKNOWN_TAG)],
        Field(
            discriminator=Discriminator(
                _program_tag,
                custom_error_type="program_type",
                custom_error_message="a program must be a mapping with name, kind and its parts",
            )
        ),
    ]
    ProgramList = Annotated[
        tuple[ProgramConfig, ...], at_least(1, "program"), AfterValidator(_unique_names)
    ]
"""One reward program: a union of the six kinds, told apart by ``kind``."""

_PROGRAM = TypeAdapter(ProgramConfig)
_PROGRAMS = TypeAdapter(ProgramList)


def validate_program(raw: Any, root: str = "program", source: str = "") -> ProgramConfig:
    """Validate one program mapping (one ``programs:`` entry) into its kind's model.

    Parameters
    ----------
    raw : mapping or ProgramBase
        ``{"name": ..., "kind": ..., "points": {...}, "tiers": {"tiers": [...]}, ...}``.
    root : str, default "program"
        Path prefix of the entry in messages (``"programs[2]"``).
    source : str, default ""
        Where the mapping came from (``"reports.yaml"``); starts the message.

    Returns
    -------
    PointsProgram, TieredProgram, CashbackProgram, PaidProgram, CoalitionProgram or CampaignProgram

    Raises
    ------
    ConfigError
        One error listing every problem by path, e.g. ``program.points.earn_rate: ...``.

    Examples
    --------
    >>> type(validate_program({"name": "club", "kind": "paid", "paid": {"fee": 25.0}})).__name__
    'PaidProgram'
    """
    try:
        return _PROGRAM.validate_python(raw)
    except ValidationError as error:
        raise config_error(error, root=root, source=source) from None


def validate_programs(
    raw_list: Any, root: str = "programs", source: str = ""
) -> tuple[ProgramConfig, ...]:
    """Validate the ``programs:`` list: at least one program, every one valid, names unique.

    Parameters
    ----------
    raw_list : list of mappings
        The entries of ``programs:``.
    root : str, default "programs"
        Path prefix in messages.
    source : str, default ""
        Where the list came from (``"reports.yaml"``); starts the message.

    Returns
    -------
    tuple of ProgramConfig

    Raises
    ------
    ConfigError
        One error naming each problem by path, e.g. ``programs[2].points.earn_rate: ...`` or
        ``programs[3].name: program name 'a' is also used by entry [0]; ...``.

    Examples
    --------
    >>> cash = {"name": "cash", "kind": "cashback", "cashback": {"rate": 0.01}}
    >>> validate_programs([cash])[0].cashback.rate
    0.01
    """
    try:
        return _PROGRAMS.validate_python(raw_list)
    except ValidationError as error:
        raise config_error(error, root=root, source=source) from None


def program_from_mapping(raw: Mapping[str, Any], root: str = "program") -> ProgramConfig:
    """Build a program from a mapping such as one ``programs:`` entry (:func:`validate_program`).

    Parameters
    ----------
    raw : mapping
        ``{"name": ..., "kind": ..., "points": {...}, "tiers": {"tiers": [...]}, ...}``; parts
        may also be given as built models.
    root : str, default "program"
        Path prefix in messages.

    Returns
    -------
    ProgramConfig

    Examples
    --------
    >>> program_from_mapping({"name": "basic", "kind": "cashback", "cashback": {"rate": 0.01}}).kind
    'cashback'
    """
    return validate_program(raw, root=root)
