"""对投诉举报多…加大随机抽查力度: the freeze page flags the pool's entities with many open or
substantiated complaints, to the office only; the public task page never shows them."""

from django.urls import reverse
from django.utils import timezone

from shuangsuiji.credit import complaints as C
from shuangsuiji.credit import services as credit


def _complain(world, target, n, *, substantiated=None):
    for _ in range(n):
        complaint = C.complaint_submit(target_id=target.pk, summary="占用",
                                       complainant={"anonymous": True})
        if substantiated is not None:
            C.complaint_reply(actor=world.users["office"], complaint=complaint, reply="已核查")
            C.complaint_close(actor=world.users["office"], complaint=complaint,
                              substantiated=substantiated)


def test_the_freeze_page_flags_entities_with_many_complaints(login, world, seed):
    flagged, cleared, few = seed.targets[0], seed.targets[1], seed.targets[2]
    _complain(world, flagged, 2)
    _complain(world, flagged, 1, substantiated=True)
    _complain(world, cleared, 3, substantiated=False)  # not substantiated: no weight
    _complain(world, few, 2)
    credit.complaint_add(actor=world.users["office"], target=few,
                         received_on=timezone.localdate(), summary="电话", substantiated=False)
    page = login("office").get(reverse("draws:freeze", args=[seed.task.pk])).content.decode()
    assert flagged.name in page and cleared.name not in page and few.name not in page
    assert reverse("plans:task_strata", args=[seed.task.pk]) in page
    public = login("office").get(f"/public/tasks/{seed.task.code}/").content.decode()
    assert flagged.name not in public


def test_no_flag_without_many_complaints(login, world, seed):
    _complain(world, seed.targets[0], C.MANY_COMPLAINTS - 1)
    response = login("office").get(reverse("draws:freeze", args=[seed.task.pk]))
    assert response.context["notes"] == []
