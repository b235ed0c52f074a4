"""Root fields for quotes (partner contacts make and submit them; staff review them)."""

from __future__ import annotations

import strawberry

from permissions import actions
from resolvers import quotes as resolve
from resolvers.context import Info
from schema.common import Connection
from schema.operations.deals import READ_DEALS
from schema.payloads import payload, same
from schema.quote import Quote, QuoteInput, QuotePayload, quote_spec
from schema.roots import EDITORS, Allow, mutation, query

# Rows: domain.visibility.quotes_reviewable (vendor admins: all; channel managers: their
# partners').
REVIEW = Allow(staff=EDITORS)


@strawberry.type
class Query:
    @query("Quotes the viewer may see (as deals: by company and owner), newest first.", READ_DEALS)
    async def quotes(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Quote]:
        return Connection(page=await resolve.quote_list(info, first, after))


@strawberry.type
class Mutation:
    @mutation(
        "Make a DRAFT quote for the viewer's company, priced for the viewer now (lines keep "
        "these prices). A sku the viewer may not quote is UNKNOWN_PRODUCT at its line; one "
        "bad line refuses the whole quote.",
        actions.CREATE_QUOTE,
    )
    async def create_quote(self, info: Info, input: QuoteInput) -> QuotePayload:
        return payload(QuotePayload, await resolve.create(info, quote_spec(input)), quote=same)

    @mutation(
        "DRAFT -> SUBMITTED, for a quote of the viewer's company it may see; another status "
        "is INVALID_TRANSITION.",
        actions.CREATE_QUOTE,
    )
    async def submit_quote(self, info: Info, id: strawberry.ID) -> QuotePayload:
        return payload(QuotePayload, await resolve.submit(info, id), quote=same)

    @mutation(
        "SUBMITTED -> APPROVED (approve: true) or REJECTED, for a quote of a partner the "
        "caller may see; another status is INVALID_TRANSITION.",
        REVIEW,
    )
    async def review_quote(self, info: Info, id: strawberry.ID, approve: bool) -> QuotePayload:
        return payload(QuotePayload, await resolve.review(info, id, approve), quote=same)
