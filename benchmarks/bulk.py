"""Fast, vectorised generation of large realistic snapshots for the speed benchmarks.

Not the synthetic world of ``attrib.synth`` (which models organisations, versions and
time for the attribution benchmark): just many plausible records, fast.
"""

from __future__ import annotations

import numpy as np
import polars as pl

SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐"
                "许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢")
GIVEN = list("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超"
             "秀兰霞平刚桂英华建国文辉力鹏宇浩子涵欣怡梓轩")
REGIONS = ["110105", "310104", "440106", "440305", "330106", "320102", "510107", "420106",
           "610113", "370102", "120101", "500103", "210102", "350203", "430104"]
CITIES = ["北京市朝阳区", "上海市徐汇区", "广州市天河区", "深圳市南山区", "杭州市西湖区",
          "南京市玄武区", "成都市武侯区", "武汉市洪山区", "西安市雁塔区", "济南市历下区",
          "天津市和平区", "重庆市渝中区", "沈阳市和平区", "厦门市思明区", "长沙市芙蓉区"]
ROADS = list("建国人民解放中山和平胜利友谊光明幸福长江黄河新华")
_W = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])


def _pick(rng: np.random.Generator, items: list[str], n: int) -> pl.Series:
    return pl.Series(items).gather(rng.integers(0, len(items), n))


def _digits(values: np.ndarray, width: int) -> pl.Series:
    return pl.Series(values.astype(np.int64)).cast(pl.String).str.zfill(width)


def national_ids(rng: np.random.Generator, n: int) -> pl.Series:
    """Valid 18-digit IDs (region, birth date 1950-2004, sequence, check digit)."""
    region = np.array([list(map(int, r)) for r in REGIONS])[rng.integers(0, len(REGIONS), n)]
    days = rng.integers(0, 55 * 365, n)
    dates = (np.datetime64("1950-01-01") + days.astype("timedelta64[D]")).astype(str)
    ymd = np.char.replace(dates.astype("U10"), "-", "")
    ymd_digits = np.frombuffer(ymd.astype("S8").tobytes(), dtype=np.uint8).reshape(n, 8) - 48
    seq = rng.integers(0, 1000, n)
    seq_digits = np.stack([seq // 100, seq // 10 % 10, seq % 10], axis=1)
    body = np.concatenate([region, ymd_digits, seq_digits], axis=1)
    check = np.array(list("10X98765432"))[(body * _W).sum(axis=1) % 11]
    text = (body + 48).astype(np.uint8).tobytes()
    bodies = np.frombuffer(text, dtype="S17").astype(str)
    return pl.Series(np.char.add(bodies, check))


def snapshot(rows: int, seed: int = 0) -> pl.DataFrame:
    """A customer snapshot: name, phone, national ID, birth date, address, e-mail."""
    rng = np.random.default_rng(seed)
    ids = national_ids(rng, rows)
    names = (_pick(rng, SURNAMES, rows) + _pick(rng, GIVEN, rows)
             + _pick(rng, GIVEN, rows))
    prefixes = np.array([130, 131, 132, 135, 136, 137, 138, 139, 150, 151, 152, 158, 159, 186,
                         187, 188, 189])
    phones = (pl.Series(prefixes[rng.integers(0, len(prefixes), rows)]).cast(pl.String)
              + _digits(rng.integers(0, 10**8, rows), 8))
    address = (_pick(rng, CITIES, rows) + _pick(rng, ROADS, rows) + "路"
               + pl.Series(rng.integers(1, 999, rows)).cast(pl.String) + "号")
    email = (_digits(rng.integers(10**5, 10**10, rows), 6) + "@qq.com")
    return pl.DataFrame({
        "姓名": names,
        "手机号码": phones,
        "身份证号": ids,
        "出生日期": ids.str.slice(6, 8),
        "联系地址": address,
        "电子邮箱": email,
    })
