"""What day it is: one place, in one documented time zone.

Which tips are in the future (left off the site until their day) and the date
`tipkb new` suggests both depend on "today", so every stage asks here:

- ``TIPKB_TODAY=YYYY-MM-DD`` pins the day: for tests, or to publish by hand as of
  a given day (``tipkb build --today`` and ``tipkb serve --today`` do the same).
- ``TIPKB_TIMEZONE`` names whose day it is, as an IANA zone (``Europe/Paris``,
  ``America/New_York``); unset, the machine's local time zone.
"""

from __future__ import annotations

import datetime as dt
import os
import zoneinfo

from generator.errors import ClockError

TODAY_VARIABLE = "TIPKB_TODAY"
TIMEZONE_VARIABLE = "TIPKB_TIMEZONE"


def today() -> dt.date:
    """Today, as TIPKB_TODAY pins it, else in TIPKB_TIMEZONE (default: local time)."""
    pinned = os.environ.get(TODAY_VARIABLE, "").strip()
    if pinned:
        return parse_day(pinned, TODAY_VARIABLE)
    return dt.datetime.now(timezone()).date()


def timezone() -> zoneinfo.ZoneInfo | None:
    """The zone TIPKB_TIMEZONE names, or None for the machine's local time."""
    name = os.environ.get(TIMEZONE_VARIABLE, "").strip()
    if not name:
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ClockError(
            f"{TIMEZONE_VARIABLE}={name!r} is not a time zone; use an IANA name such as "
            "'Europe/Paris' or 'America/New_York', or unset it for the local time zone"
        ) from None


def parse_day(text: str, source: str) -> dt.date:
    """A YYYY-MM-DD date, or ClockError naming where the text came from."""
    try:
        return dt.datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        raise ClockError(f"{source}={text!r} is not a real date; write it as YYYY-MM-DD") from None
