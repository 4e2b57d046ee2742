"""Every Client method against a real cordon serve, error mapping, retry on
429, streaming before the run ends, and the async twins."""

from __future__ import annotations

import asyncio
import time

import pytest

import cordon
from cordon import Client


def test_run_ok(client: Client, tmp_path):
    data = tmp_path / "data.csv"
    data.write_text("a,b\n")
    r = client.run(source="import sys\nprint(sys.argv[1:], sys.stdin.read(), open('data.csv').read().strip())",
                   args=["x", "y"], stdin="in", files=[str(data)])
    assert r.status == "ok" and r.finished and r.ok, r.raw
    assert r.stdout == "['x', 'y'] in a,b\n", r.stdout
    r2 = client.run(source="print(open('blob').read(), end='')", files={"blob": b"\x00bin"[1:], "t.txt": "text"})
    assert r2.stdout == "bin"
    assert r.exit_code == 0 and r.usage["wall_ms"] > 0 and r.layers and r.audit and r.evidence


def test_run_path_and_outputs(client: Client, tmp_path):
    script = tmp_path / "job.py"
    script.write_text("open('out.csv', 'w').write('1,2\\n')\nprint('done')\n")
    r = client.run(path=str(script), outputs=["*.csv"])
    assert r.ok and [o["path"] for o in r.outputs] == ["out.csv"]
    assert client.output(r.id, "out.csv") == b"1,2\n"
    with pytest.raises(cordon.NotFoundError) as e:
        client.output(r.id, "nope.csv")
    assert e.value.type == "output-not-found"


def test_run_failures(client: Client):
    r = client.run(source="import sys; sys.exit(3)")
    assert r.status == "exit-nonzero" and r.exit_code == 3
    r = client.run(source="import time\nwhile True: time.sleep(0.05)", timeout=1)
    assert r.status == "timeout", r.raw
    r = client.run(source="import os\nos.system(input())\n")
    assert r.status == "rejected" and r.findings and r.findings[0]["severity"] == "high"


def test_get_list_cancel(client: Client):
    r = client.run(source="import time; time.sleep(30)", wait=False)
    assert r.status in ("queued", "running")
    assert client.get(r.id).id == r.id
    assert any(x.id == r.id for x in client.list())
    c = client.cancel(r.id)
    if not c.finished:
        c = client.wait(r.id)
    assert c.status == "canceled", c.raw
    with pytest.raises(cordon.ConflictError) as e:
        client.cancel(r.id)
    assert e.value.type == "run-finished" and e.value.status == 409


def test_check(client: Client):
    rep = client.check(source="import os\nos.system(input())\n")
    assert rep["failed"] and rep["findings"][0]["line"] == 2
    assert not client.check(source="print(1)\n")["failed"]


def test_errors_carry_the_problem(server, client: Client):
    with pytest.raises(cordon.AuthError) as e:
        Client(server.url, "cdn_wrong").get("x")
    assert e.value.status == 401 and e.value.type == "unauthorized" and e.value.problem["title"]
    with pytest.raises(cordon.NotFoundError):
        client.get("0000000000000000")
    with pytest.raises(cordon.PolicyError) as e:
        client.run(source="print(1)", policy={"limits": {"wall_time": "1h"}})
    assert e.value.type == "policy-loosens" and e.value.errors and "wall_time" in str(e.value)
    with pytest.raises(cordon.PolicyError) as e:
        client.run(source="print(1)", policy={"limits": {"memory": "lots"}})
    assert e.value.type == "policy-invalid" and e.value.errors[0]["field"]
    with pytest.raises(cordon.RequestError) as e:
        client.run(source="print(1)", files={"../x": "y"})
    assert e.value.type == "invalid-request" and e.value.status == 422
    with pytest.raises(cordon.RequestError) as e:
        client.run(source="print(1)", env={"SECRET": "x"})
    assert "environment.pass" in e.value.detail
    with pytest.raises(cordon.TransportError):
        Client("http://127.0.0.1:1", "t").get("x")


def test_retry_on_429(server):
    slow = Client(server.url, server.tokens["slow"], retries=0)
    slow.run(source="print(1)", wait=False)  # takes the one token of the burst
    with pytest.raises(cordon.RateLimitError) as e:
        slow.run(source="print(2)", wait=False)
    assert e.value.status == 429 and e.value.type == "rate-limited" and e.value.retry_after and e.value.retry_after >= 1
    patient = Client(server.url, server.tokens["slow"], retries=3)
    t0 = time.monotonic()
    r = patient.run(source="print(3)")
    assert r.ok and r.stdout == "3\n"
    assert time.monotonic() - t0 >= 0.3  # it waited for Retry-After


def test_stream_before_the_run_ends(client: Client):
    src = "import time\nprint('first', flush=True)\ntime.sleep(3)\nprint('second')"
    # events(): the first chunk arrives while the run is still running.
    r = client.run(source=src, wait=False)
    for ev in client.events(r.id):
        if ev.event == "stdout":
            assert ev.text == "first\n" and ev.data["offset"] == 0
            assert client.get(r.id).status == "running"
            break
    else:
        pytest.fail("no stdout event")
    assert client.wait(r.id).stdout == "first\nsecond\n"
    # stream(): the same in one call, ending with the result.
    t0 = time.monotonic()
    kinds, first_at = [], None
    for ev in client.stream(source=src):
        kinds.append(ev.event)
        if ev.event == "stdout" and first_at is None:
            first_at = time.monotonic() - t0
        if ev.event == "result":
            assert ev.result is not None and ev.result.ok and ev.result.stdout == "first\nsecond\n"
    assert first_at is not None and first_at < 2.5, (first_at, kinds)
    assert kinds[-1] == "result"


def test_named_policy(client: Client):
    assert client.policy("short")["limits"]["wall_time"] == "2s"
    r = client.run(source="import time; time.sleep(5)", policy_name="short")
    assert r.status == "timeout"
    with pytest.raises(cordon.RequestError) as e:
        client.policy("nope")
    assert "short" in e.value.detail


def test_async_client(server):
    async def main():
        ac = cordon.AsyncClient(server.url, server.tokens["main"])
        rs = await asyncio.gather(*(ac.run(source=f"print({i})") for i in range(3)))
        assert [r.stdout for r in rs] == ["0\n", "1\n", "2\n"]
        events = [ev.event async for ev in ac.stream(source="print('x')")]
        assert events[-1] == "result" and "stdout" in events
        rep = await ac.check(source="print(1)\n")
        assert not rep["failed"]
        r = await ac.run(source="import time; time.sleep(30)", wait=False)
        c = await ac.cancel(r.id)
        if not c.finished:
            c = await ac.wait(r.id)
        assert c.status == "canceled"
        assert (await ac.get(r.id)).status == "canceled"
        assert (await ac.policy())["limits"]["wall_time"] == "10s"
    asyncio.run(main())
