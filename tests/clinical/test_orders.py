"""Orders are compared and hashed by key: each key must name a single order."""

from __future__ import annotations

from service.cards import orders
from service.cards.orders import CATALOGUE, Order


def defined_orders() -> list[Order]:
    return [value for value in vars(orders).values() if isinstance(value, Order)]


def test_every_order_has_a_key_of_its_own() -> None:
    keys = [order.key for order in defined_orders()]
    assert len(keys) == len(set(keys))


def test_every_defined_order_is_in_the_catalogue() -> None:
    # An order outside the catalogue is one the workup-order check could not recognise.
    assert {order.key for order in defined_orders()} == {order.key for order in CATALOGUE}
