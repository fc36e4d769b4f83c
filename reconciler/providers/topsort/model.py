"""Topsort campaign models, with the vendor's own (camelCase) field names.

``TopsortCampaign`` is a desired campaign document (the create and PATCH request fields, plus ``vendor_id``
and the create-time ``bids``); ``TopsortLiveCampaign`` is the campaign model the API answers, as the sandbox
stores it; ``TopsortSeed`` is the sandbox seed; ``TopsortSettings`` the account's settings in reconciler.yaml.
The nested request objects (budget, multipliers, filters) are shared by the document and the sandbox's
request checks, so both refuse the same bodies.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, ConfigDict, Field, PlainSerializer, model_validator

from reconciler.providers.base import CampaignDocument
from reconciler.validation import Int64, LazyModel

CampaignType = Literal["manual", "autobidding", "exclusive"]
AdFormat = Literal["listing", "banner"]
LiveAdFormat = Literal["listing", "banner", "sponsored_brand", "exclusive_listing", "exclusive_banner",
                       "travel_listing", "flight_listing"]
ChargeType = Literal["CPM", "CPC", "CPA"]
BudgetType = Literal["daily", "weekly", "monthly", "total"]
Objective = Literal["impressions", "clicks", "conversions", "revenue"]
Review = Literal["approved", "pending", "rejected"]
BidType = Literal["product"]
UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
MAX_AMOUNT = 2_000_000_000
"""TOP-08: a budget amount (minor currency units) is below this."""
MIN_ROAS, MAX_ROAS = 0.5, 20.0
"""TOP-06: the range of ``targetRoas``."""
MAX_PRODUCT_IDS = 200
"""TOP-06: ``productIds`` has 1 to 200 items."""
DEFAULT_MARKETPLACE = "6f0c1a2e-4b8d-4c11-9e57-0d1f2a3b4c5d"
DEFAULT_WALLET = "0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d"


def stamp(moment: datetime) -> str:
    """A moment as the canonical text both sides are compared in: UTC, ``Z``, whole seconds unless finer."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S" + (".%f" if utc.microsecond else "") + "Z")


Timestamp = Annotated[AwareDatetime, PlainSerializer(stamp, return_type=str, when_used="json")]


class _Strict(LazyModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Budget(_Strict):
    """TOP-08: the budget a request sets; sent whole (TOP-01)."""

    amount: Int64 = Field(ge=0, lt=MAX_AMOUNT, description="Minor currency units (cents), below 2,000,000,000.")
    type: BudgetType = Field(description="daily, weekly, monthly or total (chargeType CPA needs total).")


class LiveBudget(Budget):
    """The budget the API answers: the request's, plus what the server counts (read-only, TOP-09)."""

    amountRemaining: int | None = Field(default=None, description="Default: amount - amountUsed.")
    amountCarryover: int = 0
    amountUsed: int = 0

    @model_validator(mode="after")
    def _remaining(self) -> LiveBudget:
        if self.amountRemaining is None:
            return self.model_copy(update={"amountRemaining": max(0, self.amount - self.amountUsed)})
        return self


class Multiplier(_Strict):
    type: str = Field(min_length=1)
    segmentId: Int64
    multiplier: float = Field(gt=0, allow_inf_nan=False)


class MultiplierConfig(_Strict):
    """Bid multipliers per segment; sent whole (TOP-01)."""

    isActive: bool = True
    multipliers: list[Multiplier] = Field(default_factory=list)


class Segment(_Strict):
    type: str = Field(min_length=1)
    segmentId: Int64


class TargetingFilters(_Strict):
    """The segments the campaign takes part for (and not for others); sent whole (TOP-01)."""

    isActive: bool = True
    targetingFilters: list[Segment] = Field(default_factory=list)


class ExclusionFilters(_Strict):
    """The segments the campaign does not target; sent whole (TOP-01)."""

    isActive: bool = True
    exclusionFilters: list[Segment] = Field(default_factory=list)


class BidTarget(_Strict):
    """What a bid is on: ``{"id": "<product id>", "type": "product"}``.

    Source: docs.topsort.com/en/api-reference/campaign-api/create-campaign (request body, ``bids[].target``);
    ``product`` is the only target type that page shows, so it is the only one taken.
    """

    id: str = Field(min_length=1, description="The product id (as in the marketplace's catalog).")
    type: BidType = Field(description="What the bid is on: a product.")


class Bid(LazyModel):
    """One bid of a new campaign, in the vendor's shape (TOP-10: bids are sent on create only).

    ``target`` and ``amount`` as the create-campaign page documents them; the page's optional ``location``,
    ``trigger``/``triggers`` and ``formatProperties`` are passed through as written (not checked here).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    target: BidTarget
    amount: Int64 = Field(ge=1, description="Minor currency units per click or mille (the docs: integer > 0).")
    location: str | None = Field(default=None, min_length=1, description="Only for auctions of this location.")
    trigger: dict[str, Any] | None = Field(default=None, description="Deprecated by Topsort: use triggers.")
    triggers: list[dict[str, Any]] | None = Field(default=None, description="When the bid takes part in an "
                                                                           "auction (keywords, categories).")
    formatProperties: dict[str, Any] | None = Field(default=None, description="Banner bids: their assets.")


class TopsortCampaign(CampaignDocument):
    """A desired Topsort campaign; fields left out are not managed (ENG-02).

    Identity: ``externalCampaignId`` when given, else ``name``; ``campaignId`` pins a campaign.
    ``null`` leaves a field unmanaged, except for the fields Topsort can clear (targetRoas,
    autobiddingObjective, multiplierConfig, targetingFilters, exclusionFilters), where it clears them.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, title="Topsort campaign")

    campaignId: str | None = Field(default=None, pattern=UUID_PATTERN, description="Pin the campaign by its id.")
    externalCampaignId: str | None = Field(default=None, min_length=1,
                                           description="Your id for the campaign: the identity key when given; "
                                                       "unique per marketplace and ad format (TOP-07).")
    name: str | None = Field(default=None, min_length=1, description="At least 1 character (TOP-02); the identity "
                                                                     "key without externalCampaignId.")
    vendor_id: str | None = Field(default=None, min_length=1,
                                  description="The vendor the campaign is created for (else the account's "
                                              "vendor_id); fixed once created (TOP-09, TOP-10).")
    campaignType: CampaignType | None = Field(default=None, description="Required on create (TOP-10); can only "
                                                                        "be changed to autobidding (TOP-05).")
    adFormat: AdFormat | None = Field(default=None, description="listing (default) or banner; fixed once created "
                                                                "(TOP-09).")
    chargeType: ChargeType | None = Field(default=None, description="CPM, CPC (default) or CPA; CPA needs a total "
                                                                    "budget (TOP-08).")
    isActive: bool | None = Field(default=None, description="Default true.")
    isSmart: bool | None = Field(default=None, description="Default false.")
    isAutoTrigger: bool | None = Field(default=None, description="Default false.")
    startDate: Timestamp | None = Field(default=None, description="With a time zone. A start in the past is set "
                                                                  "to the current time by Topsort (TOP-03).")
    endDate: Timestamp | None = Field(default=None, description="With a time zone; later than the start "
                                                                "(TOP-04).")
    budget: Budget | None = None
    targetRoas: float | None = Field(default=None, ge=MIN_ROAS, le=MAX_ROAS, description="0.5 to 20 (TOP-06).")
    autobiddingObjective: Objective | None = Field(default=None, description="Only for autobidding campaigns "
                                                                             "(TOP-06).")
    multiplierConfig: MultiplierConfig | None = None
    targetingFilters: TargetingFilters | None = None
    exclusionFilters: ExclusionFilters | None = None
    productIds: list[str] | None = Field(default=None, min_length=1, max_length=MAX_PRODUCT_IDS,
                                         description="1 to 200 product ids, banner campaigns only (TOP-06).")
    bids: list[Bid] | None = Field(default=None, min_length=1,
                                   description="Required on create; create-time only (TOP-10).")

    @property
    def identity(self) -> str | None:
        """The natural key: ``externalCampaignId`` when given, else ``name`` (TOP-07)."""
        return self.externalCampaignId if self.externalCampaignId is not None else self.name


class TopsortLiveCampaign(LazyModel):
    """The campaign model the API answers, as the sandbox stores it; defaults are what a create fills in."""

    model_config = ConfigDict(extra="forbid")

    campaignId: str = Field(pattern=UUID_PATTERN)
    marketplaceId: str = Field(default=DEFAULT_MARKETPLACE, pattern=UUID_PATTERN)
    name: str = Field(min_length=1)
    startDate: Timestamp
    endDate: Timestamp
    isActive: bool = True
    isSmart: bool = False
    campaignType: CampaignType
    status: Review = "approved"
    createdAt: Timestamp = datetime(2024, 1, 1, tzinfo=UTC)
    chargeType: ChargeType = "CPC"
    externalVendorId: str | None = None
    adFormat: LiveAdFormat = "listing"
    isAutoTrigger: bool = False
    vendorId: str = Field(min_length=1)
    walletId: str = Field(default=DEFAULT_WALLET, pattern=UUID_PATTERN)
    bidCount: int = Field(default=0, ge=0)
    budget: LiveBudget | None = None
    statusUpdatedBy: str | None = None
    campaignBehaviorData: str | None = None
    campaignBehaviorDataByDay: str | None = None
    exclusivityPrice: int | None = None
    targetRoas: float | None = Field(default=None, ge=MIN_ROAS, le=MAX_ROAS)
    externalCampaignId: str | None = None
    autobiddingObjective: Objective | None = None
    multiplierConfig: MultiplierConfig | None = None
    targetingFilters: TargetingFilters | None = None
    exclusionFilters: ExclusionFilters | None = None
    productIds: list[str] | None = Field(default=None, description="Not in the documented answer; the sandbox "
                                                                   "answers the ids it was given (project reading).")


class TopsortSeed(LazyModel):
    """Sandbox seed: one marketplace, its default wallet and its campaigns."""

    model_config = ConfigDict(extra="forbid", title="Topsort sandbox seed")

    marketplaceId: str = Field(default=DEFAULT_MARKETPLACE, pattern=UUID_PATTERN)
    walletId: str = Field(default=DEFAULT_WALLET, pattern=UUID_PATTERN,
                          description="The wallet new campaigns are given.")
    page_limit: int = Field(default=100, ge=1, le=1000,
                            description="The largest page GET /campaigns answers (offset paging).")
    campaigns: list[TopsortLiveCampaign] = Field(default_factory=list)


class TopsortSettings(LazyModel):
    """Topsort-specific account settings in reconciler.yaml."""

    model_config = ConfigDict(extra="forbid")

    vendor_id: str | None = Field(default=None, min_length=1,
                                  description="The vendor whose campaigns the account manages: reads list only "
                                              "its campaigns and creates are made for it (TOP-10).")
