"""CallFire CCC campaign models, with the vendor's own (PascalCase) field names.

``CallFireCampaign`` is a desired campaign document (UpdateCccCampaign's ``CccCampaign`` fields, plus the run
state reached through ControlCccCampaign); ``CallFireLiveCampaign`` is a campaign as GetCccCampaign answers it
and the sandbox stores it; ``CallFireSeed`` is the sandbox seed; ``CallFireSettings`` the account's settings.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ConfigDict, Field, field_validator, model_validator

from reconciler.providers.base import CampaignDocument
from reconciler.validation import LazyModel, int64, not_bool

ResponseKind = Literal["STRING", "CHOICE", "NUMERIC"]
RetryResult = Literal["LA", "AM", "BUSY", "DNC", "XFER", "XFER_LEG", "NO_ANS", "UNDIALED", "SENT", "RECEIVED",
                      "DNT", "TOO_BIG", "INTERNAL_ERROR", "CARRIER_ERROR", "CARRIER_TEMP_ERROR", "SD", "POSTPONED",
                      "ABANDONED", "SKIPPED"]
RetryPhoneType = Literal["FIRST_NUMBER", "HOME_PHONE", "WORK_PHONE", "MOBILE_PHONE"]
RunState = Literal["RUNNING", "STOPPED", "ARCHIVED"]
CampaignStatus = Literal["START_PENDING", "RUNNING", "STOPPED", "FINISHED", "ARCHIVED", "TEST", "SETUP", "SCHEDULED",
                 "SUSPENDED", "VALIDATING_EMAIL", "VALIDATING_START", "BLOCKED_SUSPICIOUS", "APPROVED", "DECLINED",
                 "PAUSED", "CANCELED"]
TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$"
"""CF-06: ``LocalRestrictBegin`` / ``End`` are ``HH:MM:SS``."""
FROM_NUMBER_PATTERN = r"^([0-9]{11}|[0-9]{5,6})$"
"""CF-06: ``FromNumber`` is an E.164 11-digit number or a short code (5 or 6 digits)."""
PHONE_PATTERN = r"^[0-9]{3,15}$"
CHOICES_ONLY_WITH_CHOICE = "Choices is allowed only with ResponseType CHOICE"


def window_problem(begin: str | None, end: str | None) -> str | None:
    """CF-06: the calling window must begin before it ends (``HH:MM:SS`` compares as text)."""
    if begin is not None and end is not None and begin >= end:
        return f"LocalRestrictBegin {begin} must be earlier than LocalRestrictEnd {end}"
    return None


class _Strict(LazyModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class QuestionItem(_Strict):
    """A question agents ask; identified by its ``Label`` (CF-05)."""

    Label: str = Field(min_length=1, description="Question label; identifies the question.")
    ResponseType: ResponseKind = Field(default="STRING", description="STRING (default), CHOICE or NUMERIC.")
    Choices: str | None = Field(default=None, description="Choices offered; only with ResponseType CHOICE (CF-06).")

    @model_validator(mode="after")
    def _choices_need_choice(self) -> QuestionItem:
        if self.Choices is not None and self.ResponseType != "CHOICE":
            raise ValueError(CHOICES_ONLY_WITH_CHOICE)
        return self


class TransferNumberItem(_Strict):
    """A number agents may transfer a call to; identified by its ``Name`` (CF-05)."""

    Name: str = Field(min_length=1, description="Transfer number name; identifies it.")
    Number: str = Field(pattern=PHONE_PATTERN, description="The phone number (digits).")
    AllowAssistedTransfer: bool = False


_INTEGERS = ("id", "AgentGroupId", "SmartDropSoundId", "MultilineDialingRatio", "ScrubLevel", "NumberOfRings")
"""The campaign's integer fields: no booleans, at most 64 bits."""


class RetryConfigModel(_Strict):
    """Retry logic; subfields a document leaves out are not managed (ENG-02)."""

    MaxAttempts: int | None = Field(default=None, ge=1, description="Attempts per contact (default 1).")
    MinutesBetweenAttempts: int | None = Field(default=None, ge=1, description="Default 60.")

    _numbers = field_validator("MaxAttempts", "MinutesBetweenAttempts", mode="before")(not_bool)
    _int64 = field_validator("MaxAttempts", "MinutesBetweenAttempts")(int64)
    RetryResults: list[RetryResult] | None = Field(default=None, description="Call results to retry on (CF-06).")
    RetryPhoneTypes: list[RetryPhoneType] | None = Field(default=None, description="Phone types to call (CF-06).")


class LiveRetryConfig(_Strict):
    """Retry logic as CallFire stores it: what an update or create does not send takes these defaults."""

    MaxAttempts: int = Field(default=1, ge=1)
    MinutesBetweenAttempts: int = Field(default=60, ge=1)
    RetryResults: list[RetryResult] = Field(default_factory=list)
    RetryPhoneTypes: list[RetryPhoneType] = Field(default_factory=list)


class CallFireCampaign(CampaignDocument):
    """A desired CallFire call-centre (CCC) campaign; fields left out are not managed (ENG-02)."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="CallFire CCC campaign")

    id: int | None = Field(default=None, ge=1, description="Pin the campaign by its CallFire id.")
    Name: str | None = Field(default=None, min_length=1,
                             description="Campaign name; the identity key. An update never changes it: a rename "
                                         "is a replacement, only with lifecycle.allow_replace (CF-02).")
    Status: RunState | None = Field(default=None, description="Desired run state, reached through "
                                    "ControlCccCampaign (START / STOP / ARCHIVE) after the update (CF-04).")
    Label: str | None = Field(default=None, description="Label for the campaign.")
    Script: str | None = Field(default=None, description="Script content agents read.")
    FromNumber: str | None = Field(default=None, pattern=FROM_NUMBER_PATTERN,
                                   description="Caller id: an E.164 11-digit number or a short code (CF-06).")
    LocalRestrictBegin: str | None = Field(default=None, pattern=TIME_PATTERN,
                                           description="Earliest time to call, HH:MM:SS in the contact's zone.")
    LocalRestrictEnd: str | None = Field(default=None, pattern=TIME_PATTERN,
                                         description="Latest time to call, HH:MM:SS; after the beginning (CF-06).")
    Question: list[QuestionItem] | None = Field(default=None, description="Questions, by Label; removing one takes "
                                            "DeleteCccCampaignQuestions, then the update puts back the rest (CF-05).")
    TransferNumber: list[TransferNumberItem] | None = Field(default=None, description="Transfer numbers, by Name; "
                                                        "removal as for questions (CF-05).")
    RetryConfig: RetryConfigModel | None = None
    AgentGroupId: int | None = Field(default=None, ge=1, description="Agent group that takes the calls.")
    AgentGroupName: str | None = None
    SmartDropSoundId: int | None = Field(default=None, ge=1)
    SmartDropSoundRef: str | None = None
    AllowAnyTransfer: bool | None = None
    TransferCallerId: str | None = None
    Recorded: bool | None = None
    MultilineDialingRatio: int | None = Field(default=None, ge=1, le=4,
                                              description="Lines called at a time, 1 to 4 (default 1, CF-06).")
    MultilineDialingEnabled: bool | None = None
    ScrubLevel: int | None = Field(default=None, ge=0)
    NumberOfRings: int | None = Field(default=None, ge=1, description="Rings before 'No answer' (default 4).")

    _numbers = field_validator(*_INTEGERS, mode="before")(not_bool)
    _int64 = field_validator(*_INTEGERS)(int64)


class CallFireLiveCampaign(LazyModel):
    """A campaign as GetCccCampaign answers it; defaults are what a create or update fills in (CF-01)."""

    model_config = ConfigDict(extra="forbid")

    id: int = Field(ge=1)
    Name: str = Field(min_length=1)
    Status: CampaignStatus = "SETUP"
    Created: str | None = None
    LastModified: str | None = None
    ConfigUpdated: str | None = None
    Label: str = ""
    Script: str = ""
    FromNumber: str | None = Field(default=None, pattern=FROM_NUMBER_PATTERN)
    LocalRestrictBegin: str | None = Field(default=None, pattern=TIME_PATTERN)
    LocalRestrictEnd: str | None = Field(default=None, pattern=TIME_PATTERN)
    Question: list[QuestionItem] = Field(default_factory=list)
    TransferNumber: list[TransferNumberItem] = Field(default_factory=list)
    RetryConfig: LiveRetryConfig = Field(default_factory=LiveRetryConfig)
    AgentGroupId: int | None = None
    AgentGroupName: str = ""
    SmartDropSoundId: int | None = None
    SmartDropSoundRef: str | None = None
    AllowAnyTransfer: bool = False
    TransferCallerId: str = ""
    Recorded: bool = False
    MultilineDialingRatio: int = Field(default=1, ge=1, le=4)
    MultilineDialingEnabled: bool = False
    ScrubLevel: int = Field(default=0, ge=0)
    NumberOfRings: int = Field(default=4, ge=1)


class StoredAnswer(LazyModel):
    """The answer a create or update got, replayed for a request that repeats its RequestId (CF-03)."""

    model_config = ConfigDict(extra="forbid")

    status: int
    body: dict[str, Any]


class CallFireSeed(LazyModel):
    """Sandbox seed: the account's CCC campaigns, and the RequestIds it has answered."""

    model_config = ConfigDict(extra="forbid", title="CallFire sandbox seed")

    campaigns: list[CallFireLiveCampaign] = Field(default_factory=list)
    next_id: int | None = Field(default=None, description="Id the next created campaign gets.")
    request_ids: dict[str, StoredAnswer] = Field(
        default_factory=dict, description="RequestId -> the answer its create or update got (CF-03).")


class CallFireSettings(LazyModel):
    """CallFire-specific account settings in reconciler.yaml (none yet; the endpoint is the REST base,
    e.g. https://www.callfire.com/api/1.1/rest)."""

    model_config = ConfigDict(extra="forbid")
