"""Cart pricing. Needs Python 3.10+ (structural pattern matching)."""

from decimal import ROUND_HALF_UP, Decimal


def line_total(item: dict) -> Decimal:
    match item:
        case {"sku": str(), "price_cents": int(price), "qty": int(qty)} if qty > 0:
            return Decimal(price) * qty
        case {"sku": str(), "price_cents": int(price)}:
            return Decimal(price)
        case {"gift_card": {"amount_cents": int(amount)}}:
            return Decimal(amount)
        case _:
            raise ValueError(f"cannot price cart item {item!r}")


def apply_coupon(total: Decimal, coupon: str | None) -> Decimal:
    match (coupon or "").upper().split("-"):
        case [""]:
            return total
        case ["SAVE", percent] if percent.isdigit() and 0 < int(percent) <= 50:
            return total * (100 - int(percent)) / 100
        case ["FREESHIP"]:
            return total
        case _:
            raise ValueError(f"unknown coupon {coupon!r}")


def price_cart(items: list[dict], coupon: str | None = None) -> int:
    total = sum((line_total(item) for item in items), Decimal(0))
    return int(apply_coupon(total, coupon).quantize(Decimal(1), rounding=ROUND_HALF_UP))
