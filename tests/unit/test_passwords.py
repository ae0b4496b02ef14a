import pytest

from revalue.access import passwords


def test_a_password_is_stored_as_an_argon2id_hash_that_verifies():
    stored = passwords.hash_password("correct horse battery")
    assert stored.startswith("$argon2id$") and "correct horse" not in stored
    assert passwords.verify(stored, "correct horse battery")
    assert not passwords.verify(stored, "correct horse battery!")
    assert not passwords.needs_rehash(stored)


def test_the_same_password_hashes_differently_each_time():
    assert passwords.hash_password("twelve chars!") != passwords.hash_password("twelve chars!")


def test_a_short_password_is_refused():
    with pytest.raises(passwords.WeakPassword) as exc:
        passwords.hash_password("short")
    assert exc.value.details["field"] == "password"


def test_a_malformed_hash_never_verifies():
    assert not passwords.verify("not-a-hash", "whatever password")
