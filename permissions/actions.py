"""The permission each gated mutation declares. `viewer.capabilities` asks these same objects."""

from __future__ import annotations

from domain.policies import Action
from domain.principal import StaffRole
from permissions.rules import Allow

EDITORS = (StaffRole.VENDOR_ADMIN, StaffRole.CHANNEL_MANAGER)

# Partner admins (by the MANAGE_TEAM policy) for their own company; staff and
# integrators for the partners they may edit (row scope: domain.visibility.team_manageable).
MANAGE_TEAM = Allow(staff=EDITORS, action=Action.MANAGE_TEAM, scopes={"partners:write"})
REGISTER_DEAL = Allow(action=Action.REGISTER_DEAL)
CREATE_QUOTE = Allow(action=Action.CREATE_QUOTE)
EDIT_PARTNER_PROFILE = Allow(action=Action.EDIT_PARTNER_PROFILE)

BY_ACTION = {
    Action.MANAGE_TEAM: MANAGE_TEAM,
    Action.REGISTER_DEAL: REGISTER_DEAL,
    Action.CREATE_QUOTE: CREATE_QUOTE,
    Action.EDIT_PARTNER_PROFILE: EDIT_PARTNER_PROFILE,
}
