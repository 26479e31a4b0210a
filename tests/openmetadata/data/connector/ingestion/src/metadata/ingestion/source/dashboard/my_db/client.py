#  Copyright 2026 connkit test fixture
#  Licensed under the Apache License, Version 2.0 (the "License");
"""A hand-written client in the shape the standards ask for."""

from collections.abc import Iterator

import requests

from metadata.generated.schema.entity.services.connections.dashboard.myDbConnection import (
    MyDbConnection,
)
from metadata.utils.logger import ingestion_logger

logger = ingestion_logger()


class MyDbClient:
    def __init__(self, config: MyDbConnection) -> None:
        self.config = config
        self.session = requests.Session()

    def get_dashboards(self) -> Iterator[dict]:
        url = f"{self.config.hostPort}/api/dashboards"
        while url:
            response = self.session.get(url, timeout=30)
            response.raise_for_status()
            page = response.json()
            yield from page["items"]
            url = page.get("next")

    def get_owner(self, owner_id: str) -> dict | None:
        try:
            return self.session.get(f"{self.config.hostPort}/api/users/{owner_id}").json()
        except requests.HTTPError as exc:
            logger.warning(f"Cannot fetch owner {owner_id}: {exc}")
            return None
