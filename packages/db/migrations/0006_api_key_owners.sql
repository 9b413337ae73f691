-- Keys made or rotated by another key used to have no owner (`created_by` null), so they outlived
-- the admin behind the key that made them. Give each such key the owner at the top of its chain
-- of makers, read from the audit log. Keys with no owner left are system keys.
WITH RECURSIVE made_by AS (
  SELECT (CASE WHEN a.action = 'apiKey.create' THEN a.target_id ELSE a.details ->> 'newKeyId' END)::integer AS key_id,
         a.actor_api_key_id AS maker_id
  FROM audit_log a
  WHERE a.action IN ('apiKey.create', 'apiKey.rotate')
    AND a.target_type = 'apiKey'
    AND a.actor_user_id IS NULL
    AND a.actor_api_key_id IS NOT NULL
),
chain (key_id, ancestor_id, depth) AS (
  SELECT m.key_id, m.maker_id, 1
  FROM made_by m
  JOIN api_keys k ON k.id = m.key_id AND k.created_by IS NULL
  UNION ALL
  SELECT c.key_id, m.maker_id, c.depth + 1
  FROM chain c
  JOIN api_keys p ON p.id = c.ancestor_id AND p.created_by IS NULL
  JOIN made_by m ON m.key_id = p.id
  WHERE c.depth < 50
)
UPDATE api_keys k
SET created_by = p.created_by
FROM chain c
JOIN api_keys p ON p.id = c.ancestor_id
WHERE k.id = c.key_id AND k.created_by IS NULL AND p.created_by IS NOT NULL;
