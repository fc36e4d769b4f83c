"""What the Topsort sandbox checks before it acts: the request model (422) and the rules between fields (400).

A body that does not match the request model (a read-only field, TOP-09; an empty name, TOP-02; a value
out of range, TOP-06/08; a required create field missing, TOP-10) is refused with 422. The rules between
fields (TOP-04 to TOP-08) are checked on the campaign as the request would leave it, each when the request
sends one of the fields it involves, like the planner does, and refused with 400. A refusal changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from pydantic import AwareDatetime, ConfigDict, Field, ValidationError

from reconciler.providers.topsort.constraints import (
    cpa_problem,
    effective_start,
    end_problem,
    moment,
    objective_problem,
    products_problem,
)
from reconciler.providers.topsort.model import (
    MAX_PRODUCT_IDS,
    MAX_ROAS,
    MIN_ROAS,
    UUID_PATTERN,
    AdFormat,
    Bid,
    Budget,
    CampaignType,
    ChargeType,
    ExclusionFilters,
    MultiplierConfig,
    Objective,
    Review,
    TargetingFilters,
    stamp,
)
from reconciler.validation import LazyModel

READ_ONLY = ("campaignId", "marketplaceId", "createdAt", "vendorId", "externalVendorId", "bidCount",
             "campaignBehaviorData", "campaignBehaviorDataByDay", "exclusivityPrice", "promotionType")
"""TOP-09: campaign-model fields no request may send (walletId is taken on create only)."""
READ_ONLY_BUDGET = ("amountRemaining", "amountCarryover", "amountUsed")
NOT_NULL = ("name", "startDate", "endDate", "isActive", "isSmart", "campaignType", "status", "isAutoTrigger",
            "chargeType", "budget", "externalCampaignId", "productIds")
"""Fields a PATCH may not set to null (the campaign model requires them, or Topsort does not clear them)."""
DEFAULT_RUN = timedelta(days=365)
"""The end of a campaign created without endDate: a year after its start (the sandbox's reading)."""
DOC_URL = "https://docs.topsort.com/reference/errors"


class TopsortError(Exception):
    """A refusal: HTTP status, errCode and message (answered as a JSON array of one error)."""

    def __init__(self, status: int, code: str, message: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})

    def body(self) -> list[dict[str, str]]:
        return [{"errCode": self.code, "docUrl": DOC_URL, "message": self.message}]


class _Body(LazyModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1)
    budget: Budget | None = None
    startDate: AwareDatetime | None = None
    endDate: AwareDatetime | None = None
    isActive: bool | None = None
    isSmart: bool | None = None
    campaignType: CampaignType | None = None
    status: Review | None = None
    isAutoTrigger: bool | None = None
    targetRoas: float | None = Field(default=None, ge=MIN_ROAS, le=MAX_ROAS)
    externalCampaignId: str | None = Field(default=None, min_length=1)
    multiplierConfig: MultiplierConfig | None = None
    targetingFilters: TargetingFilters | None = None
    exclusionFilters: ExclusionFilters | None = None
    chargeType: ChargeType | None = None
    autobiddingObjective: Objective | None = None
    productIds: list[str] | None = Field(default=None, min_length=1, max_length=MAX_PRODUCT_IDS)


class CreateBody(_Body):
    """POST: TOP-10 needs name, bids and campaignType."""

    name: str = Field(min_length=1)
    bids: list[Bid] = Field(min_length=1)
    campaignType: CampaignType
    adFormat: AdFormat | None = None
    walletId: str | None = Field(default=None, pattern=UUID_PATTERN)


class BannerAdRejectionReason(LazyModel):
    model_config = ConfigDict(extra="forbid")

    declineReason: str | None = None
    reasonDetails: str | None = None


class PatchBody(_Body):
    """PATCH: every field optional; a field sent replaces the current value whole (TOP-01)."""

    statusUpdatedBy: str | None = Field(default=None, pattern=UUID_PATTERN)
    bannerAdRejectionReason: BannerAdRejectionReason | None = None


def parsed(model: type[_Body], body: Any) -> dict[str, Any]:
    """The fields a request body sends, checked against the request model (422), as JSON values."""
    if not isinstance(body, dict):
        raise TopsortError(422, "validation_error", "the body must be a JSON object")
    for name in READ_ONLY:
        if name in body:
            raise TopsortError(422, "validation_error", f"{name} is read-only")
    budget = body.get("budget")
    for name in READ_ONLY_BUDGET:
        if isinstance(budget, dict) and name in budget:
            raise TopsortError(422, "validation_error", f"budget.{name} is read-only")
    try:
        checked = model.model_validate(body)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        raise TopsortError(422, "validation_error", f"{where}: {first['msg']}" if where else first["msg"]) from None
    sent = checked.model_dump(mode="json", include=set(checked.model_fields_set))
    for name in ("startDate", "endDate"):
        when = moment(sent.get(name))
        if when is not None:
            sent[name] = stamp(when)
    return sent


def check_patch(sent: Mapping[str, Any]) -> None:
    """Nulls where the model needs a value (422); TOP-05: campaignType can only be changed to autobidding."""
    if not sent:
        raise TopsortError(400, "empty_request", "the request changes nothing")
    for name in NOT_NULL:
        if name in sent and sent[name] is None:
            raise TopsortError(422, "validation_error", f"{name} cannot be null")
    if "campaignType" in sent and sent["campaignType"] != "autobidding":
        raise TopsortError(400, "invalid_operation", f"campaignType can only be updated to autobidding, not to "
                                                     f"{sent['campaignType']}")


def settle_dates(current: Mapping[str, Any], sent: dict[str, Any], at: datetime, create: bool) -> None:
    """TOP-03: a start sent in the past (or none on create) becomes now; TOP-04: the end is later than it."""
    start = effective_start(sent.get("startDate"), sent="startDate" in sent or create, at=at)
    if start is None:
        start = moment(current.get("startDate"))
    elif "startDate" in sent or create:
        sent["startDate"] = stamp(start)
    if create and sent.get("endDate") is None and start is not None:
        sent["endDate"] = stamp(start + DEFAULT_RUN)
    if "startDate" in sent or "endDate" in sent:
        problem = end_problem(start, sent.get("endDate", current.get("endDate")))
        if problem is not None:
            raise TopsortError(400, "bad_request", problem)


def check_rules(campaign: Mapping[str, Any], sent: Mapping[str, Any]) -> None:
    """TOP-06 and TOP-08 on the campaign as the request leaves it, when it sends a field they involve."""
    checks = ((("campaignType", "autobiddingObjective"),
               objective_problem(campaign.get("campaignType"), campaign.get("autobiddingObjective"))),
              (("adFormat", "productIds"), products_problem(campaign.get("adFormat"), campaign.get("productIds"))),
              (("budget", "chargeType"), cpa_problem(campaign.get("chargeType"), campaign.get("budget"))))
    for names, problem in checks:
        if problem is not None and set(names) & set(sent):
            raise TopsortError(400, "bad_request", problem)


def check_external(campaigns: list[dict[str, Any]], campaign: Mapping[str, Any]) -> None:
    """TOP-07: an externalCampaignId is unique per marketplace and ad format."""
    external = campaign.get("externalCampaignId")
    if external is None:
        return
    for other in campaigns:
        if other["campaignId"] != campaign["campaignId"] and other.get("externalCampaignId") == external \
                and other.get("adFormat") == campaign.get("adFormat"):
            raise TopsortError(400, "bad_request", f"externalCampaignId '{external}' is already used by campaign "
                                                   f"{other['campaignId']} of ad format {campaign.get('adFormat')}")
