import time, boto3
import harness.test_local_athena as m
from harness.local_athena import LocalAthena

def test_t(moto_server, monkeypatch):
    for i in range(3):
        t=time.monotonic(); la = LocalAthena(moto_server).start(); a=time.monotonic()-t
        monkeypatch.setenv("AWS_ENDPOINT_URL_ATHENA", la.endpoint_url)
        t=time.monotonic(); m.lake._get_wrapped_function()(la); b=time.monotonic()-t
        t=time.monotonic(); s3 = boto3.client("s3"); c=time.monotonic()-t
        t=time.monotonic(); m._query("SELECT COUNT(*) FROM dq.events"); d=time.monotonic()-t
        t=time.monotonic(); m._query("SELECT COUNT(*) FROM dq.events"); e=time.monotonic()-t
        t=time.monotonic(); m._query("SELECT 1"); f=time.monotonic()-t
        print(f"\ninit {a:.3f} lake {b:.3f} client {c:.3f} q1 {d:.3f} q2 {e:.3f} q3 {f:.3f}")
        la.stop()
        import urllib.request
        urllib.request.urlopen(urllib.request.Request(f"{moto_server}/moto-api/reset", method="POST")).read()
