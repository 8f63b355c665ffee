-- Pebble as Kestra ships it, beyond SPEC's list: the in / isIn / notIn operators (Kestra's
-- InExpression), numberFormat (Pebble's numberformat, after java.text.DecimalFormat), and the
-- timestamp, timestampMilli, timestampMicro and timestampNano filters; with their errors.
SET client_min_messages = warning; DROP EXTENSION IF EXISTS flowpg CASCADE; CREATE EXTENSION flowpg; RESET client_min_messages;

CREATE FUNCTION pg_temp.r(t text, c jsonb DEFAULT '{}') RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    RETURN flow_render(t, c);
EXCEPTION WHEN OTHERS THEN
    RETURN 'ERROR ' || SQLSTATE || ': ' || SQLERRM;
END $$;

-- in: a list holds an item with the same text (so 1 in ['1'] too), a map a key or a value;
-- null on either side, or a right side that is neither, is false; notIn is its negation
SELECT t, pg_temp.r(t, '{"list": ["a", "b", 3], "map": {"k": "v", "n": 1}, "z": null, "s": "abc"}') FROM unnest(ARRAY[
    '{{ "a" in list }}', '{{ "c" in list }}', '{{ 3 in list }}', '{{ "3" in list }}',
    '{{ "k" in map }}', '{{ "v" in map }}', '{{ 1 in map }}', '{{ "x" in map }}',
    '{{ z in list }}', '{{ "a" in z }}', '{{ "a" in s }}',
    '{{ "a" isIn list }}', '{{ "c" notIn list }}', '{{ "a" notIn list }}',
    '{{ "b" in ["a", "b"] and not ("q" in ["a"]) }}',
    '{{ 1 + 2 in [3] }}',
    '{% if "b" in list %}yes{% else %}no{% endif %}',
    '{% for x in list %}{{ x in ["a", 3] }} {% endfor %}'
]) t;
-- an operand left out is a syntax error with its position
SELECT pg_temp.r('{{ "a" in }}');

-- numberFormat: DecimalFormat patterns (rounding half-even on the exact value, grouping, '0'
-- padding, optional '#' digits, literal prefix and suffix, percent); no pattern: #,##0.###
SELECT t, pg_temp.r(t, '{"pi": 3.141592653, "big": 1234567.891, "neg": -0.004, "i": 42, "half": 0.125}') FROM unnest(ARRAY[
    '{{ pi | numberFormat("#.##") }}', '{{ pi | numberformat("0.0000") }}',
    '{{ big | numberFormat("#,##0.00") }}', '{{ big | numberFormat }}',
    '{{ i | numberFormat("000") }}', '{{ i | numberFormat("#.00") }}',
    '{{ half | numberFormat("#.##") }}', '{{ half | numberFormat("0.00") }}',
    '{{ 0.5 | numberFormat("#") }}', '{{ 1.5 | numberFormat("#") }}', '{{ 2.5 | numberFormat("#") }}',
    '{{ neg | numberFormat("#.##") }}', '{{ -1234.5 | numberFormat("#,##0.0") }}',
    '{{ 0.256 | numberFormat("#.#%") }}', '{{ 9.99 | numberFormat("''$''#,##0.00 USD") }}',
    '{{ 0 | numberFormat("#.##") }}', '{{ null | numberFormat("#") }}'
]) t;
-- errors: not a number, a pattern without digits, too many decimals
SELECT t, pg_temp.r(t) FROM unnest(ARRAY[
    '{{ "12" | numberFormat("#") }}', '{{ 12 | numberFormat("abc") }}',
    '{{ 12 | numberFormat("#.##.#") }}', '{{ 1 | numberFormat("0.0000000000000000000000000000000") }}'
]) t;

-- timestamps: seconds, milliseconds, microseconds and nanoseconds since 1970 (floored), of an
-- ISO date-time (offset applied), a date, a number of seconds, or text in existingFormat
SELECT t, pg_temp.r(t) FROM unnest(ARRAY[
    '{{ "2013-09-08T16:19:12.123456+02:00" | timestamp }}',
    '{{ "2013-09-08T16:19:12.123456+02:00" | timestampMilli }}',
    '{{ "2013-09-08T16:19:12.123456+02:00" | timestampMicro }}',
    '{{ "2013-09-08T16:19:12.123456+02:00" | timestampNano }}',
    '{{ "2013-09-08T14:19:12Z" | timestamp }}',
    '{{ "1969-12-31T23:59:59.5Z" | timestamp }}',
    '{{ "1969-12-31T23:59:59.5Z" | timestampMilli }}',
    '{{ 1378649952 | timestampMilli }}',
    '{{ "08/09/2013 14:19" | timestamp(existingFormat="dd/MM/yyyy HH:mm") }}',
    '{{ "2013-09-08T14:19:12Z" | timestamp(timeZone="Europe/Paris") }}',
    '{{ null | timestamp }}'
]) t;
-- Kestra's DateFilterTest: 2013-09-08T16:19:12.123456+01 is 1378653552 s, 1378653552123 ms and
-- 1378653552123456000 ns; its timestampMicro gives 1378653552000123456 (seconds times 10^9 plus
-- the microseconds), flowpg the microseconds
SELECT t, pg_temp.r(t) FROM unnest(ARRAY[
    '{{ "2013-09-08T16:19:12.123456+01:00" | timestamp(timeZone="Europe/Paris") }}',
    '{{ "2013-09-08T16:19:12.123456+01:00" | timestampMilli(timeZone="Europe/Paris") }}',
    '{{ "2013-09-08T16:19:12.123456+01:00" | timestampMicro(timeZone="Europe/Paris") }}',
    '{{ "2013-09-08T16:19:12.123456+01:00" | timestampNano(timeZone="Europe/Paris") }}',
    '{{ ("2013-09-08T16:19:12+01:00" | timestamp) > ("2013-09-08T16:19:12+01:00" | dateAdd(-1, "DAYS") | timestamp) }}',
    '{{ "SUCCESS" isIn ["SUCCESS", "WARNING"] }} {{ "SUCCESS" isIn ["FAILED", "KILLED"] }}',
    '{{ "key" isIn {"key": "value"} }} {{ "value" isIn {"key": "value"} }}'
]) t;
-- errors: not a date, an unknown zone, text not in existingFormat, a wrong argument
SELECT t, pg_temp.r(t) FROM unnest(ARRAY[
    '{{ "yesterday" | timestamp }}', '{{ "2013-09-08T14:19:12Z" | timestamp(timeZone="Mars/Olympus") }}',
    '{{ "2013-09-08" | timestampMilli(existingFormat="dd/MM/yyyy") }}', '{{ [1] | timestampMicro }}',
    '{{ "2013-09-08T14:19:12Z" | timestamp(format="x") }}'
]) t;
