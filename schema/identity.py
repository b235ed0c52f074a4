"""Who is asking: roles, the Viewer, staff members."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from domain import ids, layouts, models
from domain import principal as domain_principal
from domain.audiences import SegmentRefValue
from domain.goals import Progress
from domain.principal import Principal, PrincipalKind
from permissions import actions
from resolvers import goals as resolve_goals
from resolvers import layouts as resolve_layouts
from resolvers import learning as resolve_learning
from resolvers import portal as resolve_portal
from resolvers.context import Info
from schema.access import Capabilities
from schema.enablement_refs import CertificationHeldRef, EnrollmentRef, GoalProgressRef
from schema.layout import LayoutEntity

if TYPE_CHECKING:
    from schema.coach_tip import CoachTip
    from schema.form import Form
    from schema.layout import Layout
    from schema.navigation import NavTab
    from schema.page import Page
    from schema.partner import Partner
    from schema.segment import SegmentRef

PartnerRef = Annotated["Partner", strawberry.lazy("schema.partner")]
LayoutRef = Annotated["Layout", strawberry.lazy("schema.layout")]
SegmentRefRef = Annotated["SegmentRef", strawberry.lazy("schema.segment")]
NavTabRef = Annotated["NavTab", strawberry.lazy("schema.navigation")]
PageRef = Annotated["Page", strawberry.lazy("schema.page")]
FormRef = Annotated["Form", strawberry.lazy("schema.form")]
CoachTipRef = Annotated["CoachTip", strawberry.lazy("schema.coach_tip")]

# The domain enums themselves, shown in GraphQL under these names (strawberry.enum registers
# them in place).
ContactRole = domain_principal.ContactRole
StaffRole = domain_principal.StaffRole
ViewerKind = PrincipalKind
strawberry.enum(ContactRole, name="ContactRole")
strawberry.enum(StaffRole, name="StaffRole")
strawberry.enum(ViewerKind, name="ViewerKind")


@strawberry.type(description="A vendor staff account.")
class StaffMember:
    @strawberry.field
    def id(self, root: strawberry.Parent[models.StaffMember]) -> strawberry.ID:
        return strawberry.ID(ids.encode("StaffMember", root.id))

    email: str
    name: str

    @strawberry.field
    def role(self, root: strawberry.Parent[models.StaffMember]) -> StaffRole:
        return StaffRole(root.role)


@strawberry.type(description="The signed-in contact, staff member or API key.")
class Viewer:
    @strawberry.field
    def id(self, root: strawberry.Parent[Principal]) -> strawberry.ID:
        return strawberry.ID(root.global_id)

    @strawberry.field
    def kind(self, root: strawberry.Parent[Principal]) -> ViewerKind:
        return root.kind

    @strawberry.field
    def email(self, root: strawberry.Parent[Principal]) -> str | None:
        return root.email

    @strawberry.field
    def name(self, root: strawberry.Parent[Principal]) -> str | None:
        return root.name

    @strawberry.field(description="Set when kind is CONTACT.")
    def contact_role(self, root: strawberry.Parent[Principal]) -> ContactRole | None:
        return root.contact_role

    @strawberry.field(description="Set when kind is STAFF.")
    def staff_role(self, root: strawberry.Parent[Principal]) -> StaffRole | None:
        return root.staff_role

    @strawberry.field(description="Set when kind is API_KEY.")
    def scopes(self, root: strawberry.Parent[Principal]) -> list[str]:
        return sorted(root.scopes)

    @strawberry.field(description="The contact's own company.", graphql_type=PartnerRef | None)
    async def partner(
        self, root: strawberry.Parent[Principal], info: Info
    ) -> models.Partner | None:
        if root.partner_id is None:
            return None
        return await info.context.loaders.partner_by_id.load(root.partner_id)

    @strawberry.field(
        description="Partner segments of its company and its own contact segments (contacts).",
        graphql_type=list[SegmentRefRef],
    )
    def segments(self, info: Info) -> list[SegmentRefValue]:
        hidden = {
            subject
            for subject, field in (("PARTNER", "Partner.segments"), ("CONTACT", "Contact.segments"))
            if info.context.hides(field)
        }
        return [s for s in info.context.viewer.segments if s.subject not in hidden]

    @strawberry.field(description="What this viewer may do; the same answers the mutations give.")
    async def capabilities(self, root: strawberry.Parent[Principal], info: Info) -> Capabilities:
        access = info.context.viewer.access
        edit_profile = actions.EDIT_PARTNER_PROFILE.allows(root, access)
        return Capabilities(
            create_quote=actions.CREATE_QUOTE.allows(root, access),
            register_deal=actions.REGISTER_DEAL.allows(root, access),
            edit_partner_profile=edit_profile,
            manage_team=actions.MANAGE_TEAM.allows(root, access),
            editable_profile_fields=(
                await resolve_portal.editable_profile_fields(info) if edit_profile else []
            ),
        )

    @strawberry.field(
        description="Tabs this viewer sees, by order then key (staff: every tab).",
        graphql_type=list[NavTabRef],
    )
    async def navigation(self, info: Info) -> list[models.NavTab]:
        return await resolve_portal.navigation(info)

    @strawberry.field(
        description="The highest-priority page whose audience matches (ties: by key); "
        "staff: the highest-priority page.",
        graphql_type=PageRef | None,
    )
    async def homepage(self, info: Info) -> models.PortalPage | None:
        return await resolve_portal.homepage(info)

    @strawberry.field(
        description="The forms this viewer may submit, by key, as Query.forms: here too, so a "
        "submitForm payload can show what is offered next.",
        graphql_type=list[FormRef],
    )
    async def forms(self, info: Info) -> list[models.Form]:
        return await resolve_portal.forms(info)

    @strawberry.field(
        description="Coach tips for a deal stage and for every stage, by key; without a stage, "
        "every tip this viewer may see.",
        graphql_type=list[CoachTipRef],
    )
    async def deal_coach(self, info: Info, stage: str | None = None) -> list[models.CoachTip]:
        return await resolve_portal.deal_coach(info, stage)

    @strawberry.field(
        description="One layout per record type this viewer may use (staff: every layout).",
        graphql_type=list[LayoutRef],
    )
    async def layouts(self, info: Info, entity: LayoutEntity) -> list[models.Layout]:
        return await resolve_layouts.for_viewer(info, layouts.LayoutEntity(entity))

    @strawberry.field(
        description="The contact's own enrolments, oldest first (staff: none).",
        graphql_type=list[EnrollmentRef],
    )
    async def enrollments(self, info: Info) -> list[models.Enrollment]:
        return await resolve_learning.enrollments(info)

    @strawberry.field(
        description="Certifications the contact holds, oldest first (staff: none).",
        graphql_type=list[CertificationHeldRef],
    )
    async def certifications(self, info: Info) -> list[models.ContactCertification]:
        return await resolve_learning.certifications_held(info)

    @strawberry.field(
        description="The viewer's partner's value and attainment on each goal its audiences "
        "admit, over the goal's period (staff: none).",
        graphql_type=list[GoalProgressRef],
    )
    async def goals(self, info: Info) -> list[Progress]:
        return await resolve_goals.viewer_goals(info)

    @strawberry.field(
        description="Set when a staff member sees this portal through X-View-As.",
        graphql_type=StaffMember | None,
    )
    async def previewed_by(
        self, root: strawberry.Parent[Principal], info: Info
    ) -> models.StaffMember | None:
        if root.previewed_by is None:
            return None
        return await info.context.loaders.staff_by_id.load(root.previewed_by.id)
