"""How each organisation exports a snapshot: file format, encoding, headers, extras.

Formats differ per organisation on purpose (the reader and the column detector must
cope with all of them): Parquet with snake_case headers (authority), XLSX with a notes
sheet and Chinese headers (insurer_a, dealer), GB18030 CSV with CRLF line ends
(insurer_b), UTF-8 CSV with English headers (bank, insurer_c), JSON Lines (couriers),
TSV with a UTF-8 BOM (telecom). Each export also carries opaque columns an
organisation really has (customer / policy / waybill numbers, amounts, dates that are
not birth dates) so that not every column is a personal field.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, replace

import numpy as np
import polars as pl

from attrib.synth import data
from attrib.synth.orgs import org_rng
from attrib.synth.population import cat, choose, iso_dates, lookup, num
from attrib.synth.render import Style, render
from attrib.synth.world import World


@dataclass(frozen=True)
class Export:
    """One organisation's export habit."""

    fmt: str  # csv | tsv | jsonl | parquet | xlsx
    encoding: str
    style: Style
    extras: tuple[tuple[str, str], ...]  # (column header, generator name[:prefix])
    sheet: str = "Sheet1"
    notes_sheet: str | None = None  # XLSX: name of a second sheet with an export note
    crlf: bool = False

    @property
    def ext(self) -> str:
        """File extension."""
        return self.fmt


EXPORTS: dict[str, Export] = {
    "vla": Export(
        "parquet",
        "utf-8",
        Style(
            headers={
                "name": "owner_name",
                "national_id": "id_number",
                "phone": "mobile",
                "address": "reg_address",
                "plate": "plate_no",
            },
            order=("record_no", "plate", "name", "national_id", "phone", "address"),
        ),
        (
            ("record_no", "customer_no:VL"),
            ("vehicle_type", "vehicle_type"),
            ("reg_date", "join_date"),
            ("displacement_l", "displacement"),
        ),
    ),
    "insurer_a": Export(
        "xlsx",
        "utf-8",
        Style(
            headers={
                "name": "被保险人",
                "national_id": "证件号码",
                "phone": "联系电话",
                "birth_date": "出生日期",
                "address": "联系地址",
                "plate": "车牌号",
            },
            phone="dash",
            date="slash",
            order=("保单号",),
        ),
        (("保单号", "policy_no:PDAA"), ("保费(元)", "premium")),
        sheet="保单清单",
        notes_sheet="导出说明",
    ),
    "insurer_b": Export(
        "csv",
        "gb18030",
        Style(headers="zh", phone="plain", date="cn", order=("保单编号",)),
        (("保单编号", "policy_no:JD"), ("保险金额", "sum_insured")),
        crlf=True,
    ),
    "insurer_c": Export(
        "csv",
        "utf-8",
        Style(
            headers={
                "name": "Insured",
                "national_id": "ID No",
                "phone": "Phone",
                "birth_date": "Birthday",
                "address": "Address",
                "plate": "Plate",
            },
            phone="intl_compact",
            date="dot",
            order=("Policy",),
        ),
        (("Policy", "policy_no:RX"),),
    ),
    "bank": Export(
        "csv",
        "utf-8",
        Style(headers="en", phone="intl", date="compact", order=("Customer No",)),
        (("Customer No", "customer_no:62"), ("Balance", "balance")),
    ),
    "courier": Export(
        "jsonl",
        "utf-8",
        Style(
            headers={"name": "name", "phone": "phone", "address": "address"},
            phone="mixed",
            fullwidth=0.05,
            order=("waybill_no", "role"),
        ),
        (("waybill_no", "waybill:YD"), ("role", "role"), ("weight_kg", "weight")),
    ),
    "courier_b": Export(
        "jsonl",
        "utf-8",
        Style(
            headers={"name": "收件人", "phone": "联系电话", "address": "收件地址"},
            phone="space",
            order=("运单号",),
        ),
        (("运单号", "waybill:FY"),),
    ),
    "dealer": Export(
        "xlsx",
        "utf-8",
        Style(
            headers={
                "name": "客户姓名",
                "phone": "联系电话",
                "plate": "车牌号码",
                "address": "地址",
            },
            phone="space",
            plate="dot",
            order=("客户编号",),
        ),
        (("客户编号", "customer_no:JH"), ("车型", "car_model"), ("购车日期", "join_date")),
        sheet="客户资料",
        notes_sheet="说明",
    ),
    "telecom": Export(
        "tsv",
        "utf-8-sig",
        Style(
            headers={
                "name": "cust_name",
                "national_id": "cert_no",
                "phone": "msisdn",
                "email": "email",
                "address": "install_address",
            },
            phone="intl_compact",
            order=("cust_id",),
        ),
        (("cust_id", "customer_no:"), ("plan", "plan")),
    ),
}

_PLANS = [
    "畅享套餐59元",
    "畅享套餐99元",
    "畅享套餐129元",
    "5G融合199元",
    "校园卡39元",
    "老年卡19元",
]


def _salt(*parts: str) -> int:
    return zlib.crc32("|".join(parts).encode()) % 1_000_000


def _mix(pid: np.ndarray) -> np.ndarray:
    """Knuth's multiplicative hash: a stable pseudo-random order of person ids."""
    return (pid.astype(np.uint64) * np.uint64(2654435761)) % np.uint64(2**32)


def customer_rank(world: World, org: str, pid: np.ndarray) -> np.ndarray:
    """Customer numbers run in joining order, over everyone who was ever a customer."""
    mem = world.memberships[org]
    order = np.lexsort((_mix(mem.pid), mem.join))
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank[np.searchsorted(mem.pid, pid)]


def _extra(
    gen: str, world: World, org: str, date: str, snap: pl.DataFrame, rng: np.random.Generator
) -> pl.Series:
    """One opaque column. Stable per (person, org) where the real thing would be."""
    name, _, prefix = gen.partition(":")
    pid = snap["person_id"].to_numpy()
    n = len(pid)
    salt = _salt(world.orgs[org].id, str(world.seed))
    if name == "customer_no":
        # Numbered in joining order from an org-specific start: unique and stable
        # across snapshots, unrelated to anything personal.
        return cat(prefix, num(100000 + salt + customer_rank(world, org, pid)).str.zfill(9))
    if name == "policy_no":
        # Renewed yearly: a new number each year. The multiplier is prime to 10, so
        # the map is a bijection mod 10^10 (unique numbers).
        year = int(date[:4])
        key = (pid.astype(np.int64) * 2654435761 + year * 7 + salt) % 10**10
        return cat(prefix, str(year), num(key).str.zfill(10))
    if name == "waybill":
        return cat(prefix, num(rng.integers(10**12, 10**13, n)))
    if name == "premium":
        return pl.Series(np.round(rng.lognormal(8.0, 0.35, n), 2))
    if name == "sum_insured":
        return pl.Series(rng.choice([50, 100, 150, 200, 300], n) * 10000).cast(pl.String)
    if name == "balance":
        return pl.Series(np.round(rng.lognormal(9.0, 1.6, n), 2)).cast(pl.String)
    if name == "weight":
        return pl.Series(np.round(rng.gamma(1.5, 1.5, n) + 0.1, 1))
    if name == "role":
        return lookup(["收件人", "寄件人"], (rng.random(n) < 0.3).astype(int))
    if name == "join_date":
        mem = world.memberships[org]
        return iso_dates(mem.join[np.searchsorted(mem.pid, pid)])
    if name == "vehicle_type":
        # Green (8-character) plates are new-energy cars; the others any fuel type.
        fuel = [t for t in data.VEHICLE_TYPES if not t.startswith("新能源")]
        kind = lookup(fuel, (pid * 31 + 7) % len(fuel))
        return choose((snap["plate"].str.len_chars() == 8).to_numpy(), "新能源轿车", kind)
    if name == "car_model":
        return lookup(data.CAR_MODELS, (pid * 17 + 3) % len(data.CAR_MODELS))
    if name == "displacement":
        return pl.Series(np.round(1.0 + ((pid * 13) % 20) / 10, 1))
    if name == "plan":
        return lookup(_PLANS, (pid * 11 + salt) % len(_PLANS))
    raise ValueError(f"unknown extra column generator {gen!r}")


def export_frame(world: World, org: str, date: str) -> pl.DataFrame:
    """The snapshot as the organisation writes it (rows in customer-number order)."""
    exp = EXPORTS[org]
    snap = world.snapshots[(org, date)]
    pid = snap["person_id"].to_numpy()
    rng = org_rng(world.seed, f"export:{org}:{date}")
    extras = {h: _extra(g, world, org, date, snap, rng) for h, g in exp.extras}
    order_key = customer_rank(world, org, pid)
    frame = snap.with_columns(
        [s.alias(h) for h, s in extras.items()] + [pl.Series("_order", order_key)]
    ).sort("_order")
    return render(frame, replace(exp.style, seed=_salt(org, date)))


def export_notes(world: World, org: str, date: str, rows: int) -> pl.DataFrame | None:
    """The small second sheet of an XLSX export, or None."""
    exp = EXPORTS[org]
    if exp.notes_sheet is None:
        return None
    spec = world.org(org)
    return pl.DataFrame(
        {
            "项目": ["导出单位", "导出时间", "数据截止", "记录数", "操作员", "说明"],
            "内容": [
                spec.name_zh,
                f"{date} 23:59:59",
                date,
                str(rows),
                "admin03",
                "内部资料，严禁外传",
            ],
        }
    )


def source_filename(org: str, date: str) -> str:
    """``<org>_<date>.<ext>``."""
    return f"{org}_{date}.{EXPORTS[org].ext}"
