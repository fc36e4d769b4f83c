"""Enswitch bulk campaign models, with the vendor's own (lowercase) field names.

``EnswitchCampaign`` is a desired campaign document (``bulk/campaigns/create`` / ``update`` fields);
``EnswitchLiveCampaign`` is a row of ``bulk/campaigns/list`` as the sandbox stores it; ``EnswitchSeed``
is the sandbox seed; ``EnswitchSettings`` the account's settings in reconciler.yaml.
"""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field, field_validator

from reconciler.providers.base import CampaignDocument
from reconciler.validation import LazyModel, int64, not_bool

Dtype = Literal["queue", "agent", "number", "ivr"]
Machine = Literal["", "failed", "retry", "success"]
Success = Literal["answer", "key"]
Role = Literal["administrator", "user"]
VERSION_PATTERN = r"^[0-9]+\.[0-9]+$"
KEEP_AGENTS_SINCE = (4, 2)
"""ENS-06: ``keep_agents_available`` exists from Enswitch 4.2."""
DEFAULT_VERSION = "4.4"


def version_tuple(version: str) -> tuple[int, ...]:
    """``"4.12"`` -> ``(4, 12)``, so versions compare as numbers."""
    return tuple(int(part) for part in version.split("."))


def has_keep_agents(version: str) -> bool:
    """ENS-06: whether an Enswitch of ``version`` knows ``keep_agents_available``."""
    return version_tuple(version) >= KEEP_AGENTS_SINCE


def negative_keep_problem(keep: int | None, dtype: str | None) -> str | None:
    """ENS-02: a negative ``keep_agents_available`` is allowed only with ``dtype: queue``."""
    if keep is not None and keep < 0 and dtype is not None and dtype != "queue":
        return (f"keep_agents_available {keep} is negative, which only a queue destination allows "
                f"(dtype is {dtype})")
    return None


INTEGERS = ("id", "attempts", "maximum", "retry", "keep_agents_available", "owner", "recordgroup", "timegroup")
"""The integer fields of a document: 64 bits at most, and true or false is not one of them."""


class EnswitchCampaign(CampaignDocument):
    """A desired Enswitch bulk dialling campaign; fields left out are not managed (ENG-02)."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="Enswitch bulk campaign")

    id: int | None = Field(default=None, ge=1, description="Pin the campaign by its Enswitch id.")
    name: str | None = Field(default=None, min_length=1, description="Campaign name; the identity key. "
                                                                     "Required on create (ENS-07).")
    description: str | None = None
    callerid: str | None = Field(default=None, description="Caller id to send.")
    dtype: Dtype | None = Field(default=None, description="Destination type; required on create (ENS-07).")
    dnumber: str | None = Field(default=None, min_length=1,
                                description="Destination number; required on create (ENS-07).")
    enabled: Literal[0, 1] | None = Field(default=None, description="1 to start calls, 0 not to (default 1).")
    machine: Machine | None = Field(default=None, description="What to do when an answering machine is "
                                    "detected: \"\" no detection, failed (default), retry, success.")
    success: Success | None = Field(default=None, description="answer (default) or key.")
    attempts: int | None = Field(default=None, ge=1, description="Times to try each destination (default 1).")
    maximum: int | None = Field(default=None, ge=1, description="Maximum concurrent calls (default 1).")
    retry: int | None = Field(default=None, ge=1, description="Seconds before a retry (default 3600).")
    keep_agents_available: int | None = Field(
        default=None, description="Agents kept available (default 0); negative only with dtype: queue. "
                                  "Enswitch 4.2 and later (ENS-06).")
    owner: int | None = Field(default=None, ge=0, description="Owner id, 0 for none.")
    recordgroup: int | None = Field(default=None, ge=0, description="Record group id, 0 for none.")
    timegroup: int | None = Field(default=None, ge=0, description="Time group id, 0 for none.")

    _numbers = field_validator(*INTEGERS, mode="before")(not_bool)
    _int64 = field_validator(*INTEGERS)(int64)

    @field_validator("enabled", mode="before")
    @classmethod
    def _enabled_from_bool(cls, value: object) -> object:
        """``enabled: true`` reads as 1 (YAML users write booleans)."""
        return int(value) if isinstance(value, bool) else value


class EnswitchLiveCampaign(LazyModel):
    """A campaign as the sandbox stores it; defaults are what ``bulk/campaigns/create`` fills in (ENS-07)."""

    model_config = ConfigDict(extra="forbid")

    id: int
    name: str
    description: str = ""
    callerid: str = ""
    dtype: Dtype
    dnumber: str
    enabled: Literal[0, 1] = 1
    machine: Machine = "failed"
    success: Success = "answer"
    attempts: int = Field(default=1, ge=1)
    maximum: int = Field(default=1, ge=1)
    retry: int = Field(default=3600, ge=1)
    keep_agents_available: int = 0
    owner: int = Field(default=0, ge=0)
    recordgroup: int = Field(default=0, ge=0)
    timegroup: int = Field(default=0, ge=0)


class EnswitchSeed(LazyModel):
    """Sandbox seed: the customer's bulk campaigns, and what the sandbox's server and user are."""

    model_config = ConfigDict(extra="forbid", title="Enswitch sandbox seed")

    campaigns: list[EnswitchLiveCampaign] = Field(default_factory=list)
    version: str = Field(default=DEFAULT_VERSION, pattern=VERSION_PATTERN,
                         description="Enswitch version the sandbox emulates: before 4.2 it refuses "
                                     "keep_agents_available as an unknown parameter (ENS-06).")
    role: Role = Field(default="administrator",
                       description="Role of the user whose credentials a run gets: bulk/campaigns/create needs "
                                   "administrator, the other calls user (ENS-07; else code 402).")
    rate_plan_allows_bulk: bool = Field(default=True, description="False: every bulk call answers 403 (ENS-04).")
    next_id: int | None = Field(default=None, description="Id the next created campaign gets.")


class EnswitchSettings(LazyModel):
    """Enswitch-specific account settings in reconciler.yaml."""

    model_config = ConfigDict(extra="forbid")

    version: str = Field(default=DEFAULT_VERSION, pattern=VERSION_PATTERN,
                         description="The Enswitch version of the account's server: before 4.2 "
                                     "keep_agents_available does not exist and is refused at plan time (ENS-06).")
