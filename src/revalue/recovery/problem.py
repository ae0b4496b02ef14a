"""The disposition problem in aggregate: classes of interchangeable devices, their options,
and the capacities those options draw on. Shared by the MIP and the greedy heuristic.

Devices with the same ``Device.profile`` have the same options, so each class is one set of
integer counts. A class's candidates are its options down to its best uncapacitated one (an
option that uses no capacity): anything scoring lower is never worth choosing, so it is left
out of the optimization (it still appears among a decision's alternatives).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from revalue.domain import routes
from revalue.domain.errors import InvalidInput
from revalue.domain.recovery import ChannelTerms, Device, Economics, Option, RepairAction


class NoRoute(InvalidInput):
    """A device has no option at all (no channel prices it and no recycling channel)."""

    code = "no_route"


class Infeasible(InvalidInput):
    """The capacities cannot hold every device: some have only capacitated options."""

    code = "capacity_infeasible"


REPAIR = ("repair",)  # the resource key of technician minutes
Resource = tuple[str, ...]  # ("channel", id) | ("model", channel id, model id) | REPAIR


@dataclass(slots=True)
class DeviceClass:
    devices: list[int]  # indices into the input, in input order
    model_id: str
    options: list[Option]  # every option, best first
    candidates: list[Option]  # the ones worth optimizing over, best first
    uses: list[list[tuple[Resource, int]]]  # per candidate: (resource, amount per device)
    free: int | None  # index of the uncapacitated candidate (always the last), if any


@dataclass(slots=True)
class Problem:
    devices: Sequence[Device]
    economics: Economics
    classes: list[DeviceClass]
    capacity: dict[Resource, int]
    channels: dict[str, ChannelTerms]

    def uses(self, option: Option, model_id: str) -> list[tuple[Resource, int]]:
        channel = self.channels[option.channel_id]
        found: list[tuple[Resource, int]] = []
        if channel.capacity is not None:
            found.append((("channel", channel.id), 1))
        if model_id in channel.model_capacity:
            found.append((("model", channel.id, model_id), 1))
        if self.economics.repair_minutes is not None and option.labour_minutes:
            found.append((REPAIR, option.labour_minutes))
        return found


def prepare(
    devices: Sequence[Device],
    channels: Sequence[ChannelTerms],
    repairs: Mapping[str, Sequence[RepairAction]],
    economics: Economics,
) -> Problem:
    """Group the devices into classes; raise NoRoute for a device with no option at all."""
    capacity: dict[Resource, int] = {}
    for channel in channels:
        if channel.capacity is not None:
            capacity[("channel", channel.id)] = channel.capacity
        for model_id, cap in channel.model_capacity.items():
            capacity[("model", channel.id, model_id)] = cap
    if economics.repair_minutes is not None:
        capacity[REPAIR] = economics.repair_minutes
    problem = Problem(devices, economics, [], capacity, {c.id: c for c in channels})
    by_profile: dict[tuple[object, ...], DeviceClass] = {}
    for index, device in enumerate(devices):
        found = by_profile.get(device.profile)
        if found is None:
            found = _class(problem, device, channels, repairs, economics)
            by_profile[device.profile] = found
            problem.classes.append(found)
        found.devices.append(index)
    return problem


def _class(
    problem: Problem,
    device: Device,
    channels: Sequence[ChannelTerms],
    repairs: Mapping[str, Sequence[RepairAction]],
    economics: Economics,
) -> DeviceClass:
    every = routes.options(device, channels, repairs.get(device.category, ()), economics)
    if not every:
        raise NoRoute(
            f"trade-in {device.trade_in_id} has no route: no channel prices it and no "
            "recycling channel takes it",
            field="trade_in_id",
            trade_in_id=device.trade_in_id,
        )
    candidates: list[Option] = []
    uses: list[list[tuple[Resource, int]]] = []
    free = None
    for option in every:
        used = problem.uses(option, device.model_id)
        candidates.append(option)
        uses.append(used)
        if not used:
            free = len(candidates) - 1
            break
    return DeviceClass([], device.model_id, every, candidates, uses, free)


Assignment = list[list[int]]  # per class, per candidate: how many of its devices take it


def usage(problem: Problem, counts: Assignment) -> dict[Resource, int]:
    used = dict.fromkeys(problem.capacity, 0)
    for cls, row in zip(problem.classes, counts, strict=True):
        for uses, n in zip(cls.uses, row, strict=True):
            for resource, amount in uses:
                used[resource] += amount * n
    return used


def holds(problem: Problem, counts: Assignment) -> bool:
    """Every device placed once and every capacity kept: a solver's rounded answer is checked
    before it is trusted, so a tolerance in floating point never overfills a channel."""
    used = usage(problem, counts)
    return all(
        sum(row) == len(cls.devices) and min(row, default=0) >= 0
        for cls, row in zip(problem.classes, counts, strict=True)
    ) and all(used[r] <= cap for r, cap in problem.capacity.items())
