"""District profiles: the public facts and stated assumptions behind each sample city.

A profile holds the counts the generator must reproduce (streets, communities)
and the rates it samples from (households, cameras, incidents). Counts that are
public are cited in ``sources``; everything else is an assumption, written down
in ``assumptions`` so a reader can tell a fact from a guess.
"""

from __future__ import annotations

from dataclasses import dataclass

# Surnames in rough national frequency order (most common first); profiles may
# reorder the head of the list for regional flavour.
NATIONAL_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
    "龚邵万钱严覃武戴莫孔向汤"
)


@dataclass(frozen=True)
class Profile:
    """What a sample city of one district must look like.

    Counts of streets and communities are reproduced exactly; households,
    cameras and incidents are totals at ``scale=1`` and shrink with the scale.

    Attributes
    ----------
    adcode, name, name_en : str
        GB/T 2260 division code and the district's Chinese and English names.
    n_streets, n_communities : int
        Streets/towns (街道/乡镇) and communities/villages (社区/村).
    urban_share : float
        Share of communities that are urban 社区 rather than rural 村.
    households, persons_per_household : int, float
        Resident households at scale 1 and mean household size.
    urban_household_share : float
        Share of households living in urban communities.
    urban_community_km2 : float
        Typical area of one urban community, which sizes the urban core.
    floating_share : float
        Share of residents who are floating (流动人口, registered elsewhere).
    elderly_alone_share : float
        Share of households that are one person aged 70 or more.
    public_cameras, private_cameras, incidents_per_year : int
        Totals at scale 1.
    street_names : tuple of str
        Real street/town names in code order (街道 first); empty means generated.
    cores : tuple of (lon, lat)
        Approximate WGS 84 centres of the urban core(s), main one first.
    oldtown_share : float
        Share of urban communities, nearest the main core, drawn as an old town:
        blocks of touching courtyard houses and terraces (胡同, 老城区).
    urban_village_share : float
        Share of villages, nearest the cores, drawn as 城中村: dense clusters of
        small touching rental buildings the city has grown around.
    tower_share : float
        Share of an estate's households living in towers of 300–800 households.
    surnames : str
        Surname characters, most common first, for registered residents.
    sources, assumptions : str
        Where the facts come from, and every number that is assumed.
    """

    adcode: str
    name: str
    name_en: str
    n_streets: int
    n_communities: int
    urban_share: float
    households: int
    persons_per_household: float
    floating_share: float
    elderly_alone_share: float
    public_cameras: int
    private_cameras: int
    incidents_per_year: int
    street_names: tuple[str, ...]
    urban_household_share: float
    urban_community_km2: float
    cores: tuple[tuple[float, float], ...]
    oldtown_share: float = 0.0
    urban_village_share: float = 0.0
    tower_share: float = 0.1
    surnames: str = NATIONAL_SURNAMES
    sources: str = ""
    assumptions: str = ""

    def __post_init__(self) -> None:
        if not 1 <= self.n_streets <= self.n_communities:
            raise ValueError(f"{self.adcode}: need 1 <= n_streets <= n_communities")
        if self.street_names and len(self.street_names) != self.n_streets:
            raise ValueError(
                f"{self.adcode}: {len(self.street_names)} street names for {self.n_streets} streets"
            )
        for share in (
            "urban_share",
            "urban_household_share",
            "floating_share",
            "elderly_alone_share",
            "oldtown_share",
            "urban_village_share",
            "tower_share",
        ):
            if not 0.0 <= getattr(self, share) <= 1.0:
                raise ValueError(f"{self.adcode}: {share} must be within [0, 1]")
        if not self.cores:
            raise ValueError(f"{self.adcode}: give at least one urban core")

    @property
    def n_urban(self) -> int:
        """Number of urban communities (the rest are rural villages)."""
        return round(self.urban_share * self.n_communities)


LUQIAO = Profile(
    adcode="331004",
    name="路桥区",
    name_en="Luqiao District, Taizhou, Zhejiang",
    n_streets=10,
    n_communities=333,
    urban_share=0.15,
    households=177_000,
    persons_per_household=2.6,
    floating_share=0.38,
    elderly_alone_share=0.05,
    public_cameras=1_260,
    private_cameras=20_000,
    incidents_per_year=30_000,
    street_names=(
        "路桥街道",
        "路南街道",
        "路北街道",
        "螺洋街道",
        "桐屿街道",
        "峰江街道",
        "新桥镇",
        "横街镇",
        "金清镇",
        "蓬街镇",
    ),
    urban_household_share=0.6,
    urban_community_km2=0.6,
    cores=((121.375, 28.580), (121.43, 28.525)),
    oldtown_share=0.1,
    urban_village_share=0.15,
    surnames="陈王林李张徐黄郑蔡杨金周吴梁朱潘罗赵应叶" + NATIONAL_SURNAMES,
    sources="10 streets/towns and 333 villages/communities; 1,260 public-place cameras "
    "and over 20,000 social cameras (2011). Street names are the real ones; their "
    "placement on the map is synthetic.",
    assumptions="about 460,000 residents / 2.6 persons per household = 177,000 households; "
    "15% of communities urban holding 60% of households; 38% floating (a manufacturing "
    "district with many migrant workers); 5% of households elderly living alone; "
    "20,000 private cameras (the 2011 figure, not grown); 30,000 incidents a year "
    "(about 65 per 1,000 residents); urban communities about 0.6 km²; cores near 路桥 "
    "old town and the 路南 new town; the 10% of urban communities nearest 路桥 are old "
    "town (the 十里长街 quarter), the 15% of villages nearest a core are 城中村 holding "
    "four times the households of a village of their size; 10% of estate households "
    "in towers.",
)

DONGCHENG = Profile(
    adcode="110101",
    name="东城区",
    name_en="Dongcheng District, Beijing",
    n_streets=17,
    n_communities=205,
    urban_share=1.0,
    households=308_000,
    persons_per_household=2.3,
    floating_share=0.25,
    elderly_alone_share=0.08,
    public_cameras=5_000,
    private_cameras=25_000,
    incidents_per_year=60_000,
    street_names=(
        "东华门街道",
        "景山街道",
        "交道口街道",
        "安定门街道",
        "北新桥街道",
        "东四街道",
        "朝阳门街道",
        "建国门街道",
        "东直门街道",
        "和平里街道",
        "前门街道",
        "崇文门外街道",
        "东花市街道",
        "龙潭街道",
        "体育馆路街道",
        "天坛街道",
        "永定门外街道",
    ),
    urban_household_share=1.0,
    urban_community_km2=0.2,
    cores=((116.416, 39.928),),
    oldtown_share=0.5,
    surnames="王李张刘赵杨陈马高孙" + NATIONAL_SURNAMES,
    sources="17 streets, 205 communities, 589 grids, about 700,000 residents.",
    assumptions="708,000 residents / 2.3 persons per household = 308,000 households; all "
    "communities urban; 25% floating; 8% of households elderly living alone (an old "
    "inner-city population); 5,000 public and 25,000 private cameras; 60,000 incidents "
    "a year; the half of the communities nearest the centre are old town (胡同 and "
    "courtyard houses inside the second ring road), the rest estates with 10% of "
    "households in towers.",
)

HAIDIAN = Profile(
    adcode="110108",
    name="海淀区",
    name_en="Haidian District, Beijing",
    n_streets=29,
    n_communities=700,
    urban_share=0.88,
    households=1_305_000,
    persons_per_household=2.4,
    floating_share=0.35,
    elderly_alone_share=0.05,
    public_cameras=15_000,
    private_cameras=80_000,
    incidents_per_year=200_000,
    street_names=(
        "万寿路街道",
        "永定路街道",
        "羊坊店街道",
        "甘家口街道",
        "八里庄街道",
        "紫竹院街道",
        "北下关街道",
        "北太平庄街道",
        "学院路街道",
        "中关村街道",
        "海淀街道",
        "青龙桥街道",
        "清华园街道",
        "燕园街道",
        "香山街道",
        "清河街道",
        "花园路街道",
        "西三旗街道",
        "马连洼街道",
        "田村路街道",
        "上地街道",
        "曙光街道",
        "四季青镇",
        "海淀镇",
        "东升镇",
        "西北旺镇",
        "温泉镇",
        "苏家坨镇",
        "上庄镇",
    ),
    urban_household_share=0.95,
    urban_community_km2=0.3,
    cores=((116.31, 39.98), (116.29, 39.93), (116.30, 40.04)),
    urban_village_share=0.3,
    tower_share=0.2,
    surnames="王李张刘赵杨陈马高孙" + NATIONAL_SURNAMES,
    sources="A large volunteer patrol force registered by real name. Street and town "
    "names are the 22 streets and 7 towns of the 2010s.",
    assumptions="29 streets/towns; 700 communities (about 620 urban, 80 villages); "
    "3,130,000 residents (2020 census) / 2.4 = 1,305,000 households; 35% floating "
    "(students and tech workers); 15,000 public and 80,000 private cameras; 200,000 "
    "incidents a year; cores at 中关村, 公主坟 and 上地; 30% of villages 城中村 (as "
    "唐家岭 was); 20% of estate households in towers.",
)

ERYUAN = Profile(
    adcode="532930",
    name="洱源县",
    name_en="Eryuan County, Dali, Yunnan",
    n_streets=9,
    n_communities=90,
    urban_share=0.07,
    households=89_800,
    persons_per_household=3.3,
    floating_share=0.05,
    elderly_alone_share=0.06,
    public_cameras=600,
    private_cameras=3_000,
    incidents_per_year=12_000,
    street_names=(
        "茈碧湖镇",
        "邓川镇",
        "右所镇",
        "三营镇",
        "凤羽镇",
        "乔后镇",
        "牛街乡",
        "炼铁乡",
        "西山乡",
    ),
    urban_household_share=0.2,
    urban_community_km2=1.0,
    cores=((99.951, 26.111), (100.07, 26.02)),
    surnames="杨李赵张段王何字尹施苏罗董寸" + NATIONAL_SURNAMES,
    sources="9 townships, 90 village/residential committees, 2,614 km², 296,200 people.",
    assumptions="296,200 people / 3.3 = 89,800 households; 6 of 90 committees urban "
    "(county seat and 邓川) holding 20% of households; 5% floating; 6% elderly alone; "
    "600 public and 3,000 private cameras; 12,000 incidents a year; Bai surnames lead.",
)

RUILI = Profile(
    adcode="533102",
    name="瑞丽市",
    name_en="Ruili City, Dehong, Yunnan",
    n_streets=6,
    n_communities=47,
    urban_share=11 / 47,
    households=89_200,
    persons_per_household=3.0,
    floating_share=0.30,
    elderly_alone_share=0.04,
    public_cameras=1_500,
    private_cameras=8_000,
    incidents_per_year=15_000,
    street_names=("勐卯镇", "畹町镇", "弄岛镇", "姐相乡", "户育乡", "勐秀乡"),
    urban_household_share=0.2,
    urban_community_km2=1.5,
    cores=((97.855, 24.013), (98.063, 24.087)),
    surnames="李杨张王刘赵尹线方孟" + NATIONAL_SURNAMES,
    sources="66 grids: 11 urban communities in 30 grids of 500–600 households; 36 rural "
    "grids, one per village committee or farm. Town names as commonly listed.",
    assumptions="267,600 residents (2020 census) / 3.0 = 89,200 households; 11 urban "
    "communities holding 20% (about 30 grids × 550 households = 16,500 and some more); "
    "6 towns/townships; 30% floating (a border trade city); 4% elderly alone; 1,500 "
    "public and 8,000 private cameras; 15,000 incidents a year.",
)

PROFILES: dict[str, Profile] = {p.adcode: p for p in (LUQIAO, DONGCHENG, HAIDIAN, ERYUAN, RUILI)}
