"""What every provider supplies: the engine talks to vendors only through this Protocol."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from reconciler.diff import changed_fields
from reconciler.errors import Problem
from reconciler.http import DEFAULT_RETRY, RetryPolicy, needs_tls, new_client
from reconciler.model import Desired, Live, LiveState, Operation
from reconciler.validation import LazyModel

if TYPE_CHECKING:  # only the commands that talk to a vendor or serve a sandbox load these
    import httpx
    from starlette.types import ASGIApp

    from reconciler.sandbox.limits import RateLimits
    from reconciler.sandbox.store import SandboxStore


class LifecycleModel(LazyModel):
    """Per-campaign options shared by every provider."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    allow_replace: bool = False
    prevent_destroy: bool = False
    ignore_changes: list[str] = Field(default_factory=list)


class CampaignDocument(LazyModel):
    """The envelope every campaign document shares; providers add the vendor's own fields."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    account: str = Field(description="Name of the account in reconciler.yaml this campaign belongs to.")
    lifecycle: LifecycleModel | None = None


@dataclass(frozen=True)
class AccountContext:
    """What a provider needs to know about the account it plans or applies for."""

    name: str
    prune: bool
    settings: Mapping[str, Any]
    retry: RetryPolicy = DEFAULT_RETRY
    """How the session retries reads (writes are retried by the engine, which knows what is safe)."""

    def client(self, endpoint: str, *, local: bool) -> httpx.AsyncClient:
        """An HTTP client for ``endpoint`` waiting ``retry.timeout`` for answers; ``local``: the built-in
        sandbox (no proxies)."""
        return new_client(local=local, timeout=self.retry.timeout, tls=needs_tls(endpoint, local=local))


@dataclass(frozen=True)
class Match:
    """A desired campaign, the live one it matched (``None``: to be created) and the fields that differ."""

    desired: Desired
    live: Live | None
    changes: Mapping[str, tuple[Any, Any]]

    @property
    def label(self) -> str:
        """How plans name the campaign: the document's label, with the live name for a bare pinned id.
        (Mostly asked once a campaign: caching it cost more than finding it, 10 ms a 10,000-campaign plan.)"""
        d, live = self.desired, self.live
        if d.key is None and live is not None and live.key is not None:
            return f"{live.key} (id {d.pinned_id})"
        return d.label


class Session(Protocol):
    """A connection to one account of one vendor."""

    async def read(self, expected: int = 0) -> LiveState:
        """Every live campaign of the account, and the reference data planning needs. ``expected``: about
        how many campaigns there are (the account's documents), so that a vendor that reads in pages can
        ask for all of them at once; a wrong guess costs calls, never campaigns."""
        ...

    async def execute(self, op: Operation, request: Mapping[str, Any]) -> Mapping[str, Any]: ...

    async def recover(self, op: Operation, request: Mapping[str, Any]) -> Mapping[str, Any] | None:
        """After an answer was lost: the result ``op`` had if it took effect (looked up by identity,
        ENG-09), or None when it did not or when sending it again is harmless."""
        ...

    async def aclose(self) -> None: ...


@runtime_checkable
class Observes(Protocol):
    """An optional Session capability: the operations besides creates whose effect ``recover`` sees, so that
    None from it means "not carried out (yet)", never "harmless to send again". After a lost answer apply
    waits for such an effect (as for a create, ENG-09) rather than send the call again: a slow vendor could
    carry out the first call after later ones (a late delete of items removing what the next update put back).
    """

    def observes(self, op: Operation) -> bool: ...


@dataclass(frozen=True)
class Refusal:
    """What a vendor's server-side validation said about one planned request."""

    rule: str
    message: str
    field: str | None = None
    """The document field the vendor names, when it names one."""


@runtime_checkable
class RemoteValidation(Protocol):
    """An optional Session capability: the vendor checks a request without acting on it (a true dry run).

    Sessions of vendors without server-side validation do not have it; ``plan --validate-remote`` says so.
    """

    async def validate(self, op: Operation, request: Mapping[str, Any]) -> Refusal | None:
        """None when the vendor would accept ``request`` for ``op``, else what it refuses."""
        ...


@runtime_checkable
class ReadsTouched(Protocol):
    """An optional Session capability: read back only some campaigns, for a vendor whose API filters a read.

    Verify after apply reads what the plan touched rather than the whole account; sessions of vendors whose
    API cannot select campaigns that way do not have it, and verify reads the account.
    """

    async def read_touched(self, ids: Collection[Any], keys: Collection[str]) -> LiveState:
        """The live campaigns whose id is one of ``ids`` or whose key is one of ``keys`` (no reference data)."""
        ...


@runtime_checkable
class WriteAnswers(Protocol):
    """An optional Session capability: the vendor answers a write with the whole campaign as it now is (a
    PATCH that returns the full model), so apply verifies the result from the answers without reading again.
    """

    def answered(self, op: Operation, result: Mapping[str, Any]) -> Live | None:
        """The campaign as the answer to ``op`` (its ``result``) describes it; None when it does not."""
        ...


@runtime_checkable
class Settling(Protocol):
    """An optional Provider capability: a live value the vendor derived from a desired one is no change.

    For values a vendor settles by itself (a start date in the past becomes the moment the request arrived):
    once it did, planning again must not show the difference (ENG-04, ENG-05).
    """

    def settled(self, name: str, desired: Any, live: Any) -> bool:
        """True when ``live`` is what the vendor makes of ``desired`` for the top-level field ``name``."""
        ...


def settling(provider: object) -> Callable[[str, Any, Any], bool] | None:
    """The provider's ``settled`` when it has one (for ``diff.changed_fields``)."""
    return provider.settled if isinstance(provider, Settling) else None


@runtime_checkable
class HoldsAsRead(Protocol):
    """An optional Provider capability: a live campaign as read can be checked against a document's fields.

    For a vendor whose reads name and shape fields as the documents do, and whose ``live_fields`` gives a
    value already in normal form back unchanged: when the read holds every field a document sets, exactly,
    nothing differs, and the read need not be normalised. That is most campaigns of most plans; normalising
    them was a tenth of a warm 10,000-campaign plan's instructions.
    """

    def holds(self, documented: Mapping[str, Any], live: Live) -> bool:
        """True only when each of ``documented`` (a document's fields, normalised) is ``live``'s as read; False says
        nothing (the normalised fields are compared then)."""
        ...


Differences = Callable[[Mapping[str, Any], Live, Sequence[str]], dict[str, tuple[Any, Any]]]


def differences(provider: Provider) -> Differences:
    """What differs between a document's fields and a live campaign, ``ignore``'s fields left out (for
    ``diff.changed_fields``, with the provider's optional ``Settling`` and ``HoldsAsRead``). Made once for
    many campaigns: a check against a runtime Protocol costs tens of microseconds."""
    settled, live_fields = settling(provider), provider.live_fields
    holds = provider.holds if isinstance(provider, HoldsAsRead) else None

    def changes(fields: Mapping[str, Any], live: Live, ignore: Sequence[str]) -> dict[str, tuple[Any, Any]]:
        if holds is not None and holds(fields, live):
            return {}
        return changed_fields(fields, live_fields(live.fields), ignore, settled)

    return changes


def ids_only(desired: Sequence[Desired], live: LiveState) -> list[Desired]:
    """``resolve`` of a Provider whose documents name other objects by id only: plan time has nothing to
    resolve."""
    return list(desired)


class Provider(Protocol):
    """A vendor, as the engine sees it. Each provider is a module (``providers/<name>/provider.py``) with
    these names at its top level, in the style of pre-commit's languages: mypy checks the modules of the
    registry against this Protocol (``reconciler.providers``), and a module is imported only when an account
    of the run uses it. The functions have the signatures the vendor's own modules give them (``fields``,
    ``rules``), so that a provider module names them rather than wrapping them."""

    name: str
    document_model: type[CampaignDocument]
    seed_model: type[BaseModel]
    settings_model: type[BaseModel]
    credential_names: tuple[str, ...]
    id_field: str
    key_field: str
    schema_rules: Mapping[str, str]
    """Field-name prefix -> the rule a schema error there breaks (else SCHEMA)."""

    def desired_fields(self, doc: CampaignDocument) -> dict[str, Any]:
        """The vendor fields a document sets, normalised for diffing (identity fields excluded)."""
        ...

    def live_fields(self, raw: Mapping[str, Any]) -> Mapping[str, Any]:
        """A live campaign's fields as read (``Live.fields``) normalised for diffing against ``desired_fields``."""
        ...

    def export(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        """The document fields that describe a live campaign, given its fields as read (``reconciler
        import``): vendor field names, only the fields worth managing (no read-only ones), in the model's
        order, without ``account``. Planning the document against the campaign must show no change; the
        engine adds the id field when the key is not unique among the account's live campaigns."""
        ...

    def offline_problems(self, desired: Sequence[Desired]) -> list[Problem]:
        """Rules that need no live state."""
        ...

    def resolve(self, desired: Sequence[Desired], live: LiveState) -> list[Desired]:
        """The desired campaigns with references people can read (a site's domain, a phone number) turned
        into the vendor's ids, from the reference data read with the live state; raises ProblemsError."""
        ...

    def plan(self, account: AccountContext, matches: Sequence[Match], orphans: Sequence[Live],
             live: LiveState) -> list[Operation]:
        """Operations (with dependencies) that make live equal desired; raises ProblemsError. ``live``: the
        account as read, for a vendor whose rules need more of it than the matches and orphans."""
        ...

    def connect(self, account: AccountContext, endpoint: str, credentials: Mapping[str, str],
                *, local: bool = False) -> Session:
        """A session on ``endpoint``; ``local`` is the built-in sandbox on loopback."""
        ...

    def sandbox_app(self, store: SandboxStore, credentials: Mapping[str, str],
                    limits: RateLimits) -> ASGIApp: ...

    def sandbox_credentials(self) -> dict[str, str]:
        """Fresh credentials for a run against the built-in sandbox."""
        ...


def schema_path(root: Path, provider: str) -> Path:
    return root / "schemas" / f"{provider}.campaign.schema.json"
