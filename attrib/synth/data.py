"""Static reference lists the synthetic world draws from.

Everything here is public, non-personal reference data: the commonest Chinese
surnames with approximate population shares, common given-name characters with their
pinyin (used to build e-mail local parts), prefecture-level region codes of GB/T 2260
with province/city/district names and licence-plate prefixes, road and compound names.

The lists are written as compact strings ("王wang:7.1 李li:7.0 ...") because they are
easier to proofread that way than as hundreds of tuples.
"""

from __future__ import annotations

from dataclasses import dataclass

# Surname, pinyin and share of the population in percent (rounded, after the
# 2020 census counts). The shares only need to be realistic in shape: a few very
# common surnames and a long tail, so that name collisions happen as in real lists.
_SURNAMES = """
王wang:7.1 李li:7.0 张zhang:6.7 刘liu:5.4 陈chen:4.5 杨yang:3.1 黄huang:2.4 赵zhao:2.3
吴wu:2.0 周zhou:1.9 徐xu:1.7 孙sun:1.5 马ma:1.5 朱zhu:1.3 胡hu:1.3 郭guo:1.2 何he:1.2
高gao:1.1 林lin:1.1 罗luo:1.0 郑zheng:1.0 梁liang:0.9 谢xie:0.8 宋song:0.8 唐tang:0.8
许xu:0.7 韩han:0.7 冯feng:0.7 邓deng:0.7 曹cao:0.6 彭peng:0.6 曾zeng:0.6 肖xiao:0.6
田tian:0.5 董dong:0.5 袁yuan:0.5 潘pan:0.5 于yu:0.5 蒋jiang:0.5 蔡cai:0.5 余yu:0.5
杜du:0.5 叶ye:0.4 程cheng:0.4 苏su:0.4 魏wei:0.4 吕lv:0.4 丁ding:0.4 任ren:0.4 沈shen:0.4
姚yao:0.4 卢lu:0.4 姜jiang:0.3 崔cui:0.3 钟zhong:0.3 谭tan:0.3 陆lu:0.3 汪wang:0.3 范fan:0.3
金jin:0.3 石shi:0.3 廖liao:0.3 贾jia:0.3 夏xia:0.3 韦wei:0.3 付fu:0.3 方fang:0.3 白bai:0.3
邹zou:0.3 孟meng:0.3 熊xiong:0.3 秦qin:0.3 邱qiu:0.3 江jiang:0.3 尹yin:0.3 薛xue:0.2
闫yan:0.2 段duan:0.2 雷lei:0.2 侯hou:0.2 龙long:0.2 史shi:0.2 陶tao:0.2 黎li:0.2 贺he:0.2
顾gu:0.2 毛mao:0.2 郝hao:0.2 龚gong:0.2 邵shao:0.2 万wan:0.2 钱qian:0.2 严yan:0.2 覃qin:0.2
武wu:0.2 戴dai:0.2 莫mo:0.2 孔kong:0.2 向xiang:0.2 汤tang:0.2
"""

# Given-name characters, grouped by the gender they lean to in naming practice.
_GIVEN_MALE = """
伟wei 强qiang 磊lei 军jun 勇yong 杰jie 涛tao 明ming 超chao 刚gang 平ping 辉hui 鹏peng
华hua 飞fei 鑫xin 波bo 斌bin 浩hao 凯kai 健jian 俊jun 帆fan 帅shuai 旭xu 龙long 阳yang
建jian 国guo 峰feng 亮liang 成cheng 东dong 海hai 志zhi 永yong 兵bing 坤kun 毅yi 锋feng
博bo 洋yang 航hang 昊hao 宏hong 金jin 庆qing 生sheng 福fu 贵gui 荣rong 德de 民min
山shan 松song 江jiang 振zhen 瑞rui 泽ze 睿rui 轩xuan 豪hao 梓zi 皓hao 铭ming 哲zhe
翔xiang 腾teng 彬bin 维wei 伦lun 达da 武wu 炎yan 栋dong 柱zhu 岩yan 剑jian 虎hu 耀yao
光guang 祥xiang 兴xing 发fa 忠zhong 胜sheng 力li 良liang 卫wei 宝bao 喜xi 义yi 仁ren
信xin 智zhi 勤qin 正zheng 刚gang 钢gang 铁tie 杨yang 森sen 林lin 奇qi 骏jun 驰chi 勋xun
彪biao 壮zhuang 猛meng 劲jin 威wei 斐fei 恒heng 毅yi 卓zhuo 逸yi 凡fan 锐rui 弘hong
昌chang 盛sheng 隆long 坚jian 群qun 晖hui 韬tao 琛chen 璋zhang 瀚han 霖lin 嵩song 川chuan
钧jun 铮zheng 棋qi 楠nan 柏bai 桐tong 樟zhang 烨ye 焕huan
"""
_GIVEN_FEMALE = """
芳fang 娜na 敏min 静jing 丽li 艳yan 娟juan 霞xia 秀xiu 玲ling 桂gui 英ying 燕yan
萍ping 红hong 梅mei 琳lin 莉li 雪xue 婷ting 倩qian 慧hui 颖ying 洁jie 琴qin 云yun
兰lan 凤feng 丹dan 晶jing 淑shu 怡yi 悦yue 琪qi 瑶yao 璐lu 蕾lei 薇wei 妍yan 彤tong
萱xuan 菲fei 露lu 蓉rong 莹ying 珍zhen 珊shan 婉wan 娇jiao 媛yuan 姗shan 岚lan 月yue
春chun 秋qiu 美mei 爱ai 翠cui 玉yu 珠zhu 芬fen 芝zhi 香xiang 素su 惠hui 巧qiao 嫣yan
诗shi 梦meng 雨yu 涵han 馨xin 蕊rui 茜qian 菁jing 晴qing 瑜yu 雯wen 琦qi 岑cen 珂ke
娅ya 妮ni 彩cai 霜shuang 薇wei 琼qiong 莲lian 荷he 菊ju 兰lan 桃tao 杏xing 湘xiang
娥e 嫦chang 姣jiao 婵chan 媚mei 妙miao 姿zi 宛wan 璇xuan 瑾jin 瑗yuan 琬wan 珏jue
莎sha 蓓bei 黛dai 婕jie 娴xian 婧jing 妤yu 芸yun 芮rui 苒ran 萌meng 蔓man 筱xiao 韵yun 歆xin
"""
_GIVEN_NEUTRAL = """
子zi 一yi 文wen 家jia 佳jia 嘉jia 晓xiao 宇yu 欣xin 思si 天tian 清qing 安an 乐le
心xin 若ruo 星xing 辰chen 诚cheng 鸿hong 晨chen 新xin 立li 海hai 春chun 明ming 小xiao
雅ya 舒shu 宁ning 静jing 润run 和he 秀xiu 書shu 亦yi 可ke 依yi 语yu 沐mu 朝zhao
希xi 景jing 远yuan 致zhi 修xiu 齐qi 昕xin 晗han 煜yu 曦xi 墨mo 言yan 知zhi 行xing
"""


def _parse_chars(text: str) -> list[tuple[str, str]]:
    """Parse "字pin 字pin ..." into unique (char, pinyin) pairs, first spelling wins."""
    seen: dict[str, str] = {}
    for item in text.split():
        char, pinyin = item[0], item[1:]
        seen.setdefault(char, pinyin)
    return list(seen.items())


def _parse_surnames(text: str) -> list[tuple[str, str, float]]:
    out = []
    for item in text.split():
        head, share = item.split(":")
        out.append((head[0], head[1:], float(share)))
    return out


SURNAMES: list[tuple[str, str, float]] = _parse_surnames(_SURNAMES)
GIVEN_MALE: list[tuple[str, str]] = _parse_chars(_GIVEN_MALE)
GIVEN_FEMALE: list[tuple[str, str]] = _parse_chars(_GIVEN_FEMALE)
# "書" is a traditional form a few registries keep; drop it so names are simplified,
# as the normaliser expects of canonical names.
GIVEN_NEUTRAL: list[tuple[str, str]] = [c for c in _parse_chars(_GIVEN_NEUTRAL) if c[0] != "書"]


@dataclass(frozen=True)
class Prefecture:
    """One prefecture-level city: GB/T 2260 code, names, plate prefix, weight."""

    code4: str  # first four digits of the region code, e.g. "3301"
    province: str  # full province name, "" for municipalities (the city carries it)
    city: str
    districts: tuple[tuple[str, str], ...]  # (two-digit suffix, district name)
    plate: str  # province abbreviation + issuing letters, e.g. "浙A"
    weight: float  # relative share of residents (rough; big cities attract migrants)


_PROVINCES = {
    "11": ("", "京"),
    "12": ("", "津"),
    "13": ("河北省", "冀"),
    "14": ("山西省", "晋"),
    "15": ("内蒙古自治区", "蒙"),
    "21": ("辽宁省", "辽"),
    "22": ("吉林省", "吉"),
    "23": ("黑龙江省", "黑"),
    "31": ("", "沪"),
    "32": ("江苏省", "苏"),
    "33": ("浙江省", "浙"),
    "34": ("安徽省", "皖"),
    "35": ("福建省", "闽"),
    "36": ("江西省", "赣"),
    "37": ("山东省", "鲁"),
    "41": ("河南省", "豫"),
    "42": ("湖北省", "鄂"),
    "43": ("湖南省", "湘"),
    "44": ("广东省", "粤"),
    "45": ("广西壮族自治区", "桂"),
    "46": ("海南省", "琼"),
    "50": ("", "渝"),
    "51": ("四川省", "川"),
    "52": ("贵州省", "贵"),
    "53": ("云南省", "云"),
    "54": ("西藏自治区", "藏"),
    "61": ("陕西省", "陕"),
    "62": ("甘肃省", "甘"),
    "63": ("青海省", "青"),
    "64": ("宁夏回族自治区", "宁"),
    "65": ("新疆维吾尔自治区", "新"),
}

# code4 city plate-letters weight | district suffixes and names
_PREFECTURES = """
1101 北京市 AEFNP 9 | 01东城区 02西城区 05朝阳区 06丰台区 08海淀区
1201 天津市 ACE 5 | 01和平区 02河东区 03河西区 04南开区
1301 石家庄市 A 4 | 02长安区 04桥西区 05新华区 08裕华区
1302 唐山市 B 2.5 | 02路南区 03路北区
1304 邯郸市 D 2.5 | 02邯山区 03丛台区
1306 保定市 F 3 | 02竞秀区 06莲池区
1401 太原市 A 2.5 | 05小店区 06迎泽区 07杏花岭区
1402 大同市 B 1.2 | 13平城区
1501 呼和浩特市 A 1.5 | 02新城区 03回民区
1502 包头市 B 1.2 | 03昆都仑区
2101 沈阳市 A 3 | 02和平区 03沈河区 04大东区 05皇姑区
2102 大连市 B 2.5 | 02中山区 03西岗区 04沙河口区 11甘井子区
2103 鞍山市 C 1.2 | 02铁东区
2201 长春市 A 3 | 02南关区 03宽城区 04朝阳区
2202 吉林市 B 1.2 | 04船营区
2301 哈尔滨市 A 3.5 | 02道里区 03南岗区 04道外区
2306 大庆市 E 1.2 | 02萨尔图区
3101 上海市 ABDF 10 | 01黄浦区 04徐汇区 05长宁区 06静安区 07普陀区 15浦东新区
3201 南京市 A 4 | 02玄武区 04秦淮区 05建邺区 06鼓楼区
3202 无锡市 B 3 | 11滨湖区 13梁溪区 14新吴区
3203 徐州市 C 2.5 | 02鼓楼区 03云龙区
3204 常州市 D 2 | 02天宁区 04钟楼区 11新北区
3205 苏州市 E 5 | 05虎丘区 06吴中区 07相城区 08姑苏区
3206 南通市 F 2 | 02崇川区
3210 扬州市 K 1.5 | 02广陵区 03邗江区
3301 杭州市 A 5 | 02上城区 05拱墅区 06西湖区 08滨江区 09萧山区
3302 宁波市 B 3 | 03海曙区 05江北区 12鄞州区
3303 温州市 C 3 | 02鹿城区 03龙湾区 04瓯海区
3304 嘉兴市 F 1.5 | 02南湖区 11秀洲区
3306 绍兴市 D 1.5 | 02越城区 03柯桥区
3307 金华市 G 2 | 02婺城区 03金东区
3310 台州市 J 2 | 02椒江区
3401 合肥市 A 4 | 02瑶海区 03庐阳区 04蜀山区 11包河区
3402 芜湖市 B 1.5 | 02镜湖区
3501 福州市 A 3 | 02鼓楼区 03台江区 04仓山区
3502 厦门市 D 2.5 | 03思明区 05海沧区 06湖里区
3505 泉州市 C 3 | 02鲤城区 03丰泽区
3601 南昌市 A 3 | 02东湖区 03西湖区 04青云谱区
3607 赣州市 B 2 | 02章贡区
3701 济南市 A 4 | 02历下区 03市中区 04槐荫区 05天桥区
3702 青岛市 BU 4 | 02市南区 03市北区 11黄岛区 12崂山区
3706 烟台市 F 2 | 02芝罘区 13莱山区
3707 潍坊市 G 2.5 | 02潍城区 05奎文区
3713 临沂市 Q 3 | 02兰山区 11罗庄区
4101 郑州市 A 5 | 02中原区 03二七区 05金水区
4103 洛阳市 C 2.5 | 02老城区 03西工区 05涧西区
4201 武汉市 A 5 | 02江岸区 03江汉区 04硚口区 06武昌区 11洪山区
4205 宜昌市 E 1.5 | 02西陵区
4206 襄阳市 F 1.5 | 02襄城区
4301 长沙市 A 4 | 02芙蓉区 03天心区 04岳麓区 05开福区
4302 株洲市 B 1.2 | 11天元区
4401 广州市 A 8 | 03荔湾区 04越秀区 05海珠区 06天河区 11白云区
4403 深圳市 B 8 | 03罗湖区 04福田区 05南山区 06宝安区 07龙岗区
4404 珠海市 C 1.5 | 02香洲区
4405 汕头市 D 2 | 07金平区
4406 佛山市 EX 4 | 04禅城区 05南海区 06顺德区
4413 惠州市 L 2 | 02惠城区
4501 南宁市 A 3 | 02兴宁区 03青秀区 05江南区
4503 桂林市 C 1.5 | 02秀峰区 04象山区
4601 海口市 A 1.5 | 05秀英区 06龙华区 08美兰区
5001 重庆市 ABCD 8 | 03渝中区 05江北区 06沙坪坝区 07九龙坡区 08南岸区 12渝北区
5101 成都市 A 7 | 04锦江区 05青羊区 06金牛区 07武侯区 08成华区
5107 绵阳市 B 1.5 | 03涪城区 04游仙区
5201 贵阳市 A 2.5 | 02南明区 03云岩区
5203 遵义市 C 1.5 | 02红花岗区
5301 昆明市 A 3.5 | 02五华区 03盘龙区 11官渡区 12西山区
5401 拉萨市 A 0.5 | 02城关区
6101 西安市 A 5 | 02新城区 03碑林区 04莲湖区 13雁塔区
6201 兰州市 A 2 | 02城关区 03七里河区
6301 西宁市 A 1 | 02城东区 03城中区
6401 银川市 A 1 | 04兴庆区 05西夏区
6501 乌鲁木齐市 A 2 | 02天山区 03沙依巴克区
"""


def _parse_prefectures(text: str) -> list[Prefecture]:
    out = []
    for line in text.strip().splitlines():
        head, tail = line.split("|")
        code4, city, letters, weight = head.split()
        province, abbrev = _PROVINCES[code4[:2]]
        districts = tuple((d[:2], d[2:]) for d in tail.split())
        # Municipalities issue several letters; the first is enough for a prefix and the
        # rest are picked at random per plate in ids.make_plates.
        out.append(Prefecture(code4, province, city, districts, abbrev + letters, float(weight)))
    return out


PREFECTURES: list[Prefecture] = _parse_prefectures(_PREFECTURES)

ROADS: list[str] = """
人民路 解放路 中山路 建设路 和平路 新华路 胜利路 文化路 长江路 黄河路 青年路 光明路 朝阳路
东风路 建国路 幸福路 南京路 北京路 延安路 学府路 科技路 工业路 滨江路 湖滨路 花园路 迎宾路
育才路 府前街 广场路 东大街 西大街 南大街 北大街 环城路 友谊路 团结路 振兴路 兴业路 金桥路
创新路 民主路 公园路 体育路 劳动路 红旗路 五一路 健康路 望江路 新村路 百花路 桂花路 梧桐路
海棠路 丹桂路 紫荆路 银杏路 丽景路 春晖路 凤凰路 秀水街 翠湖路 长安街 江南大道 世纪大道
""".split()

COMPOUND_HEADS: list[str] = """
阳光 锦绣 幸福 翠苑 金色 碧水 华府 名都 绿洲 世纪 新城 丽景 东方 龙湖 御景 和平 康乐 春江
枫林 金桂 蓝湾 书香 瑞景 紫薇 嘉和 香榭 润园 城市 滨江 怡景
""".split()
COMPOUND_TAILS: list[str] = "花园 家园 小区 苑 公寓 新村 嘉园 雅苑 名邸 华庭".split()

OFFICE_NAMES: list[str] = """
国贸大厦 金融中心 科技园 创业园 商务中心 世纪大厦 时代广场 国际中心 财富中心 软件园 总部基地
产业园 写字楼 大厦 商务楼 综合楼 物流园 工业园
""".split()

# Mobile prefixes (three digits) with rough shares of issued numbers. The tool only
# needs them to look like 1[3-9]x numbers; the skew makes prefixes uninformative.
MOBILE_PREFIXES: list[tuple[int, float]] = [
    (130, 3),
    (131, 3),
    (132, 3),
    (133, 3),
    (134, 3),
    (135, 5),
    (136, 5),
    (137, 5),
    (138, 6),
    (139, 6),
    (145, 0.5),
    (147, 1),
    (150, 4),
    (151, 4),
    (152, 3),
    (153, 3),
    (155, 3),
    (156, 3),
    (157, 2),
    (158, 4),
    (159, 4),
    (166, 1),
    (170, 0.5),
    (171, 0.5),
    (173, 1),
    (175, 1),
    (176, 1),
    (177, 1),
    (178, 1),
    (180, 3),
    (181, 3),
    (182, 3),
    (183, 2),
    (184, 1),
    (185, 3),
    (186, 3),
    (187, 3),
    (188, 3),
    (189, 3),
    (191, 1),
    (193, 1),
    (195, 0.5),
    (198, 1),
    (199, 1),
]

EMAIL_DOMAINS: list[tuple[str, float]] = [
    ("qq.com", 42),
    ("163.com", 24),
    ("126.com", 10),
    ("gmail.com", 5),
    ("sina.com", 6),
    ("foxmail.com", 5),
    ("hotmail.com", 4),
    ("139.com", 4),
]

VEHICLE_TYPES: list[str] = ["小型轿车", "小型普通客车", "小型越野客车", "轻型货车", "新能源轿车"]
CAR_MODELS: list[str] = [
    "大众朗逸",
    "丰田卡罗拉",
    "本田雅阁",
    "比亚迪秦",
    "吉利帝豪",
    "长安CS75",
    "哈弗H6",
    "日产轩逸",
    "别克英朗",
    "特斯拉Model 3",
    "五菱宏光",
    "奥迪A4L",
]
