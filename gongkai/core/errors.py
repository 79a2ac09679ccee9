"""Problems and errors.

Validation never raises for bad content: every stage returns the problems it
found as :class:`Problem` values, and the build fails once, at the end, with
all of them.  Exceptions are for conditions that stop a run outright::

    GongkaiError                 base of everything gongkai raises on purpose
     ├── ContentError            content is invalid; carries the list of Problems
     ├── SiteNotFound            no content/site.yaml where a site was expected
     ├── OutputError             the output directory cannot be written safely
     └── ArchiveError            an archive entry cannot be written

The CLI turns any GongkaiError into a Chinese message and exit code 1.

Error codes are stable: docs and tests name them.  ``CODES`` maps every code
to a short Chinese title; a test checks that every code used in the package
is listed here and documented in docs/errors.md.
"""

from __future__ import annotations

from enum import StrEnum

from gongkai.core.dataclass import dataclass

__all__ = [
    "CODES",
    "ArchiveError",
    "ContentError",
    "GongkaiError",
    "Loc",
    "OutputError",
    "Problem",
    "Severity",
    "SiteNotFound",
]


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Loc:
    """Where a value came from: a file (relative to the site), a line, and for
    spreadsheets a cell such as ``工作表1!C17``."""

    path: str
    line: int = 0
    col: int = 0
    cell: str = ""

    def __reduce__(self) -> tuple[type[Loc], tuple[str, int, int, str]]:
        # The build cache holds hundreds of thousands of these: a call of the
        # constructor unpickles several times faster than a frozen slotted
        # dataclass's generic __setstate__ (which looks up its fields each time).
        return Loc, (self.path, self.line, self.col, self.cell)

    def __str__(self) -> str:
        if self.cell:
            return f"{self.path} {self.cell}"
        if self.line:
            return f"{self.path}:{self.line}"
        return self.path


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the content, in words a clerk can act on."""

    loc: Loc
    code: str
    message: str  # what is wrong, in Chinese
    field: str = ""  # dotted path of the field, e.g. recipients[3].amount
    value: str = ""  # the offending value as written (already masked if personal)
    hint: str = ""  # what is expected / how to fix it, in Chinese
    severity: Severity = Severity.ERROR
    # A consequence of another problem (a total that is off because a row is):
    # the cause's sort key, so that it is listed right after its cause.
    after: tuple[str | int, ...] = ()

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def format(self) -> str:
        """The one-or-two-line Chinese form printed by the CLI."""
        kind = "错误" if self.is_error else "警告"
        head = f"{self.loc}: {kind} {self.code} {self.message}"
        parts = []
        if self.field:
            parts.append(f"字段 {self.field}")
        if self.value:
            parts.append(f"值 “{_short(self.value)}”")
        if self.hint:
            parts.append(f"应为：{self.hint}")
        return head + ("\n    " + "；".join(parts) if parts else "")

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.loc.path,
            "line": self.loc.line,
            "column": self.loc.col,
            "cell": self.loc.cell,
            "code": self.code,
            "severity": self.severity.value,
            "field": self.field,
            "value": self.value,
            "message": self.message,
            "hint": self.hint,
        }

    def sort_key(self) -> tuple[str | int, ...]:
        """File, line, column, code; a consequence right after its cause."""
        own = (self.loc.path, self.loc.line, self.loc.col, self.code)
        return (*self.after, *own) if self.after else own


def _short(value: str, limit: int = 60) -> str:
    value = value.replace("\n", "⏎")
    return value if len(value) <= limit else value[: limit - 1] + "…"


class GongkaiError(Exception):
    """Base class of the errors gongkai raises on purpose."""


class ContentError(GongkaiError):
    """The content has errors; ``problems`` lists every one of them."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=Problem.sort_key)
        n = sum(1 for p in self.problems if p.is_error)
        super().__init__(f"内容有 {n} 处错误，未生成网站")


class SiteNotFound(GongkaiError):
    """No site (content/site.yaml) at the given place."""


class OutputError(GongkaiError):
    """The output directory cannot be written safely."""


class ArchiveError(GongkaiError):
    """An archive entry cannot be written."""


# Stable codes. GK0xx: files; GK1xx: fields; GK2xx: references between records;
# GK3xx: domain rules (sums, notice periods, decision chains); GK4xx: personal
# data; GK5xx: archive; GK6xx: deadlines (warnings); GK7xx: 索引号 and the annual report;
# GK9xx: county portals.
CODES: dict[str, str] = {
    "GK001": "文件无法解码（编码不对）",
    "GK002": "YAML 语法错误",
    "GK003": "同一层级出现重复的键",
    "GK004": "不允许使用 YAML 锚点/别名",
    "GK005": "文件过大或嵌套过深",
    "GK006": "Markdown 文件缺少或未闭合 front matter",
    "GK007": "文件顶层不是“键: 值”结构",
    "GK008": "含有不可见的双向控制字符",
    "GK009": "内容目录中不允许符号链接",
    "GK010": "无法识别的文件或目录",
    "GK011": "缺少 site.yaml",
    "GK012": "正文结构过于复杂，无法安全排版",
    "GK101": "未知的键（可能是拼写错误）",
    "GK102": "缺少必填项",
    "GK103": "值的类型不对",
    "GK104": "日期无效",
    "GK105": "金额格式无效",
    "GK106": "数字格式无效",
    "GK107": "取值不在允许范围内",
    "GK108": "编号（id）格式无效",
    "GK109": "内容为空",
    "GK110": "是/否值无效",
    "GK111": "不予公开的信息缺少依据，或主动公开信息多写了依据",
    "GK112": "起止日期顺序颠倒",
    "GK114": "公开方式与条例依据不符（依申请公开引用第十四至十六条、情形与条款不符、第十五条但书）",
    "GK113": "身份证号格式无效或未按要求遮蔽",
    "GK119": "带千分位逗号的数字没有加引号",
    "GK120": "名单文件类型不支持（请存为 .xlsx 或 .csv）",
    "GK121": "名单文件过大或行数过多",
    "GK122": "找不到名单的表头行或“姓名”列",
    "GK123": "名单含有不得公开的个人信息列",
    "GK124": "名单的列名无法识别或重复",
    "GK125": "身份证号被 Excel 存成了数字，末几位已丢失",
    "GK126": "单元格没有可用的值（公式未计算、错误值、日期或合并单元格）",
    "GK127": "只读取了第一个工作表，其他工作表被忽略",
    "GK128": "合计行或签字行之后还有人员数据",
    "GK129": "名单中没有人员",
    "GK201": "编号（id）重复",
    "GK202": "未知的公开主体",
    "GK203": "引用的记录不存在或类型不对",
    "GK204": "附件不存在",
    "GK205": "名单文件不存在或无法读取",
    "GK301": "科目编码格式无效",
    "GK302": "上级科目不在表中",
    "GK303": "上级科目金额不等于下级之和",
    "GK304": "合计与各类金额之和不符",
    "GK305": "空表缺少说明",
    "GK306": "科目编码重复",
    "GK307": "负数金额不是调减、退税等行",
    "GK308": "金额个数与表头的金额列不符",
    "GK311": "金额不等于数量×标准",
    "GK312": "名单合计不符",
    "GK313": "同一人出现两次",
    "GK314": "公示期短于最短天数",
    "GK315": "缺少公示期",
    "GK316": "缺少补贴标准",
    "GK317": "名单文件合计行不符",
    "GK321": "资金来源与项目安排不符",
    "GK322": "支出超过安排资金",
    "GK323": "已完工项目缺少支出",
    "GK331": "重大决策阶段缺少必需内容",
    "GK332": "重大决策阶段顺序不对",
    "GK333": "重大决策日期倒序",
    "GK334": "征求意见期短于最短天数",
    "GK335": "重大决策链条循环",
    "GK341": "收费事项缺少收费标准",
    "GK351": "规范性文件的有效性写得不完整或前后矛盾",
    "GK352": "有效期已届满的规范性文件仍标为有效",
    "GK353": "规范性文件没有同步发布政策解读",
    "GK354": "不是政策解读的通知公告写了 interprets",
    "GK355": "一事一议筹资筹劳的金额合计不符",
    "GK356": "一事一议每人筹资额超过本省上限",
    "GK357": "村民会议、村民代表会议人数不足或未过半数通过",
    "GK358": "一事一议方案或采购结果没有公示期",
    "GK359": "中标（成交）金额不大于零",
    "GK360": "救灾物资没有单位",
    "GK361": "救灾物资数量不是正数",
    "GK362": "救灾物资的数量合计与名单不符",
    "GK363": "救灾物资不在本记录的物资清单中",
    "GK364": "救灾物资的单位与物资清单不一致",
    "GK365": "建议提案办理结果为 C 类却没有说明原因",
    "GK366": "建议提案答复超过办理期限",
    "GK367": "建议提案答复日期早于交办日期",
    "GK368": "建议提案答复日期晚于发布日期",
    # 财预〔2016〕143号 (check/rules/budget143.py); GK370–GK373 are warnings
    "GK370": "预决算应公开的表格不全",
    "GK371": "支出没有公开到项级科目",
    "GK372": "“三公”经费比上年增减，没有说明原因",
    "GK373": "“三公”经费的团组、车辆、接待数与金额前后矛盾",
    "GK374": "“三公”经费与基本支出表中 30217、30231 行不一致",
    "GK375": "集体资产资源成交价低于底价或评估价，没有说明原因",
    "GK376": "集体资产资源出租、发包期限超过法定或本地上限",
    "GK377": "集体资产资源以协议方式处置，没有说明原因",
    "GK378": "集体资产资源处置没有公示期",
    "GK379": "集体资产资源处置合同签订早于村民会议决定",
    "GK380": "土地流转期限超过承包期的剩余期限",
    "GK381": "流转土地改变农业用途",
    "GK382": "村集体流转农户承包地，书面委托不全",
    "GK383": "流出农户的户数或面积合计与总数不符",
    "GK384": "土地流转没有备案，或社会资本流转没有资格审查、项目审核",
    # 救灾物资 rosters from spreadsheets (read/roster_goods.py)
    "GK395": "名单文件中这一户没有领取任何物资，也没有金额",
    # 宅基地审批 (check/rules/homestead.py) and 机构概况 (check/rules/institution.py)
    "GK385": "宅基地批准面积超过本省规定的标准",
    "GK386": "同一户再次批准宅基地，没有退出原宅基地",
    "GK387": "占用农用地建房，没有写农用地转用审批文号",
    "GK388": "宅基地审批的日期先后不对",
    "GK389": "宅基地批准前没有写村（组）公示",
    "GK390": "宅基地批准户数或面积合计与名单不符",
    "GK391": "宅基地的审批机关与批准日期不符",
    "GK392": "领导没有写分工",
    "GK393": "已离任的领导仍在领导名单中",
    "GK401": "内容中有未遮蔽的身份证号",
    "GK402": "内容中有银行卡号",
    "GK403": "名单或正文中有手机号",
    "GK404": "生成的网站文件中发现个人敏感信息",
    "GK405": "附件无法检查或类型不允许",
    "GK406": "图片含有拍摄位置",
    "GK407": "名单“一直公开”没有写明依据",
    "GK408": "名单公开范围的设置前后矛盾",
    "GK409": "标题、摘要或正文中写有名单里的姓名",
    "GK501": "存档文件被改动过（校验码不符）",
    "GK502": "存档文件缺失",
    "GK503": "存档中有清单之外的文件",
    "GK504": "存档清单 manifest.json 缺失或无法读取",
    "GK505": "存档对应的记录不存在",
    "GK506": "存档条目的位置与清单不符",
    "GK507": "存档链断开",
    "GK508": "提交中修改或删除了存档文件",
    "GK601": "信息形成后超过 20 个工作日才公开",
    "GK602": "资金下达后超过 15 个工作日才公开",
    "GK603": "预决算批准后超过 20 日才公开",
    "GK604": "该年份的节假日安排未知",
    "GK605": "上一年度的政府信息公开工作年度报告逾期未公布",
    # GK7xx: 索引号 registry and the annual report's data (content/applications/YEAR.yaml)
    "GK701": "依申请公开数量不平衡（本年新收＋上年结转≠办理结果总计＋结转下年度）",
    "GK702": "依申请公开数据文件的年度与文件名不符",
    "GK703": "上年结转数与上一年度的结转下年度数不一致",
    "GK704": "办理结果总计与各项之和不符",
    "GK705": "年度报告中本年制发的行政规范性文件件数与网站上的规范性文件不符",
    # the register of applications (content/applications/register/YEAR.yaml)
    "GK721": "登记簿中的申请前后矛盾",
    "GK722": "答复超过法定期限",
    "GK723": "申请已超过答复期限仍未答复",
    "GK724": "申请的答复期限快到了",
    "GK725": "手填的依申请公开数字与登记簿不一致",
    "GK726": "告知补正或延期晚了",
    "GK711": "索引号登记表格式错误",
    "GK712": "索引号重复",
    # GK8xx: the 54号 标准目录 (content/catalogue.yaml)
    "GK801": "标准目录文件格式不对",
    "GK802": "不适用的领域没有写原因",
    "GK803": "事项编号重复",
    "GK804": "事项的记录类别写法不对",
    "GK805": "两个事项收同一类记录",
    "GK806": "不适用的领域中有公开信息",
    # GK9xx: county portals (county.yaml, gongkai/county/)
    "GK901": "county.yaml 格式不对",
    "GK902": "乡镇内容无法获取（子目录不存在或 git 仓库无法克隆、更新）",
}
