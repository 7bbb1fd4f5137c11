"""The commonest Chinese surnames, for recognising a column of names by its content.

About 400 of the commonest single-character surnames of mainland China (simplified
characters, by population), plus the compound surnames still in use. A column whose
values mostly start with one of these is very likely a name column; the list does not
need to be complete, only to cover the bulk of any real population.
"""

from __future__ import annotations

_COMMON = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷"
    "侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂"
    "章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁"
    "冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄"
    "窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎"
    "甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺"
    "楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄平计索宣晋相初门"
    "云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况那宿鲜印逯隆茹诸战慕危"
    "玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信展阴昝智幸奉植衡富尧闭由"
)

SURNAMES: frozenset[str] = frozenset(_COMMON)

COMPOUND_SURNAMES: frozenset[str] = frozenset(
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 夏侯 令狐 司徒 宇文 端木 轩辕 百里 呼延 "
    "西门 南宫 独孤 万俟 闻人 澹台 公冶 太史 申屠 钟离 拓跋".split()
)

# Surnames read differently from their everyday pronunciation; pypinyin reads a name
# as ordinary text, so the start of a name is looked up here first (two characters,
# then one).
SURNAME_PINYIN: dict[str, str] = {
    "尉迟": "yuchi",
    "万俟": "moqi",
    "长孙": "zhangsun",
    "单于": "chanyu",
    "单": "shan",
    "曾": "zeng",
    "解": "xie",
    "查": "zha",
    "仇": "qiu",
    "朴": "piao",
    "区": "ou",
    "盖": "ge",
    "乐": "yue",
    "覃": "qin",
    "缪": "miao",
    "种": "chong",
    "员": "yun",
    "召": "shao",
    "繁": "po",
    "秘": "bi",
    "翟": "zhai",
    "都": "du",
    "折": "she",
    "薄": "bo",
    "阚": "kan",
    "藏": "zang",
    "蕃": "pi",
}
