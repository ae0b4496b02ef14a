"""Photo evidence over HTTP: upload, list, fetch; a refused upload writes nothing, neither the
row nor the file; the evidence is seen by whoever sees the trade-in, and by nobody else."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from revalue.access.authn import COOKIE
from revalue.domain.access import Role
from revalue.domain.lifecycle import State
from revalue.evidence import service as evidence
from revalue.evidence.models import EvidencePhoto
from revalue.evidence.store import FilesystemStore
from revalue.web.app import WithLiveness, create_app
from tests import auth, factories
from tests import images as make
from tests.api.support import PROGRAM, accepted, as_customer, assert_error, post_quote, received

PNG = make.png(3, 2)
PNG_SHA = hashlib.sha256(PNG).hexdigest()


def _evidence_dir(client: TestClient) -> Path:
    return Path(client.app.app.state.revalue.settings.evidence_dir)  # inside the liveness wrapper


def _files(client: TestClient) -> list[Path]:
    root = _evidence_dir(client)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _rows(sessions) -> int:  # type: ignore[no-untyped-def]
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(EvidencePhoto))


def upload(client, tid: str, data: bytes = PNG, content_type: str = "image/png", **kw):  # type: ignore[no-untyped-def]
    form = {"caption": kw.pop("caption")} if "caption" in kw else None
    return client.post(
        f"/trade-ins/{tid}/photos",
        files={"photo": ("photo.bin", data, content_type)},
        data=form,
        **kw,
    )


def _staff(sessions, role: Role, program: str = PROGRAM) -> dict[str, str]:  # type: ignore[no-untyped-def]
    with sessions.begin() as s:
        return auth.bearer(auth.staff(s, f"{role}.{program}@test.example", {program: [role]}))


def test_an_uploaded_photo_is_listed_and_served_back_byte_for_byte(
    client, anonymous, seeded, sessions, clock
):
    tid = received(client)
    inspector = _staff(sessions, Role.INSPECTOR)
    r = anonymous.post(
        f"/trade-ins/{tid}/photos",
        files={"photo": ("IMG_0001.PNG", PNG, "image/png")},
        data={"caption": "  back, scratch near the camera  "},
        headers=inspector,
    )
    assert r.status_code == 201, r.text
    photo = r.json()
    me = anonymous.get("/auth/me", headers=inspector).json()
    assert photo == {
        "sha256": PNG_SHA,
        "content_type": "image/png",
        "size_bytes": len(PNG),
        "width": 3,
        "height": 2,
        "caption": "back, scratch near the camera",
        "uploaded_by": me["actor"],
        "uploaded_at": clock.now.isoformat().replace("+00:00", "Z"),
        "url": f"/trade-ins/{tid}/photos/{PNG_SHA}",
    }
    assert client.get(f"/trade-ins/{tid}/photos").json() == [photo]
    got = client.get(photo["url"])
    assert got.status_code == 200
    assert got.content == PNG
    assert got.headers["content-type"] == "image/png"
    assert got.headers["etag"] == f'"{PNG_SHA}"'
    assert got.headers["cache-control"] == "private, max-age=31536000, immutable"
    assert got.headers["x-content-type-options"] == "nosniff"
    assert _files(client) == [_evidence_dir(client) / PNG_SHA[:2] / PNG_SHA[2:4] / PNG_SHA]


def test_a_browser_that_already_has_the_photo_gets_a_304(client, seeded):
    tid = received(client)
    url = upload(client, tid).json()["url"]
    r = client.get(url, headers={"If-None-Match": f'W/"x", "{PNG_SHA}"'})
    assert r.status_code == 304
    assert r.content == b""
    assert r.headers["etag"] == f'"{PNG_SHA}"'
    assert client.get(url, headers={"If-None-Match": '"other"'}).content == PNG


def test_each_kind_of_photo_is_recorded_with_its_type_and_size(client, seeded):
    tid = received(client)
    for data, content_type, size in [
        (make.jpeg(4000, 3000, exif_first=True), "image/jpeg", (4000, 3000)),
        (make.webp_lossless(6, 7), "image/webp", (6, 7)),
        (make.heic(4032, 3024), "image/heic", (4032, 3024)),
    ]:
        r = upload(client, tid, data, "application/octet-stream")
        assert r.status_code == 201, r.text
        assert (r.json()["content_type"], r.json()["width"], r.json()["height"]) == (
            content_type,
            *size,
        )
        assert client.get(r.json()["url"]).headers["content-type"] == content_type


def test_the_same_photo_twice_is_one_record(client, seeded, sessions, clock):
    tid = received(client)
    first = upload(client, tid, caption="front")
    assert first.status_code == 201
    clock.advance(minutes=5)
    again = upload(client, tid, caption="front, again")
    assert again.status_code == 200, again.text
    assert again.json() == first.json()
    assert _rows(sessions) == 1
    assert len(_files(client)) == 1


def test_the_same_photo_of_another_trade_in_is_its_own_record_over_the_same_file(
    client, seeded, sessions
):
    one, two = received(client), received(client)
    assert upload(client, one).status_code == 201
    r = upload(client, two)
    assert r.status_code == 201
    assert r.json()["url"] == f"/trade-ins/{two}/photos/{PNG_SHA}"
    assert _rows(sessions) == 2
    assert len(_files(client)) == 1


def test_an_idempotency_key_replays_the_upload(client, seeded, sessions):
    tid = received(client)
    headers = {"Idempotency-Key": "photo-1"}
    first = upload(client, tid, headers=headers)
    again = upload(client, tid, headers=headers)
    assert (again.status_code, again.json()) == (201, first.json())
    assert again.headers["idempotent-replayed"] == "true"
    other = upload(client, tid, make.png(seed=9), headers=headers)
    assert_error(other, 409, "idempotency_key_reused")
    assert _rows(sessions) == 1


def _nothing_written(client, sessions) -> None:  # type: ignore[no-untyped-def]
    assert _rows(sessions) == 0
    assert _files(client) == []


@pytest.mark.parametrize(
    ("data", "content_type", "code"),
    [
        (b"just some notes about the device\n", "text/plain", "not_an_image"),
        (b"just some notes about the device\n", "image/png", "not_an_image"),
        (PNG[:20], "image/png", "not_an_image"),
        (b"", "image/png", "photo_empty"),
        (make.jpeg(), "image/png", "photo_type_mismatch"),
    ],
)
def test_a_file_that_is_not_the_image_it_claims_is_refused_and_nothing_written(
    client, seeded, sessions, data, content_type, code
):
    tid = received(client)
    assert_error(upload(client, tid, data, content_type), 422, code, field="photo")
    _nothing_written(client, sessions)


@pytest.fixture
def small_limit(app, engine, clock) -> TestClient:  # type: ignore[no-untyped-def]
    """An installation whose photos may be at most 2,000 bytes, signed in as an admin."""
    settings = app.app.state.revalue.settings.model_copy(update={"photo_max_bytes": 2000})
    with TestClient(WithLiveness(create_app(settings, engine=engine, clock=clock))) as c:
        yield c


def test_a_photo_over_the_limit_is_refused_and_nothing_written(
    client, small_limit, seeded, sessions
):
    tid = received(client)
    headers = client.headers
    big = make.png(30, 30, seed=3)  # just over the limit: refused by its size
    assert 2000 < len(big) < 2000 + 64 * 1024
    r = upload(small_limit, tid, big, headers=headers)
    assert_error(r, 422, "photo_too_large", field="photo")
    assert r.json()["details"]["max_bytes"] == 2000
    huge = b"\xff\xd8\xff" + b"\x00" * (1024 * 1024)  # far over: refused before it is read
    assert_error(upload(small_limit, tid, huge, headers=headers), 422, "photo_too_large")
    _nothing_written(client, sessions)
    assert upload(small_limit, tid, make.png(4, 4), headers=headers).status_code == 201


def test_an_upload_without_a_declared_length_is_cut_off_at_the_limit(
    client, small_limit, seeded, sessions
):
    tid = received(client)
    boundary = "photo-boundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="photo"; filename="a.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    ).encode()

    def body():  # type: ignore[no-untyped-def]
        yield head + b"\xff\xd8\xff"
        for _ in range(200):  # 200 x 1 KB, streamed with no Content-Length
            yield b"\x00" * 1024
        yield f"\r\n--{boundary}--\r\n".encode()

    r = small_limit.post(
        f"/trade-ins/{tid}/photos",
        content=body(),
        headers={**client.headers, "content-type": f"multipart/form-data; boundary={boundary}"},
    )
    assert_error(r, 422, "photo_too_large", field="photo")
    _nothing_written(client, sessions)


def test_a_device_not_yet_received_cannot_be_photographed(client, seeded, sessions):
    tid = accepted(client)
    body = assert_error(upload(client, tid), 409, "device_not_received")
    assert body["details"]["state"] == "accepted"
    _nothing_written(client, sessions)


@pytest.mark.parametrize(
    ("kw", "code", "field"),
    [
        ({"json": {"photo": "not a file"}}, "invalid_upload", "photo"),
        (
            {"data": {"photo": "not a file"}, "files": {"other": ("a.png", PNG)}},
            "invalid_upload",
            "photo",
        ),
        (
            {"files": {"photo": ("a.png", PNG)}, "data": {"caption": "x" * 201}},
            "invalid_input",
            "caption",
        ),
    ],
)
def test_a_malformed_upload_is_refused_and_nothing_written(
    client, seeded, sessions, kw, code, field
):
    tid = received(client)
    assert_error(client.post(f"/trade-ins/{tid}/photos", **kw), 422, code, field=field)
    _nothing_written(client, sessions)


def test_another_programs_staff_find_no_photos_at_all(client, anonymous, seeded, sessions):
    with sessions.begin() as s:
        factories.add_program(s, "rival")
    tid = received(client)
    url = upload(client, tid).json()["url"]
    rival = _staff(sessions, Role.INSPECTOR, "rival")
    for r in (
        upload(anonymous, tid, make.png(seed=4), headers=rival),
        anonymous.get(f"/trade-ins/{tid}/photos", headers=rival),
        anonymous.get(url, headers=rival),
    ):
        assert_error(r, 404, "trade_in_not_found")
    assert _rows(sessions) == 1


def test_the_customer_sees_the_evidence_of_their_trade_in_and_no_other(client, anonymous, seeded):
    mine, theirs = received(client), received(client)
    url = upload(client, mine).json()["url"]
    assert anonymous.get(url, headers=as_customer(mine)).content == PNG
    assert len(anonymous.get(f"/trade-ins/{mine}/photos", headers=as_customer(mine)).json()) == 1
    assert_error(anonymous.get(url, headers=as_customer(theirs)), 404, "trade_in_not_found")
    stranger = post_quote(client)["customer_token"]
    assert_error(anonymous.get(url, headers=auth.bearer(stranger)), 404, "trade_in_not_found")
    # ... nor may a customer add evidence to their own trade-in.
    assert_error(
        upload(anonymous, mine, make.png(seed=5), headers=as_customer(mine)), 403, "forbidden"
    )


def test_a_photo_of_another_trade_in_is_not_found_here(client, seeded):
    one, two = received(client), received(client)
    upload(client, one)
    assert_error(client.get(f"/trade-ins/{two}/photos/{PNG_SHA}"), 404, "photo_not_found")
    assert_error(client.get(f"/trade-ins/{one}/photos/{PNG_SHA.upper()}"), 404, "photo_not_found")


def test_a_console_form_with_its_csrf_field_uploads_a_photo(app, client, seeded, sessions):
    tid = received(client)
    with sessions.begin() as s:
        token = auth.staff(s, "receiver@test.example", {PROGRAM: [Role.RECEIVER]})
    with TestClient(app, base_url="https://testserver", cookies={COOKIE: token}) as browser:
        r = browser.post(
            f"/trade-ins/{tid}/photos",
            files={"photo": ("a.png", PNG, "image/png")},
            data={"csrf_token": auth.CSRF},
        )
        assert r.status_code == 201, r.text
    assert _rows(sessions) == 1


def test_concurrent_uploads_of_one_photo_make_one_record(client, seeded, sessions, tmp_path):
    """The second writer finds the first's row, or (PostgreSQL, both past the lookup) is
    refused by the unique constraint and answers with the winner's row all the same."""
    tid = received(client)
    store = FilesystemStore(tmp_path / "race")
    upload_ = evidence.Upload(data=PNG, declared_type="image/png")
    results = []

    def attach(actor: str) -> None:
        with sessions.begin() as s:
            photo, created = evidence.attach(
                s,
                store,
                trade_in_id=tid,
                state=State.RECEIVED,
                upload=upload_,
                max_bytes=10_000,
                ctx=factories.ctx(actor=actor),
            )
            results.append((photo.uploaded_by, created))
            if actor == "first":
                later.start()
                later.join(timeout=0.5)  # the second writer blocks on this uncommitted row

    later = threading.Thread(target=attach, args=("second",))
    attach("first")
    later.join()
    assert results == [("first", True), ("first", False)]
    assert _rows(sessions) == 1
