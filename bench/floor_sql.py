"""The floor's statements (bench.floor), in PostgreSQL syntax; SQLite reads them rewritten
(`$1` as `?1`, `= ANY($1::int[])` over a JSON array, a day added with `date()`)."""

from __future__ import annotations

STAFF = "SELECT id, role, active FROM staff_members WHERE id = $1"

# The contact with the access version its cached audience decisions depend on.
CONTACT = """
SELECT c.id, c.partner_id, c.role, c.status, c.email, c.name,
       coalesce(s.version, 0), coalesce(s.epoch, 0)
FROM contacts c LEFT JOIN catalog_state s ON s.id = 2
WHERE c.id = $1
"""

SEGMENTS = """
SELECT s.key, s.name, s.subject
FROM segment_members m JOIN segments s ON s.id = m.segment_id
WHERE m.subject_id IN ($1, $2)
  AND ((s.subject = 'PARTNER' AND m.subject_id = $1)
       OR (s.subject = 'CONTACT' AND m.subject_id = $2))
ORDER BY s.subject DESC, s.key
"""

AUDIENCES = "SELECT id, any_segments, all_segments, none_segments, roles FROM audiences"

POLICIES = """
SELECT 'action', action, audience_id FROM action_policies
UNION ALL
SELECT 'field', type_name || '.' || field_name, audience_id FROM field_policies
"""

PARTNER_COLUMNS = "id, name, type, tier, region, country, phase, joined_at"

PARTNER_PAGE = f"""
SELECT {PARTNER_COLUMNS}, (SELECT count(*) FROM partners)
FROM partners ORDER BY name, id LIMIT $1
"""

PARTNER = f"SELECT {PARTNER_COLUMNS}, external_id, verticals FROM partners WHERE id = $1"

CONTACT_PAGE = """
SELECT id, name, email, role, title FROM contacts WHERE partner_id = $1 ORDER BY id LIMIT $2
"""

TABS = """
SELECT key, label, path FROM nav_tabs
WHERE audience_id IS NULL OR audience_id = ANY($1::int[])
ORDER BY position, key
"""

HOMEPAGE = """
SELECT key, title, body FROM pages
WHERE audience_id IS NULL OR audience_id = ANY($1::int[])
ORDER BY priority DESC, key LIMIT 1
"""

ENROLMENTS = """
SELECT e.status, e.progress, c.key, c.title
FROM enrollments e JOIN courses c ON c.id = e.course_id
WHERE e.contact_id = $1 ORDER BY e.id
"""

# Each goal with its partner's value over the goal's period (domain.goals.partner_values):
# money in cents, counts as counts; a period runs from its first day's UTC midnight to the
# midnight after its last day.
GOALS = """
SELECT g.id, g.name, g.metric, g.target, g.period_start, g.period_end,
  CASE g.metric
    WHEN 'REVENUE_WON' THEN (
      SELECT coalesce(sum(d.amount), 0) FROM deals d
      WHERE d.partner_id = $2 AND d.stage = 'WON'
        AND coalesce(d.close_date, d.won_on) >= g.period_start
        AND coalesce(d.close_date, d.won_on) <= g.period_end)
    WHEN 'DEALS_WON' THEN (
      SELECT count(*) FROM deals d
      WHERE d.partner_id = $2 AND d.stage = 'WON'
        AND coalesce(d.close_date, d.won_on) >= g.period_start
        AND coalesce(d.close_date, d.won_on) <= g.period_end)
    WHEN 'DEALS_REGISTERED' THEN (
      SELECT count(*) FROM deals d
      WHERE d.partner_id = $2
        AND d.created_at >= g.period_start AND d.created_at < (g.period_end + 1))
    WHEN 'CERTIFIED_CONTACTS' THEN (
      SELECT count(DISTINCT c.id) FROM contacts c
      JOIN contact_certifications cc ON cc.contact_id = c.id
      WHERE c.partner_id = $2 AND c.status = 'ACTIVE'
        AND cc.since >= g.period_start AND cc.since < (g.period_end + 1))
    ELSE (
      SELECT count(e.id) FROM enrollments e JOIN contacts c ON c.id = e.contact_id
      WHERE c.partner_id = $2 AND e.status = 'COMPLETED'
        AND e.completed_at >= g.period_start AND e.completed_at < (g.period_end + 1))
  END
FROM goals g
WHERE g.audience_id IS NULL OR g.audience_id = ANY($1::int[])
ORDER BY g.period_start, g.name, g.id
"""

ANNOUNCEMENTS = """
SELECT id, title, body, publish_at FROM announcements
WHERE (audience_id IS NULL OR audience_id = ANY($1::int[]))
  AND publish_at <= $2 AND (expires_at IS NULL OR expires_at > $2)
ORDER BY publish_at DESC, id DESC LIMIT $3
"""

# An asset is visible when its own audience and every enclosing folder's admit the viewer.
_ASSET_VISIBLE = """
(a.audience_id IS NULL OR a.audience_id = ANY($1::int[]))
AND (a.folder_id IS NULL OR NOT EXISTS (
  SELECT 1 FROM asset_folder_paths p JOIN asset_folders f ON f.id = p.ancestor_id
  WHERE p.folder_id = a.folder_id AND f.audience_id IS NOT NULL
    AND NOT (f.audience_id = ANY($1::int[]))))
"""

ASSETS = f"""
SELECT a.id, a.title, a.kind, a.url,
       (SELECT count(*) FROM assets a WHERE {_ASSET_VISIBLE})
FROM assets a WHERE {_ASSET_VISIBLE}
ORDER BY a.title, a.id LIMIT $2
"""

ASSET_PAGE = f"""
SELECT a.id, a.title, a.kind, a.url FROM assets a WHERE {_ASSET_VISIBLE}
ORDER BY a.title, a.id LIMIT $2
"""

ASSET_COUNT = f"SELECT count(*) FROM assets a WHERE {_ASSET_VISIBLE}"

_DEAL_COLUMNS = (
    "id, record_type, customer_name, amount, close_date, stage, exclusivity_until, created_at"
)

COMPANY_DEALS = f"""
SELECT {_DEAL_COLUMNS}, (SELECT count(*) FROM deals WHERE partner_id = $1)
FROM deals WHERE partner_id = $1 ORDER BY id DESC LIMIT $2
"""

OWN_DEALS = f"""
SELECT {_DEAL_COLUMNS}, (SELECT count(*) FROM deals WHERE partner_id = $1 AND owner_id = $2)
FROM deals WHERE partner_id = $1 AND owner_id = $2 ORDER BY id DESC LIMIT $3
"""
