-- Expressions (SPEC section 3), part 4: tags {% if %}, {% for %}, {% raw %}, their nesting and
-- whitespace control, as Kestra's own templates use them.
SET client_min_messages = warning; DROP EXTENSION IF EXISTS flowpg CASCADE; CREATE EXTENSION flowpg; RESET client_min_messages;

CREATE FUNCTION pg_temp.r(t text, c jsonb DEFAULT '{}') RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    RETURN flow_render(t, c);
EXCEPTION WHEN OTHERS THEN
    RETURN 'ERROR ' || SQLSTATE || ': ' || SQLERRM;
END $$;

CREATE TEMP TABLE ctx AS SELECT '{
    "n": 7, "words": ["alpha", "beta", "gamma"], "none": [], "z": null,
    "map": {"x": 1, "y": [2, 3], "z": null},
    "logs": [{"taskId": "failed", "message": "Task failure"}, {"taskId": "t2", "message": "boom"}]
}'::jsonb AS c;

-- {% if %} ... {% elseif %} ... {% else %} ... {% endif %}, conditions by truthiness
SELECT t AS template, pg_temp.r(t, c) AS result FROM ctx, (VALUES
    ('{% if n > 5 %}big{% endif %}'),
    ('{% if n > 50 %}big{% endif %}[nothing]'),
    ('{% if n > 50 %}big{% else %}small{% endif %}'),
    ('{% if n > 50 %}a{% elseif n > 10 %}b{% elseif n is odd %}c{% else %}d{% endif %}'),
    ('{% if n > 50 %}a{% elseif n > 10 %}b{% endif %}.'),
    ('{% if ''false'' %}x{% else %}"false" is false{% endif %}'),
    ('{% if none %}x{% else %}an empty list is false{% endif %}'),
    ('{% if z %}x{% else %}null is false{% endif %}'),
    ('{% if missing %}x{% endif %}'),
    ('{% if missing is defined %}x{% else %}is defined guards it{% endif %}'),
    ('{% if true %}{% if false %}inner{% else %}nested{% endif %}{% endif %}'),
    ('{% if n > 5 and words contains ''beta'' %}both{% endif %}')
) v(t);

-- {% for %}: lists, maps (entries or key, value), loop.index (from 0), loop.first/last/length/revindex,
-- {% else %} when there is nothing to iterate; null iterates nothing
SELECT t AS template, pg_temp.r(t, c) AS result FROM ctx, (VALUES
    ('{% for w in words %}{{ w }} {% endfor %}'),
    ('{% for w in words %}{{ loop.index }}:{{ w }}{% if not loop.last %}, {% endif %}{% endfor %}'),
    ('{% for w in words %}{{ loop.first }}/{{ loop.last }}/{{ loop.length }}/{{ loop.revindex }} {% endfor %}'),
    ('{% for i, w in words %}{{ i }}={{ w }} {% endfor %}'),
    ('{% for k, v in map %}{{ k }}={{ v | json }} {% endfor %}'),
    ('{% for e in map %}{{ e.key }}:{{ e.value ?? ''-'' }} {% endfor %}'),
    ('{% for x in none %}x{% else %}empty{% endfor %}'),
    ('{% for x in z %}x{% else %}null{% endfor %}'),
    ('{% for i in range(1, 3) %}{% for j in range(1, i) %}{{ i }}{{ j }} {% endfor %}{% endfor %}'),
    ('{% for i in [1, 2] %}{% for j in [''a'', ''b''] %}{{ loop.index }}{{ j }}{{ i }} {% endfor %}{% endfor %}'),
    ('{% for w in words %}{{ w | upper }}{% endfor %} after: {{ w ?? ''w is gone'' }}'),
    ('{% for n in [1, 2] %}{{ n }}{% endfor %} outer n: {{ n }}'),
    ('{% for x in ''text'' %}{% endfor %}'),
    ('{% for x in 42 %}{% endfor %}'),
    ('{% for x in missing %}{% endfor %}'),
    ('{% for x in words %}{{ x.nope }}{% endfor %}')
) v(t);

-- the error-logs template of Kestra's test flow errors.yaml, with whitespace control
SELECT pg_temp.r(E'{%- for log in logs -%}\n- task: {{ log.taskId }}, message: {{ log.message }}\n{%- endfor -%}\n', c)
FROM ctx;
SELECT pg_temp.r(E'{%- for log in logs %}\n- task: {{ log.taskId }}, message: {{ log.message }}\n{%- endfor %}\n', c)
FROM ctx;

-- {% raw %} (and Pebble's {% verbatim %}): the text inside is not rendered
SELECT t AS template, pg_temp.r(t, c) AS result FROM ctx, (VALUES
    ('{% raw %}{{ not rendered }} {% if %}{% endraw %}'),
    ('a {%- raw -%}  {{ x }}  {%- endraw -%} b'),
    ('{% verbatim %}{{ x }}{% endverbatim %}'),
    ('{% raw %}{% endverbatim %}{% endraw %}'),
    ('{% raw %}never closed'),
    ('{% raw x %}{% endraw %}')
) v(t);

-- tag errors are syntax errors with the position of the tag (42601)
SELECT t AS template, pg_temp.r(t, c) AS result FROM ctx, (VALUES
    ('{% if n %}no end'),
    ('{% for x in words %}no end'),
    ('{% if n %}{% endfor %}'),
    ('{% endif %}'),
    ('{% else %}'),
    ('{% elseif n %}'),
    ('{% if %}{% endif %}'),
    ('{% if n m %}{% endif %}'),
    ('{% for in words %}{% endfor %}'),
    ('{% for x words %}{% endfor %}'),
    ('{% for x in %}{% endfor %}'),
    ('{% for x, in words %}{% endfor %}'),
    ('{% set x = 1 %}'),
    ('{% %}'),
    ('{% if n %}{% else %}{% else %}{% endif %}'),
    ('{% endif x %}'),
    ('{% if n'),
    ('{% if n %}{% endif'),
    ('{% if n -%}{%- endif -%}ok')
) v(t);

-- render errors inside tags quote the tag (or the {{ }}) that failed
SELECT t AS template, pg_temp.r(t, c) AS result FROM ctx, (VALUES
    ('{% if outputs.x.onResume.approved %}yes{% endif %}'),
    ('{% if false %}{% elseif nope > 1 %}{% endif %}'),
    ('{% for t in tasks %}{% endfor %}'),
    ('{% for w in words %}{{ loop.index / 0 }}{% endfor %}')
) v(t);
