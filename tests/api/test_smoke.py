from tests import factories


def test_quote_accept_and_read_back(client, seeded):
    r = client.post(
        "/quotes",
        json={"program_id": "acme", "variant_sku": factories.PHONE, "answers": factories.answers()},
    )
    assert r.status_code == 201, r.text
    tid = r.json()["trade_in_id"]
    r = client.post(
        f"/trade-ins/{tid}/accept", json={"payout_method": "cash", "pathway": "mail_in"}
    )
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "accepted"
