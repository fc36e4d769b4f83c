"""UIS / CoMagic Data API v2.0 models, with the vendor's own field names.

``UisCampaign`` is a desired campaign document; ``UisLiveCampaign`` is what ``get.campaigns`` returns;
``UisSeed`` is the sandbox seed (the vendor's read objects grouped by collection).
A document may name its site, blocks and numbers as people read them (``site: example.com``,
``site_block: Header``, ``phone_number: "+7 495 123-45-67"``) instead of by id; ``references.py`` turns
them into ids at plan time. Giving both forms of one reference is a schema error.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import ConfigDict, Field, ValidationInfo, field_validator, model_validator
from pydantic.config import JsonDict
from pydantic_core import PydanticCustomError

from reconciler.providers.base import CampaignDocument
from reconciler.validation import LazyModel, int64, not_bool

Status = Literal["active", "inactive"]
ReservationTime = Literal["5m", "10m", "15m", "20m", "30m", "1h", "2h", "4h", "8h", "1d", "1w"]
CostRatioOperator = Literal["wo_changes", "multiply", "divide"]
PhoneNumberType = Literal["user", "va", "call_tracking"]
CampaignType = Literal["basic", "system", "integrated"]
Component = Literal["va", "dynamic_call_tracking"]
ALL_COMPONENTS: tuple[Component, ...] = ("va", "dynamic_call_tracking")

FREE_TEXT_PARAMETERS = (
    "entrance_page", "referrer_domain", "search_query", "referrer", "country", "city", "region",
    "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "openstat_service",
    "openstat_campaign", "openstat_source", "openstat_ad", "ef_id", "yclid", "gclid", "ymclid",
    "static_utm_source", "static_utm_medium", "static_utm_campaign", "static_utm_content",
    "static_utm_term", "static_utm_referrer", "static_utm_expid",
)
FIXED_VALUE_PARAMETERS: dict[str, tuple[str, ...]] = {
    "search_engine": ("askcom", "bing.com", "google.com", "mail.ru", "nigma", "rambler.ru", "yahoo.com",
                      "yandex"),
    "engine": ("1", "2", "3", "4", "5", "6", "7", "8"),
    "channel": ("display", "paid", "affiliate", "messenger", "social", "email", "organic", "internal",
                "recommendation", "cashed", "referral", "direct"),
}
CampaignParameter = Literal[
    "entrance_page", "referrer_domain", "search_query", "referrer", "country", "city", "region",
    "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "openstat_service",
    "openstat_campaign", "openstat_source", "openstat_ad", "ef_id", "yclid", "gclid", "ymclid",
    "static_utm_source", "static_utm_medium", "static_utm_campaign", "static_utm_content",
    "static_utm_term", "static_utm_referrer", "static_utm_expid", "search_engine", "engine", "channel",
]
OPERATORS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(FREE_TEXT_PARAMETERS, ("=", "sub", "~")),
    **dict.fromkeys(FIXED_VALUE_PARAMETERS, ("=",)),
}
DESCRIPTION_MAX = 255
MAX_GROUPS = 30
MAX_CONDITIONS = 50


class _Strict(LazyModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


PHONE_PATTERN = r"^\+?[0-9 ().-]*[0-9][0-9 ().-]*$"
"""A phone number as people write it: digits with spaces, dashes, dots, parentheses, a leading +."""
RefKind = Literal["site", "site_block", "phone_number", "redirection_phone_number"]
"""The readable fields a document may give in place of an id."""
IDS = ("site_block_id", "phone_number_id", "redirection_phone_number_id")
"""A block's id fields."""
READABLE_BLOCK_FIELDS: dict[str, RefKind] = {"site_block_id": "site_block", "phone_number_id": "phone_number",
                                             "redirection_phone_number_id": "redirection_phone_number"}
"""A block's id fields and the readable field that may stand for each (resolved at plan time)."""


def _not_both(value: str | None, info: ValidationInfo) -> str | None:
    """A readable reference is refused next to the id it stands for (the id field is declared first)."""
    id_field = f"{info.field_name}_id"
    if value is not None and info.data.get(id_field) is not None:
        raise PydanticCustomError("exclusive_reference", "give {id_field} or {name}, not both",
                                  {"id_field": id_field, "name": info.field_name})
    return value


def _phone_text(value: str | None) -> str | None:
    if value is not None and not re.fullmatch(PHONE_PATTERN, value):
        raise PydanticCustomError("phone_number", "'{value}' is not a phone number (digits, with spaces, dashes, "
                                  "dots, parentheses and a leading + if you like)", {"value": value})
    return value


def _readable(description: str, *, min_length: int | None = None, pattern: str | None = None) -> Any:
    """An optional field of a block or campaign reference; its schema offers no null (a document omits it)."""

    def schema(field: JsonDict) -> None:
        field.pop("default", None)
        branches = field.pop("anyOf", [])
        for branch in branches if isinstance(branches, list) else []:
            if isinstance(branch, dict) and branch.get("type") != "null":
                field.update(branch)  # the value's own type, without the null
        if pattern is not None:
            field["pattern"] = pattern

    return Field(default=None, min_length=min_length, description=description, json_schema_extra=schema)


def _one_of(id_field: str, name: str) -> dict[str, Any]:
    return {"oneOf": [{"required": [id_field]}, {"required": [name]}]}


def _not_both_schema(id_field: str, name: str) -> dict[str, Any]:
    return {"not": {"required": [id_field, name]}}


class SiteBlock(_Strict):
    """A block of the campaign's site and its number; each id may be given by a name people read."""

    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True, json_schema_extra={"allOf": [
        _one_of("site_block_id", "site_block"), _one_of("phone_number_id", "phone_number"),
        _not_both_schema("redirection_phone_number_id", "redirection_phone_number")]})

    site_block_id: int | None = _readable("Unique ID of a site block.")
    site_block: str | None = _readable(
        "Instead of site_block_id: the block's name on the campaign's site (case-insensitive).", min_length=1)
    phone_number_id: int | None = _readable("A number from get.campaign_available_phone_numbers.")
    phone_number: str | None = _readable(
        "Instead of phone_number_id: the number, compared by its digits only (\"+7 (495) 123-45-67\" is "
        "74951234567).", pattern=PHONE_PATTERN)
    redirection_phone_number_id: int | None = Field(
        default=None, description="Required with a call_tracking number, refused with a va number.")
    redirection_phone_number: str | None = _readable(
        "Instead of redirection_phone_number_id: the number, compared by its digits only.", pattern=PHONE_PATTERN)
    dynamic_call_tracking_enabled: bool = False

    _exclusive = field_validator("site_block", "phone_number", "redirection_phone_number")(_not_both)
    _phone = field_validator("phone_number", "redirection_phone_number")(_phone_text)
    _numbers = field_validator(*IDS, mode="before")(not_bool)
    _int64 = field_validator(*IDS)(int64)

    @model_validator(mode="after")
    def _named(self) -> SiteBlock:
        for id_field in ("site_block_id", "phone_number_id"):
            name = READABLE_BLOCK_FIELDS[id_field]
            if getattr(self, id_field) is None and getattr(self, name) is None:
                raise PydanticCustomError("missing_reference", "missing required field '{id_field}' (or '{name}')",
                                          {"id_field": id_field, "name": name})
        return self


class DynamicCallTracking(_Strict):
    reservation_time: ReservationTime = "15m"
    count_virtual_numbers: int = Field(ge=1, description="Numbers required for call tracking (bought).")
    count_visits: int = Field(ge=1, description="Visits from the campaign per day.")

    _numbers = field_validator("count_virtual_numbers", "count_visits", mode="before")(not_bool)
    _int64 = field_validator("count_virtual_numbers", "count_visits")(int64)


class Condition(_Strict):
    type: Literal["include", "exclude"]
    campaign_parameter: CampaignParameter
    operator: Literal["=", "sub", "~"]
    value: str

    @field_validator("operator")
    @classmethod
    def _uis_15_operator(cls, operator: str, info: ValidationInfo) -> str:
        """UIS-15: the operator must suit the parameter."""
        parameter = info.data.get("campaign_parameter")
        allowed = OPERATORS.get(parameter) if isinstance(parameter, str) else None
        if allowed is not None and operator not in allowed:
            raise PydanticCustomError("uis_15_operator", "operator '{operator}' is not allowed for {parameter} "
                                      "(allowed: {allowed})",
                                      {"operator": operator, "parameter": parameter, "allowed": ", ".join(allowed)})
        return operator

    @field_validator("value")
    @classmethod
    def _uis_15_value(cls, value: str, info: ValidationInfo) -> str:
        """UIS-15: fixed-value parameters take only their values, and a ``~`` value is a regular expression."""
        parameter = info.data.get("campaign_parameter")
        values = FIXED_VALUE_PARAMETERS.get(parameter) if isinstance(parameter, str) else None
        if values is not None and value not in values:
            raise PydanticCustomError("uis_15_value", "'{value}' is not a value of {parameter} (one of: {values})",
                                      {"value": value, "parameter": parameter, "values": ", ".join(values)})
        if info.data.get("operator") == "~":
            try:
                re.compile(value)
            except re.error as exc:
                raise PydanticCustomError("uis_15_regex", "'{value}' is not a regular expression: {error}",
                                          {"value": value, "error": str(exc)}) from None
        return value


class GroupConditions(_Strict):
    conditions: list[Condition] = Field(min_length=1, max_length=MAX_CONDITIONS)


class CampaignConditions(_Strict):
    group_conditions: list[GroupConditions] = Field(max_length=MAX_GROUPS)


class UisCampaign(CampaignDocument):
    """A desired UIS advertising campaign (create.campaigns / update.campaigns fields)."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="UIS campaign",
                              json_schema_extra=_not_both_schema("site_id", "site"))

    id: int | None = Field(default=None, description="Pin the campaign by id (e.g. -1, the system campaign).")
    name: str | None = Field(default=None, min_length=1, description="Campaign name; the identity key.")
    description: str | None = Field(default=None, max_length=DESCRIPTION_MAX)
    status: Status | None = None
    site_id: int | None = Field(default=None, description="Website id; required on create, never changes.")
    site: str | None = _readable(
        "Instead of site_id: the site's domain name (case-insensitive).", min_length=1)
    site_blocks: list[SiteBlock] | None = None
    dynamic_call_tracking: DynamicCallTracking | None = None
    campaign_conditions: CampaignConditions | None = None
    cost_ratio: float | None = Field(default=None, ge=1, allow_inf_nan=False)
    cost_ratio_operator: CostRatioOperator | None = None

    _exclusive = field_validator("site")(_not_both)
    _numbers = field_validator("id", "site_id", "cost_ratio", mode="before")(not_bool)
    _int64 = field_validator("id", "site_id")(int64)


# --- what the vendor reads back (and what a sandbox seed holds) ---------------------------------------

class _Read(LazyModel):
    model_config = ConfigDict(extra="forbid")


class LiveSiteBlock(_Read):
    site_block_id: int
    site_block_name: str | None = None
    phone_number_type: PhoneNumberType | None = None
    phone_number_id: int
    phone_number: str | None = None
    redirection_phone_number_id: int | None = None
    redirection_phone_number: str | None = None
    dynamic_call_tracking_enabled: bool = False


class LiveDynamicCallTracking(_Read):
    reservation_time: ReservationTime = "15m"
    count_virtual_numbers: int = Field(ge=1)
    count_visits: int = Field(ge=1)
    coverage_visitors: float | None = None


class UisLiveCampaign(_Read):
    id: int
    name: str
    description: str | None = None
    status: Status = "active"
    creation_time: str | None = None
    engine: Literal["yandex.direct", "google.adwords", "vk.ads", "mytarget.ads"] | None = None
    type: CampaignType = "basic"
    costs: float | None = None
    cost_ratio: float = 1
    cost_ratio_operator: CostRatioOperator = "wo_changes"
    site_id: int | None = None
    site_domain_name: str | None = None
    site_blocks: list[LiveSiteBlock] = Field(default_factory=list)
    dynamic_call_tracking: LiveDynamicCallTracking | None = None
    campaign_conditions: CampaignConditions | None = None


class SeedSiteBlock(_Read):
    site_block_id: int
    site_block_name: str


class Site(_Read):
    id: int
    domain_name: str
    site_blocks: list[SeedSiteBlock] = Field(default_factory=list)


class AvailablePhoneNumber(_Read):
    id: int
    prefix: str | None = None
    phone_number: str
    type: PhoneNumberType


class RedirectionPhoneNumber(_Read):
    id: int
    phone_number: str


class UisSeed(_Read):
    """Sandbox seed: the vendor's read objects grouped by collection, plus the account's components."""

    model_config = ConfigDict(extra="forbid", title="UIS sandbox seed")

    campaigns: list[UisLiveCampaign] = Field(default_factory=list)
    sites: list[Site] = Field(default_factory=list)
    phone_numbers: list[AvailablePhoneNumber] = Field(
        default_factory=list, description="What get.campaign_available_phone_numbers returns.")
    redirection_phone_numbers: list[RedirectionPhoneNumber] = Field(
        default_factory=list, description="What get.campaign_available_redirection_phone_numbers returns.")
    components: list[Component] = Field(
        default_factory=lambda: list(ALL_COMPONENTS),
        description="Enabled account components; a missing one gives *_component_disabled errors.")
    next_id: int | None = Field(default=None, description="Id the next created campaign gets.")
    agent_customer_users: list[int] | None = Field(
        default=None, description="UIS-16: the token belongs to an agent acting for these customer users "
                                  "(get.customer_users ids); every request must send one of them as user_id.")


class UisSettings(_Read):
    """UIS-specific account settings in reconciler.yaml."""

    user_id: int | None = Field(default=None, description="Required when the token belongs to an agent.")
    agent: bool = Field(default=False, description="UIS-16: the token belongs to an agent (a partner acting for "
                                                   "a client); user_id is then required.")
    components: list[Component] | None = Field(
        default=None, description="The account's components (va, dynamic_call_tracking), which the API does not "
                                  "report: when listed, the plan checks the fields that need them (UIS-10, UIS-11).")

    _numbers = field_validator("user_id", mode="before")(not_bool)
    _int64 = field_validator("user_id")(int64)

    @field_validator("agent")
    @classmethod
    def _agent_sends_user_id(cls, agent: bool, info: ValidationInfo) -> bool:
        """UIS-16: an agent account must send ``user_id``."""
        if agent and info.data.get("user_id") is None:
            raise PydanticCustomError("uis_16_agent_needs_user_id",
                                      "an agent account must send user_id: set user_id to the customer user it "
                                      "acts for (ids come from get.customer_users)", {"rule": "UIS-16"})
        return agent
