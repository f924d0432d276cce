"""The areas moved from pledges to core: an existing database keeps its areas, the pledges made
in them, and the permissions groups were given on them."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [
    ("core", "0003_campaign_local_activities_page"),
    ("pledges", "0009_pledge_wall_keyset_indexes"),
]
AFTER = [("core", "0005_area_table"), ("pledges", "0010_area_moves_to_core")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_areas_keep_their_pledges_and_permissions_when_they_move_to_core():
    old = migrate(BEFORE)
    OldArea = old.get_model("pledges", "Area")
    OldPledge = old.get_model("pledges", "Pledge")
    Group = old.get_model("auth", "Group")
    Permission = old.get_model("auth", "Permission")
    area = OldArea.objects.create(name="Strood", sort_order=3)
    pledge = OldPledge.objects.create(text="Say hello", area=area, secret="s" * 20)
    surveyors = Group.objects.create(name="Area surveyors")
    surveyors.permissions.add(
        Permission.objects.get(content_type__app_label="pledges", codename="change_area")
    )
    try:
        new = migrate(AFTER)
        NewArea = new.get_model("core", "Area")
        NewPledge = new.get_model("pledges", "Pledge")
        moved = NewArea.objects.get(name="Strood")
        assert (moved.pk, moved.sort_order) == (area.pk, 3)
        assert NewPledge.objects.get(pk=pledge.pk).area_id == moved.pk
        assert NewArea._meta.db_table == "core_area"
        granted = new.get_model("auth", "Group").objects.get(name="Area surveyors")
        assert list(granted.permissions.values_list("content_type__app_label", "codename")) == [
            ("core", "change_area")
        ]
        ContentType = new.get_model("contenttypes", "ContentType")
        assert not ContentType.objects.filter(app_label="pledges", model="area").exists()
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
