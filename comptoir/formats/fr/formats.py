# One date format per language: every screen writes `01/12/2026 23:08` (FORMAT_MODULE_PATH).
DATE_FORMAT = "d/m/Y"
SHORT_DATE_FORMAT = "d/m/Y"
DATETIME_FORMAT = "d/m/Y H:i"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "\xa0"  # non-breaking space: « 1 234,56 € »
NUMBER_GROUPING = 3
