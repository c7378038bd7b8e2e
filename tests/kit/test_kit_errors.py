"""Named errors (`egov_kit.errors.KitError`)."""

from __future__ import annotations

import copy

import pytest
from egov_kit.errors import KitError


class BrokerDown(KitError):
    code = "BROKER_DOWN"


class Internal(KitError):
    code = "KEYSTORE_LOCKED"
    exposed = False


def test_str_is_code_colon_message() -> None:
    assert str(KitError("something went wrong")) == "KIT_ERROR: something went wrong"


def test_message_and_data_are_kept() -> None:
    error = KitError("bad request", data="<details/>")
    assert error.message == "bad request"
    assert error.data == "<details/>"
    assert error.args == ("bad request",)
    assert KitError("no data").data is None


def test_code_can_be_overridden_per_instance() -> None:
    overridden = KitError("x", code="SOME_CODE")
    assert overridden.code == "SOME_CODE"
    assert str(overridden) == "SOME_CODE: x"
    # The override is the instance's own: the class and other instances keep the default.
    assert KitError.code == "KIT_ERROR"
    assert KitError("y").code == "KIT_ERROR"


def test_subclass_sets_its_code_at_class_level() -> None:
    error = BrokerDown("rabbitmq is not reachable")
    assert error.code == "BROKER_DOWN"
    assert str(error) == "BROKER_DOWN: rabbitmq is not reachable"
    assert isinstance(error, KitError)
    assert BrokerDown("again", code="BROKER_FULL").code == "BROKER_FULL"
    assert BrokerDown.code == "BROKER_DOWN"


def test_exposed_is_true_by_default_and_a_class_may_hide_itself() -> None:
    assert KitError("x").exposed is True
    assert BrokerDown("x").exposed is True
    assert Internal("x").exposed is False


def test_raising_and_catching_as_kit_error() -> None:
    with pytest.raises(KitError) as caught:
        raise BrokerDown("down")
    assert caught.value.code == "BROKER_DOWN"


def test_copy_keeps_code_message_and_data() -> None:
    # deepcopy goes through the same reduce protocol as pickling (a process boundary).
    original = KitError("over the wire", code="WIRE", data="payload")
    duplicate = copy.deepcopy(original)
    assert duplicate is not original
    assert type(duplicate) is KitError
    assert (duplicate.code, duplicate.message, duplicate.data) == ("WIRE", "over the wire", "payload")
    assert str(duplicate) == "WIRE: over the wire"
