"""scormlms.signed: a signature checked once is not checked again, everything else is."""

from __future__ import annotations

import time

import pytest
from django.core import signing

from scormlms.signed import Memo
from scormlms.tracking import tokens


def test_the_answer_is_signing_loads_and_is_remembered(monkeypatch: pytest.MonkeyPatch) -> None:
    memo = Memo()
    value = signing.dumps({"a": 1}, salt="s")
    calls: list[str] = []
    real = signing.loads

    def counting(value: str, **kwargs: object) -> object:
        calls.append(value)
        return real(value, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(signing, "loads", counting)
    assert memo.loads(value, salt="s") == {"a": 1}
    assert memo.loads(value, salt="s") == {"a": 1}
    assert len(calls) == 1


def test_a_bad_signature_is_refused_every_time() -> None:
    memo = Memo()
    value = signing.dumps({"a": 1}, salt="s")
    tampered = value[:-1] + ("A" if value[-1] != "A" else "B")
    for _ in range(2):
        with pytest.raises(signing.BadSignature):
            memo.loads(tampered, salt="s")
    with pytest.raises(signing.BadSignature):
        memo.loads(value, salt="another salt")


def test_the_age_is_checked_on_every_call(monkeypatch: pytest.MonkeyPatch) -> None:
    memo = Memo()
    value = signing.dumps({"a": 1}, salt="s")
    assert memo.loads(value, salt="s", max_age=60) == {"a": 1}
    later = time.time() + 61
    monkeypatch.setattr(time, "time", lambda: later)
    with pytest.raises(signing.SignatureExpired):
        memo.loads(value, salt="s", max_age=60)
    with pytest.raises(signing.SignatureExpired):  # Django's own answer, for comparison
        signing.loads(value, salt="s", max_age=60)


def test_retiring_the_key_that_signed_forgets_it(settings: pytest.FixtureRequest) -> None:
    memo = Memo()
    settings.SECRET_KEY = "old-key-" + "x" * 50  # type: ignore[attr-defined]
    value = signing.dumps({"a": 1}, salt="s")
    settings.SECRET_KEY = "new-key-" + "y" * 50  # type: ignore[attr-defined]
    settings.SECRET_KEY_FALLBACKS = ["old-key-" + "x" * 50]  # type: ignore[attr-defined]
    assert memo.loads(value, salt="s") == {"a": 1}
    settings.SECRET_KEY_FALLBACKS = []  # type: ignore[attr-defined]
    with pytest.raises(signing.BadSignature):
        memo.loads(value, salt="s")


def test_a_mapping_is_the_callers_own_copy() -> None:
    memo = Memo()
    value = signing.dumps({"n": 1, "items": [1, 2]}, salt="s")
    first = memo.loads_mapping(value, salt="s")
    first["n"] = 2
    first["items"].append(3)
    assert memo.loads_mapping(value, salt="s") == {"n": 1, "items": [1, 2]}


def test_the_memo_stays_bounded() -> None:
    memo = Memo(max_entries=3)
    values = [signing.dumps(n, salt="s") for n in range(10)]
    for n, value in enumerate(values):
        assert memo.loads(value, salt="s") == n
    assert len(memo._seen) == 3
    assert [key[0] for key in memo._seen] == values[-3:]  # the oldest went first


def test_an_expired_launch_token_is_refused_after_it_was_accepted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    token = tokens.token_make(session_id="s-1", attempt_id="a-1", learner_id=7)
    assert tokens.token_read(token).learner_id == 7
    later = time.time() + tokens.MAX_AGE_SECONDS + 1
    monkeypatch.setattr(time, "time", lambda: later)
    with pytest.raises(tokens.BadToken, match="expired"):
        tokens.token_read(token)


def test_threads_sharing_a_full_memo_get_every_answer_right() -> None:
    import threading

    memo = Memo(max_entries=8)
    values = [signing.dumps(n, salt="s") for n in range(64)]
    failures: list[BaseException] = []

    def work(offset: int) -> None:
        try:
            for _ in range(20):
                for n in range(offset, 64, 4):
                    assert memo.loads(values[n], salt="s") == n
        except BaseException as error:  # noqa: BLE001 - reported below
            failures.append(error)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(memo._seen) <= 8
