"""UIS / CoMagic Data API v2.0 models, with the vendor's own field names.

``UisCampaign`` is a desired campaign document; ``UisLiveCampaign`` is what ``get.campaigns`` returns;
``UisSeed`` is the sandbox seed (the vendor's read objects grouped by collection).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from reconciler.providers.base import CampaignDocument

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
DESCRIPTION_MAX = 255
MAX_GROUPS = 30
MAX_CONDITIONS = 50


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SiteBlock(_Strict):
    site_block_id: int = Field(description="Unique ID of a site block.")
    phone_number_id: int = Field(description="A number from get.campaign_available_phone_numbers.")
    redirection_phone_number_id: int | None = Field(
        default=None, description="Required with a call_tracking number, refused with a va number.")
    dynamic_call_tracking_enabled: bool = False


class DynamicCallTracking(_Strict):
    reservation_time: ReservationTime = "15m"
    count_virtual_numbers: int = Field(ge=1, description="Numbers required for call tracking (bought).")
    count_visits: int = Field(ge=1, description="Visits from the campaign per day.")


class Condition(_Strict):
    type: Literal["include", "exclude"]
    campaign_parameter: CampaignParameter
    operator: Literal["=", "sub", "~"]
    value: str


class GroupConditions(_Strict):
    conditions: list[Condition] = Field(min_length=1, max_length=MAX_CONDITIONS)


class CampaignConditions(_Strict):
    group_conditions: list[GroupConditions] = Field(max_length=MAX_GROUPS)


class UisCampaign(CampaignDocument):
    """A desired UIS advertising campaign (create.campaigns / update.campaigns fields)."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="UIS campaign")

    id: int | None = Field(default=None, description="Pin the campaign by id (e.g. -1, the system campaign).")
    name: str | None = Field(default=None, min_length=1, description="Campaign name; the identity key.")
    description: str | None = Field(default=None, max_length=DESCRIPTION_MAX)
    status: Status | None = None
    site_id: int | None = Field(default=None, description="Website id; required on create, never changes.")
    site_blocks: list[SiteBlock] | None = None
    dynamic_call_tracking: DynamicCallTracking | None = None
    campaign_conditions: CampaignConditions | None = None
    cost_ratio: float | None = Field(default=None, ge=1)
    cost_ratio_operator: CostRatioOperator | None = None


# --- what the vendor reads back (and what a sandbox seed holds) ---------------------------------------

class _Read(BaseModel):
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


class UisSettings(_Read):
    """UIS-specific account settings in reconciler.yaml."""

    user_id: int | None = Field(default=None, description="Required when the token belongs to an agent.")
