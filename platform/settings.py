"""Runtime configuration, read once from ANWANG_* environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ANWANG_", env_file=".env", extra="ignore")

    # Owner connection (migrations, seeding). Empty means: use the embedded PostgreSQL.
    database_url: str = ""
    # Application-role connection; derived from database_url when empty.
    app_database_url: str = ""
    # Role the application logs in as: owns nothing, cannot bypass RLS.
    app_role: str = "anwang_app"
    # Dramatiq broker: redis://…, amqp://…, or empty for the PostgreSQL queue
    # inside the database in use (the embedded default).
    broker_url: str = ""
    data_dir: Path = Path(".anwang")
    # Connections per web process (plus as many again in bursts).
    db_pool_size: int = 10
    host: str = "127.0.0.1"
    port: int = 8000
    # Cookies are marked Secure when served over https.
    secure_cookies: bool = False
    # Signs CSRF tokens; when empty, one is generated once into data_dir/secret_key.
    secret_key: str = ""
    session_hours: int = 12
    login_max_failures: int = 5
    login_window_minutes: int = 15
    # Where uploaded files live: empty means local files under data_dir/files; a path or
    # file:///path for another directory; s3://bucket/prefix?endpoint_url=…&region=… for an
    # S3-compatible store (needs the `s3` extra, boto3).
    storage_url: str = ""
    # Per-file upload limit in bytes (photos and documents).
    upload_max_bytes: int = 10 * 1024 * 1024
    # Largest photo accepted, in pixels (width × height), checked before decoding.
    photo_max_pixels: int = 40_000_000


@lru_cache
def get_settings() -> Settings:
    return Settings()


def secret_key() -> str:
    s = get_settings()
    if s.secret_key:
        return s.secret_key
    path = s.data_dir / "secret_key"
    if not path.exists():
        import secrets

        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()
