-- Expressions (SPEC section 3), part 2: every filter, with its arguments (positional and named)
-- and its errors.
SET client_min_messages = warning; DROP EXTENSION IF EXISTS flowpg CASCADE; CREATE EXTENSION flowpg; RESET client_min_messages;

CREATE FUNCTION pg_temp.r(t text, c jsonb DEFAULT '{}') RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    RETURN flow_render(t, c);
EXCEPTION WHEN OTHERS THEN
    RETURN 'ERROR ' || SQLSTATE || ': ' || SQLERRM;
END $$;

-- the context of every query below
CREATE TEMP TABLE ctx AS SELECT '{
    "s": "Hello World", "u": "ünïcödé straße", "n": 42, "f": 2.5, "b": true, "z": null,
    "list": [3, 1, 2], "words": ["a", "b", "c"], "empty": "", "blank": "  ", "nolist": [],
    "map": {"k1": "v1", "k2": 2, "k3": null}, "nomap": {},
    "date": "2024-01-31T22:30:00Z", "day": "2024-02-29", "epoch": 1700000000
}'::jsonb AS c;

-- upper, lower, capitalize, title: Unicode-aware (not just ASCII); null stays null
SELECT t AS template, pg_temp.r(t, c) AS result FROM ctx, (VALUES
    ('{{ s | upper }} / {{ s | lower }}'),
    ('{{ ''ü'' | upper }} {{ ''Ü'' | lower }}'),
    ('{{ u | upper }}'),
    ('{{ ''ÀÉÎÕÜ ŒŸ ĄĘŁŃ ŠŽ'' | lower }}'),
    ('{{ ''àéîõü œÿ ąęłń šž'' | upper }}'),
    ('{{ ''ΟΔΥΣΣΕΥΣ'' | lower }} {{ ''αβγ'' | upper }}'),
    ('{{ ''Ёлка ПРИВЕТ'' | lower }} {{ ''ёлка привет'' | upper }}'),
    ('{{ ''İstanbul'' | lower }} {{ ''ıi'' | upper }}'),
    ('{{ ''  hello world'' | capitalize }}|{{ ''élan'' | capitalize }}|{{ ''hELLO'' | capitalize }}'),
    ('{{ ''hello  big wörld'' | title }}|{{ ''élan vital'' | title }}|{{ ''mIxEd cAsE'' | title }}'),
    ('[{{ z | upper }}] {{ n | upper }} {{ b | upper }}'),
    ('{{ list | upper }}'),
    ('{{ map | lower }}')
) v(t);

-- trim: leading and trailing white space (and control characters) only
SELECT t AS template, '[' || pg_temp.r(t, c) || ']' AS result FROM ctx, (VALUES
    (E'{{ ''  \t padded \n '' | trim }}'),
    ('{{ blank | trim }}'),
    ('{{ ''inner  space'' | trim }}'),
    ('{{ z | trim }}'),
    ('{{ list | trim }}')
) v(t);

-- default(x): x when the input is undefined, null, blank text, an empty list or map
SELECT t AS template, pg_temp.r(t, c) AS result FROM ctx, (VALUES
    ('{{ missing | default(''d'') }}'),
    ('{{ missing.deep.er | default(''d'') }}'),
    ('{{ z | default(''d'') }} {{ empty | default(''d'') }} {{ blank | default(''d'') }}'),
    ('{{ nolist | default(''d'') }} {{ nomap | default(''d'') }}'),
    ('{{ s | default(''d'') }} {{ n | default(''d'') }} {{ 0 | default(''d'') }} {{ false | default(''d'') }}'),
    ('{{ missing | default(list) }}'),
    ('{{ missing | default(default=''named'') }}'),
    ('{{ missing | default }}'),
    ('{{ missing | default(other_missing) }}')
) v(t);

-- length: characters (not bytes) of text, items of a list or map; null is 0
SELECT t AS template, pg_temp.r(t, c) AS result FROM ctx, (VALUES
    ('{{ s | length }} {{ u | length }} {{ ''😀'' | length }}'),
    ('{{ list | length }} {{ map | length }} {{ nolist | length }} {{ z | length }}'),
    ('{{ n | length }}')
) v(t);

-- join(separator), first, last, keys, values
SELECT t AS template, pg_temp.r(t, c) AS result FROM ctx, (VALUES
    ('{{ words | join }} {{ words | join('', '') }} {{ words | join(separator=''-'') }}'),
    ('{{ [1, null, true, [2], {''a'': 3}, ''x''] | join(''|'') }}'),
    ('{{ nolist | join('','') }}|{{ z | join('','') }}'),
    ('{{ s | join('','') }}'),
    ('{{ words | join([1]) }}'),
    ('{{ list | first }} {{ list | last }} {{ s | first }} {{ s | last }} {{ u | last }}'),
    ('[{{ nolist | first }}] [{{ empty | last }}] [{{ z | first }}]'),
    ('{{ map | first }}'),
    ('{{ map | keys }} {{ words | keys }} {{ nomap | keys }}'),
    ('{{ map | values }} {{ nomap | values }}'),
    ('{{ n | keys }}'),
    ('{{ words | values }}')
) v(t);

-- split(delimiter, limit): literal text; Java's rules for trailing empty pieces and limits
SELECT t AS template, pg_temp.r(t, c) AS result FROM ctx, (VALUES
    ('{{ ''a,b,c'' | split('','') }}'),
    ('{{ ''a,b,,c,,'' | split('','') }}'),
    ('{{ ''a,b,,c,,'' | split('','', -1) }}'),
    ('{{ ''a,b,c'' | split('','', 2) }}'),
    ('{{ ''a,b,c'' | split(delimiter='','', limit=1) }}'),
    ('{{ '',a'' | split('','') }}'),
    ('{{ ''a.b|c'' | split(''.'') }} {{ ''a.b|c'' | split(''|'') }}'),
    ('{{ ''one::two'' | split(''::'') }}'),
    ('{{ ''héllo'' | split('''') }}'),
    ('{{ '''' | split('','') }} {{ ''abc'' | split('','') }}'),
    (E'{{ ''line1\nline2'' | split(''\\n'') }}'),
    ('{{ z | split('','') }}'),
    ('{{ s | split }}'),
    ('{{ s | split(list) }}'),
    ('{{ s | split('' '', ''x'') }}'),
    ('{{ list | split('','') }}')
) v(t);

-- replace({from: to, ...}): every occurrence, pair after pair; lists and maps item by item
SELECT t AS template, pg_temp.r(t, c) AS result FROM ctx, (VALUES
    ('{{ s | replace({''o'': ''0'', ''l'': ''L''}) }}'),
    ('{{ ''aaa'' | replace({''a'': ''aa''}) }}'),
    ('{{ ''abc'' | replace({''a'': ''b'', ''b'': ''c''}) }}'),
    ('{{ ''abc'' | replace({'''': ''-''}) }}'),
    ('{{ ''x'' | replace({''x'': 1}) }} {{ ''x'' | replace({''x'': null}) }}'),
    ('{{ words | replace({''a'': ''A''}) }}'),
    ('{{ map | replace({''v'': ''V''}) }}'),
    ('{{ n | replace({''4'': ''four''}) }}'),
    ('{{ z | replace({''a'': ''b''}) }}'),
    ('{{ s | replace(replace_pairs={''World'': ''there''}) }}'),
    ('{{ s | replace(''o'') }}'),
    ('{{ s | replace({''o'': ''0''}, regexp=true) }}'),
    ('{{ s | replace }}')
) v(t);

-- abbreviate(length): at most length characters, ending with ... when cut
SELECT t AS template, pg_temp.r(t, c) AS result FROM ctx, (VALUES
    ('{{ s | abbreviate(8) }}'),
    ('{{ s | abbreviate(11) }} {{ s | abbreviate(100) }}'),
    ('{{ u | abbreviate(6) }}'),
    ('{{ s | abbreviate(3) }} {{ s | abbreviate(0) }}'),
    ('{{ ''abc'' | abbreviate(1) }}'),
    ('{{ s | abbreviate(length=5) }}'),
    ('{{ s | abbreviate(-1) }}'),
    ('{{ s | abbreviate(''x'') }}'),
    ('{{ s | abbreviate }}')
) v(t);

-- json (alias toJson): compact JSON text of any value
SELECT t AS template, pg_temp.r(t, c) AS result FROM ctx, (VALUES
    ('{{ map | json }}'),
    ('{{ s | json }} {{ n | json }} {{ f | toJson }} {{ b | json }} {{ z | json }}'),
    ('{{ ''quote " and \\ and é'' | toJson }}'),
    ('{{ (map | json) ~ ''!'' }}'),
    ('{{ missing | json }}')
) v(t);

-- number(type): a number from its text
SELECT t AS template, pg_temp.r(t, c) AS result FROM ctx, (VALUES
    ('{{ ''42'' | number + 1 }} {{ ''-7'' | number }} {{ '' 12 '' | number }}'),
    ('{{ ''2.5'' | number * 2 }} {{ ''1e3'' | number }}'),
    ('{{ ''7'' | number(''DOUBLE'') }} {{ ''7'' | number(type=''FLOAT'') }} {{ ''7'' | number(''BIGDECIMAL'') }}'),
    ('{{ ''7'' | number(''INT'') }} {{ ''7'' | number(''LONG'') }} {{ ''7'' | number(''BIGINTEGER'') }}'),
    ('{{ n | number }} {{ f | number }} {{ n | number(''DOUBLE'') }}'),
    ('[{{ z | number }}]'),
    ('{{ ''abc'' | number }}'),
    ('{{ ''7.5'' | number(''INT'') }}'),
    ('{{ ''99999999999999999999'' | number }}'),
    ('{{ ''7'' | number(''HEX'') }}'),
    ('{{ list | number }}')
) v(t);

-- date(format, timeZone, existingFormat, locale): Java patterns; default format "iso", zone UTC
SELECT t AS template, pg_temp.r(t, c) AS result FROM ctx, (VALUES
    ('{{ date | date }}'),
    ('{{ date | date(''yyyy-MM-dd'') }}'),
    ('{{ date | date("yyyy-MM-dd''T''HH:mm") }}'),
    ('{{ date | date(''dd/MM/yyyy HH:mm'', timeZone=''Europe/Paris'') }}'),
    ('{{ date | date(format=''yyyy'', timeZone=''UTC'') }}'),
    ('{{ date | date(''EEE d MMM yyyy, h:mm a XXX'', timeZone=''+05:30'') }}'),
    ('{{ date | date(''iso_sec'') }} | {{ date | date(''sql'') }} | {{ date | date(''iso_date'') }}'),
    ('{{ day | date(''EEEE'') }}'),
    ('{{ epoch | date(''yyyy-MM-dd HH:mm:ss'') }}'),
    ('{{ ''31/12/2023 23:59'' | date(''yyyy-MM-dd'', existingFormat=''dd/MM/yyyy HH:mm'') }}'),
    ('{{ ''2024-01-31T22:30:00+02:00'' | date(''HH:mm XXX'') }}'),
    ('{{ ''2024-01-31T22:30:00+02:00'' | date(''HH:mm XXX'', timeZone=''+02:00'') }}'),
    ('{{ date | date(''yyyy'', locale=''en'') }}'),
    ('[{{ z | date }}]'),
    ('{{ ''not a date'' | date }}'),
    ('{{ date | date(''yyyy-qq'') }}'),
    ('{{ date | date(''yyyy'', timeZone=''Mars/Olympus_Mons'') }}'),
    ('{{ ''2024'' | date(''yyyy'', existingFormat=''dd/MM'') }}'),
    ('{{ list | date }}')
) v(t);

-- dateAdd(amount, unit, ...): calendar arithmetic with Java's ChronoUnit names, then as date
SELECT t AS template, pg_temp.r(t, c) AS result FROM ctx, (VALUES
    ('{{ date | dateAdd(1, ''DAYS'') }}'),
    ('{{ date | dateAdd(1, ''MONTHS'', ''yyyy-MM-dd'') }}'),
    ('{{ day | dateAdd(1, ''YEARS'', format=''yyyy-MM-dd'') }}'),
    ('{{ date | dateAdd(-90, ''MINUTES'', format=''HH:mm'') }}'),
    ('{{ date | dateAdd(amount=2, unit=''WEEKS'', format=''yyyy-MM-dd'') }}'),
    ('{{ date | dateAdd(2, ''HOURS'', format=''yyyy-MM-dd HH:mm'', timeZone=''Europe/Paris'') }}'),
    ('{{ date | dateAdd(1, ''FORTNIGHTS'') }}'),
    ('{{ date | dateAdd(''one'', ''DAYS'') }}'),
    ('{{ date | dateAdd(1) }}')
) v(t);

-- urlencode (form encoding, as Java's URLEncoder) and slugify (as Kestra's)
SELECT t AS template, pg_temp.r(t, c) AS result FROM ctx, (VALUES
    ('{{ ''a b&c=d/é?x*y_z-.'' | urlencode }}'),
    ('{{ s | slugify }} {{ ''  Crème Brûlée: à la carte!  '' | slugify }}'),
    ('{{ ''snake_case and--dashes'' | slugify }} {{ ''Łódź Straße ΑΒΓ 123'' | slugify }}'),
    ('[{{ z | urlencode }}] [{{ z | slugify }}]'),
    ('{{ map | urlencode }}')
) v(t);

-- startsWith(value), endsWith(value)
SELECT t AS template, pg_temp.r(t, c) AS result FROM ctx, (VALUES
    ('{{ s | startsWith(''Hello'') }} {{ s | startsWith(''World'') }} {{ s | endsWith(''World'') }} {{ s | endsWith(''x'') }}'),
    ('{{ n | startsWith(4) }} {{ z | startsWith(''a'') }} {{ s | endsWith(value='''') }}'),
    ('{{ s | startsWith }}'),
    ('{{ s | startsWith(null) }}')
) v(t);

-- filters chain, and a filter argument may be any expression
SELECT pg_temp.r('{{ s | lower | replace({''world'': words | join(''+'')}) | title | abbreviate(n / 6) }}', c)
FROM ctx;
