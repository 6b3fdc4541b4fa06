"""Money helpers: Decimal only, rounded to cents half up, once per line (R20)."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def cents(value: Decimal) -> Decimal:
    """Round to whole cents, half up."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)
