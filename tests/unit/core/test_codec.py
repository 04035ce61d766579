"""The journal's JSON (orjson) means exactly what the standard library's encoding means, for
every event and command class, and decodes back to the same object."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openoms.core.codec import to_json, to_json_std
from openoms.models import registry

REGISTRY = registry()
CLASSES = sorted(REGISTRY._classes.values(), key=lambda cls: cls.__name__)

# Values as the domain holds them: finite decimals (exponents too: Decimal("1E+3") is 1000),
# aware UTC times, any text.
st.register_type_strategy(Decimal, st.decimals(allow_nan=False, allow_infinity=False))
st.register_type_strategy(datetime, st.datetimes(timezones=st.just(UTC)))


def _instances(cls: type) -> st.SearchStrategy[Any]:
    return st.from_type(cls)


@pytest.mark.parametrize("cls", CLASSES, ids=lambda cls: cls.__name__)
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(data=st.data())
def test_to_json_of_any_instance_means_what_the_standard_encoding_means(
        cls: type, data: st.DataObject) -> None:
    obj = data.draw(_instances(cls))
    fast = to_json(obj)
    assert json.loads(fast) == json.loads(to_json_std(obj))
    assert REGISTRY.decode(cls.__name__, json.loads(fast)) == obj


def test_to_json_falls_back_to_the_standard_encoder_for_what_orjson_refuses() -> None:
    from openoms.commerce.domain.model import Customer

    odd = Customer(name="lone \ud800 surrogate")  # not valid Unicode: orjson refuses it
    assert to_json(odd) == to_json_std(odd)
    assert json.loads(to_json(odd))["name"] == "lone \ud800 surrogate"
