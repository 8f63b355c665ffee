-- Pebble as Kestra ships it (issue 12): numberFormat patterns as java.text.DecimalFormat reads
-- them, every named format of date and existingFormat, timeZone on reading, render(),
-- secret(name, namespace) and the block tag; with their errors.
SET client_min_messages = warning; DROP EXTENSION IF EXISTS flowpg CASCADE; CREATE EXTENSION flowpg; RESET client_min_messages;

CREATE FUNCTION pg_temp.r(t text, c jsonb DEFAULT '{}') RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    RETURN flow_render(t, c);
EXCEPTION WHEN OTHERS THEN
    RETURN 'ERROR ' || SQLSTATE || ': ' || SQLERRM;
END $$;

-- numberFormat: a negative subpattern gives the prefix and suffix of negative numbers (its
-- digits are ignored, as in Java); per mille multiplies by 1000; '' is a quote, inside quotes too
SELECT t, pg_temp.r(t) FROM unnest(ARRAY[
    '{{ -1234.5 | numberFormat("#,##0.00;(#,##0.00)") }}', '{{ 1234.5 | numberFormat("#,##0.00;(#)") }}',
    '{{ -3 | numberFormat("0;minus 0") }}', '{{ -0.001 | numberFormat("#.#;<#>") }}',
    '{{ 0.0125 | numberFormat("#.#‰") }}', '{{ 7 | numberFormat("0‰") }}',
    '{{ 5 | numberFormat("0 o''''clock") }}', '{{ 5 | numberFormat("''''0''''") }}',
    '{{ 5 | numberFormat("''it''''s ''0") }}', '{{ -5 | numberFormat("''$''0.00") }}',
    '{{ 1234567 | numberFormat("#,##,###") }}', '{{ 12.5 | numberFormat("0.0#") }}',
    '{{ 2 | numberFormat("E#") }}', '{{ 2 | numberFormat("#''E''") }}'
]) t;
-- patterns flowpg does not support are an error that says so, not wrong text: the E exponent,
-- the currency sign (its text depends on a locale), '#' after '0' in the integer part
SELECT t, pg_temp.r(t) FROM unnest(ARRAY[
    '{{ 1234 | numberFormat("0.###E0") }}', '{{ 1234 | numberFormat("##0.##E0;(#)") }}',
    '{{ 1234 | numberFormat("#;#E0") }}',
    '{{ 1234 | numberFormat("¤#,##0.00") }}', '{{ 12 | numberFormat("0#") }}'
]) t;
-- patterns Java refuses are an error too: '0' after '#' in the fraction, a digit outside the
-- number part, an open quote, a grouping separator without digits, two ';', both % and per mille
SELECT t, pg_temp.r(t) FROM unnest(ARRAY[
    '{{ 1 | numberFormat("#.#0") }}', '{{ 1 | numberFormat("# 0") }}', '{{ 1 | numberFormat("#'' x") }}',
    '{{ 1 | numberFormat("#,.0") }}', '{{ 1 | numberFormat("#,") }}', '{{ 1 | numberFormat("#;(#);#") }}',
    '{{ 1 | numberFormat("#%‰") }}', '{{ 1 | numberFormat("#;x") }}', '{{ 1 | numberFormat(";#") }}'
]) t;
