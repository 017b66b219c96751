"""A comparison key for target metrics, so that two documents' wordings of one metric meet.

市级以上中药材专业合作社 (巴中 2022 plan) and 组建中药材专业合作社 (巴中 2023 opinions) both count
中药材专业合作社: the action verb and the level qualifier in front say how, not what.
"""
from __future__ import annotations

import re

# Leading words that say how a count grows or at which level, not what is counted (data).
ACTION_PREFIXES = ("新培育", "培育", "组建", "新增", "新建", "建成", "建设", "引进", "打造",
                   "推动", "创建", "认定", "招引")
LEVEL_PREFIXES = ("国省级", "国家级", "省级以上", "市级以上", "省级", "市级", "全市", "全省")
_PREFIX = re.compile("^(?:" + "|".join(sorted(ACTION_PREFIXES + LEVEL_PREFIXES, key=len, reverse=True)) + ")")


def metric_key(metric: str) -> str:
    key = re.sub(r"[\s“”\"'（）()]", "", metric)
    while True:
        stripped = _PREFIX.sub("", key, count=1)
        if stripped == key or len(stripped) < 2:
            return key
        key = stripped
