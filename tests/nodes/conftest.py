"""An S3-compatible object store for the tests: moto's standalone server in its own process,
on a free port, spoken to over HTTP by boto3 exactly as a real bucket would be."""

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

BUCKET = "shuangsuiji-private"
KEYS = {"access_key": "test-access-key", "secret_key": "test-secret-key-of-the-bucket"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class ObjectStore:
    endpoint: str

    def client(self) -> Any:
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1",
                            aws_access_key_id=KEYS["access_key"],
                            aws_secret_access_key=KEYS["secret_key"])

    def keys(self, bucket: str = BUCKET) -> dict[str, bytes]:
        client = self.client()
        listed = client.list_objects_v2(Bucket=bucket).get("Contents", [])
        return {item["Key"]: client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
                for item in listed}

    def environment(self, bucket: str = BUCKET) -> dict[str, str]:
        """The platform's settings for this store (README, "Several machines")."""
        return {"SHUANGSUIJI_S3_BUCKET": bucket, "SHUANGSUIJI_S3_ENDPOINT": self.endpoint,
                "SHUANGSUIJI_S3_REGION": "us-east-1",
                "SHUANGSUIJI_S3_ACCESS_KEY": KEYS["access_key"],
                "SHUANGSUIJI_S3_SECRET_KEY": KEYS["secret_key"]}


@pytest.fixture(scope="session")
def object_store(tmp_path_factory) -> Iterator[ObjectStore]:
    pytest.importorskip("moto.server")
    port = free_port()
    log = (tmp_path_factory.mktemp("s3") / "server.log").open("wb")
    process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1",
                                "-p", str(port)], stdout=log, stderr=subprocess.STDOUT)
    store = ObjectStore(f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the S3 server did not start") from None
                time.sleep(0.1)
        yield store
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


@pytest.fixture
def bucket(object_store, settings, tmp_path) -> ObjectStore:
    """A fresh bucket as the default storage, configured the way settings.py does it."""
    client = object_store.client()
    for existing in client.list_buckets().get("Buckets", []):
        for item in client.list_objects_v2(Bucket=existing["Name"]).get("Contents", []):
            client.delete_object(Bucket=existing["Name"], Key=item["Key"])
        client.delete_bucket(Bucket=existing["Name"])
    client.create_bucket(Bucket=BUCKET)
    env = object_store.environment()
    settings.SHUANGSUIJI_LOCAL_CACHE_DIR = tmp_path / "cache"
    settings.STORAGES = settings.STORAGES | {"default": {
        "BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
            "bucket_name": BUCKET, "endpoint_url": env["SHUANGSUIJI_S3_ENDPOINT"],
            "region_name": "us-east-1", "access_key": KEYS["access_key"],
            "secret_key": KEYS["secret_key"], "addressing_style": "path",
            "signature_version": "s3v4", "default_acl": None, "file_overwrite": False}}}
    return object_store
