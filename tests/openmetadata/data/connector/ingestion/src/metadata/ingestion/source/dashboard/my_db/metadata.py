#  Copyright 2026 connkit test fixture
#  Licensed under the Apache License, Version 2.0 (the "License");
"""Source."""

from metadata.ingestion.source.dashboard.dashboard_service import DashboardServiceSource


class MydbSource(DashboardServiceSource):
    def prepare(self) -> None:
        self.owners = {o["id"]: o for o in self.client.get_owners()}

    def get_dashboards_list(self) -> list:
        return list(self.client.get_dashboards())

    def owner_for(self, dashboards: list) -> list:
        return [self.owners.get(d["owner"]) for d in dashboards]
